import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePax, readTar, TarFormatError, type TarEntry } from './tar.js';
import { makeTar } from './test-tarballs.js';

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(bytes: Uint8Array, chunkSize = 4096, read = true): Promise<{ entry: TarEntry; text: string }[]> {
  const out: { entry: TarEntry; text: string }[] = [];
  await readTar(chunked(bytes, chunkSize), async (entry, body) => {
    const parts: Buffer[] = [];
    if (read) for await (const part of body) parts.push(part);
    out.push({ entry, text: Buffer.concat(parts).toString('utf8') });
  });
  return out;
}

const longPath = `package/${'a-rather-long-directory-name/'.repeat(6)}file.js`;
const sample = makeTar([
  { path: 'package/package.json', content: '{"name":"x"}' },
  { path: 'package/dist', type: 'directory' },
  { path: longPath, content: 'x'.repeat(1500) },
  { path: 'package/link', type: 'symlink', linkName: 'dist' },
  { path: 'package/empty.txt', content: '' },
  { path: 'package/bin/tool', content: '#!/bin/sh', mode: 0o755 },
]);

describe('readTar', () => {
  it('reads files, directories, links and pax long names, in any chunking', async () => {
    for (const size of [1, 7, 511, 512, 513, 100_000]) {
      const entries = await collect(sample, size);
      expect(entries.map((e) => [e.entry.path, e.entry.type])).toEqual([
        ['package/package.json', 'file'],
        ['package/dist', 'directory'],
        [longPath, 'file'],
        ['package/link', 'symlink'],
        ['package/empty.txt', 'file'],
        ['package/bin/tool', 'file'],
      ]);
      expect(entries[0]!.text).toBe('{"name":"x"}');
      expect(entries[2]!.text).toBe('x'.repeat(1500));
      expect(entries[3]!.entry.linkName).toBe('dist');
      expect(entries[5]!.entry.mode).toBe(0o755);
    }
  });

  it('skips bodies the callback does not read, or stops reading', async () => {
    const unread = await collect(sample, 300, false);
    expect(unread.map((e) => e.entry.path)).toContain('package/bin/tool');
    const seen: string[] = [];
    await readTar(chunked(sample, 64), async (entry, body) => {
      seen.push(entry.path);
      for await (const _ of body) break; // read one chunk only
    });
    expect(seen).toHaveLength(6);
  });

  it('accepts an archive without the end-of-archive blocks', async () => {
    const entries = await collect(makeTar([{ path: 'p/a', content: 'a' }], { endMarker: false }));
    expect(entries.map((e) => e.text)).toEqual(['a']);
  });

  it('refuses truncated and corrupt archives', async () => {
    await expect(collect(sample.subarray(0, 1000))).rejects.toThrow(TarFormatError);
    await expect(collect(sample.subarray(0, 700))).rejects.toThrow(/truncated archive/);
    await expect(collect(new Uint8Array(0))).rejects.toThrow(/no entries/);
    const corrupt = Buffer.from(sample);
    corrupt[10] = 0x41;
    await expect(collect(corrupt)).rejects.toThrow(/checksum/);
  });

  it('parses pax records', () => {
    expect(parsePax(Buffer.from('12 path=a/b\n19 linkpath=target\n'))).toEqual({ path: 'a/b', linkpath: 'target' });
    expect(() => parsePax(Buffer.from('99 path=a\n'))).toThrow(/pax/);
  });
});

describe('readTar on archives written by GNU tar', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelgate-tar-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let hasTar = true;
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
  } catch {
    hasTar = false;
  }

  it.skipIf(!hasTar).each(['gnu', 'pax', 'ustar'])('reads --format=%s', async (format) => {
    const src = join(dir, `src-${format}`);
    const deep = `package/${'d'.repeat(60)}/${'e'.repeat(60)}`;
    mkdirSync(join(src, deep), { recursive: true });
    writeFileSync(join(src, deep, 'f.js'), 'deep');
    writeFileSync(join(src, 'package', 'big.bin'), Buffer.alloc(70_000, 3));
    const archive = join(dir, `${format}.tar`);
    execFileSync('tar', [`--format=${format}`, '-cf', archive, '-C', src, 'package']);
    const entries = await collect(readFileSync(archive), 1000);
    const files = Object.fromEntries(entries.filter((e) => e.entry.type === 'file').map((e) => [e.entry.path, e.text.length]));
    expect(files).toEqual({ [`${deep}/f.js`]: 4, 'package/big.bin': 70_000 });
  });
});
