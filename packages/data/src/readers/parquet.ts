/**
 * Parquet source on hyparquet (+ hyparquet-compressors): the footer gives the columns; rows stream
 * row group by row group, `batchRows` at a time, reading only the selected columns. Flat numbers,
 * strings and booleans in PLAIN or dictionary pages (most columns of most files) are decoded page by
 * page by parquet-flat.ts, so memory holds the chunk's compressed bytes and one page. Other columns
 * go through hyparquet: a chunk with an offset index page-range by page-range per batch; without
 * one, decoded whole, so memory then grows with the row group (not the file).
 *
 * Cells (see `toCell`): BOOLEAN → boolean; INT32/FLOAT/DOUBLE/DECIMAL/FLOAT16 → number; INT64 →
 * number when it is a safe integer, else bigint; strings (UTF8/STRING/ENUM/JSON, plain BYTE_ARRAY)
 * → string; UUID → string; DATE → `YYYY-MM-DD`; TIMESTAMP (millis/micros/nanos, INT96) → ISO 8601
 * UTC `…T…Z` keeping sub-millisecond digits; other FIXED_LEN_BYTE_ARRAY → hex string; TIME → number
 * in its unit; NaN stays NaN; null stays null. Nested columns (struct/list/map), GEOMETRY and
 * VARIANT are refused (select other columns with `columns`). `lines` are row index + 1. Cells in
 * dictionary pages come with codes (a small dictionary's indices), other string cells with
 * StringCoder's; every cell is in `data` as well.
 */
import { InputDataError } from '@modelgate/core';
import { asyncBufferFromFile, parquetMetadataAsync, parquetScan, parquetSchema, type AsyncBuffer, type FileMetaData, type ParquetParsers, type ParquetScan, type SchemaElement, type ColumnMetaData, type ColumnChunk, type RowGroup } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { Cell, ColumnCodes, TableBatch, TableSource } from '../table.js';
import { batchRowsOf, checkDataFile, DICTIONARY_LIMIT, projectColumns, type OpenOptions, type ReaderDictionary } from './common.js';
import { FlatColumnReader, flatColumnSpec, UnsupportedPageError, type Decompress } from './parquet-flat.js';

const CODECS = new Set(['UNCOMPRESSED', ...Object.keys(compressors)]);

const utf8 = new TextDecoder();

/** Timestamps as ISO strings with all their digits, dates as `YYYY-MM-DD`, JSON kept as text. */
const parsers: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (millis: bigint) => isoTimestamp(millis, 1n),
  timestampFromMicroseconds: (micros: bigint) => isoTimestamp(micros, 1000n),
  timestampFromNanoseconds: (nanos: bigint) => isoTimestamp(nanos, 1_000_000n),
  dateFromDays: (days: number) => {
    const date = new Date(days * 86_400_000);
    return Number.isNaN(date.getTime()) ? days : date.toISOString().slice(0, 10);
  },
  jsonFromBytes: (bytes: Uint8Array) => (bytes === undefined ? bytes : utf8.decode(bytes)),
};

function isoTimestamp(value: bigint, perMilli: bigint): string | number | bigint {
  let millis = value / perMilli;
  let rest = value - millis * perMilli;
  if (rest < 0n) {
    millis -= 1n;
    rest += perMilli;
  }
  const date = new Date(Number(millis));
  if (Number.isNaN(date.getTime())) return safe(value);
  const iso = date.toISOString();
  if (rest === 0n) return iso;
  const digits = perMilli === 1000n ? 3 : 6;
  return `${iso.slice(0, -1)}${rest.toString().padStart(digits, '0')}Z`;
}

function safe(value: bigint): number | bigint {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

type Decoded = ArrayLike<unknown> & { slice?: unknown };

const MIN_PARQUET_BYTES = 12;

export async function openParquet(path: string, shown: string, options: OpenOptions): Promise<TableSource> {
  const size = await checkDataFile(path, shown);
  if (size === 0) throw new InputDataError('is empty (0 bytes), expected a Parquet file', { file: shown });
  // The magic PAR1 at both ends and the footer's length: a shorter file fails in the footer's
  // reader with "Offset is outside the bounds of the DataView".
  if (size < MIN_PARQUET_BYTES) throw new InputDataError(`is ${size} bytes, too short for a Parquet file (at least ${MIN_PARQUET_BYTES}: PAR1, the footer's length, PAR1)`, { file: shown });
  const file = await asyncBufferFromFile(path);
  let metadata: FileMetaData;
  let schema: ReturnType<typeof parquetSchema>;
  let names: string[];
  try {
    metadata = await parquetMetadataAsync(file, { parsers });
    // A damaged footer can also break the schema tree (a count of children it does not hold).
    schema = parquetSchema(metadata);
    names = schema.children.map((child) => child.element.name);
  } catch (error) {
    throw new InputDataError(`not a readable Parquet file: ${reason(error)}`, { file: shown });
  }
  const selected = projectColumns(names, options.columns, shown);
  const columns = selected.map((index) => names[index]!);
  const batchRows = batchRowsOf(options, columns.length);
  for (const index of selected) {
    const child = schema.children[index]!;
    const element = child.element;
    const kind = element.logical_type?.type;
    if (child.children.length > 0 || element.repetition_type === 'REPEATED' || kind === 'GEOMETRY' || kind === 'GEOGRAPHY' || kind === 'VARIANT') {
      const what = child.children.length > 0 ? `a nested ${kind ?? element.converted_type ?? 'group'} column` : `a ${kind ?? 'repeated'} column`;
      throw new InputDataError(`column '${element.name}' is ${what}; only flat columns can be read (leave it out with the columns option)`, { file: shown, field: element.name });
    }
  }
  checkCodecs(metadata, new Set(columns), shown);
  return {
    path: shown,
    format: 'parquet',
    columns,
    // Read from the footer only when asked (a validation's single pass asks).
    get counts() {
      return { present: presentValues(metadata, columns) };
    },
    batches: () => readBatches(file, metadata, columns, selected.map((index) => schema.children[index]!.element), batchRows, shown),
  };
}

/** A row group's chunk of each of `columns` (undefined where the group has none). */
function chunksOf(group: RowGroup, columns: readonly string[]): (ColumnChunk | undefined)[] {
  const byName = new Map(group.columns.map((chunk) => [chunk.meta_data?.path_in_schema[0], chunk]));
  return columns.map((name) => byName.get(name));
}

/** Each flat column's non-null values by its row groups' statistics (num_values - null_count), where every group has them. */
function presentValues(metadata: FileMetaData, columns: readonly string[]): (number | undefined)[] {
  const present: (number | undefined)[] = columns.map(() => 0);
  for (const group of metadata.row_groups) {
    chunksOf(group, columns).forEach((chunk, j) => {
      const meta = chunk?.meta_data;
      const nulls = meta?.statistics?.null_count;
      present[j] = meta === undefined || nulls === undefined || present[j] === undefined ? undefined : present[j] + Number(meta.num_values) - Number(nulls);
    });
  }
  return present;
}

function checkCodecs(metadata: FileMetaData, wanted: ReadonlySet<string>, file: string): void {
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (!meta || !wanted.has(meta.path_in_schema[0]!)) continue;
      if (!CODECS.has(meta.codec)) {
        const column = meta.path_in_schema.join('.');
        throw new InputDataError(
          `column '${column}' is compressed with ${meta.codec}, which cannot be read (supported: ${[...CODECS].join(', ')}); rewrite the file with another codec`,
          { file, field: column },
        );
      }
    }
  }
}

async function* readBatches(file: AsyncBuffer, metadata: FileMetaData, columns: readonly string[], elements: readonly SchemaElement[], batchRows: number, shown: string): AsyncGenerator<TableBatch> {
  // hyparquet reads the columns the flat reader leaves to it (see parquet-flat.ts).
  let scan: ParquetScan | undefined;
  const coders = columns.map(() => new StringCoder());
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupRows = Number(group.num_rows);
    const groupEnd = groupStart + groupRows;
    const chunks = chunksOf(group, columns);
    const flat = await Promise.all(
      chunks.map((chunk, j) =>
        openFlatColumn(file, chunk?.meta_data, elements[j]!, groupRows).catch((error: unknown) => {
          throw columnError(error, columns[j]!, groupStart, groupEnd, shown);
        }),
      ),
    );
    // Without an offset index a sub-range read decodes the whole chunk: hyparquet decodes it once,
    // from the first row it is asked for to the group's end.
    const whole = chunks.map((chunk) => !(chunk?.offset_index_offset !== undefined && chunk.offset_index_length));
    const primed = columns.map(() => false);
    /** Column j's cells of rows [start, end): from the flat reader, else (or from a page it leaves) from hyparquet. */
    const readCells = async (j: number, start: number, end: number): Promise<{ cells: Cell[]; codes: ColumnCodes | undefined }> => {
      const reader = flat[j];
      if (reader !== undefined) {
        try {
          return reader.read(end - start);
        } catch (error) {
          if (!(error instanceof UnsupportedPageError)) throw error;
          flat[j] = undefined; // hyparquet reads the rest of this chunk
        }
      }
      const column = columns[j]!;
      scan ??= await parquetScan({ file, metadata, columns: [...columns], compressors, parsers });
      if (whole[j] && !primed[j] && end < groupEnd) await scan.readColumn({ column, rowStart: start, rowEnd: groupEnd });
      primed[j] = true;
      const values = (await scan.readColumn({ column, rowStart: start, rowEnd: end })) as Decoded;
      if (values.length !== end - start) {
        throw new InputDataError(`column '${column}' has ${values.length} values for rows ${start + 1}–${end}; the file is corrupt`, { file: shown, line: start + 1, field: column });
      }
      return { cells: toCells(values, column, shown, start), codes: undefined };
    };
    for (let start = groupStart; start < groupEnd; start += batchRows) {
      const end = Math.min(start + batchRows, groupEnd);
      const data: Cell[][] = [];
      const codes: (ColumnCodes | undefined)[] = [];
      for (let j = 0; j < columns.length; j += 1) {
        let read: { cells: Cell[]; codes: ColumnCodes | undefined };
        try {
          read = await readCells(j, start, end);
        } catch (error) {
          throw columnError(error, columns[j]!, start, end, shown);
        }
        data.push(read.cells);
        codes.push(read.codes ?? coders[j]!.code(read.cells));
      }
      const lines = new Int32Array(end - start);
      for (let i = 0; i < lines.length; i += 1) lines[i] = start + i + 1;
      yield { columns, data, rowCount: end - start, offset: start, lines, ...(codes.some((c) => c !== undefined) ? { codes } : {}) };
    }
    groupStart = groupEnd;
  }
}

/** A column's read error as the user sees it: the column, its rows, the reader's reason (an InputDataError as it is). */
function columnError(error: unknown, column: string, from: number, to: number, shown: string): InputDataError {
  if (error instanceof InputDataError) return error;
  return new InputDataError(`cannot read column '${column}' (rows ${from + 1}–${to}): ${reason(error)}`, { file: shown, line: from + 1, field: column });
}

const UNCOMPRESSED: Decompress = (bytes) => bytes;

/** A flat reader over the column chunk's bytes, when parquet-flat.ts can read it. */
async function openFlatColumn(file: AsyncBuffer, meta: ColumnMetaData | undefined, element: SchemaElement, rows: number): Promise<FlatColumnReader | undefined> {
  if (!meta) return undefined;
  const spec = flatColumnSpec(element, meta, meta.codec === 'UNCOMPRESSED' ? UNCOMPRESSED : compressors[meta.codec as keyof typeof compressors]);
  if (!spec) return undefined;
  // As hyparquet does: some writers leave dictionary_page_offset 0 when there is none.
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  const bytes = new Uint8Array(await file.slice(start, start + Number(meta.total_compressed_size)));
  return new FlatColumnReader(bytes, spec, rows, Number(meta.total_uncompressed_size));
}

/**
 * Codes for the string cells of one column that come without them (PLAIN pages, dictionaries over
 * DICTIONARY_LIMIT, columns hyparquet reads), so that a repeated value costs the profile and the
 * checks once, as it does in CSV: a map per column from the value to its code. A full dictionary
 * is replaced at the next batch; a column of which a quarter of a batch missed a full dictionary
 * (ids, free text) gets no more codes, since they would mostly cost a lookup per cell, and neither
 * does one whose batch held values but no string (numbers, booleans, bigints).
 */
class StringCoder {
  private dictionary: ReaderDictionary = { values: [] };
  private index = new Map<string, number>();
  private off = false;

  /** A new, empty dictionary (consumers keep the ones they were given). */
  private reset(): void {
    this.dictionary = { values: [] };
    this.index = new Map();
  }

  code(cells: readonly Cell[]): ColumnCodes | undefined {
    if (this.off) return undefined;
    if (this.dictionary.values.length >= DICTIONARY_LIMIT) this.reset();
    const values = this.dictionary.values;
    const codes = new Int32Array(cells.length);
    let strings = 0;
    let missed = 0;
    let others = 0;
    for (let i = 0; i < cells.length; i += 1) {
      const cell = cells[i];
      if (typeof cell !== 'string') {
        codes[i] = -1;
        if (cell !== null) others += 1;
        continue;
      }
      strings += 1;
      let code = this.index.get(cell);
      if (code === undefined) {
        if (values.length < DICTIONARY_LIMIT) {
          code = values.length;
          values.push(cell);
          this.index.set(cell, code);
        } else {
          code = -1;
          missed += 1;
        }
      }
      codes[i] = code;
    }
    const coded: ColumnCodes | undefined = strings > 0 ? { codes, dictionary: this.dictionary, counted: undefined } : undefined;
    if (4 * missed > strings || (strings === 0 && others > 0)) {
      // For good: the consumers keep the dictionaries they were given.
      this.off = true;
      this.reset();
    }
    return coded;
  }
}

function toCells(values: Decoded, column: string, file: string, start: number): Cell[] {
  if (values instanceof Float64Array || values instanceof Float32Array || values instanceof Int32Array || values instanceof Uint32Array || values instanceof Int16Array || values instanceof Uint16Array || values instanceof Int8Array || values instanceof Uint8Array) {
    return Array.from(values);
  }
  const cells = new Array<Cell>(values.length);
  for (let i = 0; i < values.length; i += 1) cells[i] = toCell(values[i], column, file, start + i + 1);
  return cells;
}

export function toCell(value: unknown, column: string, file: string, line: number): Cell {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return safe(value);
    case 'undefined':
      return null;
    default:
      if (value === null) return null;
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      throw new InputDataError(`column '${column}' holds a nested value (${Array.isArray(value) ? 'list' : 'object'}); only flat columns can be read`, { file, line, field: column });
  }
}

function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^parquet /, '').replace(/\s*\n\s*/g, ' ');
}
