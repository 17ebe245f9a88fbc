/**
 * LightGBM text models (`model.txt`, Booster.save_model, format v2–v4) → TreeModel.
 *
 * Format facts (LightGBM src/boosting/gbdt_model_text.cpp SaveModelToString /
 * LoadModelFromString, src/io/tree.cpp Tree::ToString / Tree(const char*), include/LightGBM/tree.h):
 *  - First line `tree`; header `key=value` lines (version, num_class, num_tree_per_iteration,
 *    label_index, max_feature_idx, objective, feature_names, feature_infos, tree_sizes) and the
 *    flag line `average_output`; then `Tree=<i>` sections of key=value lines separated by blank
 *    lines; then `end of trees`, feature importances and parameters.
 *  - A tree with num_leaves = L has L-1 internal nodes: split_feature, threshold (%.17g
 *    doubles), decision_type, left_child, right_child; a negative child c is leaf ~c; leaf_value
 *    has L entries (a single-leaf tree has only leaf_value). num_cat > 0 adds cat_boundaries
 *    (num_cat + 1 offsets) and cat_threshold (uint32 bitset words); the threshold of a
 *    categorical node is its index into cat_boundaries. is_linear=1 marks linear-leaf trees.
 *  - decision_type: bit 0 categorical, bit 1 default left, bits 2–3 missing type
 *    (0 None, 1 Zero, 2 NaN).
 *  - Trees are iteration-major: tree i adds to output i % num_tree_per_iteration. Scores are
 *    summed in double from 0 (boost_from_average is already folded into the first trees),
 *    divided by the number of iterations with average_output, then transformed by the objective.
 */
import { sha256Hex } from '@modelgate/core';
import { checkTreeShape, emptyTree, inputError, MISSING_NAN, RULE_CAT, RULE_LEQ, type Transform, type Tree, type TreeModel } from './model.js';

export interface LightGBMReadOptions {
  file?: string;
  /** SHA-256 of the file's bytes, when the caller has them (default: of `text` as UTF-8). */
  sha256?: string;
}

interface Field {
  value: string;
  line: number;
}

type ObjectiveInfo = { task: TreeModel['task']; transform: Transform };
const REGRESSION: ObjectiveInfo = { task: 'regression', transform: 'identity' };
const EXP: ObjectiveInfo = { task: 'regression', transform: 'exp' };
const OBJECTIVES: Record<string, ObjectiveInfo> = {
  binary: { task: 'binary', transform: 'sigmoid' },
  multiclass: { task: 'multiclass', transform: 'softmax' },
  multiclassova: { task: 'multiclass', transform: 'ova-sigmoid' },
  regression: REGRESSION, regression_l1: REGRESSION, huber: REGRESSION, fair: REGRESSION, quantile: REGRESSION, mape: REGRESSION,
  lambdarank: REGRESSION, rank_xendcg: REGRESSION,
  poisson: EXP, gamma: EXP, tweedie: EXP,
  cross_entropy: { task: 'regression', transform: 'sigmoid' },
  cross_entropy_lambda: { task: 'regression', transform: 'softplus' },
};

export function readLightGBMText(text: string, options: LightGBMReadOptions = {}): TreeModel {
  const file = options.file ?? 'model.txt';
  const fail: (field: string, message: string, line?: number) => never = (field, message, line) => {
    throw inputError(file, field, message, line);
  };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let at = 0;
  while (at < lines.length && lines[at]!.trim() === '') at += 1;
  if (lines[at]?.trim() !== 'tree') {
    const first = (lines[at] ?? '').slice(0, 40);
    fail('line 1', `is '${first}', expected 'tree' (the first line of a LightGBM model.txt)${first.startsWith('{') ? '; JSON models (dump_model) are not supported, save with save_model()' : ''}`, at + 1);
  }
  at += 1;
  const header = new Map<string, Field>();
  for (; at < lines.length && !lines[at]!.startsWith('Tree='); at += 1) {
    const line = lines[at]!;
    if (line === 'end of trees') break;
    const eq = line.indexOf('=');
    if (eq > 0) header.set(line.slice(0, eq), { value: line.slice(eq + 1), line: at + 1 });
    else if (line.trim() !== '') header.set(line.trim(), { value: '', line: at + 1 });
  }
  const headerInt = (key: string, min: number, fallback?: number): number => {
    const field = header.get(key);
    if (!field) return fallback ?? fail(key, 'is missing from the model header', 2);
    const value = Number(field.value);
    if (!Number.isSafeInteger(value) || value < min || field.value.trim() === '') fail(key, `is '${field.value}', expected an integer ≥ ${min}`, field.line);
    return value;
  };
  const version = header.get('version');
  if (version && !/^v[2-4]$/.test(version.value)) fail('version', `is '${version.value}'; this converter reads LightGBM model format v2–v4`, version.line);
  const numClass = headerInt('num_class', 1);
  const perIteration = headerInt('num_tree_per_iteration', 1, numClass);
  const numFeatures = headerInt('max_feature_idx', 0) + 1;
  const names = header.get('feature_names');
  const featureNames = names ? names.value.split(' ').filter((name) => name !== '') : undefined;
  if (names && featureNames!.length !== numFeatures) fail('feature_names', `has ${featureNames!.length} names but max_feature_idx is ${numFeatures - 1}`, names.line);

  // ---- objective
  const objectiveField = header.get('objective');
  const notes: string[] = [];
  const tokens = objectiveField ? objectiveField.value.trim().split(/\s+/) : [];
  const info = objectiveField ? OBJECTIVES[tokens[0]!] : REGRESSION;
  if (!info) fail('objective', `unknown or unsupported objective '${objectiveField!.value}'; supported: ${Object.keys(OBJECTIVES).join(', ')}`, objectiveField!.line);
  if (!objectiveField) notes.push('no objective line (custom objective): outputs are raw scores');
  let transform = info.transform;
  let sigmoidScale = 1;
  for (const option of tokens.slice(1)) {
    const [key, value] = option.split(':') as [string, string | undefined];
    if (key === 'sigmoid') {
      sigmoidScale = Number(value);
      if (!(sigmoidScale > 0) || !Number.isFinite(sigmoidScale)) fail('objective', `has sigmoid:${value}, expected a positive number`, objectiveField!.line);
    } else if (key === 'sqrt' && tokens[0] === 'regression') transform = 'signed-square';
    else if (key === 'num_class') {
      if (Number(value) !== numClass) fail('objective', `says num_class:${value} but the header says num_class=${numClass}`, objectiveField!.line);
    } else fail('objective', `has unknown option '${option}'`, objectiveField!.line);
  }
  if (info.task === 'multiclass' && (numClass < 2 || perIteration !== numClass)) {
    fail('num_tree_per_iteration', `is ${perIteration} with num_class=${numClass}; a ${tokens[0]} model needs num_class ≥ 2 trees per iteration`, header.get('num_tree_per_iteration')?.line);
  }
  if (info.task === 'binary' && perIteration !== 1) fail('num_tree_per_iteration', `is ${perIteration}, expected 1 for a binary model`, header.get('num_tree_per_iteration')?.line);

  // ---- trees
  const trees: Tree[] = [];
  let ended = false;
  for (; at < lines.length; at += 1) {
    const line = lines[at]!;
    if (line === 'end of trees') {
      ended = true;
      break;
    }
    if (!line.startsWith('Tree=')) {
      if (line.trim() === '') continue;
      fail(`line ${at + 1}`, `is '${line.slice(0, 40)}', expected 'Tree=${trees.length}' or 'end of trees'`, at + 1);
    }
    const label = line.trim();
    if (label !== `Tree=${trees.length}`) fail(label, `is out of order; expected 'Tree=${trees.length}'`, at + 1);
    const fields = new Map<string, Field>();
    for (at += 1; at < lines.length && lines[at]!.trim() !== '' && !lines[at]!.startsWith('Tree=') && lines[at] !== 'end of trees'; at += 1) {
      const eq = lines[at]!.indexOf('=');
      if (eq <= 0) fail(label, `line ${at + 1} '${lines[at]!.slice(0, 40)}' is not key=value`, at + 1);
      fields.set(lines[at]!.slice(0, eq), { value: lines[at]!.slice(eq + 1), line: at + 1 });
    }
    at -= 1;
    trees.push(readTree(fields, label, trees.length, trees.length % perIteration, numFeatures, file, at + 1));
  }
  const sizes = header.get('tree_sizes');
  const expected = sizes ? sizes.value.split(' ').filter((s) => s !== '').length : undefined;
  if (expected !== undefined && expected !== trees.length) {
    fail('tree_sizes', `lists ${expected} trees but the file has ${trees.length} Tree= sections (truncated or edited file?)`, sizes!.line);
  }
  if (trees.length === 0) fail('Tree=0', 'is missing: the file has no Tree= sections', lines.length);
  if (!ended) fail('end of trees', `is missing after Tree=${trees.length - 1}: the file is truncated`, lines.length);
  if (trees.length % perIteration !== 0) fail('num_tree_per_iteration', `is ${perIteration}, but the file has ${trees.length} trees (not a whole number of iterations)`, header.get('num_tree_per_iteration')?.line);
  const averageOver = header.has('average_output') ? trees.length / perIteration : 1;
  if (averageOver > 1) notes.push(`average_output: scores are averaged over ${averageOver} iterations`);

  return {
    format: 'lightgbm-text',
    file,
    sha256: options.sha256 ?? sha256Hex(text),
    sourceVersion: version?.value ?? 'unknown',
    objective: objectiveField?.value.trim() ?? '(none)',
    task: info.task,
    transform,
    sigmoidScale,
    numTargets: perIteration,
    numClasses: info.task === 'binary' ? 2 : info.task === 'multiclass' ? perIteration : 0,
    numFeatures,
    featureNames,
    classLabels: info.task === 'regression' ? undefined : Array.from({ length: info.task === 'binary' ? 2 : perIteration }, (_, i) => String(i)),
    baseMargin: Array.from({ length: perIteration }, () => 0),
    accumulate: 'float64',
    averageOver,
    trees,
    notes,
  };
}

function readTree(fields: Map<string, Field>, label: string, index: number, target: number, numFeatures: number, file: string, lastLine: number): Tree {
  const fail: (key: string, message: string, line?: number) => never = (key, message, line) => {
    throw inputError(file, `${label} ${key}`, message, line ?? fields.get(key)?.line ?? lastLine);
  };
  const numbers = (key: string, count: number, required: boolean): number[] => {
    const field = fields.get(key);
    if (!field) return required ? fail(key, `is missing (expected ${count} values)`) : [];
    const parts = field.value.split(' ').filter((part) => part !== '');
    if (parts.length !== count) fail(key, `has ${parts.length} values, expected ${count}; the per-node arrays of a tree must match num_leaves`);
    return parts.map((part, i) => {
      const value = /^[+-]?(inf|infinity)$/i.test(part) ? (part.startsWith('-') ? -Infinity : Infinity) : Number(part);
      if (Number.isNaN(value)) fail(key, `value ${i} is '${part}', expected a number`);
      return value;
    });
  };
  const integer = (key: string, min: number): number => {
    const [value] = numbers(key, 1, true) as [number];
    if (!Number.isInteger(value) || value < min) fail(key, `is ${value}, expected an integer ≥ ${min}`);
    return value;
  };
  const leaves = integer('num_leaves', 1);
  const numCat = fields.has('num_cat') ? integer('num_cat', 0) : 0;
  const linear = fields.get('is_linear');
  if (linear && linear.value.trim() !== '0') fail('is_linear', `is ${linear.value}: linear trees (linear_tree=true, a linear model in every leaf) cannot be expressed by ONNX TreeEnsemble; retrain without linear_tree`);
  const leafValues = numbers('leaf_value', leaves, true);
  const internal = leaves - 1;
  const tree = emptyTree(index, target, internal + leaves);
  leafValues.forEach((value, l) => {
    if (!Number.isFinite(value)) fail('leaf_value', `value ${l} is ${value}, expected a finite number`);
    tree.value[internal + l] = value;
  });
  if (internal === 0) return tree;

  const features = numbers('split_feature', internal, true);
  const thresholds = numbers('threshold', internal, true);
  const decisions = fields.has('decision_type') ? numbers('decision_type', internal, true) : new Array<number>(internal).fill(0);
  const lefts = numbers('left_child', internal, true);
  const rights = numbers('right_child', internal, true);
  const boundaries = numCat > 0 ? numbers('cat_boundaries', numCat + 1, true) : [];
  const words = numCat > 0 ? numbers('cat_threshold', boundaries[numCat] ?? 0, true) : [];
  const child = (key: string, value: number, node: number): number => {
    if (!Number.isInteger(value)) fail(key, `value ${node} is ${value}, expected a node index`);
    if (value >= 0 && value < internal) return value;
    if (value < 0 && ~value < leaves) return internal + ~value;
    return fail(key, `value ${node} is ${value}: dangling child (the tree has ${internal} internal nodes and ${leaves} leaves)`);
  };
  for (let i = 0; i < internal; i += 1) {
    const feature = features[i]!;
    if (!Number.isInteger(feature) || feature < 0 || feature >= numFeatures) fail('split_feature', `value ${i} is ${feature}, expected a feature index below ${numFeatures}`);
    const decision = decisions[i]!;
    const missing = (decision >> 2) & 3;
    if (!Number.isInteger(decision) || decision < 0 || decision > 15 || missing === 3) fail('decision_type', `value ${i} is ${decision}, expected bits: 1 categorical, 2 default left, 4–8 missing type None/Zero/NaN`);
    tree.feature[i] = feature;
    tree.left[i] = child('left_child', lefts[i]!, i);
    tree.right[i] = child('right_child', rights[i]!, i);
    tree.defaultLeft[i] = (decision >> 1) & 1;
    tree.missingType[i] = missing;
    const threshold = thresholds[i]!;
    if (decision & 1) {
      if (!Number.isInteger(threshold) || threshold < 0 || threshold >= numCat) fail('threshold', `value ${i} is ${threshold}; a categorical split's threshold indexes cat_boundaries (0–${numCat - 1})`);
      const begin = boundaries[threshold]!;
      const end = boundaries[threshold + 1]!;
      if (!(Number.isInteger(begin) && Number.isInteger(end) && begin >= 0 && begin <= end && end <= words.length)) fail('cat_boundaries', `entries ${threshold}–${threshold + 1} (${begin}, ${end}) are not a range of cat_threshold (${words.length} words)`);
      const categories: number[] = [];
      for (let w = begin; w < end; w += 1) {
        const bits = words[w]!;
        if (!Number.isInteger(bits) || bits < 0 || bits > 0xffffffff) fail('cat_threshold', `value ${w} is ${bits}, expected a 32-bit word`);
        for (let b = 0; b < 32; b += 1) if ((bits >>> b) & 1) categories.push((w - begin) * 32 + b);
      }
      tree.rule[i] = RULE_CAT;
      tree.missingType[i] = MISSING_NAN;
      tree.categories.set(i, categories);
    } else {
      tree.rule[i] = RULE_LEQ;
      tree.threshold[i] = threshold;
    }
  }
  const childName = (c: number): string => (c < internal ? `node ${c}` : `leaf ${c - internal} (${~(c - internal)})`);
  checkTreeShape(tree, file, (node) => `${label} left_child/right_child of node ${node}`, childName, fields.get('left_child')?.line);
  return tree;
}
