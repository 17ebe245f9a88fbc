import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { serializeArtifact, writeFileAtomic, type ArtifactBody, type ArtifactKind } from '@modelgate/core';
import { VERSION } from './version.js';

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


/** Absolute path for I/O, and the path as the user wrote it (workspace-relative) for reports. */
export function workspacePath(workspace: string, path: string): { absolute: string; shown: string } {
  const absolute = resolve(workspace, path);
  const inside = relative(workspace, absolute);
  return { absolute, shown: inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside.split('\\').join('/') : absolute };
}
