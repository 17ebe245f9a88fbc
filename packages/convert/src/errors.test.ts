/** Malformed and unsupported inputs: one InputDataError line each, naming the file and the field. */
import { describe, expect, it } from 'vitest';
import { InputDataError } from '@modelgate/core';
import { convertTreeModel, readTreeModel } from './convert.js';
import { fixture } from './test-helpers.js';

function failure(run: () => unknown): InputDataError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputDataError);
    const e = error as InputDataError;
    expect(e.message).not.toContain('\n');
    return e;
  }
  throw new Error('expected an InputDataError');
}

const xgbText = fixture('xgb_binary_logistic.json').toString('utf8');
const xgb = () => JSON.parse(xgbText) as {
  version: unknown;
  learner: {
    objective: { name: string };
    learner_model_param: Record<string, string>;
    attributes: Record<string, string>;
    gradient_booster: { model: { tree_info: number[]; trees: Record<string, number[]>[] } };
  };
};
const readXgb = (doc: unknown) => () => readTreeModel(JSON.stringify(doc), { file: 'm.json' });

describe('XGBoost JSON', () => {
  it('truncated JSON', () => {
    const e = failure(() => readTreeModel(xgbText.slice(0, 5000), { file: 'm.json' }));
    expect(e.message).toMatch(/^JSON: truncated JSON/);
    expect(e.location).toMatchObject({ file: 'm.json', field: 'JSON' });
  });

  it('invalid JSON names line and column', () => {
    const e = failure(() => readTreeModel('{\n  "learner": {,}\n}', { file: 'm.json' }));
    expect(e.message).toMatch(/^JSON: invalid JSON at line 2 column \d+/);
    expect(e.location?.line).toBe(2);
  });

  it('unknown objective', () => {
    const doc = xgb();
    doc.learner.objective.name = 'rank:pairwise';
    expect(failure(readXgb(doc)).message).toMatch(/^learner\.objective\.name: unknown or unsupported objective 'rank:pairwise'; supported: binary:logistic, /);
  });

  it('gblinear', () => {
    expect(failure(() => readTreeModel(fixture('xgb_gblinear.json'))).message).toContain("learner.gradient_booster.name: is 'gblinear': a linear booster has no trees");
  });

  it.each([
    [[4, 0, 0], "version: is 4.0.0; this converter reads models saved by XGBoost 1.0–3.x"],
    ['1.7.4', 'version: is the string "1.7.4", expected an array'],
    [[1, 7], 'version: is [1,7], expected [major, minor, patch]'],
    [undefined, 'version: is missing; expected [major, minor, patch]'],
  ])('wrong version field %j', (version, message) => {
    const doc = xgb();
    doc.version = version;
    expect(failure(readXgb(doc)).message).toContain(message);
  });

  it('tree arrays of unequal length', () => {
    const doc = xgb();
    doc.learner.gradient_booster.model.trees[2]!['split_conditions']!.pop();
    const e = failure(readXgb(doc));
    expect(e.message).toMatch(/^learner\.gradient_booster\.model\.trees\[2\]\.split_conditions: has \d+ entries but tree_param\.num_nodes is \d+/);
    expect(e.location?.field).toBe('learner.gradient_booster.model.trees[2].split_conditions');
  });

  it('cyclic child indices', () => {
    const doc = xgb();
    const tree = doc.learner.gradient_booster.model.trees[0]!;
    tree['left_children']![1] = 0;
    expect(failure(readXgb(doc)).message).toMatch(/trees\[0\]\.left_children\[1\]: child 0 is reached twice \(cyclic or shared child index\)/);
  });

  it('dangling child indices', () => {
    const doc = xgb();
    doc.learner.gradient_booster.model.trees[1]!['right_children']![0] = 999;
    expect(failure(readXgb(doc)).message).toMatch(/trees\[1\]\.left_children\[0\]: child index 999 is dangling/);
  });

  it('a leaf with one child', () => {
    const doc = xgb();
    const tree = doc.learner.gradient_booster.model.trees[0]!;
    const leaf = tree['left_children']!.indexOf(-1);
    tree['right_children']![leaf] = 1;
    expect(failure(readXgb(doc)).message).toContain(`right_children[${leaf}]: is 1 but left_children[${leaf}] is -1`);
  });

  it('categorical splits are refused naming the feature and the tree', () => {
    const e = failure(() => readTreeModel(fixture('xgb_categorical.json'), { file: 'cat.json' }));
    expect(e.message).toContain("tree 0 node 0 is a categorical split on feature 1 'colour'");
    expect(e.location?.field).toBe('learner.gradient_booster.model.trees[0].split_type[0]');
  });

  it('tree_info, best_iteration and base_score out of range', () => {
    let doc = xgb();
    doc.learner.gradient_booster.model.tree_info[3] = 2;
    expect(failure(readXgb(doc)).message).toContain('tree_info[3]: is 2, but the model has 1 output group(s)');
    doc = xgb();
    doc.learner.attributes['best_iteration'] = '40';
    expect(failure(readXgb(doc)).message).toContain('learner.attributes.best_iteration: is 40, but the model has only 20 boosting iterations');
    doc = xgb();
    doc.learner.learner_model_param['base_score'] = '[1.5E0]';
    expect(failure(readXgb(doc)).message).toContain('base_score: is 1.5, but binary:logistic needs a base_score in (0, 1)');
    doc = xgb();
    doc.learner.learner_model_param['base_score'] = '[5E-1,5E-1]';
    expect(failure(readXgb(doc)).message).toContain('base_score: has 2 values, expected 1 or 1');
  });

  it('accepts the 2.x/3.x base_score forms and NaN tokens', () => {
    const doc = xgb();
    doc.learner.learner_model_param['base_score'] = '[5E-1]';
    const text = JSON.stringify(doc).replace('"loss_changes":[', '"loss_changes":[NaN,-Infinity,');
    expect(() => readTreeModel(text)).toThrow(/loss_changes: has \d+ entries/); // NaN parsed; length now wrong
    expect(readTreeModel(JSON.stringify(doc)).baseMargin).toEqual([0]);
  });

  it('UBJSON, empty and unrecognised files', () => {
    expect(failure(() => readTreeModel(Uint8Array.from([0x7b, 0x4c, 0, 0, 0, 0, 0, 0, 0, 7]), { file: 'm.ubj' })).message).toContain('looks like XGBoost UBJSON (.ubj)');
    expect(failure(() => readTreeModel('  \n', { file: 'x' })).message).toContain('is empty');
    expect(failure(() => readTreeModel('hello', { file: 'x' })).message).toContain('is neither an XGBoost JSON model');
    // A whole-file problem names the file only: 'x: is empty; …', not 'x: (file): is empty; …'.
    const empty = failure(() => readTreeModel('  \n', { file: 'x' }));
    expect(empty.message).toBe('is empty; expected an XGBoost JSON model or a LightGBM model.txt');
    expect(empty.location).toEqual({ file: 'x' });
  });
});

const lgbText = fixture('lgb_binary.txt').toString('utf8');

describe('LightGBM text', () => {
  const read = (text: string) => () => convertTreeModel(text, { file: 'model.txt' });

  it('missing Tree sections (tree_sizes says more)', () => {
    const cut = lgbText.slice(0, lgbText.indexOf('Tree=1')) + 'end of trees\n';
    const e = failure(read(cut));
    expect(e.message).toBe('tree_sizes: lists 3 trees but the file has 1 Tree= sections (truncated or edited file?)');
    expect(e.location).toMatchObject({ file: 'model.txt', field: 'tree_sizes', line: 10 });
  });

  it('truncated file without end of trees', () => {
    const withoutSizes = lgbText.replace(/tree_sizes=.*\n/, '');
    const cut = withoutSizes.slice(0, withoutSizes.indexOf('Tree=2'));
    expect(failure(read(cut)).message).toBe("end of trees: is missing after Tree=1: the file is truncated");
  });

  it('no trees at all', () => {
    const header = lgbText.slice(0, lgbText.indexOf('Tree=0')).replace(/tree_sizes=.*\n/, '') + 'end of trees\n';
    expect(failure(read(header)).message).toBe('Tree=0: is missing: the file has no Tree= sections');
  });

  it('linear trees are refused', () => {
    expect(failure(() => readTreeModel(fixture('lgb_linear.txt'), { file: 'lin.txt' })).message).toMatch(/^Tree=0 is_linear: is 1: linear trees .* cannot be expressed by ONNX TreeEnsemble/);
  });

  it.each([
    ['objective=binary sigmoid:1.5', 'objective=lambdamart', "objective: unknown or unsupported objective 'lambdamart'"],
    ['objective=binary sigmoid:1.5', 'objective=binary sigmoid:-1', 'objective: has sigmoid:-1, expected a positive number'],
    ['leaf_value=0.5 -0.25 1', 'leaf_value=0.5 -0.25', 'Tree=0 leaf_value: has 2 values, expected 3'],
    ['left_child=1 -1', 'left_child=5 -1', 'Tree=0 left_child: value 0 is 5: dangling child'],
    ['left_child=1 -1', 'left_child=1 0', 'Tree=0 left_child/right_child of node 1: child node 0 is reached twice (cyclic or shared child index)'],
    ['right_child=-3 -2', 'right_child=-3 -3', 'Tree=0 left_child/right_child of node 1: child leaf 2 (-3) is reached twice'],
    ['decision_type=2 10', 'decision_type=2 12', 'Tree=0 decision_type: value 1 is 12'],
    ['decision_type=2 10', 'decision_type=3 10', "Tree=0 threshold: value 0 is 0.30000000000000004; a categorical split's threshold indexes cat_boundaries"],
    ['split_feature=0 1', 'split_feature=0 7', 'Tree=0 split_feature: value 1 is 7, expected a feature index below 3'],
    ['version=v4', 'version=v9', "version: is 'v9'; this converter reads LightGBM model format v2–v4"],
    ['max_feature_idx=2\n', '', 'max_feature_idx: is missing from the model header'],
    ['Tree=1\n', 'Tree=7\n', "Tree=7: is out of order; expected 'Tree=1'"],
    ['threshold=1.0000000000000001e+300', 'threshold=abc', "Tree=2 threshold: value 0 is 'abc', expected a number"],
  ])('%s → %s', (from, to, message) => {
    const e = failure(read(lgbText.replace(from, to)));
    expect(e.message).toContain(message);
    expect(e.location?.file).toBe('model.txt');
    expect(e.location?.line).toBeGreaterThan(0);
  });

  it('first line is not "tree"', () => {
    expect(failure(read(`{"name":"tree"}`)).message).toContain('version: is missing'); // JSON: read as XGBoost
    expect(failure(() => readTreeModel('tree\n', { format: 'lightgbm-text', file: 'm.txt' })).message).toContain('num_class: is missing');
    expect(failure(() => readTreeModel('forest\n', { format: 'lightgbm-text', file: 'm.txt' })).message).toContain("line 1: is 'forest', expected 'tree'");
  });
});
