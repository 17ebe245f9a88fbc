/**
 * Exact, mergeable numeric statistics over the finite values of a column.
 *
 * Moments: count, mean and M2 = Σ(x − mean)² (B. P. Welford, 1962), merged with Chan, Golub &
 * LeVeque's pairwise update ("Updating formulae and a pairwise algorithm for computing sample
 * variances", 1979): δ = mean_b − mean_a, mean = mean_a + δ·n_b/n, M2 = M2_a + M2_b + δ²·n_a·n_b/n.
 * A batch is summarized with a corrected two-pass (mean, then Σ(x − mean) and Σ(x − mean)²) before
 * merging. Distinct values with their counts (an exact table, a batch's repeats of known values)
 * are summarized together too (`addCounted`), not by one update per value, whose roundings of the
 * running mean add up (a variance of 1e13 + N(0,1) was off by 5 %). The result is independent of
 * how rows were sharded up to rounding: in the tests, mean agrees with a single pass within 1e-12
 * and variance within 1e-9 relative.
 *
 * Histogram: equal-width bins on a power-of-two grid, so histograms merge *exactly*. Bin i covers
 * [i·2^e, (i+1)·2^e). The exponent e is a function of the finite min and max only — the smallest
 * e for which [min, max] spans at most `HISTOGRAM_BINS` bins (and at least 2^−50 of the largest
 * magnitude) — so growing the range only ever coarsens the grid by merging aligned pairs of bins,
 * and any sharding, merged in any order, gives the same bins and counts as one pass. A column
 * gets between HISTOGRAM_BINS/2 and HISTOGRAM_BINS non-empty-range bins, e.g. ages 17–90 → width
 * 4, 16–92; an int column never gets bins narrower than 1.
 */

export const HISTOGRAM_BINS = 32;

/**
 * Finite doubles near the largest one overflow a naive Σx or Σ(x − mean)² (1e200 and 2: M2 is 5e399).
 * The mean never overflows (it lies between min and max): a sum that would is taken of x·2^−SHIFT.
 * M2 that would is kept *scaled*, as M2·2^−2·SHIFT (at most n·(2·max)²·2^−1080 < 2^1024); values
 * below 2^−482 lose bits when scaled, far below the rounding of such an M2. Normal data never
 * takes these paths, so its numbers are the plain formulas' to the last bit.
 */
const SHIFT = 540;
const DOWN = 2 ** -SHIFT;
const UP = 2 ** SHIFT;

export class Moments {
  /** Finite values seen. */
  n = 0;
  mean = 0;
  /** M2, or M2·2^−1080 when `scaled` (Infinity: too large to know, see `setOverflowed`). */
  m2 = 0;
  scaled = false;
  min = Infinity;
  max = -Infinity;
  zeros = 0;

  /** Merges a block of `n` values with the given mean and M2 (Chan et al.). */
  combine(n: number, mean: number, m2: number, min: number, max: number, zeros: number, scaled = false): void {
    if (n === 0) return;
    const total = this.n + n;
    if (this.n === 0) {
      this.mean = mean;
      this.m2 = m2;
      this.scaled = scaled;
    } else {
      const delta = mean - this.mean;
      const cross = ((delta * delta * this.n) / total) * n;
      // Summed as before the overflow paths came (this.m2 + (m2 + cross)): the same bits for normal data.
      const combined = this.m2 + (m2 + cross);
      let merged = this.mean + (delta * n) / total;
      // δ overflows for means of opposite sign near the largest double: halves do not.
      if (!Number.isFinite(merged)) merged = 2 * (this.mean / 2 + (mean / 2 - this.mean / 2) * (n / total));
      if (!this.scaled && !scaled && Number.isFinite(combined)) this.m2 = combined;
      else {
        const d = mean * DOWN - this.mean * DOWN;
        this.m2 = (this.scaled ? this.m2 : this.m2 * DOWN * DOWN) + (scaled ? m2 : m2 * DOWN * DOWN) + ((d * d * this.n) / total) * n;
        this.scaled = true;
      }
      this.mean = merged;
    }
    this.n = total;
    if (min < this.min) this.min = min;
    if (max > this.max) this.max = max;
    this.zeros += zeros;
    // Rounding of an overflow-avoiding path may step just outside the values.
    this.mean = Math.min(Math.max(this.mean, this.min), this.max);
  }

  addAll(values: Float64Array, length: number): void {
    if (length === 0) return;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    let zeros = 0;
    for (let i = 0; i < length; i += 1) {
      const x = values[i]!;
      sum += x;
      if (x < min) min = x;
      if (x > max) max = x;
      if (x === 0) zeros += 1;
    }
    let mean = Number.isFinite(sum) ? sum / length : scaledMean(values, length);
    let residual = 0;
    let m2 = 0;
    for (let i = 0; i < length; i += 1) {
      const d = values[i]! - mean;
      residual += d;
      m2 += d * d;
    }
    if (Number.isFinite(m2)) {
      m2 -= (residual * residual) / length;
      mean += residual / length;
      this.combine(length, mean, Math.max(0, m2), min, max, zeros);
      return;
    }
    // M2 above the largest double: the same two passes on x·2^−SHIFT give M2·2^−2·SHIFT.
    const down = mean * DOWN;
    residual = 0;
    m2 = 0;
    for (let i = 0; i < length; i += 1) {
      const d = values[i]! * DOWN - down;
      residual += d;
      m2 += d * d;
    }
    m2 -= (residual * residual) / length;
    mean += (residual / length) * UP;
    this.combine(length, Math.min(Math.max(mean, min), max), Math.max(0, m2), min, max, zeros, true);
  }

  /**
   * Distinct finite values with their counts (`counts[i]` copies of `values[i]`): the mean by a
   * compensated sum, then M2 as `addAll` has it. A table comes in ascending order, where a running
   * sum loses most: between -1e200 and 1e200 every value in the middle vanishes (one update per
   * value gave a mean of 1e182 for values of about 1). Σ count·(x − mean) corrects M2 only: it is
   * the mean's rounding, but also that of x − mean, which next to 1e200 loses all of the mean.
   */
  addCounted(values: ArrayLike<number>, counts: ArrayLike<number>, length: number): void {
    let n = 0;
    let min = Infinity;
    let max = -Infinity;
    let zeros = 0;
    const sum = new CompensatedSum();
    for (let i = 0; i < length; i += 1) {
      const x = values[i]!;
      const count = counts[i]!;
      n += count;
      if (x < min) min = x;
      if (x > max) max = x;
      if (x === 0) zeros += count;
      sum.add(count * x);
    }
    if (n === 0) return;
    let mean = sum.value / n;
    // Σ count·x overflows: the same on x·2^−SHIFT.
    if (!Number.isFinite(mean)) {
      const scaled = new CompensatedSum();
      for (let i = 0; i < length; i += 1) scaled.add(counts[i]! * (values[i]! * DOWN));
      mean = (scaled.value / n) * UP;
    }
    mean = Math.min(Math.max(mean, min), max);
    let scale = 1;
    let [residual, m2] = countedDeviations(values, counts, length, mean, scale);
    // M2 above the largest double: the second pass on x·2^−SHIFT gives M2·2^−2·SHIFT.
    if (!Number.isFinite(m2)) [residual, m2] = countedDeviations(values, counts, length, mean, (scale = DOWN));
    this.combine(n, mean, Math.max(0, m2 - (residual * residual) / n), min, max, zeros, scale !== 1);
  }

  merge(other: Moments): void {
    this.combine(other.n, other.mean, other.m2, other.min, other.max, other.zeros, other.scaled);
  }

  /** M2 = Σ(x − mean)², or null when it exceeds the largest double (profile.json's `m2`). */
  sumOfSquares(): number | null {
    const m2 = this.scaled ? this.m2 * UP * UP : this.m2;
    return Number.isFinite(m2) ? m2 : null;
  }

  /** Sample variance (ddof = 1), or null for fewer than 2 values or when it exceeds the largest double. */
  variance(): number | null {
    if (this.n < 2) return null;
    const variance = this.scaled ? (this.m2 / (this.n - 1)) * UP * UP : this.m2 / (this.n - 1);
    return Number.isFinite(variance) ? variance : null;
  }

  /**
   * M2 from profile.json when its `m2` was null (above the largest double): from the variance, or,
   * when that was null too, unknown (Infinity) — and so it stays through merges, which only add to M2.
   */
  setOverflowed(variance: number | null): void {
    this.scaled = true;
    this.m2 = variance === null || this.n < 2 ? Infinity : variance * DOWN * DOWN * (this.n - 1);
  }
}

/** Mean of values whose sum overflows: each is scaled down first (exactly, for all but tiny ones). */
function scaledMean(values: Float64Array, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i += 1) sum += values[i]! * DOWN;
  return (sum / length) * UP;
}

/** Values with counts waiting for `Moments.addCounted`; grows as needed. */
export class CountedValues {
  values = new Float64Array(0);
  counts = new Float64Array(0);
  length = 0;

  push(x: number, count: number): void {
    if (this.length === this.values.length) {
      const room = Math.max(64, 2 * this.length);
      const values = new Float64Array(room);
      const counts = new Float64Array(room);
      values.set(this.values);
      counts.set(this.counts);
      this.values = values;
      this.counts = counts;
    }
    this.values[this.length] = x;
    this.counts[this.length] = count;
    this.length += 1;
  }
}

/** Σ count·d (compensated) and Σ count·d² for d = x·scale − mean·scale. */
function countedDeviations(values: ArrayLike<number>, counts: ArrayLike<number>, length: number, mean: number, scale: number): [number, number] {
  const shifted = mean * scale;
  const residual = new CompensatedSum();
  let m2 = 0;
  for (let i = 0; i < length; i += 1) {
    const d = values[i]! * scale - shifted;
    const term = counts[i]! * d;
    residual.add(term);
    m2 += term * d;
  }
  return [residual.value, m2];
}

/**
 * Neumaier's compensated sum ("Rundungsfehleranalyse einiger Verfahren zur Summation endlicher
 * Summen", 1974): each addition's rounding error is kept apart and added once at the end.
 */
class CompensatedSum {
  private sum = 0;
  private lost = 0;

  add(term: number): void {
    const next = this.sum + term;
    this.lost += Math.abs(this.sum) >= Math.abs(term) ? this.sum - next + term : term - next + this.sum;
    this.sum = next;
  }

  /** The sum; not finite once it overflowed. */
  get value(): number {
    return this.sum + this.lost;
  }
}

/** Smallest grid exponent for the range (see the file comment); a pure function of min and max. */
export function gridExponent(min: number, max: number, bins: number): number {
  const magnitude = Math.max(Math.abs(min), Math.abs(max));
  let e = magnitude === 0 ? -1074 : Math.max(-1074, Math.floor(Math.log2(magnitude)) - 50);
  if (max > min) e = Math.min(1023, Math.max(e, Math.floor(Math.log2((max - min) / bins)) - 1)); // max − min may overflow
  while (Math.floor(max / 2 ** e) - Math.floor(min / 2 ** e) >= bins) e += 1;
  return e;
}

export class GridHistogram {
  readonly bins: number;
  /** Bin width is 2^exponent; -Infinity before the first value. */
  exponent = -Infinity;
  private width = 0;
  /** Index of the first allocated bin. */
  first = 0;
  counts: Float64Array;
  min = Infinity;
  max = -Infinity;
  /** The grid may not get finer than 2^floor (0 for ints after a merge with an int histogram). */
  floor = -1074;

  constructor(bins: number = HISTOGRAM_BINS) {
    this.bins = bins;
    this.counts = new Float64Array(bins);
  }

  add(x: number, weight = 1): void {
    if (x < this.min || x > this.max) this.extend(Math.min(x, this.min), Math.max(x, this.max));
    this.counts[Math.floor(x / this.width) - this.first]! += weight;
  }

  addAll(values: Float64Array, length: number): void {
    for (let i = 0; i < length; i += 1) this.add(values[i]!);
  }

  /** Regrids for a wider range (or a higher floor): merges aligned bins, never splits them. */
  extend(min: number, max: number, floor = this.floor): void {
    const exponent = Math.max(gridExponent(min, max, this.bins), floor, this.exponent);
    const width = 2 ** exponent;
    const first = Math.floor(min / width);
    if (exponent !== this.exponent || first !== this.first) {
      const counts = new Float64Array(this.bins);
      if (this.exponent !== -Infinity) {
        const shrink = 2 ** (exponent - this.exponent);
        for (let i = 0; i < this.bins; i += 1) {
          if (this.counts[i] !== 0) counts[Math.floor((this.first + i) / shrink) - first]! += this.counts[i]!;
        }
      }
      this.counts = counts;
      this.exponent = exponent;
      this.width = width;
      this.first = first;
    }
    this.min = min;
    this.max = max;
    this.floor = floor;
  }

  merge(other: GridHistogram): void {
    if (other.exponent === -Infinity) return;
    this.extend(Math.min(this.min, other.min), Math.max(this.max, other.max), Math.max(this.floor, other.floor, other.exponent));
    const shrink = 2 ** (this.exponent - other.exponent);
    for (let i = 0; i < other.bins; i += 1) {
      if (other.counts[i] !== 0) this.counts[Math.floor((other.first + i) / shrink) - this.first]! += other.counts[i]!;
    }
  }

  /** Edges and counts from the first to the last non-empty bin, at least 2^floor wide. */
  toJSON(floor = this.floor): { edges: number[]; counts: number[] } {
    if (this.exponent === -Infinity) return { edges: [], counts: [] };
    const view = floor > this.exponent ? this.copy() : this;
    if (view !== this) view.extend(this.min, this.max, floor);
    let lo = 0;
    let hi = view.bins - 1;
    while (view.counts[lo] === 0) lo += 1;
    while (view.counts[hi] === 0) hi -= 1;
    const width = 2 ** view.exponent;
    const edges: number[] = [];
    // An outer edge of ±2^1024 (values near the largest double) is written as ±Number.MAX_VALUE: JSON has no Infinity.
    for (let i = lo; i <= hi + 1; i += 1) edges.push(Math.min(Number.MAX_VALUE, Math.max(-Number.MAX_VALUE, (view.first + i) * width)));
    return { edges, counts: Array.from(view.counts.subarray(lo, hi + 1)) };
  }

  copy(): GridHistogram {
    const h = new GridHistogram(this.bins);
    h.exponent = this.exponent;
    h.width = this.width;
    h.first = this.first;
    h.counts = this.counts.slice();
    h.min = this.min;
    h.max = this.max;
    h.floor = this.floor;
    return h;
  }

  /** From `toJSON` output plus the column's finite min and max. */
  static fromJSON(json: { edges: number[]; counts: number[] }, min: number, max: number, bins: number = HISTOGRAM_BINS): GridHistogram {
    const h = new GridHistogram(bins);
    if (json.counts.length === 0) return h;
    const width = edgeWidth(json.edges[0]!, json.edges[1]!);
    const exponent = Math.round(Math.log2(width));
    if (!(width > 0) || 2 ** exponent !== width || json.edges.length !== json.counts.length + 1 || json.counts.length > bins) {
      throw new Error('histogram is not on a power-of-two grid of at most ' + bins + ' bins');
    }
    h.exponent = exponent;
    h.width = width;
    h.floor = exponent;
    h.first = Math.floor(min / width);
    h.min = min;
    h.max = max;
    const offset = Math.round(json.edges[0]! / width) - h.first;
    if (offset < 0 || offset + json.counts.length > bins) throw new Error('histogram edges do not match the column min and max');
    json.counts.forEach((count, i) => (h.counts[offset + i] = count));
    return h;
  }
}

/** Width of a bin from its edges as `toJSON` writes them: ±Number.MAX_VALUE there stands for ±2^1024. */
function edgeWidth(lo: number, hi: number): number {
  if (lo !== -Number.MAX_VALUE && hi !== Number.MAX_VALUE) return hi - lo;
  // In halves, as 2^1024 is no double (such an edge is a multiple of 2^971 at least: halving is exact).
  const half = (hi === Number.MAX_VALUE ? 2 ** 1023 : hi / 2) - (lo === -Number.MAX_VALUE ? -(2 ** 1023) : lo / 2);
  return 2 * half;
}
