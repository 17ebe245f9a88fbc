/**
 * Regression metrics as sklearn 1.2 computes them (single output, no sample weights), with
 * numpy's pairwise summation so means agree with sklearn bit for bit:
 *
 *   mae                 mean_absolute_error
 *   mse, rmse           mean_squared_error, sqrt of it (squared=False)
 *   r2                  r2_score, force_finite=True (1.2's default): 1.0 if the predictions are
 *                       perfect, 0.0 if y_true is constant and they are not; null for < 2 rows
 *                       (sklearn warns and returns nan)
 *   mape                mean_absolute_percentage_error: |ŷ − y| / max(|y|, 2.22e-16), so a zero
 *                       y_true with an error gives a huge (not infinite) value, as in sklearn
 *   max_error           max |y − ŷ|
 *   explained_variance  explained_variance_score, force_finite=True
 *
 * Deliberate difference: sklearn gets "y_true is constant" from Σ (y − mean(y))² == 0, which a
 * rounding residue defeats when mean(y) is not exact (y = [0.1, 0.1, 0.1]: mean
 * 0.10000000000000002, Σ = 5.8e-34, r2 = −5.2e31). Here an exactly constant vector has squared
 * deviations 0, so r2 = 0.0 as force_finite intends (and a constant residual gives
 * explained_variance = 1.0, as sklearn returns for y = [2, 2, 2], ŷ = [3, 3, 3]). Otherwise
 * identical. With no rows every metric is null.
 */
import { InputDataError } from '@modelgate/core';
import { pairwiseSum } from './sums.js';
import { REGRESSION_METRICS, type RegressionMetricName } from './names.js';
import type { MetricValue, RegressionResult } from './types.js';

const EPS = 2 ** -52;

export function regressionMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): RegressionResult {
  const n = yTrue.length;
  if (yPred.length !== n) throw new RangeError(`yTrue has ${n} rows but yPred has ${yPred.length}`);
  const metrics = {} as Record<RegressionMetricName, MetricValue>;
  for (const name of REGRESSION_METRICS) metrics[name] = null;
  if (n === 0) return { task: 'regression', rows: 0, metrics };

  const absErr = new Float64Array(n);
  const sqErr = new Float64Array(n);
  const ape = new Float64Array(n);
  const diff = new Float64Array(n);
  let maxError = 0;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (!Number.isFinite(t)) throw new InputDataError(`y_true row ${i + 1}: ${t} is not a finite number`);
    if (!Number.isFinite(p)) throw new InputDataError(`y_pred row ${i + 1}: ${p} is not a finite number`);
    const d = t - p;
    diff[i] = d;
    const a = Math.abs(p - t);
    absErr[i] = a;
    sqErr[i] = d * d;
    ape[i] = a / Math.max(Math.abs(t), EPS);
    if (a > maxError) maxError = a;
  }
  metrics.mae = pairwiseSum(absErr) / n;
  const squaredErrorSum = pairwiseSum(sqErr);
  metrics.mse = squaredErrorSum / n;
  metrics.rmse = Math.sqrt(metrics.mse);
  metrics.mape = pairwiseSum(ape) / n;
  metrics.max_error = maxError;

  const yt = Float64Array.from(yTrue);
  const trueSS = sumSquaredDeviations(yt);
  if (n >= 2) metrics.r2 = assemble(squaredErrorSum, trueSS);
  metrics.explained_variance = assemble(sumSquaredDeviations(diff) / n, trueSS / n);
  return { task: 'regression', rows: n, metrics };
}

/** Σ (x − mean(x))², mean as np.mean; exactly 0 for an exactly constant vector. */
function sumSquaredDeviations(x: Float64Array): number {
  const first = x[0]!;
  if (x.every((v) => v === first)) return 0;
  const mean = pairwiseSum(x) / x.length;
  const sq = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - mean;
    sq[i] = d * d;
  }
  return pairwiseSum(sq);
}

/** sklearn's _assemble_r2_explained_variance with force_finite=True. */
function assemble(numerator: number, denominator: number): number {
  if (numerator === 0) return 1;
  if (denominator === 0) return 0;
  return 1 - numerator / denominator;
}
