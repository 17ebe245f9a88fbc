import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { ARTIFACTS } from '@modelgate/core';
import { parquetWriteFile } from 'hyparquet-writer';
import { expectedRow, PARQUET_FIXTURES, PARQUET_GROUP_ROWS, PARQUET_ROWS } from './fixtures/make-parquet.js';
import { toCell } from './parquet.js';
import { checkCodes, readTable, TempDir, userError, withoutCodes } from './testing.js';
import type { TableBatch } from '../table.js';
import { openTable } from './index.js';
import { profileSource } from '../profile/index.js';
import { inferSchema } from '../schema/infer.js';
import { validateData } from '../validate-data.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const COLUMNS = ['id', 'big', 'score', 'name', 'flag', 'ts', 'day', 'small'];
const temp = new TempDir();
afterAll(() => temp.remove());

const expectedRows = Array.from({ length: PARQUET_ROWS }, (_, i) => COLUMNS.map((name) => expectedRow(i)[name]));

describe('Parquet', () => {
  for (const [file, codec] of Object.entries(PARQUET_FIXTURES)) {
    it(`reads ${file} (${codec}): every value, types mapped, lines = row + 1`, async () => {
      const path = join(fixtures, file);
      expect(statSync(path).size).toBeLessThan(20_000);
      const table = await readTable(path, { batchRows: 32 });
      expect(table.columns).toEqual(COLUMNS);
      expect(table.rows).toEqual(expectedRows);
      expect(table.lines).toEqual(Array.from({ length: PARQUET_ROWS }, (_, i) => i + 1));
      // Batches never straddle a row group: 50 = 32 + 18, 50 = 32 + 18, 20.
      expect(table.batchSizes).toEqual([32, 18, 32, 18, 20]);
    });
  }

  it('maps types: safe int64 → number, unsafe → bigint, timestamps/dates → ISO strings', async () => {
    const table = await readTable(join(fixtures, 'snappy.parquet'));
    const row = (i: number) => Object.fromEntries(COLUMNS.map((name, j) => [name, table.rows[i]![j]]));
    expect(row(0)).toEqual({ id: 1, big: 0, score: 0, name: 'alpha', flag: true, ts: '2024-01-01T00:00:00.123Z', day: '2024-02-28', small: null });
    expect(row(7).big).toBe(2n ** 60n + 7n);
    expect(row(1).big).toBe(1_000_000_007);
    expect(row(2).big).toBe(-2_000_000_014);
    expect(row(3).score).toBeNull();
    expect(row(4).name).toBeNull();
    expect(row(9).name).toBe('');
    expect(row(2).day).toBe('2024-03-01'); // 2024 is a leap year
    expect(typeof row(5).small).toBe('number');
    expect(table.batchSizes).toEqual([PARQUET_GROUP_ROWS, PARQUET_GROUP_ROWS, 20]);
  });

  for (const withIndex of [false, true]) {
    it(`${withIndex ? 'with' : 'without'} an offset index: row groups in batches of batchRows, every value`, async () => {
      const path = join(temp.path, `index-${withIndex}.parquet`);
      const values = Array.from({ length: 1000 }, (_, i) => i * 3);
      const labels = values.map((v) => (v % 7 === 0 ? null : `v${v % 11}`));
      parquetWriteFile({
        filename: path,
        columnData: [
          { name: 'v', data: Int32Array.from(values), type: 'INT32', nullable: false, offsetIndex: withIndex },
          { name: 'label', data: labels, type: 'STRING', offsetIndex: withIndex },
        ],
        rowGroupSize: 400,
        pageSize: 256,
      });
      // Many small pages: the offset index exists exactly when asked for (so both read paths run).
      const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
      expect(metadata.row_groups[0]!.columns.every((chunk) => (chunk.offset_index_offset !== undefined) === withIndex)).toBe(true);
      const table = await readTable(path, { batchRows: 150 });
      expect(table.batchSizes).toEqual([150, 150, 100, 150, 150, 100, 150, 50]);
      expect(table.rows.map((row) => row[0])).toEqual(values);
      expect(table.rows.map((row) => row[1])).toEqual(labels);
      expect(table.lines[999]).toBe(1000);
    });
  }

  it('reads only the projected columns', async () => {
    const table = await readTable(join(fixtures, 'zstd.parquet'), { columns: ['name', 'id'] });
    expect(table.columns).toEqual(['id', 'name']);
    expect(table.rows[1]).toEqual([2, 'Zoë']);
    expect(table.rows).toHaveLength(PARQUET_ROWS);
  });

  it('an unsupported codec names the file, column and codec', async () => {
    expect(await userError(() => readTable(join(fixtures, 'lzo.parquet'), {}, 'data/lzo.parquet'))).toBe(
      "data/lzo.parquet: column 'id' is compressed with LZO, which cannot be read (supported: UNCOMPRESSED, SNAPPY, GZIP, BROTLI, ZSTD, LZ4, LZ4_RAW); rewrite the file with another codec",
    );
  });

  it('corrupt files: not Parquet, truncated footer, damaged pages, empty', async () => {
    expect(await userError(() => readTable(temp.write('text.parquet', 'a,b\n1,2\n3,4\n5,6\n'), {}, 'text.parquet'))).toBe(
      'text.parquet: not a readable Parquet file: file invalid (footer != PAR1)',
    );
    const bytes = readFileSync(join(fixtures, 'uncompressed.parquet'));
    const cut = temp.write('cut.parquet', bytes.subarray(0, bytes.length - 10));
    expect(await userError(() => readTable(cut, {}, 'cut.parquet'))).toBe('cut.parquet: not a readable Parquet file: file invalid (footer != PAR1)');
    expect(await userError(() => readTable(temp.write('empty.parquet', ''), {}, 'empty.parquet'))).toBe('empty.parquet: is empty (0 bytes), expected a Parquet file');
    for (const short of ['PAR1', 'PAR1PAR1', 'PAR1\0\0\0PAR']) {
      expect(await userError(() => readTable(temp.write('short.parquet', short), {}, 'short.parquet'))).toBe(`short.parquet: is ${short.length} bytes, too short for a Parquet file (at least 12: PAR1, the footer's length, PAR1)`);
    }
    // Zero the first row group's data (keep the footer): decoding fails with a located error.
    const damaged = Buffer.from(bytes);
    damaged.fill(0xff, 4, 400);
    const message = await userError(() => readTable(temp.write('damaged.parquet', damaged), {}, 'damaged.parquet'));
    expect(message).toMatch(/^damaged\.parquet:1: cannot read column '\w+' \(rows 1–50\): .+/);
    expect(message).not.toContain('\n');
    // A footer whose root claims three columns and holds two: the schema tree cannot be built.
    const twoColumns = join(temp.path, 'two.parquet');
    parquetWriteFile({ filename: twoColumns, columnData: [{ name: 'a', data: [1, 2], type: 'INT32' }, { name: 'b', data: ['x', 'y'], type: 'STRING' }] });
    const footer = readFileSync(twoColumns);
    const root = footer.indexOf(Buffer.from([0x48, 0x04, ...Buffer.from('root'), 0x15, 0x04])); // name "root", num_children 2
    expect(root).toBeGreaterThan(0);
    footer[root + 7] = 0x06;
    expect(await userError(() => readTable(temp.write('three.parquet', footer), {}, 'three.parquet'))).toMatch(/^three\.parquet: not a readable Parquet file: .+$/);
  });

  it('columns get codes, and a validation with them equals one without them', async () => {
    // 30 000 rows in row groups of 7 000: a category column (with nulls and empty strings), a
    // column of 2 500 values that fills dictionaries, ids (all distinct: coding stops), numbers
    // written as strings (the drift sampler parses them by code), and a DOUBLE column with nulls,
    // NaN and -0 in dictionary pages (its indices are its codes).
    const rows = 30_000;
    const path = join(temp.path, 'coded.parquet');
    const pick = (i: number, n: number) => (i * 7919 + 13) % n;
    parquetWriteFile({
      filename: path,
      rowGroupSize: 7_000,
      columnData: [
        { name: 'kind', data: Array.from({ length: rows }, (_, i) => (i % 97 === 0 ? null : i % 89 === 0 ? '' : ['a', 'b', 'Zoë', '12', '3.5'][pick(i, 5)]!)), type: 'STRING' },
        { name: 'city', data: Array.from({ length: rows }, (_, i) => `c${pick(i, 2_500)}`), type: 'STRING' },
        { name: 'id', data: Array.from({ length: rows }, (_, i) => `id-${i}`), type: 'STRING' },
        { name: 'num', data: Array.from({ length: rows }, (_, i) => (i % 101 === 0 ? null : String((pick(i, 1_500) - 350) / 4))), type: 'STRING' },
        { name: 'x', data: Array.from({ length: rows }, (_, i) => (i % 11 === 0 ? null : i % 13 === 0 ? NaN : i % 17 === 0 ? -0 : pick(i, 1000) / 8)), type: 'DOUBLE' },
      ],
    });
    const table = await readTable(path, { batchRows: 4096 });
    expect(table.rows).toHaveLength(rows);
    // readTable checks each batch's codes against its cells as it comes; here, the codes of all
    // batches once every batch is read (a code never changes its value), and which columns have them.
    const source = await openTable(path, { batchRows: 4096 });
    const batches: TableBatch[] = [];
    for await (const batch of source.batches()) batches.push(batch);
    batches.forEach(checkCodes);
    const coded = (name: string) => batches.map((batch) => batch.codes?.[batch.columns.indexOf(name)]);
    const codedCells = (name: string) => coded(name).reduce((sum, column) => sum + (column?.codes.filter((code) => code >= 0).length ?? 0), 0);
    expect(codedCells('kind')).toBe(rows - Math.ceil(rows / 97));
    expect(codedCells('city')).toBeGreaterThan(rows / 2);
    expect(new Set(coded('city').map((column) => column!.dictionary)).size).toBe(batches.length);
    expect(coded('id').map((column) => column !== undefined)).toEqual(batches.map((_, k) => k === 0));
    expect(codedCells('num')).toBe(rows - Math.ceil(rows / 101));
    // Every value of x in dictionary pages, but for the last group's 2 000 rows: the writer keeps a
    // dictionary only where it halves the size, and there it does not (the cells of a PLAIN page
    // are coded by no one: StringCoder stops at a batch of numbers).
    const lastGroup = Array.from({ length: 2_000 }, (_, k) => 28_000 + k).filter((i) => i % 11 !== 0).length;
    expect(codedCells('x')).toBe(rows - Math.ceil(rows / 11) - lastGroup);

    const inferred = inferSchema({ ...(await profileSource(await openTable(path))).toJSON(), source: { files: [{ path: 'coded.parquet' }] } }, {});
    // 'Zoë', '12', '3.5' and '' fall outside the domain: anomalies with their lines.
    // And x above 100 is out of range (a verdict per code for numbers as for strings).
    const schema = ARTIFACTS.schema.parse({
      kind: 'schema',
      version: 1,
      ...inferred,
      columns: inferred.columns.map((column) => (column.name === 'kind' ? { ...column, values: ['a', 'b'] } : column.name === 'x' ? { ...column, domain: { min: 0, max: 100 } } : column)),
    });
    const withOrWithout = async (withCodes: boolean, batchRows: number, columns?: string[]) => {
      const table = await openTable(path, { batchRows, ...(columns ? { columns } : {}) });
      return withCodes ? table : withoutCodes(table);
    };
    const run = async (withCodes: boolean) => {
      const result = await validateData({
        data: { source: await withOrWithout(withCodes, 4096), shown: 'coded.parquet' },
        schema: { schema, shown: 'schema.json' },
        reference: { source: await withOrWithout(withCodes, 1000, ['kind', 'city', 'num', 'x']), shown: 'reference.parquet' },
        sampleSize: 5_000,
      });
      return JSON.stringify(result);
    };
    const [withCodes, without] = [await run(true), await run(false)];
    expect(withCodes).toBe(without);
    expect(withCodes).toContain('unexpected_string_value');
    expect(withCodes).toMatch(/"kind":"out_of_range","column":"x"/);
    // The numbers written as strings were sampled and tested as numbers.
    expect(withCodes).toContain('{"column":"num","kind":"numeric"');
  });

  it('missing files and unknown projected columns', async () => {
    expect(await userError(() => readTable(join(fixtures, 'nope.parquet'), {}, 'nope.parquet'))).toBe('nope.parquet: no such file');
    expect(await userError(() => readTable(join(fixtures, 'gzip.parquet'), { columns: ['zz'] }, 'gzip.parquet'))).toBe(
      "gzip.parquet: has no column 'zz' (columns: id, big, score, name, flag, ts, day, small)",
    );
  });

  it('nested columns are refused unless left out by the projection', async () => {
    const path = join(temp.path, 'variant.parquet');
    parquetWriteFile({ filename: path, columnData: [{ name: 'id', data: [1, 2], type: 'INT32' }, { name: 'v', data: [{ a: 1 }, [1, 2]], type: 'VARIANT' }] });
    expect(await userError(() => readTable(path, {}, 'variant.parquet'))).toBe(
      "variant.parquet: column 'v' is a nested VARIANT column; only flat columns can be read (leave it out with the columns option)",
    );
    expect((await readTable(path, { columns: ['id'] })).rows).toEqual([[1], [2]]);
  });

  it('toCell: bytes → hex, Date → ISO, nested → error', () => {
    expect(toCell(Uint8Array.of(0, 255, 16), 'c', 'f', 1)).toBe('00ff10');
    expect(toCell(new Date(Date.UTC(2020, 0, 2)), 'c', 'f', 1)).toBe('2020-01-02T00:00:00.000Z');
    expect(toCell(2n ** 53n, 'c', 'f', 1)).toBe(2n ** 53n);
    expect(toCell(2n ** 53n - 1n, 'c', 'f', 1)).toBe(2 ** 53 - 1);
    expect(toCell(undefined, 'c', 'f', 1)).toBeNull();
    expect(() => toCell([1], 'tags', 'f.parquet', 4)).toThrow("column 'tags' holds a nested value (list); only flat columns can be read");
  });
});
