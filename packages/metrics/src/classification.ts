/**
 * Classification metrics in one call — the accumulator of accumulator.ts with a single batch.
 *
 * Conventions (details in names.ts, confusion.ts, ranking.ts, calibration.ts):
 * - task: 'binary' for 2 labels, 'multiclass' for more; at least 2 labels are required (pass
 *   the full label list also for a slice in which fewer occur).
 * - Undefined metrics are null: roc_auc when y_true lacks the positive or the negative class
 *   (multiclass: when any label of `labels` is absent from y_true, or when rows of `proba` do not
 *   sum to 1 within np.allclose — sklearn raises in all these cases); every probability metric
 *   without `proba`; brier and ece when a probability used is outside [0, 1].
 * - pr_auc (average precision) with no positive rows is 0, as sklearn returns.
 * - log_loss follows sklearn 1.2's log_loss(labels=all): probabilities clipped to
 *   [eps, 1 − eps] with eps = the machine epsilon of the array's dtype (2.2e-16 for Float64Array,
 *   1.19e-7 for Float32Array — 1.2 changed the default from 1e-15 to 'auto'), then each row
 *   renormalised to sum 1. Arithmetic is float64 throughout, whereas sklearn computes in float32
 *   for float32 input: results equal sklearn on the float64 upcast with that eps to 1e-15 and
 *   sklearn's float32 computation to ~1e-7 relative.
 * - brier: binary = brier_score_loss of the positive class; multiclass (no sklearn 1.2 function)
 *   = mean over rows of Σ_c (p_c − [y = c])², which is twice the binary value on 2 classes.
 */
import { ClassificationAccumulator } from './accumulator.js';
import type { ClassificationInput, ClassificationResult, ClassMetrics, ResultOptions } from './types.js';

export function classificationMetrics(input: ClassificationInput, options?: ResultOptions): ClassificationResult {
  const spec = input.positive === undefined ? { labels: input.labels } : { labels: input.labels, positive: input.positive };
  const acc = new ClassificationAccumulator(spec);
  acc.add(input.proba ? { yTrue: input.yTrue, yPred: input.yPred, proba: input.proba } : { yTrue: input.yTrue, yPred: input.yPred });
  return acc.result(options);
}

/** per_class as `{ label: { precision, recall, f1, support } }`, the shape gates look classes up in. */
export function perClassByLabel(perClass: readonly ClassMetrics[]): Record<string, Record<string, number | null>> {
  const out: Record<string, Record<string, number | null>> = {};
  for (const { label, ...values } of perClass) out[label] = values;
  return out;
}
