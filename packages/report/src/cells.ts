import { escapeMarkdownText, type MetricsFile } from '@modelgate/core';
import { metricDirection } from '@modelgate/metrics';
import type { z } from 'zod';

/** Shared helpers of the diff, model card and chart renderers. */

export type Metrics = z.output<typeof MetricsFile>;

/** Code spans safe in table cells; defined in core, where the release notes use them too. */
export { codeCell } from '@modelgate/core';

/** Prose for a table cell or a line: every markdown, HTML, mention and issue-link character neutralised. */
export function textCell(text: string): string {
  return escapeMarkdownText(text);
}

/**
 * Human-written text (a `card:` section of modelgate.yml, which a pull request can change):
 * paragraphs kept, everything inside them escaped. Markdown formatting in it is shown literally
 * rather than interpreted, so it cannot inject links, images, HTML or mentions.
 */
export function prose(text: string): string {
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph.length > 0)
    .map((paragraph) => escapeMarkdownText(paragraph))
    .join('\n\n');
}

/** A value with `precision` decimals; integers as they are unless `integers` is false; '—' when missing. */
export function formatValue(value: number | null | undefined, precision = 4, integers = true): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (integers && Number.isInteger(value)) return String(value);
  return value.toFixed(precision);
}

/** A signed difference: '+0.0120', '-0.0100', '0' when it rounds to nothing. */
export function formatSigned(value: number, precision = 4, integers = true): string {
  const text = integers && Number.isInteger(value) ? String(Math.abs(value)) : Math.abs(value).toFixed(precision);
  if (/^[0.]*$/.test(text)) return text;
  return `${value < 0 ? '-' : '+'}${text}`;
}

/** Which way is better: the metrics package's table, latency lower; undefined when not known. */
export function directionOf(name: string): 'higher' | 'lower' | undefined {
  if (name.startsWith('latency.')) return 'lower';
  return metricDirection(name);
}

/** The positive class of a binary evaluation: the configured one, else the last sorted label (sklearn's pos_label=1). */
export function positiveLabel(metrics: Metrics): string | undefined {
  if (metrics.task !== 'binary') return undefined;
  const labels = metrics.confusion_matrix?.labels ?? metrics.per_class?.map((row) => row.label) ?? [];
  if (metrics.data.positive !== undefined && (labels.length === 0 || labels.includes(metrics.data.positive))) return metrics.data.positive;
  return labels[labels.length - 1];
}

/** The headline metrics of a task, in display order. */
export const KEY_METRICS: Record<Metrics['task'], readonly string[]> = {
  binary: ['accuracy', 'balanced_accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'pr_auc', 'log_loss', 'brier', 'ece'],
  multiclass: ['accuracy', 'balanced_accuracy', 'precision_macro', 'recall_macro', 'f1_macro', 'f1_weighted', 'roc_auc', 'log_loss'],
  regression: ['mae', 'rmse', 'r2', 'mape', 'max_error'],
};

/** The few metrics shown per slice. */
export function sliceKeys(task: Metrics['task']): string[] {
  if (task === 'regression') return ['mae', 'rmse', 'r2'];
  return task === 'binary' ? ['accuracy', 'recall', 'f1'] : ['accuracy', 'recall_macro', 'f1_macro'];
}
