/**
 * Flat Parquet columns read page by page straight into cells: the common case (numbers, strings
 * and booleans, PLAIN or dictionary-encoded, in DATA_PAGE or DATA_PAGE_V2 pages) without
 * hyparquet's general column assembly, which builds every value into nested-list form first and
 * cost more than half of a Parquet validation. A dictionary-encoded column (strings or numbers)
 * hands out its dictionary indices as codes (no hashing at all). Cells equal hyparquet's, converted by `toCell`
 * (checked against it in the tests); any other column, or a page in another encoding, is read
 * through hyparquet (see parquet.ts).
 */
import type { ColumnMetaData, SchemaElement } from 'hyparquet';
import type { Cell, ColumnCodes } from '../table.js';
import { DICTIONARY_LIMIT, type ReaderDictionary } from './common.js';
import {
  ByteCursor,
  ENCODING_PLAIN,
  ENCODING_PLAIN_DICTIONARY,
  ENCODING_RLE,
  ENCODING_RLE_DICTIONARY,
  PAGE_DATA,
  PAGE_DATA_V2,
  PAGE_DICTIONARY,
  PAGE_INDEX,
  readHybrid,
  readPageHeader,
  type PageHeader,
} from './parquet-pages.js';

export type FlatKind = 'BOOLEAN' | 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE' | 'STRING';

export type Decompress = (bytes: Uint8Array, size: number) => Uint8Array;

export interface FlatColumnSpec {
  kind: FlatKind;
  /** OPTIONAL: pages carry definition levels (0 = null); REQUIRED: none. (openParquet refuses REPEATED columns.) */
  optional: boolean;
  decompress: Decompress;
}

/** A page in an encoding this reader leaves to hyparquet (the column is read there from this batch on). */
export class UnsupportedPageError extends Error {}

/**
 * Encodings a chunk may list. Writers (parquet-mr) list BIT_PACKED for the repetition levels a flat
 * column does not have; definition levels in it are met page by page (UnsupportedPageError).
 */
const ENCODINGS = new Set(['PLAIN', 'PLAIN_DICTIONARY', 'RLE_DICTIONARY', 'RLE', 'BIT_PACKED']);
const SIGNED_INT32 = new Set([undefined, 'INT_8', 'INT_16', 'INT_32']);
const TEXT = new Set([undefined, 'UTF8', 'ENUM', 'JSON']);
const TEXT_LOGICAL = new Set([undefined, 'STRING', 'ENUM', 'JSON']);

/**
 * How this reader reads a column chunk, or undefined when hyparquet must: a type whose cells need a
 * conversion (dates, timestamps, decimals, unsigned 32/64-bit, fixed-length bytes, INT96), or an
 * encoding other than PLAIN and dictionary.
 */
export function flatColumnSpec(element: SchemaElement, meta: ColumnMetaData, decompress: Decompress | undefined): FlatColumnSpec | undefined {
  // hyparquet converts by the schema's type: a footer whose chunk says another is left to it.
  if (!decompress || element.type !== meta.type || !meta.encodings?.every((encoding) => ENCODINGS.has(encoding))) return undefined;
  const converted = element.converted_type;
  const logical = element.logical_type;
  const plainNumber = converted === undefined && logical === undefined;
  let kind: FlatKind | undefined;
  switch (meta.type) {
    case 'BOOLEAN':
    case 'FLOAT':
    case 'DOUBLE':
      if (plainNumber) kind = meta.type;
      break;
    case 'INT32':
      if (SIGNED_INT32.has(converted) && (logical === undefined || (logical.type === 'INTEGER' && logical.isSigned))) kind = 'INT32';
      break;
    case 'INT64':
      if ((converted === undefined || converted === 'INT_64') && (logical === undefined || (logical.type === 'INTEGER' && logical.isSigned))) kind = 'INT64';
      break;
    case 'BYTE_ARRAY':
      if (TEXT.has(converted) && TEXT_LOGICAL.has(logical?.type)) kind = 'STRING';
      break;
    default:
      break;
  }
  return kind && { kind, optional: element.repetition_type !== 'REQUIRED', decompress };
}

const utf8 = new TextDecoder();

/** Reads one column chunk's rows in order, `read(count)` at a time. */
export class FlatColumnReader {
  private readonly cursor: ByteCursor;
  private dictionary: Cell[] | undefined;
  /** The chunk's dictionary as the codes' dictionary, when small enough (see DICTIONARY_LIMIT). */
  private coded: ReaderDictionary | undefined;
  private seenData = false;
  /** The current page: definition levels (undefined: no nulls), and its values as indices or cells. */
  private defs: Uint8Array | undefined;
  private indices: Int32Array | undefined;
  private values: Cell[] = [];
  private pageRows = 0;
  private row = 0;
  private value = 0;
  private rowsBefore = 0;

  /**
   * `rows`: the row group's; `maxPageBytes`: the chunk's uncompressed size, which no page can
   * exceed (a damaged size would otherwise be allocated before a decompressor finds out).
   */
  constructor(
    chunk: Uint8Array,
    private readonly spec: FlatColumnSpec,
    private readonly rows: number,
    private readonly maxPageBytes = Infinity,
  ) {
    this.cursor = new ByteCursor(chunk);
  }

  /** The next `count` rows: their cells, and codes when some come from a small dictionary. */
  read(count: number): { cells: Cell[]; codes: ColumnCodes | undefined } {
    const cells = new Array<Cell>(count);
    let codes: Int32Array | undefined;
    for (let i = 0; i < count; ) {
      if (this.row === this.pageRows) this.nextPage();
      const n = Math.min(count - i, this.pageRows - this.row);
      const defs = this.defs;
      const row = this.row;
      let value = this.value;
      const indices = this.indices;
      if (indices === undefined) {
        const values = this.values;
        for (let k = 0; k < n; k += 1) cells[i + k] = defs !== undefined && defs[row + k] === 0 ? null : values[value++]!;
      } else {
        const dictionary = this.dictionary!;
        if (this.coded !== undefined) {
          codes ??= new Int32Array(count).fill(-1);
          for (let k = 0; k < n; k += 1) {
            if (defs !== undefined && defs[row + k] === 0) cells[i + k] = null;
            else {
              const index = indices[value++]!;
              cells[i + k] = dictionary[index]!;
              codes[i + k] = index;
            }
          }
        } else {
          for (let k = 0; k < n; k += 1) cells[i + k] = defs !== undefined && defs[row + k] === 0 ? null : dictionary[indices[value++]!]!;
        }
      }
      this.value = value;
      this.row += n;
      i += n;
    }
    return { cells, codes: codes && { codes, dictionary: this.coded!, counted: undefined } };
  }

  private nextPage(): void {
    const cursor = this.cursor;
    this.rowsBefore += this.pageRows;
    this.pageRows = 0;
    this.row = 0;
    for (;;) {
      if (cursor.at >= cursor.bytes.length) throw new Error(`the column chunk ends after ${this.rowsBefore} of its ${this.rows} values`);
      const header = readPageHeader(cursor);
      const start = cursor.at;
      const end = start + header.compressedSize;
      if (end > cursor.bytes.length) throw new Error('a page runs past the end of its column chunk');
      if (header.uncompressedSize > this.maxPageBytes) throw new Error(`a page claims ${header.uncompressedSize} bytes, more than its column chunk's ${this.maxPageBytes}`);
      cursor.at = end;
      const raw = cursor.bytes.subarray(start, end);
      if (header.type === PAGE_DICTIONARY) {
        if (this.seenData || this.dictionary) throw new Error('a dictionary page follows other pages');
        if (header.encoding !== ENCODING_PLAIN && header.encoding !== ENCODING_PLAIN_DICTIONARY) throw new UnsupportedPageError(`dictionary encoding ${header.encoding}`);
        const page = this.decompress(raw, header.uncompressedSize);
        this.dictionary = decodePlain(this.spec.kind, page, 0, header.numValues);
        if (this.dictionary.length <= DICTIONARY_LIMIT) this.coded = { values: this.dictionary };
        continue;
      }
      if (header.type === PAGE_INDEX) continue;
      if (header.type !== PAGE_DATA && header.type !== PAGE_DATA_V2) throw new Error(`unknown page type ${header.type}`);
      this.seenData = true;
      if (header.numValues === 0) continue;
      if (this.rowsBefore + header.numValues > this.rows) throw new Error(`the column chunk holds more than its ${this.rows} values`);
      this.loadDataPage(header, raw);
      return;
    }
  }

  private loadDataPage(header: PageHeader, raw: Uint8Array): void {
    const rows = header.numValues;
    let bytes: Uint8Array;
    let at = 0;
    let defs: Uint8Array | undefined;
    if (header.type === PAGE_DATA) {
      bytes = this.decompress(raw, header.uncompressedSize);
      if (this.spec.optional) {
        if (header.definitionEncoding !== ENCODING_RLE) throw new UnsupportedPageError(`definition levels in encoding ${header.definitionEncoding}`);
        if (bytes.length < 4) throw new Error('a data page ends before its definition levels');
        const length = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
        defs = new Uint8Array(rows);
        readHybrid(bytes, 4, 4 + length, 1, defs, rows);
        at = 4 + length;
      }
    } else {
      const levels = header.repetitionBytes + header.definitionBytes;
      if (levels > raw.length) throw new Error('a data page ends before its levels');
      if (this.spec.optional) {
        defs = new Uint8Array(rows);
        readHybrid(raw, header.repetitionBytes, levels, 1, defs, rows);
      }
      const values = raw.subarray(levels);
      const size = header.uncompressedSize - levels;
      // An empty values section (a page of nulls) may be stored as no bytes at all.
      bytes = !header.compressed ? values : size === 0 && values.length === 0 ? values : this.decompress(values, size);
    }
    let present = rows;
    if (defs !== undefined) {
      present = 0;
      for (let k = 0; k < rows; k += 1) {
        const level = defs[k]!;
        if (level > 1) throw new Error(`a definition level of ${level} in a flat column (at most 1)`);
        present += level;
      }
    }
    if (header.type === PAGE_DATA_V2) {
      // The header states what the levels say: a damaged level must not turn a null into a value.
      if (header.numRows !== -1 && header.numRows !== rows) throw new Error(`a page of ${rows} values says it holds ${header.numRows} rows`);
      if (header.numNulls !== -1 && header.numNulls !== rows - present) throw new Error(`a page's definition levels give ${rows - present} nulls, its header ${header.numNulls}`);
    }
    if (present === rows) defs = undefined;
    this.indices = undefined;
    switch (header.encoding) {
      case ENCODING_PLAIN:
        this.values = decodePlain(this.spec.kind, bytes, at, present);
        break;
      case ENCODING_PLAIN_DICTIONARY:
      case ENCODING_RLE_DICTIONARY: {
        const dictionary = this.dictionary;
        if (dictionary === undefined) throw new Error('a dictionary-encoded page has no dictionary page before it');
        if (present > 0 && at >= bytes.length) throw new Error('a data page ends before its dictionary indices');
        const indices = new Int32Array(present);
        // Bit width 0: every index is 0, and some writers store no runs after the width.
        if (present > 0 && bytes[at] !== 0) readHybrid(bytes, at + 1, bytes.length, bytes[at]!, indices, present);
        let bad = 0;
        for (let k = 0; k < present; k += 1) if (indices[k]! >>> 0 >= dictionary.length) bad = 1;
        if (bad) throw new Error(`a dictionary index is out of range (the dictionary holds ${dictionary.length} values)`);
        this.indices = indices;
        this.values = [];
        break;
      }
      case ENCODING_RLE: {
        if (this.spec.kind !== 'BOOLEAN') throw new UnsupportedPageError('RLE values other than booleans');
        if (at + 4 > bytes.length) throw new Error('a data page ends before its values');
        const length = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
        const bits = new Uint8Array(present);
        readHybrid(bytes, at + 4, at + 4 + length, 1, bits, present);
        this.values = Array.from(bits, (bit) => bit !== 0);
        break;
      }
      default:
        throw new UnsupportedPageError(`values in encoding ${header.encoding}`);
    }
    this.defs = defs;
    this.pageRows = rows;
    this.value = 0;
  }

  private decompress(bytes: Uint8Array, size: number): Uint8Array {
    const page = this.spec.decompress(bytes, size);
    if (page.length !== size) throw new Error(`a page decompresses to ${page.length} bytes, its header says ${size}`);
    return page;
  }
}

/** `count` PLAIN values of `kind` from `bytes` at `at`, as cells. */
function decodePlain(kind: FlatKind, bytes: Uint8Array, at: number, count: number): Cell[] {
  // Checked before allocating: a corrupt count must not allocate more than the page could hold.
  const least = kind === 'BOOLEAN' ? Math.ceil(count / 8) : (kind === 'DOUBLE' || kind === 'INT64' ? 8 : 4) * count;
  if (at + least > bytes.length) throw new Error(`a page ends before its ${count} values`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cells = new Array<Cell>(count);
  switch (kind) {
    case 'DOUBLE':
      for (let k = 0; k < count; k += 1) cells[k] = view.getFloat64(at + 8 * k, true);
      return cells;
    case 'FLOAT':
      for (let k = 0; k < count; k += 1) cells[k] = view.getFloat32(at + 4 * k, true);
      return cells;
    case 'INT32':
      for (let k = 0; k < count; k += 1) cells[k] = view.getInt32(at + 4 * k, true);
      return cells;
    case 'INT64':
      for (let k = 0; k < count; k += 1) {
        const lo = view.getUint32(at + 8 * k, true);
        const hi = view.getInt32(at + 8 * k + 4, true);
        // Exact as a number within ±(2^53 - 1), as `toCell` keeps it; beyond, a bigint.
        cells[k] = hi >= -0x200000 && hi < 0x200000 && !(hi === -0x200000 && lo === 0) ? hi * 4294967296 + lo : view.getBigInt64(at + 8 * k, true);
      }
      return cells;
    case 'BOOLEAN':
      for (let k = 0; k < count; k += 1) cells[k] = ((bytes[at + (k >> 3)]! >> (k & 7)) & 1) === 1;
      return cells;
    case 'STRING': {
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let p = at;
      for (let k = 0; k < count; k += 1) {
        if (p + 4 > bytes.length) throw new Error(`a page ends before its ${count} values`);
        const end = p + 4 + view.getUint32(p, true);
        if (end > bytes.length) throw new Error(`a page ends before its ${count} values`);
        let ascii = 0;
        for (let q = p + 4; q < end; q += 1) ascii |= bytes[q]!;
        // The same text as hyparquet's TextDecoder gives (ASCII decodes to itself).
        cells[k] = ascii < 0x80 ? text.toString('latin1', p + 4, end) : utf8.decode(bytes.subarray(p + 4, end));
        p = end;
      }
      return cells;
    }
  }
}
