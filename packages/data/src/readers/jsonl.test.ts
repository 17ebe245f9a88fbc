import { afterAll, describe, expect, it } from 'vitest';
import { openTable } from './index.js';
import { readTable, TempDir, userError } from './testing.js';

const temp = new TempDir();
afterAll(() => temp.remove());

async function errorFor(name: string, content: string | Uint8Array, options = {}): Promise<string> {
  const file = temp.write(name, content);
  return userError(() => readTable(file, options, name));
}

describe('JSONL', () => {
  it('columns from the first object; values as JSON gives them; missing keys are null', async () => {
    const file = temp.write(
      'rows.jsonl',
      '{"age": 38, "name": "Zoë", "ok": true, "score": 0.5, "note": null}\n{"age": 41, "name": "東京", "ok": false}\n{"score": -1e3, "age": 7, "name": "", "ok": true, "note": "x"}\n',
    );
    const table = await readTable(file);
    expect(table.columns).toEqual(['age', 'name', 'ok', 'score', 'note']);
    expect(table.rows).toEqual([
      [38, 'Zoë', true, 0.5, null],
      [41, '東京', false, null, null],
      [7, '', true, -1000, 'x'],
    ]);
    expect(table.lines).toEqual([1, 2, 3]);
  });

  it('blank lines skipped (and counted), CRLF, BOM, last line without newline, .ndjson', async () => {
    const file = temp.write('rows.ndjson', '\ufeff{"a":1}\r\n\r\n  \n{"a":2}\r\n{"a":3}');
    const table = await readTable(file);
    expect(table.rows).toEqual([[1], [2], [3]]);
    expect(table.lines).toEqual([1, 4, 5]);
  });

  it('streams in batches, across chunk boundaries, with projection', async () => {
    const lines = Array.from({ length: 25 }, (_, i) => JSON.stringify({ id: i, label: `l${i % 3}`, text: `t"${i}"\n` }));
    const file = temp.write('many.jsonl', `${lines.join('\n')}\n`);
    for (const chunkSize of [1, 7, 64, 1 << 20]) {
      const table = await readTable(file, { batchRows: 10, chunkSize, columns: ['text', 'id'] });
      expect(table.columns).toEqual(['id', 'text']);
      expect(table.batchSizes).toEqual([10, 10, 5]);
      expect(table.rows[24]).toEqual([24, 't"24"\n']);
      expect(table.lines[24]).toBe(25);
    }
  });

  it('every line as JSON.parse gives it, whatever its keys\' order, ASCII or not, at every read size', async () => {
    // Keys in the first object's order (read by position), shuffled or left out (read by name),
    // integer-like and duplicate keys; chunks of text that are all ASCII and chunks that are not.
    const lines = Array.from({ length: 300 }, (_, i) => {
      if (i === 0) return '{"b":0,"10":"ten","name":"first","x":1.5}';
      if (i % 50 === 7) return `{"name":"dup","name":"Zoë ${i}","b":${i}}`;
      const values: [string, unknown][] = [['b', i % 4 === 0 ? null : i], ['10', `t${i % 3}`], ['name', i % 97 === 5 ? `Zoë \\u00e9 ${i}` : `n${i}`], ['x', i / 8]];
      const order = i % 3 === 0 ? values : i % 3 === 1 ? [...values].reverse() : values.filter((_, k) => k !== i % 4);
      return `{${order.map(([key, value]) => `${JSON.stringify(key)}:${typeof value === 'string' && value.includes('\\') ? `"${value}"` : JSON.stringify(value)}`).join(', ')}}`;
    });
    const file = temp.write('orders.jsonl', `${lines.join('\n')}\n`);
    // The same lines with CRLF and ASCII only (no BOM, no raw non-ASCII byte): read as slices.
    const asciiLines = lines.map((line) => line.replaceAll('ë', '\\u00eb'));
    const crlf = temp.write('orders-crlf.jsonl', `${asciiLines.join('\r\n')}\r\n`);
    const want = lines.map((line) => {
      const object = JSON.parse(line) as Record<string, unknown>;
      return ['10', 'x', 'name'].map((key) => (Object.hasOwn(object, key) ? object[key] : null));
    });
    for (const path of [file, crlf]) {
      for (const chunkSize of [1, 9, 200, 1 << 20]) {
        const table = await readTable(path, { batchRows: 64, chunkSize, columns: ['x', 'name', '10'] });
        // The first object's keys as Object.keys orders them: integer-like keys first.
        expect(table.columns).toEqual(['10', 'name', 'x']);
        expect(table.rows).toEqual(want.map(([ten, x, name]) => [ten, name, x]));
        expect(table.lines).toEqual(lines.map((_, i) => i + 1));
      }
    }
    expect(lines.some((line) => /[^\x00-\x7f]/.test(line))).toBe(true);
    expect(asciiLines.every((line) => !/[^\x00-\x7f]/.test(line))).toBe(true);
    expect(lines.filter((line) => line.includes('\\u00e9'))).toHaveLength(4);
  });

  it('a key not in the first object is an error naming key and line', async () => {
    expect(await errorFor('new.jsonl', '{"a":1,"b":2}\n{"a":1}\n{"a":1,"c":3}\n')).toBe(
      "new.jsonl:3: unexpected key 'c': the first object has no such key (keys: a, b); missing keys are null, new keys are an error",
    );
    // Even when the new key is outside a projection.
    expect(await errorFor('newp.jsonl', '{"a":1,"b":2}\n{"b":1,"c":3}\n', { columns: ['a'] })).toBe(
      "newp.jsonl:2: unexpected key 'c': the first object has no such key (keys: a, b); missing keys are null, new keys are an error",
    );
  });

  it('nested values, non-objects, invalid JSON and invalid UTF-8 are located errors', async () => {
    expect(await errorFor('nested.jsonl', '{"a":1,"b":2}\n{"a":1,"b":{"x":1}}\n')).toBe(
      "nested.jsonl:2: column 'b' holds an object; only strings, numbers, booleans and null are supported (flatten nested values)",
    );
    expect(await errorFor('list.jsonl', '{"a":[1]}\n')).toBe("list.jsonl:1: column 'a' holds an array; only strings, numbers, booleans and null are supported (flatten nested values)");
    expect(await errorFor('array.jsonl', '{"a":1}\n\n[1,2]\n')).toBe('array.jsonl:3: expected a JSON object, found an array');
    expect(await errorFor('number.jsonl', '42\n')).toBe('number.jsonl:1: expected a JSON object, found a number');
    const invalid = await errorFor('invalid.jsonl', '{"a":1}\n{"a":2,}\n');
    expect(invalid).toMatch(/^invalid\.jsonl:2: invalid JSON: .+/);
    expect(invalid).not.toContain('\n');
    expect(await errorFor('utf8.jsonl', Buffer.concat([Buffer.from('{"a":"ok"}\n{"a":"'), Buffer.from([0xff]), Buffer.from('"}\n')]))).toBe(
      'utf8.jsonl:2: invalid UTF-8 byte sequence; the file must be UTF-8',
    );
  });

  it('empty files and over-long lines', async () => {
    expect(await errorFor('empty.jsonl', '')).toBe('empty.jsonl: is empty; expected one JSON object per line');
    expect(await errorFor('blank.jsonl', '\n\n')).toBe('blank.jsonl: is empty; expected one JSON object per line');
    expect(await errorFor('long.jsonl', `{"a":1}\n{"a":"${'x'.repeat(4000)}"}\n`, { maxRowBytes: 1024, chunkSize: 100 })).toBe('long.jsonl:2: line is longer than 1 KB (the limit)');
    // Wherever the reads fall: a line of 1025 bytes is refused, one of 1024 is read.
    for (const chunkSize of [100, 1000, 4096, 1 << 16]) {
      expect(await errorFor('over.jsonl', `{"a":1}\n{"a":"${'x'.repeat(1025 - 8)}"}\n`, { maxRowBytes: 1024, chunkSize }), `chunkSize ${chunkSize}`).toBe('over.jsonl:2: line is longer than 1 KB (the limit)');
      expect(await errorFor('at.jsonl', `{"a":1}\n{"a":"${'x'.repeat(1024 - 8)}"}\n{"a":`, { maxRowBytes: 1024, chunkSize }), `chunkSize ${chunkSize}`).toMatch(/^at\.jsonl:3: /);
    }
  });

  it('an unknown projected column', async () => {
    expect(await errorFor('p.jsonl', '{"a":1}\n', { columns: ['b'] })).toBe("p.jsonl:1: has no column 'b' (columns: a)");
  });

  it('format can be forced for any extension', async () => {
    const file = temp.write('rows.log', '{"a":1}\n');
    const source = await openTable(file, { format: 'jsonl' });
    expect(source.format).toBe('jsonl');
  });
});
