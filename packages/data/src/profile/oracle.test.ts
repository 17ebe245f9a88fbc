/**
 * Against pandas (fixtures/oracles/profile_oracle.py → fixtures/profile/oracle.json): exact
 * statistics equal `describe()` to 1e-9, quantiles equal pandas' while a column is exact and lie
 * within the KLL rank error once it is sketched, top values match `value_counts()`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProfileFile } from '@modelgate/core';
import { openTable } from '../readers/index.js';
import { KLL_RANK_ERROR } from './kll.js';
import type { ColumnProfileJson } from './json.js';
import { profileSource, type TableProfileJson } from './table.js';
import { rankInterval, relativeDifference, truthOf } from './testing.js';
import type { Cell } from '../table.js';

const root = join(import.meta.dirname, '..', '..', '..', '..');

interface OracleColumn {
  count: number;
  missing: number;
  nan?: number;
  inf?: number;
  zeros?: number;
  describe?: Record<'count' | 'mean' | 'std' | 'min' | '25%' | '50%' | '75%' | 'max', number>;
  quantiles?: Record<string, number>;
  nunique: number;
  top: [string | number, number][];
}
interface OracleFile {
  file: string;
  rows: number;
  columns: Record<string, OracleColumn>;
}
const oracle = JSON.parse(readFileSync(join(root, 'fixtures', 'profile', 'oracle.json'), 'utf8')) as Record<'income_train' | 'numeric', OracleFile>;

async function load(file: string): Promise<{ profile: TableProfileJson; cells: Map<string, Cell[]> }> {
  const source = await openTable(join(root, file), { batchRows: 8192 });
  const cells = new Map<string, Cell[]>(source.columns.map((name) => [name, []]));
  const profiler = await profileSource({
    async *[Symbol.asyncIterator]() {
      for await (const batch of source.batches()) {
        batch.columns.forEach((name, j) => cells.get(name)!.push(...batch.data[j]!.slice(0, batch.rowCount)));
        yield batch;
      }
    },
  });
  return { profile: profiler.toJSON(), cells };
}

function close(actual: number | null | undefined, expected: number, tolerance = 1e-9): void {
  expect(actual).not.toBeNull();
  expect(relativeDifference(actual!, expected)).toBeLessThanOrEqual(tolerance);
}

describe.each(['income_train', 'numeric'] as const)('%s against pandas', (which) => {
  const expected = oracle[which];
  let profile: TableProfileJson;
  let cells: Map<string, Cell[]>;
  beforeAll(async () => {
    ({ profile, cells } = await load(expected.file));
  });

  it('is a valid profile.json body with every column', () => {
    expect(profile.rows).toBe(expected.rows);
    expect(profile.columns.map((c) => c.name)).toEqual(Object.keys(expected.columns));
    expect(ProfileFile.safeParse({ kind: 'profile', version: 1, source: { files: [{ path: expected.file }] }, ...profile }).success).toBe(true);
  });

  it.each(Object.keys(expected.columns))('%s', (name) => {
    const want = expected.columns[name]!;
    const column = profile.columns.find((c) => c.name === name) as ColumnProfileJson;
    expect([column.count, column.missing]).toEqual([want.count, want.missing]);
    const distinct = want.nunique + (want.nan ? 1 : 0); // pandas does not count NaN as a value
    if (column.distinct.exact) expect(column.distinct.estimate).toBe(distinct);
    else expect(Math.abs(column.distinct.estimate / distinct - 1)).toBeLessThanOrEqual((3 * 1.04) / 128);

    if (want.describe) {
      const d = want.describe;
      const n = column.numeric!;
      expect(['int', 'float']).toContain(column.type);
      expect([column.count - n.nan - n.inf, n.nan, n.inf, n.zeros]).toEqual([d.count, want.nan, want.inf, want.zeros]);
      close(n.mean, d.mean);
      close(Math.sqrt(n.variance!), d.std);
      expect([n.min, n.max]).toEqual([d.min, d.max]);
      const finite = truthOf(cells.get(name)!).finite;
      for (const [q, value] of Object.entries(want.quantiles!)) {
        if (column.distinct.exact) close(n.quantiles[q], value);
        else {
          const [lo, hi] = rankInterval(finite, n.quantiles[q]!);
          expect(Math.max(lo - Number(q), Number(q) - hi, 0)).toBeLessThanOrEqual(KLL_RANK_ERROR);
        }
      }
      expect(n.histogram.counts.reduce((a, b) => a + b, 0)).toBe(d.count);
    } else expect(column.type).toBe('string');

    // value_counts() (which leaves NaN out): every count within the reported error; a value
    // missing from the summary is one Misra–Gries may drop (count ≤ decrement); untied exact
    // counts in the same order.
    const top = column.categorical!.top.filter((t) => t.value !== 'NaN');
    const decrement = Number(column.categorical!.top_sketch.decrement ?? 0);
    want.top.forEach(([value, count], i) => {
      const item = top.find((t) => t.value === String(value));
      if (item === undefined) {
        expect(count).toBeLessThanOrEqual(decrement);
        return;
      }
      expect(count).toBeGreaterThanOrEqual(item.count);
      expect(count).toBeLessThanOrEqual(item.count + item.error);
      if (item.error === 0 && top.filter((t) => t.count === count).length === 1) expect(top[i]!.value).toBe(String(value));
    });
  });
});
