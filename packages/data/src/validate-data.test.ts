import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ARTIFACTS, InputDataError, isTestedColumn, type DataSchemaFile } from '@modelgate/core';
import { profileSource } from './profile/index.js';
import { openTable } from './readers/index.js';
import { inferSchema } from './schema/infer.js';
import { sampleSizeFor, validateData } from './validate-data.js';
import { boundsFromCounts } from './validate-chunks.js';
import type { ValidateOptions } from './schema/validate.js';
import type { TableSource } from './table.js';
import { parquetWriteFile } from 'hyparquet-writer';
import { TempDir } from './readers/testing.js';

const temp = new TempDir();
afterAll(() => temp.remove());

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

  it("chooses the default test on the reference's values, not its rows, as Evidently does after dropping missing ones", async () => {
    // 1 200 rows, 900 of them with values: a small reference (KS, χ² or z), not a large one (Wasserstein, Jensen–Shannon).
    const rows = (count: number, empty: number) => Array.from({ length: count }, (_, i) => (i < empty ? ',' : `${i % 37},${['a', 'b'][i % 2]}`));
    writeFileSync(join(temp.path, 'sparse-reference.csv'), `x,c\n${rows(1200, 300).join('\n')}\n`);
    writeFileSync(join(temp.path, 'sparse-current.csv'), `x,c\n${rows(500, 0).join('\n')}\n`);
    const drift = async (reference: string) =>
      (
        await validateData({
          data: { source: await openTable(join(temp.path, 'sparse-current.csv')), shown: 'sparse-current.csv' },
          reference: { source: await openTable(join(temp.path, reference)), shown: reference },
        })
      ).drift!.columns.map((column) => (isTestedColumn(column) ? [column.column, column.test] : [column.column]));
    expect(await drift('sparse-reference.csv')).toEqual([['x', 'ks'], ['c', 'z']]);
    // Every row with values: a large reference.
    writeFileSync(join(temp.path, 'full-reference.csv'), `x,c\n${rows(1001, 0).join('\n')}\n`);
    expect(await drift('full-reference.csv')).toEqual([['x', 'wasserstein'], ['c', 'jensen_shannon']]);
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
    const rows = 6_000;
    // `mixed` is numeric in the data and text in the reference: its sample is never used.
    const write = (name: string, shift: number, options: { statistics?: boolean } = {}) => {
      const path = join(temp.path, name);
      parquetWriteFile({
        filename: path,
        rowGroupSize: 1_500,
        ...options,
        columnData: [
          { name: 'dense', data: Array.from({ length: rows }, (_, i) => ((i * 7919) % 1_000) / 10 + shift), type: 'DOUBLE' },
          { name: 'sparse', data: Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? ((i * 31) % 977) + shift : null)), type: 'DOUBLE' },
          { name: 'count', data: Array.from({ length: rows }, (_, i) => (i * 13) % 501), type: 'INT32' },
          { name: 'kind', data: Array.from({ length: rows }, (_, i) => ['a', 'b', 'c'][i % 3]!), type: 'STRING' },
          shift === 0 ? { name: 'mixed', data: Array.from({ length: rows }, (_, i) => `m${i % 7}`), type: 'STRING' } : { name: 'mixed', data: Array.from({ length: rows }, (_, i) => i % 7), type: 'DOUBLE' },
        ],
      });
      return path;
    };
    const data = write('data.parquet', 3);
    const reference = write('reference.parquet', 0);
    const sampleSize = 1_000;
    let reads = 0;
    type Counts = NonNullable<TableSource['counts']>;
    /** The data, counting its reads, with the counts it states replaced (or removed). */
    const source = async (path: string, counts: (stated: Counts) => TableSource['counts']): Promise<TableSource> => {
      const opened = await openTable(path);
      const restated = counts(opened.counts!);
      return { path: opened.path, format: opened.format, columns: opened.columns, ...(restated ? { counts: restated } : {}), batches: (options) => (reads++, opened.batches(options)) };
    };
    const opened = await openTable(data);
    expect(opened.counts).toEqual({ present: [rows, rows / 5, rows, rows, rows] });
    expect(boundsFromCounts(opened, opened.columns, sampleSize)).toEqual([0.25, 1, 0.25, 0.25, 0.25]);
    const run = async (counts: (stated: Counts) => TableSource['counts'], path = data) => {
      reads = 0;
      const result = await validateData({ data: { source: await source(path, counts), shown: 'data.parquet' }, reference: { source: await openTable(reference), shown: 'reference.parquet' }, sampleSize });
      return { json: JSON.stringify(result), reads };
    };
    const times = (factor: number, only?: number) => (counts: Counts) => ({ present: counts.present.map((present, j) => (only === undefined || j === only ? present! * factor : present)) });
    const unbounded = await run(() => undefined);
    expect(unbounded.reads).toBe(1);
    expect(unbounded.json).toContain('"column":"dense","kind":"numeric","test":"wasserstein"');
    expect(await run((counts) => counts)).toEqual({ json: unbounded.json, reads: 1 });
    // Ten times the values there are: every numeric sample comes out short and is drawn again.
    expect(await run(times(10))).toEqual({ json: unbounded.json, reads: 2 });
    // Only `mixed` overstated: its short sample is not drawn again, since the reference's is text.
    expect(await run(times(10, 4))).toEqual({ json: unbounded.json, reads: 1 });
    // Damaged counts (negative, not a number) bound nothing.
    expect(await run((counts) => ({ present: counts.present.map((_, j) => (j % 2 === 0 ? -5 : Number.NaN)) }))).toEqual({ json: unbounded.json, reads: 1 });
    // Without statistics the footer states no counts: no bound.
    const bare = write('bare.parquet', 3, { statistics: false });
    const bareSource = await openTable(bare);
    expect(bareSource.counts).toEqual({ present: [undefined, undefined, undefined, undefined, undefined] });
    expect(boundsFromCounts(bareSource, bareSource.columns, sampleSize)).toEqual([1, 1, 1, 1, 1]);
    expect(await run((counts) => counts, bare)).toEqual({ json: unbounded.json, reads: 1 });
  });

  it('keeps 100 000 values per column for drift up to 20 columns; wider files share 2 000 000, at least 1 000 each', async () => {
    expect([1, 13, 20, 21, 400, 1000, 5000, 100_000].map(sampleSizeFor)).toEqual([100_000, 100_000, 100_000, 95_238, 5000, 2000, 1000, 1000]);
    // 400 numeric columns of 5 500 rows: both sides' samples hold 5 000 values per column.
    const width = 400;
    const lines = [Array.from({ length: width }, (_, k) => `c${k}`).join(',')];
    for (let row = 0; row < 5500; row += 1) lines.push(Array.from({ length: width }, (_, k) => String((row * (k + 1)) % 97)).join(','));
    const path = temp.write('wide.csv', `${lines.join('\n')}\n`);
    const result = await validateData({ data: { source: await openTable(path), shown: 'wide.csv' }, reference: { source: await openTable(path), shown: 'wide.csv' } });
    expect(result.drift!.columns).toHaveLength(width);
    expect(new Set(result.drift!.columns.map((column) => `${isTestedColumn(column) ? column.kind : column.untested} ${column.reference_rows} ${column.current_rows}`))).toEqual(new Set(['numeric 5000 5000']));
    expect(result.profile.columns.every((column) => column.count === 5500)).toBe(true);
  });

  it('reports a column the current data lost, or holds no values in, as drifted; one the reference gives nothing for as untested, left out of the share', async () => {
    const reference = temp.write('lost-reference.csv', `x,c,blank,nan,gone\n${[1, 2, 3, 4, 5, 6, 7].map((i) => `${i},${'ab'[i % 2]},,${i},${i}`).join('\n')}\n`);
    const current = temp.write('lost-current.csv', 'x,c,blank,nan,extra\n,a,1,NaN,1\n,b,2,NaN,2\n,a,3,NaN,3\n');
    const drift = async (validate?: ValidateOptions, schema?: z.output<typeof DataSchemaFile>) =>
      (
        await validateData({
          data: { source: await openTable(current), shown: 'current.csv' },
          reference: { source: await openTable(reference), shown: 'reference.csv' },
          ...(schema ? { schema: { schema, shown: 'schema.json' } } : {}),
          ...(validate ? { validate } : {}),
        })
      ).drift!;
    const all = await drift();
    // x: no values; nan: no finite values (it failed with "the current sample has no non-missing values"); gone: not in the file.
    expect(all.columns.map((column) => [column.column, isTestedColumn(column) ? column.test : column.untested, column.drifted, column.reference_rows, column.current_rows])).toEqual([
      ['x', 'no_values_in_current', true, 7, 0],
      ['c', 'z', false, 7, 3],
      ['blank', 'no_values_in_reference', false, 0, 3],
      ['nan', 'no_values_in_current', true, 7, 0],
      ['extra', 'missing_in_reference', false, 0, 3],
      ['gone', 'missing_in_current', true, 7, 0],
    ]);
    expect([all.drifted_columns, all.drift_share, all.dataset_drift]).toEqual([3, 0.75, true]);
    // Not expected in serving data (the label, or marked so by the schema): its absence is no drift.
    const names = (body: Awaited<ReturnType<typeof drift>>) => body.columns.filter((column) => column.drifted).map((column) => column.column);
    expect(names(await drift({ environment: 'SERVING', label: 'gone' }))).toEqual(['x', 'nan']);
    expect(names(await drift({ environment: 'TRAINING', label: 'gone' }))).toEqual(['x', 'nan', 'gone']);
    const column = (name: string) => ({ name, type: 'int' as const, presence: { min_fraction: 0 } });
    const schema = { kind: 'schema' as const, version: 1 as const, default_environments: [], columns: [{ ...column('x'), environments: { not_in: ['SERVING'] } }, column('nan'), column('gone')] };
    const serving = await drift({ environment: 'SERVING' }, schema);
    expect(names(serving)).toEqual(['nan', 'gone']);
    expect([serving.drifted_columns, serving.drift_share]).toEqual([2, 2 / 3]);
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
