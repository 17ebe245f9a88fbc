import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { parquetWriteFile } from 'hyparquet-writer';
import type { Cell, TableBatch } from '../table.js';
import { FlatColumnReader, flatColumnSpec, UnsupportedPageError, type FlatColumnSpec, type FlatKind } from './parquet-flat.js';
import { toCell } from './parquet.js';
import { checkCodes, readTable, TempDir, userError, withoutCodes } from './testing.js';

const temp = new TempDir();
afterAll(() => temp.remove());

/** A small deterministic generator (xorshift32), so every run writes the same files. */
function generator(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const ROWS = 2_500;
const KINDS = ['BOOLEAN', 'INT32', 'INT64', 'FLOAT', 'DOUBLE', 'STRING'] as const;
const SPECIAL_DOUBLES = [NaN, -0, 0, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, -(2 ** 53) - 2];
const SPECIAL_INT64 = [2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n) + 1n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n), -1n, 4294967295n, 4294967296n, -4294967296n];
const SPECIAL_STRINGS = ['', 'Zoë', '\ufeffbom', '日本語', 'a'.repeat(300), 'x"y', ' padded '];

/** Values of one kind: a few distinct ones (dictionary-friendly) or many, specials mixed in, nulls when nullable. */
function values(kind: FlatKind, nullable: boolean, distinct: number, seed: number): unknown[] {
  const next = generator(seed);
  return Array.from({ length: ROWS }, (_, i) => {
    if (nullable && next() < 0.15) return null;
    const pick = Math.floor(next() * distinct);
    const special = next() < 0.05;
    switch (kind) {
      case 'BOOLEAN':
        return pick % 2 === 0;
      case 'INT32':
        return special ? [2 ** 31 - 1, -(2 ** 31), 0, -1][i % 4] : pick * 7919 - 50_000;
      case 'INT64':
        return special ? SPECIAL_INT64[i % SPECIAL_INT64.length] : BigInt(pick) * 1_000_003n - 7n;
      case 'FLOAT':
        return special ? [NaN, -0, Infinity, 3.4e38][i % 4] : Math.fround(pick / 3);
      case 'DOUBLE':
        return special ? SPECIAL_DOUBLES[i % SPECIAL_DOUBLES.length] : pick / 7 - 100;
      case 'STRING':
        return special ? SPECIAL_STRINGS[i % SPECIAL_STRINGS.length] : `v${pick}`;
    }
  });
}

/** Cells as the reader must give them: hyparquet's values through `toCell`. */
async function hyparquetCells(path: string, columns: string[]): Promise<Cell[][]> {
  const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path), columns, compressors });
  return columns.map((name) => rows.map((row, i) => toCell(row[name], name, path, i + 1)));
}

/** The first difference between two columns of cells, or undefined. */
function firstDifference(got: readonly Cell[], want: readonly Cell[]): string | undefined {
  if (got.length !== want.length) return `${got.length} cells, expected ${want.length}`;
  for (let i = 0; i < got.length; i += 1) if (!Object.is(got[i], want[i])) return `row ${i}: ${String(got[i])} (${typeof got[i]}), expected ${String(want[i])} (${typeof want[i]})`;
  return undefined;
}

describe('flat Parquet columns read page by page', () => {
  const codecs = {
    UNCOMPRESSED: {},
    SNAPPY: {},
    GZIP: { compressors: { GZIP: (bytes: Uint8Array) => new Uint8Array(gzipSync(bytes)) } },
  } as const;
  for (const [codec, extra] of Object.entries(codecs)) {
    it(`every kind, nullable or not, PLAIN or dictionary-encoded, in small pages (${codec}): hyparquet's cells, read straight from the pages`, async () => {
      const columnData: { name: string; data: unknown[]; type: FlatKind; nullable: boolean; encoding?: 'PLAIN' | 'RLE_DICTIONARY' | 'RLE' }[] = [];
      KINDS.forEach((kind, k) => {
        for (const nullable of [true, false]) {
          for (const encoding of kind === 'BOOLEAN' ? (['PLAIN', 'RLE'] as const) : (['PLAIN', 'RLE_DICTIONARY'] as const)) {
            const distinct = encoding === 'PLAIN' ? 100_000 : 40;
            columnData.push({ name: `${kind}_${nullable ? 'null' : 'req'}_${encoding}`, data: values(kind, nullable, distinct, 17 + k * 4 + columnData.length), type: kind, nullable, encoding });
          }
        }
      });
      const path = join(temp.path, `kinds-${codec}.parquet`);
      parquetWriteFile({ filename: path, columnData: columnData as never, rowGroupSize: 1_000, pageSize: 700, codec: codec as 'SNAPPY', ...extra });
      const names = columnData.map((column) => column.name);
      const want = await hyparquetCells(path, names);

      // Each chunk straight through FlatColumnReader, in reads of uneven sizes across page ends.
      const file = readFileSync(path);
      const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
      const elements = parquetSchema(metadata).children.map((child) => child.element);
      let groupStart = 0;
      let pagesPerChunk = 0;
      for (const group of metadata.row_groups) {
        const rows = Number(group.num_rows);
        for (const chunk of group.columns) {
          const meta = chunk.meta_data!;
          const j = names.indexOf(meta.path_in_schema[0]!);
          const spec = flatColumnSpec(elements[j]!, meta, meta.codec === 'UNCOMPRESSED' ? (bytes) => bytes : compressors[meta.codec as keyof typeof compressors]);
          expect(spec, names[j]).toBeDefined();
          expect(spec!.optional).toBe(columnData[j]!.nullable);
          const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
          const reader = new FlatColumnReader(file.subarray(start, start + Number(meta.total_compressed_size)), spec!, rows);
          const cells: Cell[] = [];
          for (let read = 0, size = 1; read < rows; read += size, size = size * 3 + 1) {
            const { cells: part, codes } = reader.read(Math.min(size, rows - read));
            // Codes come with a dictionary's pages only, and each stands for its cell (NaN included).
            if (codes) {
              expect(names[j]).toMatch(/_RLE_DICTIONARY$/);
              part.forEach((cell, i) => expect(codes.codes[i] === -1 ? cell === null : Object.is(codes.dictionary.values[codes.codes[i]!], cell)).toBe(true));
            }
            cells.push(...part);
          }
          expect(firstDifference(cells, want[j]!.slice(groupStart, groupStart + rows)), `${names[j]} rows ${groupStart}+`).toBeUndefined();
          expect(() => reader.read(1)).toThrow(`the column chunk ends after ${rows} of its ${rows} values`);
          pagesPerChunk = Math.max(pagesPerChunk, (meta.encoding_stats ?? []).reduce((sum, stat) => sum + stat.count, 0));
        }
        groupStart += rows;
      }
      expect(pagesPerChunk).toBeGreaterThan(5);

      // And through the reader as a whole, with codes for the dictionary-encoded strings.
      const table = await readTable(path, { batchRows: 300 });
      names.forEach((name, j) => expect(firstDifference(table.rows.map((row) => row[j]!), want[j]!), name).toBeUndefined());
    });
  }

  it('a column of another encoding, or a type that needs converting, is left to hyparquet', async () => {
    const path = join(temp.path, 'others.parquet');
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: 'delta', data: Int32Array.from({ length: 300 }, (_, i) => i * 3), type: 'INT32', encoding: 'DELTA_BINARY_PACKED', nullable: false },
        { name: 'at', data: Array.from({ length: 300 }, (_, i) => new Date(Date.UTC(2024, 0, 1 + i))), type: 'TIMESTAMP' },
        { name: 'text', data: Array.from({ length: 300 }, (_, i) => `t${i % 5}`), type: 'STRING' },
      ],
    });
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
    const elements = parquetSchema(metadata).children.map((child) => child.element);
    const specs = metadata.row_groups[0]!.columns.map((chunk, j) => flatColumnSpec(elements[j]!, chunk.meta_data!, (bytes) => bytes));
    expect(specs.map((spec) => spec?.kind)).toEqual([undefined, undefined, 'STRING']);
    const table = await readTable(path, { batchRows: 64 });
    expect(table.rows[299]).toEqual([897, '2024-10-26T00:00:00.000Z', 't4']);
  });
});

// --- Pages built by hand, following the format's specification, for what the writer above never
// writes: DATA_PAGE (v1) pages, RLE runs, wide bit widths, and damaged pages.

/** An unsigned LEB128 varint (Thrift compact protocol, hybrid run headers). */
function pushVarint(out: number[], value: number | bigint): void {
  let rest = BigInt(value);
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
}

const zigzag = (value: number | bigint): bigint => (BigInt(value) >= 0n ? BigInt(value) * 2n : -BigInt(value) * 2n - 1n);

/** A Thrift compact value: i32 (number), i64 (bigint), bool, binary (string), struct (fields), or a list of one of those. */
type ThriftValue = number | bigint | boolean | string | ThriftField[] | { list: ThriftValue[] };
type ThriftField = [id: number, value: ThriftValue];

function thriftType(value: ThriftValue): number {
  if (typeof value === 'boolean') return value ? 1 : 2;
  if (typeof value === 'number') return 5;
  if (typeof value === 'bigint') return 6;
  if (typeof value === 'string') return 8;
  return Array.isArray(value) ? 12 : 9;
}

function pushThrift(out: number[], value: ThriftValue): void {
  if (typeof value === 'number' || typeof value === 'bigint') pushVarint(out, zigzag(value));
  else if (typeof value === 'string') {
    const bytes = Buffer.from(value);
    pushVarint(out, bytes.length);
    out.push(...bytes);
  } else if (Array.isArray(value)) out.push(...thriftStruct(value));
  else if (typeof value === 'object') {
    const element = value.list.length > 0 ? thriftType(value.list[0]!) : 5;
    out.push(value.list.length < 15 ? (value.list.length << 4) | element : 0xf0 | element);
    if (value.list.length >= 15) pushVarint(out, value.list.length);
    for (const item of value.list) pushThrift(out, item);
  }
}

/** Thrift compact protocol: a struct, fields in increasing ids. */
function thriftStruct(fields: ThriftField[]): number[] {
  const out: number[] = [];
  let last = 0;
  for (const [id, value] of fields) {
    out.push(((id - last) << 4) | thriftType(value));
    last = id;
    if (typeof value !== 'boolean') pushThrift(out, value);
  }
  out.push(0);
  return out;
}

/** RLE/bit-packed hybrid: runs of equal values as RLE runs when `rle`, the rest bit-packed in groups of 8. */
function hybrid(levels: readonly number[], width: number, rle: (run: number) => boolean): number[] {
  const out: number[] = [];
  const varint = (value: number) => pushVarint(out, value);
  let i = 0;
  while (i < levels.length) {
    let run = 1;
    while (i + run < levels.length && levels[i + run] === levels[i]) run += 1;
    if (rle(run)) {
      varint(run * 2);
      for (let b = 0; b < Math.ceil(width / 8); b += 1) out.push(Math.floor(levels[i]! / 2 ** (8 * b)) & 0xff);
      i += run;
      continue;
    }
    const count = Math.min(8 * Math.ceil(Math.min(levels.length - i, 64) / 8), 8 * 63);
    varint((count / 8) * 2 + 1);
    const bits: number[] = [];
    for (let k = 0; k < count; k += 1) for (let b = 0; b < width; b += 1) bits.push(Math.floor((levels[i + k] ?? 0) / 2 ** b) % 2);
    for (let k = 0; k < bits.length; k += 8) out.push(bits.slice(k, k + 8).reduce((byte, bit, b) => byte | (bit << b), 0));
    i += count;
  }
  return out;
}

const le32 = (value: number) => [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
const plainDoubles = (xs: number[]) => [...new Uint8Array(Float64Array.from(xs).buffer)];

const uncompressed: FlatColumnSpec['decompress'] = (bytes) => bytes;
/** For pages whose values must not be decompressed. */
const refuse: FlatColumnSpec['decompress'] = () => {
  throw new Error('decompressed');
};

/** A DATA_PAGE (v1): definition levels (RLE, with their length) then the values, uncompressed. */
function pageV1(cells: (number | null)[], encoding: number, values: number[], options: { definitionEncoding?: number; rle?: (run: number) => boolean } = {}): number[] {
  const levels = hybrid(
    cells.map((cell) => (cell === null ? 0 : 1)),
    1,
    options.rle ?? ((run) => run >= 8),
  );
  const body = [...le32(levels.length), ...levels, ...values];
  return [...thriftStruct([[1, 0], [2, body.length], [3, body.length], [5, [[1, cells.length], [2, encoding], [3, options.definitionEncoding ?? 3], [4, 3]]]]), ...body];
}

function dictionaryPage(entries: number[]): number[] {
  const body = plainDoubles(entries);
  return [...thriftStruct([[1, 2], [2, body.length], [3, body.length], [7, [[1, entries.length], [2, 0]]]]), ...body];
}

function readAll(bytes: number[], rows: number, optional = true): Cell[] {
  return new FlatColumnReader(Uint8Array.from(bytes), { kind: 'DOUBLE', optional, decompress: uncompressed }, rows).read(rows).cells;
}

describe('flat Parquet pages built by hand', () => {
  const cells = Array.from({ length: 203 }, (_, i) => (i % 5 === 0 || (i > 100 && i < 130) ? null : i / 4));
  const present = cells.filter((cell): cell is number => cell !== null);

  it('DATA_PAGE v1 with PLAIN values, definition levels as RLE runs, bit-packed groups or both', () => {
    for (const rle of [() => true, () => false, (run: number) => run >= 8]) {
      const page = pageV1(cells, 0, plainDoubles(present), { rle });
      expect(readAll(page, cells.length)).toEqual(cells);
    }
  });

  it('DATA_PAGE v1 with dictionary indices of every bit width from 0 to 32', () => {
    for (const width of [0, 1, 2, 3, 7, 8, 9, 13, 16, 17, 24, 25, 31, 32]) {
      const entries = Array.from({ length: Math.min(5, 2 ** width) }, (_, k) => k * 1.5 - 2);
      // Indices stay within the dictionary; the width is the page's, so each is written wide.
      const indices = present.map((_, k) => (k * 7) % entries.length);
      const page = pageV1(cells, 8, [width, ...hybrid(indices, width, (run) => run % 2 === 0)]);
      const want = cells.map((cell, i) => (cell === null ? null : entries[indices[cells.slice(0, i).filter((c) => c !== null).length]!]!));
      expect(readAll([...dictionaryPage(entries), ...page], cells.length), `width ${width}`).toEqual(want);
    }
  });

  it('bit width 0 with no runs after it (a writer of single-value chunks): every index is 0; a v2 page of nulls may store no values', () => {
    const page = pageV1([5, null, 5, 5], 8, [0]);
    expect(readAll([...dictionaryPage([42.5]), ...page], 4)).toEqual([42.5, null, 42.5, 42.5]);
    const nulls = pageV2([null, null]);
    expect(new FlatColumnReader(Uint8Array.from(nulls), { kind: 'DOUBLE', optional: true, decompress: refuse }, 2).read(2).cells).toEqual([null, null]);
  });

  it('a chunk with no list of encodings, or whose type differs from the schema\'s, is left to hyparquet', () => {
    const element = { name: 'x', type: 'DOUBLE', repetition_type: 'OPTIONAL' } as const;
    const meta = { type: 'DOUBLE', encodings: ['PLAIN'], path_in_schema: ['x'], codec: 'UNCOMPRESSED', num_values: 1n, total_uncompressed_size: 10n, total_compressed_size: 10n, data_page_offset: 4n } as const;
    expect(flatColumnSpec(element, meta as never, uncompressed)?.kind).toBe('DOUBLE');
    expect(flatColumnSpec(element, { ...meta, type: 'INT64' } as never, uncompressed)).toBeUndefined();
    expect(flatColumnSpec(element, { ...meta, encodings: undefined } as never, uncompressed)).toBeUndefined();
    expect(flatColumnSpec(element, meta as never, undefined)).toBeUndefined();
  });

  it('several pages of both versions in one chunk, REQUIRED (no levels) and OPTIONAL', () => {
    const a = [1.5, 2.5, 3.5];
    const b = [4.5, 5.5];
    const required = [...pageV1Required(a), ...pageV1Required(b)];
    expect(readAll(required, 5, false)).toEqual([...a, ...b]);
    const levels = hybrid([1, 0, 1], 1, () => false);
    const v2body = [...levels, ...plainDoubles([7, 8])];
    const v2 = [...thriftStruct([[1, 3], [2, v2body.length], [3, v2body.length], [8, [[1, 3], [2, 1], [3, 3], [4, 0], [5, levels.length], [6, 0], [7, false]]]]), ...v2body];
    expect(readAll([...pageV1([1, null], 0, plainDoubles([1])), ...v2], 5)).toEqual([1, null, 7, null, 8]);
    // is_compressed false: the values are read as they are, even in a compressed column.
    expect(new FlatColumnReader(Uint8Array.from(v2), { kind: 'DOUBLE', optional: true, decompress: refuse }, 3).read(3).cells).toEqual([7, null, 8]);
  });

  it('bit-packed definition levels (deprecated) are left to hyparquet; damaged pages are errors, never reads past the bytes', () => {
    expect(() => readAll(pageV1(cells, 0, plainDoubles(present), { definitionEncoding: 4 }), cells.length)).toThrow(UnsupportedPageError);
    const good = pageV1(cells, 0, plainDoubles(present));
    expect(() => readAll(good.slice(0, good.length - 8), cells.length)).toThrow(/page runs past the end|ends before/);
    expect(() => readAll(good, cells.length + 1)).toThrow(`the column chunk ends after ${cells.length} of its ${cells.length + 1} values`);
    expect(() => readAll(good, cells.length - 1)).toThrow('the column chunk holds more than its 202 values');
    expect(() => readAll(pageV1([1, 2], 8, [1, ...hybrid([0, 1], 1, () => false)]), 2)).toThrow('a dictionary-encoded page has no dictionary page before it');
    expect(() => readAll([...dictionaryPage([1]), ...pageV1([1, 2], 8, [1, ...hybrid([0, 1], 1, () => false)])], 2)).toThrow('a dictionary index is out of range (the dictionary holds 1 values)');
    expect(() => readAll([...pageV1([1], 0, plainDoubles([1])), ...dictionaryPage([1])], 2)).toThrow('a dictionary page follows other pages');
    expect(() => readAll([0x15, 0x00, 0x15], 1)).toThrow('page header runs past the end of its column chunk');
    // A count the page's bytes cannot hold is refused before anything is allocated for it.
    const huge = [...thriftStruct([[1, 2], [2, 8], [3, 8], [7, [[1, 2 ** 30], [2, 0]]]]), ...plainDoubles([1])];
    expect(() => readAll([...huge, ...pageV1([1], 8, [0])], 1)).toThrow(`a page ends before its ${2 ** 30} values`);
    // What hyparquet would read wrongly: a level above 1 (a null read as a value), levels that
    // disagree with the nulls a v2 header states, a page larger than its chunk, nesting without end.
    const twos = [...thriftStruct([[1, 0], [2, 14], [3, 14], [5, [[1, 2], [2, 0], [3, 3], [4, 3]]]]), ...le32(2), 4, 2, ...plainDoubles([9])];
    expect(() => readAll(twos, 2)).toThrow('a definition level of 2 in a flat column (at most 1)');
    expect(readAll(pageV2([1, null, 3]), 3)).toEqual([1, null, 3]);
    expect(() => readAll(pageV2([1, null, 3], [[2, 0]]), 3)).toThrow("a page's definition levels give 1 nulls, its header 0");
    expect(() => readAll(pageV2([1, null, 3], [[3, 4]]), 3)).toThrow('a page of 3 values says it holds 4 rows');
    expect(() => new FlatColumnReader(Uint8Array.from(good), { kind: 'DOUBLE', optional: true, decompress: uncompressed }, cells.length, good.length - 30).read(1)).toThrow(/a page claims \d+ bytes, more than its column chunk's/);
    expect(() => readAll([0x99, ...new Array<number>(100).fill(0x19)], 1)).toThrow('page header nests values too deeply');
    // Two indices of bit width 8 in a bit-packed run of one group, with one byte of it there (a run
    // may stop at its last real value, not before).
    expect(() => readAll([...dictionaryPage([1, 2, 3]), ...pageV1([1, 2], 8, [8, 0x03, 0x00])], 2)).toThrow('a bit-packed run is cut short');
    expect(() => readAll([...dictionaryPage([1, 2, 3]), ...pageV1([1, 2], 8, [3, 0x83])], 2)).toThrow('a run of levels or indices runs past the end of its page');
    // A header that lost its encoding is not read as PLAIN.
    expect(() => readAll([...thriftStruct([[1, 0], [2, 8], [3, 8], [5, [[1, 1], [3, 3], [4, 3]]]]), ...plainDoubles([1])], 1, false)).toThrow('page header lacks its encoding');
    // Every single-byte change of a page reads as doubles and nulls or fails with one of the
    // reader's own errors: never a RangeError or TypeError from reading past the bytes.
    let failed = 0;
    for (let at = 0; at < good.length; at += 1) {
      for (const value of [0x00, 0xff, good[at]! ^ 0x10]) {
        const damaged = [...good];
        damaged[at] = value;
        try {
          const read = readAll(damaged, cells.length);
          expect(read).toHaveLength(cells.length);
          expect(read.every((cell) => cell === null || typeof cell === 'number')).toBe(true);
        } catch (error) {
          failed += 1;
          expect([Error, UnsupportedPageError]).toContain((error as Error).constructor);
        }
      }
    }
    // Most bytes are the values' own (any byte reads as some double); the header and levels fail.
    expect(failed).toBeGreaterThan(50);
  });
});

/** A DATA_PAGE_V2 of OPTIONAL doubles: levels bit-packed, values PLAIN, `fields` over the header's own. */
function pageV2(cells: (number | null)[], fields: ThriftField[] = []): number[] {
  const levels = hybrid(
    cells.map((cell) => (cell === null ? 0 : 1)),
    1,
    () => false,
  );
  const values = plainDoubles(cells.filter((cell): cell is number => cell !== null));
  const body = [...levels, ...values];
  const nulls = cells.filter((cell) => cell === null).length;
  const header = new Map<number, ThriftField[1]>([[1, cells.length], [2, nulls], [3, cells.length], [4, 0], [5, levels.length], [6, 0]]);
  for (const [id, value] of fields) header.set(id, value);
  return [...thriftStruct([[1, 3], [2, body.length], [3, body.length], [8, [...header].sort((a, b) => a[0] - b[0])]]), ...body];
}

function pageV1Required(xs: number[]): number[] {
  const body = plainDoubles(xs);
  return [...thriftStruct([[1, 0], [2, body.length], [3, body.length], [5, [[1, xs.length], [2, 0], [3, 3], [4, 3]]]]), ...body];
}

const ENCODING = { PLAIN: 0, BYTE_STREAM_SPLIT: 9 } as const;

/** A DATA_PAGE (v1) of REQUIRED doubles in BYTE_STREAM_SPLIT: byte k of every value, then byte k + 1. */
function pageStreamSplit(xs: number[]): number[] {
  const plain = plainDoubles(xs);
  const body = Array.from({ length: plain.length }, (_, i) => plain[(i % xs.length) * 8 + Math.floor(i / xs.length)]!);
  return [...thriftStruct([[1, 0], [2, body.length], [3, body.length], [5, [[1, xs.length], [2, ENCODING.BYTE_STREAM_SPLIT], [3, 3], [4, 3]]]]), ...body];
}

/** Parquet's physical types, as the footer numbers them. */
const TYPE = { BOOLEAN: 0, INT64: 2, DOUBLE: 5 } as const;

interface HandBuiltColumn {
  name: string;
  type: number;
  /** The column chunk: its pages, one after another. */
  chunk: readonly number[];
  /** What the footer lists (default: PLAIN and RLE_DICTIONARY). */
  encodings?: number[];
}

/** A Parquet file of one row group of REQUIRED, uncompressed columns, each chunk after the last. */
function parquetFile(columns: HandBuiltColumn[], rows: number): Uint8Array {
  let offset = 4;
  const chunks = columns.map((column) => {
    const size = BigInt(column.chunk.length);
    const meta: ThriftField[] = [[1, column.type], [2, { list: column.encodings ?? [ENCODING.PLAIN, 8] }], [3, { list: [column.name] }], [4, 0], [5, BigInt(rows)], [6, size], [7, size], [9, BigInt(offset)]];
    const chunk: ThriftField[] = [[2, BigInt(offset)], [3, meta]];
    offset += column.chunk.length;
    return chunk;
  });
  const total = BigInt(offset - 4);
  const footer = thriftStruct([
    [1, 1],
    [2, { list: [[[4, 'schema'], [5, columns.length]], ...columns.map((column): ThriftField[] => [[1, column.type], [3, 0], [4, column.name]])] }],
    [3, BigInt(rows)],
    [4, { list: [[[1, { list: chunks }], [2, total], [3, BigInt(rows)]]] }],
  ]);
  return Uint8Array.from([...Buffer.from('PAR1'), ...columns.flatMap((column) => column.chunk), ...footer, ...le32(footer.length), ...Buffer.from('PAR1')]);
}

/** A dictionary page of `count` entries whose PLAIN bytes are `body`, then a REQUIRED v1 page of their `indices`. */
function dictionaryChunk(count: number, body: number[], indices: number[]): number[] {
  const width = 32 - Math.clz32(count - 1);
  const values = [width, ...hybrid(indices, width, (run) => run >= 8)];
  return [
    ...thriftStruct([[1, 2], [2, body.length], [3, body.length], [7, [[1, count], [2, ENCODING.PLAIN]]]]),
    ...body,
    ...thriftStruct([[1, 0], [2, values.length], [3, values.length], [5, [[1, indices.length], [2, 8], [3, 3], [4, 3]]]]),
    ...values,
  ];
}

describe('Parquet reader: codes of dictionaries that are not strings', () => {
  it('doubles (0 and -0 apart, NaN), int64 beyond 2^53 and booleans: the same validation with codes and without', async () => {
    const rows = 3_000;
    const pick = (i: number, n: number) => (i * 7 + Math.floor(i / 5)) % n;
    const doubles = [0, -0, NaN, 1.5, -2, Infinity];
    const longs = [2n ** 60n, 5n, -(2n ** 53n), 2n ** 53n - 1n];
    const file = parquetFile(
      [
        { name: 'd', type: TYPE.DOUBLE, chunk: dictionaryChunk(doubles.length, plainDoubles(doubles), Array.from({ length: rows }, (_, i) => pick(i, doubles.length))) },
        { name: 'b', type: TYPE.INT64, chunk: dictionaryChunk(longs.length, [...new Uint8Array(BigInt64Array.from(longs).buffer)], Array.from({ length: rows }, (_, i) => pick(i, longs.length))) },
        { name: 't', type: TYPE.BOOLEAN, chunk: dictionaryChunk(2, [0b10], Array.from({ length: rows }, (_, i) => pick(i, 2))) },
      ],
      rows,
    );
    const path = temp.write('coded-numbers.parquet', file);
    const { openTable } = await import('./index.js');
    const { validateData } = await import('../validate-data.js');
    const source = await openTable(path, { batchRows: 500 });
    const first = (await source.batches()[Symbol.asyncIterator]().next()).value as TableBatch;
    checkCodes(first);
    expect(first.codes!.map((coded) => coded?.dictionary.values)).toEqual([doubles, longs.map((value) => (value === 2n ** 53n - 1n ? 2 ** 53 - 1 : value === 5n ? 5 : value)), [false, true]]);
    const withOrWithout = async (withCodes: boolean) => {
      const table = await openTable(path, { batchRows: 500 });
      return withCodes ? table : withoutCodes(table);
    };
    const run = async (withCodes: boolean) => JSON.stringify(await validateData({ data: { source: await withOrWithout(withCodes), shown: 'data.parquet' }, reference: { source: await withOrWithout(withCodes), shown: 'reference.parquet' }, sampleSize: 1_000 }));
    const [withCodes, without] = [await run(true), await run(false)];
    expect(withCodes).toBe(without);
    expect(withCodes).toContain('{"column":"d","kind":"numeric"');
  });
});

describe('Parquet reader: falling back to hyparquet mid-chunk', () => {
  it('a page in an encoding the flat reader leaves to hyparquet, mid-chunk and mid-batch: hyparquet reads the chunk on from that batch, every value', async () => {
    // Hand-built: one REQUIRED DOUBLE column whose chunk lists only PLAIN but holds a PLAIN page and
    // a BYTE_STREAM_SPLIT page (which hyparquet reads). Batches of 32 rows: the flat reader gives
    // the first three, meets the second page inside the fourth, and hands over from its first row.
    const first = Array.from({ length: 100 }, (_, i) => i / 4);
    const second = Array.from({ length: 60 }, (_, i) => -i * 3.5);
    for (const [name, pages] of [
      ['plain-then-split', [...pageV1Required(first), ...pageStreamSplit(second)]],
      ['split-then-plain', [...pageStreamSplit(first), ...pageV1Required(second)]],
    ] as const) {
      const path = temp.write(`${name}.parquet`, parquetFile([{ name: 'x', type: TYPE.DOUBLE, chunk: pages, encodings: [ENCODING.PLAIN] }], first.length + second.length));
      const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
      expect(metadata.row_groups[0]!.columns[0]!.meta_data!.encodings).toEqual(['PLAIN']);
      const table = await readTable(path, { batchRows: 32 });
      expect(table.rows.map((row) => row[0])).toEqual([...first, ...second]);
      expect(table.batchSizes).toEqual([32, 32, 32, 32, 32]);
    }
  });

  it('a damaged page is an error of the flat reader, not read again by hyparquet (which reads an index past its dictionary as a missing value)', async () => {
    const path = join(temp.path, 'bad-index.parquet');
    parquetWriteFile({ filename: path, codec: 'UNCOMPRESSED', columnData: [{ name: 's', data: Array.from({ length: 300 }, (_, i) => 'abc'[i % 3]!), type: 'STRING', encoding: 'RLE_DICTIONARY', nullable: false }] });
    const bytes = readFileSync(path);
    // The data page's values: bit width 2, a bit-packed run of 38 groups, then indices 0 1 2 0 (0x24).
    const at = bytes.indexOf(Buffer.from([0x02, 0x4d, 0x24]));
    expect(at).toBeGreaterThan(0);
    bytes[at + 2] = 0xff; // indices 3 3 3 3, past the 3 entries
    const damaged = temp.write('bad-index-damaged.parquet', bytes);
    expect((await hyparquetCells(damaged, ['s']))[0]!.slice(0, 5)).toEqual([null, null, null, null, 'b']);
    expect(await userError(() => readTable(damaged, {}, 'bad.parquet'))).toBe("bad.parquet:1: cannot read column 's' (rows 1–300): a dictionary index is out of range (the dictionary holds 3 values)");
  });

  it('codes come from the dictionary indices of small dictionaries only; every code names its cell', async () => {
    const path = join(temp.path, 'codes.parquet');
    const small = Array.from({ length: 5_000 }, (_, i) => (i % 13 === 0 ? null : `s${(i * 31) % 50}`));
    const large = Array.from({ length: 5_000 }, (_, i) => `l${(i * 7919) % 3_000}`);
    parquetWriteFile({ filename: path, columnData: [{ name: 'small', data: small, type: 'STRING', encoding: 'RLE_DICTIONARY' }, { name: 'large', data: large, type: 'STRING', encoding: 'RLE_DICTIONARY' }], rowGroupSize: 2_500 });
    const { openTable } = await import('./index.js');
    const source = await openTable(path, { batchRows: 1_000 });
    let coded = 0;
    const dictionaries: unknown[] = [];
    for await (const batch of source.batches()) {
      checkCodes(batch);
      const [smallCodes, largeCodes] = batch.codes!;
      coded += smallCodes!.codes.filter((code) => code >= 0).length;
      dictionaries.push(smallCodes!.dictionary);
      // 3 000 entries: over DICTIONARY_LIMIT, so hyparquet's indices are not codes; the values are coded as they come.
      expect(largeCodes === undefined || largeCodes.dictionary.values.length <= 2_048).toBe(true);
    }
    expect(coded).toBe(small.filter((cell) => cell !== null).length);
    // One dictionary per column chunk (row group): the file's own, read as it is.
    expect(dictionaries.map((dictionary) => dictionaries.indexOf(dictionary))).toEqual([0, 0, 0, 3, 3, 3]);
  });
});
