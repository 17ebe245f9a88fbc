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
    .replace(/\r?\n/g, ' ');
}
