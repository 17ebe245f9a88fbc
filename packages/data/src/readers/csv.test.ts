import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INCOME_COLUMNS } from '../synthetic/income.js';
import { openTable } from './index.js';
import { drain, readTable, TempDir } from './testing.js';

const root = join(import.meta.dirname, '..', '..', '..', '..');
const train = join(root, 'fixtures', 'income', 'train.csv');
const corrupted = join(root, 'fixtures', 'income', 'corrupted.csv');
const temp = new TempDir();
afterAll(() => temp.remove());

describe('CSV: the income fixtures', () => {
  it('reads train.csv: 2000 rows × 13 columns, values, lines, batches', async () => {
    const table = await readTable(train, { batchRows: 300 });
    expect(table.columns).toEqual([...INCOME_COLUMNS]);
    expect(table.rows).toHaveLength(2000);
    expect(table.batchSizes).toEqual([300, 300, 300, 300, 300, 300, 200]);
    expect(table.rows[0]).toEqual(['38', 'Private', 'Some-college', 'Married-civ-spouse', 'Other-service', 'Husband', 'White', 'Male', '0', '0', '44', 'United-States', '>50K']);
    expect(table.rows[1999]).toEqual(['36', 'Federal-gov', 'Bachelors', 'Separated', 'Adm-clerical', 'Not-in-family', 'White', 'Male', '0', '0', '18', 'United-States', '<=50K']);
    expect(table.lines[0]).toBe(2);
    expect(table.lines[1999]).toBe(2001);
    expect(table.lines.every((line, i) => line === i + 2)).toBe(true);
    // Independent oracle: the file has no quoting, so splitting lines and commas must agree.
    const expected = readFileSync(train, 'utf8').trimEnd().split('\n').slice(1).map((line) => line.split(','));
    expect(table.rows).toEqual(expected);
  });

  it('reads corrupted.csv: the damaged values exactly as written (empty field → null)', async () => {
    const table = await readTable(corrupted);
    expect(table.rows).toHaveLength(500);
    const manifest = JSON.parse(readFileSync(join(root, 'fixtures', 'income', 'corrupted.manifest.json'), 'utf8')) as {
      problems: { line: number; column: string | null; kind: string; value: string | null }[];
    };
    for (const problem of manifest.problems) {
      const index = table.lines.indexOf(problem.line);
      expect(index).toBe(problem.line - 2);
      const row = table.rows[index]!;
      if (problem.column === null) expect(row).toEqual(table.rows[index - 1]);
      else expect(row[table.columns.indexOf(problem.column)]).toBe(problem.value === '' ? null : problem.value);
    }
    expect(table.rows[19]![2]).toBeNull(); // line 21, education
    expect(table.rows[499]).toEqual(['49', 'Private', 'Bachelors', 'Married-civ-spouse', 'Prof-specialty', 'Husband', 'Black', 'Male', '0', '0', '50', 'United-States', '>50K']);
  });

  it('projects columns: file order kept, others skipped', async () => {
    const source = await openTable(train, { columns: ['income', 'age'] });
    expect(source.columns).toEqual(['age', 'income']);
    const table = await drain(source);
    expect(table.rows[0]).toEqual(['38', '>50K']);
    expect(table.rows).toHaveLength(2000);
  });

  it('names the file by shownPath', async () => {
    const source = await openTable(train, {}, 'data/train.csv');
    expect(source.path).toBe('data/train.csv');
    expect(source.format).toBe('csv');
  });
});

describe('CSV: RFC 4180 and the options', () => {
  it('quoted fields: delimiters, "" escapes, line breaks inside (row line = where it starts)', async () => {
    const file = temp.write('quoted.csv', 'id,text,n\n1,"a, b",2\n2,"say ""hi""",3\n3,"two\nlines\nhere",4\n4,plain,5\n');
    const table = await readTable(file);
    expect(table.rows).toEqual([
      ['1', 'a, b', '2'],
      ['2', 'say "hi"', '3'],
      ['3', 'two\nlines\nhere', '4'],
      ['4', 'plain', '5'],
    ]);
    expect(table.lines).toEqual([2, 3, 4, 7]);
  });

  it('CRLF, a final line without newline, and a UTF-8 BOM', async () => {
    const file = temp.write('crlf.csv', '\ufeffa,b\r\n1,"x\r\ny"\r\n2,z');
    const table = await readTable(file);
    expect(table.columns).toEqual(['a', 'b']);
    expect(table.rows).toEqual([
      ['1', 'x\r\ny'],
      ['2', 'z'],
    ]);
    expect(table.lines).toEqual([2, 4]);
  });

  it('empty fields and nullValues are null; quoted empty is null; other values stay strings', async () => {
    const file = temp.write('nulls.csv', 'a,b,c\n,NA,?\n"",null,x\n1,"NA",  \n');
    const table = await readTable(file, { nullValues: ['NA', '?'] });
    expect(table.rows).toEqual([
      [null, null, null],
      [null, 'null', 'x'],
      ['1', null, '  '],
    ]);
  });

  it('custom delimiter, and .tsv defaults to tab', async () => {
    const semi = temp.write('semi.csv', 'a;b\n1,5;"x;y"\n');
    expect((await readTable(semi, { delimiter: ';' })).rows).toEqual([['1,5', 'x;y']]);
    const tsv = temp.write('data.tsv', 'a\tb\n1,5\tx y\n');
    expect((await readTable(tsv)).rows).toEqual([['1,5', 'x y']]);
    const txt = temp.write('pipe.txt', 'a|b\n1|2\n');
    expect((await readTable(txt, { delimiter: '|' })).rows).toEqual([['1', '2']]);
  });

  it('blank lines are skipped but still counted', async () => {
    const file = temp.write('blank.csv', 'a,b\n\n1,2\n\r\n3,4\n\n');
    const table = await readTable(file);
    expect(table.rows).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(table.lines).toEqual([3, 5]);
  });

  it('a quote inside an unquoted field is kept literally (lenient); a bare CR is data', async () => {
    const file = temp.write('lenient.csv', 'h,w\n5\'10",a"b\nx\ry,z\n');
    expect((await readTable(file)).rows).toEqual([
      ['5\'10"', 'a"b'],
      ['x\ry', 'z'],
    ]);
  });

  it('wide rows (more fields than the scanner starts with) and ragged wide rows', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `c${i}`);
    const row = names.map((_, i) => (i % 2 ? `"v,${i}"` : `${i}`));
    const file = temp.write('wide.csv', `${names.join(',')}\n${row.join(',')}\n${row.join(',')}\n`);
    const table = await readTable(file, { chunkSize: 100 });
    expect(table.columns).toEqual(names);
    expect(table.rows[1]![149]).toBe('v,149');
    expect(table.rows[1]![148]).toBe('148');
    expect(table.rows).toHaveLength(2);
  });

  it('header only: zero rows, columns known', async () => {
    const file = temp.write('header.csv', 'a,b,c\n');
    const table = await readTable(file);
    expect(table.columns).toEqual(['a', 'b', 'c']);
    expect(table.rows).toEqual([]);
    expect(table.batchSizes).toEqual([]);
  });

  it('UTF-8 values (multi-byte, in cached and uncached paths) and quoted header names', async () => {
    const file = temp.write('utf8.csv', '"naïve ""name""",ville\nZoë,東京\nZoë,"Zürich"\nZoë,東京\n');
    const table = await readTable(file);
    expect(table.columns).toEqual(['naïve "name"', 'ville']);
    expect(table.rows).toEqual([
      ['Zoë', '東京'],
      ['Zoë', 'Zürich'],
      ['Zoë', '東京'],
    ]);
  });

  it('a 10 MB single-line row without newline is read from 64 KiB reads (speed: bench/scale.bench.ts)', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const file = temp.write('long.csv', `a,b\n1,${big}`);
    const table = await readTable(file, { chunkSize: 64 * 1024 });
    expect(table.rows).toHaveLength(1);
    expect(table.rows[0]![0]).toBe('1');
    expect((table.rows[0]![1] as string).length).toBe(big.length);
  });

  it('values that collide in the intern cache or repeat with different lengths stay exact', async () => {
    // Same first 8 bytes and last 4, different middles; and prefixes of each other.
    const values = ['abcdefgh-middle-1-wxyz', 'abcdefgh-middle-2-wxyz', 'abcdefghwxyz', 'abcdefgh', 'abcdefg', 'abcd', 'abc', 'a', '1', '10', '100', '01'];
    const lines = ['v'];
    for (let i = 0; i < 3000; i += 1) lines.push(values[(i * 7) % values.length]!);
    const file = temp.write('intern.csv', `${lines.join('\n')}\n`);
    const table = await readTable(file, { batchRows: 1000 });
    expect(table.rows.map((row) => row[0])).toEqual(lines.slice(1));
  });

  it('a column of unique values (cache paused after a window) reads exactly', async () => {
    const lines = ['id,k'];
    for (let i = 0; i < 40_000; i += 1) lines.push(`${(i * 2654435761) % 1_000_003},${i % 3}`);
    const file = temp.write('unique.csv', `${lines.join('\n')}\n`);
    const table = await readTable(file, { batchRows: 4096 });
    expect(table.rows.map((row) => `${row[0]},${row[1]}`)).toEqual(lines.slice(1));
  });
});
