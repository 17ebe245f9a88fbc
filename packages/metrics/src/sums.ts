/**
 * Floating-point sums.
 *
 * - `ExactSum`: Shewchuk's exact summation (the algorithm of Python's `math.fsum`). The value is the
 *   correctly rounded sum of everything added, whatever the order or grouping, so partial sums
 *   of shards merge into exactly the single-pass result. Used by the classification accumulator.
 * - `pairwiseSum` (from core, shared with the drift statistics): numpy's pairwise summation
 *   (`np.add.reduce` on a contiguous float64 array), operation for operation, so means match numpy
 *   bit for bit. Used by the regression metrics.
 */
import { pairwiseSum } from '@modelgate/core';

export { pairwiseSum };

export class ExactSum {
  /** Non-overlapping partial sums, increasing magnitude; their exact total is the sum. */
  private partials = new Float64Array(8);
  private count = 0;

  add(value: number): void {
    let p = this.partials;
    const n = this.count;
    let x = value;
    let i = 0;
    for (let j = 0; j < n; j++) {
      let y = p[j]!;
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    if (i === p.length) {
      // at most ~40 partials exist for doubles; grow rarely
      const bigger = new Float64Array(p.length * 2);
      bigger.set(p);
      this.partials = p = bigger;
    }
    p[i] = x;
    this.count = i + 1;
  }

  merge(other: ExactSum): void {
    for (let k = 0; k < other.count; k++) this.add(other.partials[k]!);
  }

  /** The exact state (for serialising a partial); `ExactSum.of(parts)` restores it. */
  parts(): number[] {
    return Array.from(this.partials.subarray(0, this.count));
  }

  static of(parts: readonly number[]): ExactSum {
    const s = new ExactSum();
    for (const v of parts) s.add(v);
    return s;
  }

  /** The correctly rounded (half-even) sum, as CPython's `math.fsum` computes it. */
  value(): number {
    const p = this.partials;
    let n = this.count;
    if (n === 0) return 0;
    let hi = p[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n]!;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Half-way case: the remaining partials decide the rounding direction.
    if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}

/** `np.mean` of a float64 vector: pairwise sum divided by the length. */
export function numpyMean(a: ArrayLike<number>): number {
  return pairwiseSum(a) / a.length;
}
