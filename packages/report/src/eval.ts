import { markdownTable } from 'markdown-table';
import { codeCell, formatValue, KEY_METRICS, sliceKeys } from './cells.js';
import { escapeMarkdownText, formatCount, markdownCode, type MetricsFile } from '@modelgate/core';
import type { z } from 'zod';

type Metrics = z.output<typeof MetricsFile>;

/** The job summary adds the degenerate-model signals to the headline metrics. */
const SUMMARY_METRICS: Record<Metrics['task'], readonly string[]> = {
  binary: [...KEY_METRICS.binary, 'distinct_predictions', 'majority_rate'],
  multiclass: [...KEY_METRICS.multiclass, 'distinct_predictions'],
  regression: KEY_METRICS.regression,
};

/** A metric for a table: formatValue's rules, with one decimal from 1000 on (latency, MAE in dollars). */
export function formatMetric(value: number | null | undefined, digits = 4): string {
  return value != null && Number.isFinite(value) && Math.abs(value) >= 1000 ? formatValue(value, 1) : formatValue(value, digits);
}

/** Job summary of an evaluation: gates first, then key metrics, classes, slices, latency. */
export function renderEvalSummary(metrics: Metrics): string {
  const failed = metrics.gates.filter((gate) => !gate.passed);
  const lines = [
    `### ${metrics.passed ? '✅' : '❌'} ${markdownCode(metrics.model.path)} on ${markdownCode(metrics.data.path)}: ${formatCount(metrics.rows)} rows, ${metrics.task}`,
    '',
  ];
  if (metrics.gates.length > 0) {
    lines.push(`**Gates:** ${metrics.gates.length - failed.length} of ${metrics.gates.length} passed.`, '');
    lines.push(
      markdownTable([
        ['gate', 'actual', 'threshold', ''],
        ...metrics.gates.map((gate) => [
          codeCell(gate.expr),
          formatMetric(gate.actual),
          formatMetric(gate.threshold),
          gate.skipped ? `${gate.passed ? '⚠️' : '❌'} ${escapeMarkdownText(gate.skipped)}` : gate.passed ? '✅' : '❌',
        ]),
      ]),
      '',
    );
  } else lines.push('No gates configured.', '');
  if (metrics.baseline) lines.push(`Baseline: ${markdownCode(metrics.baseline.source)}`, '');
  const keys = SUMMARY_METRICS[metrics.task].filter((name) => name in metrics.metrics);
  lines.push(markdownTable([['metric', 'value'], ...keys.map((name) => [name, formatMetric(metrics.metrics[name])])]), '');
  if (metrics.per_class && metrics.per_class.length > 0) {
    lines.push(
      markdownTable([
        ['class', 'precision', 'recall', 'f1', 'support'],
        ...metrics.per_class.map((row) => [codeCell(row.label), formatMetric(row.precision), formatMetric(row.recall), formatMetric(row.f1), String(row.support)]),
      ]),
      '',
    );
  }
  if (metrics.slices.length > 0) {
    const perSlice = sliceKeys(metrics.task);
    lines.push(
      markdownTable([
        ['slice', 'rows', ...perSlice],
        ...metrics.slices.map((slice) => [codeCell(`${slice.column}=${slice.value}`), String(slice.rows), ...perSlice.map((name) => formatMetric(slice.metrics[name]))]),
      ]),
      '',
    );
  }
  const row = metrics.latency_ms?.row;
  if (row) lines.push(`Latency per row: p50 ${formatMetric(row.p50, 3)} ms, p95 ${formatMetric(row.p95, 3)} ms, p99 ${formatMetric(row.p99, 3)} ms (${row.runs} runs after warm-up).`, '');
  return lines.join('\n');
}
