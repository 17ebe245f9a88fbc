/**
 * Value kinds: what one cell looks like. A column's type is the narrowest kind covering all its
 * present values (int ⊂ float; bool, timestamp and string stand alone; any other mix is string).
 *
 * Strings (every CSV cell, JSONL/Parquet string cells) are classified by hand-written scanners
 * rather than regular expressions; the profiler calls this once per *distinct* value of a
 * low-cardinality column and once per cell only for values outside its exact table.
 *
 * - int: `[+-]?[0-9]+` (value exact up to 15 digits, else `Number()`'s rounding).
 * - float: `[+-]?(digits[.digits*]|.digits)([eE][+-]?digits)?`, and `nan`, `inf`, `infinity` in
 *   any case with an optional sign (NaN and ±Infinity are counted, not averaged). The value is
 *   `Number()`'s, the nearest double; up to 15 digits (leading zeros count) and a power of ten
 *   within ±22 it is computed from the digits read (see `decimal`), which gives that same double.
 * - bool: `true`, `false`, `True`, `False`, `TRUE`, `FALSE` (not 0/1: those are ints).
 * - timestamp: ISO 8601 calendar dates `YYYY-MM-DD`, optionally followed by `T`/space and
 *   `HH:MM[:SS[.fraction]]` and `Z` or an offset `±HH[:MM]`; a time without offset is taken
 *   as UTC. The numeric value is milliseconds since the Unix epoch.
 * - string: anything else (including surrounding spaces, hex, `1_000`).
 *
 * Typed cells: numbers are int when `Number.isInteger`, else float; bigint is int (converted
 * to the nearest double); booleans are bool. A value's *key* — what distinct counts and top
 * values are about — is the parsed number for int/float (so `1`, `01` and `1.0` are one value,
 * as in pandas' numeric columns), the boolean for bool, and the text itself for timestamps and
 * strings. In a column of type string every text is its own value (`textKeyOf`: `02134`, `2134`
 * and `2134.0` are three, as in a pandas object column).
 */
import type { Cell } from '../table.js';

export const INT = 0;
export const FLOAT = 1;
export const BOOL = 2;
export const TIMESTAMP = 3;
export const STRING = 4;
export const KIND_COUNT = 5;
export const KIND_NAMES = ['int', 'float', 'bool', 'timestamp', 'string'] as const;
export type TypeName = (typeof KIND_NAMES)[number];

/** A normalized value: what distinct counting, top values and exact tables are keyed by. */
export type Key = number | boolean | string;

/** Numeric value of the last classified cell (int/float value, bool 0/1, timestamp epoch ms, else NaN). */
export const parsed = new Float64Array(1);

/** True for kinds with numeric statistics. */
export function isNumericKind(kind: number): boolean {
  return kind === INT || kind === FLOAT || kind === TIMESTAMP;
}

/** Kind of any cell but null; the numeric value goes to `parsed[0]`. */
export function classifyCell(value: Exclude<Cell, null>): number {
  switch (typeof value) {
    case 'string':
      return classifyString(value);
    case 'number':
      parsed[0] = value;
      return Number.isInteger(value) ? INT : FLOAT;
    case 'boolean':
      parsed[0] = value ? 1 : 0;
      return BOOL;
    default:
      parsed[0] = Number(value);
      return INT;
  }
}

/** The key of a classified cell (call right after `classifyCell`/`classifyString`). */
export function keyOf(value: Exclude<Cell, null>, kind: number): Key {
  if (kind === INT || kind === FLOAT) {
    const n = parsed[0]!;
    return n === 0 ? 0 : n; // -0 and 0 are one value
  }
  if (kind === BOOL) return parsed[0] === 1;
  return typeof value === 'string' ? value : String(value);
}

/**
 * The key of a classified cell (as `keyOf`) in a column of type string: a text is its own value.
 * A text that is its number's or boolean's own text (`keyText`: `2134`, `true`) keeps that key:
 * a column whose first word comes after its sketches began keeps counting those texts with the
 * same values, under the same hashes.
 */
export function textKeyOf(value: Exclude<Cell, null>, kind: number): Key {
  const key = keyOf(value, kind);
  return typeof key === 'string' || typeof value !== 'string' || keyText(key) === value ? key : value;
}

/** Whether kinds seen (bit `1 << kind` each) make a column of type string, keyed by `textKeyOf`. */
export function isTextMask(mask: number): boolean {
  return mask !== 0 && typeOfMask(mask) === 'string';
}

/** Text of a key, such that classifying it gives the key back (integers never in exponent form). */
export function keyText(key: Key): string {
  if (typeof key === 'number') return Number.isInteger(key) && Math.abs(key) >= 1e21 ? BigInt(key).toString() : String(key);
  return typeof key === 'boolean' ? (key ? 'true' : 'false') : key;
}

/**
 * The key a text of profile.json stands for (inverse of `keyText`). Numeric and bool columns only
 * write their keys' own texts, which `textKeyOf` reads as `keyOf` does; other texts are a string
 * column's.
 */
export function keyOfText(text: string): Key {
  return textKeyOf(text, classifyString(text));
}

/** Length of a cell as text (UTF-16 code units), for `avg_length`. */
export function textLength(value: Exclude<Cell, null>): number {
  return typeof value === 'string' ? value.length : String(value).length;
}

const ZERO = 48;
const NINE = 57;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;
/** 10^0 … 10^22: every one a double exactly (10^23 is not). */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

export function classifyString(s: string): number {
  const len = s.length;
  if (len === 0) return STRING;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === PLUS || c === MINUS) {
    if (len === 1) return STRING;
    i = 1;
    c = s.charCodeAt(1);
  }
  if (isDigit(c)) {
    // Digits: int unless a '.', an exponent or a date follows.
    let value = 0;
    let j = i;
    while (j < len && isDigit((c = s.charCodeAt(j)))) {
      value = value * 10 + (c - ZERO);
      j += 1;
    }
    if (j === len) {
      parsed[0] = j - i <= 15 ? (s.charCodeAt(0) === MINUS ? -value : value) : Number(s);
      return INT;
    }
    if (c === MINUS && i === 0 && j === 4) return timestamp(s);
    return decimal(s, j, value);
  }
  if (c === DOT) return decimal(s, i, 0);
  if (c === 110 || c === 78 || c === 105 || c === 73) return special(s, i); // n N i I
  if (len <= 5) {
    if (s === 'true' || s === 'True' || s === 'TRUE') {
      parsed[0] = 1;
      return BOOL;
    }
    if (s === 'false' || s === 'False' || s === 'FALSE') {
      parsed[0] = 0;
      return BOOL;
    }
  }
  return STRING;
}

/**
 * After an optional sign and digits (possibly none) up to `j`, whose value is `mantissa`:
 * `.digits*` and/or an exponent.
 *
 * The value is the double nearest to the decimal, as `Number()` gives it, but computed without it
 * when it can be exact (Clinger's fast path): with at most 15 digits the digits' integer is exact
 * (< 2^53), 10^k is exact for k ≤ 22, and one IEEE division or product of two exact doubles is
 * the correctly rounded result. `Number()` itself costs about three times as much, and a float
 * column parses every cell. Anything longer or further out goes to `Number()`.
 */
function decimal(s: string, j: number, mantissa: number): number {
  const len = s.length;
  const first = s.charCodeAt(0);
  let digits = j - (first === PLUS || first === MINUS ? 1 : 0);
  let fraction = 0;
  let c = s.charCodeAt(j);
  if (c === DOT) {
    j += 1;
    while (j < len && isDigit((c = s.charCodeAt(j)))) {
      mantissa = mantissa * 10 + (c - ZERO);
      fraction += 1;
      j += 1;
    }
    digits += fraction;
    if (digits === 0) return STRING;
    if (j === len) {
      parsed[0] = digits <= 15 ? signed(first, mantissa / POWERS_OF_TEN[fraction]!) : Number(s);
      return FLOAT;
    }
  }
  if (digits === 0 || (c !== 101 && c !== 69)) return STRING; // e E
  j += 1;
  c = s.charCodeAt(j);
  const exponentSign = c === MINUS ? -1 : 1;
  if (c === PLUS || c === MINUS) j += 1;
  const exponentStart = j;
  let exponent = 0;
  while (j < len && isDigit((c = s.charCodeAt(j)))) {
    exponent = exponent * 10 + (c - ZERO);
    j += 1;
  }
  if (j === exponentStart || j !== len) return STRING;
  // A long exponent's value may be inexact (or Infinity), but then it is far outside ±22.
  const scale = exponentSign * exponent - fraction;
  parsed[0] = digits <= 15 && scale >= -22 && scale <= 22 ? signed(first, scale < 0 ? mantissa / POWERS_OF_TEN[-scale]! : mantissa * POWERS_OF_TEN[scale]!) : Number(s);
  return FLOAT;
}

/** `magnitude` with the sign of a text starting with `first` (`-0` stays negative zero, as `Number('-0.0')`). */
function signed(first: number, magnitude: number): number {
  return first === MINUS ? -magnitude : magnitude;
}

function special(s: string, i: number): number {
  if (s.length - i > 8) return STRING;
  const word = s.slice(i).toLowerCase();
  if (word === 'nan') {
    parsed[0] = Number.NaN;
    return FLOAT;
  }
  if (word === 'inf' || word === 'infinity') {
    parsed[0] = s.charCodeAt(0) === MINUS ? -Infinity : Infinity;
    return FLOAT;
  }
  return STRING;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MS_PER_DAY = 86_400_000;

function twoDigits(s: string, at: number): number {
  const a = s.charCodeAt(at) - ZERO;
  const b = s.charCodeAt(at + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** `YYYY-` already seen (4 digits then '-'). */
function timestamp(s: string): number {
  const len = s.length;
  if (len < 10 || s.charCodeAt(7) !== MINUS) return STRING;
  const year = twoDigits(s, 0) * 100 + twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  if (month < 1 || month > 12 || day < 1) return STRING;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return STRING;
  let ms = daysFromCivil(year, month, day) * MS_PER_DAY;
  if (len === 10) {
    parsed[0] = ms;
    return TIMESTAMP;
  }
  const sep = s.charCodeAt(10);
  if ((sep !== 84 && sep !== 116 && sep !== 32) || len < 16 || s.charCodeAt(13) !== 58) return STRING; // T t ' ' ':'
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return STRING;
  ms += hour * 3_600_000 + minute * 60_000;
  let j = 16;
  if (j < len && s.charCodeAt(j) === 58) {
    const second = twoDigits(s, j + 1);
    if (second < 0 || second > 59) return STRING;
    ms += second * 1000;
    j += 3;
    if (j < len && (s.charCodeAt(j) === DOT || s.charCodeAt(j) === 44)) {
      const from = j + 1;
      j = from;
      while (j < len && isDigit(s.charCodeAt(j))) j += 1;
      if (j === from || j - from > 9) return STRING;
      let fraction = 0;
      for (let d = from; d < j; d += 1) fraction = fraction * 10 + (s.charCodeAt(d) - ZERO);
      ms += (fraction * 1000) / 10 ** (j - from);
    }
  }
  if (j < len) {
    const c = s.charCodeAt(j);
    if ((c === 90 || c === 122) && j + 1 === len) j += 1; // Z z
    else if (c === PLUS || c === MINUS) {
      const oh = twoDigits(s, j + 1);
      let om = 0;
      let end = j + 3;
      if (end < len) {
        if (s.charCodeAt(end) === 58) end += 1;
        om = twoDigits(s, end);
        end += 2;
      }
      if (oh < 0 || oh > 23 || om < 0 || om > 59 || end !== len) return STRING;
      const offset = (oh * 60 + om) * 60_000;
      ms += c === PLUS ? -offset : offset;
      j = len;
    }
  }
  if (j !== len) return STRING;
  parsed[0] = ms;
  return TIMESTAMP;
}

/**
 * The value of a decimal number in the grammar above (`12`, `-1.5`, `.5e3`, `nan`, `inf`), or
 * undefined for any other text: `Number()` would also take hex (`0x10`), binary (`0b1`) and
 * `Infinity`. NaN and ±Infinity are returned as such; callers decide whether they may pass.
 */
export function decimalValue(text: string): number | undefined {
  const kind = classifyString(text);
  return kind === INT || kind === FLOAT ? parsed[0]! : undefined;
}

/**
 * Epoch milliseconds of a timestamp in the grammar above (a time without offset is UTC), else NaN:
 * what validation reads, so a value is a timestamp there exactly when the profiler counts it as one.
 */
export function timestampValue(text: string): number {
  return classifyString(text) === TIMESTAMP ? parsed[0]! : Number.NaN;
}

/** A column's type from the kinds seen (bit `1 << kind` per kind present). */
export function typeOfMask(mask: number): TypeName {
  if (mask === 0) return 'string';
  if ((mask & ~((1 << INT) | (1 << FLOAT))) === 0) return mask & (1 << FLOAT) ? 'float' : 'int';
  if (mask === 1 << BOOL) return 'bool';
  if (mask === 1 << TIMESTAMP) return 'timestamp';
  return 'string';
}

export function kindOfType(type: TypeName): number {
  return KIND_NAMES.indexOf(type);
}
