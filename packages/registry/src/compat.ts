/**
 * Compatibility of a model's contract between two versions: the data schema (schema.json) and the
 * ONNX input/output signature (inspect.json `inputs`/`outputs`). Pure; every finding is a
 * human-readable sentence naming the column or tensor.
 *
 * Rules (what a caller of the previous version would break on):
 * - column removed, column retyped (except int → float, a widening), label column renamed,
 *   label value set changed (added or removed classes), string/bool domain narrowed (a value no
 *   longer allowed), numeric domain narrowed (min raised, max lowered, a bound added where there
 *   was none), a new column required at serving time → incompatible;
 * - domains widened, optional columns added, int → float → compatible (listed as notes);
 * - tensor input removed or added, output removed, dtype changed, rank changed, a dimension
 *   changed between two fixed sizes or from dynamic to fixed → incompatible; fixed → dynamic and
 *   renamed symbolic dimensions are compatible; an added output is compatible.
 */

export type ColumnTypeName = 'int' | 'float' | 'string' | 'bool' | 'timestamp';

/** The part of schema.json the comparison reads (a parsed `Artifact<'schema'>` fits). */
export interface SchemaLike {
  label?: string | undefined;
  columns: ReadonlyArray<{
    name: string;
    type: ColumnTypeName;
    presence?: { min_fraction: number } | undefined;
    domain?: { min?: number | string | undefined; max?: number | string | undefined } | undefined;
    values?: readonly string[] | undefined;
    environments?: { in?: readonly string[] | undefined; not_in?: readonly string[] | undefined } | undefined;
  }>;
}

export interface TensorLike {
  name: string;
  dtype: string;
  shape: ReadonlyArray<number | string | null> | null;
}

/** The part of inspect.json the comparison reads. */
export interface SignatureLike {
  inputs: readonly TensorLike[];
  outputs: readonly TensorLike[];
}

export interface Compatibility {
  /** Breaking changes: any → major. */
  breaking: string[];
  /** Compatible changes worth mentioning. */
  notes: string[];
}

const SERVING = 'SERVING';

function servedAndRequired(column: SchemaLike['columns'][number], label: string | undefined): boolean {
  if (column.name === label) return false;
  if (column.environments?.not_in?.includes(SERVING)) return false;
  if (column.environments?.in && !column.environments.in.includes(SERVING)) return false;
  return (column.presence?.min_fraction ?? 0) >= 1;
}

function show(value: number | string | undefined): string {
  return value === undefined ? 'unbounded' : String(value);
}

/** Compare bounds: a bound is narrowed if it appears or moves inwards. Strings are ISO timestamps. */
function narrowedBound(before: number | string | undefined, after: number | string | undefined, side: 'min' | 'max'): boolean {
  if (after === undefined) return false;
  if (before === undefined) return true;
  const a = typeof before === 'number' ? before : Date.parse(before);
  const b = typeof after === 'number' ? after : Date.parse(after);
  if (Number.isNaN(a) || Number.isNaN(b)) return before !== after;
  return side === 'min' ? b > a : b < a;
}

function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

function list(values: string[], limit = 5): string {
  const shown = values.slice(0, limit).map((value) => `'${value}'`);
  return values.length > limit ? `${shown.join(', ')} and ${values.length - limit} more` : shown.join(', ');
}

export function compareSchemas(previous: SchemaLike, current: SchemaLike): Compatibility {
  const breaking: string[] = [];
  const notes: string[] = [];
  const before = new Map(previous.columns.map((column) => [column.name, column]));
  const after = new Map(current.columns.map((column) => [column.name, column]));

  if (previous.label !== current.label) {
    breaking.push(`label column changed '${previous.label ?? '(none)'}' → '${current.label ?? '(none)'}'`);
  }
  for (const [name, old] of before) {
    const now = after.get(name);
    if (!now) {
      breaking.push(`column '${name}' removed`);
      continue;
    }
    if (old.type !== now.type) {
      if (old.type === 'int' && now.type === 'float') notes.push(`column '${name}' widened int → float`);
      else breaking.push(`column '${name}' retyped ${old.type} → ${now.type}`);
    }
    const isLabel = name === current.label && name === previous.label;
    if (old.values || now.values) {
      const was = new Set(old.values ?? []);
      const is = new Set(now.values ?? []);
      const removed = old.values ? sorted([...was].filter((value) => !is.has(value))) : [];
      const added = now.values ? sorted([...is].filter((value) => !was.has(value))) : [];
      if (isLabel) {
        if (removed.length || added.length) {
          const parts = [added.length ? `added ${list(added)}` : '', removed.length ? `removed ${list(removed)}` : ''].filter(Boolean);
          breaking.push(`label '${name}' classes changed: ${parts.join(', ')}`);
        }
      } else if (!old.values && now.values) {
        breaking.push(`column '${name}' domain narrowed: now restricted to ${now.values.length} values`);
      } else if (removed.length) {
        breaking.push(`column '${name}' domain narrowed: ${list(removed)} no longer allowed`);
      } else if (!now.values) {
        notes.push(`column '${name}' domain no longer restricted`);
      } else if (added.length) {
        notes.push(`column '${name}' domain widened: ${list(added)} allowed`);
      }
    }
    if (old.type !== 'string' && old.type !== 'bool' && now.type !== 'string' && now.type !== 'bool') {
      for (const side of ['min', 'max'] as const) {
        const was = old.domain?.[side];
        const is = now.domain?.[side];
        if (narrowedBound(was, is, side)) {
          breaking.push(`column '${name}' domain narrowed: ${side} ${show(was)} → ${show(is)}`);
        } else if (was !== is) {
          notes.push(`column '${name}' domain widened: ${side} ${show(was)} → ${show(is)}`);
        }
      }
    }
  }
  for (const [name, column] of after) {
    if (before.has(name)) continue;
    if (servedAndRequired(column, current.label)) breaking.push(`column '${name}' added and required at serving time`);
    else notes.push(`column '${name}' added (optional)`);
  }
  return { breaking, notes };
}

function shapeText(shape: TensorLike['shape']): string {
  return shape === null ? 'unknown' : `[${shape.map((dim) => (dim === null ? '?' : String(dim))).join(', ')}]`;
}

function compareTensor(kind: 'input' | 'output', old: TensorLike, now: TensorLike, out: Compatibility): void {
  if (old.dtype !== now.dtype) out.breaking.push(`${kind} '${old.name}' dtype ${old.dtype} → ${now.dtype}`);
  if (old.shape === null || now.shape === null) return;
  const change = `${kind} '${old.name}' shape ${shapeText(old.shape)} → ${shapeText(now.shape)}`;
  if (old.shape.length !== now.shape.length) {
    out.breaking.push(change);
    return;
  }
  let widened = false;
  for (let axis = 0; axis < old.shape.length; axis++) {
    const a = old.shape[axis];
    const b = now.shape[axis];
    const aFixed = typeof a === 'number';
    const bFixed = typeof b === 'number';
    if (aFixed && bFixed && a !== b) {
      out.breaking.push(change);
      return;
    }
    if (!aFixed && bFixed) {
      out.breaking.push(change);
      return;
    }
    if (aFixed && !bFixed) widened = true;
  }
  if (widened) out.notes.push(`${change} (made dynamic)`);
}

export function compareSignatures(previous: SignatureLike, current: SignatureLike): Compatibility {
  const out: Compatibility = { breaking: [], notes: [] };
  for (const kind of ['input', 'output'] as const) {
    const before = new Map((kind === 'input' ? previous.inputs : previous.outputs).map((tensor) => [tensor.name, tensor]));
    const after = new Map((kind === 'input' ? current.inputs : current.outputs).map((tensor) => [tensor.name, tensor]));
    for (const [name, old] of before) {
      const now = after.get(name);
      if (!now) out.breaking.push(`${kind} '${name}' removed`);
      else compareTensor(kind, old, now, out);
    }
    for (const [name, tensor] of after) {
      if (before.has(name)) continue;
      const text = `${kind} '${name}' added (${tensor.dtype} ${shapeText(tensor.shape)})`;
      if (kind === 'input') out.breaking.push(text);
      else out.notes.push(text);
    }
  }
  return out;
}
