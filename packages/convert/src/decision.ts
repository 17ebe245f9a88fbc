/**
 * Split semantics of the source libraries, and their translation into ONNX comparisons.
 *
 * `goesLeft` is the source library's own decision for one node (used by the reference
 * evaluator). `partition` cuts the float32 line into intervals on which `goesLeft` is constant:
 * it lists every point where the decision can change, then labels each interval by evaluating
 * `goesLeft` at the interval's lowest value, and NaN separately. The ONNX writer turns a
 * partition into `x < b` / `x <= b` nodes, so ONNX agrees with the evaluator on every float32
 * input by construction.
 *
 * Sources of the rules:
 *  - XGBoost (src/predictor/predict_fn.h GetNextNode/GetDecision): missing → default child,
 *    else left iff `fvalue < split_cond` in float32.
 *  - LightGBM (include/LightGBM/tree.h NumericalDecision): NaN becomes 0 unless the missing type
 *    is NaN; missing type Zero sends |x| <= kZeroThreshold (1e-35f, meta.h) and NaN to the default
 *    side, missing type NaN sends NaN there; otherwise left iff `fval <= threshold` in double.
 *  - LightGBM CategoricalDecision: NaN → right; `int_fval = static_cast<int>(fval)` (truncation),
 *    negative → right; left iff bit `int_fval` is set in the node's cat_threshold bitset.
 */
import { MISSING_NAN, MISSING_ZERO, RULE_LEQ, RULE_LT, floor32, nextDown32, nextUp32, type Tree } from './model.js';

/** LightGBM's kZeroThreshold: the float literal 1e-35f widened to double. */
export const LIGHTGBM_ZERO = Math.fround(1e-35);

const INT32_LIMIT = 2 ** 31;

export function goesLeft(tree: Tree, node: number, x: number): boolean {
  const rule = tree.rule[node];
  if (rule === RULE_LT) {
    if (Number.isNaN(x)) return tree.defaultLeft[node] === 1;
    return x < tree.threshold[node]!;
  }
  if (rule === RULE_LEQ) {
    const missing = tree.missingType[node];
    let value = x;
    if (Number.isNaN(value) && missing !== MISSING_NAN) value = 0;
    if ((missing === MISSING_ZERO && value >= -LIGHTGBM_ZERO && value <= LIGHTGBM_ZERO) || (missing === MISSING_NAN && Number.isNaN(value))) {
      return tree.defaultLeft[node] === 1;
    }
    return value <= tree.threshold[node]!;
  }
  // RULE_CAT
  if (Number.isNaN(x)) return false;
  const category = Math.trunc(x);
  // static_cast<int> of a value outside int32 is undefined in C++; x86 gives INT_MIN (negative → right).
  if (category < 0 || category >= INT32_LIMIT) return false;
  return binarySearch(tree.categories.get(node) ?? [], category);
}

function binarySearch(sorted: readonly number[], value: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const probe = sorted[mid]!;
    if (probe === value) return true;
    if (probe < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** A boundary between intervals: values below `at` (float32) are on its left. */
export interface Cut {
  at: number;
  /** Emit as `x <= nextDown32(at)` (LightGBM's own form) rather than `x < at`. */
  asLeq: boolean;
}

/** Intervals of the float32 line, left to right, and the side each one (and NaN) goes to. */
export interface Partition {
  cuts: Cut[];
  /** cuts.length + 1 entries: true = left child. */
  left: boolean[];
  nanLeft: boolean;
}

/** The cut points of one node's decision function (unsorted, possibly repeated). */
function cutPoints(tree: Tree, node: number): Cut[] {
  const rule = tree.rule[node];
  if (rule === RULE_LT) return [{ at: tree.threshold[node]!, asLeq: false }];
  if (rule === RULE_LEQ) {
    const cuts: Cut[] = [{ at: nextUp32(floor32(tree.threshold[node]!)), asLeq: true }];
    if (tree.missingType[node] === MISSING_ZERO) cuts.push({ at: -LIGHTGBM_ZERO, asLeq: false }, { at: nextUp32(LIGHTGBM_ZERO), asLeq: true });
    return cuts;
  }
  const cuts: Cut[] = [];
  for (const category of tree.categories.get(node) ?? []) {
    if (Math.fround(category) !== category) continue; // no float32 truncates to it
    // trunc(x) === 0 for x in (-1, 1); trunc(x) === c for x in [c, c + 1) otherwise.
    const low = category === 0 ? nextUp32(-1) : category;
    const up = Math.fround(category + 1);
    cuts.push({ at: low, asLeq: false }, { at: up > category ? up : nextUp32(category), asLeq: false });
  }
  return cuts;
}

export function partition(tree: Tree, node: number): Partition {
  const points = cutPoints(tree, node).sort((a, b) => a.at - b.at);
  const cuts: Cut[] = [];
  const left: boolean[] = [goesLeft(tree, node, Number.NEGATIVE_INFINITY)];
  for (const cut of points) {
    if (cut.at === Number.NEGATIVE_INFINITY) continue; // nothing lies below -Infinity
    if (cuts.length > 0 && cuts[cuts.length - 1]!.at === cut.at) continue;
    const side = goesLeft(tree, node, cut.at);
    if (side === left[left.length - 1]) continue; // no change here: merge the intervals
    cuts.push(cut);
    left.push(side);
  }
  return { cuts, left, nanLeft: goesLeft(tree, node, Number.NaN) };
}

/**
 * The common splits as one comparison, without building a partition: XGBoost `x < t` with a
 * finite t, and LightGBM `x <= t` whose missing type is None or NaN (always two intervals:
 * (-inf, floor32(t)] and the rest). Equal to `partition` for these (checked in tests);
 * undefined for everything else.
 */
export function simpleSplit(tree: Tree, node: number): { mode: 'BRANCH_LT' | 'BRANCH_LEQ'; value: number; nanLeft: boolean } | undefined {
  const rule = tree.rule[node];
  const threshold = tree.threshold[node]!;
  if (rule === RULE_LT) return Number.isFinite(threshold) ? { mode: 'BRANCH_LT', value: threshold, nanLeft: tree.defaultLeft[node] === 1 } : undefined;
  if (rule !== RULE_LEQ || tree.missingType[node] === MISSING_ZERO || Number.isNaN(threshold)) return undefined;
  return { mode: 'BRANCH_LEQ', value: floor32(threshold), nanLeft: tree.missingType[node] === MISSING_NAN ? tree.defaultLeft[node] === 1 : threshold >= 0 };
}

/** The ONNX comparison for a cut: mode and float32 threshold. */
export function cutComparison(cut: Cut): { mode: 'BRANCH_LT' | 'BRANCH_LEQ'; value: number } {
  return cut.asLeq ? { mode: 'BRANCH_LEQ', value: nextDown32(cut.at) } : { mode: 'BRANCH_LT', value: cut.at };
}
