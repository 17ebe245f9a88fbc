/** Helpers for the reader tests: temp files, draining a source, capturing the one-line error. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatUserError, isUserError } from '@modelgate/core';
import type { Cell, TableBatch, TableSource } from '../table.js';
import { openTable, type OpenOptions } from './index.js';

export interface Drained {
  columns: readonly string[];
  rows: Cell[][];
  lines: number[];
  batchSizes: number[];
}

/** Reads every batch, checking the batch invariants on the way; returns the rows row-major. */
export async function drain(source: TableSource): Promise<Drained> {
  const rows: Cell[][] = [];
  const lines: number[] = [];
  const batchSizes: number[] = [];
  for await (const batch of source.batches()) {
    if (batch.columns !== source.columns && batch.columns.join('\u0000') !== source.columns.join('\u0000')) throw new Error('batch columns differ from the source columns');
    if (batch.offset !== rows.length) throw new Error(`batch offset ${batch.offset}, expected ${rows.length}`);
    if (batch.lines.length !== batch.rowCount || batch.data.length !== batch.columns.length) throw new Error('batch shape mismatch');
    for (const column of batch.data) if (column.length !== batch.rowCount) throw new Error(`column length ${column.length} != rowCount ${batch.rowCount}`);
    checkCodes(batch);
    for (let i = 0; i < batch.rowCount; i += 1) {
      rows.push(batch.data.map((column) => column[i]!));
      lines.push(batch.lines[i]!);
    }
    batchSizes.push(batch.rowCount);
  }
  return { columns: source.columns, rows, lines, batchSizes };
}

/** A batch's codes (CSV; Parquet's dictionaries and string columns) name the very cells they stand for; null cells have none. */
export function checkCodes(batch: TableBatch): void {
  if (batch.codes === undefined) return;
  if (batch.codes.length !== batch.columns.length) throw new Error(`${batch.codes.length} code columns for ${batch.columns.length} columns`);
  batch.codes.forEach((coded, j) => {
    if (coded === undefined) return;
    const { codes, dictionary } = coded;
    if (codes.length !== batch.rowCount) throw new Error(`code column length ${codes.length} != rowCount ${batch.rowCount}`);
    for (let i = 0; i < batch.rowCount; i += 1) {
      const code = codes[i]!;
      if (code === -1) continue;
      const cell = batch.data[j]![i];
      if (code < 0 || code >= dictionary.values.length || !Object.is(dictionary.values[code], cell) || cell === null) {
        throw new Error(`row ${batch.offset + i}, column ${batch.columns[j]}: code ${code} stands for ${JSON.stringify(dictionary.values[code])}, the cell is ${JSON.stringify(cell)}`);
      }
    }
  });
}

/** `source` with its batches' codes left out: consumers must give the same results with them and without. */
export function withoutCodes(source: TableSource): TableSource {
  return {
    ...source,
    batches: async function* (options) {
      for await (const batch of source.batches(options)) {
        const { codes, ...rest } = batch;
        yield rest;
      }
    },
  };
}

export async function readTable(path: string, options: OpenOptions = {}, shown?: string): Promise<Drained> {
  return drain(await openTable(path, options, shown ?? path));
}

/** The `file:line: message` a user would see, or a description of what else happened. */
export async function userError(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
  } catch (error) {
    if (isUserError(error)) return formatUserError(error);
    throw error;
  }
  return '(no error)';
}

export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'modelgate-readers-'));

  write(name: string, content: string | Uint8Array): string {
    const file = join(this.path, name);
    writeFileSync(file, content);
    return file;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/**
 * A deliberately simple RFC 4180 parser over a whole string (the reference the streaming scanner
 * is checked against): rows of raw field strings with their starting line, blank lines skipped.
 */
export function referenceCsv(text: string, delimiter = ','): { fields: string[]; quoted: boolean[]; line: number }[] {
  const rows: { fields: string[]; quoted: boolean[]; line: number }[] = [];
  let i = text.startsWith('\ufeff') ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    const quoted: boolean[] = [];
    for (;;) {
      let value = '';
      let isQuoted = false;
      if (text[i] === '"') {
        isQuoted = true;
        i += 1;
        for (;;) {
          if (i >= text.length) throw new Error('unterminated');
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i += 1;
            break;
          }
          if (text[i] === '\n') line += 1;
          value += text[i];
          i += 1;
        }
      } else {
        while (i < text.length && text[i] !== delimiter && text[i] !== '\n' && !(text[i] === '\r' && (text[i + 1] === '\n' || i + 1 === text.length))) {
          value += text[i];
          i += 1;
        }
      }
      fields.push(value);
      quoted.push(isQuoted);
      if (text[i] === delimiter) {
        i += 1;
        continue;
      }
      if (text[i] === '\r') i += 1;
      if (text[i] === '\n') i += 1;
      line += 1;
      break;
    }
    if (fields.length === 1 && fields[0] === '' && !quoted[0]) continue;
    rows.push({ fields, quoted, line: start });
  }
  return rows;
}
