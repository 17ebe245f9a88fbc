import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { DataSchemaFile } from '@modelgate/core';
import { openTable } from '../readers/index.js';
import { INCOME_CATEGORIES } from '../synthetic/income.js';
import { SchemaValidator, type ValidateOptions } from './validate.js';

const root = join(import.meta.dirname, '..', '..', '..', '..');
const fixture = (name: string) => join(root, 'fixtures', 'income', name);

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

  it('knows the label is not expected in serving data, and flags unknown and missing columns', async () => {
    const validator = new SchemaValidator(schema, ['age', 'workclass', 'extra'], 'serving.csv', { environment: 'SERVING' });
    const anomalies = validator.finish();
    expect(anomalies.map((anomaly) => [anomaly.kind, anomaly.column, anomaly.severity])).toEqual([
      ...['education', 'marital_status', 'occupation', 'relationship', 'race', 'sex', 'native_country', 'capital_gain', 'capital_loss', 'hours_per_week'].map((name) => ['missing_column', name, 'error']),
      ['new_column', 'extra', 'warning'],
    ]);
  });
});
