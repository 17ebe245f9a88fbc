/** Test helpers: column generators, brute-force truth and batch-wise profiling. Not exported. */
import { Xoshiro128 } from '../synthetic/prng.js';
import type { Cell } from '../table.js';
import { classifyCell, isNumericKind, isTextMask, keyOf, keyText, parsed } from './classify.js';
import { ColumnProfiler } from './column.js';
import type { ProfileOptions } from './options.js';

export type Generator = (rng: Xoshiro128, n: number) => Cell[];

function zipf(rng: Xoshiro128, max: number): number {
  return Math.min(max, Math.floor(1 / (rng.nextFloat() + 1 / max)));
}

/** Column shapes covering both regimes, every kind and the awkward values. */
export const GENERATORS: Record<string, Generator> = {
  'small ints (exact)': (rng, n) => Array.from({ length: n }, () => (rng.nextFloat() < 0.05 ? null : String(rng.intBetween(17, 90)))),
  'wide ints (sketch)': (rng, n) => Array.from({ length: n }, () => String(rng.intBetween(-1_000_000, 1_000_000))),
  'floats with NaN, inf, nulls (sketch)': (rng, n) =>
    Array.from({ length: n }, () => {
      const u = rng.nextFloat();
      if (u < 0.01) return null;
      if (u < 0.015) return 'nan';
      if (u < 0.02) return rng.nextFloat() < 0.5 ? 'inf' : '-inf';
      if (u < 0.1) return '0';
      return (rng.normal() * 50 + 200).toFixed(4);
    }),
  'zipf categories (mixed)': (rng, n) => Array.from({ length: n }, () => `v${zipf(rng, 5000)}`),
  'few categories': (rng, n) => Array.from({ length: n }, () => ['Private', 'Self-emp', 'Gov', 'Without-pay'][zipf(rng, 4) - 1]!),
  'typed numbers (JSONL)': (rng, n) => Array.from({ length: n }, () => (rng.nextFloat() < 0.3 ? rng.intBetween(0, 50) : Math.round(rng.normal() * 1e4) / 100 + 1000)),
  bools: (rng, n) => Array.from({ length: n }, () => (rng.nextFloat() < 0.02 ? null : rng.nextFloat() < 0.3 ? 'true' : 'False')),
  timestamps: (rng, n) => Array.from({ length: n }, () => new Date(Date.UTC(2020, 0, 1) + rng.intBetween(0, 3 * 365 * 24) * 3_600_000).toISOString()),
  'ints then strings': (rng, n) => Array.from({ length: n }, (_, i) => (i > n * 0.9 && rng.nextFloat() < 0.1 ? 'n/a' : String(rng.intBetween(0, 400)))),
  // Texts that read as numbers or booleans in a string column, each its own value; shards without
  // a word are numeric profiles, whose exact tables keep those spellings for the merge.
  'postcodes and number spellings (exact)': (rng, n) => Array.from({ length: n }, () => postcode(rng, 300, 0.002)),
  // Words are frequent enough that every sketched shard has one before its sketches begin.
  'postcodes and number spellings (sketch)': (rng, n) => Array.from({ length: n }, () => postcode(rng, 20_000, 0.2)),
};

/** A zero-padded code below `codes`, or the same number spelled otherwise, or (share `words`) a word. */
function postcode(rng: Xoshiro128, codes: number, words: number): string {
  const u = rng.nextFloat();
  if (u < words) return ['SW1A 1AA', 'K1A 0B1', 'True', 'true', 'n/a'][rng.intBetween(0, 4)]!;
  const code = rng.intBetween(0, codes - 1);
  const spelling = rng.intBetween(0, 9);
  if (spelling === 0) return String(code);
  if (spelling === 1) return `${code}.0`;
  return String(code).padStart(5, '0');
}

export interface Truth {
  count: number;
  missing: number;
  counts: Map<string, number>;
  /** Finite numeric values, sorted. */
  finite: Float64Array;
  nan: number;
  inf: number;
  zeros: number;
}

export function truthOf(cells: readonly Cell[]): Truth {
  // A string column's texts are each their own value; other columns' values are numbers or booleans.
  let kinds = 0;
  for (const cell of cells) if (cell !== null) kinds |= 1 << classifyCell(cell);
  const textual = isTextMask(kinds);
  const counts = new Map<string, number>();
  const finite: number[] = [];
  let missing = 0;
  let nan = 0;
  let inf = 0;
  let zeros = 0;
  for (const cell of cells) {
    if (cell === null) {
      missing += 1;
      continue;
    }
    const kind = classifyCell(cell);
    const x = parsed[0]!;
    const text = textual && typeof cell === 'string' ? cell : keyText(keyOf(cell, kind));
    counts.set(text, (counts.get(text) ?? 0) + 1);
    if (!isNumericKind(kind)) continue;
    if (Number.isNaN(x)) nan += 1;
    else if (!Number.isFinite(x)) inf += 1;
    else {
      finite.push(x);
      if (x === 0) zeros += 1;
    }
  }
  return { count: cells.length - missing, missing, counts, finite: Float64Array.from(finite).sort(), nan, inf, zeros };
}

/** Profiles `cells` in batches of random sizes (1 to 5000 rows). */
export function profileInBatches(name: string, cells: readonly Cell[], rng: Xoshiro128, options: ProfileOptions = {}): ColumnProfiler {
  const profiler = new ColumnProfiler(name, options);
  for (let start = 0; start < cells.length; ) {
    const size = Math.min(cells.length - start, rng.intBetween(1, 5000));
    profiler.add(cells.slice(start, start + size), size);
    start += size;
  }
  return profiler;
}

/** Splits into `parts` contiguous shards at random cut points (some may be empty). */
export function shards<T>(items: readonly T[], parts: number, rng: Xoshiro128): T[][] {
  const cuts = Array.from({ length: parts - 1 }, () => rng.intBetween(0, items.length)).sort((a, b) => a - b);
  return [0, ...cuts].map((from, i) => items.slice(from, i < cuts.length ? cuts[i] : items.length));
}

export function shuffle<T>(items: readonly T[], rng: Xoshiro128): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = rng.intBetween(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The interval of ranks (as shares) that `x` occupies in sorted values. */
export function rankInterval(sorted: Float64Array, x: number): [number, number] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < sorted.length && sorted[end] === x) end += 1;
  return [lo / sorted.length, end / sorted.length];
}

export function relativeDifference(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}
