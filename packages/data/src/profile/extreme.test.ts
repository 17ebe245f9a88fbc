/**
 * Finite values near the largest double (1e200, ±1.7e308): Σx and Σ(x − mean)² overflow there,
 * while the mean, and often the variance, are doubles. Against exact rational arithmetic: every
 * double of magnitude ≥ 2^53 is an integer, and so is every value here, so BigInt holds them exactly.
 */
import { describe, expect, it } from 'vitest';
import { ProfileFile } from '@modelgate/core';
import { ColumnProfiler } from './column.js';
import { columnToJson, mergeColumnProfiles, type ColumnProfileJson } from './json.js';
import { Moments } from './numeric.js';
import type { ProfileOptions } from './options.js';
import { relativeDifference } from './testing.js';

/** num / den rounded to a double (Infinity past the largest one): the quotient, then the remainder's share. */
function ratio(num: bigint, den: bigint): number {
  return Number(num / den) + Number(num % den) / Number(den);
}

/** Exact mean and sample variance (ddof = 1) of integer-valued doubles. */
function exact(values: readonly number[]): { mean: number; variance: number } {
  const xs = values.map((x) => BigInt(x));
  const n = BigInt(xs.length);
  const sum = xs.reduce((a, b) => a + b, 0n);
  const squares = xs.reduce((a, b) => a + b * b, 0n);
  return { mean: ratio(sum, n), variance: ratio(n * squares - sum * sum, n * (n - 1n)) };
}

function profile(values: readonly number[], options: ProfileOptions = {}): ColumnProfileJson {
  const profiler = new ColumnProfiler('x', options);
  // As a CSV reader hands them over: text, which String() of a double round-trips.
  profiler.add(values.map(String), values.length);
  return columnToJson(profiler);
}

/** profile.json's contract (finite numbers or null) and the statistics against the exact ones. */
function check(json: ColumnProfileJson, values: readonly number[]): void {
  const parsed = ProfileFile.shape.columns.element.safeParse(json);
  expect(parsed.error?.issues ?? []).toEqual([]);
  const numeric = json.numeric!;
  const truth = exact(values);
  const largest = Math.max(...values.map(Math.abs));
  expect([json.count, numeric.min, numeric.max]).toEqual([values.length, Math.min(...values), Math.max(...values)]);
  // A streaming mean is exact to the rounding of the largest magnitude (and exact here when all share a sign).
  expect(Math.abs(numeric.mean! - truth.mean)).toBeLessThanOrEqual(1e-12 * largest);
  if (Number.isFinite(truth.variance)) expect(relativeDifference(numeric.variance!, truth.variance)).toBeLessThan(1e-9);
  else expect(numeric.variance).toBeNull();
  // M2 = variance·(n − 1): null exactly when it is past the largest double.
  const m2 = truth.variance * (values.length - 1);
  if (Number.isFinite(m2)) expect(relativeDifference(numeric.m2!, m2)).toBeLessThan(1e-9);
  else expect(numeric.m2).toBeNull();
  expect(numeric.histogram.counts.reduce((a, b) => a + b)).toBe(values.length);
  expect(Object.values(numeric.quantiles).every((q) => q >= numeric.min! && q <= numeric.max!)).toBe(true);
}

/** ±1e151·k for k = −1000 … 1000: M2 ≈ 6.7e310 overflows, the variance (≈ 3.3e307) does not. */
const WIDE = Array.from({ length: 2001 }, (_, i) => (i - 1000) * 1e151);

const CASES: [string, number[]][] = [
  ['1e200 and 2 (variance 5e399)', [1e200, 2]],
  ['1.5e308 twice (Σx overflows, M2 is 0)', [1.5e308, 1.5e308]],
  ['±1.7e308 with small values', [-1.7e308, 1.7e308, 1e200, 2, -3, 1.7e308]],
  ['-1.7e308 alone and 1.7e308 alone', [-1.7e308, 1.7e308]],
  ['±1e153, 1000 each (M2 overflows, variance does not)', [...Array<number>(1000).fill(1e153), ...Array<number>(1000).fill(-1e153)]],
  ['a wide spread of 2001 values', WIDE],
  ['the largest double and its negative', [Number.MAX_VALUE, -Number.MAX_VALUE, 0]],
];

describe('numeric statistics near the largest double', () => {
  it.each(CASES)('%s: exact table', (_, values) => check(profile(values), values));

  it.each(CASES)('%s: sketched (values summarized a batch at a time)', (_, values) => check(profile(values, { exactLimit: 1 }), values));

  it('the mean of values that share a sign is exact', () => {
    expect(profile([1e200, 2]).numeric).toMatchObject({ mean: 5e199, m2: null, variance: null });
    expect(profile([1.5e308, 1.5e308], { exactLimit: 1 }).numeric).toMatchObject({ mean: 1.5e308, m2: 0, variance: 0 });
    expect(profile([-1.7e308, -1.7e308, -1.6e308], { exactLimit: 1 }).numeric!.mean).toBe(exact([-1.7e308, -1.7e308, -1.6e308]).mean);
  });

  it('summarizes a batch whose sum overflows, or whose M2 does, without either', () => {
    const batch = (...values: number[]) => {
      const moments = new Moments();
      moments.addAll(Float64Array.from(values), values.length);
      return [moments.mean, moments.sumOfSquares(), moments.variance()];
    };
    expect(batch(1.5e308, 1.5e308, 1.5e308)).toEqual([1.5e308, 0, 0]);
    expect(batch(1e200, 2)).toEqual([5e199, null, null]);
    const [mean, m2, variance] = batch(...WIDE);
    expect(Math.abs(mean!)).toBeLessThan(1e-12 * 1e154);
    expect(m2).toBeNull();
    expect(relativeDifference(variance!, exact(WIDE).variance)).toBeLessThan(1e-12);
  });

  it.each([
    ['shards whose M2 overflows but whose variance does not', [WIDE.slice(0, 700), WIDE.slice(700, 1400), WIDE.slice(1400)]],
    ['a shard with no finite variance, merged with a small one', [[1.7e308, -1.7e308], [0, 1, 2]]],
    ['shards of one extreme value each', [[1.7e308], [-1.7e308], [1e200]]],
  ])('%s: merged through profile.json', (_, parts) => {
    for (const options of [{}, { exactLimit: 1 }]) {
      const merged = parts.map((part) => profile(part, options)).reduce((a, b) => mergeColumnProfiles(a, b, options));
      check(merged, parts.flat());
    }
  });
});
