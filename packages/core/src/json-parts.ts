/**
 * `JSON.stringify(value, null, 2)` in parts, for artifacts too large for one string: V8 caps a
 * string at about 512 MB, and the profile of a file with 100 000 columns is larger (it ended in
 * "Invalid string length" after the whole validation had run).
 */

/** Pieces are joined until a part holds at least this many characters (UTF-16 units). */
const PART_CHARS = 1 << 20;

/**
 * The text `JSON.stringify(value, null, 2)` gives for plain JSON data (what zod hands out:
 * objects, arrays, strings, finite or non-finite numbers, booleans, null; a `toJSON` is honoured
 * only at or below `depth`), as consecutive parts of at least PART_CHARS characters (the last
 * shorter; one entry opened at `depth` is never split). Objects and arrays are opened here down
 * to `depth` levels (an artifact's top-level fields, and the entries of its arrays), each deeper
 * value stringified on its own.
 */
export function* jsonParts(value: unknown, depth = 2): Generator<string> {
  let pending = '';
  for (const piece of pieces(value, depth, '')) {
    pending += piece;
    if (pending.length >= PART_CHARS) {
      yield pending;
      pending = '';
    }
  }
  if (pending !== '') yield pending;
}

function* pieces(value: unknown, depth: number, indent: string): Generator<string> {
  if (depth === 0 || value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    const text = JSON.stringify(value, null, 2);
    // Newlines in JSON text are only between tokens (a string's own are escaped).
    yield indent === '' ? text : text.replaceAll('\n', `\n${indent}`);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield '[]';
      return;
    }
    yield '[\n';
    for (let i = 0; i < value.length; i += 1) {
      yield inner;
      // As JSON.stringify writes them in an array.
      yield* pieces(omitted(value[i]) ? null : value[i], depth - 1, inner);
      yield i + 1 < value.length ? ',\n' : '\n';
    }
    yield `${indent}]`;
    return;
  }
  const entries = Object.entries(value).filter(([, field]) => !omitted(field));
  if (entries.length === 0) {
    yield '{}';
    return;
  }
  yield '{\n';
  for (const [i, [key, field]] of entries.entries()) {
    yield `${inner}${JSON.stringify(key)}: `;
    yield* pieces(field, depth - 1, inner);
    yield i + 1 < entries.length ? ',\n' : '\n';
  }
  yield `${indent}}`;
}

/** Values JSON.stringify leaves out of an object (and writes as null in an array). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}
