import { describe, expect, it } from 'vitest';
import type { Cell } from '../table.js';
import { sampleSeed } from '../validate-chunks.js';
import { RowSampler, sortedCopy } from './reservoir.js';

const column = (from: number, to: number): Cell[] => Array.from({ length: to - from }, (_, i) => String(from + i));

describe('sortedCopy', () => {
  it('sorts exactly as the built-in sort does: counted integers, or not', () => {
    let state = 5;
    const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const cases: number[][] = [[], [0], [3, -2, 3, 7, -2], [-0, 0, 1, -0], [0.5, 2, 1], [2 ** 31, 1, 0], [-(2 ** 31), 5], [1e9, -1e9, 0]];
    for (let trial = 0; trial < 200; trial += 1) {
      const n = Math.floor(random() * 3000);
      const range = [10, 100, 5000, 1e6][trial % 4]!;
      cases.push(Array.from({ length: n }, () => Math.floor(random() * range) - (trial % 3 === 0 ? range / 2 : 0) + (trial % 17 === 0 && random() < 0.01 ? 0.5 : 0)));
    }
    for (const values of cases) {
      const array = Float64Array.from(values);
      const sorted = sortedCopy(array);
      expect(sorted).not.toBe(array);
      expect([...sorted].map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual([...array.slice().sort()].map((v) => (Object.is(v, -0) ? '-0' : v)));
      expect([...array]).toEqual(values); // the input is left as it was
    }
  });
});

describe('RowSampler', () => {
  it('keeps every value while there are fewer than the capacity, skipping nulls, NaN and infinities', () => {
    const sampler = new RowSampler(1, 10, 7);
    sampler.add([['3', null, '1.5', 'nan', 'Infinity', '-inf', '-2', 7, 2n]], 9);
    expect([...sampler.reservoirs[0]!.sample()]).toEqual([-2, 1.5, 2, 3, 7]);
    expect(sampler.reservoirs[0]!.stopped).toBe(false);
  });

  it('stops a column at its first value the profiler would not call a number, and the merge of its parts too', () => {
    // Each of these makes the column's profiled type string, bool or timestamp: its sample is never used.
    for (const odd of ['x', ' ', ' 12', '0x1A', '1_000', 'true', '2024-01-05', true]) {
      const sampler = new RowSampler(2, 10, 7);
      sampler.add([['3', odd, '4'], ['1', '2', '3']], 3);
      expect(sampler.reservoirs[0]!.stopped, String(odd)).toBe(true);
      expect(sampler.reservoirs[0]!.sample()).toHaveLength(0);
      // The other column, of the same rows, is sampled as before.
      expect([...sampler.reservoirs[1]!.sample()]).toEqual([1, 2, 3]);
      const whole = new RowSampler(1, 10, 8);
      whole.add([['5', '6']], 2);
      whole.reservoirs[0]!.absorb(sampler.reservoirs[0]!.exportState());
      expect(whole.reservoirs[0]!.stopped).toBe(true);
      expect(whole.reservoirs[0]!.sample()).toHaveLength(0);
    }
  });

  it('merges samples of consecutive parts into the bottom-k of all their keys', () => {
    // Parts sampled without a cap keep every (key, value): the brute-force answer to compare with.
    const parts = [column(0, 3000), column(3000, 3500), column(3500, 9000)];
    const capped = parts.map((cells, i) => new RowSampler(1, 400, 100 + i));
    const uncapped = parts.map((cells, i) => new RowSampler(1, 10_000, 100 + i));
    parts.forEach((cells, i) => {
      capped[i]!.add([cells], cells.length);
      uncapped[i]!.add([cells], cells.length);
    });
    const merged = capped[0]!.reservoirs[0]!;
    for (const other of capped.slice(1)) merged.absorb(other.reservoirs[0]!.exportState());
    const all = uncapped.map((sampler) => sampler.reservoirs[0]!.exportState());
    const pairs = all.flatMap(({ keys, values }) => [...keys].map((key, i) => [key, values[i]!] as const)).sort((a, b) => a[0] - b[0]);
    expect(pairs).toHaveLength(9000);
    expect([...merged.sample()]).toEqual(pairs.slice(0, 400).map(([, value]) => value).sort((a, b) => a - b));
  });

  it('merges any number of parts, whole or bounded, into the bottom-k of all their keys', () => {
    // Parts of random sizes, some bounded (keys at or above the bound dropped), absorbed in turn:
    // in bulk while every pair passes, pair by pair once a selection has lowered the limit.
    let state = 99;
    const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let trial = 0; trial < 40; trial += 1) {
      const capacity = 1 + Math.floor(random() * 300);
      const bound = random() < 0.5 ? 1 : 0.2 + random() * 0.8;
      let next = 0;
      const parts = Array.from({ length: 1 + Math.floor(random() * 6) }, (_, i) => {
        const cells = column(next, (next += Math.floor(random() * 700)));
        const capped = new RowSampler(1, capacity, 500 + i, [bound]);
        const whole = new RowSampler(1, 100_000, 500 + i);
        capped.add([cells], cells.length);
        whole.add([cells], cells.length);
        return { capped: capped.reservoirs[0]!.exportState(), whole: whole.reservoirs[0]!.exportState() };
      });
      const merged = new RowSampler(1, capacity, 1, [bound]).reservoirs[0]!;
      for (const part of parts) merged.absorb(part.capped);
      const pairs = parts.flatMap(({ whole }) => [...whole.keys].map((key, i) => [key, whole.values[i]!] as const)).filter(([key]) => key < bound).sort((a, b) => a[0] - b[0]);
      expect([...merged.sample()], `trial ${trial}`).toEqual(pairs.slice(0, capacity).map(([, value]) => value).sort((a, b) => a - b));
    }
  });

  it('draws every value with the same probability (5 000 seeded draws of 10 from 50)', () => {
    const hits = new Array<number>(50).fill(0);
    for (let seed = 1; seed <= 5000; seed += 1) {
      const sampler = new RowSampler(1, 10, seed * 2_654_435_761);
      sampler.add([column(0, 50)], 50);
      for (const value of sampler.reservoirs[0]!.sample()) hits[value]! += 1;
    }
    // Each count is Binomial(5000, 0.2): mean 1000, sd 28.3. χ² with 49 degrees of freedom stays
    // below 85 with probability 0.999 for a uniform sampler; a biased one lands far beyond.
    const chi2 = hits.reduce((sum, count) => sum + (count - 1000) ** 2 / 1000, 0);
    expect(hits.reduce((a, b) => a + b, 0)).toBe(50_000);
    expect(chi2).toBeLessThan(85);
  });

  it('keeps the same sample from numbers written as text, repeated or not (its parsed-text cache dropped or kept)', () => {
    // Column 0: 30 000 distinct floats (more parsed texts than hits: the cache is dropped);
    // column 1: 40 values over and over (the cache is kept). Against the same numbers as numbers.
    const rows = 30_000;
    const numbers = [Array.from({ length: rows }, (_, i) => i * 1.25 - 7000), Array.from({ length: rows }, (_, i) => (i * 13) % 40)];
    const asText = new RowSampler(2, 3000, 5);
    const asNumbers = new RowSampler(2, 3000, 5);
    for (let from = 0; from < rows; from += 1000) {
      asText.add(numbers.map((column) => column.slice(from, from + 1000).map(String)), 1000);
      asNumbers.add(numbers.map((column) => column.slice(from, from + 1000)), 1000);
    }
    for (const j of [0, 1]) {
      expect(asText.reservoirs[j]!.size).toBeGreaterThan(0);
      expect([...asText.reservoirs[j]!.sample()]).toEqual([...asNumbers.reservoirs[j]!.sample()]);
      expect(asText.reservoirs[j]!.sample().length).toBe(3000);
    }
  });

  it('samples several columns from the same rows', () => {
    const sampler = new RowSampler(2, 50, 3);
    const a = column(0, 5000);
    const b = a.map((cell) => String(Number(cell) * 2));
    sampler.add([a, b], 5000);
    const [first, second] = sampler.reservoirs.map((reservoir) => [...reservoir.sample()]);
    expect(second).toEqual(first!.map((value) => value * 2));
  });

  it('draws unrelated keys for different chunks, whatever their seeds', () => {
    // Chunks 152 and 506 once had seeds 8 036 steps apart on one xorshift cycle: their samples
    // were the same rows shifted by 4 018. Keys hashed from (seed, row) share no such structure.
    const rows = column(0, 20_000);
    const chosen = [152, 506].map((index) => {
      const sampler = new RowSampler(1, 200, sampleSeed(index));
      sampler.add([rows], rows.length);
      return new Set(sampler.reservoirs[0]!.sample());
    });
    const shifted = [...chosen[0]!].filter((row) => chosen[1]!.has(row - 4018) || chosen[1]!.has(row + 4018) || chosen[1]!.has(row)).length;
    // Independent draws of 200 from 20 000 share about 200 × 200 / 20 000 × 3 = 6 such pairs.
    expect(shifted).toBeLessThan(25);
  });
});
