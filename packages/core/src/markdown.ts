/**
 * Escaping for user- and PR-controlled text placed in GitHub markdown (summaries, comments).
 * Backslash escapes neutralise emphasis, links, tables and headings; HTML-significant
 * characters become entities; `@` gets a zero-width joiner so it cannot mention anyone, and
 * `#` is escaped so `#123` cannot link an issue.
 */
export function escapeMarkdownText(text: string): string {
  return text
    .replace(/[\\`*_{}[\]()#+\-.!|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '@\u2060')
    .replace(LINE_ENDING, ' ');
}

/** CommonMark's line endings: a lone `\r` ends a line too, and would start a heading or HTML block. */
const LINE_ENDING = /\r\n?|\n/g;

/**
 * Arbitrary text as an inline code span: nothing inside is interpreted (no HTML, links or
 * mentions), so this is the safe way to show names and paths. The fence is longer than any
 * backtick run in the text, as CommonMark requires.
 */
export function markdownCode(text: string): string {
  const flat = text.replace(LINE_ENDING, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * A name (metric, label, column, file, gate) as a code span that is safe inside a GFM table row:
 * a code span does not protect `|` from the table parser, so it is backslash-escaped (GFM
 * renders `\|` in a cell as `|`, code spans included).
 */
export function codeCell(text: string): string {
  return markdownCode(text).replace(/\|/g, '\\|');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };

/**
 * Markdown text as a reader sees it: backslash escapes and the entities escapeMarkdownText writes
 * resolved, its mention guards dropped. Text already escaped (a rendered model card) can then be
 * escaped again without showing backslashes.
 */
export function unescapeMarkdownText(markdown: string): string {
  return markdown.replace(/\\([!-/:-@[-`{-~])|&(amp|lt|gt|quot|#39);|@\u2060/g, (_match, escaped: string | undefined, entity: string | undefined) =>
    escaped ?? (entity !== undefined ? ENTITIES[entity]! : '@'),
  );
}
