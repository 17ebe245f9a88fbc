/**
 * XGBoost models trained by python3-xgboost 1.7.4 (fixtures/oracles/xgboost_oracle.py) against
 * XGBoost's own predict(output_margin=True) and predict(): the converted model in
 * onnxruntime-node and the reference evaluator both within 1e-5, and the ONNX passes our checker.
 */
import { describe, expect, it } from 'vitest';
import { checkModel, encodeModel } from '@modelgate/onnx';
import { convertTreeModel } from './convert.js';
import { predictReference } from './evaluate.js';
import { checkParity } from './parity.js';
import { fixture, rowsToFloat32, runOrt } from './test-helpers.js';

interface Golden {
  objective: string;
  num_features: number;
  best_iteration: number;
  num_boosted_rounds: number;
  rows: (number | null)[][];
  margin: number[][];
  prediction: number[] | number[][];
  margin_all_iterations?: number[][];
}

const MODELS = ['binary_logistic', 'binary_logitraw', 'multi_softprob', 'multi_softmax', 'reg_squarederror', 'reg_logistic', 'count_poisson', 'reg_gamma', 'reg_tweedie', 'early_stopping', 'dart', 'forest_multi'];
const TOLERANCE = 1e-5;

function maxDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let max = 0;
  for (let i = 0; i < expected.length; i += 1) max = Math.max(max, Math.abs(Number(actual[i]) - expected[i]!));
  return max;
}

/** What ONNX must reproduce from XGBoost's predict(): probabilities/values, or labels for multi:softmax. */
function expectedOutputs(golden: Golden): { name: 'probabilities' | 'variable' | 'label'; values: number[] } {
  const prediction = golden.prediction.flat();
  switch (golden.objective) {
    case 'binary:logistic':
      return { name: 'probabilities', values: prediction.flatMap((p) => [1 - p, p]) };
    case 'binary:logitraw': // predict() returns the margin; the ONNX classifier gives sigmoid(margin)
      return { name: 'probabilities', values: prediction.flatMap((m) => [1 - 1 / (1 + Math.exp(-m)), 1 / (1 + Math.exp(-m))]) };
    case 'multi:softprob':
      return { name: 'probabilities', values: prediction };
    case 'multi:softmax':
      return { name: 'label', values: prediction };
    default:
      return { name: 'variable', values: prediction };
  }
}

describe.each(MODELS)('xgb_%s', (name) => {
  const bytes = fixture(`xgb_${name}.json`);
  const golden = JSON.parse(fixture(`xgb_${name}.expected.json`).toString('utf8')) as Golden;
  const rows = rowsToFloat32(golden.rows);
  const shape = [golden.rows.length, golden.num_features] as const;

  it('ONNX margins and outputs match XGBoost within 1e-5; checker clean', async () => {
    const { model, source, info } = convertTreeModel(bytes, { file: `xgb_${name}.json`, outputMargin: true });
    expect(checkModel(model).filter((p) => p.severity === 'error')).toEqual([]);
    const outputs = await runOrt(encodeModel(model), rows, shape);
    const marginDiff = maxDiff(outputs['margin']!.data as Float32Array, golden.margin.flat());
    const expected = expectedOutputs(golden);
    const got = outputs[expected.name]!.data;
    const outputDiff = expected.name === 'label' ? maxDiff(Array.from(got, Number), expected.values) : maxDiff(got as Float32Array, expected.values);
    console.log(`xgb_${name}: ${info.trees} trees → ${info.ensembleNodes} nodes; ORT vs XGBoost margin ${marginDiff.toExponential(2)}, ${expected.name} ${outputDiff.toExponential(2)}`);
    expect(marginDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(outputDiff).toBeLessThanOrEqual(expected.name === 'label' ? 0 : TOLERANCE);
    if (source.task !== 'regression') {
      expect(Array.from(outputs['label']!.data, Number)).toEqual(Array.from(predictReference(source, rows, shape[1]).labels!));
    }
  });

  it('the reference evaluator matches XGBoost within 1e-5', () => {
    const { source } = convertTreeModel(bytes, { file: `xgb_${name}.json` });
    const reference = predictReference(source, rows, shape[1]);
    const marginDiff = maxDiff(reference.margins, golden.margin.flat());
    const expected = expectedOutputs(golden);
    const outputDiff = expected.name === 'label' ? maxDiff(reference.labels!, expected.values) : maxDiff(reference.outputs, expected.values);
    console.log(`xgb_${name}: reference vs XGBoost margin ${marginDiff.toExponential(2)}, ${expected.name} ${outputDiff.toExponential(2)}`);
    expect(marginDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(outputDiff).toBeLessThanOrEqual(expected.name === 'label' ? 0 : TOLERANCE);
  });

  it('checkParity passes with onnxruntime-node', async () => {
    const { model, source } = convertTreeModel(bytes, { file: `xgb_${name}.json` });
    const report = await checkParity(source, encodeModel(model), rows, shape[1], { run: runOrt });
    expect(report).toMatchObject({ rows: shape[0], tolerance: 1e-5, passed: true });
    expect(report.label_agreement).toBe(source.task === 'regression' ? null : 1);
  });
});

describe('best_iteration', () => {
  const bytes = fixture('xgb_early_stopping.json');
  const golden = JSON.parse(fixture('xgb_early_stopping.expected.json').toString('utf8')) as Golden;
  const rows = rowsToFloat32(golden.rows);

  it('truncates to attributes.best_iteration by default and says so', () => {
    const { info } = convertTreeModel(bytes);
    expect(golden.best_iteration + 1).toBeLessThan(golden.num_boosted_rounds);
    expect(info.trees).toBe(golden.best_iteration + 1);
    expect(info.notes.join()).toContain(`truncated to best_iteration ${golden.best_iteration}`);
  });

  it("iterations: 'all' keeps every tree (matches predict() without iteration_range)", async () => {
    const { model, info } = convertTreeModel(bytes, { iterations: 'all', outputMargin: true });
    expect(info.trees).toBe(golden.num_boosted_rounds);
    const outputs = await runOrt(encodeModel(model), rows, [golden.rows.length, golden.num_features]);
    expect(maxDiff(outputs['margin']!.data as Float32Array, golden.margin_all_iterations!.flat())).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('metadata and layout', () => {
  it('names inputs/outputs, records the source and its feature names', () => {
    const bytes = fixture('xgb_binary_logistic.json');
    const { model, info } = convertTreeModel(bytes, { file: 'xgb_binary_logistic.json' });
    const meta = Object.fromEntries(model.metadata_props.map((p) => [p.key, p.value]));
    expect(meta['source_format']).toBe('xgboost-json');
    expect(meta['source_sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(meta['converter']).toBe('modelgate 0.1.0');
    expect(meta['class_labels']).toBe('0,1');
    expect(meta['feature_names']!.split(',')).toHaveLength(30);
    expect(meta['feature_names']!.startsWith('mean radius,mean texture')).toBe(true);
    expect(info).toMatchObject({ opset: { onnx: 15, ml: 3 }, irVersion: 8, inputs: ['input'], outputs: ['label', 'probabilities'] });
    expect(model.graph!.node.map((n) => n.op_type)).toEqual(['TreeEnsembleRegressor', 'Sigmoid', 'Sub', 'Concat', 'ArgMax']);
  });

  it('multiclass: class labels 0..C-1, Softmax + ArgMax; regressors output variable [N, 1]', () => {
    const multi = convertTreeModel(fixture('xgb_multi_softprob.json'));
    expect(Object.fromEntries(multi.model.metadata_props.map((p) => [p.key, p.value]))['class_labels']).toBe('0,1,2');
    expect(multi.model.graph!.node.map((n) => n.op_type)).toEqual(['TreeEnsembleRegressor', 'Softmax', 'ArgMax']);
    const regression = convertTreeModel(fixture('xgb_count_poisson.json'));
    expect(regression.info.outputs).toEqual(['variable']);
    expect(regression.model.graph!.output[0]!.type!.tensor_type!.shape!.dim.map((d) => d.dim_value ?? d.dim_param)).toEqual(['N', 1]);
    expect(regression.model.graph!.node.map((n) => n.op_type)).toEqual(['TreeEnsembleRegressor', 'Exp']);
  });
});
