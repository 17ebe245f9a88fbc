/**
 * JSON parsing and typed field access with one-line errors that name the file and the JSON
 * path (`learner.gradient_booster.model.trees[3].left_children`).
 *
 * XGBoost writes non-finite floats as bare `NaN` / `Infinity` / `-Infinity` (e.g. the
 * split_conditions of categorical nodes), which JSON.parse rejects; such tokens outside strings
 * are turned into the strings "NaN", "Infinity", "-Infinity" and `num` accepts them.
 */
import { inputError } from './model.js';

export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (/NaN|Infinity/.test(text)) {
      try {
        return JSON.parse(quoteNonFinite(text));
      } catch {
        // report the original error below
      }
    }
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const offset = position ? Number(position[1]) : text.length;
    if (offset >= text.trimEnd().length || /end of JSON input|Unterminated/i.test(message)) {
      throw inputError(file, 'JSON', `truncated JSON (${message}); expected a complete model as saved by save_model('model.json')`);
    }
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    throw inputError(file, 'JSON', `invalid JSON at line ${line} column ${column} (${message.replace(/ in JSON at position \d+.*$/, '')})`, line);
  }
}

function quoteNonFinite(text: string): string {
  const parts: string[] = [];
  let start = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i += 1;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 78 /* N */ && text.startsWith('NaN', i)) {
      parts.push(text.slice(start, i), '"NaN"');
      start = i += 3;
      i -= 1;
    } else if (c === 73 /* I */ && text.startsWith('Infinity', i)) {
      const negative = text[i - 1] === '-';
      parts.push(text.slice(start, negative ? i - 1 : i), negative ? '"-Infinity"' : '"Infinity"');
      start = i += 8;
      i -= 1;
    }
  }
  parts.push(text.slice(start));
  return parts.join('');
}

const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

/** Typed access to parsed JSON; every failure names `file` and the path. */
export class JsonFields {
  constructor(readonly file: string) {}

  fail(path: string, message: string): never {
    throw inputError(this.file, path, message);
  }

  describe(value: unknown): string {
    if (value === undefined) return 'missing';
    if (value === null) return 'null';
    if (Array.isArray(value)) return `an array of ${value.length}`;
    if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(path, `is ${this.describe(value)}, expected an object`);
    return value as Record<string, unknown>;
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path, `is ${this.describe(value)}, expected an array`);
    return value;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.fail(path, `is ${this.describe(value)}, expected a string`);
    return value;
  }

  /** A number, or a non-finite token XGBoost wrote (see quoteNonFinite). */
  number(value: unknown, path: string): number {
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && value in NON_FINITE) return NON_FINITE[value]!;
    return this.fail(path, `is ${this.describe(value)}, expected a number`);
  }

  /** An integer, also when XGBoost wrote it as a decimal string ("30"). */
  integer(value: unknown, path: string, min = Number.MIN_SAFE_INTEGER): number {
    const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number)) this.fail(path, `is ${this.describe(value)}, expected an integer`);
    if (number < min) this.fail(path, `is ${number}, expected an integer ≥ ${min}`);
    return number;
  }

  /** An array whose length must be `length` (tree arrays of one tree are parallel). */
  parallel(value: unknown, path: string, length: number, lengthFrom: string): unknown[] {
    const array = this.array(value, path);
    if (array.length !== length) this.fail(path, `has ${array.length} entries but ${lengthFrom} is ${length}; the per-node arrays of a tree must have equal length`);
    return array;
  }
}
