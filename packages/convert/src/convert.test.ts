/**
 * The conversion machinery: float32 rounding helpers, split partitions, ONNX/evaluator agreement
 * on adversarial inputs (every threshold and its float32 neighbours, NaN, ±0, ±Infinity, ±1e-35),
 * newer XGBoost layouts, opsets and limits.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError, InputDataError } from '@modelgate/core';
import { checkModel, encodeModel } from '@modelgate/onnx';
import { convertTreeModel, readTreeModel } from './convert.js';
import { partition } from './decision.js';
import { predictReference } from './evaluate.js';
import { floor32, nextDown32, nextUp32, RULE_CAT, type TreeModel } from './model.js';
import { checkParity } from './parity.js';
import { fixture, rowsToFloat32, runOrt, seededRandom } from './test-helpers.js';

describe('float32 helpers', () => {
  it('floor32 is the largest float32 not above x', () => {
    expect(floor32(0.30000000000000004)).toBe(0.29999998211860657);
    expect(floor32(0.5)).toBe(0.5);
    expect(floor32(1e300)).toBe(3.4028234663852886e38);
    expect(floor32(-1e300)).toBe(-Infinity);
    expect(floor32(-0.30000000000000004)).toBe(-0.30000001192092896);
  });

  it('nextUp32 / nextDown32 step one float32', () => {
    expect(nextUp32(1)).toBe(1.0000001192092896);
    expect(nextDown32(1)).toBe(0.9999999403953552);
    expect(nextUp32(0)).toBe(1.401298464324817e-45);
    expect(nextUp32(-1)).toBe(-0.9999999403953552);
    expect(nextUp32(3.4028234663852886e38)).toBe(Infinity);
    expect(nextUp32(-Infinity)).toBe(-3.4028234663852886e38);
  });
});

describe('partition', () => {
  it('LightGBM zero-as-missing splits the line into three intervals', () => {
    const { source } = convertTreeModel(fixture('lgb_missing_zero.txt'));
    const part = partition(source.trees[0]!, 0); // x <= 0.5, |x| <= 1e-35f → right
    expect(part.cuts.map((c) => c.at)).toEqual([-1.0000000180025095e-35, 1.0000000897489909e-35, 0.5000000596046448]);
    expect(part.left).toEqual([true, false, true, false]);
    expect(part.nanLeft).toBe(false);
  });

  it('LightGBM categorical sets become unions of [c, c+1) (and (-1, 1) for 0)', () => {
    const { source } = convertTreeModel(fixture('lgb_categorical.txt'));
    expect(source.trees[0]!.rule[0]).toBe(RULE_CAT);
    const part = partition(source.trees[0]!, 0); // {0, 2, 3, 33}
    expect(part.cuts.map((c) => c.at)).toEqual([-0.9999999403953552, 1, 2, 4, 33, 34]);
    expect(part.left).toEqual([false, true, false, true, false, true, false]);
  });
});

/** Every threshold of the model, its float32 neighbours and special values, mixed into rows. */
function adversarialRows(model: TreeModel, count: number, seed: number): Float32Array {
  const perFeature: number[][] = Array.from({ length: model.numFeatures }, () => [Number.NaN, 0, -0, Infinity, -Infinity, 1e-35, -1e-35, Math.fround(1e-35), 1e10]);
  for (const tree of model.trees) {
    for (let node = 0; node < tree.left.length; node += 1) {
      if (tree.left[node] === -1) continue;
      const values = perFeature[tree.feature[node]!]!;
      const cats = tree.categories.get(node);
      const t = cats ? cats : [Math.fround(tree.threshold[node]!), floor32(tree.threshold[node]!)];
      for (const v of t) values.push(v, nextUp32(Math.fround(v)), nextDown32(Math.fround(v)), v + 0.5, v - 0.5);
    }
  }
  const random = seededRandom(seed);
  const rows = new Float32Array(count * model.numFeatures);
  for (let i = 0; i < rows.length; i += 1) {
    const values = perFeature[i % model.numFeatures]!;
    rows[i] = values[Math.floor(random() * values.length)]!;
  }
  return rows;
}

describe('ONNX equals the reference evaluator on adversarial inputs', () => {
  const files = ['xgb_binary_logistic.json', 'xgb_multi_softprob.json', 'xgb_reg_squarederror.json', 'xgb_dart.json', 'lgb_binary.txt', 'lgb_missing_zero.txt', 'lgb_categorical.txt', 'lgb_multiclass.txt'];
  it.each(files)('%s', async (file) => {
    const { model, source } = convertTreeModel(fixture(file), { file });
    const rows = adversarialRows(source, 2000, 3);
    const report = await checkParity(source, encodeModel(model), rows, source.numFeatures, { run: runOrt });
    expect(report).toMatchObject({ rows: 2000, passed: true });
    if (source.task !== 'regression') expect(report.label_agreement).toBe(1);
    // Regression outputs of squared error reach ~3.5: 1e-5 is a few float32 steps there.
    expect(report.max_abs_diff).toBeLessThan(2e-6);
  });

  it('a large categorical set nested under another copies subtrees but stays exact', async () => {
    const categories = [1, 3, 4, 5, 9, 17, 31, 32, 40, 63];
    const word = (w: number) => categories.filter((c) => c >> 5 === w).reduce((bits, c) => (bits | (1 << (c & 31))) >>> 0, 0);
    const text = fixture('lgb_categorical.txt').toString('utf8').replace('cat_threshold=13 2', `cat_threshold=${word(0)} ${word(1)}`).replace('tree_sizes=', 'ignored_sizes=');
    const { model, source, info } = convertTreeModel(text);
    expect(info.ensembleNodes).toBeGreaterThan(20);
    const rows = new Float32Array(2 * 400);
    for (let i = 0; i < 400; i += 1) {
      rows[2 * i] = i / 5 - 10;
      rows[2 * i + 1] = i % 3 === 0 ? Number.NaN : (i % 7) / 7;
    }
    const report = await checkParity(source, encodeModel(model), rows, 2, { run: runOrt });
    expect(report.passed).toBe(true);
    expect(() => convertTreeModel(text, { maxNodes: 10 })).toThrow(InputDataError);
    expect(() => convertTreeModel(text, { maxNodes: 10 })).toThrow(/would exceed 10 nodes/);
  });
});

describe('degenerate splits', () => {
  it('XGBoost thresholds of ±Infinity: NaN separated by `x <= +Infinity`, exact in ORT', async () => {
    const doc = JSON.parse(fixture('xgb_binary_logistic.json').toString('utf8'));
    const tree = doc.learner.gradient_booster.model.trees[0];
    tree.split_conditions[0] = '@-Infinity@';
    tree.default_left[0] = 1;
    tree.split_conditions[1] = '@Infinity@';
    const text = JSON.stringify(doc).replaceAll('"@-Infinity@"', '-Infinity').replaceAll('"@Infinity@"', 'Infinity');
    const { model, source } = convertTreeModel(text);
    const modes = model.graph!.node[0]!.attribute.find((a) => a.name === 'nodes_modes')!.strings.map((b) => new TextDecoder().decode(b));
    expect(modes[0]).toBe('BRANCH_LEQ'); // the separator: numbers go right (x < -inf never holds), NaN left
    const rows = adversarialRows(source, 500, 4);
    const report = await checkParity(source, encodeModel(model), rows, 30, { run: runOrt });
    expect(report.passed).toBe(true);
  });
});

describe('newer XGBoost layouts', () => {
  const golden = JSON.parse(fixture('xgb_dart.expected.json').toString('utf8')) as { rows: (number | null)[][]; margin: number[][] };
  const rows = rowsToFloat32(golden.rows);

  it('3.x gbtree with model.weight_drop, iteration_indptr, "[5E-1]" base_score and boolean default_left', () => {
    const doc = JSON.parse(fixture('xgb_dart.json').toString('utf8'));
    const booster = doc.learner.gradient_booster;
    const model = { ...booster.gbtree.model, weight_drop: booster.weight_drop, iteration_indptr: Array.from({ length: 16 }, (_, i) => i) };
    model.trees = model.trees.map((tree: { default_left: number[] }) => ({ ...tree, default_left: tree.default_left.map((v) => v === 1) }));
    doc.learner.gradient_booster = { name: 'gbtree', model };
    doc.learner.learner_model_param.base_score = '[5E-1]';
    doc.version = [3, 0, 2];
    const source = readTreeModel(JSON.stringify(doc));
    expect(source.sourceVersion).toBe('3.0.2');
    expect(Array.from(predictReference(source, rows, 30).margins)).toEqual(golden.margin.flat());
  });

  it('per-class base_score vectors', () => {
    const doc = JSON.parse(fixture('xgb_multi_softprob.json').toString('utf8'));
    doc.learner.learner_model_param.base_score = '[1E0,5E-1,-2E0]';
    const source = readTreeModel(JSON.stringify(doc));
    expect(source.baseMargin).toEqual([1, 0.5, -2]);
  });
});

describe('options', () => {
  it('targetOpset: ai.onnx 21 + ai.onnx.ml 1 runs in onnxruntime (IR 10)', async () => {
    const { model, info } = convertTreeModel(fixture('xgb_multi_softprob.json'), { targetOpset: { onnx: 21, ml: 1 }, converter: 'test 1.2.3' });
    expect(info).toMatchObject({ opset: { onnx: 21, ml: 1 }, irVersion: 10 });
    expect(model.metadata_props.find((p) => p.key === 'converter')!.value).toBe('test 1.2.3');
    expect(checkModel(model).filter((p) => p.severity === 'error')).toEqual([]);
    const outputs = await runOrt(encodeModel(model), new Float32Array(8).fill(1), [2, 4]);
    expect(outputs['probabilities']!.dims).toEqual([2, 3]);
    expect(convertTreeModel(fixture('xgb_multi_softprob.json'), { targetOpset: 13 }).info.opset).toEqual({ onnx: 13, ml: 3 });
  });

  it('rejects opsets it cannot write', () => {
    expect(() => convertTreeModel(fixture('lgb_poisson.txt'), { targetOpset: { ml: 5 } })).toThrow(ConfigurationError);
    expect(() => convertTreeModel(fixture('lgb_poisson.txt'), { targetOpset: { ml: 5 } })).toThrow(/deprecated from ai.onnx.ml 5/);
    expect(() => convertTreeModel(fixture('lgb_poisson.txt'), { targetOpset: 8 })).toThrow(/targetOpset.onnx is 8/);
  });

  it('the input size is checked by the evaluator', () => {
    const { source } = convertTreeModel(fixture('lgb_poisson.txt'));
    expect(() => predictReference(source, new Float32Array(4), 2)).toThrow(/1 features/);
  });
});
