import { createHash } from 'node:crypto';
import { open, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
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

/** A path a step reads or writes: the input that named it (`field`) and where it is. */
export interface NamedPath {
  field: string;
  path: { absolute: string; shown: string };
}

/**
 * Refuses, before anything is written, an output that would replace one of the step's inputs or
 * another output: the same path, or the same file through a symbolic or hard link.
 */
export async function refuseOverwritingInputs(inputs: readonly NamedPath[], outputs: readonly NamedPath[]): Promise<void> {
  const identity = new Map<NamedPath, string>();
  for (const named of [...inputs, ...outputs]) identity.set(named, await fileIdentity(named.path.absolute));
  for (const [index, output] of outputs.entries()) {
    const clash = [...inputs, ...outputs.slice(0, index)].find((other) => identity.get(other) === identity.get(output));
    if (clash === undefined) continue;
    const what = inputs.includes(clash) ? 'writing it would replace that input' : 'each output needs a path of its own';
    throw new ConfigurationError(`'${output.field}' (${output.path.shown}) is the same file as '${clash.field}' (${clash.path.shown}): ${what}`, { field: output.field });
  }
}

/** Whether two paths are one file (see refuseOverwritingInputs). */
export async function sameFile(a: string, b: string): Promise<boolean> {
  return (await fileIdentity(a)) === (await fileIdentity(b));
}

/** What makes two paths one file: device and inode when it exists, else its name in its real directory. */
async function fileIdentity(absolute: string): Promise<string> {
  const stats = await stat(absolute, { bigint: true }).catch(() => undefined);
  // Some file systems (FAT, some network mounts on Windows) report no inode: the real path says it then.
  if (stats && stats.ino !== 0n) return `${stats.dev}:${stats.ino}`;
  if (stats) return realpath(absolute);
  const directory = await realpath(dirname(absolute)).catch(() => dirname(absolute));
  return join(directory, basename(absolute));
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
