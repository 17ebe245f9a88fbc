import { markdownTable } from 'markdown-table';
import { codeCell } from './cells.js';
import { escapeMarkdownText, formatCount, markdownCode, type ArtifactBody } from '@modelgate/core';
import { formatMetric } from './eval.js';

/** Job summary of data-validate: anomalies (top N, with links to lines) and drifted columns. */
export function renderDataSummary(input: { validation?: ArtifactBody<'validation'>; drift?: ArtifactBody<'drift'>; rows: number; file: string; top?: number; lineUrl?: (file: string, line: number) => string | undefined }): string {
  const { validation, drift } = input;
  const failed = (validation && !validation.passed) || drift?.dataset_drift;
  const lines = [`### ${failed ? '❌' : '✅'} Data ${markdownCode(input.file)}: ${formatCount(input.rows)} rows`, ''];
  if (validation) {
    lines.push(validation.anomalies.length === 0 ? 'No anomalies against the schema.' : `**${validation.errors} error${validation.errors === 1 ? '' : 's'}, ${validation.warnings} warning${validation.warnings === 1 ? '' : 's'}** against ${markdownCode(validation.schema?.path ?? 'the schema')}.`, '');
    const shown = validation.anomalies.slice(0, input.top ?? 20);
    if (shown.length > 0) {
      lines.push(
        markdownTable([
          ['', 'anomaly', 'column', 'rows', 'description', 'lines'],
          ...shown.map((anomaly) => [
            anomaly.severity === 'error' ? '❌' : '⚠️',
            anomaly.kind,
            anomaly.column ? codeCell(anomaly.column) : '',
            String(anomaly.count),
            escapeMarkdownText(anomaly.description),
            anomaly.samples
              .map((sample) => {
                const url = input.lineUrl?.(sample.file, sample.line);
                return url ? `[${sample.line}](${url})` : String(sample.line);
              })
              .join(', '),
          ]),
        ]),
        '',
      );
      if (validation.anomalies.length > shown.length) lines.push(`… and ${validation.anomalies.length - shown.length} more in validation.json.`, '');
    }
  }
  if (drift) {
    lines.push(
      `**Drift** against ${markdownCode(drift.reference.path)} (${formatCount(drift.reference.rows)} rows): ${drift.drifted_columns} of ${drift.columns.length} columns drifted (share ${formatMetric(drift.drift_share, 2)}, dataset drift at ≥ ${formatMetric(drift.share_threshold, 2)}) — ${drift.dataset_drift ? '❌ dataset drift' : '✅ no dataset drift'}.`,
      '',
    );
    const drifted = drift.columns.filter((column) => column.drifted);
    if (drifted.length > 0) {
      lines.push(
        markdownTable([
          ['column', 'test', 'statistic', 'p-value', 'threshold'],
          ...drifted.map((column) => [codeCell(column.column), column.test, formatMetric(column.statistic), column.p_value === null ? '—' : column.p_value.toExponential(2), formatMetric(column.threshold)]),
        ]),
        '',
      );
    }
  }
  return lines.join('\n');
}
