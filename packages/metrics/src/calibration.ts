/**
 * Calibration bins, the calibration curve and the expected calibration error (ECE).
 *
 * Bins are those of sklearn's `calibration_curve(y, p, n_bins=15, strategy='uniform')` (1.2):
 * edges = np.linspace(0, 1, 16), i.e. edges[i] = i · (1/15) with edges[15] = 1, and a score goes
 * to bin `searchsorted(edges[1:-1], p, side='left')`: bin b holds edges[b] < p ≤ edges[b+1]
 * (bin 0 everything ≤ edges[1], bin 14 everything > edges[14]). A score exactly on an inner edge
 * falls in the lower bin.
 *
 * ECE = Σ_b (n_b / N) · |mean(p in b) − mean(hit in b)| over non-empty bins, where
 *   binary:      p = probability of the positive class, hit = (y_true is positive)
 *                (so ECE is the count-weighted gap of the calibration curve);
 *   multiclass:  p = max_c proba[c] (top-label confidence), hit = (argmax_c proba[c] == y_true),
 *                argmax taking the first maximum (numpy), independent of `yPred`.
 * Undefined (null) when a probability used lies outside [0, 1] (sklearn's calibration_curve
 * raises). No sklearn function exists; the oracle checks it against an independent numpy
 * implementation and, for binary, against calibration_curve.
 */
import { ExactSum } from './sums.js';

export const CALIBRATION_BINS = 15;

const STEP = 1 / CALIBRATION_BINS;
/** np.linspace(0, 1, 16): arange(16) * step, last element set to stop. */
export const CALIBRATION_EDGES: Float64Array = Float64Array.from({ length: CALIBRATION_BINS + 1 }, (_, i) =>
  i === CALIBRATION_BINS ? 1 : i * STEP,
);

export function calibrationBin(p: number): number {
  let b = Math.floor(p * CALIBRATION_BINS);
  if (b < 0) b = 0;
  else if (b > CALIBRATION_BINS - 1) b = CALIBRATION_BINS - 1;
  while (b > 0 && p <= CALIBRATION_EDGES[b]!) b--;
  while (b < CALIBRATION_BINS - 1 && p > CALIBRATION_EDGES[b + 1]!) b++;
  return b;
}

/** Mergeable per-bin sums: rows, Σ p (exact) and Σ hit. */
export class CalibrationBins {
  readonly count = new Float64Array(CALIBRATION_BINS);
  readonly hits = new Float64Array(CALIBRATION_BINS);
  private readonly sums = Array.from({ length: CALIBRATION_BINS }, () => new ExactSum());

  add(p: number, hit: boolean): void {
    const b = calibrationBin(p);
    this.count[b]!++;
    if (hit) this.hits[b]!++;
    this.sums[b]!.add(p);
  }

  merge(other: CalibrationBins): void {
    for (let b = 0; b < CALIBRATION_BINS; b++) {
      this.count[b]! += other.count[b]!;
      this.hits[b]! += other.hits[b]!;
      this.sums[b]!.merge(other.sums[b]!);
    }
  }

  toJSON(): { count: number[]; hits: number[]; sums: number[][] } {
    return { count: Array.from(this.count), hits: Array.from(this.hits), sums: this.sums.map((s) => s.parts()) };
  }

  static fromJSON(json: { count: number[]; hits: number[]; sums: number[][] }): CalibrationBins {
    const bins = new CalibrationBins();
    bins.count.set(json.count);
    bins.hits.set(json.hits);
    json.sums.forEach((parts, b) => bins.sums[b]!.merge(ExactSum.of(parts)));
    return bins;
  }

  /** sklearn's calibration_curve (prob_pred, prob_true) over non-empty bins, plus each bin's rows. */
  curve(): { mean_predicted: number[]; fraction_positive: number[]; count: number[] } {
    const out = { mean_predicted: [] as number[], fraction_positive: [] as number[], count: [] as number[] };
    for (let b = 0; b < CALIBRATION_BINS; b++) {
      const n = this.count[b]!;
      if (n === 0) continue;
      out.mean_predicted.push(this.sums[b]!.value() / n);
      out.fraction_positive.push(this.hits[b]! / n);
      out.count.push(n);
    }
    return out;
  }

  ece(): number | null {
    let total = 0;
    for (let b = 0; b < CALIBRATION_BINS; b++) total += this.count[b]!;
    if (total === 0) return null;
    let ece = 0;
    for (let b = 0; b < CALIBRATION_BINS; b++) {
      const n = this.count[b]!;
      if (n === 0) continue;
      ece += (n / total) * Math.abs(this.sums[b]!.value() / n - this.hits[b]! / n);
    }
    return ece;
  }
}
