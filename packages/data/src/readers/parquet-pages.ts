/**
 * Parquet's page level, as far as flat columns need it: page headers (Thrift compact protocol),
 * RLE/bit-packed hybrid runs (definition levels, dictionary indices, RLE booleans) and PLAIN
 * values. Written from the format's specification (parquet-format: parquet.thrift, Encodings.md).
 * Every read is bounds-checked: a corrupt page is an Error here, never a read past its bytes.
 */

export const PAGE_DATA = 0;
export const PAGE_INDEX = 1;
export const PAGE_DICTIONARY = 2;
export const PAGE_DATA_V2 = 3;

export const ENCODING_PLAIN = 0;
export const ENCODING_PLAIN_DICTIONARY = 2;
export const ENCODING_RLE = 3;
export const ENCODING_RLE_DICTIONARY = 8;

/** What a page header says, for the page types a flat column has (fields of the others stay 0). */
export interface PageHeader {
  type: number;
  uncompressedSize: number;
  compressedSize: number;
  /** Values (data pages: rows of a flat column, nulls included; dictionary pages: entries). */
  numValues: number;
  encoding: number;
  /** DATA_PAGE: how its definition levels are encoded. */
  definitionEncoding: number;
  /** DATA_PAGE_V2: its nulls and rows as the header states them (-1 when absent). */
  numNulls: number;
  numRows: number;
  /** DATA_PAGE_V2: level byte lengths (stored uncompressed, before the values) and whether the values are compressed. */
  definitionBytes: number;
  repetitionBytes: number;
  compressed: boolean;
}

// Thrift compact protocol types.
const T_TRUE = 1;
const T_FALSE = 2;
const T_I8 = 3;
const T_I16 = 4;
const T_I32 = 5;
const T_I64 = 6;
const T_DOUBLE = 7;
const T_BINARY = 8;
const T_LIST = 9;
const T_SET = 10;
const T_MAP = 11;
const T_STRUCT = 12;

/** A position in a byte array that reads advance. */
export class ByteCursor {
  /** `what` is read, for messages: "page header" runs past "its column chunk". */
  constructor(
    readonly bytes: Uint8Array,
    public at = 0,
    private readonly what = 'page header',
    private readonly within = 'its column chunk',
  ) {}

  byte(): number {
    if (this.at >= this.bytes.length) throw new Error(`${this.what} runs past the end of ${this.within}`);
    return this.bytes[this.at++]!;
  }

  /** An unsigned varint of at most 5 bytes, a Thrift i32's (longer ones are corrupt for the fields read). */
  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.byte();
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    throw new Error(`${this.what} holds a varint longer than 32 bits`);
  }

  /** A zigzag varint (Thrift i16/i32). */
  int(): number {
    const raw = this.varint();
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  skipVarint(): void {
    for (let i = 0; i < 10; i += 1) if (this.byte() < 0x80) return;
    throw new Error(`${this.what} holds a varint longer than 64 bits`);
  }

  skip(bytes: number): void {
    if (bytes < 0 || this.at + bytes > this.bytes.length) throw new Error(`${this.what} runs past the end of ${this.within}`);
    this.at += bytes;
  }
}

/** Reads the fields of one Thrift struct, calling `field` with each id and type; unknown fields are skipped by the caller returning false. */
function readStruct(cursor: ByteCursor, field: (id: number, type: number) => boolean, depth: number): void {
  if (depth > 16) throw new Error('page header nests structs too deeply');
  let id = 0;
  for (;;) {
    const head = cursor.byte();
    if (head === 0) return;
    const type = head & 0x0f;
    const delta = head >> 4;
    id = delta === 0 ? cursor.int() : id + delta;
    if (!field(id, type)) skipValue(cursor, type, depth);
  }
}

function skipValue(cursor: ByteCursor, type: number, depth: number): void {
  if (depth > 16) throw new Error('page header nests values too deeply');
  switch (type) {
    case T_TRUE:
    case T_FALSE:
      return;
    case T_I8:
      cursor.skip(1);
      return;
    case T_I16:
    case T_I32:
    case T_I64:
      cursor.skipVarint();
      return;
    case T_DOUBLE:
      cursor.skip(8);
      return;
    case T_BINARY:
      cursor.skip(cursor.varint());
      return;
    case T_LIST:
    case T_SET: {
      const head = cursor.byte();
      const size = head >> 4 === 15 ? cursor.varint() : head >> 4;
      const element = head & 0x0f;
      // Booleans in a list take a byte each.
      for (let i = 0; i < size; i += 1) {
        if (element === T_TRUE || element === T_FALSE) cursor.skip(1);
        else skipValue(cursor, element, depth + 1);
      }
      return;
    }
    case T_MAP: {
      const size = cursor.varint();
      if (size === 0) return;
      const types = cursor.byte();
      for (let i = 0; i < size; i += 1) {
        skipValue(cursor, types >> 4, depth + 1);
        skipValue(cursor, types & 0x0f, depth + 1);
      }
      return;
    }
    case T_STRUCT:
      readStruct(cursor, () => false, depth + 1);
      return;
    default:
      throw new Error(`page header holds an unknown Thrift type ${type}`);
  }
}

/** Reads a PageHeader struct at the cursor, leaving it at the page's bytes. */
export function readPageHeader(cursor: ByteCursor): PageHeader {
  const header: PageHeader = { type: -1, uncompressedSize: -1, compressedSize: -1, numValues: 0, encoding: -1, definitionEncoding: ENCODING_RLE, numNulls: -1, numRows: -1, definitionBytes: 0, repetitionBytes: 0, compressed: true };
  const i32 = (type: number): number => {
    if (type !== T_I32) throw new Error(`page header field has Thrift type ${type}, expected i32`);
    return cursor.int();
  };
  readStruct(
    cursor,
    (id, type) => {
      if (id === 1) header.type = i32(type);
      else if (id === 2) header.uncompressedSize = i32(type);
      else if (id === 3) header.compressedSize = i32(type);
      else if ((id === 5 || id === 7 || id === 8) && type === T_STRUCT) {
        // DataPageHeader (5), DictionaryPageHeader (7), DataPageHeaderV2 (8).
        readStruct(
          cursor,
          (sub, subType) => {
            if (sub === 1) header.numValues = i32(subType);
            else if (id === 8 && sub === 2) header.numNulls = i32(subType);
            else if (id === 8 && sub === 3) header.numRows = i32(subType);
            else if ((id !== 8 && sub === 2) || (id === 8 && sub === 4)) header.encoding = i32(subType);
            else if (id === 5 && sub === 3) header.definitionEncoding = i32(subType);
            else if (id === 8 && sub === 5) header.definitionBytes = i32(subType);
            else if (id === 8 && sub === 6) header.repetitionBytes = i32(subType);
            else if (id === 8 && sub === 7 && (subType === T_TRUE || subType === T_FALSE)) header.compressed = subType === T_TRUE;
            else return false;
            return true;
          },
          1,
        );
      } else return false;
      return true;
    },
    0,
  );
  if (header.type < 0 || header.compressedSize < 0 || header.uncompressedSize < 0) throw new Error('page header lacks its type or sizes');
  if (header.numValues < 0 || header.definitionBytes < 0 || header.repetitionBytes < 0) throw new Error('page header holds a negative count');
  // A value page without its encoding must not be read as PLAIN.
  if (header.encoding < 0 && (header.type === PAGE_DATA || header.type === PAGE_DATA_V2 || header.type === PAGE_DICTIONARY)) throw new Error('page header lacks its encoding');
  return header;
}

/**
 * Decodes `count` values of `width` bits (0–32) from RLE/bit-packed hybrid runs in
 * `bytes[at, end)` into `out`. A bit-packed run holds groups of 8 values; values beyond `count`
 * in its last group are padding.
 */
export function readHybrid(bytes: Uint8Array, at: number, end: number, width: number, out: Uint8Array | Int32Array, count: number): void {
  if (width > 32) throw new Error(`bit width ${width} is over 32`);
  if (end > bytes.length) throw new Error('encoded levels or indices run past the end of their page');
  const cursor = new ByteCursor(bytes.subarray(0, end), at, 'a run of levels or indices', 'its page');
  const valueBytes = (width + 7) >> 3;
  let seen = 0;
  while (seen < count) {
    const header = cursor.varint();
    if (header % 2 === 0) {
      const run = Math.min(header / 2, count - seen);
      let value = 0;
      for (let k = 0; k < valueBytes; k += 1) value += cursor.byte() * 2 ** (8 * k);
      out.fill(value, seen, seen + run);
      seen += run;
    } else {
      const groups = (header - 1) / 2;
      const runBytes = groups * width;
      const start = cursor.at;
      // A writer may stop the bytes of the last run at its last real value.
      const available = Math.min(runBytes, end - start);
      const take = Math.min(groups * 8, count - seen);
      if (Math.ceil((take * width) / 8) > available) throw new Error('a bit-packed run is cut short');
      unpack(bytes, start, width, out, seen, take);
      seen += take;
      cursor.at = start + available;
    }
  }
}

/** Unpacks `count` values of `width` bits, least significant bit first, from `bytes` at `at`. */
function unpack(bytes: Uint8Array, at: number, width: number, out: Uint8Array | Int32Array, from: number, count: number): void {
  if (width === 0) {
    out.fill(0, from, from + count);
    return;
  }
  if (width <= 24) {
    // The buffer never holds more than 31 bits, so it stays a small positive int.
    const mask = (1 << width) - 1;
    let buffer = 0;
    let bits = 0;
    let i = at;
    for (let k = from; k < from + count; k += 1) {
      while (bits < width) {
        buffer |= bytes[i++]! << bits;
        bits += 8;
      }
      out[k] = buffer & mask;
      buffer >>>= width;
      bits -= width;
    }
    return;
  }
  for (let k = 0; k < count; k += 1) {
    let value = 0;
    for (let b = 0; b < width; b += 1) {
      const bit = k * width + b;
      if ((bytes[at + (bit >> 3)]! >> (bit & 7)) & 1) value += 2 ** b;
    }
    out[from + k] = value | 0;
  }
}
