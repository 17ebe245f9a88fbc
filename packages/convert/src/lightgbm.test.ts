/**
 * LightGBM is not installable here, so these are hand-written model.txt files in LightGBM's
 * documented format (fixtures/convert/lgb_*.txt) with hand-derived margins for boundary inputs:
 * values exactly at float32(threshold) and one float32 step around it, NaN under each missing type,
 * zero-as-missing around ±1e-35f, categorical truncation and bitset edges, single-leaf trees,
 * average_output. Both the ONNX model (onnxruntime-node) and the reference evaluator must
 * reproduce them.
 */
import { describe, expect, it } from 'vitest';
import { checkModel, encodeModel } from '@modelgate/onnx';
import { convertTreeModel } from './convert.js';
import { predictReference } from './evaluate.js';
import { checkParity } from './parity.js';
import { fixture, rowsToFloat32, runOrt } from './test-helpers.js';

interface Golden {
  rows: (number | string | null)[][];
  margin: number[][];
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softmax = (m: number[]) => {
  const e = m.map((v) => Math.exp(v - Math.max(...m)));
  return e.map((v) => v / e.reduce((a, b) => a + b, 0));
};

/** Expected ONNX outputs from the hand-derived margins. */
const CASES: Record<string, { output: 'probabilities' | 'variable'; transform: (m: number[]) => number[]; objective?: string }> = {
  binary: { output: 'probabilities', transform: ([m]) => [1 - sigmoid(1.5 * m!), sigmoid(1.5 * m!)] },
  missing_zero: { output: 'variable', transform: (m) => m },
  categorical: { output: 'probabilities', transform: ([m]) => [1 - sigmoid(m!), sigmoid(m!)] },
  multiclass: { output: 'probabilities', transform: softmax },
  poisson: { output: 'variable', transform: (m) => m.map(Math.exp) },
  rf_average: { output: 'variable', transform: (m) => m },
};

function maxDiff(actual: ArrayLike<number>, expected: readonly number[]): number {
  expect(actual.length).toBe(expected.length);
  return expected.reduce((max, value, i) => Math.max(max, Math.abs(Number(actual[i]) - value)), 0);
}

describe.each(Object.keys(CASES))('lgb_%s', (name) => {
  const text = fixture(`lgb_${name}.txt`).toString('utf8');
  const golden = JSON.parse(fixture(`lgb_${name}.expected.json`).toString('utf8')) as Golden;
  const rows = rowsToFloat32(golden.rows);
  const features = golden.rows[0]!.length;
  const spec = CASES[name]!;
  const expected = golden.margin.flatMap(spec.transform);

  it('ONNX margins are exactly the hand-derived ones; outputs within 1e-6; checker clean', async () => {
    const { model, info } = convertTreeModel(text, { file: `lgb_${name}.txt`, outputMargin: true });
    expect(checkModel(model).filter((p) => p.severity === 'error')).toEqual([]);
    const outputs = await runOrt(encodeModel(model), rows, [golden.rows.length, features]);
    const margins = Array.from(outputs['margin']!.data as Float32Array);
    margins.forEach((m, i) => expect(m, `row ${Math.floor(i / golden.margin[0]!.length)}`).toBe(golden.margin.flat()[i]));
    const diff = maxDiff(outputs[spec.output]!.data as Float32Array, expected);
    console.log(`lgb_${name}: ${info.trees} trees → ${info.ensembleNodes} ONNX nodes; ${spec.output} max diff ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-6);
  });

  it('the reference evaluator gives the same margins and outputs', () => {
    const { source } = convertTreeModel(text);
    const reference = predictReference(source, rows, features);
    expect(Array.from(reference.margins)).toEqual(golden.margin.flat());
    expect(maxDiff(reference.outputs, expected)).toBeLessThan(1e-12);
  });

  it('checkParity passes', async () => {
    const { model, source } = convertTreeModel(text);
    const report = await checkParity(source, encodeModel(model), rows, features, { run: runOrt });
    expect(report.passed).toBe(true);
    expect(report.max_abs_diff).toBeLessThan(1e-6);
  });
});

describe('LightGBM specifics', () => {
  it('thresholds are rounded down to float32 and kept as BRANCH_LEQ', () => {
    const { model } = convertTreeModel(fixture('lgb_binary.txt'));
    const ensemble = model.graph!.node[0]!;
    const values = ensemble.attribute.find((a) => a.name === 'nodes_values')!.floats;
    const modes = ensemble.attribute.find((a) => a.name === 'nodes_modes')!.strings.map((s) => new TextDecoder().decode(s));
    expect(modes.slice(0, 3)).toEqual(['BRANCH_LEQ', 'BRANCH_LEQ', 'LEAF']);
    expect(values[0]).toBe(0.29999998211860657); // largest float32 ≤ 0.30000000000000004
    expect(values[1]).toBe(1.5);
  });

  it('multiclassova: per-class sigmoid, probabilities not normalised', async () => {
    const text = fixture('lgb_multiclass.txt').toString('utf8').replace('objective=multiclass num_class:3', 'objective=multiclassova num_class:3 sigmoid:2');
    const golden = JSON.parse(fixture('lgb_multiclass.expected.json').toString('utf8')) as Golden;
    const { model, source } = convertTreeModel(text);
    expect(source.transform).toBe('ova-sigmoid');
    const outputs = await runOrt(encodeModel(model), rowsToFloat32(golden.rows), [golden.rows.length, 2]);
    expect(maxDiff(outputs['probabilities']!.data as Float32Array, golden.margin.flat().map((m) => sigmoid(2 * m)))).toBeLessThan(1e-6);
    expect(Array.from(outputs['label']!.data, Number)).toEqual([1, 1, 0, 0]);
  });

  it.each([
    ['gamma', 'exp'],
    ['tweedie', 'exp'],
    ['regression sqrt', 'signed-square'],
    ['regression_l1', 'identity'],
    ['cross_entropy', 'sigmoid'],
    ['cross_entropy_lambda', 'softplus'],
  ])('objective %s → %s, ORT equals the reference', async (objective, transform) => {
    const text = fixture('lgb_poisson.txt').toString('utf8').replace('objective=poisson', `objective=${objective}`);
    const { model, source } = convertTreeModel(text);
    expect(source.transform).toBe(transform);
    const rows = Float32Array.from([0, 1, Number.NaN, -3]);
    const report = await checkParity(source, encodeModel(model), rows, 1, { run: runOrt, tolerance: 1e-6 });
    expect(report.passed).toBe(true);
  });

  it('a model without an objective line outputs raw scores and says so', () => {
    const text = fixture('lgb_poisson.txt').toString('utf8').replace('objective=poisson\n', '');
    const { source, info } = convertTreeModel(text);
    expect(source.transform).toBe('identity');
    expect(info.notes.join()).toContain('custom objective');
  });

  it('feature names and class labels land in metadata', () => {
    const { model } = convertTreeModel(fixture('lgb_categorical.txt'));
    const meta = Object.fromEntries(model.metadata_props.map((p) => [p.key, p.value]));
    expect(meta).toMatchObject({ source_format: 'lightgbm-text', feature_names: 'colour,size', class_labels: '0,1', source_version: 'v4' });
  });
});
