import { z } from 'zod';
import './zod-setup.js';
import { ConfigurationError } from './errors.js';

/**
 * Action inputs are declared once, as zod schemas over the raw string the runner passes
 * (`undefined` when the input is empty or unset). The metadata attached here is what
 * `action.yml` is generated from, so the two cannot drift apart.
 */
export interface InputMeta {
  description: string;
  /** Default as the runner would pass it (a string), also applied by the CLI and tests. */
  default?: string;
  required?: boolean;
  deprecationMessage?: string;
  /** Set by the builders: how the CLI turns flags into this input. */
  kind?: 'string' | 'boolean' | 'number' | 'choice' | 'list';
}

export type RawInput = string | undefined;
export type InputSchema<T = unknown> = z.ZodType<T, RawInput>;
export type InputShape = Record<string, InputSchema>;
export type ParsedInputs<S extends InputShape> = { [K in keyof S]: z.output<S[K]> };

const META = new WeakMap<object, InputMeta>();

function declare<T>(schema: InputSchema<T>, meta: InputMeta): InputSchema<T> {
  META.set(schema, meta);
  return schema;
}

export function inputMeta(schema: InputSchema): InputMeta {
  const meta = META.get(schema);
  if (!meta) throw new Error('input schema was not declared through the `input` helpers');
  return meta;
}

const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

/** Builders for the input kinds our actions use. */
export const input = {
  /** Optional free text; `undefined` when empty. `format`: the text must match, `expected` says how. */
  string(meta: InputMeta, format?: { pattern: RegExp; expected: string }): InputSchema<string | undefined> {
    const text = z.string().optional();
    if (!format) return declare(text, { kind: 'string', ...meta });
    return declare(
      text.superRefine((value, ctx) => {
        if (value !== undefined && !format.pattern.test(value)) ctx.addIssue({ code: 'custom', message: `expected ${format.expected}, got '${value}'` });
      }),
      { kind: 'string', ...meta },
    );
  },

  /** Text that must be given (by the user or by the default). */
  requiredString(meta: InputMeta): InputSchema<string> {
    return declare(
      z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'expected text') }).min(1, 'is required'),
      { required: meta.default === undefined, kind: 'string', ...meta },
    );
  },

  /** YAML 1.2 core booleans, exactly as @actions/core's getBooleanInput accepts them. */
  boolean(meta: InputMeta & { default: 'true' | 'false' }): InputSchema<boolean> {
    return declare(
      z.string().transform((value, ctx) => {
        if (TRUE.includes(value)) return true;
        if (FALSE.includes(value)) return false;
        ctx.addIssue({ code: 'custom', message: `expected true or false, got '${value}'` });
        return z.NEVER;
      }),
      { kind: 'boolean', ...meta },
    );
  },

  /** A finite number, optionally bounded; `undefined` when empty and no default. */
  number(meta: InputMeta, bounds: { min?: number; max?: number; integer?: boolean } = {}): InputSchema<number | undefined> {
    return declare(
      z
        .string()
        .optional()
        .transform((value, ctx) => {
          if (value === undefined) return undefined;
          const n = Number(value.trim());
          const kind = bounds.integer ? 'an integer' : 'a number';
          if (value.trim() === '' || !Number.isFinite(n) || (bounds.integer && !Number.isInteger(n))) {
            ctx.addIssue({ code: 'custom', message: `expected ${kind}, got '${value}'` });
            return z.NEVER;
          }
          if (bounds.min !== undefined && n < bounds.min) {
            ctx.addIssue({ code: 'custom', message: `expected ${kind} ≥ ${bounds.min}, got ${n}` });
            return z.NEVER;
          }
          if (bounds.max !== undefined && n > bounds.max) {
            ctx.addIssue({ code: 'custom', message: `expected ${kind} ≤ ${bounds.max}, got ${n}` });
            return z.NEVER;
          }
          return n;
        }),
      { kind: 'number', ...meta },
    );
  },

  /** One of a fixed set of words. */
  choice<const T extends readonly [string, ...string[]]>(values: T, meta: InputMeta): InputSchema<T[number] | undefined> {
    return declare(
      z
        .string()
        .optional()
        .transform((value, ctx) => {
          if (value === undefined) return undefined;
          const word = value.trim();
          if ((values as readonly string[]).includes(word)) return word as T[number];
          ctx.addIssue({ code: 'custom', message: `expected one of ${values.join(', ')}, got '${value}'` });
          return z.NEVER;
        }),
      { kind: 'choice', ...meta },
    );
  },

  /**
   * A list, one item per line (how multi-line YAML inputs arrive); blank lines and lines
   * starting with `#` are skipped so users can comment their gates.
   */
  list(meta: InputMeta): InputSchema<string[]> {
    return declare(
      z
        .string()
        .optional()
        .transform((value) => (value ?? '').split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'))),
      { kind: 'list', ...meta },
    );
  },
};

/**
 * Parses raw inputs with their schemas. `read` returns the raw value (`undefined` for unset
 * or empty); declared defaults fill gaps the way the runner does. The first problem ends it
 * with a ConfigurationError naming the input.
 */
export function parseInputs<S extends InputShape>(shape: S, read: (name: string) => RawInput): ParsedInputs<S> {
  const parsed: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(shape)) {
    const meta = inputMeta(schema);
    const given = read(name);
    // `${{ github.token }}` is an expression only the runner evaluates: arriving literally (a
    // declared default outside a runner, or a harness passing defaults through) it means unset.
    const unevaluated = (value: string | undefined) => value?.includes('${{') === true;
    const fallback = unevaluated(meta.default) ? undefined : meta.default;
    const raw = given === undefined || given === '' || unevaluated(given) ? fallback : given;
    const result = schema.safeParse(raw);
    if (!result.success) {
      const message = result.error.issues[0]?.message ?? 'invalid value';
      throw new ConfigurationError(`input '${name}' ${message}`, { field: name });
    }
    parsed[name] = result.data;
  }
  return parsed as ParsedInputs<S>;
}
