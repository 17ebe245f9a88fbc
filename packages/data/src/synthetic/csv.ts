/**
 * Minimal RFC 4180 field writer. Quotes only when needed (comma, double
 * quote, CR or LF, or leading/trailing space that readers might trim), and
 * doubles embedded quotes. Plain values pass through unchanged, so the common
 * path allocates nothing.
 */
const NEEDS_QUOTING = /[",\r\n]|^ | $/;

export function csvField(value: string): string {
  if (!NEEDS_QUOTING.test(value)) return value;
  return `"${value.replace(/"/g, '""')}"`;
}

/** Join already-unescaped values into one CSV record (no line terminator). */
export function csvRecord(values: readonly string[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    out += csvField(values[i]!);
  }
  return out;
}
