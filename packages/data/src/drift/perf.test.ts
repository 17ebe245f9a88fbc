/**
 * Speed budgets: KS on 1M vs 30k unsorted values (sort once, merge walk, asymptotic p-value) and
 * the exact p-value's worst case at 10 000 × 9 999 (lattice recursion over the full band).
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

describe('drift performance', () => {
  it('KS on 1M vs 30k values in well under a second', () => {
    const r = lcg(1);
    const ref = new Float64Array(1_000_000).map(() => r() + r() + r());
    const cur = new Float64Array(30_000).map(() => r() + r() + r() + 0.01);
    const t0 = performance.now();
    const res = numericDrift(ref, cur, 'ks');
    const ms = performance.now() - t0;
    expect(res.p_value).not.toBeNull();
    expect(ms).toBeLessThan(700);
  });

  it('exact KS worst case (10 000 × 9 999, disjoint samples) within a second', () => {
    const a = Float64Array.from({ length: 10_000 }, (_, i) => i);
    const b = Float64Array.from({ length: 9_999 }, (_, i) => 20_000 + i);
    const t0 = performance.now();
    const res = ks2sampSorted(a, b);
    const ms = performance.now() - t0;
    expect(res).toEqual({ statistic: 1, pvalue: 0, method: 'exact' });
    expect(ms).toBeLessThan(1500);
  });
});
