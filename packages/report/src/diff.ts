import { formatCount } from '@modelgate/core';
import { markdownTable } from 'markdown-table';
import { codeCell, directionOf, formatSigned, formatValue, sliceKeys, textCell, type Metrics } from './cells.js';

export interface MetricDiffOptions {
  /** What the base is, shown as the column header: 'main @ 1a2b3c4', 'v1.3.0'. Default: the baseline's version, ref or 'base'. */
  baseName?: string;
  /** Decimals shown; a change smaller than half a unit in the last place counts as unchanged. Default 4. */
  precision?: number;
  /** Fold unchanged metrics into a <details> block. Default true. */
  foldUnchanged?: boolean;
  /** Most slices listed (default 50). */
  maxSlices?: number;
  /** Most classes in the confusion matrix and per-class table, the largest by support (default 20). */
  maxClasses?: number;
}

type Change = 'better' | 'worse' | 'changed' | 'same';

interface Row {
  name: string;
  base: number | null | undefined;
  head: number | null | undefined;
  change: Change;
  cells: string[];
  gated: boolean;
}

const MARK: Record<Change, string> = { better: ' 🟢', worse: ' ⚠️', changed: '', same: '' };

/** How a metric moved, by its direction; 'same' within half a unit in the last shown decimal. */
export function classifyChange(name: string, base: number | null | undefined, head: number | null | undefined, precision = 4): Change {
  if (base === null || base === undefined || head === null || head === undefined) return (base ?? null) === (head ?? null) ? 'same' : 'changed';
  const delta = head - base;
  if (Math.abs(delta) < 0.5 * 10 ** -precision) return 'same';
  const direction = directionOf(name);
  if (!direction) return 'changed';
  return (delta > 0) === (direction === 'higher') ? 'better' : 'worse';
}

/** Counts (distinct_predictions, max_error of integer targets) are shown as integers; anything else with fixed decimals. */
function counts(...values: (number | null | undefined)[]): boolean {
  return values.every((value) => value === null || value === undefined || Number.isInteger(value));
}

/** A value of a row whose values are `all`: integers only when every one of them is. */
function cell(value: number | null | undefined, precision: number, all: (number | null | undefined)[]): string {
  return formatValue(value, precision, counts(...all));
}

function deltaCells(name: string, base: number | null | undefined, head: number | null | undefined, precision: number): [string, string, Change] {
  const change = classifyChange(name, base, head, precision);
  if (base === null || base === undefined || head === null || head === undefined) return ['—', '—', change];
  const delta = head - base;
  const pct = base === 0 ? '—' : `${formatSigned((delta / Math.abs(base)) * 100, 1, false)}%`;
  return [`${formatSigned(delta, precision, counts(base, head))}${MARK[change]}`, pct, change];
}

function gatesLine(head: Metrics): string {
  const total = head.gates.length;
  if (total === 0) return 'ℹ️ No gates configured.';
  const failed = head.gates.filter((gate) => !gate.passed).length;
  const skipped = head.gates.filter((gate) => gate.skipped).length;
  const note = skipped > 0 ? ` (${skipped} not evaluated)` : '';
  return failed === 0 ? `✅ ${total} of ${total} gates passed${note}` : `❌ ${failed} of ${total} gates failed${note}`;
}

function defaultBaseName(head: Metrics): string {
  return head.baseline?.version ?? head.baseline?.ref ?? 'base';
}

/**
 * Pull-request comment body comparing head metrics with a base: the gates verdict first, then
 * every metric with its change (folded when unchanged), slices, confusion matrix and gates.
 * Every name from the artifacts is shown as an escaped code span.
 */
export function renderMetricDiff(head: Metrics, base: Metrics | undefined, options: MetricDiffOptions = {}): string {
  const precision = options.precision ?? 4;
  const fold = options.foldUnchanged ?? true;
  const baseName = options.baseName ?? defaultBaseName(head);
  const lines = [gatesLine(head), ''];
  lines.push(`${codeCell(head.model.path)} on ${codeCell(head.data.path)}: ${formatCount(head.rows)} rows, ${head.task}${base ? `, compared with ${codeCell(baseName)}` : ''}.`, '');

  const gateOf = new Map<string, boolean>();
  for (const gate of head.gates) {
    if (gate.metric === undefined || gate.skipped) continue;
    gateOf.set(gate.metric, (gateOf.get(gate.metric) ?? true) && gate.passed);
  }
  const gateCell = (name: string) => (gateOf.has(name) ? (gateOf.get(name) ? '✅' : '❌') : '');

  const names = [...Object.keys(head.metrics), ...Object.keys(base?.metrics ?? {}).filter((name) => !(name in head.metrics))];
  if (!base) {
    lines.push('No base metrics to compare with.', '');
    lines.push(markdownTable([['Metric', 'head', 'gate'], ...names.map((name) => [codeCell(name), formatValue(head.metrics[name], precision), gateCell(name)])]), '');
  } else {
    const rows: Row[] = names.map((name) => {
      const b = base.metrics[name];
      const h = head.metrics[name];
      const [delta, pct, change] = deltaCells(name, b, h, precision);
      return { name, base: b, head: h, change, gated: gateOf.has(name), cells: [codeCell(name), b === undefined ? 'not computed' : cell(b, precision, [b, h]), h === undefined ? 'not computed' : cell(h, precision, [b, h]), delta, pct, gateCell(name)] };
    });
    const header = ['Metric', codeCell(baseName), 'head', 'Δ', 'Δ%', 'gate'];
    const shown = fold ? rows.filter((row) => row.change !== 'same' || row.gated) : rows;
    const folded = fold ? rows.filter((row) => row.change === 'same' && !row.gated) : [];
    if (shown.length > 0) lines.push(markdownTable([header, ...shown.map((row) => row.cells)]), '');
    else lines.push('No metric changed.', '');
    if (folded.length > 0) {
      lines.push('<details><summary>' + `${folded.length} unchanged metric${folded.length === 1 ? '' : 's'}` + '</summary>', '', markdownTable([header, ...folded.map((row) => row.cells)]), '', '</details>', '');
    }
    lines.push(`🟢 better · ⚠️ worse (by the metric's direction) · ❌ failing gate · unchanged = |Δ| < ${formatValue(0.5 * 10 ** -precision, precision + 1)}`, '');
  }

  lines.push(...renderSliceDiff(head, base, precision, options.maxSlices ?? 50));
  lines.push(...renderConfusion(head, options.maxClasses ?? 20));
  lines.push(...renderGates(head, precision));
  return lines.join('\n');
}

function renderSliceDiff(head: Metrics, base: Metrics | undefined, precision: number, max: number): string[] {
  if (head.slices.length === 0) return [];
  const keys = sliceKeys(head.task);
  const lines = ['#### Slices', ''];
  const shown = head.slices.slice(0, max);
  const rows = shown.map((slice) => {
    const other = base?.slices.find((candidate) => candidate.column === slice.column && candidate.value === slice.value);
    return [
      codeCell(`${slice.column}=${slice.value}`),
      String(slice.rows),
      ...keys.map((key) => {
        const h = slice.metrics[key];
        if (!other) return cell(h, precision, [h]);
        const b = other.metrics[key];
        const [delta] = deltaCells(key, b, h, precision);
        return delta === '—' ? cell(h, precision, [h]) : `${cell(h, precision, [b, h])} (${delta})`;
      }),
    ];
  });
  lines.push(markdownTable([['slice', 'rows', ...keys.map((key) => codeCell(key))], ...rows]), '');
  if (base) lines.push(`In parentheses: the change from ${base.slices.length > 0 ? 'the same slice of the base' : 'the base (which has no slices)'}.`, '');
  if (head.slices.length > shown.length) lines.push(`… ${head.slices.length - shown.length} more slices in metrics.json.`, '');
  return lines;
}

/** The classes shown when there are too many: the largest by support, in label order. */
export function topClasses(metrics: Metrics, max: number): number[] {
  const labels = metrics.confusion_matrix?.labels ?? [];
  const matrix = metrics.confusion_matrix?.matrix ?? [];
  const indices = labels.map((_, i) => i);
  if (indices.length <= max) return indices;
  const support = indices.map((i) => (matrix[i] ?? []).reduce((sum, n) => sum + n, 0));
  return indices
    .sort((a, b) => support[b]! - support[a]! || a - b)
    .slice(0, max)
    .sort((a, b) => a - b);
}

function renderConfusion(head: Metrics, max: number): string[] {
  const cm = head.confusion_matrix;
  if (!cm || head.task === 'regression' || cm.labels.length === 0) return [];
  const kept = topClasses(head, max);
  const lines = ['#### Confusion matrix', '', 'Rows: true label; columns: predicted label.', ''];
  const table = markdownTable([
    ['true \\ predicted', ...kept.map((j) => codeCell(cm.labels[j]!))],
    ...kept.map((i) => [codeCell(cm.labels[i]!), ...kept.map((j) => String(cm.matrix[i]?.[j] ?? 0))]),
  ]);
  if (kept.length < cm.labels.length) {
    lines.push(`Showing ${kept.length} of ${cm.labels.length} classes (the largest by support); the full matrix is in metrics.json.`, '');
    lines.push('<details><summary>Confusion matrix (partial)</summary>', '', table, '', '</details>', '');
  } else lines.push(table, '');
  return lines;
}

function renderGates(head: Metrics, precision: number): string[] {
  if (head.gates.length === 0) return [];
  return [
    '#### Gates',
    '',
    markdownTable([
      ['gate', 'actual', 'threshold', 'result'],
      ...head.gates.map((gate) => [
        codeCell(gate.expr),
        formatValue(gate.actual, precision),
        formatValue(gate.threshold, precision),
        gate.skipped ? `${gate.passed ? '⚠️ not evaluated' : '❌'}: ${textCell(gate.skipped)}` : gate.passed ? '✅ passed' : '❌ failed',
      ]),
    ]),
    '',
  ];
}
