/**
 * Cutting Markdown to fit GitHub's size limits (65 536 characters for a comment body, 65 535
 * for a check run summary or text, 125 000 for release notes) while keeping it readable: the cut lands on a line
 * boundary when one is near, never inside a surrogate pair, an open ``` fence is closed, and
 * a visible notice says what happened.
 */
import { formatCount } from '@modelgate/core';

/** Maximum length of an issue / pull request comment body. */
export const COMMENT_BODY_LIMIT = 65_536;
/** Maximum length of a check run `output.summary` and `output.text`. */
export const CHECK_OUTPUT_LIMIT = 65_535;
/** Maximum length of a release body. */
export const RELEASE_BODY_LIMIT = 125_000;

export function truncationNotice(originalLength: number, limit: number): string {
  return (
    `> [!WARNING]\n> Truncated: this text is ${formatCount(originalLength)} characters, ` +
    `over GitHub's limit of ${formatCount(limit)}. The workflow run's job summary and artifacts have the full report.`
  );
}

/**
 * Returns `text` unchanged when it fits; otherwise the longest readable prefix followed by a
 * notice, `limit` characters at most (JavaScript string length, which is what GitHub counts).
 */
export function truncateMarkdown(
  text: string,
  limit: number,
  /** The limit the notice names, when `limit` is what is left of it after a prefix. */
  statedLimit = limit,
): { text: string; truncated: boolean } {
  if (text.length <= limit) return { text, truncated: false };
  const notice = `\n\n${truncationNotice(text.length, statedLimit)}\n`;
  const fenceClose = '\n```';
  const budget = limit - notice.length - fenceClose.length;
  if (budget <= 0) throw new Error(`limit ${limit} leaves no room for the truncation notice`);
  let cut = budget;
  // Do not split a UTF-16 surrogate pair.
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  // Prefer a line boundary if one is within the last 2 000 characters.
  const newline = text.lastIndexOf('\n', cut);
  if (newline > 0 && cut - newline < 2_000) cut = newline;
  let head = text.slice(0, cut);
  const fences = head.match(/^\s{0,3}(```|~~~)/gm)?.length ?? 0;
  if (fences % 2 === 1) head += fenceClose;
  return { text: head + notice, truncated: true };
}
