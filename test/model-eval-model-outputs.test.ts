/**
 * model-eval on models whose outputs do not give one prediction per row (a bad model, one line naming
 * the output and its shape), and on what a gate names: trimmed slice values, latency left off.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArtifact } from '@modelgate/core';
import { DataType, encodeModelProto, type NodeProto, type ValueInfoProto } from '@modelgate/onnx';
import { runActionBundle } from './harness/run-action.js';
import { visibleLines } from './harness/file-commands.js';
import { attr, graph, info, model, node } from '../packages/onnx/src/test-models.js';

/** x[N, width] → `nodes` → `outputs`, fed from the columns `features`. */
function modelOf(features: string[], nodes: NodeProto[], outputs: ValueInfoProto[], metadata: Record<string, string> = {}): Uint8Array {
  const proto = model(graph({ name: 'g', node: nodes, input: [info('x', DataType.FLOAT, ['N', features.length])], output: outputs }), { '': 15 });
  proto.metadata_props = Object.entries({ feature_names: features.join(','), ...metadata }).map(([key, value]) => ({ key, value }));
  return encodeModelProto(proto);
}

const argmax = (output: string) => node('ArgMax', ['x'], [output], [attr.int('axis', 1), attr.int('keepdims', 0)]);
/** label = ArgMax(x) and probabilities = x, classes c0 and c1. */
const classifier = (nodes: NodeProto[] = [argmax('label'), node('Identity', ['x'], ['probabilities'])]) =>
  modelOf(['p0', 'p1'], nodes, [info('label', DataType.INT64, ['N']), info('probabilities', DataType.FLOAT, ['N', 2])], { class_labels: 'c0,c1' });

async function evaluate(modelBytes: Uint8Array, csv: string, inputs: Record<string, string> = {}) {
  const run = await runActionBundle('model-eval', { inputs: { model: 'model.onnx', data: 'data.csv', label: 'y', 'latency-runs': '0', ...inputs }, files: { 'model.onnx': modelBytes, 'data.csv': csv } });
  const metricsFile = join(run.workspace, 'modelgate-out/metrics.json');
  return { run, lines: visibleLines(run.stdout), metrics: existsSync(metricsFile) ? parseArtifact('metrics', readFileSync(metricsFile, 'utf8'), 'metrics.json') : undefined };
}

const classes = 'p0,p1,y\n0.2,0.8,c1\n0.7,0.3,c1\n0.6,0.4,c0\n';
const values = 'a,b,c,y\n1,2,3,1\n2,3,4,2\n3,4,5,4\n';

describe('model-eval on a model whose output does not give one prediction per row', () => {
  it('a label output holding one value for 3 rows (no phantom class "undefined", no metrics.json)', async () => {
    const label1 = classifier([argmax('position'), node('ReduceMax', ['position'], ['label'], [attr.int('keepdims', 1)]), node('Identity', ['x'], ['probabilities'])]);
    const { run, lines, metrics } = await evaluate(label1, classes, { positive: 'c1' });
    expect(run.exitCode).toBe(1);
    expect(metrics).toBeUndefined();
    expect(lines).toEqual(["::error file=model.onnx::output 'label' returned shape [1] for a batch of 3 rows; expected [3] (one label per row)"]);
  });

  it('probabilities of one row for 3 rows', async () => {
    const mean = classifier([argmax('label'), node('ReduceMean', ['x'], ['probabilities'], [attr.ints('axes', [0]), attr.int('keepdims', 1)])]);
    const { run, lines } = await evaluate(mean, classes, { positive: 'c1' });
    expect(run.exitCode).toBe(1);
    expect(lines).toEqual(["::error file=model.onnx::output 'probabilities' returned shape [1, 2] for a batch of 3 rows; expected [3, C] (a row of class columns per row)"]);
  });

  it('a regression value of 3 columns per row (shape not declared), or one value for all rows', async () => {
    const wide = modelOf(['a', 'b', 'c'], [node('Identity', ['x'], ['variable'])], [info('variable', DataType.FLOAT, undefined)]);
    const { run, lines } = await evaluate(wide, values);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(1);
    expect(lines).toEqual(["::error file=model.onnx::output 'variable' returned shape [3, 3] for a batch of 3 rows; expected [3] or [3, 1] (one value per row)"]);
    const reduced = modelOf(['a', 'b', 'c'], [node('ReduceMean', ['x'], ['variable'], [attr.ints('axes', [0, 1]), attr.int('keepdims', 1)])], [info('variable', DataType.FLOAT, ['N', 1])]);
    expect((await evaluate(reduced, values)).lines).toEqual(["::error file=model.onnx::output 'variable' returned shape [1, 1] for a batch of 3 rows; expected [3] or [3, 1] (one value per row)"]);
  });
});

describe('model-eval gates on what the data holds', () => {
  it("slice values are read without surrounding spaces, as labels are: ' Male' is Male, a blank value is (missing)", async () => {
    const csv = 'p0,p1,y,sex\n0.2,0.8,c1, Male\n0.7,0.3,c1, Female\n0.6,0.4,c0, Male\n0.1,0.9,c1,Female \n0.5,0.5,c0,  \n';
    const gates = 'slice(sex=Male).recall >= 0.5\nslice(sex=(missing)).accuracy >= 1';
    const { run, metrics } = await evaluate(classifier(), csv, { positive: 'c1', slices: 'sex', gates });
    expect(run.exitCode).toBe(0);
    expect(metrics!.slices.map((slice) => `${slice.value}:${slice.rows}`)).toEqual(['Female:2', 'Male:2', '(missing):1']);
    expect(metrics!.gates.map((gate) => [gate.expr, gate.actual, gate.passed])).toEqual([
      ['slice(sex=Male).recall >= 0.5', 1, true],
      ['slice(sex=(missing)).accuracy >= 1', 1, true],
    ]);
  });

  it('a gate on single-row latency with latency-runs 0 says latency was not measured', async () => {
    const { run, lines } = await evaluate(classifier(), classes, { positive: 'c1', gates: 'latency.p95_ms <= 5' });
    expect(run.exitCode).toBe(1);
    expect(lines).toEqual([
      "::error::gate 'latency.p95_ms <= 5': latency.p95_ms is single-row latency, which is not measured with latency-runs 0; set latency-runs above 0, or gate the batch latency (latency.batch_p50_ms, latency.batch_p95_ms)",
    ]);
  });
});
