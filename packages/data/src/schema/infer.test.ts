import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS } from '@modelgate/core';
import { profileSource } from '../profile/index.js';
import { openTable } from '../readers/index.js';
import { inferSchema } from './infer.js';
import { SchemaValidator } from './validate.js';

const fixture = (name: string) => join(import.meta.dirname, '..', '..', '..', '..', 'fixtures', 'income', name);

async function schemaFromTrain() {
  const profile = (await profileSource(await openTable(fixture('train.csv')))).toJSON();
  return ARTIFACTS.schema.parse({ kind: 'schema', version: 1, ...inferSchema({ ...profile, source: { files: [{ path: 'train.csv' }] } }, { label: 'income' }) });
}

/** A one-column batch `x` of `cells` (lines from 2, as in a CSV file). */
function batchOf(cells: readonly string[]) {
  return { columns: ['x'], data: [cells.slice()], rowCount: cells.length, offset: 0, lines: Int32Array.from(cells, (_, i) => i + 2) };
}

/** The schema inferred from `cells` (as schema.json is read: checked against its contract), and what validating `data` against it finds. */
async function inferAndValidate(cells: readonly string[], data: readonly string[] = cells) {
  const profile = (await profileSource({ async *[Symbol.asyncIterator]() { yield batchOf(cells); } })).toJSON();
  const schema = ARTIFACTS.schema.parse({ kind: 'schema', version: 1, ...inferSchema({ ...profile, source: { files: [{ path: 'x.csv' }] } }) });
  const validator = new SchemaValidator(schema, ['x'], 'x.csv');
  validator.addBatch(batchOf(data));
  return { column: schema.columns[0]!, anomalies: validator.finish() };
}

async function anomalies(schema: Awaited<ReturnType<typeof schemaFromTrain>>, file: string) {
  const table = await openTable(fixture(file));
  const validator = new SchemaValidator(schema, table.columns, file);
  for await (const batch of table.batches()) validator.addBatch(batch);
  return validator.finish();
}

describe('inferSchema', () => {
  it('lists a string domain in code point order (emoji after U+FFFD, unlike UTF-16 order)', async () => {
    const profile = (await profileSource({ async *[Symbol.asyncIterator]() { yield { columns: ['tag'], data: [['\u{1F600}', '\uFFFD', 'b', 'a']], rowCount: 4, offset: 0, lines: Int32Array.of(2, 3, 4, 5) }; } })).toJSON();
    const schema = inferSchema({ ...profile, source: { files: [{ path: 'tags.csv' }] } });
    expect(schema.columns[0]!.values).toEqual(['a', 'b', '\uFFFD', '\u{1F600}']);
  });

  it('infers types, presence, widened ranges, string domains and the label environment', async () => {
    const schema = await schemaFromTrain();
    const column = (name: string) => schema.columns.find((candidate) => candidate.name === name)!;
    expect(schema.columns.map((candidate) => `${candidate.name}:${candidate.type}`)).toEqual([
      'age:int', 'workclass:string', 'education:string', 'marital_status:string', 'occupation:string', 'relationship:string', 'race:string', 'sex:string',
      'capital_gain:int', 'capital_loss:int', 'hours_per_week:int', 'native_country:string', 'income:string',
    ]);
    expect(column('age')).toEqual({ name: 'age', type: 'int', presence: { min_fraction: 1 }, domain: { min: 9, max: 97 } });
    expect(column('sex')).toEqual({ name: 'sex', type: 'string', presence: { min_fraction: 1 }, values: ['Female', 'Male'], min_domain_mass: 1 });
    expect(column('native_country').min_domain_mass).toBeLessThan(1);
    expect(column('income')).toMatchObject({ values: ['<=50K', '>50K'], environments: { not_in: ['SERVING'] } });
    expect(schema.label).toBe('income');
    expect(schema.source?.rows).toBe(2000);
  });

  it('accepts same-distribution hold-out data without errors, and catches the corrupted rows', async () => {
    const schema = await schemaFromTrain();
    const holdout = await anomalies(schema, 'holdout.csv');
    expect(holdout.filter((anomaly) => anomaly.severity === 'error')).toEqual([]);
    const corrupted = await anomalies(schema, 'corrupted.csv');
    expect(corrupted.filter((anomaly) => anomaly.severity === 'error').map((anomaly) => `${anomaly.kind}:${anomaly.column}`)).toEqual([
      'out_of_range:age',
      'unexpected_string_value:workclass',
      'low_fraction_present:education',
      'type_mismatch:hours_per_week',
      'unexpected_string_value:income',
    ]);
  });

  it('keeps a numeric domain finite near the largest double (10 % more would be Infinity), and the data inside it', async () => {
    const max = Number.MAX_VALUE;
    for (const [cells, domain] of [
      [['0', '1.7e308'], { min: 0, max }],
      [['-1.7e308', '1.7e308'], { min: -max, max }],
      [['-1.7e308', '-1e300'], { min: -max, max: 0 }],
      [['-17' + '0'.repeat(307), '17' + '0'.repeat(307)], { min: -max, max }],
    ] as const) {
      const { column, anomalies } = await inferAndValidate(cells);
      expect(column.domain).toEqual(domain);
      expect(anomalies).toEqual([]);
    }
  });

  it('holds integers past 2^53 in the range it infers, though the profile rounds them to doubles', async () => {
    for (const [cells, domain] of [
      // 2^53 + 1 reads as 2^53: one double further out on each side holds it.
      [['9007199254740993', '9007199254740993'], { min: 9007199254740991, max: 9007199254740994 }],
      [['-9007199254740993'], { min: -9007199254740994, max: -9007199254740991 }],
      [['12345678901234567890', '12345678901234567891'], { min: 12345678901234565000, max: 12345678901234570000 }],
      // Within 2^53 nothing changes.
      [['9007199254740990', '9007199254740991'], { min: 9007199254740990, max: 9007199254740991 }],
    ] as const) {
      const { column, anomalies } = await inferAndValidate(cells);
      expect([cells, column.type, column.domain]).toEqual([cells, 'int', domain]);
      expect(anomalies).toEqual([]);
    }
  });

  it('allows NaN and ±Infinity in a float column that holds nothing else', async () => {
    const { column, anomalies } = await inferAndValidate(['NaN', 'inf', '-inf']);
    expect(column).toMatchObject({ type: 'float', domain: { allow_nan: true, allow_inf: true } });
    expect(anomalies).toEqual([]);
    expect((await inferAndValidate(['nan'])).column.domain).toEqual({ allow_nan: true });
  });

  it('rounds a timestamp range outwards to whole milliseconds, so values with finer digits stay inside', async () => {
    // -0.5 ms and 86 400 000.5 ms: Date would round the first in, to 1970-01-01T00:00:00.000Z.
    const { column, anomalies } = await inferAndValidate(['1969-12-31T23:59:59.9995Z', '1970-01-02T00:00:00.0005Z']);
    expect(column.domain).toEqual({ min: '1969-12-31T23:59:59.999Z', max: '1970-01-02T00:00:00.001Z' });
    expect(anomalies).toEqual([]);
    // A bound past the four-digit years the grammar reads is left out rather than written unreadable.
    const late = await inferAndValidate(['9999-12-31T23:00:00-05:00', '2024-01-01']);
    expect(late.column.domain).toEqual({ min: '2024-01-01T00:00:00.000Z' });
    expect(late.anomalies).toEqual([]);
  });

  it('lists a string column\'s texts as they occur, numbers and booleans spelled as they are, and validates them so', async () => {
    const training = ['02134', '02134', '2134', '2134.0', '00501', 'True', 'SW1A 1AA'];
    const { column, anomalies } = await inferAndValidate(training);
    expect(column).toMatchObject({ type: 'string', values: ['00501', '02134', '2134', '2134.0', 'SW1A 1AA', 'True'] });
    expect(anomalies).toEqual([]);
    const stripped = await inferAndValidate(training, ['2134', '501', '2134.00', 'true', 'SW1A 1AA']);
    expect(stripped.anomalies.map((anomaly) => [anomaly.kind, anomaly.count, anomaly.samples.map((sample) => sample.value)])).toEqual([['unexpected_string_value', 3, ['501', '2134.00', 'true']]]);
  });

  it('gives a bool column a values domain that validation checks', async () => {
    const { column, anomalies } = await inferAndValidate(Array<string>(5).fill('true'), ['true', 'TRUE', 'false']);
    expect(column).toMatchObject({ type: 'bool', values: ['true'], min_domain_mass: 1 });
    expect(anomalies.map((anomaly) => [anomaly.kind, anomaly.severity, anomaly.count, anomaly.samples[0]?.line])).toEqual([['unexpected_string_value', 'error', 1, 4]]);
  });
});
