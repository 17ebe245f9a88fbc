/**
 * Distances between a reference and a current distribution, as Evidently (legacy stattests,
 * evidentlyai/evidently@a4aa4c2b3 `src/evidently/legacy/calculations/stattests/`) computes them
 * with numpy/scipy:
 *
 * - `wasserstein_distance_norm.py`: `scipy.stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)`
 *   (np.std → ddof = 0).
 * - `utils.py get_binned_data`: numeric columns with more than 20 distinct *reference* values are
 *   binned with `np.histogram_bin_edges(concat(ref, cur), bins="sturges")` and both samples
 *   histogrammed on those edges, shares = counts / len; otherwise (categoricals, or ≤ 20 distinct
 *   numeric values) every distinct value of either sample is a category, shares = count / len.
 *   With `feel_zeroes` (PSI only) a zero share becomes min(non-zero share)/1e6 when that minimum
 *   is ≤ 0.0001, else 0.0001 — per sample.
 * - `jensenshannon.py`: `scipy.spatial.distance.jensenshannon(ref%, cur%, base)` on the shares
 *   without zero filling. Evidently passes base=None, i.e. natural log: the JS *distance* (square
 *   root of the divergence) is then bounded by sqrt(ln 2) ≈ 0.8326; base 2 bounds it by 1.
 * - `psi.py`: Σ (ref% − cur%) · ln(ref% / cur%) on the zero-filled shares.
 * - L∞ (TFDV `infinity_norm`, tensorflow_metadata schema.proto: L∞(p,q) = max_i |p_i − q_i|) on
 *   the same shares as JS (TFDV applies it to categorical value frequencies).
 */
import { categoryTotals } from './categorical.js';
import { npStd, npSum } from './special.js';

/**
 * The end of the run of `v` that starts at `start` in sorted `a` (the first index past it; `start`
 * itself when `a[start]` is not `v`). Galloping: a run of length r costs about 2·log2(r) steps, so
 * a column of a few values (ages, amounts mostly 0) is crossed in a few hundred steps rather than
 * value by value, and a run of one costs two.
 */
export function runEnd(a: Float64Array, start: number, v: number): number {
  const n = a.length;
  if (start >= n || a[start] !== v) return start;
  let lo = start;
  let step = 1;
  let hi = start + 1;
  while (hi < n && a[hi] === v) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  if (hi > n) hi = n;
  // a[lo] is v; hi is n or past the run.
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] === v) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** First index with a[i] >= v (side='left'), or > v (side='right'). */
function searchsorted(a: Float64Array, v: number, side: 'left' | 'right'): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (side === 'left' ? a[mid]! < v : a[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `scipy.stats.wasserstein_distance(u, v)` on sorted, finite samples (NaN when one is empty). */
export function wassersteinDistance(u: Float64Array, v: Float64Array): number {
  const nu = u.length;
  const nv = v.length;
  // Not a distance (scipy refuses an empty sample; callers check first): NaN, as the CDFs are.
  if (nu === 0 || nv === 0) return NaN;
  const total = nu + nv;
  const terms = new Float64Array(total - 1);
  let i = 0;
  let j = 0;
  // Walk the merged sorted sequence; at each position the CDF counts are the number of values
  // <= the current value (searchsorted 'right'), identical for every member of a run of ties.
  let k = 0;
  while (k < total) {
    const x = j >= nv || (i < nu && u[i]! <= v[j]!) ? u[i]! : v[j]!;
    const iEnd = runEnd(u, i, x);
    const jEnd = runEnd(v, j, x);
    const run = iEnd - i + (jEnd - j);
    i = iEnd;
    j = jEnd;
    const diff = Math.abs(i / nu - j / nv);
    // Positions k .. k+run-2 are followed by an equal value: their terms are diff * 0, which is
    // +0 (diff is finite), as the array already holds. The last one is followed by the next value.
    const last = k + run - 1;
    if (last < total - 1) {
      const next = j >= nv || (i < nu && u[i]! <= v[j]!) ? u[i]! : v[j]!;
      terms[last] = diff * (next - x);
    }
    k += run;
  }
  return npSum(terms);
}

/** Evidently's normed Wasserstein: distance / max(np.std(reference), 0.001). */
export function wassersteinNormed(reference: Float64Array, current: Float64Array): { distance: number; normed: number } {
  const distance = wassersteinDistance(reference, current);
  return { distance, normed: distance / Math.max(npStd(reference), 0.001) };
}

/** `np.histogram_bin_edges(a, bins='sturges')` for a sorted, finite, non-empty sample. */
export function sturgesEdges(sorted: Float64Array): Float64Array {
  let first = sorted[0]!;
  let last = sorted[sorted.length - 1]!;
  const ptp = last - first;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = ptp / (Math.log2(sorted.length) + 1);
  const nbins = width ? Math.ceil((last - first) / width) : 1;
  // np.linspace(first, last, nbins + 1)
  const num = nbins + 1;
  const delta = last - first;
  const step = delta / nbins;
  const edges = new Float64Array(num);
  for (let i = 0; i < num; i++) edges[i] = (step === 0 ? (i / nbins) * delta : i * step) + first;
  edges[num - 1] = last;
  return edges;
}

/** `np.histogram(sorted, edges)[0]`: [e_i, e_{i+1}) bins, the last one closed. */
export function histogramCounts(sorted: Float64Array, edges: Float64Array): Float64Array {
  const nb = edges.length - 1;
  const counts = new Float64Array(nb);
  let prev = searchsorted(sorted, edges[0]!, 'left');
  for (let b = 0; b < nb; b++) {
    const next = searchsorted(sorted, edges[b + 1]!, b === nb - 1 ? 'right' : 'left');
    counts[b] = next - prev;
    prev = next;
  }
  return counts;
}

/** Merge two sorted arrays (the pooled sample used for the Sturges edges). */
export function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0, j = 0, k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! <= b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/** Shares per bin or category of both samples (Evidently `get_binned_data`, before zero filling). */
export interface Shares {
  reference: Float64Array;
  current: Float64Array;
}

/** Category shares over the union of keys; counts are of non-missing values, totals their sums. */
export function categoryShares(keys: readonly string[], ref: ReadonlyMap<string, number>, cur: ReadonlyMap<string, number>): Shares {
  const [nRef, nCur] = categoryTotals(keys, ref, cur);
  return {
    reference: Float64Array.from(keys, (k) => (ref.get(k) ?? 0) / nRef),
    current: Float64Array.from(keys, (k) => (cur.get(k) ?? 0) / nCur),
  };
}

/** Histogram shares on Sturges edges of the pooled sample (sorted inputs). */
export function histogramShares(ref: Float64Array, cur: Float64Array): Shares {
  const edges = sturgesEdges(mergeSorted(ref, cur));
  const r = histogramCounts(ref, edges);
  const c = histogramCounts(cur, edges);
  for (let i = 0; i < r.length; i++) r[i]! /= ref.length;
  for (let i = 0; i < c.length; i++) c[i]! /= cur.length;
  return { reference: r, current: c };
}

/** Evidently's `feel_zeroes` replacement, per array, in place. */
export function fillZeroes(p: Float64Array): Float64Array {
  let min = Infinity;
  for (const x of p) if (x !== 0 && x < min) min = x;
  const fill = min <= 0.0001 ? min / 10 ** 6 : 0.0001;
  for (let i = 0; i < p.length; i++) if (p[i] === 0) p[i] = fill;
  return p;
}

function relEntr(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/** `scipy.spatial.distance.jensenshannon(p, q, base)`; base null = natural log (Evidently's call). */
export function jensenShannon(p0: Float64Array, q0: Float64Array, base: number | null = null): number {
  const sp = npSum(p0);
  const sq = npSum(q0);
  const n = p0.length;
  const left = new Float64Array(n);
  const right = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = p0[i]! / sp;
    const q = q0[i]! / sq;
    const m = (p + q) / 2;
    left[i] = relEntr(p, m);
    right[i] = relEntr(q, m);
  }
  let js = npSum(left) + npSum(right);
  if (base !== null) js /= Math.log(base);
  return Math.sqrt(js / 2);
}

/** Evidently's PSI on zero-filled shares. */
export function psi(ref: Float64Array, cur: Float64Array): number {
  const terms = new Float64Array(ref.length);
  for (let i = 0; i < ref.length; i++) terms[i] = (ref[i]! - cur[i]!) * Math.log(ref[i]! / cur[i]!);
  return npSum(terms);
}

/** L∞ distance: max_i |p_i − q_i|. */
export function linf(ref: Float64Array, cur: Float64Array): number {
  let m = 0;
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ref[i]! - cur[i]!));
  return m;
}
