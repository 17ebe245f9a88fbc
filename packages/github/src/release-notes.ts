import { codeCell, escapeMarkdownText } from '@modelgate/core';

export interface ReleaseNotesInput {
  /** e.g. `income 1.2.0`. */
  title: string;
  /** The model card's overview as plain text (see the report package's cardSummary); escaped here. */
  summary?: string | undefined;
  /** Why the version was bumped (it quotes column names and domain values of the schema); escaped here. */
  bump?: string | undefined;
  metrics?: Record<string, number> | undefined;
  previous?: { version: string; metrics?: Record<string, number> | undefined } | undefined;
}

const fmt = (value: number | undefined) => (value === undefined ? '–' : Number.isInteger(value) ? String(value) : value.toPrecision(4).replace(/0+$/, '').replace(/\.$/, ''));

/**
 * Release notes: the card summary and a metric table with the change against the previous version.
 * GitHub renders them as markdown with @mentions and #references, and every string in them comes from
 * files a pull request can change, so all of it is escaped.
 */
export function renderReleaseNotes(input: ReleaseNotesInput): string {
  const parts = [`## ${escapeMarkdownText(input.title)}`];
  if (input.summary) parts.push(escapeMarkdownText(input.summary));
  if (input.bump) parts.push(`**Version bump:** ${escapeMarkdownText(input.bump)}`);
  const current = input.metrics ?? {};
  const before = input.previous?.metrics;
  const previousVersion = escapeMarkdownText(input.previous?.version ?? '');
  const names = [...new Set([...Object.keys(current), ...Object.keys(before ?? {})])].sort();
  if (names.length > 0) {
    const header = before ? `| metric | ${previousVersion} | this release | change |\n|---|---:|---:|---:|` : '| metric | value |\n|---|---:|';
    const rows = names.map((name) => {
      const now = current[name];
      if (!before) return `| ${codeCell(name)} | ${fmt(now)} |`;
      const then = before[name];
      const change = now !== undefined && then !== undefined ? `${now - then >= 0 ? '+' : ''}${fmt(now - then)}` : now === undefined ? 'removed' : 'new';
      return `| ${codeCell(name)} | ${fmt(then)} | ${fmt(now)} | ${change} |`;
    });
    parts.push(`### Metrics\n\n${header}\n${rows.join('\n')}`);
  } else if (input.previous) parts.push(`Previous version: ${previousVersion}.`);
  return `${parts.join('\n\n')}\n`;
}
