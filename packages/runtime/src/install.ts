import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { readTar } from './tar.js';

/** Written last into a provisioned cache directory; its presence means the install is whole. */
export const MARKER_FILE = 'modelgate-onnxruntime.json';

export interface CacheMarker {
  name: 'onnxruntime-node';
  version: string;
  platform: string;
  arch: string;
  integrity: Record<string, string>;
  files: number;
  bytes: number;
}

export interface ExtractResult {
  files: number;
  bytes: number;
  /** `<platform>-<arch>` of every binary directory seen in the tarball (extracted or not). */
  binaryPlatforms: Set<string>;
  /** Paths (relative to the package) of extracted host binaries. */
  binaries: string[];
}

const BINARY = /^bin\/napi-v\d+\/([^/]+)\/([^/]+)\/[^/]+$/;
const RUNTIME_JS = /^(dist|lib)\/.+\.(js|cjs|mjs|json)$/;
const LICENSE = /^(licen[cs]e|notice|third[-_]party[-_]notices)(\.[a-z]+)?$/i;

/**
 * Which files of a package tarball a runtime needs: package.json, compiled JS (and nested
 * package.json such as onnxruntime-common's dist/cjs/package.json) under dist/ or lib/,
 * licence files, and only the host's binaries. No scripts, sources, maps or typings.
 */
export function runtimeFileFilter(platform: string, arch: string): (path: string) => boolean {
  return (path) => {
    if (path === 'package.json' || LICENSE.test(path)) return true;
    const binary = BINARY.exec(path);
    if (binary) return binary[1] === platform && binary[2] === arch;
    return RUNTIME_JS.test(path);
  };
}

/**
 * Stream a .tgz into `destDir`, keeping the entries `keep` accepts (paths without the
 * tarball's top directory, usually `package/`). Only regular files are written; links,
 * absolute paths and `..` are never followed or written.
 */
export async function extractPackage(tgz: string, destDir: string, keep: (path: string) => boolean): Promise<ExtractResult> {
  const result: ExtractResult = { files: 0, bytes: 0, binaryPlatforms: new Set(), binaries: [] };
  const made = new Set<string>();
  // Big chunks: the default 16 KiB gunzip output makes unpacking onnxruntime-node (300 MB of
  // tar) about 2.5× slower.
  const source = createReadStream(tgz, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 18 }));
  await readTar(source, async (entry, body) => {
    if (entry.type !== 'file') return;
    const relative = packageRelative(entry.path);
    if (relative === undefined) return;
    const binary = BINARY.exec(relative);
    if (binary) result.binaryPlatforms.add(`${binary[1]}-${binary[2]}`);
    if (!keep(relative)) return;
    const target = join(destDir, ...relative.split('/'));
    const parent = dirname(target);
    if (!made.has(parent)) {
      await mkdir(parent, { recursive: true });
      made.add(parent);
    }
    // Executable bits are kept; nothing else from the header (owner, mtime) matters here.
    await pipeline(body, createWriteStream(target, { mode: entry.mode & 0o111 ? 0o755 : 0o644 }));
    result.files += 1;
    result.bytes += entry.size;
    if (binary) result.binaries.push(relative);
  });
  return result;
}

/** `package/dist/x.js` → `dist/x.js`; undefined for anything unsafe or outside a top dir. */
export function packageRelative(path: string): string | undefined {
  if (path.includes('\\') || path.startsWith('/') || /^[a-zA-Z]:/.test(path)) return undefined;
  const normalized = posix.normalize(path);
  const parts = normalized.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length < 2 || parts.includes('..')) return undefined;
  return parts.slice(1).join('/');
}

/** A fresh staging directory beside `target` (same filesystem, so the final rename is atomic). */
export async function makeStagingDir(target: string): Promise<string> {
  await mkdir(dirname(target), { recursive: true });
  const staging = join(dirname(target), `.${basename(target)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(staging, { recursive: true });
  return staging;
}

/**
 * Move a finished staging directory to `target` in one rename. An invalid directory already
 * there is removed first; if another process won the race with a whole install, theirs is
 * kept and `false` is returned.
 */
export async function commitStagingDir(staging: string, target: string): Promise<boolean> {
  if ((await readMarker(target)) === undefined) await removeDir(target);
  try {
    await rename(staging, target);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM') && (await readMarker(target)) !== undefined) {
      await removeDir(staging);
      return false;
    }
    throw error;
  }
}

export async function writeMarker(dir: string, marker: CacheMarker): Promise<void> {
  await writeFile(join(dir, MARKER_FILE), `${JSON.stringify(marker, null, 2)}\n`);
}

export async function readMarker(dir: string): Promise<CacheMarker | undefined> {
  try {
    const marker = JSON.parse(await readFile(join(dir, MARKER_FILE), 'utf8')) as Partial<CacheMarker>;
    if (marker?.name !== 'onnxruntime-node' || typeof marker.version !== 'string') return undefined;
    return marker as CacheMarker;
  } catch {
    return undefined;
  }
}

/** Remove a directory tree: renamed aside first, so a crash mid-removal leaves no half tree at its name. */
export async function removeDir(dir: string): Promise<void> {
  const aside = `${dir}.removing-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(dir, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    await rm(dir, { recursive: true, force: true });
    return;
  }
  await rm(aside, { recursive: true, force: true });
}
