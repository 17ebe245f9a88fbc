import { codeCell, type Metrics } from './cells.js';

/**
 * Charts as mermaid `xychart-beta` blocks, which GitHub renders in markdown (no image host).
 * xychart plots a line's values at evenly spaced x positions, so curves with irregular x (ROC,
 * PR) are resampled onto a uniform grid first; each line has at most `MAX_POINTS` points.
 */

export const MAX_POINTS = 50;

/** A label mermaid cannot misread: printable ASCII without quotes, brackets, backticks, `#`, `;`, `%`, `<>`, `&`, `@`; at most 24 characters. */
export function chartLabel(text: string): string {
  const clean = text
    .replace(/[^A-Za-z0-9 _.,:+\-=/()]/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
  const short = clean.length > 24 ? `${clean.slice(0, 23)}…` : clean;
  return `"${short || '?'}"`;
}

function num(value: number): string {
  return String(Math.round(value * 1e4) / 1e4);
}

function block(lines: string[]): string {
  return ['```mermaid', 'xychart-beta', ...lines.map((line) => `    ${line}`), '```'].join('\n');
}

/** `steps` + 1 evenly spaced x values from 0 to 1. */
function grid(steps: number): number[] {
  return Array.from({ length: steps + 1 }, (_, i) => i / steps);
}

/** Linear interpolation of y at x over points sorted by x (ties: the highest y, the ROC's upper envelope). */
export function interpolate(xs: readonly number[], ys: readonly number[], at: number): number {
  let best: number | undefined;
  for (let i = 0; i < xs.length; i++) if (xs[i] === at) best = Math.max(best ?? -Infinity, ys[i]!);
  if (best !== undefined) return best;
  for (let i = 1; i < xs.length; i++) {
    const x0 = xs[i - 1]!;
    const x1 = xs[i]!;
    if (x0 <= at && at <= x1 && x1 > x0) return ys[i - 1]! + ((ys[i]! - ys[i - 1]!) * (at - x0)) / (x1 - x0);
  }
  return at < (xs[0] ?? 0) ? (ys[0] ?? 0) : (ys[ys.length - 1] ?? 0);
}

const STEPS = 20;

/** ROC: TPR on a uniform FPR grid (linear interpolation), with the chance diagonal. */
export function rocChart(metrics: Metrics): string | undefined {
  const roc = metrics.curves?.roc;
  if (!roc || roc.fpr.length < 2) return undefined;
  const order = roc.fpr.map((_, i) => i).sort((a, b) => roc.fpr[a]! - roc.fpr[b]! || roc.tpr[a]! - roc.tpr[b]!);
  const xs = order.map((i) => roc.fpr[i]!);
  const ys = order.map((i) => roc.tpr[i]!);
  const at = grid(STEPS);
  const auc = metrics.metrics.roc_auc;
  return block([
    `title "ROC curve${typeof auc === 'number' ? ` (AUC ${num(auc)})` : ''}"`,
    `x-axis "False positive rate" [${at.map((x) => `"${num(x)}"`).join(', ')}]`,
    'y-axis "True positive rate" 0 --> 1',
    `line [${at.map((x) => num(interpolate(xs, ys, x))).join(', ')}]`,
    `line [${at.map(num).join(', ')}]`,
  ]);
}

/** PR: interpolated precision (the highest precision at recall ≥ r, as in PASCAL VOC) on a uniform recall grid. */
export function prChart(metrics: Metrics): string | undefined {
  const pr = metrics.curves?.pr;
  if (!pr || pr.recall.length < 2) return undefined;
  const at = grid(STEPS);
  const values = at.map((r) => {
    let best = 0;
    for (let i = 0; i < pr.recall.length; i++) if (pr.recall[i]! >= r - 1e-12) best = Math.max(best, pr.precision[i]!);
    return best;
  });
  const ap = metrics.metrics.pr_auc;
  return block([
    `title "Precision-recall curve${typeof ap === 'number' ? ` (AP ${num(ap)})` : ''}"`,
    `x-axis "Recall" [${at.map((x) => `"${num(x)}"`).join(', ')}]`,
    'y-axis "Precision (interpolated)" 0 --> 1',
    `line [${values.map(num).join(', ')}]`,
  ]);
}

/** Reliability diagram: fraction positive per non-empty bin, and mean predicted (the diagonal) as the second line. */
export function calibrationChart(metrics: Metrics): string | undefined {
  const calibration = metrics.curves?.calibration;
  if (!calibration) return undefined;
  let bins = calibration.mean_predicted.map((_, i) => i).filter((i) => (calibration.count[i] ?? 0) > 0);
  if (bins.length < 2) return undefined;
  if (bins.length > MAX_POINTS) bins = grid(MAX_POINTS - 1).map((t) => bins[Math.round(t * (bins.length - 1))]!);
  return block([
    'title "Calibration (fraction positive vs mean predicted)"',
    `x-axis "Mean predicted probability" [${bins.map((i) => `"${num(calibration.mean_predicted[i]!)}"`).join(', ')}]`,
    'y-axis "Fraction positive" 0 --> 1',
    `line [${bins.map((i) => num(calibration.fraction_positive[i]!)).join(', ')}]`,
    `line [${bins.map((i) => num(calibration.mean_predicted[i]!)).join(', ')}]`,
  ]);
}

/** F1 per class as bars, the `max` largest classes by support (default 30). */
export function perClassChart(metrics: Metrics, max = 30): { chart: string; shown: number; total: number } | undefined {
  const rows = (metrics.per_class ?? []).filter((row) => typeof row.f1 === 'number');
  if (rows.length === 0) return undefined;
  const limit = Math.min(max, MAX_POINTS);
  const shown = rows.length > limit ? [...rows].sort((a, b) => b.support - a.support).slice(0, limit) : rows;
  const chart = block([
    'title "F1 per class"',
    `x-axis [${shown.map((row) => chartLabel(row.label)).join(', ')}]`,
    'y-axis "F1" 0 --> 1',
    `bar [${shown.map((row) => num(row.f1!)).join(', ')}]`,
  ]);
  return { chart, shown: shown.length, total: rows.length };
}

/** All charts that apply, each under a heading, with notes on resampling and limits. */
export function renderCharts(metrics: Metrics): string {
  const parts: string[] = [];
  const roc = rocChart(metrics);
  if (roc) parts.push('#### ROC curve', '', roc, '', `True positive rate at ${STEPS + 1} evenly spaced false positive rates (linear interpolation); the second line is chance.`, '');
  const pr = prChart(metrics);
  if (pr) parts.push('#### Precision-recall curve', '', pr, '', `Interpolated precision (the highest precision at recall ≥ r) at ${STEPS + 1} recall levels.`, '');
  const calibration = calibrationChart(metrics);
  if (calibration) parts.push('#### Calibration', '', calibration, '', 'Non-empty bins only; the second line is perfect calibration.', '');
  const perClass = perClassChart(metrics);
  if (perClass) {
    parts.push('#### F1 per class', '', perClass.chart, '');
    if (perClass.shown < perClass.total) parts.push(`Showing ${perClass.shown} of ${perClass.total} classes (the largest by support); all are in metrics.json.`, '');
    const renamed = (metrics.per_class ?? []).filter((row) => chartLabel(row.label) !== `"${row.label}"`).slice(0, 10);
    if (renamed.length > 0) parts.push(`Labels shortened or with characters replaced by \`?\` in the chart: ${renamed.map((row) => codeCell(row.label)).join(', ')}.`, '');
  }
  return parts.join('\n');
}
