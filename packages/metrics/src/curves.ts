/**
 * Downsampling of report curves: Largest-Triangle-Three-Buckets (Steinarsson 2013). The first
 * and last points are kept exactly; the points in between are split into `max − 2` buckets by
 * index and from each the point forming the largest triangle with the previously kept point and
 * the next bucket's centroid is kept. Every output point is a point of the input curve, so
 * corners (where the curve's shape is) survive and no value is invented.
 */

/** Indices of the kept points (all when there are at most `max`). */
export function lttbIndices(x: ArrayLike<number>, y: ArrayLike<number>, max: number): number[] {
  const n = x.length;
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  if (max < 3) throw new RangeError(`a downsampled curve keeps at least 3 points, got max = ${max}`);
  const kept = [0];
  const every = (n - 2) / (max - 2);
  let a = 0;
  for (let i = 0; i < max - 2; i++) {
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let cx = 0;
    let cy = 0;
    for (let k = nextStart; k < nextEnd; k++) {
      cx += x[k]!;
      cy += y[k]!;
    }
    const count = nextEnd - nextStart;
    cx /= count;
    cy /= count;
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    let best = start;
    let bestArea = -1;
    for (let k = start; k < end; k++) {
      const area = Math.abs((x[a]! - cx) * (y[k]! - y[a]!) - (x[a]! - x[k]!) * (cy - y[a]!));
      if (area > bestArea) {
        bestArea = area;
        best = k;
      }
    }
    kept.push(best);
    a = best;
  }
  kept.push(n - 1);
  return kept;
}

/** A curve with at most `max` points (LTTB), first and last points exact. */
export function downsampleCurve(x: ArrayLike<number>, y: ArrayLike<number>, max: number): [number[], number[]] {
  if (x.length !== y.length) throw new RangeError('curve x and y differ in length');
  const idx = lttbIndices(x, y, max);
  return [idx.map((i) => x[i]!), idx.map((i) => y[i]!)];
}
