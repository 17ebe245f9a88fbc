/**
 * Column drift / skew tests between a reference and a current sample (pure: arrays in, numbers
 * out). Test choice, thresholds and formulas follow Evidently's legacy data-drift defaults
 * (evidentlyai/evidently@a4aa4c2b3, `src/evidently/legacy/calculations/stattests/`), numbers
 * follow scipy 1.10.1 / numpy 1.24 (golden tests: fixtures/drift, fixtures/oracles/drift_oracle.py).
 *
 * Missing values: NaN and ±Infinity are dropped from numeric samples before testing, as
 * Evidently's `get_one_column_drift` does (`replace([-inf, inf], nan).dropna()`); categorical
 * inputs are counts of present values (categories counted 0 on both sides are ignored). An empty
 * sample after dropping throws a RangeError (Evidently raises ValueError).
 *
 * Non-finite results are kept as scipy gives them: the chi2 statistic is +Infinity (p = 0) when
 * the current sample has a category the reference lacks.
 */
import { chiSquareTest, zTest } from './categorical.js';
import { compareCodePoints } from '@modelgate/core';
import {
  categoryShares,
  fillZeroes,
  histogramShares,
  jensenShannon,
  linf,
  psi,
  runEnd,
  wassersteinNormed,
  type Shares,
} from './distances.js';
import { ks2sampSorted, type KsMethod } from './ks.js';

export type { KsMethod, KsResult } from './ks.js';
export { ks2sampSorted } from './ks.js';
export { wassersteinDistance, jensenShannon } from './distances.js';
export { kstwoSf } from './kolmogorov.js';
export { chi2Sf } from './special.js';

export type DriftTestName = 'ks' | 'chi2' | 'z' | 'wasserstein' | 'jensen_shannon' | 'psi' | 'linf';

export interface ColumnDriftResult {
  test: DriftTestName;
  /** KS D, χ² statistic, z, normed Wasserstein distance, JS distance, PSI or L∞. */
  statistic: number;
  /** For ks, chi2 and z; null for the distances. */
  p_value: number | null;
  threshold: number;
  drifted: boolean;
  /** Values tested (non-missing), as ColumnDrift's reference_rows / current_rows. */
  reference_rows: number;
  current_rows: number;
}

export interface DriftOptions {
  /** ks_2samp `method` (default 'auto', as Evidently calls it). */
  ksMethod?: KsMethod;
  /** Jensen–Shannon logarithm base; default null = natural log, as Evidently (base 2 → bounded by 1). */
  jsBase?: number | null;
}

/**
 * Default thresholds (Evidently StatTest `default_threshold`): ks 0.05 (ks_stattest.py), chi2 and
 * z 0.05 (registry.py StatTest default), wasserstein 0.1, jensen_shannon 0.1, psi 0.1 (their
 * modules). L∞ is TFDV's, which has no default (its guide's example uses 0.01); 0.1 here.
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftTestName, number>> = {
  ks: 0.05,
  chi2: 0.05,
  z: 0.05,
  wasserstein: 0.1,
  jensen_shannon: 0.1,
  psi: 0.1,
  linf: 0.1,
};

/** Tests reporting a p-value (drift when small) rather than a distance (drift when large). */
export const P_VALUE_TESTS: ReadonlySet<DriftTestName> = new Set(['ks', 'chi2', 'z']);

/** Tests that need numbers: no category counts will do. */
export const NUMERIC_ONLY_TESTS: ReadonlySet<DriftTestName> = new Set(['ks', 'wasserstein']);

/** chooseTest never needs to know of more distinct values than this. */
export const CHOICE_UNIQUES = 6;

/**
 * Evidently's `_get_default_stattest` (registry.py). `uniques` = distinct non-missing values of
 * reference and current *combined* (`pd.concat([ref, cur]).nunique()`).
 */
export function chooseTest(kind: 'numeric' | 'categorical', referenceRows: number, uniques: number): DriftTestName {
  if (referenceRows <= 1000) {
    if (kind === 'numeric' && uniques >= CHOICE_UNIQUES) return 'ks';
    return uniques > 2 ? 'chi2' : 'z';
  }
  if (kind === 'numeric' && uniques >= CHOICE_UNIQUES) return 'wasserstein';
  return 'jensen_shannon';
}

/**
 * Drift decision as Evidently: ks `p <= threshold` (ks_stattest.py), chi2/z `p < threshold`,
 * distances `value >= threshold`.
 */
export function isDrifted(test: DriftTestName, statistic: number, pValue: number | null, threshold: number): boolean {
  if (test === 'ks') return (pValue as number) <= threshold;
  if (test === 'chi2' || test === 'z') return (pValue as number) < threshold;
  return statistic >= threshold;
}

type Rows = { reference_rows: number; current_rows: number };

function result(test: DriftTestName, statistic: number, pValue: number | null, threshold: number | undefined, rows: Rows): ColumnDriftResult {
  const t = threshold ?? DEFAULT_THRESHOLDS[test];
  return { test, statistic, p_value: pValue, threshold: t, drifted: isDrifted(test, statistic, pValue, t), ...rows };
}

/**
 * Finite values, sorted ascending (NaN/±Infinity dropped). Drift samples arrive finite and sorted:
 * such an array is returned as it is, not copied (the tests only read it).
 */
export function cleanSorted(values: ArrayLike<number>): Float64Array {
  if (values instanceof Float64Array && isFiniteSorted(values)) return values;
  const out = new Float64Array(values.length);
  let k = 0;
  let sorted = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (k > 0 && v < out[k - 1]!) sorted = false;
    out[k++] = v;
  }
  // Sorted input (with values to drop) needs no O(n log n) sort.
  return sorted ? out.subarray(0, k) : out.subarray(0, k).sort();
}

function isFiniteSorted(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v) || (i > 0 && v < values[i - 1]!)) return false;
  }
  return true;
}

/** Number of distinct values in a sorted array, and in the union of two. */
function distinctSorted(a: Float64Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i = runEnd(a, i, a[i]!)) n++;
  return n;
}
/** `stopAt`: count no further (a test choice only asks whether there are more than 5). */
export function distinctUnion(a: Float64Array, b: Float64Array, stopAt = Infinity): number {
  let i = 0, j = 0, n = 0;
  while ((i < a.length || j < b.length) && n < stopAt) {
    const v = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    i = runEnd(a, i, v);
    j = runEnd(b, j, v);
    n++;
  }
  return n;
}

/** Value counts of a sorted numeric sample, keyed by the number's string form, in ascending order. */
function valueCounts(sorted: Float64Array): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < sorted.length; ) {
    const j = runEnd(sorted, i, sorted[i]!);
    const key = String(sorted[i]); // -0 and 0 share the key "0", as pandas value_counts
    m.set(key, (m.get(key) ?? 0) + j - i);
    i = j;
  }
  return m;
}

function requireNonEmpty(n: number, which: string): void {
  if (n === 0) throw new RangeError(`drift: the ${which} sample has no non-missing values`);
}

/**
 * Drift test of one numeric column. `test` omitted = `chooseTest('numeric', …)`. Categorical tests
 * (chi2, z) on a numeric column treat each distinct value as a category, as Evidently does for
 * numeric columns with ≤ 5 values; JS/PSI/L∞ bin with Sturges edges when the reference has more
 * than 20 distinct values, otherwise use the values as categories (Evidently `get_binned_data`).
 */
export function numericDrift(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  test?: DriftTestName,
  threshold?: number,
  options: DriftOptions = {},
): ColumnDriftResult {
  const ref = cleanSorted(reference);
  const cur = cleanSorted(current);
  requireNonEmpty(ref.length, 'reference');
  requireNonEmpty(cur.length, 'current');
  const name = test ?? chooseTest('numeric', ref.length, distinctUnion(ref, cur, CHOICE_UNIQUES));
  const rows = { reference_rows: ref.length, current_rows: cur.length };
  switch (name) {
    case 'ks': {
      const r = ks2sampSorted(ref, cur, options.ksMethod ?? 'auto');
      return result(name, r.statistic, r.pvalue, threshold, rows);
    }
    case 'wasserstein':
      return result(name, wassersteinNormed(ref, cur).normed, null, threshold, rows);
    case 'chi2':
    case 'z':
      return categoricalDrift(valueCounts(ref), valueCounts(cur), name, threshold, options, numericKeyOrder);
    default: {
      const shares =
        distinctSorted(ref) > 20
          ? histogramShares(ref, cur)
          : sharesOf(valueCounts(ref), valueCounts(cur), numericKeyOrder);
      return distanceResult(name, shares, threshold, options, rows);
    }
  }
}

const numericKeyOrder = (a: string, b: string): number => Number(a) - Number(b);

function unionKeys(ref: ReadonlyMap<string, number>, cur: ReadonlyMap<string, number>, order: (a: string, b: string) => number): string[] {
  const keys = new Set<string>();
  for (const [k, v] of ref) if (v > 0) keys.add(k);
  for (const [k, v] of cur) if (v > 0) keys.add(k);
  return [...keys].sort(order);
}

function sharesOf(ref: ReadonlyMap<string, number>, cur: ReadonlyMap<string, number>, order: (a: string, b: string) => number): Shares {
  return categoryShares(unionKeys(ref, cur, order), ref, cur);
}

function distanceResult(name: DriftTestName, shares: Shares, threshold: number | undefined, options: DriftOptions, rows: Rows): ColumnDriftResult {
  switch (name) {
    case 'jensen_shannon':
      return result(name, jensenShannon(shares.reference, shares.current, options.jsBase ?? null), null, threshold, rows);
    case 'psi':
      return result(name, psi(fillZeroes(shares.reference), fillZeroes(shares.current)), null, threshold, rows);
    case 'linf':
      return result(name, linf(shares.reference, shares.current), null, threshold, rows);
    default:
      throw new RangeError(`drift: test '${name}' does not apply to binned shares`);
  }
}

/**
 * Drift test of one categorical column from category → count maps (non-missing values only).
 * `test` omitted = `chooseTest('categorical', …)`. ks and wasserstein need numeric values and throw.
 */
export function categoricalDrift(
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
  test?: DriftTestName,
  threshold?: number,
  options: DriftOptions = {},
  order: (a: string, b: string) => number = compareCodePoints,
): ColumnDriftResult {
  const keys = unionKeys(reference, current, order);
  const total = (m: ReadonlyMap<string, number>) => keys.reduce((s, k) => s + (m.get(k) ?? 0), 0);
  const rows = { reference_rows: total(reference), current_rows: total(current) };
  requireNonEmpty(rows.reference_rows, 'reference');
  requireNonEmpty(rows.current_rows, 'current');
  const name = test ?? chooseTest('categorical', rows.reference_rows, keys.length);
  if (NUMERIC_ONLY_TESTS.has(name)) throw new RangeError(`drift: test '${name}' needs numeric values, not category counts`);
  switch (name) {
    case 'chi2': {
      const r = chiSquareTest(keys, reference, current);
      return result(name, r.statistic, r.pvalue, threshold, rows);
    }
    case 'z': {
      const r = zTest(keys, reference, current);
      return result(name, r.statistic, r.pvalue, threshold, rows);
    }
    default:
      return distanceResult(name, categoryShares(keys, reference, current), threshold, options, rows);
  }
}

/**
 * Dataset-level drift as Evidently's `get_dataset_drift`: share of drifted columns, dataset drift
 * when share ≥ `share` (DataDriftOptions.drift_share default 0.5). No columns → no drift.
 */
export function datasetDrift(
  results: readonly Pick<ColumnDriftResult, 'drifted'>[],
  share = 0.5,
): { drifted_columns: number; drift_share: number; dataset_drift: boolean } {
  const drifted = results.filter((r) => r.drifted).length;
  const driftShare = results.length === 0 ? 0 : drifted / results.length;
  return { drifted_columns: drifted, drift_share: driftShare, dataset_drift: results.length > 0 && driftShare >= share };
}
export { NumericReservoir } from './reservoir.js';
