import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '@modelgate/core';
import { formatOf, openTable } from './index.js';
import { TempDir, userError } from './testing.js';

const temp = new TempDir();
afterAll(() => temp.remove());

describe('openTable: format from the extension', () => {
  it('maps the supported extensions, case-insensitively', () => {
    expect(['a.csv', 'a.TSV', 'a.txt', 'a.jsonl', 'a.NDJSON', 'dir.v2/a.parquet', 'a.json', 'a', 'a.csv.gz'].map(formatOf)).toEqual([
      'csv', 'csv', 'csv', 'jsonl', 'jsonl', 'parquet', undefined, undefined, undefined,
    ]);
  });

  it('an unknown extension without format is a ConfigurationError listing the supported ones', async () => {
    const file = temp.write('data.xlsx', 'x');
    const error = await openTable(file, {}, 'data.xlsx').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(await userError(() => openTable(file, {}, 'data.xlsx'))).toBe(
      "data.xlsx: cannot tell the format of 'data.xlsx' from its extension .xlsx; supported: .csv, .tsv, .txt (CSV), .jsonl, .ndjson (JSON lines), .parquet (Parquet) — or set the format explicitly",
    );
  });

  it('an explicit format wins over the extension', async () => {
    const file = temp.write('export.dat', 'a;b\n1;2\n');
    const source = await openTable(file, { format: 'csv', delimiter: ';' });
    expect(source.format).toBe('csv');
    expect(source.columns).toEqual(['a', 'b']);
  });

  it('missing file and directory, whatever the format', async () => {
    expect(await userError(() => openTable(`${temp.path}/missing.jsonl`, {}, 'missing.jsonl'))).toBe('missing.jsonl: no such file');
    expect(await userError(() => openTable(temp.path, { format: 'parquet' }, 'folder'))).toBe('folder: is a directory, expected a data file');
    expect(await userError(() => openTable(temp.path, { format: 'jsonl' }, 'folder'))).toBe('folder: is a directory, expected a data file');
  });

  it('a source can be iterated again (each pass re-reads the file)', async () => {
    const file = temp.write('twice.csv', 'a\n1\n2\n');
    const source = await openTable(file);
    const counts: number[] = [];
    for (let pass = 0; pass < 2; pass += 1) {
      let rows = 0;
      for await (const batch of source.batches()) rows += batch.rowCount;
      counts.push(rows);
    }
    expect(counts).toEqual([2, 2]);
  });
});
