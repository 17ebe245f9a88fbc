import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleFiles, writeFileAtomic, writeFilesAtomic } from './atomic-write.js';

const dir = mkdtempSync(join(tmpdir(), 'modelgate-atomic-'));

describe('writeFilesAtomic', () => {
  it('writes every file, creating folders, and leaves no temp file', async () => {
    const out = join(dir, 'ok', 'deep');
    await writeFilesAtomic([
      { path: join(out, 'a.json'), content: 'a' },
      { path: join(out, 'b.json'), content: new Uint8Array([98]) },
      // In parts, as a large artifact is written (taken only while it is written).
      { path: join(out, 'c.json'), content: (function* () { yield '{"c": '; yield 'ü'.repeat(3); yield '}'; })() },
    ]);
    expect(readFileSync(join(out, 'a.json'), 'utf8')).toBe('a');
    expect(readFileSync(join(out, 'b.json'), 'utf8')).toBe('b');
    expect(readFileSync(join(out, 'c.json'), 'utf8')).toBe('{"c": üüü}');
    expect(readdirSync(out).sort()).toEqual(['a.json', 'b.json', 'c.json']);
  });

  it('writes none of the files when one target is a directory, and keeps the old ones', async () => {
    const out = join(dir, 'partial');
    mkdirSync(join(out, 'c.json'), { recursive: true });
    writeFileSync(join(out, 'a.json'), 'old');
    const failure = writeFilesAtomic([
      { path: join(out, 'a.json'), content: 'new' },
      { path: join(out, 'b.json'), content: 'b' },
      { path: join(out, 'c.json'), content: 'c' },
    ]);
    await expect(failure).rejects.toMatchObject({ name: 'ConfigurationError', message: 'is a directory; expected the path of a file to write', location: { file: join(out, 'c.json') } });
    expect(readFileSync(join(out, 'a.json'), 'utf8')).toBe('old');
    expect(existsSync(join(out, 'b.json'))).toBe(false);
    expect(readdirSync(out).sort()).toEqual(['a.json', 'c.json']);
  });

  it('writes none of the files when the parts of one fail half-way, and leaves no temp file', async () => {
    const out = join(dir, 'parts-fail');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'a.json'), 'old');
    const failing = (function* () {
      yield '{"half": ';
      throw new Error('rendering failed');
    })();
    const failure = writeFilesAtomic([
      { path: join(out, 'a.json'), content: 'new' },
      { path: join(out, 'b.json'), content: failing },
    ]);
    await expect(failure).rejects.toThrow('rendering failed');
    expect(readFileSync(join(out, 'a.json'), 'utf8')).toBe('old');
    expect(readdirSync(out)).toEqual(['a.json']);
  });

  it('names the file when a file stands where its folder should be', async () => {
    writeFileSync(join(dir, 'afile'), 'x');
    await expect(writeFileAtomic(join(dir, 'afile', 'out.json'), '{}')).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: `cannot create its folder: '${join(dir, 'afile')}' or a folder above it is a file`,
      location: { file: join(dir, 'afile', 'out.json') },
    });
    await expect(writeFileAtomic(join(dir, 'afile', 'deeper', 'out.json'), '{}')).rejects.toMatchObject({ name: 'ConfigurationError' });
  });
});

describe('removeStaleFiles', () => {
  it('removes the files it recognises, and leaves other files, links, directories and missing paths alone', async () => {
    const out = join(dir, 'stale');
    mkdirSync(join(out, 'folder.json'), { recursive: true });
    writeFileSync(join(out, 'old.json'), 'ours: old');
    writeFileSync(join(out, 'mine.json'), "the user's own");
    writeFileSync(join(out, 'target.json'), 'ours: the target of a link');
    symlinkSync(join(out, 'target.json'), join(out, 'link.json'));
    const ours = (head: string) => head.startsWith('ours:');
    await removeStaleFiles(['old.json', 'mine.json', 'link.json', 'missing.json', 'folder.json', 'mine.json/under.json'].map((name) => ({ path: join(out, name), wrote: ours })));
    expect(readdirSync(out).sort()).toEqual(['folder.json', 'link.json', 'mine.json', 'target.json']);
  });
});
