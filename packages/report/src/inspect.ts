import { markdownTable } from 'markdown-table';
import { codeCell, escapeMarkdownText, formatBytes, formatCount, markdownCode, type InspectFile } from '@modelgate/core';
import type { z } from 'zod';

type Inspect = z.output<typeof InspectFile>;

const mark = (passed: boolean): string => (passed ? '✅' : '❌');
const signed = (value: number, format: (n: number) => string): string => (value > 0 ? `+${format(value)}` : value < 0 ? `−${format(-value)}` : '±0');
const percent = (fraction: number | null): string => (fraction === null ? '' : `${fraction > 0 ? '+' : fraction < 0 ? '−' : '±'}${Math.abs(fraction * 100).toFixed(1)}%`);
// Domains, dtypes and symbolic dimension names are free text in the model (a PR's, or an artifact's in publish mode): code spans only.
const opsetsCell = (opsets: Inspect['opsets']): string => opsets.map((opset) => codeCell(`${opset.domain} ${opset.version}`)).join(', ');
const signature = (values: Inspect['inputs']): string =>
  values.map((value) => markdownCode(`${value.name}: ${value.dtype}[${(value.shape ?? ['?']).map((dim) => (dim === null ? '?' : String(dim))).join(', ')}]`)).join(', ');

/** Markdown for the job summary / PR comment: size, parameters, operators, budgets, diff vs base. */
export function renderInspectSummary(inspect: Inspect): string {
  const failed = inspect.budgets.filter((budget) => !budget.passed);
  // A skipped budget (growth without a base) passes the step, but was not checked.
  const skipped = inspect.budgets.filter((budget) => budget.passed && budget.skipped).length;
  const lines: string[] = [];
  lines.push(`### ${mark(inspect.passed)} ONNX model ${markdownCode(inspect.model.path)}`, '');
  lines.push(
    inspect.budgets.length === 0
      ? 'No size budgets configured.'
      : `${inspect.budgets.length - failed.length - skipped} of ${inspect.budgets.length} budgets passed${skipped ? `, ${skipped} skipped (nothing to compare with)` : ''}.`,
    '',
  );
  const base = inspect.base;
  const figure = (name: string, head: string, baseValue?: string, delta?: string) => (base ? [name, baseValue ?? '', head, delta ?? ''] : [name, head]);
  const rows: string[][] = [
    base ? ['', 'base', 'head', 'Δ'] : ['', 'value'],
    figure('size', formatBytes(inspect.bytes.total), base && formatBytes(base.bytes.total), base && `${signed(inspect.bytes.total - base.bytes.total, formatBytes)} (${percent(base.bytes.total ? (inspect.bytes.total - base.bytes.total) / base.bytes.total : null)})`),
    figure('parameters', formatCount(inspect.parameters), base && formatCount(base.parameters), base && signed(inspect.parameters - base.parameters, formatCount)),
    figure('nodes', String(inspect.nodes), base && String(base.nodes), base && signed(inspect.nodes - base.nodes, String)),
    figure('opsets', opsetsCell(inspect.opsets), base && opsetsCell(base.opsets)),
    figure('IR version', String(inspect.ir_version), base && String(base.ir_version)),
  ];
  if (inspect.bytes.external > 0) rows.splice(2, 0, figure('external data', formatBytes(inspect.bytes.external), base && formatBytes(base.bytes.external)));
  lines.push(markdownTable(rows), '');
  if (inspect.ops_added?.length || inspect.ops_removed?.length) {
    lines.push(`Operators added: ${(inspect.ops_added ?? []).map((op) => markdownCode(op)).join(', ') || 'none'}; removed: ${(inspect.ops_removed ?? []).map((op) => markdownCode(op)).join(', ') || 'none'}.`, '');
  }
  if (inspect.budgets.length > 0) {
    lines.push(markdownTable([['budget', 'limit', 'result', ''], ...inspect.budgets.map((budget) => [budget.name, escapeMarkdownText(String(budget.limit)), escapeMarkdownText(budget.message), budget.skipped ? '⚠️' : mark(budget.passed)])]), '');
  }
  lines.push(`Inputs: ${signature(inspect.inputs) || 'none'}  `, `Outputs: ${signature(inspect.outputs) || 'none'}`, '');
  return lines.join('\n');
}
