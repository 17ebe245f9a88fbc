/**
 * Mean and variance where the order of a sum matters (fixtures/oracles/moments_oracle.py →
 * fixtures/profile/moments.json): values far from zero with a small spread, ±1e200 among values
 * of about 1, ordinary data. From an exact table (every column there has at most 1 000 distinct
 * values) each is at least as close to the exact value as pandas' is. Sketches merge summaries
 * (n, mean, M2) whose means are rounded, so they promise less (see numeric.ts); there repeated
 * values are summarized together, not one update each.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTable } from '../readers/index.js';
import { Xoshiro128 } from '../synthetic/prng.js';
import { ColumnProfiler } from './column.js';
import { columnToJson, type ColumnProfileJson } from './json.js';
import { profileSource } from './table.js';
import { relativeDifference } from './testing.js';

const root = join(import.meta.dirname, '..', '..', '..', '..');

interface Moments {
  mean: number | null;
  variance: number | null;
}
interface OracleColumn {
  distinct: number;
  exact: Moments;
  pandas: Moments;
  numpy: Moments;
}
const oracle = JSON.parse(readFileSync(join(root, 'fixtures', 'profile', 'moments.json'), 'utf8')) as { file: string; columns: Record<string, OracleColumn> };

async function profile(): Promise<Map<string, ColumnProfileJson>> {
  const profiler = await profileSource(await openTable(join(root, oracle.file)));
  return new Map(profiler.toJSON().columns.map((column) => [column.name, column]));
}

/** Within pandas' error of the exact value, or within 4 units in the last place of it. */
function asCloseAsPandas(actual: number | null | undefined, exact: number | null, pandas: number | null): void {
  if (exact === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).toBeTypeOf('number');
  const allowed = Math.max(pandas === null ? 0 : Math.abs(pandas - exact), 2 ** -50 * Math.abs(exact));
  expect(Math.abs(actual! - exact)).toBeLessThanOrEqual(allowed);
}

describe('mean and variance of an exact table against exact arithmetic and pandas', () => {
  it.each(Object.keys(oracle.columns))('%s', async (name) => {
    const want = oracle.columns[name]!;
    const column = (await profile()).get(name)!;
    expect(column.distinct).toMatchObject({ exact: true, estimate: want.distinct });
    asCloseAsPandas(column.numeric!.mean, want.exact.mean, want.pandas.mean);
    asCloseAsPandas(column.numeric!.variance, want.exact.variance, want.pandas.variance);
  });
});

/** Exact mean and sample variance of doubles that are integers once multiplied by `scale` (a power of two). */
function exactMoments(values: readonly number[], scale: number): { mean: number; variance: number } {
  const ratio = (num: bigint, den: bigint) => Number(num / den) + Number(num % den) / Number(den);
  const xs = values.map((x) => BigInt(x * scale));
  const n = BigInt(xs.length);
  const sum = xs.reduce((a, b) => a + b, 0n);
  const squares = xs.reduce((a, b) => a + b * b, 0n);
  return { mean: ratio(sum, n) / scale, variance: ratio(n * squares - sum * sum, n * (n - 1n)) / scale / scale };
}

it.each([1, 3])('sums repeated values of a sketched column together (1e13 + N(0,1) to 0.001, seed %d)', (seed) => {
  const rng = new Xoshiro128(seed, 9);
  // About 6 000 distinct values: past the exact table, whose values keep repeating.
  const cells = Array.from({ length: 50_000 }, () => String(1e13 + Math.round(rng.normal() * 1000) / 1000));
  const profiler = new ColumnProfiler('x');
  for (let i = 0; i < cells.length; i += 8192) profiler.add(cells.slice(i, i + 8192));
  const json = columnToJson(profiler);
  expect(json.distinct.exact).toBe(false);
  // Doubles near 1e13 are multiples of 2^-9.
  const truth = exactMoments(cells.map(Number), 2 ** 9);
  expect(Math.abs(json.numeric!.mean! - truth.mean)).toBeLessThanOrEqual(2 ** -9);
  // pandas is off by 2e-5 on 1e13 + N(0,1) (fixtures/profile/moments.json); an update per value and count was off by up to 9e-5.
  expect(relativeDifference(json.numeric!.variance!, truth.variance)).toBeLessThan(1e-5);
});
