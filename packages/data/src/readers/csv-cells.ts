/**
 * Turns the byte ranges found by the scanner into cells, interning repeated values.
 *
 * Making a fresh string per field is what makes CSV parsing in JavaScript slow (allocation and,
 * for a batch's worth of them, promotion by the garbage collector). Tabular data repeats itself
 * (categories, small integers, flags), so each column keeps a two-way set-associative cache (1 024
 * slots: 512 sets of two; fewer per column in files over 128 columns, see TOTAL_SLOTS) from a field's
 * bytes to the string made for them the first time: a hit returns the same string object without
 * allocating. Keys are exact, never just hashes: the length, the first 8 bytes and the last 4 as
 * 32-bit words (which covers values up to 12 bytes), plus, for 13–48 bytes, the middle bytes
 * compared word by word against a copy. A column whose values rarely repeat (ids, floats) stops
 * using its cache for a while after each sampling window that misses more than half the time.
 *
 * Strings are latin1 when the bytes are ASCII, else decoded with a fatal UTF-8 decoder (invalid
 * UTF-8 → InputDataError with the row's line and column). A cached or long string is always a flat
 * copy, never a slice of the read buffer's text, so holding a value never pins a megabyte of text.
 *
 * Each cached value also gets a code in its column's dictionary (see ColumnCodes), written next to
 * the cell, so consumers can skip hashing the string. Null, escaped, long and uncached cells have
 * no code (-1). A decoder made with `codedCellsInData` false writes only the codes of coded cells,
 * not the cells (see BatchOptions).
 */
import { InputDataError } from '@modelgate/core';
import { powerOfTwoShare, type Cell } from '../table.js';
import type { ReaderDictionary } from './common.js';
import { ESCAPED, type CsvScanner } from './csv-scan.js';
import { giveBack, takeBuffer } from './spare-buffers.js';

/** A column's slots, up to 128 columns: 1 << 10. */
const SLOT_BITS = 10;
/**
 * Slots over all columns: a wider file's columns get fewer each (a power of two, at least 64), so
 * up to 2 048 columns the cache stays about 7 MB and its hot part in the processor's caches (at
 * 1 000 columns of 1 024 slots each, 52 MB, nearly every probe missed them).
 */
const TOTAL_SLOTS = 128 << SLOT_BITS;
const MIN_SLOT_BITS = 6;
/** Int32 words per slot: length | pool offset << 8, first word, second word, last word, code (next to the keys: one cache line per probe, mostly). */
const STRIDE = 5;
const MAX_INTERNED = 48;
/** Pool bytes per slot (for the copies of 13–48 byte values). */
const POOL_PER_SLOT = 24;
/**
 * Rows per sampling window (checked after each batch, so a window is at least a batch: 8 192 rows
 * up to 64 columns). A wide file's batches are shorter, and its float columns stop probing their
 * caches after 1 024 rows, not 8 192.
 */
const WINDOW = 1024;
/** Rows a column then skips its cache. */
const PAUSE = 4 * 65_536;
/** V8 copies substrings shorter than this; longer ones would be slices pinning their parent. */
const SLICE_COPY_LIMIT = 13;
/**
 * A fill that makes more than one string per 256 bytes decodes its bytes once and slices them
 * (a 1 MiB decode costs about as much as 4 000 single ones).
 */
const TEXT_SHIFT = 8;

const LOW_BYTES = Int32Array.of(0, 0xff, 0xffff, 0xffffff);

export class CellDecoder {
  private readonly keys: Int32Array;
  private readonly values: Cell[];
  /** Per output column, its current dictionary. */
  readonly dictionaries: ReaderDictionary[];
  private readonly pools: DataView[];
  /** The one buffer the pools are views of. */
  private readonly poolMemory: ArrayBuffer;
  private readonly used: Int32Array;
  private readonly sampled: Int32Array;
  private readonly misses: Int32Array;
  private readonly paused: Int32Array;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  private madeInFill = 0;
  /**
   * Each column's slots, a power of two (see TOTAL_SLOTS). A column's pool holds POOL_PER_SLOT
   * bytes per slot, and its dictionary twice as many codes as slots (common.ts DICTIONARY_LIMIT at 1 024 slots).
   */
  private readonly slots: number;

  /** `columns[j]` is the file column whose values go to output column `j`. */
  constructor(
    private readonly scanner: CsvScanner,
    private readonly file: string,
    private readonly columns: readonly number[],
    private readonly nulls: ReadonlySet<string> | undefined,
    private readonly codedCellsInData: boolean,
  ) {
    const width = columns.length;
    const slots = (this.slots = powerOfTwoShare(TOTAL_SLOTS, width, 1 << MIN_SLOT_BITS, 1 << SLOT_BITS));
    const poolBytes = slots * POOL_PER_SLOT;
    // Spare memory of an earlier reader: every slot is marked empty below, so old words never match.
    this.keys = new Int32Array(takeBuffer(width * slots * STRIDE * 4));
    for (let j = 0; j < width; j += 1) this.forget(j);
    this.values = new Array<Cell>(width * slots).fill(null);
    this.dictionaries = columns.map(() => ({ values: [] }));
    this.poolMemory = takeBuffer(width * poolBytes);
    this.pools = columns.map((_, j) => new DataView(this.poolMemory, j * poolBytes, poolBytes));
    this.used = new Int32Array(width);
    this.sampled = new Int32Array(width);
    this.misses = new Int32Array(width);
    this.paused = new Int32Array(width);
  }

  /**
   * Call after each batch of `rows` rows (once the batch holds its dictionaries): a column that
   * missed its cache for more than half of a window's rows makes fresh strings for the next PAUSE
   * rows, then samples again.
   */
  endBatch(rows: number): void {
    for (let j = 0; j < this.columns.length; j += 1) {
      if (this.dictionaries[j]!.values.length >= 2 * this.slots) {
        // Between batches, so a batch's codes all belong to one dictionary; the column's cached
        // slots hold codes of the old one.
        this.dictionaries[j] = { values: [] };
        this.forget(j);
      }
      if (this.paused[j]! > 0) {
        this.paused[j] = Math.max(0, this.paused[j]! - rows);
        continue;
      }
      this.sampled[j] = this.sampled[j]! + rows;
      if (this.sampled[j]! < WINDOW) continue;
      if (this.misses[j]! * 2 > this.sampled[j]!) this.paused[j] = PAUSE;
      this.sampled[j] = 0;
      this.misses[j] = 0;
    }
  }

  /** Gives the cache's memory back for the next reader (see spare-buffers.ts); this decoder is done. */
  release(): void {
    giveBack(this.keys.buffer as ArrayBuffer);
    giveBack(this.poolMemory);
  }

  /** Marks every slot of column `j` empty. */
  private forget(j: number): void {
    for (let slot = j * this.slots; slot < (j + 1) * this.slots; slot += 1) this.keys[slot * STRIDE] = -1;
  }

  /** Call after each fill of the scanner's buffer. */
  newFill(): void {
    this.madeInFill = 0;
  }

  /** Stores the current row's selected fields in `data[j][row]`, and their codes in `codes[j * stride + row]`. */
  putRow(data: Cell[][], codes: Int32Array, stride: number, row: number): void {
    const scanner = this.scanner;
    const starts = scanner.starts;
    const ends = scanner.ends;
    const flags = scanner.flags;
    const view = scanner.view;
    const keys = this.keys;
    const values = this.values;
    const paused = this.paused;
    const columns = this.columns;
    const codedCellsInData = this.codedCellsInData;
    const slots = this.slots;
    // A set's first slot within its column: the hash's top SLOT_BITS bits, cut to the column's slots, even.
    const setMask = (slots - 1) & ~1;
    for (let j = 0, out = row, columnSlot = 0; j < columns.length; j += 1, out += stride, columnSlot += slots) {
      const field = columns[j]!;
      const start = starts[field]!;
      const end = ends[field]!;
      const len = end - start;
      let value: Cell;
      let code = -1;
      if (len === 0) value = null;
      else if (flags[field] === ESCAPED) value = this.escaped(start, end, field);
      else if (len > MAX_INTERNED || paused[j]! > 0) value = this.fresh(start, end, field);
      else {
        let lo = view.getInt32(start, true);
        let hi = 0;
        let last = 0;
        if (len < 4) lo &= LOW_BYTES[len]!;
        else if (len > 4) {
          hi = view.getInt32(start + 4, true);
          if (len < 8) hi &= LOW_BYTES[len - 4]!;
          else if (len > 8) last = view.getInt32(end - 4, true);
        }
        const sum = Math.imul(lo ^ len, 0x9e3779b1) + Math.imul(hi, 0x85ebca77) + Math.imul(last, 0xc2b2ae35);
        // The set is the top SLOT_BITS bits of a second product (their low ones when the column has
        // fewer slots): after the xor-shift they depend on every input bit. (The low bits of a
        // product never see the high bits of a word: values differing in their 4th or 8th byte
        // only, like `item-1` … `item-9`, would share a set and evict each other.)
        const set = columnSlot + ((Math.imul(sum ^ (sum >>> 16), 0x7feb352d) >>> (32 - SLOT_BITS)) & setMask);
        // Two ways per set: two frequent values that share a set both stay (direct-mapped, such a
        // pair evicted each other on every alternation: 4% of the ages in the 1M-row benchmark
        // file missed; now 74 misses for its 74 distinct ages).
        // The two ways' tests are written out: as a loop they cost about 1.5% more instructions
        // for a whole validation (callgrind).
        let slot = set;
        let at = set * STRIDE;
        let head = keys[at]!;
        if (!((head & 0xff) === len && keys[at + 1] === lo && keys[at + 2] === hi && keys[at + 3] === last && (len <= 12 || this.sameMiddle(j, head >>> 8, start, end)))) {
          slot = set + 1;
          at += STRIDE;
          head = keys[at]!;
          if (!((head & 0xff) === len && keys[at + 1] === lo && keys[at + 2] === hi && keys[at + 3] === last && (len <= 12 || this.sameMiddle(j, head >>> 8, start, end)))) {
            slot = -1;
          }
        }
        if (slot < 0) {
          // Made and cached in the set's first way.
          this.miss(j, set, lo, hi, last, start, end, field);
          slot = set;
          at = set * STRIDE;
        }
        code = keys[at + 4]!;
        if (code >= 0 && !codedCellsInData) {
          // The consumer reads the cell by its code: it is not stored.
          codes[out] = code;
          continue;
        }
        value = values[slot]!;
      }
      data[j]![row] = value;
      codes[out] = code;
    }
  }

  /** Bytes 8 … len-4 of a 13–48 byte value against its pooled copy, a word at a time. */
  private sameMiddle(j: number, offset: number, start: number, end: number): boolean {
    const view = this.scanner.view;
    const pool = this.pools[j]!;
    const stop = end - start - 4;
    for (let i = 8; i < stop; i += 4) {
      const k = Math.min(i, stop - 4);
      if (view.getInt32(start + k, true) !== pool.getInt32(offset + k, true)) return false;
    }
    return true;
  }

  /** Makes the value and caches it in the first way of `set` (the entry there moves to the second). */
  private miss(j: number, set: number, lo: number, hi: number, last: number, start: number, end: number, field: number): void {
    const value = this.fresh(start, end, field);
    this.misses[j] = this.misses[j]! + 1;
    const len = end - start;
    const keys = this.keys;
    const at = set * STRIDE;
    let head = len;
    if (len > 12) {
      if (this.used[j]! + len > this.pools[j]!.byteLength) {
        this.forget(j);
        this.used[j] = 0;
      }
      const offset = this.used[j]!;
      const pool = this.pools[j]!;
      new Uint8Array(pool.buffer, pool.byteOffset + offset, len).set(this.scanner.buf.subarray(start, end));
      head |= offset << 8;
      this.used[j] = offset + len;
    }
    let code = -1;
    const dictionary = this.dictionaries[j]!;
    if (value !== null && dictionary.values.length < 2 * this.slots) {
      code = dictionary.values.length;
      dictionary.values.push(value);
    }
    for (let k = 0; k < STRIDE; k += 1) keys[at + STRIDE + k] = keys[at + k]!;
    this.values[set + 1] = this.values[set]!;
    keys[at] = head;
    keys[at + 1] = lo;
    keys[at + 2] = hi;
    keys[at + 3] = last;
    keys[at + 4] = code;
    this.values[set] = value;
  }

  /** A new string for `buf[start, end)`; `null` when it is one of the null tokens. */
  private fresh(start: number, end: number, field: number): Cell {
    const text = this.decode(start, end, field);
    return this.nulls !== undefined && this.nulls.has(text) ? null : text;
  }

  /** A quoted field containing `""`. */
  private escaped(start: number, end: number, field: number): Cell {
    const text = this.decode(start, end, field).replaceAll('""', '"');
    return this.nulls !== undefined && this.nulls.has(text) ? null : text;
  }

  private decode(start: number, end: number, field: number): string {
    const scanner = this.scanner;
    const buf = scanner.buf;
    if (!scanner.ascii && !asciiRange(buf, start, end)) {
      try {
        return this.utf8.decode(buf.subarray(start, end));
      } catch {
        const name = scanner.names[field] ?? `#${field + 1}`;
        throw new InputDataError(`column '${name}': invalid UTF-8 byte sequence; the file must be UTF-8 (was it saved as Latin-1 or Windows-1252?)`, {
          file: this.file,
          line: scanner.rowLine,
          field: name,
        });
      }
    }
    if (end - start >= SLICE_COPY_LIMIT) return buf.toString('latin1', start, end);
    let text = scanner.text;
    const from = scanner.fillStart;
    if (text === undefined) {
      // Decode the whole fill once only when it makes many strings.
      if (++this.madeInFill <= (scanner.n - from) >> TEXT_SHIFT) return buf.toString('latin1', start, end);
      text = scanner.latin1();
    }
    return text.slice(start - from, end - from);
  }
}

function asciiRange(buf: Buffer, start: number, end: number): boolean {
  let acc = 0;
  for (let i = start; i < end; i += 1) acc |= buf[i]!;
  return acc < 0x80;
}
