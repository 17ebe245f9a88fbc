/** Pieces shared by the readers: opening a data file with one-line errors, option checks, batch sizes. */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { ConfigurationError, InputDataError } from '@modelgate/core';
import { columnIndexes, type Cell, type CellDictionary, type ReadOptions } from '../table.js';

export const DEFAULT_BATCH_ROWS = 8_192;

/** A reader's dictionary of codes (see ColumnCodes): it appends values, consumers only read them. */
export interface ReaderDictionary extends CellDictionary {
  readonly values: Cell[];
}

/**
 * Codes per dictionary (the CSV decoder's: twice its cache's slots, so fewer in a wide file). A dictionary holds its
 * strings, and a value the CSV cache forgot gets a new code when it comes back: a full dictionary
 * gives no more codes (cells then cost what they cost without codes) and is replaced at the next
 * batch. So a column holds at most this many strings, whatever its values (before the cap, a
 * column of 700 values that kept evicting each other held 68 000).
 */
export const DICTIONARY_LIMIT = 2048;

/** Knobs beyond the contract, for tests and benchmarks (all optional, defaults are right for real use). */
export interface ReaderTuning {
  /** Bytes read per `read()` call (CSV/JSONL). Default 1 MiB; tests use 1–64 to split rows at every offset. */
  chunkSize?: number;
  /** Longest row (CSV) or line (JSONL) accepted, in bytes. Default 64 MiB. */
  maxRowBytes?: number;
}

export type OpenOptions = ReadOptions & ReaderTuning;

export const DEFAULT_CHUNK_SIZE = 1 << 20;
export const DEFAULT_MAX_ROW_BYTES = 64 * (1 << 20);

/** Cells a default batch holds: 8 192 rows up to 64 columns, fewer rows beyond (about 6 MB of cells and codes), but at least MIN_BATCH_ROWS. */
const BATCH_CELLS = DEFAULT_BATCH_ROWS * 64;
/** Fewest rows a default batch holds, however wide the file (each batch costs every column a little). */
const MIN_BATCH_ROWS = 512;

/**
 * `options.batchRows`, checked, or the default for `columns` columns: a batch's memory is its
 * cells, so a wide file's batches have fewer rows (1 000 columns: 524 rows, not 8 192 rows of about
 * 100 MB of cells and codes).
 */
export function batchRowsOf(options: OpenOptions, columns: number): number {
  const rows = options.batchRows ?? Math.max(MIN_BATCH_ROWS, Math.min(DEFAULT_BATCH_ROWS, Math.floor(BATCH_CELLS / Math.max(1, columns))));
  if (!Number.isSafeInteger(rows) || rows < 1) throw new ConfigurationError(`batchRows must be a positive integer, got ${String(rows)}`);
  return rows;
}

export function tuningOf(options: OpenOptions): { chunkSize: number; maxRowBytes: number } {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const maxRowBytes = options.maxRowBytes ?? DEFAULT_MAX_ROW_BYTES;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new ConfigurationError(`chunkSize must be a positive integer, got ${String(chunkSize)}`);
  if (!Number.isSafeInteger(maxRowBytes) || maxRowBytes < 1) throw new ConfigurationError(`maxRowBytes must be a positive integer, got ${String(maxRowBytes)}`);
  return { chunkSize, maxRowBytes };
}

/** `64 MB`, `1.5 KB`: sizes in messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 20) return `${+(bytes / (1 << 20)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

/** Checks that `path` is a readable regular file; returns its size. */
export async function checkDataFile(path: string, shown: string): Promise<number> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new InputDataError('is a directory, expected a data file', { file: shown });
    return info.size;
  } catch (error) {
    if (error instanceof InputDataError) throw error;
    throw fileError(error, shown);
  }
}

export async function openDataFile(path: string, shown: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw fileError(error, shown);
  }
}

function fileError(error: unknown, shown: string): InputDataError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputDataError('no such file', { file: shown });
  if (code === 'EISDIR') return new InputDataError('is a directory, expected a data file', { file: shown });
  if (code === 'EACCES' || code === 'EPERM') return new InputDataError('cannot be read (permission denied)', { file: shown });
  return new InputDataError(`cannot be read (${code ?? (error as Error).message})`, { file: shown });
}

/**
 * Resolves a projection against the available columns: the indexes of the selected columns in file
 * order (so batches keep file order whatever order `columns` lists them in).
 */
export function projectColumns(available: readonly string[], wanted: readonly string[] | undefined, file: string, line?: number): number[] {
  if (wanted === undefined) return available.map((_, index) => index);
  const index = columnIndexes(available);
  const picked = new Set<number>();
  for (const name of wanted) {
    const i = index.get(name);
    if (i === undefined) {
      throw new InputDataError(`has no column '${name}' (columns: ${available.join(', ')})`, { file, ...(line === undefined ? {} : { line }), field: name });
    }
    picked.add(i);
  }
  return [...picked].sort((a, b) => a - b);
}
