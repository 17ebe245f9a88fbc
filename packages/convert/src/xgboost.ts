/**
 * XGBoost JSON models (`Booster.save_model('model.json')`, XGBoost 1.0–3.x) → TreeModel.
 *
 * Format facts (XGBoost doc/model.schema, src/gbm/gbtree_model.cc, src/tree/tree_model.cc,
 * src/learner.cc; checked against python3-xgboost 1.7.4 by fixtures/oracles/xgboost_oracle.py):
 *  - learner.gradient_booster is {name:'gbtree', model} or {name:'dart', gbtree:{model},
 *    weight_drop}; 3.x keeps DART weights in model.weight_drop. Tree i's leaves are scaled by
 *    weight_drop[i] (1 when absent). gblinear has no trees.
 *  - Per tree, parallel arrays of tree_param.num_nodes entries: left_children (-1 = leaf),
 *    right_children, split_indices, split_conditions (the threshold, or the leaf value for a
 *    leaf; base_weights hold the unscaled weight), default_left, split_type (1 = categorical).
 *  - tree_info[i] is the output group (class) of tree i; trees are iteration-major, each
 *    iteration holding num_parallel_tree × groups trees, or as iteration_indptr says (2.x+).
 *  - learner_model_param.base_score is a probability/mean ("5E-1"; "[5E-1]" or one entry per
 *    class/target in 2.x+); the objective's ProbToMargin makes it the initial margin.
 *  - attributes.best_iteration (early stopping; 1.x also writes it after plain training).
 *  - Numbers are float32; non-finite values appear as NaN/Infinity tokens.
 */
import { sha256Hex } from '@modelgate/core';
import { JsonFields, parseJsonText } from './json-reader.js';
import { checkTreeShape, emptyTree, type Transform, type Tree, type TreeModel } from './model.js';

export interface XGBoostReadOptions {
  file?: string;
  /** SHA-256 of the file's bytes, when the caller has them (default: of `text` as UTF-8). */
  sha256?: string;
  /** 'best' (default) keeps the trees up to attributes.best_iteration; 'all' keeps every tree. */
  iterations?: 'best' | 'all';
}

interface ObjectiveInfo {
  task: TreeModel['task'];
  transform: Transform;
  /** ProbToMargin of base_score. */
  margin: 'logit' | 'log' | 'identity';
}

const IDENTITY: ObjectiveInfo = { task: 'regression', transform: 'identity', margin: 'identity' };
const EXP: ObjectiveInfo = { task: 'regression', transform: 'exp', margin: 'log' };
export const XGBOOST_OBJECTIVES: Record<string, ObjectiveInfo> = {
  'binary:logistic': { task: 'binary', transform: 'sigmoid', margin: 'logit' },
  'binary:logitraw': { task: 'binary', transform: 'sigmoid', margin: 'identity' },
  'multi:softprob': { task: 'multiclass', transform: 'softmax', margin: 'identity' },
  'multi:softmax': { task: 'multiclass', transform: 'softmax', margin: 'identity' },
  'reg:squarederror': IDENTITY,
  'reg:linear': IDENTITY,
  'reg:squaredlogerror': IDENTITY,
  'reg:pseudohubererror': IDENTITY,
  'reg:absoluteerror': IDENTITY,
  'reg:quantileerror': IDENTITY,
  'reg:logistic': { task: 'regression', transform: 'sigmoid', margin: 'logit' },
  'count:poisson': EXP,
  'reg:gamma': EXP,
  'reg:tweedie': EXP,
};

export function readXGBoostJson(text: string, options: XGBoostReadOptions = {}): TreeModel {
  const file = options.file ?? 'model.json';
  const j: JsonFields = new JsonFields(file);
  const root = j.object(parseJsonText(text, file), '(root)');
  const sourceVersion = readVersion(j, root['version']);
  const learner = j.object(root['learner'], 'learner');
  const objective = j.string(j.object(learner['objective'], 'learner.objective')['name'], 'learner.objective.name');
  const info = XGBOOST_OBJECTIVES[objective];
  if (!info) j.fail('learner.objective.name', `unknown or unsupported objective '${objective}'; supported: ${Object.keys(XGBOOST_OBJECTIVES).join(', ')}`);

  const param = j.object(learner['learner_model_param'], 'learner.learner_model_param');
  const numFeatures = j.integer(param['num_feature'], 'learner.learner_model_param.num_feature', 1);
  const numClass = j.integer(param['num_class'] ?? '0', 'learner.learner_model_param.num_class', 0);
  const numTarget = j.integer(param['num_target'] ?? '1', 'learner.learner_model_param.num_target', 1);
  let numTargets = 1;
  if (info.task === 'multiclass') {
    if (numClass < 2) j.fail('learner.learner_model_param.num_class', `is ${numClass}, but objective ${objective} needs num_class ≥ 2`);
    numTargets = numClass;
  } else if (info.task === 'regression') numTargets = numTarget;
  else if (numTarget > 1) j.fail('learner.learner_model_param.num_target', `is ${numTarget}; multi-target binary models are not supported`);
  const baseMargin = readBaseScore(j, param['base_score'], numTargets, info, objective);

  const booster = j.object(learner['gradient_booster'], 'learner.gradient_booster');
  const boosterName = j.string(booster['name'], 'learner.gradient_booster.name');
  if (boosterName === 'gblinear') j.fail('learner.gradient_booster.name', "is 'gblinear': a linear booster has no trees to convert (only gbtree and dart models are supported)");
  if (boosterName !== 'gbtree' && boosterName !== 'dart') j.fail('learner.gradient_booster.name', `is '${boosterName}', expected 'gbtree' or 'dart'`);
  const modelPath = boosterName === 'dart' ? 'learner.gradient_booster.gbtree.model' : 'learner.gradient_booster.model';
  const model = j.object(boosterName === 'dart' ? j.object(booster['gbtree'], 'learner.gradient_booster.gbtree')['model'] : booster['model'], modelPath);
  const weightsValue = boosterName === 'dart' && booster['weight_drop'] !== undefined ? booster['weight_drop'] : model['weight_drop'];
  const weightsPath = boosterName === 'dart' && booster['weight_drop'] !== undefined ? 'learner.gradient_booster.weight_drop' : `${modelPath}.weight_drop`;
  const weights = weightsValue === undefined ? [] : j.array(weightsValue, weightsPath).map((w, i) => Math.fround(j.number(w, `${weightsPath}[${i}]`)));

  const modelParam = j.object(model['gbtree_model_param'], `${modelPath}.gbtree_model_param`);
  const numTrees = j.integer(modelParam['num_trees'], `${modelPath}.gbtree_model_param.num_trees`, 0);
  const parallel = j.integer(modelParam['num_parallel_tree'] ?? '1', `${modelPath}.gbtree_model_param.num_parallel_tree`, 1);
  const trees = j.parallel(model['trees'], `${modelPath}.trees`, numTrees, 'gbtree_model_param.num_trees');
  const treeInfo = j.parallel(model['tree_info'], `${modelPath}.tree_info`, numTrees, 'gbtree_model_param.num_trees');
  if (weights.length > numTrees) j.fail(weightsPath, `has ${weights.length} weights for ${numTrees} trees`);

  const featureNames = readNames(j, learner['feature_names'], 'learner.feature_names', numFeatures);
  const notes: string[] = [];
  let kept = numTrees;
  const best = (j.object(learner['attributes'] ?? {}, 'learner.attributes'))['best_iteration'];
  if (best !== undefined && options.iterations !== 'all') {
    const bestIteration = j.integer(best, 'learner.attributes.best_iteration', 0);
    const indptr = model['iteration_indptr'] === undefined ? undefined : j.array(model['iteration_indptr'], `${modelPath}.iteration_indptr`).map((v, i) => j.integer(v, `${modelPath}.iteration_indptr[${i}]`, 0));
    if (indptr && indptr[indptr.length - 1] !== numTrees) j.fail(`${modelPath}.iteration_indptr`, `ends at ${indptr[indptr.length - 1]} but the model has ${numTrees} trees`);
    const end: number | undefined = indptr ? indptr[bestIteration + 1] : (bestIteration + 1) * parallel * numTargets;
    if (end === undefined || end > numTrees) {
      j.fail('learner.attributes.best_iteration', `is ${bestIteration}, but the model has only ${indptr ? indptr.length - 1 : numTrees / (parallel * numTargets)} boosting iterations`);
    }
    if (end < numTrees) {
      kept = end;
      notes.push(`truncated to best_iteration ${bestIteration}: ${end} of ${numTrees} trees (pass iterations: 'all' to keep every tree)`);
    }
  }

  const out: Tree[] = [];
  for (let t = 0; t < kept; t += 1) {
    const target = j.integer(treeInfo[t], `${modelPath}.tree_info[${t}]`, 0);
    if (target >= numTargets) j.fail(`${modelPath}.tree_info[${t}]`, `is ${target}, but the model has ${numTargets} output group(s)`);
    out.push(readTree(j, trees[t], `${modelPath}.trees[${t}]`, t, target, weights[t] ?? 1, numFeatures, featureNames));
  }
  if (weights.length > 0) notes.push(`DART: leaf values of ${Math.min(weights.length, kept)} trees scaled by weight_drop`);
  return {
    format: 'xgboost-json',
    file,
    sha256: options.sha256 ?? sha256Hex(text),
    sourceVersion,
    objective,
    task: info.task,
    transform: info.transform,
    sigmoidScale: 1,
    numTargets,
    numClasses: info.task === 'binary' ? 2 : info.task === 'multiclass' ? numTargets : 0,
    numFeatures,
    featureNames,
    classLabels: info.task === 'regression' ? undefined : Array.from({ length: info.task === 'binary' ? 2 : numTargets }, (_, i) => String(i)),
    baseMargin,
    accumulate: 'float32',
    averageOver: 1,
    trees: out,
    notes,
  };
}

function readVersion(j: JsonFields, value: unknown): string {
  if (value === undefined) j.fail('version', 'is missing; expected [major, minor, patch] as XGBoost 1.0+ writes it (is this an XGBoost JSON model?)');
  const parts = j.array(value, 'version');
  if (parts.length !== 3) j.fail('version', `is ${JSON.stringify(value)}, expected [major, minor, patch]`);
  const [major, minor, patch] = parts.map((part, i) => j.integer(part, `version[${i}]`, 0)) as [number, number, number];
  if (major < 1 || major > 3) j.fail('version', `is ${major}.${minor}.${patch}; this converter reads models saved by XGBoost 1.0–3.x`);
  return `${major}.${minor}.${patch}`;
}

/** "5E-1", "[5E-1]", "[1E0,2E0,3E0]" (or a bare number) → margins per target. */
function readBaseScore(j: JsonFields, value: unknown, targets: number, info: ObjectiveInfo, objective: string): number[] {
  const path = 'learner.learner_model_param.base_score';
  let values: number[];
  if (typeof value === 'number') values = [value];
  else {
    const text = j.string(value, path).trim().replace(/^\(/, '[').replace(/\)$/, ']');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return j.fail(path, `is ${JSON.stringify(value)}, expected a number like "5E-1" or a list like "[5E-1]"`);
    }
    values = (Array.isArray(parsed) ? parsed : [parsed]).map((v, i) => j.number(v, `${path}[${i}]`));
  }
  if (values.length === 1) values = Array.from({ length: targets }, () => values[0]!);
  if (values.length !== targets) j.fail(path, `has ${values.length} values, expected 1 or ${targets} (one per class/target)`);
  return values.map((raw) => {
    const b = Math.fround(raw);
    if (!Number.isFinite(b)) j.fail(path, `is ${raw}, expected a finite number`);
    if (info.margin === 'logit') {
      if (!(b > 0 && b < 1)) j.fail(path, `is ${raw}, but ${objective} needs a base_score in (0, 1)`);
      return Math.fround(-Math.log(Math.fround(Math.fround(1 / b) - 1))) + 0; // -logf(1.0f / base_score - 1.0f), no -0
    }
    if (info.margin === 'log') {
      if (!(b > 0)) j.fail(path, `is ${raw}, but ${objective} needs a positive base_score`);
      return Math.fround(Math.log(b));
    }
    return b;
  });
}

function readNames(j: JsonFields, value: unknown, path: string, count: number): string[] | undefined {
  if (value === undefined) return undefined;
  const names = j.array(value, path).map((name, i) => j.string(name, `${path}[${i}]`));
  if (names.length === 0) return undefined;
  if (names.length !== count) j.fail(path, `has ${names.length} names but num_feature is ${count}`);
  return names;
}

const PER_NODE = ['left_children', 'right_children', 'split_indices', 'split_conditions', 'default_left', 'parents', 'base_weights', 'loss_changes', 'sum_hessian', 'split_type'];

function readTree(j: JsonFields, value: unknown, path: string, index: number, target: number, weight: number, numFeatures: number, names: string[] | undefined): Tree {
  const tree = j.object(value, path);
  const param = j.object(tree['tree_param'], `${path}.tree_param`);
  const count = j.integer(param['num_nodes'], `${path}.tree_param.num_nodes`, 1);
  const leafVector = j.integer(param['size_leaf_vector'] ?? '0', `${path}.tree_param.size_leaf_vector`, 0);
  if (leafVector > 1) j.fail(`${path}.tree_param.size_leaf_vector`, `is ${leafVector}: vector-leaf (multi_output_tree) models are not supported`);
  const arrays: Record<string, unknown[]> = {};
  for (const key of PER_NODE) {
    const required = key !== 'parents' && key !== 'base_weights' && key !== 'loss_changes' && key !== 'sum_hessian' && key !== 'split_type';
    if (tree[key] === undefined && !required) continue;
    arrays[key] = j.parallel(tree[key], `${path}.${key}`, count, 'tree_param.num_nodes');
  }
  const { left_children: lefts, right_children: rights, split_indices: features, split_conditions: conditions, default_left: defaults } = arrays as Record<string, unknown[]>;
  const splitTypes = arrays['split_type'];
  const out = emptyTree(index, target, count);
  for (let i = 0; i < count; i += 1) {
    const left = intAt(j, lefts!, i, path, 'left_children', -1);
    const right = intAt(j, rights!, i, path, 'right_children', -1);
    const raw = conditions![i];
    const condition = typeof raw === 'number' ? raw : j.number(raw, `${path}.split_conditions[${i}]`);
    if (left === -1) {
      if (right !== -1) j.fail(`${path}.right_children[${i}]`, `is ${right} but left_children[${i}] is -1 (a leaf); expected both -1 or both children`);
      if (!Number.isFinite(condition)) j.fail(`${path}.split_conditions[${i}]`, `leaf value is ${condition}, expected a finite number`);
      const leaf = Math.fround(condition);
      out.value[i] = weight === 1 ? leaf : Math.fround(leaf * weight);
      continue;
    }
    const feature = intAt(j, features!, i, path, 'split_indices', 0);
    if (feature >= numFeatures) j.fail(`${path}.split_indices[${i}]`, `is ${feature}, but the model has ${numFeatures} features`);
    if (splitTypes && splitTypes[i] !== 0) {
      const label = names ? `${feature} '${names[feature]}'` : String(feature);
      if (intAt(j, splitTypes, i, path, 'split_type', 0) !== 0) {
        j.fail(`${path}.split_type[${i}]`, `tree ${index} node ${i} is a categorical split on feature ${label}; categorical splits are not supported (ONNX TreeEnsemble has no set-membership test before ai.onnx.ml 5) — retrain with one-hot encoded features`);
      }
    }
    if (Number.isNaN(condition)) j.fail(`${path}.split_conditions[${i}]`, `is NaN for a numerical split on feature ${feature}`);
    const dl = defaults![i];
    if (dl !== 0 && dl !== 1 && dl !== true && dl !== false) j.fail(`${path}.default_left[${i}]`, `is ${j.describe(dl)}, expected 0/1 or a boolean`);
    out.left[i] = left;
    out.right[i] = right;
    out.feature[i] = feature;
    out.threshold[i] = Math.fround(condition);
    out.defaultLeft[i] = dl === 1 || dl === true ? 1 : 0;
  }
  checkTreeShape(out, j.file, (node) => `${path}.left_children[${node}]`);
  return out;
}

/** arrays[i] as an integer ≥ min; the path string is only built for the error. */
function intAt(j: JsonFields, array: unknown[], i: number, path: string, key: string, min: number): number {
  const value = array[i];
  if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
  return j.integer(value, `${path}.${key}[${i}]`, min);
}
