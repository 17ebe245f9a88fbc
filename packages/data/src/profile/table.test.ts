import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArtifact, serializeArtifact } from '@modelgate/core';
import { openTable } from '../readers/index.js';
import type { TableBatch } from '../table.js';
import { numericDistribution, valueCounts } from './distribution.js';
import type { ProfileJson } from './json.js';
import { mergeProfiles, profileSource, TableProfiler } from './table.js';
import { ColumnProfiler } from './column.js';
import { identitySlots } from './hash.js';
import { columnToJson } from './json.js';

const root = join(import.meta.dirname, '..', '..', '..', '..');
const train = join(root, 'fixtures', 'income', 'train.csv');
const dir = mkdtempSync(join(tmpdir(), 'modelgate-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function batch(columns: string[], rows: (string | number | null)[][], offset = 0): TableBatch {
  return {
    columns,
    data: columns.map((_, j) => rows.map((row) => row[j] ?? null)),
    rowCount: rows.length,
    offset,
    lines: Int32Array.from(rows, (_, i) => offset + i + 2),
  };
}

function document(body: { rows: number; columns: ProfileJson['columns'] }, path: string): ProfileJson {
  return { kind: 'profile', version: 1, source: { files: [{ path }] }, ...body };
}

describe('identity slots', () => {
  it('are 512 a column up to 64 columns, then fewer (a power of two, at least 32)', () => {
    expect([1, 64, 65, 128, 129, 1000, 1024, 1025, 100_000].map(identitySlots)).toEqual([512, 512, 256, 256, 128, 32, 32, 32, 32]);
  });

  it('change no profile: a column of repeated strings profiled with 2 slots and with 512', () => {
    // 3 000 distinct values (the exact table, then sketches), each string object repeated as a reader repeats it.
    const values = Array.from({ length: 3000 }, (_, i) => `v${(i * 7919) % 3000}`);
    const column = Array.from({ length: 20_000 }, (_, i) => values[(i * i + 3 * i) % values.length]!);
    const profiled = (slots: number) => {
      const profiler = new ColumnProfiler('x', {}, slots);
      for (let at = 0; at < column.length; at += 4096) profiler.add(column.slice(at, at + 4096));
      return columnToJson(profiler);
    };
    expect(profiled(2)).toEqual(profiled(512));
  });
});

describe('table profiles', () => {
  it('gives the same profile for the same data in CSV and JSON lines', async () => {
    const [header, ...lines] = readFileSync(train, 'utf8').trimEnd().split('\n');
    const names = header!.split(',');
    const numeric = new Set(['age', 'capital_gain', 'capital_loss', 'hours_per_week']);
    const jsonl = lines.map((line) => JSON.stringify(Object.fromEntries(line.split(',').map((v, j) => [names[j], numeric.has(names[j]!) ? Number(v) : v])))).join('\n');
    writeFileSync(join(dir, 'train.jsonl'), `${jsonl}\n`);
    const fromCsv = (await profileSource(await openTable(train, { batchRows: 1000 }))).toJSON();
    const fromJsonl = (await profileSource(await openTable(join(dir, 'train.jsonl'), { batchRows: 777 }))).toJSON();
    expect(fromJsonl).toEqual(fromCsv);
  });

  it('writes deterministic, schema-valid profile.json that parses back and merges', async () => {
    const once = (await profileSource(await openTable(train))).toJSON();
    const twice = (await profileSource(await openTable(train, { batchRows: 123 }))).toJSON();
    expect(JSON.stringify(twice)).toBe(JSON.stringify(once));
    const text = serializeArtifact('profile', { source: { files: [{ path: 'train.csv' }] }, ...once }, '0.0.0-test');
    const parsed = parseArtifact('profile', text, 'profile.json');
    const doubled = mergeProfiles(parsed, parsed);
    expect(doubled.rows).toBe(4000);
    expect(doubled.source.files).toHaveLength(2);
    const age = doubled.columns[0]!;
    expect(age).toMatchObject({ name: 'age', count: 4000, numeric: { min: 17, max: 89, mean: once.columns[0]!.numeric!.mean } });
    expect(age.categorical!.top[0]).toEqual({ value: '30', count: 128, error: 0 });
    expect(age.numeric!.histogram.counts).toEqual(once.columns[0]!.numeric!.histogram.counts.map((c) => 2 * c));
  });

  it('merges files whose columns differ: a column one side lacks is missing there', () => {
    const a = new TableProfiler(['id', 'x']);
    a.add(batch(['id', 'x'], [[1, 'a'], [2, 'b']]));
    const b = new TableProfiler(['id', 'y']);
    b.add(batch(['id', 'y'], [[3, 1.5], [4, null], [5, 2.5]]));
    const merged = mergeProfiles(document(a.toJSON(), 'a.csv'), document(b.toJSON(), 'b.csv'));
    expect(merged.rows).toBe(5);
    expect(merged.columns.map((c) => [c.name, c.type, c.count, c.missing])).toEqual([
      ['id', 'int', 5, 0],
      ['x', 'string', 2, 3],
      ['y', 'float', 2, 3],
    ]);
    const inMemory = a.merge(b).toJSON();
    expect(inMemory).toEqual({ rows: merged.rows, columns: merged.columns });
  });

  it('profiles a stream of batches and rejects a batch with other columns', async () => {
    async function* batches() {
      yield batch(['a'], [['2024-01-01'], ['2024-01-02T10:00Z'], [null]]);
      yield batch(['a'], [['2024-01-03']], 3);
    }
    const profiler = await profileSource(batches());
    const [a] = profiler.toJSON().columns;
    expect(a).toMatchObject({ type: 'timestamp', count: 3, missing: 1, numeric: { min: Date.UTC(2024, 0, 1), max: Date.UTC(2024, 0, 3) } });
    expect(() => profiler.add(batch(['b'], [['x']]))).toThrow(/differ/);
    expect(() => new TableProfiler(['a', 'a'])).toThrow(/duplicate/);
    expect((await profileSource((async function* () {})())).toJSON()).toEqual({ rows: 0, columns: [] });
  });

  it('rejects a profile whose counts do not add up or whose sketches are broken', () => {
    const p = new TableProfiler(['v']);
    p.add(batch(['v'], [[1], [2]]));
    const body = p.toJSON();
    expect(() => TableProfiler.fromJSON({ ...body, rows: 3 })).toThrow(/count \+ missing/);
    const column = body.columns[0]!;
    const broken = { ...column, categorical: { ...column.categorical!, top_sketch: { algorithm: 'exact', values: ['1'], counts: 'x' } } };
    expect(() => TableProfiler.fromJSON({ rows: 2, columns: [broken] })).toThrow(/counts/);
    // A spelling must be of a listed value, and within its count.
    const spelled = (values: string[], counts: number[]) => ({ ...column, categorical: { ...column.categorical!, top_sketch: { ...column.categorical!.top_sketch, spellings: { values, counts } } } });
    expect(TableProfiler.fromJSON({ rows: 2, columns: [spelled(['01', '2.0'], [1, 1])] }).toJSON().columns[0]!.categorical!.top_sketch).toMatchObject({ values: ['1', '2'], counts: [1, 1], spellings: { values: ['01', '2.0'], counts: [1, 1] } });
    expect(() => TableProfiler.fromJSON({ rows: 2, columns: [spelled(['3.0'], [1])] })).toThrow(/spelling '3.0'/);
    expect(() => TableProfiler.fromJSON({ rows: 2, columns: [spelled(['01'], [2])] })).toThrow(/spelling '01'/);
    expect(() => TableProfiler.fromJSON({ rows: 2, columns: [spelled(['x'], [1])] })).toThrow(/spelling 'x'/);
  });

  it('hands consumers the recorded distributions, exact or sketched', () => {
    const p = new TableProfiler(['few', 'many', 'label']);
    const rows = Array.from({ length: 5000 }, (_, i) => [String(i % 7), String(i * 1.5), i % 3 === 0 ? 'yes' : 'no']);
    p.add(batch(['few', 'many', 'label'], rows));
    const [few, many, label] = p.toJSON().columns;
    expect(numericDistribution(few!)).toEqual({ values: Float64Array.of(0, 1, 2, 3, 4, 5, 6), weights: Float64Array.of(715, 715, 714, 714, 714, 714, 714), exact: true });
    const sketched = numericDistribution(many!)!;
    expect(sketched.exact).toBe(false);
    expect(sketched.weights.reduce((a, b) => a + b)).toBe(5000);
    expect(numericDistribution(label!)).toBeUndefined();
    expect(valueCounts(label!)).toEqual({ counts: new Map([['no', 3333], ['yes', 1667]]), total: 5000, error: 0, exact: true });
    expect(valueCounts(many!)).toMatchObject({ exact: false, total: 5000 });
  });
});
