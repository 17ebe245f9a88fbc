import { markdownTable } from 'markdown-table';
import { codeCell } from './cells.js';
import { countsTowardDrift, escapeMarkdownText, formatCount, isTestedColumn, markdownCode, type ArtifactBody, type DriftColumnBody as DriftColumn, type UntestedReason } from '@modelgate/core';
import { formatMetric } from './eval.js';

/** Drifted columns listed in the job summary at most (and as many columns not tested). */
export const DRIFTED_ROWS = 50;


/** Why a column was not tested, in the summary's words. */
const UNTESTED_TEXT: Readonly<Record<UntestedReason, string>> = {
  missing_in_current: 'not in the current data',
  no_values_in_current: 'no values in the current data',
  missing_in_reference: 'not in the reference',
  no_values_in_reference: 'no values in the reference',
};

/** A drifted column's row: its test and numbers, or why it could not be tested (lost by the current data). */
const driftRow = (column: DriftColumn): string[] =>
  isTestedColumn(column)
    ? [codeCell(column.column), column.test, formatMetric(column.statistic), column.p_value === null ? '—' : column.p_value.toExponential(2), formatMetric(column.threshold)]
    : [codeCell(column.column), UNTESTED_TEXT[column.untested], '—', '—', '—'];

/** Job summary of data-validate: anomalies (top N, with links to lines) and drifted columns (the first DRIFTED_ROWS). */
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
      `**Drift** against ${markdownCode(drift.reference.path)} (${formatCount(drift.reference.rows)} rows): ${drift.drifted_columns} of ${drift.columns.filter(countsTowardDrift).length} columns drifted (share ${formatMetric(drift.drift_share, 2)}, dataset drift at ≥ ${formatMetric(drift.share_threshold, 2)}) — ${drift.dataset_drift ? '❌ dataset drift' : '✅ no dataset drift'}.`,
      '',
    );
    const drifted = drift.columns.filter((column) => column.drifted);
    // The first DRIFTED_ROWS in file order: a file of thousands of columns drifts in thousands
    // (at p < 0.05, one in twenty by chance), and GitHub refuses a job summary over 1 MiB.
    const shown = drifted.slice(0, DRIFTED_ROWS);
    if (shown.length > 0) {
      lines.push(
        markdownTable([
          ['column', 'test', 'statistic', 'p-value', 'threshold'],
          ...shown.map(driftRow),
        ]),
        '',
      );
      const more = drifted.length - shown.length;
      if (more > 0) lines.push(`… and ${more} more drifted column${more === 1 ? '' : 's'} in drift.json.`, '');
    }
    // Columns the reference gives nothing to compare with: not tested, and not in the share.
    const uncounted = drift.columns.flatMap((column) => (isTestedColumn(column) || column.drifted ? [] : [`${codeCell(column.column)} (${UNTESTED_TEXT[column.untested]})`]));
    if (uncounted.length > 0) {
      const named = uncounted.slice(0, DRIFTED_ROWS);
      const more = uncounted.length - named.length;
      lines.push(`Not tested: ${named.join(', ')}${more > 0 ? `, and ${more} more in drift.json` : ''}.`, '');
    }
  }
  return lines.join('\n');
}
