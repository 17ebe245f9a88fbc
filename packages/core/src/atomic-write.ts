import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { lstat, mkdir, open, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigurationError } from './errors.js';
import { undoOnInterrupt } from './interrupt.js';

/**
 * Write a file atomically: a temp file beside the target, then rename. A reader (or a crash)
 * sees the old file or the whole new one, never half an artifact or model.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  await writeFilesAtomic([{ path, content }]);
}

/**
 * Write several files that belong together (a step's artifacts): every one goes to a temp file
 * first, and the targets are renamed into place only when all of them are written and none is a
 * directory, so a failure leaves none of the new files, not some. A target the user cannot write
 * (a directory in its place, a file where its folder should be, no permission, no space) is a
 * ConfigurationError naming it.
 */
export async function writeFilesAtomic(files: readonly { path: string; content: string | Uint8Array | Iterable<string> }[]): Promise<void> {
  const temps: string[] = [];
  // An interrupted write leaves no temp file beside its target either.
  const forget = undoOnInterrupt(() => {
    for (const temp of temps) rmSync(temp, { force: true });
  });
  try {
    for (const { path, content } of files) {
      await mkdir(dirname(path), { recursive: true }).catch((error: unknown) => {
        throw writeError(error, path, 'mkdir');
      });
      const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      temps.push(temp);
      await writeFile(temp, content).catch((error: unknown) => {
        throw writeError(error, path, 'write');
      });
    }
    for (const { path } of files) {
      const existing = await stat(path).catch(() => undefined);
      if (existing?.isDirectory()) throw new ConfigurationError(WRITE_REASONS['EISDIR']!, { file: path });
    }
    for (const [index, { path }] of files.entries()) {
      await rename(temps[index]!, path).catch((error: unknown) => {
        throw writeError(error, path, 'write');
      });
    }
  } catch (error) {
    await Promise.all(temps.map((temp) => unlink(temp).catch(() => undefined)));
    throw error;
  } finally {
    forget();
  }
}

/**
 * Removes the files an earlier run wrote at these paths, before this run writes its own there: a
 * run that fails, or writes fewer of them, must not leave an earlier run's files looking like its
 * own. Only a regular file whose first bytes `wrote` recognises is removed: a user's own file of
 * that name, a link and a missing path are left alone (a directory, or a file where the folder
 * should be, is the write's to report).
 */
export async function removeStaleFiles(files: readonly { path: string; wrote: (head: string) => boolean }[]): Promise<void> {
  for (const { path, wrote } of files) {
    const existing = await lstat(path).catch(() => undefined);
    if (!existing?.isFile() || !wrote(await readHead(path))) continue;
    await unlink(path).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw writeError(error, path, 'write');
    });
  }
}

/** A file's first 512 bytes as text ('' when it cannot be read). */
async function readHead(path: string): Promise<string> {
  const file = await open(path, 'r').catch(() => undefined);
  if (file === undefined) return '';
  try {
    const buffer = Buffer.alloc(512);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    return buffer.toString('utf8', 0, bytesRead);
  } catch {
    return '';
  } finally {
    await file.close();
  }
}

/** Why a path cannot be written, by the error code, where the user can fix it. */
const WRITE_REASONS: Readonly<Record<string, string>> = {
  ENOTDIR: 'cannot be written: a part of its folder path is a file',
  EISDIR: 'is a directory; expected the path of a file to write',
  EACCES: 'cannot be written: permission denied',
  EPERM: 'cannot be written: permission denied',
  EROFS: 'cannot be written: read-only file system',
  ENOSPC: 'cannot be written: no space left on device',
};

/** A failed write as the user can fix it (else the error as it is). */
function writeError(error: unknown, path: string, step: 'mkdir' | 'write'): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const reason = step === 'mkdir' && (code === 'EEXIST' || code === 'ENOTDIR') ? `cannot create its folder: '${dirname(path)}' or a folder above it is a file` : WRITE_REASONS[code];
  return reason === undefined ? error : new ConfigurationError(reason, { file: path });
}
