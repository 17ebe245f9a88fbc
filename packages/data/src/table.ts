/**
 * The contract between readers (CSV, JSONL, Parquet) and their consumers (schema inference,
 * validation, profiles, drift, model evaluation): a table arrives as column-major batches,
 * every row carrying its source line so any problem can be reported at `file:line`.
 */
import { InputDataError } from '@modelgate/core';

/** A cell as the format gives it: CSV yields strings (null for missing), JSONL/Parquet typed values. */
export type Cell = string | number | boolean | bigint | null;

export type TableFormat = 'csv' | 'jsonl' | 'parquet';

export interface TableBatch {
  /** Column names in file order (the same for every batch of a source). */
  readonly columns: readonly string[];
  /**
   * One array per column, each `rowCount` long; without the cells that have a code when the batch
   * was asked for with `codedCellsInData: false` (see BatchOptions, cellAt).
   */
  readonly data: readonly Cell[][];
  readonly rowCount: number;
  /** 0-based index of this batch's first row among all data rows of the file. */
  readonly offset: number;
  /**
   * 1-based physical line where each row starts (CSV: header is line 1; JSONL: the object's
   * line; Parquet: row number + 1, so messages stay "line N" across formats).
   */
  readonly lines: Int32Array;
  /**
   * Per column, the cells' codes (see ColumnCodes): CSV for every column; Parquet for columns in
   * dictionary pages and string columns, undefined for the others and for a column no longer coded
   * (absent when no column of the batch has codes); absent for JSONL. Unlike the cells, CSV's are valid only until the next
   * batch is read (the reader reuses their memory).
   */
  readonly codes?: readonly (ColumnCodes | undefined)[];
}

/**
 * Distinct values a reader has made strings for, by code. Append-only: a code never changes its
 * value. A value may have several codes (the reader's cache forgets), so consumers key what they
 * compute by value and use codes only as a shortcut to it. A reader starts a new dictionary (a new
 * object) when one grows large; consumers compare dictionaries by identity.
 */
export interface CellDictionary {
  readonly values: readonly Cell[];
}

/**
 * A column's cells as codes: the CSV reader returns one string object per repeated value, and with
 * it that value's code (the Parquet reader codes its dictionary pages and string columns), so per-value
 * work (a count, a verdict, a parsed number) can live in arrays indexed by code instead of costing
 * a hash per cell.
 */
export interface ColumnCodes {
  /** Per row: the cell's code in `dictionary`, or -1 (no code: read the cell itself). */
  readonly codes: Int32Array;
  readonly dictionary: CellDictionary;
  /** Made by codeCounts on first use (one ColumnCodes per batch and column); undefined until then. */
  counted: Int32Array | undefined;
}

/**
 * How many cells of a batch column have each code: `[code + 1]`, and `[0]` for cells without one.
 * Several consumers (profile counts, schema verdicts) need only this, not the cells one by one:
 * one pass over the codes, made once per batch column and kept on `coded`.
 */
export function codeCounts(coded: ColumnCodes): Int32Array {
  if (coded.counted) return coded.counted;
  const codes = coded.codes;
  const size = coded.dictionary.values.length + 1;
  // Two tallies, for even and odd rows: a run of equal codes then adds to two counters in turn,
  // not to one (each add waiting for the previous one's store).
  const both = new Int32Array(2 * size);
  const n = codes.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    both[codes[i]! + 1]! += 1;
    both[size + codes[i + 1]! + 1]! += 1;
  }
  if (i < n) both[codes[i]! + 1]! += 1;
  const counted = both.subarray(0, size);
  for (let k = 0; k < size; k += 1) counted[k]! += both[size + k]!;
  coded.counted = counted;
  return counted;
}

/**
 * A number per code of one dictionary at a time (a cell's parsed value, computed once per code):
 * `known[code]` says whether `values[code]` is set. Call `use` once per batch, before its codes are
 * looked up: the arrays then reach every code of the batch, and a new dictionary forgets the old one's.
 */
export class NumbersByCode {
  values = new Float64Array(0);
  known = new Uint8Array(0);
  /** The dictionary of the last `use`. */
  dictionary: CellDictionary | undefined;

  use(dictionary: CellDictionary): this {
    const size = dictionary.values.length;
    const same = dictionary === this.dictionary;
    this.dictionary = dictionary;
    if (this.values.length < size) {
      const values = new Float64Array(Math.max(size, 2 * this.values.length, 256));
      const known = new Uint8Array(values.length);
      if (same) {
        values.set(this.values);
        known.set(this.known);
      }
      this.values = values;
      this.known = known;
    } else if (!same) this.known.fill(0);
    return this;
  }
}

/**
 * Each column's share of `total` (slots of a per-column cache) in a table of `columns` columns,
 * rounded down to a power of two and kept within [min, max]: wide files get less per column.
 */
export function powerOfTwoShare(total: number, columns: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, 2 ** Math.floor(Math.log2(total / Math.max(1, columns)))));
}

/**
 * Each column's index by name (the first, if a name repeats, as `indexOf` finds it): for looking
 * names up without searching a list that may hold 100 000 columns once per name.
 */
export function columnIndexes(columns: readonly string[]): Map<string, number> {
  const indexes = new Map<string, number>();
  columns.forEach((name, i) => {
    if (!indexes.has(name)) indexes.set(name, i);
  });
  return indexes;
}

/**
 * Cell `row` of column `column`, whether or not the batch left its coded cells out of `data`: a
 * coded cell is its dictionary's value (the same string the reader would have put in `data`).
 */
export function cellAt(batch: TableBatch, column: number, row: number): Cell {
  const coded = batch.codes?.[column];
  const code = coded ? coded.codes[row]! : -1;
  return code >= 0 ? coded!.dictionary.values[code]! : batch.data[column]![row]!;
}

/** How a consumer wants its batches. */
export interface BatchOptions {
  /**
   * false: the CSV reader leaves every cell that has a code out of `data` (the slot keeps nothing,
   * or an earlier batch's value); the consumer reads such a cell from its code's dictionary. That
   * saves a store of every cell (12% of a one-thread validation's time at 1M rows, paired runs)
   * for consumers that look at codes first (the profiler, the validator, the drift sampler).
   * Other formats always fill `data` (Parquet's codes come with their cells; JSONL has none).
   */
  codedCellsInData?: boolean;
}

export interface ReadOptions {
  /** Inferred from the extension (.csv/.tsv/.txt, .jsonl/.ndjson, .parquet) when omitted. */
  format?: TableFormat;
  /** CSV field separator; default `,` (`\t` for .tsv). */
  delimiter?: string;
  /** Field values read as missing besides the empty field, e.g. `NA`, `?`, `null`. */
  nullValues?: readonly string[];
  /**
   * Rows per batch. Default 8 192 (measured fastest: larger batches cost fresh allocations), fewer
   * in files over 64 columns (see batchRowsOf). Memory is bounded by this, not by the file size.
   */
  batchRows?: number;
  /** Read only these columns (others are skipped as cheaply as the format allows). */
  columns?: readonly string[];
}

export interface TableSource {
  readonly path: string;
  readonly format: TableFormat;
  /** Column names, known once the source is opened (CSV header, Parquet schema, the first JSONL object's keys). */
  readonly columns: readonly string[];
  /** Streams the rows from the first; each call reads the file again. Errors are InputDataError with file and line. */
  batches(options?: BatchOptions): AsyncIterable<TableBatch>;
  /**
   * What the file says of itself before it is read (Parquet's footer): per column, its non-null
   * values where every row group's statistics give their nulls (else undefined).
   */
  readonly counts?: { present: readonly (number | undefined)[] };
}

/**
 * Refuses a source that had no data rows (a CSV header and nothing else, an empty JSONL or
 * Parquet file): every check, drift test and gate would pass on it vacuously, and a CI gate must
 * not pass on a truncated export. `shown` is the path in messages.
 */
export function requireRows(source: TableSource, rows: number, shown: string): void {
  if (rows > 0) return;
  const csv = source.format === 'csv';
  throw new InputDataError(`has no data rows${csv ? ' (only a header)' : ''}`, { file: shown, ...(csv ? { line: 1 } : {}) });
}
