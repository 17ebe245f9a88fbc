import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS } from '@modelgate/core';
import { profileSource } from './profile/index.js';
import { openTable } from './readers/index.js';
import { inferSchema } from './schema/infer.js';
import { validateData } from './validate-data.js';

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
});
