import { positiveLabel, type Metrics } from './cells.js';

/** 95% confidence intervals of the proportions behind accuracy, precision and recall. */

export const Z95 = 1.959963984540054;

export interface Interval {
  lower: number;
  upper: number;
}

/**
 * Wilson score interval of k successes in n trials (Wilson 1927; Brown, Cai & DasGupta 2001
 * recommend it over the normal approximation, which collapses at 0 and 1). Undefined for n = 0.
 */
export function wilson(successes: number, trials: number, z = Z95): Interval | undefined {
  if (!(trials > 0) || successes < 0 || successes > trials) return undefined;
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const center = (p + z2 / (2 * trials)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return { lower: Math.max(0, center - half), upper: Math.min(1, center + half) };
}

/** A rate as a proportion: value = successes / trials. */
export interface Proportion {
  metric: string;
  value: number;
  successes: number;
  trials: number;
  interval: Interval | undefined;
}

function proportion(metric: string, successes: number, trials: number): Proportion | undefined {
  if (trials <= 0) return undefined;
  return { metric, value: successes / trials, successes, trials, interval: wilson(successes, trials) };
}

/**
 * Overall proportions from the confusion matrix: accuracy (trace / total), and for binary the
 * positive class's precision (TP / predicted positive) and recall (TP / actual positive).
 */
export function overallProportions(metrics: Metrics): Proportion[] {
  const cm = metrics.confusion_matrix;
  if (!cm || metrics.task === 'regression') return [];
  const m = cm.matrix;
  const total = m.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
  const trace = cm.labels.reduce((sum, _, i) => sum + (m[i]?.[i] ?? 0), 0);
  const out = [proportion('accuracy', trace, total)];
  const positive = positiveLabel(metrics);
  const p = positive === undefined ? -1 : cm.labels.indexOf(positive);
  if (metrics.task === 'binary' && p >= 0) {
    const tp = m[p]?.[p] ?? 0;
    const predicted = m.reduce((sum, row) => sum + (row[p] ?? 0), 0);
    const actual = (m[p] ?? []).reduce((a, b) => a + b, 0);
    out.push(proportion('precision', tp, predicted), proportion('recall', tp, actual));
  }
  return out.filter((item): item is Proportion => item !== undefined);
}

/** Per-class precision and recall proportions from the confusion matrix, in label order. */
export function classProportions(metrics: Metrics): { label: string; precision?: Proportion; recall?: Proportion; support: number }[] {
  const cm = metrics.confusion_matrix;
  if (!cm) return [];
  return cm.labels.map((label, i) => {
    const tp = cm.matrix[i]?.[i] ?? 0;
    const predicted = cm.matrix.reduce((sum, row) => sum + (row[i] ?? 0), 0);
    const support = (cm.matrix[i] ?? []).reduce((a, b) => a + b, 0);
    return { label, precision: proportion('precision', tp, predicted), recall: proportion('recall', tp, support), support };
  });
}

/**
 * Proportions of a slice, whose artifact holds rates rather than counts: the counts are
 * recovered as rate × denominator (exact, since both are counts): accuracy over the slice's
 * rows; for binary, recall over the positive class's support and precision over TP / precision.
 */
export function sliceProportions(metrics: Metrics, slice: Metrics['slices'][number]): Proportion[] {
  if (metrics.task === 'regression') return [];
  const out: (Proportion | undefined)[] = [];
  const accuracy = slice.metrics.accuracy;
  if (typeof accuracy === 'number') out.push(proportion('accuracy', Math.round(accuracy * slice.rows), slice.rows));
  const positive = positiveLabel(metrics);
  const row = slice.per_class?.find((entry) => entry.label === positive);
  if (metrics.task === 'binary' && row && typeof row.recall === 'number') {
    const tp = Math.round(row.recall * row.support);
    if (typeof row.precision === 'number' && row.precision > 0) out.push(proportion('precision', tp, Math.round(tp / row.precision)));
    out.push(proportion('recall', tp, row.support));
  }
  return out.filter((item): item is Proportion => item !== undefined);
}

export const INTERVAL_NOTE =
  '95% confidence intervals are Wilson score intervals (z = 1.96) of the proportions behind accuracy, precision and recall, computed from the confusion-matrix counts; for slices the counts are recovered from the rates and the slice’s rows and class support. Other metrics (F1, AUC, macro averages, losses, regression errors) are not simple proportions and are given without an interval.';
