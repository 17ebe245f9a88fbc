/**
 * Metrics derived from the confusion matrix, as sklearn 1.2 computes them with its defaults.
 *
 * - zero_division: sklearn's default 'warn' → a 0/0 precision, recall or F1 is 0.0 (sklearn also
 *   warns; we do not). F1 = 2·P·R / (P + R), 0 when P + R = 0.
 * - per_class lists every label in `labels` order (sklearn `labels=all, average=None`); a label
 *   absent from both y_true and y_pred gets 0.0 everywhere and support 0.
 * - Averages (macro / weighted / micro) use sklearn's default label set, the labels present in
 *   y_true ∪ y_pred (`labels=None`), so a label that never occurs in a slice does not drag the
 *   slice's macro average down.
 * - balanced_accuracy: mean recall over the labels present in y_true.
 * - Binary `precision`/`recall`/`f1` are the positive class's (average='binary'); multiclass
 *   ones are the macro averages.
 * - With no rows every ratio is null and distinct_predictions is 0.
 */
import { CLASSIFICATION_METRICS, type ClassificationMetricName } from './names.js';
import { numpyMean, pairwiseSum } from './sums.js';
import type { MetricValue } from './types.js';

export interface PerClassCounts {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

const PROBABILITY_METRICS: ReadonlySet<ClassificationMetricName> = new Set(['roc_auc', 'pr_auc', 'log_loss', 'brier', 'ece'] as const);
type ConfusionMetricName = Exclude<ClassificationMetricName, 'roc_auc' | 'pr_auc' | 'log_loss' | 'brier' | 'ece'>;

const divide = (num: number, den: number): number => (den === 0 ? 0 : num / den);
const fScore = (p: number, r: number): number => {
  const denom = p + r;
  return (2 * p * r) / (denom === 0 ? 1 : denom);
};

export function confusionMetrics(
  cm: Float64Array,
  C: number,
  positive: number | undefined,
): { metrics: Record<ConfusionMetricName, MetricValue>; perClass: PerClassCounts[] } {
  const tp = new Float64Array(C);
  const predSum = new Float64Array(C);
  const trueSum = new Float64Array(C);
  let n = 0;
  for (let t = 0; t < C; t++) {
    for (let p = 0; p < C; p++) {
      const v = cm[t * C + p]!;
      trueSum[t]! += v;
      predSum[p]! += v;
      n += v;
    }
    tp[t] = cm[t * C + t]!;
  }

  const perClass: PerClassCounts[] = [];
  for (let c = 0; c < C; c++) {
    const precision = divide(tp[c]!, predSum[c]!);
    const recall = divide(tp[c]!, trueSum[c]!);
    perClass.push({ precision, recall, f1: fScore(precision, recall), support: trueSum[c]! });
  }

  let distinct = 0;
  let majority = 0;
  for (let c = 0; c < C; c++) {
    if (predSum[c]! > 0) distinct++;
    if (predSum[c]! > majority) majority = predSum[c]!;
  }

  const metrics = {} as Record<ConfusionMetricName, MetricValue>;
  // Every confusion-derived metric starts undefined; those the data defines are filled below.
  const names = CLASSIFICATION_METRICS.filter((name): name is ConfusionMetricName => !PROBABILITY_METRICS.has(name));
  for (const k of names) metrics[k] = null;
  metrics.distinct_predictions = distinct;
  if (n === 0) return { metrics, perClass };

  let correct = 0;
  for (let c = 0; c < C; c++) correct += tp[c]!;
  metrics.accuracy = correct / n;
  metrics.majority_rate = majority / n;

  const recallsInTrue = [] as number[];
  for (let c = 0; c < C; c++) if (trueSum[c]! > 0) recallsInTrue.push(perClass[c]!.recall);
  metrics.balanced_accuracy = numpyMean(recallsInTrue);

  const present = [] as number[];
  for (let c = 0; c < C; c++) if (trueSum[c]! > 0 || predSum[c]! > 0) present.push(c);
  const column = (key: 'precision' | 'recall' | 'f1') => present.map((c) => perClass[c]![key]);
  const weights = present.map((c) => trueSum[c]!);
  const weightTotal = pairwiseSum(weights);
  for (const key of ['precision', 'recall', 'f1'] as const) {
    const values = column(key);
    metrics[`${key}_macro`] = numpyMean(values);
    metrics[`${key}_weighted`] = pairwiseSum(values.map((v, i) => v * weights[i]!)) / weightTotal;
  }

  let tpAll = 0;
  let predAll = 0;
  let trueAll = 0;
  for (const c of present) {
    tpAll += tp[c]!;
    predAll += predSum[c]!;
    trueAll += trueSum[c]!;
  }
  metrics.precision_micro = divide(tpAll, predAll);
  metrics.recall_micro = divide(tpAll, trueAll);
  metrics.f1_micro = fScore(metrics.precision_micro, metrics.recall_micro);

  if (positive !== undefined) {
    const pc = perClass[positive]!;
    metrics.precision = pc.precision;
    metrics.recall = pc.recall;
    metrics.f1 = pc.f1;
  } else {
    metrics.precision = metrics.precision_macro;
    metrics.recall = metrics.recall_macro;
    metrics.f1 = metrics.f1_macro;
  }
  return { metrics, perClass };
}
