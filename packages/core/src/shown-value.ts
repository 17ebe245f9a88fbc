/** Longest value a message quotes: a 10 MB field is not echoed whole, in every annotation and artifact. */
const SHOWN_CHARS = 120;

/** A data value as messages and samples show it: its first 120 characters (UTF-16 units), then its length, when longer. */
export function shownValue(value: unknown): string {
  const text = String(value);
  if (text.length <= SHOWN_CHARS) return text;
  // Not between the two halves of a surrogate pair.
  const high = text.charCodeAt(SHOWN_CHARS - 1);
  const cut = high >= 0xd800 && high <= 0xdbff ? SHOWN_CHARS - 1 : SHOWN_CHARS;
  return `${text.slice(0, cut)}… (${text.length} characters)`;
}
