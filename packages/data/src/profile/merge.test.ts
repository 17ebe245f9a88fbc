/**
 * Property tests: random columns split into random shards, profiled in random batch sizes and
 * merged in random orders — in memory and through profile.json — against one pass and against
 * brute-force truth.
 */
import { describe, expect, it } from 'vitest';
import { ProfileFile } from '@modelgate/core';
import { Xoshiro128 } from '../synthetic/prng.js';
import { ColumnProfiler } from './column.js';
import { KLL_RANK_ERROR } from './kll.js';
import { columnToJson, mergeColumnProfiles, type ColumnProfileJson } from './json.js';
import { MISRA_GRIES_K } from './misra-gries.js';
import { GENERATORS, profileInBatches, rankInterval, relativeDifference, shards, shuffle, truthOf, type Truth } from './testing.js';

const ROWS = 30_000;
const HLL_3_SIGMA = (3 * 1.04) / Math.sqrt(1 << 14);

/** numpy/pandas linear quantile of sorted values. */
function linearQuantile(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1);
  const lo = Math.floor(position);
  const t = position - lo;
  return t === 0 ? sorted[lo]! : sorted[lo]! + (sorted[lo + 1]! - sorted[lo]!) * t;
}

function check(merged: ColumnProfileJson, single: ColumnProfileJson, truth: Truth): void {
  expect(ProfileFile.shape.columns.element.safeParse(merged).success).toBe(true);
  expect([merged.count, merged.missing, merged.type]).toEqual([truth.count, truth.missing, single.type]);
  expect(relativeDifference(merged.categorical!.avg_length!, single.categorical!.avg_length!)).toBeLessThan(1e-12);
  if (single.numeric) {
    const m = merged.numeric!;
    const s = single.numeric;
    expect([m.min, m.max, m.zeros, m.nan, m.inf]).toEqual([s.min, s.max, s.zeros, s.nan, s.inf]);
    expect([m.min, m.max, m.zeros, m.nan, m.inf]).toEqual([truth.finite[0], truth.finite.at(-1), truth.zeros, truth.nan, truth.inf]);
    expect(relativeDifference(m.mean!, s.mean!)).toBeLessThan(1e-12);
    expect(relativeDifference(m.variance!, s.variance!)).toBeLessThan(1e-9);
    const mean = truth.finite.reduce((a, b) => a + b) / truth.finite.length;
    expect(relativeDifference(m.mean!, mean)).toBeLessThan(1e-12);
    expect(m.histogram).toEqual(s.histogram);
    expect(m.histogram.counts.reduce((a, b) => a + b)).toBe(truth.finite.length);
    for (const [key, estimate] of Object.entries(m.quantiles)) {
      const q = Number(key);
      if (merged.distinct.exact) expect(relativeDifference(estimate, linearQuantile(truth.finite, q))).toBeLessThan(1e-12);
      else {
        const [lo, hi] = rankInterval(truth.finite, estimate);
        expect(Math.max(lo - q, q - hi, 0)).toBeLessThanOrEqual(KLL_RANK_ERROR);
      }
    }
  }
  const top = merged.categorical!.top;
  if (merged.distinct.exact) expect(top.length).toBe(Math.min(20, truth.counts.size));
  else expect(top.length).toBeLessThanOrEqual(20);
  for (const item of top) {
    const count = truth.counts.get(item.value)!;
    expect(count).toBeGreaterThanOrEqual(item.count);
    expect(count).toBeLessThanOrEqual(item.count + item.error);
    expect(item.error).toBeLessThanOrEqual(truth.count / (MISRA_GRIES_K + 1));
    if (merged.distinct.exact) expect(item.error).toBe(0);
  }
  if (merged.distinct.exact) expect(merged.distinct.estimate).toBe(truth.counts.size);
  else expect(Math.abs(merged.distinct.estimate / truth.counts.size - 1)).toBeLessThanOrEqual(HLL_3_SIGMA);
  if (merged.distinct.exact && single.distinct.exact) expect(merged).toEqual(single);
}

describe.each(Object.entries(GENERATORS))('%s', (name, generate) => {
  it.each([1, 2])('merging random shards equals one pass (seed %d)', (seed) => {
    const rng = new Xoshiro128(seed, name.length);
    const cells = generate(rng, ROWS);
    const truth = truthOf(cells);
    const single = columnToJson(profileInBatches(name, cells, rng));
    if (name.includes('(exact)')) expect(single.distinct.exact).toBe(true);
    if (name.includes('(sketch)')) expect(single.distinct.exact).toBe(false);
    const parts = shards(cells, rng.intBetween(2, 9), rng).map((part) => profileInBatches(name, part, rng));

    const inMemory = (order: ColumnProfiler[]) => columnToJson(order.reduce((target, part) => target.merge(part), new ColumnProfiler(name)));
    const first = inMemory(shuffle(parts, rng));
    const second = inMemory(shuffle(parts, rng));
    const viaJson = shuffle(parts.map(columnToJson), rng).reduce((a, b) => mergeColumnProfiles(a, b));

    for (const merged of [first, second, viaJson]) check(merged, single, truth);
    // The exact parts do not depend on the merge order.
    const exactParts = (c: ColumnProfileJson) => [c.count, c.missing, c.type, c.numeric?.min, c.numeric?.max, c.numeric?.zeros, c.numeric?.nan, c.numeric?.inf, c.numeric?.histogram];
    expect(exactParts(second)).toEqual(exactParts(first));
    expect(exactParts(viaJson)).toEqual(exactParts(first));
    if (first.distinct.exact) expect(second).toEqual(first);
  });
});

describe('regimes', () => {
  it('stays exact up to the limit and switches after it, in one pass and merged', () => {
    const values = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `k${from + i}`);
    const a = new ColumnProfiler('c', { exactLimit: 100 });
    a.add(values(0, 100));
    expect(a.exact).toBe(true);
    const b = new ColumnProfiler('c', { exactLimit: 100 });
    b.add(values(50, 150));
    expect(columnToJson(a.merge(b)).distinct).toMatchObject({ exact: false });
    const one = new ColumnProfiler('c', { exactLimit: 100 });
    one.add([...values(0, 100), ...values(0, 100)]);
    expect(one.exact).toBe(true);
    one.add(['k100']);
    expect(one.exact).toBe(false);
    expect(columnToJson(one).categorical!.top[0]).toEqual({ value: 'k0', count: 2, error: 0 });
  });

  it('keeps typed and text values of one number together', () => {
    const p = new ColumnProfiler('n');
    p.add(['1', '1.0', '01', 1, null, '-0', '0', 0, '2.5']);
    const json = columnToJson(p);
    expect(json.type).toBe('float');
    expect(json.distinct.estimate).toBe(3);
    expect(json.categorical!.top).toEqual([
      { value: '1', count: 4, error: 0 },
      { value: '0', count: 3, error: 0 },
      { value: '2.5', count: 1, error: 0 },
    ]);
    expect(json.numeric).toMatchObject({ zeros: 3, min: 0, max: 2.5 });
    const reloaded = mergeColumnProfiles(json, columnToJson(new ColumnProfiler('n')));
    expect(reloaded).toEqual(json);
  });

  it('keeps number and boolean spellings apart in a string column, in one pass and merged through profile.json', () => {
    const profile = (cells: string[], options: { exactLimit?: number } = {}) => {
      const p = new ColumnProfiler('zip', options);
      p.add(cells);
      return p;
    };
    const counts = (json: ColumnProfileJson) => {
      const sketch = json.categorical!.top_sketch as unknown as { values: string[]; counts: number[] };
      return Object.fromEntries(sketch.values.map((value, i) => [value, sketch.counts[i]]));
    };
    const words = ['02134', '2134', '2134.0', '2134', 'True', 'true', 'SW1A 1AA'];
    const single = columnToJson(profile(words));
    expect(single.type).toBe('string');
    expect(counts(single)).toEqual({ '2134': 2, '02134': 1, '2134.0': 1, true: 1, True: 1, 'SW1A 1AA': 1 });
    expect(single.distinct.estimate).toBe(6);
    // Each shard alone is numeric (one spelling of 2134 per value) or bool: their tables keep the spellings.
    const numbers = columnToJson(profile(['02134', '2134.0', '2134', '7']));
    expect(numbers).toMatchObject({ type: 'float', distinct: { estimate: 2 } });
    expect(numbers.categorical!.top_sketch).toMatchObject({ values: ['7', '2134'], counts: [1, 3], spellings: { values: ['02134', '2134.0'], counts: [1, 1] } });
    expect(mergeColumnProfiles(numbers, columnToJson(new ColumnProfiler('zip')))).toEqual(numbers);
    const shards = [['02134', '2134.0', '2134'], ['2134', 'True', 'true'], ['SW1A 1AA']];
    const viaJson = shards.map((cells) => columnToJson(profile(cells))).reduce((a, b) => mergeColumnProfiles(a, b));
    expect(viaJson).toEqual(single);
    const inMemory = shards.map((cells) => profile(cells)).reduce((a, b) => a.merge(b));
    expect(columnToJson(inMemory)).toEqual(single);
    // Sketched, with the word before the sketches begin: the spellings are counted apart there too.
    const sketched = columnToJson(profile(['SW1A 1AA', ...words, 'a', 'b', 'c', 'd'], { exactLimit: 2 }));
    expect(sketched.distinct.exact).toBe(false);
    expect(counts(sketched)).toMatchObject({ '2134': 2, '02134': 1, '2134.0': 1, True: 1, true: 1, 'SW1A 1AA': 2 });
    expect(counts(mergeColumnProfiles(sketched, columnToJson(profile(['02134']))))).toMatchObject({ '2134': 2, '02134': 2 });
  });

  it('widens types across merges like one pass would', () => {
    const profile = (cells: (string | null)[]) => {
      const p = new ColumnProfiler('c');
      p.add(cells);
      return columnToJson(p);
    };
    expect(mergeColumnProfiles(profile(['1', '2']), profile(['1.5'])).type).toBe('float');
    expect(mergeColumnProfiles(profile(['1e3']), profile(['7'])).type).toBe('float');
    expect(mergeColumnProfiles(profile(['1', '2']), profile(['x'])).type).toBe('string');
    expect(mergeColumnProfiles(profile(['true']), profile(['1'])).type).toBe('string');
    expect(mergeColumnProfiles(profile([null, null]), profile(['2024-01-01'])).type).toBe('timestamp');
    expect(profile([null]).type).toBe('string');
    expect(mergeColumnProfiles(profile([null]), profile([null]))).toMatchObject({ count: 0, missing: 2 });
  });
});
