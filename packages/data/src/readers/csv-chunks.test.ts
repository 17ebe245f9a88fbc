import { afterAll, describe, expect, it } from 'vitest';
import type { Cell } from '../table.js';
import type { CsvSource } from './csv.js';
import { open, type FileHandle } from 'node:fs/promises';
import { CsvScanner, END, NEED_MORE } from './csv-scan.js';
import { openTable } from './index.js';
import { readTable, referenceCsv, TempDir, userError } from './testing.js';

const temp = new TempDir();
afterAll(() => temp.remove());

/** Every construct whose bytes could be cut by a chunk boundary. */
const TRICKY =
  '\ufeffid,"na,me",note,city\r\n' +
  '1,"a ""quoted"" word",,Zürich\r\n' +
  '2,"multi\r\nline\nvalue",NA,東京\r\n' +
  '\r\n' +
  '3,plain,"",São Paulo\n' +
  '4,"",x""y,"end"\n' +
  '\n' +
  '5,trailing spaces  ,"café, ""crème""",Zoë\r\n' +
  '6,"\n",5\'10",München\n' +
  '7,last,no newline,ok';

function expected(text: string, nulls: ReadonlySet<string>): { rows: Cell[][]; lines: number[] } {
  const [, ...rows] = referenceCsv(text);
  return {
    rows: rows.map((row) => row.fields.map((value) => (value === '' || nulls.has(value) ? null : value))),
    lines: rows.map((row) => row.line),
  };
}

describe('CSV: rows and fields split across read chunks', () => {
  const file = temp.write('tricky.csv', TRICKY);
  const reference = expected(TRICKY, new Set(['NA']));

  it('the reference parse of the sample is what the scanner gives with one big chunk', async () => {
    const table = await readTable(file, { nullValues: ['NA'] });
    expect(table.columns).toEqual(['id', 'na,me', 'note', 'city']);
    expect(table.rows).toEqual(reference.rows);
    expect(table.lines).toEqual(reference.lines);
    expect(table.rows).toHaveLength(7);
    expect(table.rows[1]).toEqual(['2', 'multi\r\nline\nvalue', null, '東京']);
    expect(table.lines).toEqual([2, 3, 7, 8, 10, 11, 13]);
  });

  it('every chunk size from 1 to 64 bytes gives identical rows and lines', async () => {
    for (let chunkSize = 1; chunkSize <= 64; chunkSize += 1) {
      const table = await readTable(file, { nullValues: ['NA'], chunkSize, batchRows: 3 });
      expect({ chunkSize, rows: table.rows, lines: table.lines }).toEqual({ chunkSize, rows: reference.rows, lines: reference.lines });
    }
  });

  it('every chunk size agrees on generated data with quotes everywhere', async () => {
    const pieces = ['a', '', '"q,1"', '"x""y"', '"line\nbreak"', 'ü', '"€"', 'NA', '1.5', '"  "'];
    const lines = ['c1,c2,c3'];
    for (let i = 0; i < 60; i += 1) lines.push([0, 1, 2].map((k) => pieces[(i * (k + 3) + k) % pieces.length]).join(','));
    const csv = `${lines.join('\n')}\n`;
    const generated = temp.write('generated.csv', csv);
    const want = expected(csv, new Set());
    for (const chunkSize of [1, 2, 3, 5, 7, 13, 31, 64, 4096]) {
      const table = await readTable(generated, { chunkSize, batchRows: 7 });
      expect({ chunkSize, rows: table.rows, lines: table.lines }).toEqual({ chunkSize, ...want });
    }
  });

  it('rows longer and shorter than the room kept for a cut row (64 KiB) mixed, with small reads made ahead, read as one big read does', async () => {
    // A cut row up to 64 KiB goes in front of the read made ahead; a longer one drops that read and
    // reads on demand (into a grown buffer), after which reads are made ahead again.
    const sizes = [10, 70_000, 5, 64 * 1024 - 3, 64 * 1024 + 3, 200_000, 1, 3000, 131_072, 7];
    const text = `id,text,n\n${sizes.map((size, i) => `${i},"${'ab"",\n'.repeat(size >> 3)}${'z'.repeat(size & 7)}",${size}`).join('\r\n')}\n`;
    const path = temp.write('mixed-rows.csv', text);
    const want = expected(text, new Set());
    for (const chunkSize of [4096, 65_536, 100_000]) {
      const table = await readTable(path, { chunkSize, batchRows: 3 });
      expect({ chunkSize, rows: table.rows, lines: table.lines }).toEqual({ chunkSize, ...want });
    }
  });

  it('a long row takes a number of reads that grows with the log of its length, whatever the read size (no quadratic rescans)', async () => {
    // Each fill must read at least as many bytes as the cut row carries over, reads made ahead
    // included: with 1-byte reads, a 60 000-byte row once took 60 000 fills, each copying the row.
    const path = temp.write('one-long-row.csv', `a,b\n1,${'x'.repeat(60_000)}\n2,y\n`);
    const fh = await open(path, 'r');
    const reads: number[] = [];
    // The scanner only reads from its handle.
    const counted = { read: (buffer: Buffer, offset: number, length: number, position: number) => (reads.push(length), fh.read(buffer, offset, length, position)) } as unknown as FileHandle;
    try {
      const scanner = new CsvScanner(counted, 'one-long-row.csv', { delimiter: 44, chunkSize: 1, maxRowBytes: 1 << 20, start: 0, line: 1 });
      let rows = 0;
      for (let status = scanner.scanRow(); status !== END; status = scanner.scanRow()) {
        if (status === NEED_MORE) await scanner.fill();
        else rows += 1;
      }
      scanner.release();
      expect(rows).toBe(3);
      expect(reads.length).toBeLessThan(64);
    } finally {
      await fh.close();
    }
  });

  it('a short range (which reads 64 KiB at a time) over rows longer than that reads them whole', async () => {
    const long = (i: number) => `${i},${String(i % 10).repeat(100_000 + i)}`;
    const path = temp.write('long-rows.csv', `id,text\n${Array.from({ length: 6 }, (_, i) => long(i)).join('\n')}\n`);
    const source = (await openTable(path)) as CsvSource;
    // From inside the first row to inside the third: the second and third (the rows starting in the range).
    const from = source.ranges.dataStart.offset + 50;
    const reader = source.ranges.readRange({ from, to: from + long(0).length + long(1).length });
    const rows: string[] = [];
    for await (const batch of reader.batches()) for (let i = 0; i < batch.rowCount; i += 1) rows.push(`${batch.data[0]![i]},${batch.data[1]![i]}`);
    expect(rows).toEqual([long(1), long(2)]);
    expect(reader.next?.offset).toBe(source.ranges.dataStart.offset + long(0).length + long(1).length + long(2).length + 3);
  });

  it('a range can take its own batch size: the same rows and lines, in smaller batches', async () => {
    const path = temp.write('batches.csv', `id,v\n${Array.from({ length: 50 }, (_, i) => `${i},${i % 3 === 0 ? '' : `"v\n${i}"`}`).join('\n')}\n`);
    const source = (await openTable(path)) as CsvSource;
    const read = async (batchRows?: number) => {
      const sizes: number[] = [];
      const rows: string[] = [];
      const reader = source.ranges.readRange({ from: source.ranges.dataStart, to: Infinity, reuseBatches: true, ...(batchRows ? { batchRows } : {}) });
      for await (const batch of reader.batches()) {
        sizes.push(batch.rowCount);
        for (let i = 0; i < batch.rowCount; i += 1) rows.push(`${batch.lines[i]}:${batch.data[0]![i]}|${batch.data[1]![i]}`);
      }
      return { sizes, rows, next: reader.next };
    };
    const whole = await read();
    const small = await read(7);
    expect(whole.sizes).toEqual([50]);
    expect(small.sizes).toEqual([7, 7, 7, 7, 7, 7, 7, 1]);
    expect(small.rows).toEqual(whole.rows);
    expect(whole.rows.slice(0, 2)).toEqual(['2:0|null', '3:1|v\n1']);
    expect(small.next).toEqual(whole.next);
    expect(() => source.ranges.readRange({ from: source.ranges.dataStart, to: Infinity, batchRows: 0 })).toThrow('batchRows must be a positive integer, got 0');
  });

  it('a short range whose first row starts after its end is empty', async () => {
    const path = temp.write('long-first.csv', `id,text\n1,${'x'.repeat(40_000)}\n2,b\n3,c\n`);
    const source = (await openTable(path)) as CsvSource;
    const second = source.ranges.dataStart.offset + 40_003;
    for (const from of [source.ranges.dataStart.offset + 10, { offset: second, line: 3 }]) {
      const reader = source.ranges.readRange({ from, to: source.ranges.dataStart.offset + 20 });
      let rows = 0;
      for await (const batch of reader.batches()) rows += batch.rowCount;
      expect(rows).toBe(0);
      expect(reader.start?.offset).toBe(second);
      expect(reader.next?.offset).toBe(second);
    }
  });

  it('errors name the same line whatever the chunk size', async () => {
    const bad = temp.write('bad.csv', 'a,b\n1,2\n"x\ny",3\n4,"5"6\n');
    for (let chunkSize = 1; chunkSize <= 24; chunkSize += 1) {
      expect(await userError(() => readTable(bad, { chunkSize }, 'bad.csv'))).toBe(
        "bad.csv:5: column 'b': unexpected '6' after the closing quote of a quoted field; expected the delimiter or the end of the line",
      );
    }
    const unterminated = temp.write('open.csv', 'a,b\n1,2\n3,"never\nclosed\n');
    for (let chunkSize = 1; chunkSize <= 24; chunkSize += 1) {
      expect(await userError(() => readTable(unterminated, { chunkSize }, 'open.csv'))).toBe(
        "open.csv:3: column 'b': unterminated quoted field: the quote opened on line 3 is never closed",
      );
    }
  });
});
