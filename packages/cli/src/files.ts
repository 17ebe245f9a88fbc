import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { serializeArtifact, type ArtifactBody, type ArtifactKind } from '@modelgate/core';
import { VERSION } from './version.js';

/** Write a file atomically: temp file beside it, then rename — never a half-written artifact. */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, content);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

export async function writeArtifact<K extends ArtifactKind>(path: string, kind: K, body: ArtifactBody<K>): Promise<string> {
  const text = serializeArtifact(kind, body, VERSION);
  await writeFileAtomic(path, text);
  return text;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Absolute path for I/O, and the path as the user wrote it (workspace-relative) for reports. */
export function workspacePath(workspace: string, path: string): { absolute: string; shown: string } {
  const absolute = resolve(workspace, path);
  const inside = relative(workspace, absolute);
  return { absolute, shown: inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside.split('\\').join('/') : absolute };
}
