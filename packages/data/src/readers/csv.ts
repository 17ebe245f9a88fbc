/**
 * CSV/TSV source: the header names the columns (required), every later row must have as many
 * fields. Values stay strings; the empty field and the `nullValues` tokens become `null` (a quoted
 * empty field `""` is empty too). Rows stream in batches of `batchRows` from a 1 MiB read buffer.
 */
import { ConfigurationError, InputDataError } from '@modelgate/core';
import type { Cell, TableBatch, TableSource } from '../table.js';
import { batchRowsOf, checkDataFile, openDataFile, projectColumns, tuningOf, type OpenOptions } from './common.js';
import { CellDecoder } from './csv-cells.js';
import { CsvScanner, END, ESCAPED, NEED_MORE, PLAIN, ROW } from './csv-scan.js';

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

export async function openCsv(path: string, shown: string, options: OpenOptions, defaultDelimiter: string): Promise<TableSource> {
  const delimiter = delimiterOf(options, defaultDelimiter);
  const batchRows = batchRowsOf(options);
  const tuning = tuningOf(options);
  const nulls = options.nullValues !== undefined && options.nullValues.length > 0 ? new Set(options.nullValues) : undefined;
  await checkDataFile(path, shown);
  const header = await readHeader(path, shown, delimiter, tuning);
  const selected = projectColumns(header.names, options.columns, shown, header.line);
  const columns = selected.map((index) => header.names[index]!);
  return {
    path: shown,
    format: 'csv',
    columns,
    async *batches(): AsyncGenerator<TableBatch> {
      const fh = await openDataFile(path, shown);
      try {
        const scanner = new CsvScanner(fh, shown, { delimiter, ...tuning, start: header.dataStart, line: header.dataLine });
        scanner.names = header.names;
        const rows = new RowReader(scanner, new CellDecoder(scanner, shown, selected, nulls), shown, header.names.length, columns, batchRows);
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
        await fh.close();
      }
    },
  };
}

/** Accumulates rows into the current batch (the synchronous hot loop). */
class RowReader {
  count = 0;
  private offset = 0;
  private data: Cell[][];
  private lines: Int32Array;

  constructor(
    private readonly scanner: CsvScanner,
    readonly decoder: CellDecoder,
    private readonly file: string,
    private readonly width: number,
    private readonly columns: readonly string[],
    private readonly batchRows: number,
  ) {
    this.data = this.newData();
    this.lines = new Int32Array(batchRows);
  }

  /** Scans rows until the batch is full (FULL), the buffer needs a fill (NEED_MORE) or the file ends (END). */
  fill(): number {
    const scanner = this.scanner;
    const decoder = this.decoder;
    const data = this.data;
    const lines = this.lines;
    let count = this.count;
    try {
      while (count < this.batchRows) {
        const status = scanner.scanRow();
        if (status !== ROW) return status;
        if (scanner.fieldCount !== this.width) {
          throw new InputDataError(`expected ${this.width} fields (header has ${this.width}), found ${scanner.fieldCount}`, { file: this.file, line: scanner.rowLine });
        }
        decoder.putRow(data, count);
        lines[count] = scanner.rowLine;
        count += 1;
      }
      return FULL;
    } finally {
      this.count = count;
    }
  }

  take(): TableBatch {
    const rowCount = this.count;
    let data = this.data;
    let lines = this.lines;
    if (rowCount < this.batchRows) {
      for (const column of data) column.length = rowCount;
      lines = lines.slice(0, rowCount);
    }
    const batch: TableBatch = { columns: this.columns, data, rowCount, offset: this.offset, lines };
    this.decoder.endBatch(rowCount);
    this.offset += rowCount;
    this.count = 0;
    data = this.newData();
    this.data = data;
    this.lines = new Int32Array(this.batchRows);
    return batch;
  }

  private newData(): Cell[][] {
    return this.columns.map(() => new Array<Cell>(this.batchRows));
  }
}

async function readHeader(path: string, shown: string, delimiter: number, tuning: { chunkSize: number; maxRowBytes: number }): Promise<Header> {
  const fh = await openDataFile(path, shown);
  try {
    const scanner = new CsvScanner(fh, shown, { delimiter, ...tuning, start: 0, line: 1 });
    while (scanner.n < 3 && !scanner.eof) await scanner.fill();
    const buf = scanner.buf;
    if (scanner.n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) scanner.skip(3);
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
