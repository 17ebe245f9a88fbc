import { ColumnDrift } from '@modelgate/core';
import { describe, expect, it } from 'vitest';
import { compareCodePoints } from '@modelgate/core';
import { histogramCounts, runEnd, sturgesEdges, wassersteinDistance } from './distances.js';
import {
  DEFAULT_THRESHOLDS,
  categoricalDrift,
  chooseTest,
  cleanSorted,
  datasetDrift,
  distinctUnion,
  isDrifted,
  numericDrift,
} from './index.js';
import { chi2Sf, erfc, ndtr, npSum, roundHalfEven } from './special.js';

describe('runs in sorted samples', () => {
  // Sorted samples with runs of 1 to 3 000 equal values, 0 and -0 mixed (=== equal, as the scans compare).
  const sortedWithRuns = (seed: number, n: number) => {
    let state = seed;
    const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const values: number[] = [];
    for (let value = -3; values.length < n; value += 1) {
      const run = random() < 0.5 ? 1 : Math.ceil(random() ** 3 * 3000);
      for (let r = 0; r < run; r += 1) values.push(value === 0 && random() < 0.5 ? -0 : value + (random() < 0.2 ? 0.5 : 0));
    }
    return Float64Array.from(values.slice(0, n)).sort();
  };

  it('runEnd finds where a run ends, as a scan does', () => {
    for (const seed of [1, 2, 3]) {
      const a = sortedWithRuns(seed, 20_000);
      for (let start = 0; start <= a.length; start += 1) {
        for (const v of [a[start] ?? 0, (a[start] ?? 0) + 0.25]) {
          let scan = start;
          while (scan < a.length && a[scan] === v) scan += 1;
          if (runEnd(a, start, v) !== scan) throw new Error(`seed ${seed}, start ${start}, value ${v}: ${runEnd(a, start, v)} != ${scan}`);
        }
      }
    }
  });

  it('Wasserstein over runs equals the value-by-value definition, bit for bit', () => {
    // scipy: the integral of |U(x) - V(x)| over the merged sorted values, as the sum of
    // |U - V| times each gap (numpy's pairwise sum over every position, zeros included).
    const byValue = (u: Float64Array, v: Float64Array) => {
      const all = Float64Array.from([...u, ...v]).sort();
      const terms = new Float64Array(all.length - 1);
      let i = 0;
      let j = 0;
      for (let k = 0; k < all.length - 1; k += 1) {
        while (i < u.length && u[i]! <= all[k]!) i += 1;
        while (j < v.length && v[j]! <= all[k]!) j += 1;
        terms[k] = Math.abs(i / u.length - j / v.length) * (all[k + 1]! - all[k]!);
      }
      return npSum(terms);
    };
    for (const seed of [4, 5, 6]) {
      const u = sortedWithRuns(seed, 30_000);
      const v = sortedWithRuns(seed + 10, 100_000);
      expect(Object.is(wassersteinDistance(u, v), byValue(u, v))).toBe(true);
      expect(distinctUnion(u, v)).toBe(new Set([...u, ...v].map((x) => x + 0)).size);
    }
    // An empty sample has no distribution.
    expect(wassersteinDistance(new Float64Array(0), Float64Array.of(-0, -0))).toBeNaN();
    expect(wassersteinDistance(Float64Array.of(1, 2), new Float64Array(0))).toBeNaN();
  });
});

describe('test selection (Evidently _get_default_stattest)', () => {
  it.each([
    ['numeric', 1000, 6, 'ks'],
    ['numeric', 1000, 5, 'chi2'],
    ['numeric', 1000, 3, 'chi2'],
    ['numeric', 1000, 2, 'z'],
    ['numeric', 1001, 6, 'wasserstein'],
    ['numeric', 1001, 5, 'jensen_shannon'],
    ['categorical', 1000, 3, 'chi2'],
    ['categorical', 10, 2, 'z'],
    ['categorical', 10, 1, 'z'],
    ['categorical', 1001, 2, 'jensen_shannon'],
    ['categorical', 5000, 40, 'jensen_shannon'],
  ] as const)('%s, %i reference rows, %i distinct → %s', (kind, rows, uniques, test) => {
    expect(chooseTest(kind, rows, uniques)).toBe(test);
  });

  it('distinctUnion counts the distinct values of two sorted samples, up to stopAt', () => {
    const a = Float64Array.of(1, 1, 2, 3, 3);
    const b = Float64Array.of(0, 3, 4, 5, 6, 7, 7);
    expect(distinctUnion(a, b)).toBe(8);
    expect(distinctUnion(b, a)).toBe(8);
    expect(distinctUnion(a, new Float64Array(0))).toBe(3);
    expect(distinctUnion(a, b, 6)).toBe(6);
    expect(distinctUnion(a, b, 100)).toBe(8);
  });
});

describe('drift decisions and thresholds', () => {
  it('uses Evidently comparison operators', () => {
    expect(isDrifted('ks', 0.5, 0.05, 0.05)).toBe(true); // p <= threshold
    expect(isDrifted('chi2', 3, 0.05, 0.05)).toBe(false); // p < threshold
    expect(isDrifted('z', 3, 0.05, 0.05)).toBe(false);
    expect(isDrifted('wasserstein', 0.1, null, 0.1)).toBe(true); // value >= threshold
    expect(isDrifted('psi', 0.0999, null, 0.1)).toBe(false);
  });

  it('fills the default threshold and honours a per-column one', () => {
    const ref = [1, 2, 3, 4, 5, 6, 7, 8];
    const cur = [5, 6, 7, 8, 9, 10, 11, 12]; // D = 0.5, exact p = 0.2827…
    expect(numericDrift(ref, cur)).toMatchObject({ test: 'ks', threshold: DEFAULT_THRESHOLDS.ks, drifted: false });
    expect(numericDrift(ref, cur, 'ks', 0.3)).toMatchObject({ test: 'ks', threshold: 0.3, drifted: true });
    expect(numericDrift(ref, cur, 'psi').p_value).toBeNull();
  });

  it('datasetDrift: share of drifted columns, drift when share >= threshold', () => {
    const cols = [{ drifted: true }, { drifted: false }, { drifted: true }, { drifted: false }];
    expect(datasetDrift(cols)).toEqual({ drifted_columns: 2, drift_share: 0.5, dataset_drift: true });
    expect(datasetDrift(cols, 0.6).dataset_drift).toBe(false);
    expect(datasetDrift([])).toEqual({ drifted_columns: 0, drift_share: 0, dataset_drift: false });
  });
});

describe('artifact shape', () => {
  it('spreads into core ColumnDrift with column and kind added', () => {
    const r = numericDrift([1, 2, 3, NaN, 4, 5, 6, 7], [3, 4, 5, 6, 7, 8, 9]);
    expect(r.reference_rows).toBe(7);
    expect(ColumnDrift.parse({ column: 'age', kind: 'numeric', ...r })).toEqual({ column: 'age', kind: 'numeric', ...r });
    const c = categoricalDrift(new Map([['a', 3], ['b', 1]]), new Map([['a', 1], ['b', 3]]));
    expect(ColumnDrift.safeParse({ column: 'sex', kind: 'categorical', ...c }).success).toBe(true);
  });

  it('chi2 with a category absent from the reference: statistic +Infinity (scipy), p = 0', () => {
    const r = categoricalDrift(new Map([['a', 5], ['b', 5], ['c', 5]]), new Map([['a', 5], ['d', 1], ['b', 2]]), 'chi2');
    expect(r).toMatchObject({ statistic: Infinity, p_value: 0, drifted: true });
    // ColumnDrift.statistic is a finite number: the artifact writer has to map this case.
    expect(ColumnDrift.safeParse({ column: 'x', kind: 'categorical', ...r }).success).toBe(false);
  });
});

describe('missing values and invalid input', () => {
  it('drops NaN and ±Infinity before testing', () => {
    const a = numericDrift([1, NaN, 2, 3, Infinity, 4, 5, 6, -Infinity], [2, 3, 4, 5, 6, 7, NaN]);
    const b = numericDrift([1, 2, 3, 4, 5, 6], [2, 3, 4, 5, 6, 7]);
    expect(a).toEqual(b);
    expect(cleanSorted([3, NaN, -1, 2])).toEqual(Float64Array.from([-1, 2, 3]));
    // A finite sorted Float64Array (a drift sample) is used as it is; anything else is copied.
    const sample = Float64Array.of(-1, 0, 0, 2.5);
    expect(cleanSorted(sample)).toBe(sample);
    const unsorted = Float64Array.of(2, 1);
    expect(cleanSorted(unsorted)).toEqual(Float64Array.of(1, 2));
    expect(unsorted).toEqual(Float64Array.of(2, 1));
    const infinite = Float64Array.of(1, Infinity);
    expect(cleanSorted(infinite)).toEqual(Float64Array.of(1));
    expect(cleanSorted(infinite)).not.toBe(infinite);
  });

  it('throws on an empty sample, and on numeric-only tests for categories', () => {
    expect(() => numericDrift([NaN], [1, 2])).toThrow(RangeError);
    expect(() => categoricalDrift(new Map([['a', 0]]), new Map([['a', 3]]))).toThrow(RangeError);
    expect(() => categoricalDrift(new Map([['a', 1]]), new Map([['a', 3]]), 'ks')).toThrow(/numeric/);
  });

  it('ignores categories counted zero on both sides', () => {
    const ref = new Map([['a', 5], ['b', 5], ['ghost', 0]]);
    const cur = new Map([['a', 4], ['b', 6], ['ghost', 0]]);
    const plain = categoricalDrift(new Map([['a', 5], ['b', 5]]), new Map([['a', 4], ['b', 6]]), 'chi2');
    expect(categoricalDrift(ref, cur, 'chi2')).toEqual(plain);
  });
});

describe('numeric helpers', () => {
  it('roundHalfEven matches np.round', () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4999, 7].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 7]);
  });

  it('npSum is pairwise (exact on a case where naive summation loses the small terms)', () => {
    const a = new Float64Array(1000).fill(1e-16);
    a[0] = 1;
    expect(npSum(a)).toBeGreaterThan(1); // naive left-to-right would stay at exactly 1
  });

  it('normal CDF and χ² survival function reference values', () => {
    expect(ndtr(0)).toBe(0.5);
    expect(ndtr(1.959963984540054)).toBeCloseTo(0.975, 15);
    expect(erfc(10)).toBeCloseTo(2.088487583762545e-45, 58);
    expect(chi2Sf(3.841458820694124, 1)).toBeCloseTo(0.05, 14);
    expect(chi2Sf(0, 3)).toBe(1);
    expect(chi2Sf(Infinity, 3)).toBe(0);
    expect(chi2Sf(1000, 1000)).toBeCloseTo(0.49405285382923964, 12); // scipy.stats.chi2.sf(1000, 1000)
  });

  it('Sturges edges and histogram counts (numpy semantics: last bin closed)', () => {
    const s = Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
    const edges = sturgesEdges(s); // log2(8) + 1 = 4 bins
    expect(Array.from(edges)).toEqual([0, 1.75, 3.5, 5.25, 7]);
    expect(Array.from(histogramCounts(s, edges))).toEqual([2, 2, 2, 2]);
    expect(Array.from(sturgesEdges(Float64Array.from([2, 2])))).toEqual([1.5, 2.5]);
  });

  it('orders string categories by code point, as Python sorted()', () => {
    const keys = ['\u{1F600}', '\uFB00', 'z', 'é'];
    expect([...keys].sort(compareCodePoints)).toEqual(['z', 'é', '\uFB00', '\u{1F600}']);
  });
});
