/**
 * The converter's intermediate form of a tree ensemble, shared by the XGBoost and LightGBM
 * readers, the ONNX writer and the reference evaluator. Each node keeps its source format's
 * decision rule (see ./decision.ts), so the evaluator reproduces the source library and the
 * writer has to prove (by construction of its comparison trees) that ONNX does the same.
 */
import { InputDataError } from '@modelgate/core';

export type SourceFormat = 'xgboost-json' | 'lightgbm-text';

/** XGBoost numerical split: left iff `x < threshold` (float32); NaN follows `defaultLeft`. */
export const RULE_LT = 0;
/** LightGBM numerical split: left iff `x <= threshold` (double), after its missing-value handling. */
export const RULE_LEQ = 1;
/** LightGBM categorical split: left iff `trunc(x)` is in the node's category set; NaN and negatives go right. */
export const RULE_CAT = 2;

/** LightGBM missing types (decision_type bits 2–3). */
export const MISSING_NONE = 0;
export const MISSING_ZERO = 1;
export const MISSING_NAN = 2;

/** One tree as parallel arrays; node 0 is the root, leaves have `left[i] === -1`. */
export interface Tree {
  /** Position of the tree in the source file (for messages). */
  index: number;
  /** Output column (class or target) the tree adds to. */
  target: number;
  left: Int32Array;
  right: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  rule: Uint8Array;
  /** 1 when missing values go left (XGBoost default_left, LightGBM decision_type bit 1). */
  defaultLeft: Uint8Array;
  /** LightGBM missing type per node (MISSING_*); XGBoost nodes use MISSING_NAN. */
  missingType: Uint8Array;
  /** Leaf values, already multiplied by the tree's weight (DART). */
  value: Float64Array;
  /** RULE_CAT nodes: sorted categories that go left. */
  categories: Map<number, number[]>;
}

/** What turns the raw margins into the model's outputs. */
export type Transform = 'identity' | 'sigmoid' | 'softmax' | 'exp' | 'ova-sigmoid' | 'signed-square' | 'softplus';

export interface TreeModel {
  format: SourceFormat;
  /** Name used in messages (the file as the user knows it). */
  file: string;
  sha256: string;
  /** e.g. '1.7.4' (XGBoost `version`) or 'v4' (LightGBM `version=`). */
  sourceVersion: string;
  /** Objective as written in the file, e.g. 'binary:logistic' or 'binary sigmoid:1'. */
  objective: string;
  task: 'binary' | 'multiclass' | 'regression';
  transform: Transform;
  /** Slope of the sigmoid (LightGBM `sigmoid:k`; 1 elsewhere). */
  sigmoidScale: number;
  /** Margins per row (K): classes for multiclass, targets for regression, 1 for binary. */
  numTargets: number;
  /** 2 for binary, K for multiclass, 0 for regression. */
  numClasses: number;
  numFeatures: number;
  featureNames: string[] | undefined;
  classLabels: string[] | undefined;
  /** Margin added before the trees, per target (XGBoost base_score as a margin; 0 for LightGBM). */
  baseMargin: number[];
  /** How the source sums leaf values: XGBoost in float32 from the base margin, LightGBM in double. */
  accumulate: 'float32' | 'float64';
  /** LightGBM `average_output` (random forest): the sum is divided by this; 1 otherwise. */
  averageOver: number;
  trees: Tree[];
  /** Facts worth telling the user (truncation to best_iteration, ignored fields, …). */
  notes: string[];
}

/** A problem with the file as a whole ("is empty", "is not UTF-8 text"): no field to name. */
export function fileError(file: string, message: string): InputDataError {
  return new InputDataError(message, { file });
}

/** One-line InputDataError naming the file and the offending field. */
export function inputError(file: string, field: string, message: string, line?: number): InputDataError {
  const location = line === undefined ? { file, field } : { file, field, line };
  return new InputDataError(`${field}: ${message}`, location);
}

// ---------------------------------------------------------------- float32 helpers

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** The next float32 above `x` (x a float32 value; +Infinity stays). */
export function nextUp32(x: number): number {
  if (Number.isNaN(x) || x === Number.POSITIVE_INFINITY) return x;
  if (x === 0) return 1.401298464324817e-45;
  f32[0] = x;
  i32[0] = i32[0]! + (x > 0 ? 1 : -1);
  return f32[0]!;
}

/** The next float32 below `x` (x a float32 value; -Infinity stays). */
export function nextDown32(x: number): number {
  return -nextUp32(-x);
}

/** The largest float32 not above `x`: float32 inputs satisfy `v <= x` iff `v <= floor32(x)`. */
export function floor32(x: number): number {
  const rounded = Math.fround(x);
  return rounded > x ? nextDown32(rounded) : rounded;
}

/** A tree of `nodes` leaves (value 0) to be filled in by a reader. */
export function emptyTree(index: number, target: number, nodes: number): Tree {
  return {
    index,
    target,
    left: new Int32Array(nodes).fill(-1),
    right: new Int32Array(nodes).fill(-1),
    feature: new Int32Array(nodes),
    threshold: new Float64Array(nodes),
    rule: new Uint8Array(nodes),
    defaultLeft: new Uint8Array(nodes),
    missingType: new Uint8Array(nodes).fill(MISSING_NAN),
    value: new Float64Array(nodes),
    categories: new Map(),
  };
}

/**
 * Checks that every node reachable from the root is reached once (no cycles, no shared
 * subtrees) and that child indices are in range. Unreachable nodes (XGBoost's deleted nodes)
 * are allowed. `where(node)` names a node's field for messages, `name(child)` a child index as the
 * file writes it, `line` is the line of the child arrays (text formats).
 */
export function checkTreeShape(tree: Tree, file: string, where: (node: number) => string, name: (child: number) => string = String, line?: number): void {
  const count = tree.left.length;
  if (count === 0) throw inputError(file, where(0), 'tree has no nodes', line);
  const seen = new Uint8Array(count);
  const stack = [0];
  seen[0] = 1;
  while (stack.length > 0) {
    const node = stack.pop()!;
    const left = tree.left[node]!;
    const right = tree.right[node]!;
    if (left === -1 && right === -1) continue;
    for (const child of [left, right]) {
      if (child < 0 || child >= count) {
        throw inputError(file, where(node), `child index ${child} is dangling (the tree has ${count} nodes; a split needs two children)`, line);
      }
      if (seen[child]) {
        throw inputError(file, where(node), `child ${name(child)} is reached twice (cyclic or shared child index); expected a tree`, line);
      }
      seen[child] = 1;
      stack.push(child);
    }
  }
}
