/**
 * Result shapes. Field names follow `MetricsFile` in packages/core/src/artifacts/model.ts
 * (`per_class`, `confusion_matrix`, `curves`), so a result spreads into metrics.json as is.
 */
import type { ClassificationMetricName, RegressionMetricName } from './names.js';

/** A metric value; null where the metric is undefined for the data (sklearn raises or returns nan). */
export type MetricValue = number | null;

export type Probabilities = Float64Array | Float32Array;

export interface ClassificationInput {
  /** Class labels; `yTrue`, `yPred` and the columns of `proba` refer to them by index. */
  labels: readonly string[];
  yTrue: Int32Array | readonly number[];
  yPred: Int32Array | readonly number[];
  /** Predicted probabilities, row-major [N, labels.length], columns in `labels` order. */
  proba?: Probabilities;
  /** Binary only: index of the positive class (default: the label 1 of {0,1} or {-1,1}). */
  positive?: number;
}

export interface ClassMetrics {
  label: string;
  precision: MetricValue;
  recall: MetricValue;
  f1: MetricValue;
  support: number;
}

export interface ConfusionMatrix {
  /** Row = true label, column = predicted label, in this order. */
  labels: string[];
  matrix: number[][];
}

export interface Curves {
  roc?: { fpr: number[]; tpr: number[] };
  pr?: { recall: number[]; precision: number[] };
  calibration?: { mean_predicted: number[]; fraction_positive: number[]; count: number[] };
}

export interface ClassificationResult {
  task: 'binary' | 'multiclass';
  rows: number;
  /** Binary: the positive label. */
  positive?: string;
  metrics: Record<ClassificationMetricName, MetricValue>;
  per_class: ClassMetrics[];
  confusion_matrix: ConfusionMatrix;
  /** Binary with probabilities only; omitted when asked to (`curves: false`) or undefined. */
  curves?: Curves;
}

export interface RegressionResult {
  task: 'regression';
  rows: number;
  metrics: Record<RegressionMetricName, MetricValue>;
}

export interface ResultOptions {
  /** Compute report curves (binary with probabilities). Default true. */
  curves?: boolean;
  /** Most points per ROC / PR curve after downsampling. Default 200. */
  maxCurvePoints?: number;
}
