/**
 * Cutting Markdown to fit GitHub's size limits (65 536 characters for a comment body, 65 535
 * for a check run summary or text, 125 000 for release notes, 1 MiB for a step's job summary)
 * while keeping it readable: the cut lands on a line boundary when one is near, never inside a
 * surrogate pair, an open ``` fence is closed, and a visible notice says what happened.
 */
import { formatCount } from '@modelgate/core';

/** Maximum length of an issue / pull request comment body. */
export const COMMENT_BODY_LIMIT = 65_536;
/** Maximum length of a check run `output.summary` and `output.text`. */
export const CHECK_OUTPUT_LIMIT = 65_535;
/** Maximum length of a release body. */
export const RELEASE_BODY_LIMIT = 125_000;
/** GitHub refuses (and does not show) a step's job summary over 1 MiB of UTF-8. */
export const JOB_SUMMARY_LIMIT_BYTES = 1024 * 1024;

/** The notice's default last sentence: where readers find what was cut. */
const FULL_REPORT_IN_SUMMARY = "The workflow run's job summary and artifacts have the full report.";

export interface TruncateOptions {
  /** The limit the notice names, when `limit` is what is left of it after a prefix. */
  statedLimit?: number;
  /** The notice's last sentence, saying where the whole text is. Default `FULL_REPORT_IN_SUMMARY`. */
  fullTextAt?: string;
}

export function truncationNotice(
  originalSize: number,
  limit: number,
  fullTextAt = FULL_REPORT_IN_SUMMARY,
  unit: 'characters' | 'bytes' = 'characters',
): string {
  return (
    `> [!WARNING]\n> Truncated: this text is ${formatCount(originalSize)} ${unit}, ` +
    `over GitHub's limit of ${formatCount(limit)}. ${fullTextAt}`
  );
}

const FENCE_CLOSE = '\n```';

/**
 * Returns `text` unchanged when it fits; otherwise the longest readable prefix followed by a
 * notice, `limit` characters at most (JavaScript string length, which is what GitHub counts).
 */
export function truncateMarkdown(text: string, limit: number, options: TruncateOptions = {}): { text: string; truncated: boolean } {
  if (text.length <= limit) return { text, truncated: false };
  const notice = `\n\n${truncationNotice(text.length, options.statedLimit ?? limit, options.fullTextAt)}\n`;
  const budget = limit - notice.length - FENCE_CLOSE.length;
  if (budget <= 0) throw new Error(`limit ${limit} leaves no room for the truncation notice`);
  return { text: readablePrefix(text, budget) + notice, truncated: true };
}

/** `truncateMarkdown` for a limit in UTF-8 bytes (the job summary's). */
export function truncateMarkdownBytes(text: string, maxBytes: number, options: TruncateOptions = {}): { text: string; truncated: boolean } {
  const size = Buffer.byteLength(text);
  if (size <= maxBytes) return { text, truncated: false };
  const notice = `\n\n${truncationNotice(size, options.statedLimit ?? maxBytes, options.fullTextAt, 'bytes')}\n`;
  const budget = maxBytes - Buffer.byteLength(notice) - FENCE_CLOSE.length;
  if (budget <= 0) throw new Error(`limit ${maxBytes} leaves no room for the truncation notice`);
  return { text: readablePrefix(text, charactersWithin(text, budget)) + notice, truncated: true };
}

/** How many UTF-16 units of `text`, from its start, take at most `bytes` bytes in UTF-8. */
function charactersWithin(text: string, bytes: number): number {
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // A surrogate pair is 4 bytes: 2 per unit.
    used += code < 0x80 ? 1 : code < 0x800 ? 2 : code >= 0xd800 && code <= 0xdfff ? 2 : 3;
    if (used > bytes) return i;
  }
  return text.length;
}

/** At most `budget` characters of `text` plus a fence close if needed: cut at a nearby line end, never inside a surrogate pair. */
function readablePrefix(text: string, budget: number): string {
  let cut = budget;
  // Do not split a UTF-16 surrogate pair.
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  // Prefer a line boundary if one is within the last 2 000 characters.
  const newline = text.lastIndexOf('\n', cut);
  if (newline > 0 && cut - newline < 2_000) cut = newline;
  let head = text.slice(0, cut);
  const fences = head.match(/^\s{0,3}(```|~~~)/gm)?.length ?? 0;
  if (fences % 2 === 1) head += FENCE_CLOSE;
  return head;
}
