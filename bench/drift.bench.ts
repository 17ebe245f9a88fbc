/**
 * Drift statistics on large samples: KS on 1M vs 30k unsorted values (sort once, merge walk,
 * asymptotic p-value) and the exact p-value's worst case at 10 000 × 9 999 (the lattice recursion
 * over the full band). Baseline in the same run: sorting the 1M values, which KS includes.
 */
import { numericDrift } from '@modelgate/data';
import { ks2sampSorted } from '../packages/data/src/drift/ks.js';
import { measure, type Bench } from './harness.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export const driftBench: Bench = {
  name: 'drift statistics (KS, asymptotic and exact)',
  async run() {
    const r = lcg(1);
    const ref = new Float64Array(1_000_000).map(() => r() + r() + r());
    const cur = new Float64Array(30_000).map(() => r() + r() + r() + 0.01);
    const a = Float64Array.from({ length: 10_000 }, (_, i) => i);
    const b = Float64Array.from({ length: 9_999 }, (_, i) => 20_000 + i);
    return [
      await measure('sort 1M values (baseline)', 5, () => void ref.slice().sort()),
      { ...(await measure('KS 1M vs 30k, unsorted input', 5, () => void numericDrift(ref, cur, 'ks'))), baseline: 'sort 1M values (baseline)' },
      await measure('exact KS p-value, 10 000 × 9 999 disjoint', 3, () => void ks2sampSorted(a, b)),
    ];
  },
};
