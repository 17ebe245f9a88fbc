import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from '../synthetic/prng.js';
import type { Key } from './classify.js';
import { HASH, hashKey } from './hash.js';
import { HyperLogLog } from './hll.js';
import { Kll, KLL_RANK_ERROR } from './kll.js';
import { MisraGries } from './misra-gries.js';
import { gridExponent, GridHistogram, Moments } from './numeric.js';
import { rankInterval } from './testing.js';

/** Worst |true rank − q| over the percentiles, counting ties in the value's favour. */
function worstRankError(kll: Kll, sorted: Float64Array): number {
  const qs = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);
  const estimates = kll.quantiles(qs);
  let worst = 0;
  qs.forEach((q, i) => {
    const x = estimates[i]!;
    const [below, atOrBelow] = rankInterval(sorted, x);
    const error = q < below ? below - q : q > atOrBelow ? q - atOrBelow : 0;
    worst = Math.max(worst, error);
  });
  return worst;
}

describe('KLL', () => {
  const rng = new Xoshiro128(7, 1);
  const streams: [string, Float64Array][] = [
    ['uniform', Float64Array.from({ length: 300_000 }, () => rng.nextFloat())],
    ['normal', Float64Array.from({ length: 200_000 }, () => rng.normal() * 100 - 5)],
    ['sorted', Float64Array.from({ length: 200_000 }, (_, i) => i)],
    ['reversed', Float64Array.from({ length: 200_000 }, (_, i) => -i)],
    ['few values', Float64Array.from({ length: 200_000 }, () => rng.intBetween(0, 9))],
  ];

  it.each(streams)('%s: every percentile within the 1.65%% rank error, one pass', (_, values) => {
    const kll = new Kll();
    for (const x of values) kll.add(x);
    expect(kll.n).toBe(values.length);
    expect(worstRankError(kll, values.slice().sort())).toBeLessThanOrEqual(KLL_RANK_ERROR);
    expect(JSON.stringify(kll.toJSON()).length).toBeLessThan(20_000);
  });

  it.each(streams)('%s: merged from 13 uneven shards, within the same bound', (_, values) => {
    const cuts = [0, ...Array.from({ length: 12 }, () => rng.intBetween(0, values.length)).sort((a, b) => a - b), values.length];
    const parts = cuts.slice(1).map((end, i) => {
      const kll = new Kll();
      kll.addAll(values.subarray(cuts[i]!, end), end - cuts[i]!);
      return kll;
    });
    const merged = parts.reduce((a, b) => (a.merge(b), a));
    expect(merged.n).toBe(values.length);
    expect(worstRankError(merged, values.slice().sort())).toBeLessThanOrEqual(KLL_RANK_ERROR);
  });

  it('a weighted add is as good as repeated adds', () => {
    const kll = new Kll();
    const values: number[] = [];
    for (let v = 0; v < 500; v += 1) {
      const w = rng.intBetween(1, 3000);
      kll.add(v, w);
      for (let i = 0; i < w; i += 1) values.push(v);
    }
    expect(kll.n).toBe(values.length);
    expect(worstRankError(kll, Float64Array.from(values))).toBeLessThanOrEqual(KLL_RANK_ERROR);
  });

  it('is deterministic and round-trips through JSON', () => {
    const a = new Kll();
    const b = new Kll();
    for (const x of streams[1]![1]) {
      a.add(x);
      b.add(x);
    }
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
    const back = Kll.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(back.quantiles([0.1, 0.5, 0.9])).toEqual(a.quantiles([0.1, 0.5, 0.9]));
    expect(() => Kll.fromJSON({ ...a.toJSON(), n: 5 })).toThrow(/weigh/);
  });
});

describe('HyperLogLog', () => {
  const sigma = 1.04 / Math.sqrt(1 << 14);

  function hll(from: number, to: number, prefix = ''): HyperLogLog {
    const sketch = new HyperLogLog();
    for (let i = from; i < to; i += 1) {
      hashKey(prefix ? `${prefix}${i}` : i * 1.5);
      sketch.add(HASH[0]!, HASH[1]!);
    }
    return sketch;
  }

  it.each([10, 1000, 20_000, 100_000, 1_000_000])('estimates %d distinct values within 3σ', (n) => {
    expect(Math.abs(hll(0, n).estimate() / n - 1)).toBeLessThanOrEqual(3 * sigma);
    expect(Math.abs(hll(0, n, 'id-').estimate() / n - 1)).toBeLessThanOrEqual(3 * sigma);
  });

  it('merges to the union and ignores repeats', () => {
    const a = hll(0, 60_000, 'k');
    a.merge(hll(30_000, 90_000, 'k'));
    a.merge(hll(0, 90_000, 'k'));
    expect(Math.abs(a.estimate() / 90_000 - 1)).toBeLessThanOrEqual(3 * sigma);
    expect(HyperLogLog.fromJSON(a.toJSON()).estimate()).toBe(a.estimate());
    expect(new HyperLogLog().estimate()).toBe(0);
  });
});

describe('Misra–Gries', () => {
  it('keeps every count within [estimate, estimate + decrement], decrement ≤ n/(k+1), in one pass and merged', () => {
    const rng = new Xoshiro128(3, 3);
    const truth = new Map<Key, number>();
    const shards = Array.from({ length: 5 }, () => new MisraGries(16));
    const single = new MisraGries(16);
    for (let i = 0; i < 50_000; i += 1) {
      const u = rng.nextFloat();
      const value = u < 0.5 ? Math.floor(1 / (rng.nextFloat() + 0.01)) : rng.intBetween(100, 100_000);
      truth.set(value, (truth.get(value) ?? 0) + 1);
      single.add(value);
      shards[rng.intBetween(0, 4)]!.add(value);
    }
    const merged = shards.reduce((a, b) => (a.merge(b), a));
    for (const summary of [single, merged]) {
      expect(summary.n).toBe(50_000);
      expect(summary.decrement).toBeLessThanOrEqual(50_000 / 17);
      for (const [value, count] of summary.counts) {
        expect(truth.get(value)!).toBeGreaterThanOrEqual(count);
        expect(truth.get(value)!).toBeLessThanOrEqual(count + summary.decrement);
      }
      for (const [value, count] of truth) if (count > summary.decrement) expect(summary.counts.has(value)).toBe(true);
    }
  });
});

describe('grid histogram and moments', () => {
  it('chooses power-of-two bins from the range', () => {
    expect(2 ** gridExponent(17, 90, 32)).toBe(4);
    expect(2 ** gridExponent(0, 99_999, 32)).toBe(4096);
    expect(2 ** gridExponent(-3.5, 3.5, 32)).toBe(0.25);
    expect(2 ** gridExponent(0, 1, 32)).toBe(0.0625);
    const h = new GridHistogram();
    for (const x of [17, 90, 40, 40, 41]) h.add(x);
    expect(h.toJSON()).toEqual({ edges: [16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64, 68, 72, 76, 80, 84, 88, 92], counts: [1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] });
    const ones = new GridHistogram();
    ones.add(0, 5);
    ones.add(1, 7);
    expect(ones.toJSON(0)).toEqual({ edges: [0, 1, 2], counts: [5, 7] });
  });

  it('gives identical bins for any sharding and merge order', () => {
    const rng = new Xoshiro128(11, 2);
    const values = Array.from({ length: 20_000 }, () => (rng.nextFloat() < 0.01 ? rng.normal() * 1e4 : rng.normal() * 3 + 100));
    const single = new GridHistogram();
    values.forEach((x) => single.add(x));
    for (let trial = 0; trial < 5; trial += 1) {
      const shards = Array.from({ length: 7 }, () => new GridHistogram());
      values.forEach((x) => shards[rng.intBetween(0, 6)]!.add(x));
      const order = shards.map((_, i) => i).sort(() => rng.nextFloat() - 0.5);
      const merged = order.map((i) => shards[i]!).reduce((a, b) => (a.merge(b), a));
      expect(merged.toJSON()).toEqual(single.toJSON());
    }
    expect(single.toJSON().counts.reduce((a, b) => a + b)).toBe(values.length);
  });

  it('Welford/Chan moments match a two-pass computation', () => {
    const rng = new Xoshiro128(5, 5);
    const values = Float64Array.from({ length: 50_001 }, () => rng.normal() * 1e3 + 1e6);
    const mean = values.reduce((a, b) => a + b) / values.length;
    const m2 = values.reduce((a, x) => a + (x - mean) ** 2, 0);
    const m = new Moments();
    for (let i = 0; i < values.length; i += 1000) m.addAll(values.subarray(i, i + 1000), Math.min(1000, values.length - i));
    expect(Math.abs(m.mean - mean) / mean).toBeLessThan(1e-14);
    expect(Math.abs(m.m2 - m2) / m2).toBeLessThan(1e-9);
  });
});
