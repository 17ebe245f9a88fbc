/**
 * Ranged reads of a text file whose rows are lines (CSV, JSONL): the ground for reading one file in
 * chunks, possibly on several threads (see validate-chunks.ts).
 */
import type { FileHandle } from 'node:fs/promises';
import type { BatchOptions, ReadOptions, TableBatch, TableSource } from '../table.js';
import { openDataFile, type OpenOptions } from './common.js';

/** A row boundary: the byte offset where a row starts and that row's line. */
export interface RowPosition {
  offset: number;
  line: number;
}

/**
 * Part of a file's rows. `from` is either an exact row boundary (lines are the file's) or a byte
 * offset to seek from: the first line start at or after it, with lines counted from 1 there (the
 * caller shifts them once it knows the real line). In CSV a seek can land inside a quoted field
 * that spans lines; the caller finds out by comparing `start` with the previous chunk's `next` and
 * rereads from the exact boundary. `batchRows` (default: the source's) lets a range known to hold
 * few rows use smaller batches.
 */
export interface RowRange extends BatchOptions, Pick<ReadOptions, 'batchRows'> {
  from: RowPosition | number;
  /** Stop before the first row that starts at or after this byte offset (Infinity: the end). */
  to: number;
  /**
   * The consumer is done with a batch when it asks for the next one, so its arrays can be refilled
   * instead of allocated anew (a large share of the garbage a pass over a big file makes).
   */
  reuseBatches?: boolean;
}

/** Reads one range; `start` and `next` are known once the batches are consumed. */
export interface RangeReader {
  batches(): AsyncGenerator<TableBatch>;
  /**
   * The first row found from `from` on, even when it already lies at or after `to` (then the range
   * is empty and `start` equals `next`); null when the file ends first.
   */
  start: RowPosition | null;
  /** The first row at or after `to` (null: the range reached the end of the file). */
  next: RowPosition | null;
}

/** What a line-based source adds to TableSource: where its data rows lie, and ranged reads of them. */
export interface RangeLayout {
  /** The path to open (not the shown one) and the options the source was opened with. */
  file: string;
  options: OpenOptions;
  /** File size, and the first data row's offset and line (after a CSV header). */
  size: number;
  dataStart: RowPosition;
  readRange(range: RowRange): RangeReader;
}

export interface RangedSource extends TableSource {
  readonly format: 'csv' | 'jsonl';
  readonly ranges: RangeLayout;
}

/**
 * A RangeReader of `range`: opens the file, finds the row `range.from` stands for, and streams what
 * `read` makes from there; `read` sets the reader's `start` and `next` when it is done.
 */
export function rangeReader(path: string, shown: string, size: number, range: RowRange, read: (fh: FileHandle, from: RowPosition, reader: RangeReader) => AsyncGenerator<TableBatch>): RangeReader {
  const reader: RangeReader = {
    start: null,
    next: null,
    async *batches(): AsyncGenerator<TableBatch> {
      const fh = await openDataFile(path, shown);
      try {
        const from = typeof range.from === 'number' ? { offset: await lineStartAtOrAfter(fh, range.from, size), line: 1 } : range.from;
        yield* read(fh, from, reader);
      } finally {
        await fh.close();
      }
    },
  };
  return reader;
}

/** The first offset at or after `from` that starts a line (`size` when there is none). */
async function lineStartAtOrAfter(fh: FileHandle, from: number, size: number): Promise<number> {
  // The file's start starts a line (a read at -1 would be one at the handle's position instead).
  if (from <= 0) return 0;
  const block = Buffer.allocUnsafe(1 << 16);
  for (let at = from - 1; at < size; ) {
    const { bytesRead } = await fh.read(block, 0, block.length, at);
    if (bytesRead === 0) break;
    const newline = block.subarray(0, bytesRead).indexOf(10);
    if (newline >= 0) return at + newline + 1;
    at += bytesRead;
  }
  return size;
}
