/**
 * CSV/TSV source: the header names the columns (required), every later row must have as many
 * fields. Values stay strings; the empty field and the `nullValues` tokens become `null` (a quoted
 * empty field `""` is empty too). Rows stream in batches of `batchRows` from a 1 MiB read buffer (and
 * a second one the next read goes into meanwhile).
 */
import { ConfigurationError, InputDataError } from '@modelgate/core';
import type { Cell, ColumnCodes, TableBatch } from '../table.js';
import { batchRowsOf, checkDataFile, openDataFile, projectColumns, tuningOf, type OpenOptions } from './common.js';
import { CellDecoder } from './csv-cells.js';
import { giveBack, takeBuffer } from './spare-buffers.js';
import { CsvScanner, END, ESCAPED, NEED_MORE, PLAIN, ROW } from './csv-scan.js';
import { rangeReader, type RangedSource, type RangeReader, type RowPosition, type RowRange } from './ranges.js';

const FULL = 3;

interface Header {
  names: string[];
  line: number;
  /** Byte offset and line number of the first data row. */
  dataStart: number;
  dataLine: number;
}

export function delimiterOf(options: OpenOptions, fallback: string): number {
  const delimiter = options.delimiter ?? fallback;
  const code = delimiter.length === 1 ? delimiter.charCodeAt(0) : -1;
  if (code < 1 || code > 127 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new ConfigurationError(`CSV delimiter must be one ASCII character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
  }
  return code;
}

export interface CsvSource extends RangedSource {
  readonly format: 'csv';
}

export async function openCsv(path: string, shown: string, options: OpenOptions, defaultDelimiter: string): Promise<CsvSource> {
  const delimiter = delimiterOf(options, defaultDelimiter);
  const tuning = tuningOf(options);
  const nulls = options.nullValues !== undefined && options.nullValues.length > 0 ? new Set(options.nullValues) : undefined;
  const size = await checkDataFile(path, shown);
  const header = await readHeader(path, shown, delimiter, tuning);
  const selected = projectColumns(header.names, options.columns, shown, header.line);
  const columns = selected.map((index) => header.names[index]!);
  const dataStart = { offset: header.dataStart, line: header.dataLine };
  const batchRows = batchRowsOf(options, columns.length);

  function readRange(range: RowRange): RangeReader {
    const rangeBatchRows = range.batchRows === undefined ? batchRows : batchRowsOf(range, columns.length);
    return rangeReader(path, shown, size, range, async function* (fh, start, reader) {
      const scanner = new CsvScanner(fh, shown, { delimiter, ...tuning, start: start.offset, line: start.line, end: range.to });
      scanner.names = header.names;
      const rows = new RowReader(scanner, new CellDecoder(scanner, shown, selected, nulls, range.codedCellsInData !== false), shown, header.names.length, columns, rangeBatchRows, range.to, range.reuseBatches === true);
      try {
        for (;;) {
          const status = rows.fill();
          if (status === NEED_MORE) {
            await scanner.fill();
            rows.decoder.newFill();
          } else if (status === FULL) {
            yield rows.take();
          } else {
            if (rows.count > 0) yield rows.take();
            return;
          }
        }
      } finally {
        reader.start = rows.start;
        reader.next = rows.next;
        rows.release();
        scanner.release();
      }
    });
  }

  return {
    path: shown,
    format: 'csv',
    columns,
    batches: (options) => readRange({ from: dataStart, to: Infinity, codedCellsInData: options?.codedCellsInData }).batches(),
    // The delimiter resolved (a .tsv default included), so reopening with these options reads the same.
    ranges: { file: path, options: { ...options, delimiter: String.fromCharCode(delimiter) }, size, dataStart, readRange },
  };
}

/** Accumulates rows into the current batch (the synchronous hot loop). */
class RowReader {
  count = 0;
  start: RowPosition | null = null;
  next: RowPosition | null = null;
  private offset = 0;
  /** The next batch's columns; made when the next batch starts (none after the last, short one). */
  private data: Cell[][] | undefined;
  /** Codes of column j at [j * batchRows, (j + 1) * batchRows); one buffer for every batch (see TableBatch.codes). */
  private codes: Int32Array;
  private lines: Int32Array;

  constructor(
    private readonly scanner: CsvScanner,
    readonly decoder: CellDecoder,
    private readonly file: string,
    private readonly width: number,
    private readonly columns: readonly string[],
    private readonly batchRows: number,
    private readonly to: number,
    private readonly reuse: boolean,
  ) {
    this.data = this.newData();
    // A reader whose batches are reused is read one batch at a time: its codes' memory can go to the next reader.
    this.codes = new Int32Array(reuse ? takeBuffer(columns.length * batchRows * 4) : new ArrayBuffer(columns.length * batchRows * 4));
    this.lines = new Int32Array(batchRows);
  }

  /** Scans rows until the batch is full (FULL), the buffer needs a fill (NEED_MORE) or the file ends (END). */
  fill(): number {
    const scanner = this.scanner;
    const decoder = this.decoder;
    const data = (this.data ??= this.newData());
    const codes = this.codes;
    const lines = this.lines;
    let count = this.count;
    try {
      while (count < this.batchRows) {
        const status = scanner.scanRow();
        if (status !== ROW) return status;
        if (this.start === null) this.start = { offset: scanner.rowStart, line: scanner.rowLine };
        if (scanner.rowStart >= this.to) {
          // The next range's first row: not ours (its field count is that range's business).
          this.next = { offset: scanner.rowStart, line: scanner.rowLine };
          return END;
        }
        if (scanner.fieldCount !== this.width) {
          throw new InputDataError(`expected ${this.width} fields (header has ${this.width}), found ${scanner.fieldCount}`, { file: this.file, line: scanner.rowLine });
        }
        decoder.putRow(data, codes, this.batchRows, count);
        lines[count] = scanner.rowLine;
        count += 1;
      }
      return FULL;
    } finally {
      this.count = count;
    }
  }

  /** Gives the decoder's memory (and, when batches are reused, the codes') to the next reader. */
  release(): void {
    this.decoder.release();
    if (this.reuse) giveBack(this.codes.buffer as ArrayBuffer);
  }

  take(): TableBatch {
    const rowCount = this.count;
    let data = this.data!;
    const codes = this.codes;
    let lines = this.lines;
    if (rowCount < this.batchRows) {
      for (const column of data) column.length = rowCount;
      lines = lines.slice(0, rowCount);
    }
    const dictionaries = this.decoder.dictionaries;
    // `counted` is set here (to nothing yet) so every ColumnCodes has one shape: V8 compiles the
    // consumers once, not again when codeCounts adds the field.
    const columnCodes: ColumnCodes[] = dictionaries.map((dictionary, j) => ({ codes: codes.subarray(j * this.batchRows, j * this.batchRows + rowCount), dictionary, counted: undefined }));
    const batch: TableBatch = { columns: this.columns, data, rowCount, offset: this.offset, lines, codes: columnCodes };
    this.decoder.endBatch(rowCount);
    this.offset += rowCount;
    this.count = 0;
    if (!this.reuse || rowCount < this.batchRows) {
      // Made when the next batch starts: after a short batch (the last) there is none.
      this.data = undefined;
      this.lines = new Int32Array(this.batchRows);
    }
    return batch;
  }

  private newData(): Cell[][] {
    return this.columns.map(() => new Array<Cell>(this.batchRows));
  }
}

async function readHeader(path: string, shown: string, delimiter: number, tuning: { chunkSize: number; maxRowBytes: number }): Promise<Header> {
  const fh = await openDataFile(path, shown);
  let scanner: CsvScanner | undefined;
  try {
    scanner = new CsvScanner(fh, shown, { delimiter, ...tuning, start: 0, line: 1, readAhead: false });
    while (scanner.n - scanner.pos < 3 && !scanner.eof) await scanner.fill();
    const { buf, pos } = scanner;
    if (scanner.n - pos >= 3 && buf[pos] === 0xef && buf[pos + 1] === 0xbb && buf[pos + 2] === 0xbf) scanner.skip(3);
    for (;;) {
      const status = scanner.scanRow();
      if (status === NEED_MORE) await scanner.fill();
      else if (status === END) throw new InputDataError('is empty; expected a header row', { file: shown });
      else break;
    }
    const line = scanner.rowLine;
    const names = headerNames(scanner, shown, line);
    return { names, line, dataStart: scanner.offset, dataLine: scanner.line };
  } finally {
    scanner?.release();
    await fh.close();
  }
}

function headerNames(scanner: CsvScanner, file: string, line: number): string[] {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const names: string[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < scanner.fieldCount; i += 1) {
    let name: string;
    try {
      name = utf8.decode(scanner.buf.subarray(scanner.starts[i], scanner.ends[i]));
    } catch {
      throw new InputDataError(`invalid UTF-8 in the header (column ${i + 1}); the file must be UTF-8`, { file, line });
    }
    if (scanner.flags[i] === ESCAPED) name = name.replaceAll('""', '"');
    if (scanner.flags[i] === PLAIN && name.includes('\r')) {
      throw new InputDataError('the header contains a bare carriage return: lines must end with \\n or \\r\\n (classic Mac \\r line endings are not supported)', { file, line });
    }
    if (name === '') throw new InputDataError(`empty column name (column ${i + 1}); every header field needs a name`, { file, line });
    const first = seen.get(name);
    if (first !== undefined) throw new InputDataError(`duplicate column name '${name}' (columns ${first + 1} and ${i + 1})`, { file, line, field: name });
    seen.set(name, i);
    names.push(name);
  }
  return names;
}
