/**
 * Metric keys and which way is better.
 *
 * Classification keys (every result has all of them, `null` where undefined):
 *
 *   accuracy, balanced_accuracy
 *   precision, recall, f1          binary: of the positive class (sklearn average='binary');
 *                                  multiclass: the macro average (same as *_macro)
 *   precision_macro, recall_macro, f1_macro
 *   precision_weighted, recall_weighted, f1_weighted
 *   precision_micro, recall_micro, f1_micro
 *                                  averages over the labels present in y_true ∪ y_pred
 *                                  (sklearn's default labels=None), for binary and multiclass
 *   roc_auc, pr_auc                binary: positive-class probability; multiclass: one-vs-rest
 *                                  macro (pr_auc = average precision, step-wise)
 *   log_loss, brier, ece           probability metrics (null without probabilities)
 *   distinct_predictions           number of distinct predicted labels
 *   majority_rate                  share of rows predicted as the most frequent predicted label
 *
 * Per-class values (`per_class`): precision, recall, f1, support. Regression keys: mae, mse, rmse,
 * r2, mape, max_error, explained_variance.
 */

export const CLASSIFICATION_METRICS = [
  'accuracy',
  'balanced_accuracy',
  'precision',
  'recall',
  'f1',
  'precision_macro',
  'recall_macro',
  'f1_macro',
  'precision_weighted',
  'recall_weighted',
  'f1_weighted',
  'precision_micro',
  'recall_micro',
  'f1_micro',
  'roc_auc',
  'pr_auc',
  'log_loss',
  'brier',
  'ece',
  'distinct_predictions',
  'majority_rate',
] as const;

export const REGRESSION_METRICS = ['mae', 'mse', 'rmse', 'r2', 'mape', 'max_error', 'explained_variance'] as const;

/** Metrics reported per class (`per_class[]`), e.g. `f1[>50K]` in a gate. */
export const PER_CLASS_METRICS = ['precision', 'recall', 'f1', 'support'] as const;

export type ClassificationMetricName = (typeof CLASSIFICATION_METRICS)[number];
export type RegressionMetricName = (typeof REGRESSION_METRICS)[number];
export type MetricName = ClassificationMetricName | RegressionMetricName;

export const METRIC_NAMES: readonly MetricName[] = [...CLASSIFICATION_METRICS, ...REGRESSION_METRICS];

const LOWER_IS_BETTER = new Set<string>(['log_loss', 'brier', 'ece', 'majority_rate', 'mae', 'mse', 'rmse', 'mape', 'max_error']);
const KNOWN = new Set<string>([...METRIC_NAMES, ...PER_CLASS_METRICS]);

export function isMetricName(name: string): name is MetricName {
  return (METRIC_NAMES as readonly string[]).includes(name);
}

/**
 * Which way is better for a metric of this package ('higher' for scores such as f1, roc_auc, r2,
 * distinct_predictions and per-class support; 'lower' for losses and errors and for
 * majority_rate), or undefined for a name this package does not compute.
 */
export function metricDirection(name: string): 'higher' | 'lower' | undefined {
  if (!KNOWN.has(name)) return undefined;
  return LOWER_IS_BETTER.has(name) ? 'lower' : 'higher';
}
