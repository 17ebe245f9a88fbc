/**
 * The CSV reader's codes (ColumnCodes) are a shortcut only: they must name the cell they stand for,
 * survive a dictionary change between batches, and leave every profile and validation exactly as
 * the cells alone give them.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { DataSchemaFile } from '@modelgate/core';
import { RowSampler } from '../drift/reservoir.js';
import { TableProfiler } from '../profile/table.js';
import { SchemaValidator } from '../schema/validate.js';
import { cellAt, codeCounts, type TableBatch } from '../table.js';
import type { CsvSource } from './csv.js';
import { openTable } from './index.js';
import { checkCodes, TempDir } from './testing.js';

type Schema = z.output<typeof DataSchemaFile>;

const dir = new TempDir();
afterAll(() => dir.remove());

const income = join(import.meta.dirname, '..', '..', '..', '..', 'fixtures', 'income', 'train.csv');

/**
 * 200 000 rows. `mixed`: 60% one of ten values, 40% a value never seen before — a miss rate the
 * reader keeps caching through, so its dictionary outgrows one (65 536 codes) and is replaced.
 * `cat`: a few values, empty fields, the null token NA, quoted values with "" escapes. `num`: small ints, some out of range.
 */
function mixedCsv(): string {
  let state = 0x2545f491;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
  const lines = ['mixed,cat,num'];
  for (let i = 0; i < 200_000; i += 1) {
    const mixed = random() < 0.6 ? `common-${Math.floor(random() * 10)}` : `id-${i}`;
    const r = random();
    const cat = r < 0.05 ? '' : r < 0.08 ? 'NA' : r < 0.12 ? '"say ""hi"""' : ['red', 'green', 'blue'][Math.floor(random() * 3)]!;
    lines.push(`${mixed},${cat},${Math.floor(random() * 120) - 5}`);
  }
  return `${lines.join('\n')}\n`;
}

const mixedSchema: Schema = {
  kind: 'schema',
  version: 1,
  default_environments: [],
  columns: [
    { name: 'mixed', type: 'string', presence: { min_fraction: 1 }, values: Array.from({ length: 10 }, (_, k) => `common-${k}`) },
    { name: 'cat', type: 'string', presence: { min_fraction: 0.5 }, values: ['red', 'green', 'blue'] },
    { name: 'num', type: 'int', presence: { min_fraction: 1 }, domain: { min: 0, max: 100 } },
  ],
};

/**
 * Profile, validation and drift samples of a file, from the batches as read (`codes`), with their
 * codes taken away (`plain`), or read without their coded cells (`omitted`: codedCellsInData false).
 */
async function profileAndValidate(file: string, schema: Schema, mode: 'codes' | 'plain' | 'omitted') {
  const table = await openTable(file, { nullValues: ['NA'] });
  const profiler = new TableProfiler(table.columns);
  const validator = new SchemaValidator(schema, table.columns, 'data.csv');
  const sampler = new RowSampler(table.columns.length, 5000, 11);
  let coded = 0;
  let cells = 0;
  let left = 0;
  for await (const read of table.batches({ codedCellsInData: mode !== 'omitted' })) {
    if (mode !== 'omitted') checkCodes(read);
    const { codes, ...plain } = read;
    codes?.forEach((column, j) =>
      column!.codes.forEach((code, i) => {
        coded += code >= 0 ? 1 : 0;
        // Fresh batches (no reuse): a cell left out is a hole.
        left += code >= 0 && read.data[j]![i] === undefined ? 1 : 0;
      }),
    );
    cells += read.rowCount * read.columns.length;
    const batch: TableBatch = mode === 'plain' ? plain : read;
    profiler.add(batch);
    validator.addBatch(batch);
    sampler.add(batch.data, batch.rowCount, batch.codes);
  }
  const samples = sampler.reservoirs.map((reservoir) => ({ stopped: reservoir.stopped, values: [...reservoir.sample()] }));
  return { profile: profiler.toJSON(), anomalies: validator.finish(), samples, codedShare: coded / cells, leftOut: left / cells };
}

describe('CSV cell codes', () => {
  const mixed = dir.write('mixed.csv', mixedCsv());

  it('name the cell they stand for, across a change of dictionary', async () => {
    const table = await openTable(mixed, { nullValues: ['NA'] });
    const dictionaries = new Set<unknown>();
    let batches = 0;
    let largest = 0;
    for await (const batch of table.batches()) {
      checkCodes(batch);
      dictionaries.add(batch.codes![0]!.dictionary);
      largest = Math.max(largest, ...batch.codes!.map((column) => column!.dictionary.values.length));
      batches += 1;
    }
    expect(batches).toBeGreaterThan(10);
    // A dictionary holds its strings: capped at twice the cache's 1 024 slots.
    expect(largest).toBe(2048);
    // ~80 000 new values in `mixed`: one dictionary per batch or so.
    expect(dictionaries.size).toBeGreaterThanOrEqual(2);
  });

  it('are counted per batch column (codeCounts) as one by one, cells without a code at [0]', async () => {
    // Batches of an odd row count, so the even/odd tallies end unevenly.
    const table = await openTable(mixed, { nullValues: ['NA'], batchRows: 4097 });
    let uncoded = 0;
    for await (const batch of table.batches()) {
      for (const coded of batch.codes!.map((column) => column!)) {
        const naive = new Int32Array(coded.dictionary.values.length + 1);
        for (const code of coded.codes) naive[code + 1]! += 1;
        const counted = codeCounts(coded);
        expect(counted).toEqual(naive);
        expect(codeCounts(coded)).toBe(counted);
        uncoded += counted[0]!;
      }
    }
    expect(uncoded).toBeGreaterThan(0);
  });

  it('leave a profile as it is when cells without a code fill the exact table in mid-batch', async () => {
    // Two coded values, and in every 100th row a 51-digit number (too long to cache: no code).
    // The 1 001st distinct value arrives inside a batch: the counts moved to the sketches then
    // must be those of the rows before it, as cell by cell.
    const rows = ['id,note'];
    for (let i = 0; i < 150_000; i += 1) rows.push(`${i},${i % 100 === 0 ? `${'9'.repeat(45)}${String(i).padStart(6, '0')}` : String(i % 2)}`);
    const path = dir.write('uncoded-late.csv', `${rows.join('\n')}\n`);
    const coded = new TableProfiler(['id', 'note']);
    const plain = new TableProfiler(['id', 'note']);
    for await (const batch of (await openTable(path)).batches()) {
      coded.add(batch);
      plain.add({ ...batch, codes: undefined });
    }
    expect(coded.toJSON().columns[1]!.distinct).toEqual(plain.toJSON().columns[1]!.distinct);
    expect(coded.toJSON()).toEqual(plain.toJSON());
  });

  it('are few for repeated values, short or long (the reader caches them)', async () => {
    // Values that differ only in the last byte of a 32-bit word (the 4th, 8th, 12th), and values
    // over 12 bytes, which the cache compares against a copy (in the second column, so at an offset).
    const digits = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    const short = digits.flatMap((d) => [`A00${d}`, `common-${d}`, `size-123456${d}`]);
    const long = digits.flatMap((d) => [`Married-civ-spouse-${d}`, `a-long-category-name-number-${d}`]);
    const rows = Array.from({ length: 40_000 }, (_, i) => `${short[(i * 7) % short.length]!},${long[(i * 11) % long.length]!}`);
    const table = await openTable(dir.write('repeated.csv', `short,long\n${rows.join('\n')}\n`));
    let codes = [0, 0];
    for await (const batch of table.batches()) codes = batch.codes!.map((column) => column!.dictionary.values.length);
    // One code per value unless two values share a slot; a cache that thrashed would hand out thousands.
    expect(codes[0]).toBeLessThanOrEqual(2 * short.length);
    expect(codes[1]).toBeLessThanOrEqual(2 * long.length);
  });

  it('are few for a column of many small values (two values sharing a cache set both stay)', async () => {
    // Ages 17–99 and hours 1–99 in turn, as in the income data: some pairs of them share a set.
    const rows = Array.from({ length: 40_000 }, (_, i) => `${17 + ((i * 7) % 83)},${1 + ((i * 13) % 99)}`);
    const table = await openTable(dir.write('small-values.csv', `age,hours\n${rows.join('\n')}\n`));
    let codes = [0, 0];
    for await (const batch of table.batches()) codes = batch.codes!.map((column) => column!.dictionary.values.length);
    // 83 and 99 distinct values; a direct-mapped cache handed out 3 931 and 3 323 codes here.
    expect(codes[0]).toBeLessThanOrEqual(100);
    expect(codes[1]).toBeLessThanOrEqual(120);
  });

  it('readers that reuse memory (one after another, or interleaved) read what a fresh reader reads', async () => {
    // Rows as text, codes checked batch by batch: a buffer shared by two live readers would garble both.
    const read = async (batches: AsyncIterable<TableBatch> | Iterable<TableBatch>, out: string[]) => {
      for await (const batch of batches) {
        checkCodes(batch);
        for (let i = 0; i < batch.rowCount; i += 1) out.push(batch.data.map((column) => String(column[i])).join(','));
      }
    };
    const other = dir.write('other.csv', `a,b,c\n${Array.from({ length: 30_000 }, (_, i) => `x${i % 13},y${i % 101},long-value-number-${i % 7}`).join('\n')}\n`);
    const [mixedTable, otherTable] = await Promise.all([openTable(mixed, { nullValues: ['NA'] }), openTable(other)]);
    const fresh = { mixed: [] as string[], other: [] as string[] };
    await read((mixedTable as CsvSource).ranges.readRange({ from: (mixedTable as CsvSource).ranges.dataStart, to: Infinity }).batches(), fresh.mixed);
    await read((otherTable as CsvSource).ranges.readRange({ from: (otherTable as CsvSource).ranges.dataStart, to: Infinity }).batches(), fresh.other);
    const reused = () => ({
      mixed: (mixedTable as CsvSource).ranges.readRange({ from: (mixedTable as CsvSource).ranges.dataStart, to: Infinity, reuseBatches: true }).batches()[Symbol.asyncIterator](),
      other: (otherTable as CsvSource).ranges.readRange({ from: (otherTable as CsvSource).ranges.dataStart, to: Infinity, reuseBatches: true }).batches()[Symbol.asyncIterator](),
    });
    // One after another, twice: the second pair takes the buffers the first gave back.
    for (let round = 0; round < 2; round += 1) {
      const again = { mixed: [] as string[], other: [] as string[] };
      const { mixed: m, other: o } = reused();
      await read({ [Symbol.asyncIterator]: () => m }, again.mixed);
      await read({ [Symbol.asyncIterator]: () => o }, again.other);
      expect(again).toEqual(fresh);
    }
    // Interleaved: both readers live at once, a batch of each in turn.
    const both = { mixed: [] as string[], other: [] as string[] };
    const { mixed: m, other: o } = reused();
    for (let done = [false, false]; !done[0] || !done[1]; ) {
      for (const [k, iterator] of [[0, m], [1, o]] as const) {
        if (done[k]) continue;
        const next = await iterator.next();
        if (next.done) done[k] = true;
        else await read([next.value], k === 0 ? both.mixed : both.other);
      }
    }
    expect(both).toEqual(fresh);
  });

  it('without coded cells in the data, the cells read by their codes (cellAt) are what a fresh reader reads', async () => {
    // Reused batches keep an earlier batch's values where coded cells were left out: cellAt must not read them.
    const source = (await openTable(mixed, { nullValues: ['NA'] })) as CsvSource;
    const rows = (batch: TableBatch, out: string[], read: (batch: TableBatch, j: number, i: number) => unknown) => {
      for (let i = 0; i < batch.rowCount; i += 1) out.push(batch.columns.map((_, j) => String(read(batch, j, i))).join(','));
    };
    const fresh: string[] = [];
    for await (const batch of source.ranges.readRange({ from: source.ranges.dataStart, to: Infinity }).batches()) rows(batch, fresh, (b, j, i) => b.data[j]![i]);
    const omitted: string[] = [];
    const direct: string[] = [];
    for await (const batch of source.ranges.readRange({ from: source.ranges.dataStart, to: Infinity, reuseBatches: true, codedCellsInData: false }).batches()) {
      rows(batch, omitted, cellAt);
      rows(batch, direct, (b, j, i) => b.data[j]![i]);
    }
    expect(omitted).toEqual(fresh);
    // The data itself no longer holds them (stale or missing values).
    expect(direct.filter((row, k) => row !== fresh[k]).length).toBeGreaterThan(fresh.length / 2);
  });

  it('readers of the same file, one a batch ahead of the other, read what a fresh reader reads', async () => {
    // Same bytes in both: a cache or read buffer shared by the two would hand one reader the other's cells.
    const source = (await openTable(mixed, { nullValues: ['NA'] })) as CsvSource;
    const rows = (batch: TableBatch, out: string[]) => {
      checkCodes(batch);
      for (let i = 0; i < batch.rowCount; i += 1) out.push(batch.data.map((column) => String(column[i])).join(','));
    };
    const fresh: string[] = [];
    for await (const batch of source.ranges.readRange({ from: source.ranges.dataStart, to: Infinity }).batches()) rows(batch, fresh);
    const readers = [0, 1].map(() => source.ranges.readRange({ from: source.ranges.dataStart, to: Infinity, reuseBatches: true }).batches()[Symbol.asyncIterator]());
    const read: string[][] = [[], []];
    const ahead = await readers[0]!.next();
    rows(ahead.value as TableBatch, read[0]!);
    for (let done = [false, false]; !done[0] || !done[1]; ) {
      for (const k of [0, 1]) {
        if (done[k]) continue;
        const next = await readers[k]!.next();
        if (next.done) done[k] = true;
        else rows(next.value, read[k]!);
      }
    }
    expect(read[0]).toEqual(fresh);
    expect(read[1]).toEqual(fresh);
  });

  it('of a wide file: a smaller cache and dictionary per column, shorter batches, the same cells', async () => {
    // 1 500 columns: 64 cache slots each (131 072 / 1 500, down to a power of two), dictionaries of
    // 128 codes, 512-row batches.
    // Repeated short values, distinct floats, repeated 13-48 byte values (compared against the
    // column's pool, now 64 slots' worth), and empty cells.
    const width = 1500;
    const cellOf = (row: number, k: number): string => {
      if (k % 4 === 0) return String((row * 7 + k) % 40);
      if (k % 4 === 1) return `${row}.${k}`;
      if (k % 4 === 2) return `a-long-category-value-${(row + k) % 70}`;
      return row % 5 === 0 ? '' : `x${row % 3}`;
    };
    const lines = [Array.from({ length: width }, (_, k) => `c${k}`).join(',')];
    for (let row = 0; row < 1200; row += 1) lines.push(Array.from({ length: width }, (_, k) => cellOf(row, k)).join(','));
    const path = dir.write('wide.csv', `${lines.join('\n')}\n`);
    const table = await openTable(path);
    let rows = 0;
    let largest = 0;
    const sizes: number[] = [];
    for await (const batch of table.batches()) {
      checkCodes(batch);
      sizes.push(batch.rowCount);
      largest = Math.max(largest, ...batch.codes!.map((column) => column!.dictionary.values.length));
      for (let i = 0; i < batch.rowCount; i += 1, rows += 1) {
        for (let k = 0; k < width; k += 1) {
          const expected = cellOf(rows, k);
          if (batch.data[k]![i] !== (expected === '' ? null : expected)) throw new Error(`row ${rows}, column ${k}: read ${String(batch.data[k]![i])}, expected '${expected}'`);
        }
      }
    }
    expect(rows).toBe(1200);
    expect(sizes).toEqual([512, 512, 176]);
    expect(largest).toBe(128);
    // The consumers' results do not depend on the codes, however small the dictionaries.
    const schema: Schema = {
      kind: 'schema',
      version: 1,
      default_environments: [],
      columns: [
        { name: 'c0', type: 'int', presence: { min_fraction: 1 }, domain: { min: 0, max: 30 } },
        { name: 'c1', type: 'float', presence: { min_fraction: 1 }, domain: { min: 0, max: 900 } },
        { name: 'c1498', type: 'string', presence: { min_fraction: 1 }, values: Array.from({ length: 60 }, (_, v) => `a-long-category-value-${v}`) },
        { name: 'c1499', type: 'string', presence: { min_fraction: 1 }, values: ['x0', 'x1'] },
      ],
    };
    const coded = await profileAndValidate(path, schema, 'codes');
    // The repeated values' cells (half the file) mostly came with a code; the floats' columns stopped probing.
    expect(coded.codedShare).toBeGreaterThan(0.4);
    expect(coded.anomalies.map((anomaly) => `${anomaly.column} ${anomaly.kind} ${anomaly.count}`)).toEqual([
      ...Array.from({ length: width - 4 }, () => expect.stringMatching(/ new_column 0$/)),
      'c0 out_of_range 270',
      'c1 out_of_range 300',
      'c1498 unexpected_string_value 170',
      'c1499 unexpected_string_value 320',
      'c1499 low_fraction_present 240',
    ]);
    for (const mode of ['plain', 'omitted'] as const) {
      const other = await profileAndValidate(path, schema, mode);
      expect(coded.profile).toEqual(other.profile);
      expect(coded.anomalies).toEqual(other.anomalies);
      expect(coded.samples).toEqual(other.samples);
    }
  });

  it('leave profiles, anomalies and drift samples exactly as the cells give them', async () => {
    const incomeSchema: Schema = { kind: 'schema', version: 1, default_environments: [], columns: [{ name: 'workclass', type: 'string', presence: { min_fraction: 1 }, values: ['Private'] }, { name: 'age', type: 'int', presence: { min_fraction: 1 }, domain: { min: 20, max: 60 } }] };
    // Numbers that keep filling the dictionary (40% never seen before): it is replaced mid-file.
    const amounts = dir.write('amounts.csv', `${['amount', ...Array.from({ length: 120_000 }, (_, i) => (i % 5 < 3 ? String(i % 10) : `${i * 7}.5`))].join('\n')}\n`);
    const amountSchema: Schema = { kind: 'schema', version: 1, default_environments: [], columns: [{ name: 'amount', type: 'float', presence: { min_fraction: 1 }, domain: { min: 0, max: 100 } }] };
    for (const [file, schema] of [
      [mixed, mixedSchema],
      [income, incomeSchema],
      [amounts, amountSchema],
    ] as const) {
      const coded = await profileAndValidate(file, schema, 'codes');
      const plain = await profileAndValidate(file, schema, 'plain');
      const omitted = await profileAndValidate(file, schema, 'omitted');
      // The shortcut was taken: most cells came with a code.
      expect(coded.codedShare).toBeGreaterThan(0.5);
      expect(coded.leftOut).toBe(0);
      // Read without coded cells: every coded cell was left out.
      expect(omitted.leftOut).toBe(omitted.codedShare);
      expect(coded.anomalies.length).toBeGreaterThan(0);
      for (const other of [plain, omitted]) {
        expect(coded.profile).toEqual(other.profile);
        expect(coded.anomalies).toEqual(other.anomalies);
        expect(coded.samples).toEqual(other.samples);
      }
      // Numeric columns were sampled (the 2 000-row fixture whole), the others stopped.
      expect(coded.samples.filter((sample) => !sample.stopped && sample.values.length >= 2000).length).toBeGreaterThan(0);
      expect(coded.samples.some((sample) => sample.stopped)).toBe(file !== amounts);
    }
  });
});
