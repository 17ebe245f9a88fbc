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
});
