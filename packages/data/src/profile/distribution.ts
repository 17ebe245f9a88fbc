/**
 * Distributions recorded in a profile.json column, for consumers such as drift tests: the numeric
 * values with weights (exact table or KLL items) and the value counts (exact table or
 * Misra–Gries counters).
 */
import { Kll } from './kll.js';
import type { ColumnProfileJson } from './json.js';

export interface NumericDistribution {
  /** Distinct finite values (exact) or KLL items, ascending. */
  values: Float64Array;
  /** How many values each stands for; they sum to the column's finite count. */
  weights: Float64Array;
  /** True when every weight is an exact count; else ranks are within the KLL error (≈ 1.65 %). */
  exact: boolean;
}

/** The finite values of an int/float/timestamp column profile; undefined for other types. */
export function numericDistribution(column: ColumnProfileJson): NumericDistribution | undefined {
  const sketch = column.numeric?.quantile_sketch;
  if (sketch === undefined) return undefined;
  if (sketch.algorithm === 'kll') return { ...Kll.fromJSON(sketch).weighted(), exact: false };
  if (sketch.algorithm !== 'exact' || !Array.isArray(sketch.values) || !Array.isArray(sketch.counts)) {
    throw new Error(`profile of column '${column.name}': unknown quantile sketch ${sketch.algorithm}`);
  }
  return { values: Float64Array.from(sketch.values as number[]), weights: Float64Array.from(sketch.counts as number[]), exact: true };
}

export interface ValueCounts {
  /** Value (as text, like `categorical.top`) → count; every value when exact, else the tracked ones. */
  counts: Map<string, number>;
  /** Values counted in all (the column's present count). */
  total: number;
  /** Each true count is in [count, count + error]; 0 when exact. Untracked values occur at most `error` times. */
  error: number;
  exact: boolean;
}

export function valueCounts(column: ColumnProfileJson): ValueCounts {
  const sketch = column.categorical?.top_sketch;
  if (sketch === undefined || !Array.isArray(sketch.values) || !Array.isArray(sketch.counts)) {
    throw new Error(`profile of column '${column.name}': no value counts (categorical.top_sketch)`);
  }
  const counts = new Map<string, number>();
  (sketch.values as string[]).forEach((value, i) => counts.set(value, (sketch.counts as number[])[i]!));
  const exact = sketch.algorithm === 'exact';
  return { counts, total: column.count, error: exact ? 0 : Number(sketch.decrement ?? 0), exact };
}

/** Key of the bucket holding what a sketched summary does not count value by value. */
export const OTHER_VALUES = '\u0000(other values)';

/**
 * Two value-count summaries made comparable for a drift test. Exact on both sides: as they are.
 * Otherwise a Misra–Gries side tracks only some values, each undercounted by at most its error,
 * and two summaries of the same data (one pass, or merged chunks) keep different stray values:
 * compared are the values heavy on either side (count above that side's error), with their
 * counts, and on each side the rest of its total in one bucket.
 */
export function comparableCounts(a: ValueCounts, b: ValueCounts): [Map<string, number>, Map<string, number>] {
  if (a.exact && b.exact) return [a.counts, b.counts];
  const heavy = new Set<string>();
  for (const side of [a, b]) for (const [value, count] of side.counts) if (count > side.error) heavy.add(value);
  const bucketed = (side: ValueCounts) => {
    const counts = new Map<string, number>();
    let kept = 0;
    for (const value of heavy) {
      const count = side.counts.get(value) ?? 0;
      counts.set(value, count);
      kept += count;
    }
    counts.set(OTHER_VALUES, Math.max(0, side.total - kept));
    return counts;
  };
  return [bucketed(a), bucketed(b)];
}
