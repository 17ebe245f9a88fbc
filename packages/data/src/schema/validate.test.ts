import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { InputDataError, type DataSchemaFile } from '@modelgate/core';
import { openTable } from '../readers/index.js';
import { TempDir } from '../readers/testing.js';
import { INCOME_CATEGORIES } from '../synthetic/income.js';
import { SchemaValidator, type ValidateOptions } from './validate.js';

const root = join(import.meta.dirname, '..', '..', '..', '..');
const fixture = (name: string) => join(root, 'fixtures', 'income', name);
const dir = new TempDir();
afterAll(() => dir.remove());

/** Anomalies of a one-column file `x` of `values` (one per line) against a float column. */
async function floatAnomalies(values: readonly string[], domain: { min: number; max: number }) {
  const file = dir.write(`floats-${values.length}.csv`, `x\n${values.join('\n')}\n`);
  const floatSchema: z.output<typeof DataSchemaFile> = { kind: 'schema', version: 1, default_environments: [], columns: [{ name: 'x', type: 'float', presence: { min_fraction: 0 }, domain }] };
  const table = await openTable(file);
  const validator = new SchemaValidator(floatSchema, table.columns, 'x.csv', { maxSamples: 1000 });
  for await (const batch of table.batches()) validator.addBatch(batch);
  return validator.finish();
}

/** Anomalies of a one-column file `x` (CSV or JSONL by its name) against the column `x`, read in batches of `batchRows`. */
async function columnAnomalies(name: string, text: string, column: Omit<z.output<typeof DataSchemaFile>['columns'][number], 'name'>, batchRows = 64) {
  const table = await openTable(dir.write(name, text), { batchRows });
  const validator = new SchemaValidator({ kind: 'schema', version: 1, default_environments: [], columns: [{ name: 'x', ...column }] }, table.columns, name, { maxSamples: 1000 });
  for await (const batch of table.batches()) validator.addBatch(batch);
  return validator.finish();
}

/** The schema the income generator promises (written by hand from fixtures/income/README.md). */
const schema: z.output<typeof DataSchemaFile> = {
  kind: 'schema',
  version: 1,
  label: 'income',
  default_environments: ['TRAINING', 'SERVING'],
  columns: [
    { name: 'age', type: 'int', presence: { min_fraction: 1 }, domain: { min: 17, max: 90 } },
    ...(['workclass', 'education', 'marital_status', 'occupation', 'relationship', 'race', 'sex', 'native_country'] as const).map((name) => ({
      name,
      type: 'string' as const,
      presence: { min_fraction: 1 },
      values: [...INCOME_CATEGORIES[name]],
    })),
    { name: 'capital_gain', type: 'int', presence: { min_fraction: 1 }, domain: { min: 0 } },
    { name: 'capital_loss', type: 'int', presence: { min_fraction: 1 }, domain: { min: 0 } },
    { name: 'hours_per_week', type: 'int', presence: { min_fraction: 1 }, domain: { min: 1, max: 99 } },
    { name: 'income', type: 'string', presence: { min_fraction: 1 }, values: ['<=50K', '>50K'], environments: { not_in: ['SERVING'] } },
  ],
};

async function validate(file: string, options: ValidateOptions = {}, batchRows = 64) {
  const table = await openTable(file, { batchRows }, file.split('/').pop());
  const validator = new SchemaValidator(schema, table.columns, file.split('/').pop()!, { maxSamples: 10, ...options });
  for await (const batch of table.batches()) validator.addBatch(batch);
  return { anomalies: validator.finish(), rows: validator.rows };
}

describe('SchemaValidator', () => {
  it('finds nothing wrong with clean data', async () => {
    const { anomalies, rows } = await validate(fixture('holdout.csv'));
    expect(rows).toBe(1000);
    expect(anomalies).toEqual([]);
  });

  it('reports every problem injected into corrupted.csv at its exact line', async () => {
    const manifest = JSON.parse(readFileSync(fixture('corrupted.manifest.json'), 'utf8')) as { problems: { line: number; column: string | null; kind: string; value: string | null }[] };
    const { anomalies } = await validate(fixture('corrupted.csv'), { duplicateRows: true });
    const kindFor: Record<string, string> = {
      out_of_range: 'out_of_range',
      unseen_category: 'unexpected_string_value',
      missing_value: 'low_fraction_present',
      non_numeric: 'type_mismatch',
      unknown_label: 'unexpected_string_value',
      duplicate_row: 'duplicate_rows',
    };
    for (const problem of manifest.problems) {
      const anomaly = anomalies.find((candidate) => candidate.kind === kindFor[problem.kind] && (problem.column === null || candidate.column === problem.column));
      expect(anomaly, `${problem.kind} at line ${problem.line}`).toBeDefined();
      expect(anomaly!.samples.map((sample) => sample.line)).toContain(problem.line);
      if (problem.value) expect(anomaly!.samples.find((sample) => sample.line === problem.line)?.value).toBe(problem.value);
    }
    const age = anomalies.find((anomaly) => anomaly.column === 'age' && anomaly.kind === 'out_of_range')!;
    expect(age).toMatchObject({ severity: 'error', count: 3 });
    expect(age.description).toBe("3 values of 'age': -1 below min 17, 142 above max 90, -30 below min 17");
    expect(anomalies.find((anomaly) => anomaly.column === 'hours_per_week')!.description).toBe("3 values of 'hours_per_week': 'full-time' is not an integer, '40 hrs' is not an integer, 'forty' is not an integer");
    const education = anomalies.find((anomaly) => anomaly.column === 'education')!;
    expect(education).toMatchObject({ kind: 'low_fraction_present', count: 3, description: "column 'education' is present in 99.40% of rows, schema requires 100.00%" });
  });

  it('gives the same anomalies whatever the batch size', async () => {
    const small = await validate(fixture('corrupted.csv'), { duplicateRows: true }, 7);
    const large = await validate(fixture('corrupted.csv'), { duplicateRows: true }, 8192);
    expect(small).toEqual(large);
  });

  it('reads the values of a float column as decimal numbers, inf and NaN, spaces around them allowed', async () => {
    const expected: Record<string, string[]> = {
      fine: ['1.5', ' 1.5 ', '1.', '.5', '-.5e-3', '+2', '1E3', '-0', '7'],
      out_of_range: ['1e5', '12345678901234567890', '-11'],
      inf_value: ['inf', '+Infinity', '-INF', ' inf '],
      nan_value: ['NaN', '-nan', ' nan '],
      type_mismatch: ['1e', '0x10', '2024-01-01', '1_000', 'abc', '.', '+', '1.5.2', '\u0661', 'infinit', 'nan1', 'true', '1 5'],
    };
    const values = Object.values(expected).flat();
    const anomalies = await floatAnomalies(values, { min: -10, max: 1000 });
    const found: Record<string, string[]> = { fine: [] };
    for (const anomaly of anomalies) found[anomaly.kind] = anomaly.samples.map((sample) => sample.value!);
    found.fine = values.filter((value) => !Object.values(found).flat().includes(value));
    expect(found).toEqual(expected);
    // The numbers read, as the reasons show them (every one below the min, or above the max, of 0).
    const numbers = await floatAnomalies(expected.fine!, { min: 0, max: 0 });
    expect(numbers.flatMap((anomaly) => anomaly.samples.map((sample) => sample.reason))).toEqual(
      ['1.5', '1.5', '1', '0.5', '-0.0005', '2', '1000', undefined, '7'].flatMap((number) => (number === undefined ? [] : [number.startsWith('-') ? `${number} below min 0` : `${number} above max 0`])),
    );
  });

  it('refuses a schema built in code that lists a column twice (schema.json refuses it when read)', () => {
    const twice: z.output<typeof DataSchemaFile> = {
      kind: 'schema',
      version: 1,
      default_environments: [],
      columns: [
        { name: 'b', type: 'int', presence: { min_fraction: 1 } },
        { name: 'b', type: 'float', presence: { min_fraction: 1 } },
      ],
    };
    expect(() => new SchemaValidator(twice, ['b'], 'x.csv')).toThrow("schema lists column 'b' twice");
  });

  it('checks every value of a column whose values rarely repeat (its verdict cache is dropped)', async () => {
    // 20 000 distinct floats, every 9th above the max, then the first thousand again: far more
    // entries than hits, so the column stops caching verdicts; the count must not change.
    const values = Array.from({ length: 20_000 }, (_, i) => `${i % 9 === 0 ? 5000 + i : i % 1000}.${i}`);
    values.push(...values.slice(0, 1000));
    // Then, checked without the cache: a word, a NaN and a number with spaces around it (fine).
    values.push('oops', 'nan', ' 7.5 ');
    const anomalies = await floatAnomalies(values, { min: 0, max: 1000 });
    const above = values.filter((value) => Number(value) > 1000).length;
    expect(above).toBeGreaterThan(2300);
    expect(anomalies.map((anomaly) => [anomaly.kind, anomaly.count])).toEqual([
      ['out_of_range', above],
      ['type_mismatch', 1],
      ['nan_value', 1],
    ]);
    // Lines count the header: the word is on line 21 002.
    expect(anomalies[1]!.samples).toEqual([{ file: 'x.csv', line: 21_002, value: 'oops', reason: "'oops' is not a number" }]);
  });

  it('quotes a long value by its first 120 characters and its length, in reasons and samples', async () => {
    // 300 000 characters: echoed whole, each annotation and artifact would carry all of them.
    const long = `${'ab'.repeat(60)}${'x'.repeat(299_880)}`;
    // A cut never splits a surrogate pair: '😀' is two UTF-16 units, at 120 and 121 here.
    const emoji = `${'e'.repeat(119)}😀${'x'.repeat(200)}`;
    const file = dir.write('long-value.csv', `name,n\nalice,1\n${long},2\nbob,${long}\n${emoji},3\n`);
    const longSchema: z.output<typeof DataSchemaFile> = {
      kind: 'schema',
      version: 1,
      default_environments: [],
      columns: [
        { name: 'name', type: 'string', presence: { min_fraction: 1 }, values: ['alice', 'bob'] },
        { name: 'n', type: 'int', presence: { min_fraction: 1 } },
      ],
    };
    const table = await openTable(file);
    const validator = new SchemaValidator(longSchema, table.columns, 'long.csv');
    for await (const batch of table.batches()) validator.addBatch(batch);
    const shown = `${'ab'.repeat(60)}… (300000 characters)`;
    expect(validator.finish().map((anomaly) => [anomaly.kind, anomaly.samples])).toEqual([
      [
        'unexpected_string_value',
        [
          { file: 'long.csv', line: 3, value: shown, reason: `'${shown}' not in the 2 known values` },
          { file: 'long.csv', line: 5, value: `${'e'.repeat(119)}… (321 characters)`, reason: `'${'e'.repeat(119)}… (321 characters)' not in the 2 known values` },
        ],
      ],
      ['type_mismatch', [{ file: 'long.csv', line: 4, value: shown, reason: `'${shown}' is not an integer` }]],
    ]);
  });

  it('knows the label is not expected in serving data, and flags unknown and missing columns', async () => {
    const validator = new SchemaValidator(schema, ['age', 'workclass', 'extra'], 'serving.csv', { environment: 'SERVING' });
    const anomalies = validator.finish();
    expect(anomalies.map((anomaly) => [anomaly.kind, anomaly.column, anomaly.severity])).toEqual([
      ...['education', 'marital_status', 'occupation', 'relationship', 'race', 'sex', 'native_country', 'capital_gain', 'capital_loss', 'hours_per_week'].map((name) => ['missing_column', name, 'error']),
      ['new_column', 'extra', 'warning'],
    ]);
  });

  it('compares an int cell past 2^53 with its bounds exactly, and names it by its text', async () => {
    // Number('9007199254740993') is 2^53: the cells of lines 3 to 5 were let through as the bound itself.
    const cells = ['9007199254740992', '9007199254740993', '+9007199254740993', '-9007199254740993', '-9007199254740992', '0000000000000000009007199254740992', '123456789012345678901234567890', '1'];
    const found = await columnAnomalies('big-ints.csv', `x\n${cells.join('\n')}\n`, { type: 'int', presence: { min_fraction: 1 }, domain: { min: -9007199254740992, max: 9007199254740992 } });
    expect(found.map((anomaly) => [anomaly.kind, anomaly.count, anomaly.samples.map((sample) => sample.line)])).toEqual([['out_of_range', 4, [3, 4, 5, 8]]]);
    expect(found[0]!.samples.map((sample) => sample.reason)).toEqual([
      '9007199254740993 above max 9007199254740992',
      '+9007199254740993 above max 9007199254740992',
      '-9007199254740993 below min -9007199254740992',
      '123456789012345678901234567890 above max 9007199254740992',
    ]);
    // A fractional bound is compared by its exact value too.
    const fractional = await columnAnomalies('big-ints-half.csv', 'x\n0000000000000000\n0000000000000001\n', { type: 'int', presence: { min_fraction: 1 }, domain: { min: 0.5 } });
    expect(fractional.map((anomaly) => anomaly.samples.map((sample) => sample.reason))).toEqual([['0000000000000000 below min 0.5']]);
  });

  it('takes the label as not expected in serving data when told which column it is, as if the schema said so', () => {
    const unmarked = { ...schema, columns: schema.columns.map(({ environments: _, ...column }) => column) };
    const missing = (options: ValidateOptions) => new SchemaValidator(unmarked, schema.columns.slice(0, -1).map((column) => column.name), 'serving.csv', options).finish().map((anomaly) => [anomaly.kind, anomaly.column]);
    expect(missing({ environment: 'SERVING' })).toEqual([['missing_column', 'income']]);
    expect(missing({ environment: 'SERVING', label: 'income' })).toEqual([]);
    expect(missing({ environment: 'TRAINING', label: 'income' })).toEqual([['missing_column', 'income']]);
  });

  it('reads timestamps as the profiler does: ISO 8601 dates and times, UTC without an offset', async () => {
    const expected: Record<string, string[]> = {
      // Date.parse reads a time without offset in the machine's zone: in Tokyo the 2nd and 3rd are before the min, in New York the first out_of_range one is not.
      fine: ['2024-02-29', '2024-01-01T10:00', '2024-01-01 10:00:00', ' 2024-01-02 ', '2024-01-01T19:00:00+09:00', '2024-01-01T10:00:00.123456Z', '2024-02-29T12:00:00Z'],
      // Date.parse takes the first five.
      type_mismatch: ['1', 'March 2 2024', '2024-02-30', 'Jan 1 2024', '2024-01-01T24:00', '2024-01-01T10:00:00 GMT', '2024-13-01', '20240101', 'x'],
      out_of_range: ['2024-01-01T09:59:59.999', '2024-01-01T10:00:00+00:01', '2024-02-29T12:00:00.001+00:00', '2023-12-31'],
    };
    const values = Object.values(expected).flat();
    const anomalies = await columnAnomalies('times.csv', `x\n${values.join('\n')}\n`, { type: 'timestamp', presence: { min_fraction: 1 }, domain: { min: '2024-01-01T10:00:00Z', max: '2024-02-29T12:00:00Z' } });
    const found: Record<string, string[]> = {};
    for (const anomaly of anomalies) found[anomaly.kind] = anomaly.samples.map((sample) => sample.value!);
    found.fine = values.filter((value) => !Object.values(found).flat().includes(value));
    expect(found).toEqual({ fine: expected.fine, type_mismatch: expected.type_mismatch, out_of_range: expected.out_of_range });
  });

  it('refuses a timestamp bound that is not a timestamp by the same rule, rather than ignore it', () => {
    const column = (min: string | number) => ({ kind: 'schema' as const, version: 1 as const, default_environments: [], columns: [{ name: 't', type: 'timestamp' as const, presence: { min_fraction: 1 }, domain: { min } }] });
    expect(() => new SchemaValidator(column('Jan 1 2024'), ['t'], 'x.csv')).toThrow(InputDataError);
    expect(() => new SchemaValidator(column(0), ['t'], 'x.csv')).toThrow(`schema column 't': domain.min 0 is not an ISO 8601 timestamp`);
    expect(() => new SchemaValidator(column('2024-01-01'), ['t'], 'x.csv')).not.toThrow();
  });

  it('checks the values of a bool column as those of a string column, on every path of the cache', async () => {
    // 3 000 rows of true first: batches whose every code is known to be fine are skipped whole;
    // then the values outside the domain, spelled as the profiler reads a bool.
    const cells = [...Array<string>(3000).fill('true'), 'false', 'True', 'FALSE', ' false ', 'true', 'yes'];
    const csv = await columnAnomalies('bools.csv', `x\n${cells.join('\n')}\n`, { type: 'bool', presence: { min_fraction: 1 }, values: ['true'], min_domain_mass: 1 });
    expect(csv.map((anomaly) => [anomaly.kind, anomaly.severity, anomaly.count, anomaly.samples.map((sample) => sample.line)])).toEqual([
      ['unexpected_string_value', 'error', 3, [3002, 3004, 3005]],
      ['type_mismatch', 'error', 1, [3007]],
    ]);
    expect(csv[0]!.description).toBe("3 values of 'x': 'false' not in the 1 known values, 'FALSE' not in the 1 known values, ' false ' not in the 1 known values");
    // JSONL's typed booleans; within min_domain_mass a stray value is a warning, below it an error.
    const jsonl = [...Array<string>(97).fill('{"x": true}'), ...Array<string>(3).fill('{"x": false}')].join('\n');
    const mass = async (min_domain_mass: number) => (await columnAnomalies(`bools-${min_domain_mass}.jsonl`, jsonl, { type: 'bool', presence: { min_fraction: 1 }, values: ['true'], min_domain_mass }, 7)).map((anomaly) => [anomaly.kind, anomaly.severity, anomaly.count]);
    expect(await mass(0.97)).toEqual([['unexpected_string_value', 'warning', 3]]);
    expect(await mass(0.98)).toEqual([['unexpected_string_value', 'error', 3]]);
    // Both values allowed: nothing to report.
    expect(await columnAnomalies('bools-both.csv', `x\n${cells.slice(0, -1).join('\n')}\n`, { type: 'bool', presence: { min_fraction: 1 }, values: ['false', 'true'] })).toEqual([]);
  });
});
