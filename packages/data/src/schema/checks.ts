/**
 * What a schema column allows, as a check of one raw cell: its type, then its domain. Values are
 * read as the profiler reads them (classify.ts), here also with spaces around them, so data that
 * inference saw validates against what it wrote.
 */
import type { z } from 'zod';
import { InputDataError, shownValue, type Anomaly, type ColumnSchema } from '@modelgate/core';
import { decimalValue, timestampValue } from '../profile/classify.js';
import type { Cell } from '../table.js';

type Column = z.output<typeof ColumnSchema>;

/** Why a cell fails; `undefined` = fine. Cached per distinct string (and per code), since values repeat. */
export type Verdict = undefined | { kind: z.output<typeof Anomaly>['kind']; reason: string };

const INTEGER = /^[+-]?\d+$/;

/** Digits an integer text may have for Number() to read it exactly (2^53 has 16). */
const MAX_EXACT_DIGITS = 15;

/** The check for one column: type, then domain, as a function of the raw cell. */
export function checker(column: Column): (cell: Cell) => Verdict {
  const { domain } = column;
  const min = typeof domain?.min === 'number' ? domain.min : undefined;
  const max = typeof domain?.max === 'number' ? domain.max : undefined;
  // A BigInt (an integer Number() cannot hold exactly) compares with a bound by their exact values;
  // its reason shows the cell's text, not a rounded double.
  const range = (value: number | bigint, shown?: string): Verdict =>
    min !== undefined && value < min ? { kind: 'out_of_range', reason: `${shown ?? value} below min ${min}` } : max !== undefined && value > max ? { kind: 'out_of_range', reason: `${shown ?? value} above max ${max}` } : undefined;
  switch (column.type) {
    case 'int':
      return (cell) => {
        const text = typeof cell === 'string' ? cell.trim() : cell;
        if (typeof text === 'number' ? !Number.isInteger(text) : typeof text === 'string' ? !INTEGER.test(text) : typeof text !== 'bigint') return { kind: 'type_mismatch', reason: `'${shownValue(cell)}' is not an integer` };
        // Up to 15 digits Number() is exact; beyond, 2^53 + 1 would round onto a bound of 2^53.
        if (typeof text === 'bigint') return range(text);
        if (typeof text === 'string' && text.length - (text[0] === '+' || text[0] === '-' ? 1 : 0) > MAX_EXACT_DIGITS) return range(BigInt(text), shownValue(text));
        return range(Number(text));
      };
    case 'float':
      return (cell) => {
        const value = typeof cell === 'number' ? cell : typeof cell === 'string' ? parseFloatStrict(cell) : typeof cell === 'bigint' ? Number(cell) : Number.NaN;
        if (typeof cell === 'boolean' || (Number.isNaN(value) && !/^[+-]?nan$/i.test(String(cell).trim()))) return { kind: 'type_mismatch', reason: `'${shownValue(cell)}' is not a number` };
        if (Number.isNaN(value)) return domain?.allow_nan ? undefined : { kind: 'nan_value', reason: 'NaN' };
        if (!Number.isFinite(value)) return domain?.allow_inf ? undefined : { kind: 'inf_value', reason: String(value) };
        return range(value);
      };
    case 'bool': {
      // Inference writes the domain as the profiler's keys, 'true' and 'false'; a cell is compared by its key.
      const values = column.values ? new Set(column.values.map((value) => value.trim().toLowerCase())) : undefined;
      return (cell) => {
        const key = typeof cell === 'boolean' ? String(cell) : typeof cell === 'string' ? cell.trim().toLowerCase() : undefined;
        if (key !== 'true' && key !== 'false') return { kind: 'type_mismatch', reason: `'${shownValue(cell)}' is not true or false` };
        return values && !values.has(key) ? { kind: 'unexpected_string_value', reason: `'${shownValue(cell)}' not in the ${values.size} known values` } : undefined;
      };
    }
    case 'timestamp': {
      // The profiler's ISO 8601 reading (no offset = UTC), not Date.parse: that reads a time without
      // offset in the machine's zone, and takes '1' or 'March 2 2024' for dates.
      const from = timestampBound(column, 'min');
      const to = timestampBound(column, 'max');
      return (cell) => {
        const time = typeof cell === 'string' ? parseTimestampStrict(cell) : Number.NaN;
        if (Number.isNaN(time)) return { kind: 'type_mismatch', reason: `'${shownValue(cell)}' is not a timestamp` };
        if (from !== undefined && time < from) return { kind: 'out_of_range', reason: `${shownValue(cell)} before ${String(domain?.min)}` };
        if (to !== undefined && time > to) return { kind: 'out_of_range', reason: `${shownValue(cell)} after ${String(domain?.max)}` };
        return undefined;
      };
    }
    case 'string': {
      const values = column.values ? new Set(column.values) : undefined;
      return (cell) => (values && !values.has(String(cell)) ? { kind: 'unexpected_string_value', reason: `'${shownValue(cell)}' not in the ${values.size} known values` } : undefined);
    }
  }
}

/**
 * A decimal number (digits, a point, an exponent), nan or inf in the grammar of the profiler's
 * scanner (classifyString), here also with spaces around it; NaN for anything else. Number()
 * would take '' and '0x10'.
 */
function parseFloatStrict(text: string): number {
  const value = decimalValue(text);
  if (value !== undefined) return value;
  const trimmed = text.trim();
  return (trimmed !== text ? decimalValue(trimmed) : undefined) ?? Number.NaN;
}

/** A timestamp in the profiler's grammar (timestampValue), here also with spaces around it; NaN for anything else. */
function parseTimestampStrict(text: string): number {
  const time = timestampValue(text);
  return Number.isNaN(time) && text.trim() !== text ? timestampValue(text.trim()) : time;
}

/** Refuses a schema whose timestamp bounds are not timestamps as its cells are read, naming the file and field. */
export function assertReadableBounds(schema: { columns: readonly Column[] }, file: string): void {
  for (const [index, column] of schema.columns.entries()) {
    if (column.type !== 'timestamp') continue;
    for (const side of ['min', 'max'] as const) {
      const bound = column.domain?.[side];
      if (bound !== undefined && Number.isNaN(boundTime(bound))) {
        throw new InputDataError(`columns[${index}].domain.${side}: ${JSON.stringify(bound)} ${NOT_A_TIMESTAMP}`, { file });
      }
    }
  }
}

/** A schema bound read as timestamp cells are (NaN when it is not one). */
const boundTime = (bound: unknown): number => (typeof bound === 'string' ? timestampValue(bound) : Number.NaN);

const NOT_A_TIMESTAMP = 'is not an ISO 8601 timestamp (YYYY-MM-DD, optionally THH:MM[:SS[.fraction]] and Z or ±HH:MM)';

/** A timestamp column's bound in epoch ms, read as its cells are; a bound that is not a timestamp refuses the schema. */
function timestampBound(column: Column, side: 'min' | 'max'): number | undefined {
  const bound = column.domain?.[side];
  if (bound === undefined) return undefined;
  const time = boundTime(bound);
  if (Number.isNaN(time)) {
    throw new InputDataError(`schema column '${column.name}': domain.${side} ${JSON.stringify(bound)} ${NOT_A_TIMESTAMP}`);
  }
  return time;
}
