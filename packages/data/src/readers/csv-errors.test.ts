import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError, InputDataError } from '@modelgate/core';
import { INCOME_HEADER } from '../synthetic/income.js';
import { openTable } from './index.js';
import { readTable, TempDir, userError } from './testing.js';

const temp = new TempDir();
afterAll(() => temp.remove());

const ROW = '38,Private,Some-college,Married-civ-spouse,Other-service,Husband,White,Male,0,0,44,United-States,>50K';

/** Reads `content` as `<name>` and returns the one-line error the user sees. */
async function errorFor(name: string, content: string | Uint8Array, options = {}): Promise<string> {
  const file = temp.write(name, content);
  return userError(() => readTable(file, options, name));
}

describe('CSV: malformed input is one located line', () => {
  it('ragged rows: too few and too many fields', async () => {
    const rows = Array.from({ length: 15 }, () => ROW);
    const short = [INCOME_HEADER, ...rows, ROW.replace(/,>50K$/, ''), ROW].join('\n');
    expect(await errorFor('short.csv', short)).toBe('short.csv:17: expected 13 fields (header has 13), found 12');
    expect(await errorFor('long.csv', 'a,b,c\n1,2,3\n1,2,3,4\n')).toBe('long.csv:3: expected 3 fields (header has 3), found 4');
  });

  it('the error is an InputDataError with file, line and no stack-trace text in the message', async () => {
    const file = temp.write('ragged.csv', 'a,b\n1\n');
    const error = await readTable(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputDataError);
    expect((error as InputDataError).location).toEqual({ file, line: 2 });
    expect((error as InputDataError).message).not.toContain('\n');
  });

  it('an unterminated quote names the line where it opened', async () => {
    expect(await errorFor('open.csv', 'a,b\n1,2\n3,"oops\n4,5\n6,7\n')).toBe("open.csv:3: column 'b': unterminated quoted field: the quote opened on line 3 is never closed");
  });

  it('characters after a closing quote', async () => {
    expect(await errorFor('after.csv', 'a,b\n"x"y,2\n')).toBe("after.csv:2: column 'a': unexpected 'y' after the closing quote of a quoted field; expected the delimiter or the end of the line");
    expect(await errorFor('space.csv', 'a,b\n1,"x" \n')).toBe("space.csv:2: column 'b': unexpected ' ' after the closing quote of a quoted field; expected the delimiter or the end of the line");
    expect(await errorFor('cr.csv', 'a,b\n1,"x"\rz\n')).toBe("cr.csv:2: column 'b': unexpected byte 0x0d after the closing quote of a quoted field; expected the delimiter or the end of the line");
  });

  it('invalid UTF-8 names the line and column (fresh and already-seen values alike)', async () => {
    const latin1 = Buffer.concat([Buffer.from('name,city\nok,Paris\nok,'), Buffer.from([0x5a, 0xfc, 0x72, 0x69, 0x63, 0x68]), Buffer.from('\n')]);
    expect(await errorFor('latin1.csv', latin1)).toBe(
      "latin1.csv:3: column 'city': invalid UTF-8 byte sequence; the file must be UTF-8 (was it saved as Latin-1 or Windows-1252?)",
    );
    const truncated = Buffer.concat([Buffer.from('a\n'), Buffer.from('Zoë\nZoë\n'), Buffer.from([0xe6, 0x9d]), Buffer.from('\n')]);
    expect(await errorFor('cut.csv', truncated)).toBe("cut.csv:4: column 'a': invalid UTF-8 byte sequence; the file must be UTF-8 (was it saved as Latin-1 or Windows-1252?)");
    expect(await errorFor('header.csv', Buffer.concat([Buffer.from('a,'), Buffer.from([0xff]), Buffer.from('\n1,2\n')]))).toBe(
      'header.csv:1: invalid UTF-8 in the header (column 2); the file must be UTF-8',
    );
  });

  it('a row over the size limit is refused wherever the reads fall; one at the limit is read', async () => {
    // 1024 bytes with its line break: at the limit. One byte more: over it, whether a refill cuts
    // the row (small read sizes) or the whole row sits in one read (large ones).
    const atLimit = `a,b\n1,2\n3,${'x'.repeat(1024 - 3)}\n5,6\n`;
    const overLimit = `a,b\n1,2\n3,${'x'.repeat(1024 - 2)}\n5,6\n`;
    for (const chunkSize of [64, 300, 1000, 1025, 4096, 1 << 16]) {
      expect((await readTable(temp.write('at.csv', atLimit), { maxRowBytes: 1024, chunkSize })).rows, `chunkSize ${chunkSize}`).toHaveLength(3);
      expect(await errorFor('over.csv', overLimit, { maxRowBytes: 1024, chunkSize }), `chunkSize ${chunkSize}`).toBe('over.csv:3: row is longer than 1 KB (the limit)');
    }
  });

  it('a row beyond the size limit is refused clearly (unquoted and inside a quote)', async () => {
    const huge = `a,b\n1,${'x'.repeat(5000)}\n`;
    expect(await errorFor('huge.csv', huge, { maxRowBytes: 1024, chunkSize: 256 })).toBe('huge.csv:2: row is longer than 1 KB (the limit)');
    const quoted = `a,b\n1,2\n3,"${'y\n'.repeat(3000)}`;
    expect(await errorFor('quoted.csv', quoted, { maxRowBytes: 1024, chunkSize: 256 })).toBe(
      'quoted.csv:3: row is longer than 1 KB (the limit); the quoted field opened on line 3 may be missing its closing quote',
    );
  });

  it('empty files: no bytes, only a BOM, only blank lines', async () => {
    expect(await errorFor('empty.csv', '')).toBe('empty.csv: is empty; expected a header row');
    expect(await errorFor('bom.csv', '\ufeff')).toBe('bom.csv: is empty; expected a header row');
    expect(await errorFor('blank.csv', '\n\r\n\n')).toBe('blank.csv: is empty; expected a header row');
  });

  it('header problems: duplicate names, empty names, classic Mac line endings', async () => {
    expect(await errorFor('dup.csv', 'age,b,c,d,age\n1,2,3,4,5\n')).toBe("dup.csv:1: duplicate column name 'age' (columns 1 and 5)");
    expect(await errorFor('noname.csv', 'a,b,,d\n1,2,3,4\n')).toBe('noname.csv:1: empty column name (column 3); every header field needs a name');
    expect(await errorFor('trailing.csv', 'a,b,\n1,2,3\n')).toBe('trailing.csv:1: empty column name (column 3); every header field needs a name');
    expect(await errorFor('mac.csv', 'a,b\r1,2\r3,4\r')).toBe(
      'mac.csv:1: the header contains a bare carriage return: lines must end with \\n or \\r\\n (classic Mac \\r line endings are not supported)',
    );
  });

  it('a projected column that is not in the header', async () => {
    expect(await errorFor('cols.csv', 'a,b\n1,2\n', { columns: ['a', 'zz'] })).toBe("cols.csv:1: has no column 'zz' (columns: a, b)");
  });

  it('missing files and directories', async () => {
    expect(await userError(() => openTable(`${temp.path}/nope.csv`, {}, 'data/nope.csv'))).toBe('data/nope.csv: no such file');
    const dir = `${temp.path}/folder.csv`;
    await import('node:fs').then((fs) => fs.mkdirSync(dir));
    expect(await userError(() => openTable(dir, {}, 'data/folder.csv'))).toBe('data/folder.csv: is a directory, expected a data file');
  });

  it('bad options are ConfigurationErrors', async () => {
    const file = temp.write('ok.csv', 'a\n1\n');
    await expect(openTable(file, { delimiter: ';;' })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(openTable(file, { delimiter: '"' })).rejects.toThrow('CSV delimiter must be one ASCII character other than a quote or a line break, got "\\""');
    await expect(openTable(file, { batchRows: 0 })).rejects.toThrow('batchRows must be a positive integer, got 0');
  });
});
