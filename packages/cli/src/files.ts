import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { ConfigurationError, removeStaleFiles, serializeArtifactParts, startsAsArtifact, writeFilesAtomic, type ArtifactBody, type ArtifactKind } from '@modelgate/core';
import { VERSION } from './version.js';

/** Writes one artifact atomically (see writeArtifacts). */
export async function writeArtifact<K extends ArtifactKind>(path: string, kind: K, body: ArtifactBody<K>): Promise<void> {
  await writeFilesAtomic([artifactFile(path, kind, body)]);
}

/** An artifact as one of the files writeFilesAtomic writes together (validated when it is rendered). */
export function artifactFile<K extends ArtifactKind>(path: string, kind: K, body: ArtifactBody<K>): { path: string; content: Iterable<string> } {
  return { path, content: serializeArtifactParts(kind, body, VERSION) };
}

/**
 * Artifacts that belong together, written all or none (see writeFilesAtomic). In parts: a profile
 * of many thousand columns can be more text than one string may hold.
 */
export async function writeArtifacts(artifacts: readonly { [K in ArtifactKind]: { path: string; kind: K; body: ArtifactBody<K> } }[ArtifactKind][]): Promise<void> {
  await writeFilesAtomic(artifacts.map(({ path, kind, body }) => artifactFile(path, kind, body as never)));
}

/** Removes the artifacts an earlier run left at these paths (files modelgate did not write stay: see removeStaleFiles). */
export async function removeStaleArtifacts(artifacts: readonly { path: string; kind: ArtifactKind }[]): Promise<void> {
  await removeStaleFiles(artifacts.map(({ path, kind }) => ({ path, wrote: (head: string) => startsAsArtifact(head, kind) })));
}

/**
 * SHA-256 of a file, read 1 MiB at a time: a read stream's 64 KiB chunks cost a trip through the
 * event loop each, which made hashing a 100 MB file take twice as long.
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(HASH_READ_BYTES);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

const HASH_READ_BYTES = 1 << 20;

/**
 * `sha256File` started now, to await later: the hash is read while other work runs. The promise
 * is marked handled, so a failure surfaces where it is awaited, not as an unhandled rejection.
 */
export function startSha256File(path: string): Promise<string> {
  const hashing = sha256File(path);
  hashing.catch(() => undefined);
  return hashing;
}

/** Absolute path for I/O, and the path as the user wrote it (workspace-relative) for reports. */
export function workspacePath(workspace: string, path: string): { absolute: string; shown: string } {
  const absolute = resolve(workspace, path);
  const inside = relative(workspace, absolute);
  return { absolute, shown: inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside.split('\\').join('/') : absolute };
}

/** A file's text, or undefined when there is none; a directory is a ConfigurationError naming `shown`. */
export async function readTextFileIfExists(absolute: string, shown: string): Promise<string | undefined> {
  try {
    return await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') throw new ConfigurationError(`'${shown}' is a directory, expected a file`, { file: shown });
    throw error;
  }
}
