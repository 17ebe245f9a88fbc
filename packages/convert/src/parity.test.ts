/** checkParity catches broken conversions; encodeOnnx is byte-identical to protobufjs; simpleSplit ≡ partition. */
import { describe, expect, it } from 'vitest';
import { createModel, decodeModelProto, encodeModel, float32Tensor, AttributeType, type ModelProto } from '@modelgate/onnx';
import { convertTreeModel } from './convert.js';
import { cutComparison, partition, simpleSplit } from './decision.js';
import { encodeOnnx } from './encode.js';
import { emptyTree, MISSING_NAN, MISSING_NONE, RULE_LEQ, RULE_LT } from './model.js';
import { checkParity, ParityTally, parityTolerances, type OnnxRunner } from './parity.js';
import { fixture, rowsToFloat32, runOrt, seededRandom } from './test-helpers.js';

const FILES = ['xgb_binary_logistic.json', 'xgb_multi_softmax.json', 'xgb_reg_gamma.json', 'xgb_forest_multi.json', 'lgb_binary.txt', 'lgb_categorical.txt', 'lgb_missing_zero.txt', 'lgb_multiclass.txt', 'lgb_rf_average.txt'];

function randomRows(features: number, count: number): Float32Array {
  const random = seededRandom(9);
  return Float32Array.from({ length: features * count }, () => (random() < 0.05 ? Number.NaN : (random() - 0.3) * 40));
}

/** onnxruntime's outputs with the regression values changed by `change`: a conversion gone wrong. */
function changingOutputs(change: (values: Float32Array) => void): OnnxRunner {
  return async (bytes, input, shape) => {
    const outputs = await runOrt(bytes, input, shape);
    const variable = Float32Array.from(outputs['variable']!.data as Float32Array);
    change(variable);
    return { ...outputs, variable: { data: variable, dims: outputs['variable']!.dims } };
  };
}

describe('checkParity', () => {
  it('fails when the ONNX outputs drift beyond the tolerance', async () => {
    const { model, source } = convertTreeModel(fixture('xgb_reg_gamma.json'));
    const rows = randomRows(10, 50);
    const drifting = changingOutputs((values) => {
      values[7] = values[7]! + 1e-3;
    });
    const report = await checkParity(source, encodeModel(model), rows, 10, { run: drifting });
    expect(report).toMatchObject({ rows: 50, passed: false, worst_row: 7, label_agreement: null });
    expect(report.max_abs_diff).toBeCloseTo(1e-3, 4);
    expect((await checkParity(source, encodeModel(model), rows, 10, { run: drifting, tolerance: 2e-3 })).passed).toBe(true);
  });

  it('a NaN output fails parity naming its row, and leaves the maxima finite', async () => {
    const { model, source } = convertTreeModel(fixture('xgb_reg_gamma.json'));
    const rows = randomRows(10, 50);
    const nan = changingOutputs((values) => {
      values[7] = Number.NaN;
      values[9] = Number.NaN;
    });
    const report = await checkParity(source, encodeModel(model), rows, 10, { run: nan });
    expect(report).toMatchObject({ passed: false, non_finite_values: 2, first_non_finite: { row: 7, actual: Number.NaN } });
    expect(Number.isFinite(report.max_abs_diff) && Number.isFinite(report.max_rel_diff)).toBe(true);
    expect(report.max_abs_diff).toBeLessThan(1e-5);
  });

  it('ParityTally: equal infinities are close (numpy.allclose), NaN and a lone infinity are not', () => {
    const tally = new ParityTally(1e-5, 0);
    tally.add(Infinity, Infinity, 0);
    tally.add(0.5, 0.5, 1);
    expect(tally.passed).toBe(true);
    tally.add(Infinity, 1, 2);
    tally.add(1, Number.NaN, 3);
    expect(tally.report()).toMatchObject({ max_abs_diff: 0, non_finite_values: 2, first_non_finite: { row: 2, actual: Infinity, expected: 1 } });
    expect(tally.passed).toBe(false);
  });

  it('parityTolerances: the default relative part only when tolerance is not set', () => {
    expect(parityTolerances(undefined, undefined)).toEqual({ tolerance: 1e-5, relativeTolerance: 1e-5 });
    expect(parityTolerances(1e-6, undefined)).toEqual({ tolerance: 1e-6, relativeTolerance: 0 });
    expect(parityTolerances(1e-6, 1e-4)).toEqual({ tolerance: 1e-6, relativeTolerance: 1e-4 });
    expect(parityTolerances(undefined, 0)).toEqual({ tolerance: 1e-5, relativeTolerance: 0 });
  });

  it('fails on a converted model whose thresholds were altered', async () => {
    const { model, source } = convertTreeModel(fixture('xgb_binary_logistic.json'));
    const values = model.graph!.node[0]!.attribute.find((a) => a.name === 'nodes_values')!.floats;
    values[0] = -1e30; // the root split of tree 0 now sends every row right
    const golden = JSON.parse(fixture('xgb_binary_logistic.expected.json').toString('utf8')) as { rows: (number | null)[][] };
    const report = await checkParity(source, encodeModel(model), rowsToFloat32(golden.rows), 30, { run: runOrt });
    expect(report.passed).toBe(false);
    expect(report.max_abs_diff).toBeGreaterThan(1e-3);
  });

  describe('xgb_reg_large_targets (base_score 7.5, 200 trees, outputs 67..295)', () => {
    const golden = JSON.parse(fixture('xgb_reg_large_targets.expected.json').toString('utf8')) as { rows: (number | null)[][]; num_features: number; prediction: number[] };
    const rows = rowsToFloat32(golden.rows);

    it('passes: onnxruntime differs from XGBoost by float32 rounding only, more than 1e-5 absolute', async () => {
      const { model, source } = convertTreeModel(fixture('xgb_reg_large_targets.json'));
      const report = await checkParity(source, encodeModel(model), rows, golden.num_features, { run: runOrt });
      expect(report).toMatchObject({ rows: 36, passed: true, tolerance: 1e-5, relative_tolerance: 1e-5, label_agreement: null });
      // The case the absolute check failed: a few float32 ulps of outputs ~300 is above 1e-5.
      expect(report.max_abs_diff).toBeGreaterThan(1e-5);
      expect(report.max_rel_diff).toBeLessThan(1e-6);
      expect((await checkParity(source, encodeModel(model), rows, golden.num_features, { run: runOrt, relativeTolerance: 0 })).passed).toBe(false);
      // An explicit tolerance is the whole allowance unless a relative one is given too.
      const explicit = await checkParity(source, encodeModel(model), rows, golden.num_features, { run: runOrt, tolerance: 1e-5 });
      expect(explicit).toMatchObject({ passed: false, tolerance: 1e-5, relative_tolerance: 0 });
      expect((await checkParity(source, encodeModel(model), rows, golden.num_features, { run: runOrt, tolerance: 1e-5, relativeTolerance: 1e-5 })).passed).toBe(true);
      // The reference is what XGBoost itself predicts.
      const reference = await checkParity(source, encodeModel(model), rows, golden.num_features, {
        run: async () => ({ variable: { data: Float32Array.from(golden.prediction), dims: [36, 1] } }),
      });
      expect(reference.max_abs_diff).toBe(0);
    });

    it('still fails on a wrong conversion: a leaf off by 0.01 or a branch sent the wrong way', async () => {
      const leaf = convertTreeModel(fixture('xgb_reg_large_targets.json'));
      const weights = leaf.model.graph!.node[0]!.attribute.find((a) => a.name === 'target_weights')!.floats;
      for (let i = 0; i < weights.length; i += 1) weights[i] = weights[i]! + (i % 40 === 0 ? 0.01 : 0);
      const leafReport = await checkParity(leaf.source, encodeModel(leaf.model), rows, golden.num_features, { run: runOrt });
      expect(leafReport.passed).toBe(false);
      expect(leafReport.worst!.allowed).toBeLessThan(0.01);
      const branch = convertTreeModel(fixture('xgb_reg_large_targets.json'));
      branch.model.graph!.node[0]!.attribute.find((a) => a.name === 'nodes_values')!.floats[0] = -1e30;
      const branchReport = await checkParity(branch.source, encodeModel(branch.model), rows, golden.num_features, { run: runOrt });
      expect(branchReport.passed).toBe(false);
      expect(branchReport.max_rel_diff).toBeGreaterThan(1e-3);
    });
  });

  it('label disagreements are tolerated only between tied classes', async () => {
    const { model, source } = convertTreeModel(fixture('lgb_multiclass.txt'));
    const rows = Float32Array.from([0, 0, 2, 3]); // margins [.375 .625 .375], [-.625 -.25 -.375]
    const swap = (label: number): OnnxRunner => async (bytes, input, shape) => {
      const outputs = await runOrt(bytes, input, shape);
      return { ...outputs, label: { data: [BigInt(label), 1n], dims: [2] } };
    };
    expect((await checkParity(source, encodeModel(model), rows, 2, { run: swap(1) })).passed).toBe(true);
    const wrong = await checkParity(source, encodeModel(model), rows, 2, { run: swap(0) });
    expect(wrong).toMatchObject({ passed: false, label_agreement: 0.5 });
  });
});

describe('encodeOnnx', () => {
  it.each(FILES)('%s: byte-identical to encodeModel and decodes back', (file) => {
    const { model } = convertTreeModel(fixture(file), { outputMargin: file.startsWith('lgb') });
    const fast = encodeOnnx(model);
    expect(Buffer.from(fast).equals(Buffer.from(encodeModel(model)))).toBe(true);
    expect(decodeModelProto(fast).graph!.node.length).toBe(model.graph!.node.length);
  });

  it('falls back to protobufjs for nodes it does not write (tensor attributes, doc strings, decoded Longs)', () => {
    const withTensor = createModel({
      ir_version: 8,
      opset_import: [{ domain: '', version: 15 }],
      graph: {
        name: 'g',
        node: [{ op_type: 'Constant', output: ['c'], doc_string: 'x', attribute: [{ name: 'value', type: AttributeType.TENSOR, t: float32Tensor('', [1], [2]) }] }],
        output: [{ name: 'c', type: { tensor_type: { elem_type: 1 } } }],
      },
    } as Partial<ModelProto>);
    expect(Buffer.from(encodeOnnx(withTensor)).equals(Buffer.from(encodeModel(withTensor)))).toBe(true);
    const decoded = decodeModelProto(encodeModel(convertTreeModel(fixture('lgb_multiclass.txt')).model));
    expect(Buffer.from(encodeOnnx(decoded)).equals(Buffer.from(encodeModel(decoded)))).toBe(true);
  });
});

describe('simpleSplit is the one-comparison case of partition', () => {
  it('on every plain split of the fixtures and on edge thresholds', () => {
    let checked = 0;
    const check = (tree: Parameters<typeof partition>[0], node: number) => {
      const simple = simpleSplit(tree, node);
      if (!simple) return;
      const part = partition(tree, node);
      expect(part.cuts).toHaveLength(1);
      expect(part.left).toEqual([true, false]);
      const cut = cutComparison(part.cuts[0]!);
      expect(cut.mode).toBe(simple.mode);
      expect(cut.value === simple.value).toBe(true); // -0 and 0 compare alike
      expect(part.nanLeft).toBe(simple.nanLeft);
      checked += 1;
    };
    for (const file of FILES) {
      for (const tree of convertTreeModel(fixture(file)).source.trees) for (let n = 0; n < tree.left.length; n += 1) if (tree.left[n] !== -1) check(tree, n);
    }
    const edges = [0, -0, 1e-45, -1e-45, 0.30000000000000004, -0.30000000000000004, 1e300, -1e300, 3.4028234663852886e38, -3.4028234663852886e38, 1e-35, 2 ** 24 + 1];
    for (const threshold of edges) {
      for (const [rule, missing] of [[RULE_LT, MISSING_NAN], [RULE_LEQ, MISSING_NONE], [RULE_LEQ, MISSING_NAN]] as const) {
        for (const defaultLeft of [0, 1]) {
          const tree = emptyTree(0, 0, 3);
          tree.left[0] = 1;
          tree.right[0] = 2;
          tree.rule[0] = rule;
          tree.missingType[0] = missing;
          tree.defaultLeft[0] = defaultLeft;
          tree.threshold[0] = rule === RULE_LT ? Math.fround(threshold) : threshold;
          check(tree, 0);
        }
      }
    }
    expect(checked).toBeGreaterThan(300);
  });
});
