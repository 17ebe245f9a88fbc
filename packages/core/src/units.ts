import { ConfigurationError, type SourceLocation } from './errors.js';

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

// Case spelled out rather than the `i` flag: JSON Schema patterns (editors validating modelgate.yml) have no flags.
export const BYTE_SIZE_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT][iI]?[bB]|[bB])?\s*$/;
export const PERCENT_PATTERN = /^\s*(-?\d+(?:\.\d+)?)\s*%\s*$/;

/**
 * `50MB` → 50_000_000, `1.5GiB` → 1_610_612_736, `1024` → 1024. SI units are powers of ten
 * and IEC units powers of two, as on disk-usage tools; a bare number is bytes.
 */
export function parseByteSize(text: string | number, where?: SourceLocation): number {
  const field = where?.field ? `${where.field}: ` : '';
  if (typeof text === 'number') {
    if (Number.isFinite(text) && text >= 0) return Math.floor(text);
    throw new ConfigurationError(`${field}expected a size in bytes, got ${text}`, where);
  }
  const match = BYTE_SIZE_PATTERN.exec(text);
  if (!match) throw new ConfigurationError(`${field}expected a size like 50MB, 1.5GiB or 1024, got '${text}'`, where);
  const unit = BYTE_UNITS[(match[2] ?? 'b').toLowerCase()] ?? 1;
  return Math.floor(Number(match[1]) * unit);
}

/** `10%` → 0.1 */
export function parsePercent(text: string | number, where?: SourceLocation): number {
  if (typeof text === 'number') return text / 100;
  const match = PERCENT_PATTERN.exec(text);
  if (!match) throw new ConfigurationError(`${where?.field ? `${where.field}: ` : ''}expected a percentage like 10%, got '${text}'`, where);
  return Number(match[1]) / 100;
}

/** 1536 → `1.5 KiB`: human output uses IEC units so numbers match `ls -lh`. */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  if (value < 1024) return `${sign}${value} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${sign}${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${units[unit]}`;
}

/**
 * 1234567 → `1,234,567`, as `toLocaleString('en-US')` writes an integer, without it: its first call
 * loads ICU's number formats, 7-15 ms on the job's one run (most of rendering a data summary).
 * Anything but a safe integer (and -0) still goes through `toLocaleString`.
 */
export function formatCount(value: number): string {
  if (!Number.isSafeInteger(value) || Object.is(value, -0)) return value.toLocaleString('en-US');
  const digits = String(Math.abs(value));
  const head = digits.length % 3 || 3;
  let text = digits.slice(0, head);
  for (let at = head; at < digits.length; at += 3) text += `,${digits.slice(at, at + 3)}`;
  return value < 0 ? `-${text}` : text;
}
