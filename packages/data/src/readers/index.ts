/**
 * `openTable(path)`: one entry point for CSV/TSV, JSONL and Parquet data files. The format comes
 * from `options.format` or the file extension; every problem with the file is an InputDataError
 * located at `file:line` (a Parquet row counts as line `index + 1`), a bad option a ConfigurationError.
 */
import { extname } from 'node:path';
import { ConfigurationError } from '@modelgate/core';
import type { TableFormat, TableSource } from '../table.js';
import type { OpenOptions } from './common.js';
import { openCsv } from './csv.js';
import { openJsonl } from './jsonl.js';

export type { OpenOptions, ReaderTuning } from './common.js';

const EXTENSIONS: Readonly<Record<string, TableFormat>> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.txt': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.parquet': 'parquet',
};

export const SUPPORTED_EXTENSIONS = Object.keys(EXTENSIONS);

/** The format a file name implies, or undefined for an unknown extension. */
export function formatOf(path: string): TableFormat | undefined {
  return EXTENSIONS[extname(path).toLowerCase()];
}

/**
 * Opens a data file: reads what it needs to know the columns (CSV header, first JSONL object,
 * Parquet footer) and returns a source whose `batches()` streams the rows. `shownPath` (default
 * `path`) is the name used in messages and locations.
 */
export async function openTable(path: string, options: OpenOptions = {}, shownPath: string = path): Promise<TableSource> {
  const format = options.format ?? formatOf(path);
  if (format === undefined) {
    const extension = extname(path) || '(none)';
    throw new ConfigurationError(
      `cannot tell the format of '${shownPath}' from its extension ${extension}; supported: .csv, .tsv, .txt (CSV), .jsonl, .ndjson (JSON lines), .parquet (Parquet) — or set the format explicitly`,
      { file: shownPath },
    );
  }
  switch (format) {
    case 'csv':
      return openCsv(path, shownPath, options, extname(path).toLowerCase() === '.tsv' ? '\t' : ',');
    case 'jsonl':
      return openJsonl(path, shownPath, options);
    case 'parquet': {
      // Loaded on demand: hyparquet and its decompressors (a snappy wasm) cost ~40 ms to import.
      const { openParquet } = await import('./parquet.js');
      return openParquet(path, shownPath, options);
    }
    default:
      throw new ConfigurationError(`unknown data format '${String(format)}'; supported: csv, jsonl, parquet`, { file: shownPath });
  }
}
