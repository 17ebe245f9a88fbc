/**
 * JSON Lines source: one JSON object per line (`\n` or `\r\n`; blank lines skipped; UTF-8, BOM ok).
 * The columns are the keys of the first object, in its order. Later objects may leave keys out
 * (missing keys are null) but may not add new ones (an InputDataError naming the key and line).
 * Values are the JSON scalars as JSON.parse gives them (string, number, boolean, null); a nested
 * object or array is an InputDataError naming the column and line. No codes: a map from each
 * string JSON.parse makes to a code cost more than the consumers saved (+6.6%, 8 paired runs).
 *
 * A line break always ends a record (JSON escapes line breaks inside strings), so a read can start
 * at any line start: large files are read in chunks, on two threads (see validate-chunks.ts).
 */
import { isAscii } from 'node:buffer';
import type { FileHandle } from 'node:fs/promises';
import { InputDataError } from '@modelgate/core';
import type { Cell, TableBatch } from '../table.js';
import { batchRowsOf, checkDataFile, formatBytes, openDataFile, projectColumns, tuningOf, type OpenOptions } from './common.js';
import { rangeReader, type RangedSource, type RangeReader, type RowPosition, type RowRange } from './ranges.js';

const LF = 10;

/** What `take()` returns when the buffer holds no whole line: `next()` reads on. */
const FILL = Symbol('fill');

interface Line {
  text: string;
  line: number;
}

/**
 * Reads a file line by line in chunks, from a line start (`from`) to before the first non-blank
 * line that starts at or after `end`; lines come out as UTF-8-checked strings with their number.
 */
class LineReader {
  /** The first non-blank line found (even at or after `end`), and the one that ended the range (null: the file's end). */
  firstRow: RowPosition | null = null;
  nextRow: RowPosition | null = null;
  private buf: Buffer;
  private n = 0;
  private pos = 0;
  /** File offset of `buf[0]`, and of the byte after `buf[n)`. */
  private base: number;
  private filePos: number;
  private eof = false;
  private done = false;
  private line: number;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  /**
   * The buffer's bytes as text, when they are all ASCII (most JSONL): a line is then a slice of
   * it, not a decode of its own (a decoder call per line was a fifth of reading a line).
   */
  private ascii: string | undefined;

  constructor(
    private readonly fh: FileHandle,
    private readonly file: string,
    private readonly chunkSize: number,
    private readonly maxLineBytes: number,
    from: RowPosition = { offset: 0, line: 1 },
    private readonly end = Infinity,
  ) {
    this.buf = Buffer.allocUnsafeSlow(chunkSize + 1);
    this.base = from.offset;
    this.filePos = from.offset;
    this.line = from.line - 1;
  }

  /** The next non-blank line (without its line break) and its number, or undefined at the end. */
  async next(): Promise<Line | undefined> {
    for (;;) {
      const line = this.take();
      if (line !== FILL) return line;
      await this.fill();
    }
  }

  /** The next line if the buffer holds it whole (or the file has ended), else FILL: no await per line. */
  take(): Line | undefined | typeof FILL {
    if (this.done) return undefined;
    for (;;) {
      const end = this.pos < this.n ? this.buf.indexOf(LF, this.pos) : -1;
      if (end < 0 || end >= this.n) {
        if (!this.eof) return FILL;
        if (this.pos >= this.n) {
          this.done = true;
          return undefined;
        }
      }
      const stop = end < 0 || end >= this.n ? this.n : end;
      const start = this.pos;
      const number = this.line + 1;
      // Every line is held to the limit, not only one a refill happens to cut (see fill()).
      if (stop - start > this.maxLineBytes) throw this.tooLong(number);
      this.pos = stop + 1;
      this.line = number;
      const offset = this.base + start;
      let last = stop;
      if (last > start && this.buf[last - 1] === 13) last -= 1;
      let first = start;
      if (offset === 0 && last - first >= 3 && this.buf[first] === 0xef && this.buf[first + 1] === 0xbb && this.buf[first + 2] === 0xbf) first += 3;
      if (isBlank(this.buf, first, last)) continue;
      this.firstRow ??= { offset, line: number };
      if (offset >= this.end) {
        this.nextRow = { offset, line: number };
        this.done = true;
        return undefined;
      }
      let text: string;
      if (this.ascii !== undefined) text = this.ascii.slice(first, last);
      else {
        try {
          text = this.utf8.decode(this.buf.subarray(first, last));
        } catch {
          throw new InputDataError('invalid UTF-8 byte sequence; the file must be UTF-8', { file: this.file, line: number });
        }
      }
      return { text, line: number };
    }
  }

  private tooLong(line: number): InputDataError {
    return new InputDataError(`line is longer than ${formatBytes(this.maxLineBytes)} (the limit)`, { file: this.file, line });
  }

  /** Reads on: keeps the partial line at the buffer's start and appends the next read to it. */
  async fill(): Promise<void> {
    const carry = this.n - this.pos;
    if (carry > this.maxLineBytes) throw this.tooLong(this.line + 1);
    const want = Math.max(this.chunkSize, carry);
    if (carry + want + 1 > this.buf.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(2 * this.buf.length, carry + want + 1));
      this.buf.copy(grown, 0, this.pos, this.n);
      this.buf = grown;
    } else if (carry > 0 && this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.n);
    }
    this.base += this.pos;
    this.pos = 0;
    const { bytesRead } = await this.fh.read(this.buf, carry, want, this.filePos);
    this.filePos += bytesRead;
    this.n = carry + bytesRead;
    if (bytesRead === 0) this.eof = true;
    const held = this.buf.subarray(0, this.n);
    this.ascii = isAscii(held) ? held.toString('latin1') : undefined;
  }
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i += 1) {
    const c = buf[i]!;
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function parseLine(text: string, file: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputDataError(`invalid JSON: ${(error as Error).message}`, { file, line });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputDataError(`expected a JSON object, found ${kindOf(value)}`, { file, line });
  }
  return value as Record<string, unknown>;
}

export interface JsonlSource extends RangedSource {
  readonly format: 'jsonl';
}

export async function openJsonl(path: string, shown: string, options: OpenOptions): Promise<JsonlSource> {
  const { chunkSize, maxRowBytes } = tuningOf(options);
  const size = await checkDataFile(path, shown);
  const fh = await openDataFile(path, shown);
  let keys: string[];
  let firstLine: number;
  try {
    const first = await new LineReader(fh, shown, chunkSize, maxRowBytes).next();
    if (first === undefined) throw new InputDataError('is empty; expected one JSON object per line', { file: shown });
    keys = Object.keys(parseLine(first.text, shown, first.line));
    firstLine = first.line;
  } finally {
    await fh.close();
  }
  const known = new Set(keys);
  const selected = projectColumns(keys, options.columns, shown, firstLine);
  const columns = selected.map((index) => keys[index]!);
  const batchRows = batchRowsOf(options, columns.length);
  // The first object is data too: the rows start at the file's start (blank lines are skipped).
  const dataStart = { offset: 0, line: 1 };

  function readRange(range: RowRange): RangeReader {
    const rangeBatchRows = range.batchRows === undefined ? batchRows : batchRowsOf(range, columns.length);
    return rangeReader(path, shown, size, range, async function* (fh, from, reader) {
      const lines = new LineReader(fh, shown, chunkSize, maxRowBytes, from, range.to);
      try {
        yield* readObjects(lines, shown, keys, known, selected, columns, rangeBatchRows);
      } finally {
        reader.start = lines.firstRow;
        reader.next = lines.nextRow;
      }
    });
  }

  return {
    path: shown,
    format: 'jsonl',
    columns,
    batches: () => readRange({ from: dataStart, to: Infinity }).batches(),
    ranges: { file: path, options, size, dataStart, readRange },
  };
}

/** The objects of `lines` as batches of `batchRows` rows of the selected columns. */
async function* readObjects(lines: LineReader, shown: string, keys: readonly string[], known: ReadonlySet<string>, selected: readonly number[], columns: readonly string[], batchRows: number): AsyncGenerator<TableBatch> {
  let offset = 0;
  let data: Cell[][] = columns.map(() => new Array<Cell>(batchRows));
  let numbers = new Int32Array(batchRows);
  let count = 0;
  const values = new Array<unknown>(keys.length);
  for (;;) {
    // A whole line in the buffer is taken without an await; a read happens only when none is.
    let next = lines.take();
    while (next === FILL) {
      await lines.fill();
      next = lines.take();
    }
    if (next !== undefined) {
      const object = parseLine(next.text, shown, next.line);
      // The first object's keys in its order (most lines): its values by position, taken in one
      // walk of the object (Object.keys and Object.values made two arrays per line).
      let k = 0;
      for (const key in object) {
        if (key !== keys[k]) {
          k = -1;
          break;
        }
        values[k] = object[key];
        k += 1;
      }
      if (k === keys.length) {
        for (let j = 0; j < columns.length; j += 1) data[j]![count] = cellOf(values[selected[j]!], columns[j]!, shown, next.line);
      } else {
        const objectKeys = Object.keys(object);
        let present = 0;
        for (let j = 0; j < columns.length; j += 1) {
          const name = columns[j]!;
          if (Object.hasOwn(object, name)) {
            present += 1;
            data[j]![count] = cellOf(object[name], name, shown, next.line);
          } else {
            data[j]![count] = null;
          }
        }
        if (objectKeys.length > present) checkKeys(objectKeys, known, keys, shown, next.line);
      }
      numbers[count] = next.line;
      count += 1;
      if (count < batchRows) continue;
    }
    if (count > 0) {
      if (count < batchRows) {
        for (const column of data) column.length = count;
        numbers = numbers.slice(0, count);
      }
      yield { columns: columns as string[], data, rowCount: count, offset, lines: numbers };
      offset += count;
      count = 0;
      data = columns.map(() => new Array<Cell>(batchRows));
      numbers = new Int32Array(batchRows);
    }
    if (next === undefined) return;
  }
}

function cellOf(value: unknown, name: string, file: string, line: number): Cell {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object') {
    throw new InputDataError(`column '${name}' holds ${kindOf(value)}; only strings, numbers, booleans and null are supported (flatten nested values)`, { file, line, field: name });
  }
  return value as Cell;
}

/** Called when an object has more keys than the selected columns it holds: finds a new key. */
function checkKeys(objectKeys: readonly string[], known: ReadonlySet<string>, keys: readonly string[], file: string, line: number): void {
  for (const key of objectKeys) {
    if (!known.has(key)) {
      throw new InputDataError(`unexpected key '${key}': the first object has no such key (keys: ${keys.join(', ')}); missing keys are null, new keys are an error`, { file, line, field: key });
    }
  }
}
