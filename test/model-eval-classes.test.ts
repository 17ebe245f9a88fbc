/**
 * Which classes model-eval scores: integer classes other than 0…C-1 as scikit-learn models return
 * them (goldens from fixtures/oracles/int_class_models.py), classes implied by the width of a lone
 * class-score output, and integer labels past 2^53.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataType, encodeModelProto, type ModelProto } from '@modelgate/onnx';
import { parseArtifact } from '@modelgate/core';
import { REPO_ROOT, runActionBundle } from './harness/run-action.js';
import { visibleLines } from './harness/file-commands.js';
import { attr, graph, info, model, node } from '../packages/onnx/src/test-models.js';

const fixture = (path: string) => readFileSync(join(REPO_ROOT, path));

interface Golden {
  classes: number[];
  positive?: number;
  rows: number;
  metrics: Record<string, number>;
  per_class: { label: string; precision: number; recall: number; f1: number; support: number }[];
  confusion_matrix: { labels: string[]; matrix: number[][] };
  predictions: number[];
}

async function evaluate(files: Record<string, string | Uint8Array>, inputs: Record<string, string>) {
  const run = await runActionBundle('model-eval', { inputs: { model: 'model.onnx', data: 'data.csv', label: 'label', 'latency-runs': '0', ...inputs }, files });
  const metricsFile = join(run.workspace, 'modelgate-out/metrics.json');
  return { run, metrics: existsSync(metricsFile) ? parseArtifact('metrics', readFileSync(metricsFile, 'utf8'), 'metrics.json') : undefined };
}

// sklearn computes probability metrics from its float64 predict_proba, onnxruntime in float32: log loss
// and Brier differ by rounding (the oracle keeps rows clear of ties, so the rankings and labels are equal).
const ROUNDED = new Set(['log_loss', 'brier']);

describe.each(['skl_int12_linear_zipmap', 'skl_int123_mlp_zipmap'])('model-eval on %s: a scikit-learn classifier whose label output returns its classes', (name) => {
  it('scores the classes it returns, not positions in its class list: the metrics scikit-learn reports for the same model', async () => {
    const golden = JSON.parse(fixture(`fixtures/eval/${name}.sklearn.json`).toString()) as Golden;
    const { run, metrics } = await evaluate(
      { 'model.onnx': fixture(`fixtures/onnx/${name}.onnx`), 'data.csv': fixture(`fixtures/eval/${name}.csv`) },
      { ...(golden.positive !== undefined ? { positive: String(golden.positive) } : {}), 'predictions-out': 'predictions.csv' },
    );
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(metrics!.task).toBe(golden.classes.length === 2 ? 'binary' : 'multiclass');
    expect(metrics!.rows).toBe(golden.rows);
    expect(metrics!.confusion_matrix).toEqual(golden.confusion_matrix);
    for (const [metric, value] of Object.entries(golden.metrics)) {
      expect(Math.abs((metrics!.metrics[metric] ?? Number.NaN) - value), `${metric}: ${metrics!.metrics[metric]} vs sklearn ${value}`).toBeLessThanOrEqual(ROUNDED.has(metric) ? 1e-7 : 1e-12);
    }
    for (const [i, expected] of golden.per_class.entries()) {
      const actual = metrics!.per_class![i]!;
      expect(actual.label).toBe(expected.label);
      for (const key of ['precision', 'recall', 'f1', 'support'] as const) expect(Math.abs((actual[key] ?? Number.NaN) - expected[key]), `${expected.label} ${key}`).toBeLessThanOrEqual(1e-12);
    }
    const predicted = readFileSync(join(run.workspace, 'predictions.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(',')[2]);
    expect(predicted).toEqual(golden.predictions.map(String));
  });
});

/** x[N, C] → Identity → `output`: a torch-style classifier whose one output is its class probabilities. */
function lonelyScores(classes: number): Uint8Array {
  const proto: ModelProto = model(graph({ name: 'scores', node: [node('Identity', ['x'], ['output'])], input: [info('x', DataType.FLOAT, ['N', classes])], output: [info('output', DataType.FLOAT, ['N', classes])] }), { '': 15 });
  proto.metadata_props = [{ key: 'feature_names', value: Array.from({ length: classes }, (_, c) => `p${c}`).join(',') }];
  return encodeModelProto(proto);
}

describe('model-eval on a lone [N, C] output without class metadata: its classes are 0…C-1', () => {
  it('a 3-class model stays multiclass when the hold-out lacks class 2 (scikit-learn with labels=[0, 1, 2])', async () => {
    const csv = 'p0,p1,p2,label\n0.6,0.3,0.1,0\n0.2,0.7,0.1,1\n0.5,0.4,0.1,1\n0.3,0.6,0.1,0\n0.8,0.1,0.1,0\n';
    const { run, metrics } = await evaluate({ 'model.onnx': lonelyScores(3), 'data.csv': csv }, {});
    expect(run.exitCode).toBe(0);
    expect(visibleLines(run.stdout).filter((line) => line.startsWith('::warning'))).toEqual([]);
    expect(metrics!.task).toBe('multiclass');
    expect(metrics!.confusion_matrix!.labels).toEqual(['0', '1', '2']);
    // sklearn 1.2.1: precision_score / f1_score(average='macro'), log_loss(labels=[0, 1, 2]) on the float32 values.
    expect(metrics!.metrics['precision']).toBeCloseTo(0.5833333333333333, 12);
    expect(metrics!.metrics['f1']).toBeCloseTo(0.5833333333333333, 12);
    expect(metrics!.metrics['log_loss']).toBeCloseTo(0.6421815304761416, 12);
  });

  it('a hold-out of one class is still scored: the model has two', async () => {
    const { run, metrics } = await evaluate({ 'model.onnx': lonelyScores(2), 'data.csv': 'p0,p1,label\n0.8,0.2,0\n0.9,0.1,0\n' }, {});
    expect(run.exitCode).toBe(0);
    expect(metrics!.task).toBe('binary');
    expect(metrics!.metrics['accuracy']).toBe(1);
    expect(metrics!.metrics['roc_auc']).toBeNull();
  });
});

describe('model-eval on a hold-out of one class, with a model that declares no classes', () => {
  it('is one line naming the data file and data.classes', async () => {
    const proto = model(
      graph({
        name: 'clf',
        node: [node('Identity', ['x'], ['probabilities']), node('ArgMax', ['x'], ['label'], [attr.int('axis', 1), attr.int('keepdims', 0)])],
        input: [info('x', DataType.FLOAT, ['N', 2])],
        output: [info('label', DataType.INT64, ['N']), info('probabilities', DataType.FLOAT, ['N', 2])],
      }),
      { '': 15 },
    );
    proto.metadata_props = [{ key: 'feature_names', value: 'p0,p1' }];
    const { run, metrics } = await evaluate({ 'model.onnx': encodeModelProto(proto), 'data.csv': 'p0,p1,label\n0.8,0.2,0\n0.9,0.1,0\n' }, {});
    expect(run.exitCode).toBe(1);
    expect(metrics).toBeUndefined();
    expect(visibleLines(run.stdout)).toEqual([
      "::error file=data.csv::every label in 'label' is '0' and the model predicts no other class (it declares none): classification metrics need at least 2 classes; list the model's classes under data.classes in modelgate.yml",
    ]);
  });
});

describe('model-eval on integer labels past 2^53', () => {
  it('keeps 2^53 and 2^53 + 1 apart, as pandas reads them (scikit-learn accuracy 0.5)', async () => {
    const classes = ['1', '2', '9007199254740992', '9007199254740993'];
    const csv = 'p0,p1,p2,p3,label\n0.1,0.1,0.1,0.7,9007199254740992\n0.1,0.1,0.7,0.1,9007199254740993\n0.7,0.1,0.1,0.1,1\n0.1,0.7,0.1,0.1,2\n';
    const { run, metrics } = await evaluate({ 'model.onnx': lonelyScores(4), 'data.csv': csv, 'modelgate.yml': `name: big\ndata: { classes: [${classes.map((c) => `'${c}'`).join(', ')}] }\n` }, {});
    expect(run.exitCode).toBe(0);
    expect(metrics!.confusion_matrix).toEqual({ labels: classes, matrix: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]] });
    expect(metrics!.metrics['accuracy']).toBe(0.5);
  });
});
