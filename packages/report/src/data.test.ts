import { describe, expect, it } from 'vitest';
import type { ArtifactBody } from '@modelgate/core';
import { DRIFTED_ROWS, renderDataSummary } from './data.js';

function drift(columns: number, drifted: number): ArtifactBody<'drift'> {
  return {
    reference: { path: 'train.csv', rows: 2000 },
    current: { path: 'new.csv', rows: 5000 },
    columns: Array.from({ length: columns }, (_, i) => ({
      column: `c${i}`,
      kind: 'numeric' as const,
      test: 'ks' as const,
      statistic: 0.3,
      p_value: i < drifted ? 0.001 : 0.5,
      threshold: 0.05,
      drifted: i < drifted,
      reference_rows: 2000,
      current_rows: 5000,
    })),
    drifted_columns: drifted,
    drift_share: drifted / columns,
    share_threshold: 0.5,
    dataset_drift: drifted / columns >= 0.5,
  };
}

const driftedRows = (summary: string) => summary.split('\n').filter((line) => /^\| `c\d+`/.test(line));

describe('renderDataSummary', () => {
  it('lists every drifted column up to DRIFTED_ROWS', () => {
    const summary = renderDataSummary({ drift: drift(100, DRIFTED_ROWS), rows: 5000, file: 'new.csv' });
    expect(driftedRows(summary)).toHaveLength(DRIFTED_ROWS);
    expect(summary).not.toContain('more drifted column');
    expect(renderDataSummary({ drift: drift(100, DRIFTED_ROWS + 1), rows: 5000, file: 'new.csv' })).toContain('… and 1 more drifted column in drift.json.');
  });

  it('lists the first DRIFTED_ROWS drifted columns in file order and counts the rest', () => {
    const summary = renderDataSummary({ drift: drift(10_000, 3_000), rows: 5000, file: 'new.csv' });
    const rows = driftedRows(summary);
    expect(rows).toHaveLength(DRIFTED_ROWS);
    expect(rows[0]).toMatch(/^\| `c0` /);
    expect(rows.at(-1)).toMatch(new RegExp(`^\\| \`c${DRIFTED_ROWS - 1}\` `));
    expect(summary).toContain(`… and ${3_000 - DRIFTED_ROWS} more drifted columns in drift.json.`);
    expect(summary).toContain('3000 of 10000 columns drifted');
  });

  it('lists a column the current data lost as drifted, saying why it has no test; one with nothing to compare as not tested, out of the count', () => {
    const body = drift(2, 1);
    body.columns.push(
      { column: 'gone', untested: 'missing_in_current', drifted: true, reference_rows: 2000, current_rows: 0 },
      { column: 'blank', untested: 'no_values_in_current', drifted: true, reference_rows: 2000, current_rows: 0 },
      { column: 'new', untested: 'missing_in_reference', drifted: false, reference_rows: 0, current_rows: 5000 },
    );
    const summary = renderDataSummary({ drift: { ...body, drifted_columns: 3, drift_share: 0.75, dataset_drift: true }, rows: 5000, file: 'new.csv' });
    expect(summary).toContain('3 of 4 columns drifted (share 0.75');
    expect(summary.split('\n').filter((line) => /^\| `(gone|blank)`/.test(line)).map((line) => line.split('|').map((cell) => cell.trim()))).toEqual([
      ['', '`gone`', 'not in the current data', '—', '—', '—', ''],
      ['', '`blank`', 'no values in the current data', '—', '—', '—', ''],
    ]);
    expect(summary).toContain('Not tested: `new` (not in the reference).');
  });
});
