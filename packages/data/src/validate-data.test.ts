import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, InputDataError } from '@modelgate/core';
import { profileSource } from './profile/index.js';
import { openTable } from './readers/index.js';
import { inferSchema } from './schema/infer.js';
import { validateData } from './validate-data.js';
import { boundsFromCounts } from './validate-chunks.js';
import type { TableSource } from './table.js';
import { parquetWriteFile } from 'hyparquet-writer';

const fixture = (name: string) => join(import.meta.dirname, '..', '..', '..', 'fixtures', 'income', name);

describe('validateData', () => {
  it('uses a column\'s drift_comparator from schema.json, and drift.columns over it', async () => {
    const profile = (await profileSource(await openTable(fixture('train.csv')))).toJSON();
    const inferred = inferSchema({ ...profile, source: { files: [{ path: 'train.csv' }] } }, { label: 'income' });
    const schema = ARTIFACTS.schema.parse({
      kind: 'schema',
      version: 1,
      ...inferred,
      columns: inferred.columns.map((column) => (column.name === 'age' ? { ...column, drift_comparator: { test: 'psi', threshold: 0.05 } } : column.name === 'sex' ? { ...column, drift_comparator: { threshold: 0.5 } } : column)),
    });
    const run = async (driftTests?: Record<string, string>) =>
      (
        await validateData({
          data: { source: await openTable(fixture('drifted.csv')), shown: 'drifted.csv' },
          schema: { schema, shown: 'schema.json' },
          reference: { source: await openTable(fixture('train.csv')), shown: 'train.csv' },
          ...(driftTests ? { driftTests } : {}),
        })
      ).drift!.columns;
    const columns = await run();
    expect(columns.find((column) => column.column === 'age')).toMatchObject({ test: 'psi', threshold: 0.05, drifted: true });
    // No test named: the default choice, with the schema's threshold.
    expect(columns.find((column) => column.column === 'sex')).toMatchObject({ test: 'jensen_shannon', threshold: 0.5 });
    const overridden = await run({ age: 'ks:0.01' });
    expect(overridden.find((column) => column.column === 'age')).toMatchObject({ test: 'ks', threshold: 0.01 });
  });

  it('takes each file\'s SHA-256 as a string or as a promise settled meanwhile; a failed hash fails the run', async () => {
    const data = async (sha256: string | Promise<string>) => ({ source: await openTable(fixture('holdout.csv')), shown: 'holdout.csv', sha256 });
    const reference = { source: await openTable(fixture('train.csv')), shown: 'train.csv', sha256: Promise.resolve('f'.repeat(64)) };
    const late = new Promise<string>((done) => setTimeout(() => done('a'.repeat(64)), 20));
    const result = await validateData({ data: await data(late), reference });
    expect(result.profile.source.files).toEqual([{ path: 'holdout.csv', sha256: 'a'.repeat(64) }]);
    expect(result.drift!.reference).toEqual({ path: 'train.csv', sha256: 'f'.repeat(64), rows: 2000 });
    expect((await validateData({ data: await data('b'.repeat(64)) })).profile.source.files).toEqual([{ path: 'holdout.csv', sha256: 'b'.repeat(64) }]);
    const failed = Promise.reject(new Error('EACCES: holdout.csv'));
    failed.catch(() => undefined);
    await expect(validateData({ data: await data(failed) })).rejects.toThrow('EACCES: holdout.csv');
  });

  it('a Parquet file\'s stated counts bound its drift samples; a bound too tight is drawn again: the same report either way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelgate-bounds-'));
    const rows = 6_000;
    const write = (name: string, shift: number) => {
      const path = join(dir, name);
      parquetWriteFile({
        filename: path,
        rowGroupSize: 1_500,
        columnData: [
          { name: 'dense', data: Array.from({ length: rows }, (_, i) => ((i * 7919) % 1_000) / 10 + shift), type: 'DOUBLE' },
          { name: 'sparse', data: Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? ((i * 31) % 977) + shift : null)), type: 'DOUBLE' },
          { name: 'count', data: Array.from({ length: rows }, (_, i) => (i * 13) % 501), type: 'INT32' },
          { name: 'kind', data: Array.from({ length: rows }, (_, i) => ['a', 'b', 'c'][i % 3]!), type: 'STRING' },
        ],
      });
      return path;
    };
    const data = write('data.parquet', 3);
    const reference = write('reference.parquet', 0);
    const sampleSize = 1_000;
    let reads = 0;
    /** The source, counting its reads, with the counts it states replaced (or removed). */
    const source = async (counts: (stated: NonNullable<TableSource['counts']>) => TableSource['counts']): Promise<TableSource> => {
      const opened = await openTable(data);
      const restated = counts(opened.counts!);
      return { path: opened.path, format: opened.format, columns: opened.columns, ...(restated ? { counts: restated } : {}), batches: (options) => (reads++, opened.batches(options)) };
    };
    const opened = await openTable(data);
    expect(opened.counts).toEqual({ present: [rows, rows / 5, rows, rows] });
    expect(boundsFromCounts(opened, opened.columns, sampleSize)).toEqual([0.25, 1, 0.25, 0.25]);
    const run = async (counts: (stated: NonNullable<TableSource['counts']>) => TableSource['counts']) => {
      reads = 0;
      const result = await validateData({ data: { source: await source(counts), shown: 'data.parquet' }, reference: { source: await openTable(reference), shown: 'reference.parquet' }, sampleSize });
      return { json: JSON.stringify(result), reads };
    };
    const unbounded = await run(() => undefined);
    const stated = await run((counts) => counts);
    // Ten times the values there are: every numeric sample comes out short and is drawn again.
    const overstated = await run((counts) => ({ present: counts.present.map((present) => present! * 10) }));
    expect(unbounded.reads).toBe(1);
    expect(stated).toEqual({ json: unbounded.json, reads: 1 });
    expect(overstated).toEqual({ json: unbounded.json, reads: 2 });
    expect(unbounded.json).toContain('"column":"dense","kind":"numeric","test":"wasserstein"');
  });

  it('refuses data or a reference with no rows: every check would pass on it vacuously', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelgate-empty-'));
    const headerOnly = join(dir, 'header.csv');
    writeFileSync(headerOnly, 'age,income\n\n');
    const rows = { source: await openTable(fixture('holdout.csv')), shown: 'holdout.csv' };
    const failure = (run: Promise<unknown>) => run.then(() => undefined, (error: unknown) => error as InputDataError);
    const empty = await failure(validateData({ data: { source: await openTable(headerOnly), shown: 'header.csv' } }));
    expect(empty).toBeInstanceOf(InputDataError);
    expect([empty!.message, empty!.location]).toEqual(['has no data rows (only a header)', { file: 'header.csv', line: 1 }]);
    const reference = await failure(validateData({ data: rows, reference: { source: await openTable(headerOnly), shown: 'reference.csv' } }));
    expect([reference!.message, reference!.location]).toEqual(['has no data rows (only a header)', { file: 'reference.csv', line: 1 }]);
  });
});
