import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFilesAtomic } from './atomic-write.js';
import { runInterruptUndos, undoOnInterrupt, withTempDir } from './interrupt.js';

const dir = mkdtempSync(join(tmpdir(), 'modelgate-interrupt-'));

describe('undo on interrupt', () => {
  it('an interrupt in the middle of writeFilesAtomic leaves neither the targets nor a temp file', async () => {
    const out = join(dir, 'write');
    const interruptedWrite = writeFilesAtomic([
      { path: join(out, 'a.json'), content: 'a' },
      // The signal arrives while the second file's parts are written.
      {
        path: join(out, 'b.json'),
        content: (function* () {
          yield '{"b": ';
          expect(readdirSync(out).filter((name) => name.endsWith('.tmp'))).toHaveLength(2);
          runInterruptUndos();
          yield '1}';
        })(),
      },
    ]);
    await expect(interruptedWrite).rejects.toThrow();
    expect(readdirSync(out)).toEqual([]);
  });

  it('withTempDir removes its directory on interrupt, and after the run, failed or not', async () => {
    let kept = '';
    await withTempDir(dir, 'kept-', async (temp) => {
      kept = temp;
      writeFileSync(join(temp, 'x'), 'x');
      runInterruptUndos();
      expect(existsSync(temp)).toBe(false);
    });
    await expect(
      withTempDir(dir, 'failed-', async (temp) => {
        kept = temp;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(existsSync(kept)).toBe(false);
    expect(readdirSync(dir).filter((name) => name !== 'write')).toEqual([]);
  });

  it('runs each undo once, all of them even when one throws, and none once forgotten', () => {
    const ran: string[] = [];
    undoOnInterrupt(() => {
      ran.push('first');
      throw new Error('cannot');
    });
    const forget = undoOnInterrupt(() => ran.push('forgotten'));
    undoOnInterrupt(() => ran.push('last'));
    forget();
    runInterruptUndos();
    runInterruptUndos();
    expect(ran).toEqual(['first', 'last']);
  });
});
