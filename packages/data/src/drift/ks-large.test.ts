/**
 * The large cases of KS: 1M vs 30k unsorted values (asymptotic p-value) and the exact p-value's
 * worst case at 10 000 × 9 999 (lattice recursion over the full band) give results. Their speed is
 * measured in bench/drift.bench.ts, not here.
 */
import { describe, expect, it } from 'vitest';
import { numericDrift } from './index.js';
import { ks2sampSorted } from './ks.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('KS on large samples', () => {
  it('KS on 1M vs 30k unsorted values: the asymptotic p-value of a small shift', () => {
    const r = lcg(1);
    const ref = new Float64Array(1_000_000).map(() => r() + r() + r());
    const cur = new Float64Array(30_000).map(() => r() + r() + r() + 0.01);
    const res = numericDrift(ref, cur, 'ks');
    // A 0.01 shift of a sum of three uniforms (sd 0.5) over 30 000 values: detected, not by chance.
    expect(res.p_value).not.toBeNull();
    expect(res.p_value!).toBeLessThan(1e-3);
  });

  it('exact KS worst case (10 000 × 9 999, disjoint samples)', () => {
    const a = Float64Array.from({ length: 10_000 }, (_, i) => i);
    const b = Float64Array.from({ length: 9_999 }, (_, i) => 20_000 + i);
    expect(ks2sampSorted(a, b)).toEqual({ statistic: 1, pvalue: 0, method: 'exact' });
  });
});
