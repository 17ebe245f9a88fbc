/**
 * An OCI image layout on disk (image-spec 1.1 image-layout.md): `oci-layout`, `index.json`,
 * `blobs/sha256/<hex>`. Readable by skopeo/oras/crane as `oci:<dir>:<tag>`.
 *
 * Tags are `org.opencontainers.image.ref.name` annotations on index.json's manifest descriptors.
 * Version tags are immutable: re-pushing the same manifest is a no-op, a different one is refused.
 * Aliases (latest, champion, …) move, but only onto a version tag that already exists.
 * Writes are atomic (temp file + rename): blobs first, then the manifest, then index.json, so a
 * crash never leaves a tag pointing at missing content. There is no cross-process lock: two
 * concurrent writers to one layout can lose one's index.json update (the blobs stay).
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { ConfigurationError, InputDataError, writeFileAtomic } from '@modelgate/core';
import {
  ANNOTATION,
  assertDigest,
  assertTag,
  type BuiltArtifact,
  canonicalJson,
  type Descriptor,
  immutableVersionError,
  INDEX_MEDIA_TYPE,
  isVersionTag,
  type Manifest,
  parseManifest,
  sha256Digest,
  verifyBlob,
} from './oci.js';

export const LAYOUT_VERSION = '1.0.0';

interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface PushResult {
  /** Manifest digest. */
  digest: string;
  /** The version tag already pointed at this exact manifest: nothing was written. */
  unchanged: boolean;
  /** Blobs (config, layers, manifest) newly written, and their bytes. */
  blobsWritten: number;
  bytesWritten: number;
  /** Aliases now pointing at the version. */
  aliases: string[];
}

export interface PulledFile {
  title: string;
  path: string;
  mediaType: string;
  digest: string;
  size: number;
}

/**
 * Writes an artifact's files into `outDir` by title: every layer is read (and verified by
 * `readBlob`) before the first file is written, and each is written atomically, so a bad digest
 * leaves nothing behind. Shared by the OCI layout and the registry client.
 */
export async function pullLayers(manifest: Manifest, tag: string, outDir: string, readBlob: (descriptor: Descriptor, what: string) => Promise<Uint8Array>): Promise<PulledFile[]> {
  const contents = [];
  for (const layer of manifest.layers) {
    const title = layer.annotations?.[ANNOTATION.title] ?? '';
    contents.push({ layer, title, content: await readBlob(layer, `${tag}/${title}`) });
  }
  const files: PulledFile[] = [];
  for (const { layer, title, content } of contents) {
    const path = join(resolvePath(outDir), title);
    await writeFileAtomic(path, content);
    files.push({ title, path, mediaType: layer.mediaType, digest: layer.digest, size: layer.size });
  }
  return files;
}

export interface PullResult {
  digest: string;
  manifest: Manifest;
  files: PulledFile[];
}

export interface PushOptions {
  /** The version tag (immutable). */
  tag: string;
  /** Floating tags to move onto the version once it exists. */
  aliases?: readonly string[] | undefined;
}

export class OciLayout {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolvePath(dir);
  }

  /** A file system failure inside the layout as one line naming the path (a file where a folder goes, no permission). */
  private unusable(error: unknown, inside: string): Error {
    const code = (error as NodeJS.ErrnoException).code;
    const reasons: Record<string, string> = { ENOTDIR: 'a file is where a directory should be', EISDIR: 'is a directory, expected a file', EACCES: 'permission denied', EPERM: 'permission denied', EEXIST: 'a file is where a directory should be' };
    if (!code || !reasons[code]) return error as Error;
    return new ConfigurationError(`${reasons[code]} (${code}); is ${this.dir} an OCI image layout?`, { file: join(this.dir, inside) });
  }

  blobPath(digest: string): string {
    return join(this.dir, 'blobs', 'sha256', assertDigest(digest).slice('sha256:'.length));
  }

  private async readIndex(): Promise<ImageIndex> {
    let text: string;
    try {
      text = await readFile(join(this.dir, 'index.json'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { schemaVersion: 2, mediaType: INDEX_MEDIA_TYPE, manifests: [] };
      throw this.unusable(error, 'index.json');
    }
    try {
      const index = JSON.parse(text) as ImageIndex;
      if (index.schemaVersion !== 2 || !Array.isArray(index.manifests)) throw new Error('not an image index');
      return index;
    } catch (error) {
      throw new InputDataError(`not an OCI image index: ${(error as Error).message}`, { file: join(this.dir, 'index.json') });
    }
  }

  private async writeIndex(index: ImageIndex): Promise<void> {
    const ref = (descriptor: Descriptor) => descriptor.annotations?.[ANNOTATION.refName] ?? '';
    const manifests = [...index.manifests].sort((a, b) => (ref(a) < ref(b) ? -1 : ref(a) > ref(b) ? 1 : a.digest < b.digest ? -1 : 1));
    await writeFileAtomic(join(this.dir, 'index.json'), canonicalJson({ ...index, mediaType: INDEX_MEDIA_TYPE, manifests }));
  }

  /** Create `oci-layout` and an empty `index.json` if missing; refuse a directory that is some other layout version. */
  async init(): Promise<void> {
    await mkdir(join(this.dir, 'blobs', 'sha256'), { recursive: true }).catch((error: unknown) => {
      throw this.unusable(error, 'blobs/sha256');
    });
    const marker = join(this.dir, 'oci-layout');
    let text: string | undefined;
    try {
      text = await readFile(marker, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw this.unusable(error, 'oci-layout');
    }
    if (text === undefined) {
      await writeFileAtomic(marker, canonicalJson({ imageLayoutVersion: LAYOUT_VERSION }));
    } else {
      let existing: { imageLayoutVersion?: string } | undefined;
      try {
        existing = JSON.parse(text) as { imageLayoutVersion?: string };
      } catch (error) {
        throw new InputDataError(`not an OCI layout marker: ${(error as Error).message}`, { file: marker });
      }
      if (existing?.imageLayoutVersion !== LAYOUT_VERSION) {
        throw new ConfigurationError(`${this.dir}: OCI layout version ${existing?.imageLayoutVersion ?? '(none)'} is not supported (expected ${LAYOUT_VERSION})`);
      }
    }
    try {
      await stat(join(this.dir, 'index.json'));
    } catch {
      await this.writeIndex({ schemaVersion: 2, manifests: [] });
    }
  }

  /** Write a blob unless an intact copy exists; returns the bytes written. */
  private async putBlob(descriptor: Pick<Descriptor, 'digest' | 'size'>, content: Uint8Array): Promise<number> {
    const path = this.blobPath(descriptor.digest);
    try {
      const existing = await readFile(path);
      if (existing.byteLength === descriptor.size && sha256Digest(existing) === descriptor.digest) return 0;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    verifyBlob(`blob ${descriptor.digest}`, descriptor, content);
    await writeFileAtomic(path, content);
    return content.byteLength;
  }

  async readBlob(descriptor: Pick<Descriptor, 'digest' | 'size'>, what = `blob ${descriptor.digest}`): Promise<Uint8Array> {
    let content: Uint8Array;
    try {
      content = await readFile(this.blobPath(descriptor.digest));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new InputDataError(`${what}: missing from ${this.dir}`);
      throw error;
    }
    verifyBlob(what, descriptor, content);
    return content;
  }

  /** The manifest descriptor a tag points at, or undefined. */
  async resolve(tag: string): Promise<Descriptor | undefined> {
    const index = await this.readIndex();
    return index.manifests.find((descriptor) => descriptor.annotations?.[ANNOTATION.refName] === tag);
  }

  async tags(): Promise<string[]> {
    const index = await this.readIndex();
    return index.manifests.map((descriptor) => descriptor.annotations?.[ANNOTATION.refName]).filter((name): name is string => !!name).sort();
  }

  /** Write the artifact and tag it; see the module comment for the immutability rules. */
  async push(artifact: BuiltArtifact, options: PushOptions): Promise<PushResult> {
    const tag = assertTag(options.tag);
    const aliases = [...new Set(options.aliases ?? [])].map(assertTag);
    for (const alias of aliases) {
      if (isVersionTag(alias)) throw new ConfigurationError(`alias '${alias}' looks like a version: versions are immutable tags, not aliases`);
    }
    const digest = artifact.manifestDescriptor.digest;
    await this.init();
    const existing = await this.resolve(tag);
    if (existing && existing.digest !== digest) throw immutableVersionError(this.dir, tag, existing.digest, digest);

    let blobsWritten = 0;
    let bytesWritten = 0;
    const unchanged = existing !== undefined;
    if (!unchanged) {
      for (const blob of [...artifact.blobs, { descriptor: artifact.manifestDescriptor, content: artifact.manifestBytes }]) {
        const written = await this.putBlob(blob.descriptor, blob.content);
        if (written > 0) blobsWritten++;
        bytesWritten += written;
      }
      const index = await this.readIndex();
      // Re-check under the fresh read: another writer may have tagged it meanwhile.
      const raced = index.manifests.find((descriptor) => descriptor.annotations?.[ANNOTATION.refName] === tag);
      if (raced && raced.digest !== digest) throw immutableVersionError(this.dir, tag, raced.digest, digest);
      if (!raced) {
        index.manifests.push({ ...artifact.manifestDescriptor, annotations: { [ANNOTATION.refName]: tag } });
        await this.writeIndex(index);
      }
    }
    for (const alias of aliases) await this.tag(alias, tag);
    return { digest, unchanged, blobsWritten, bytesWritten, aliases };
  }

  /** Point a floating alias at an existing version tag. */
  async tag(alias: string, version: string): Promise<Descriptor> {
    assertTag(alias);
    if (isVersionTag(alias)) throw new ConfigurationError(`alias '${alias}' looks like a version: versions are immutable tags, not aliases`);
    const index = await this.readIndex();
    const target = index.manifests.find((descriptor) => descriptor.annotations?.[ANNOTATION.refName] === version);
    if (!target) throw new ConfigurationError(`cannot move '${alias}' to ${version}: version ${version} does not exist in ${this.dir}`);
    const manifests = index.manifests.filter((descriptor) => descriptor.annotations?.[ANNOTATION.refName] !== alias);
    const moved: Descriptor = { ...target, annotations: { ...target.annotations, [ANNOTATION.refName]: alias } };
    await this.writeIndex({ ...index, manifests: [...manifests, moved] });
    return moved;
  }

  /** The manifest a tag points at, verified against its digest. */
  async manifest(tag: string): Promise<{ descriptor: Descriptor; manifest: Manifest; bytes: Uint8Array }> {
    const descriptor = await this.resolve(tag);
    if (!descriptor) {
      const known = await this.tags();
      throw new ConfigurationError(`${this.dir}: no tag '${tag}'${known.length ? ` (tags: ${known.join(', ')})` : ' (the layout is empty)'}`);
    }
    const bytes = await this.readBlob(descriptor, `manifest of ${tag}`);
    return { descriptor, manifest: parseManifest(bytes, `${this.dir}:${tag}`), bytes };
  }

  /** Verify every digest, then write the artifact's files into `outDir` (atomically, by title). */
  async pull(tag: string, outDir: string): Promise<PullResult> {
    const { descriptor, manifest } = await this.manifest(tag);
    await this.readBlob(manifest.config, `config of ${tag}`);
    return { digest: descriptor.digest, manifest, files: await pullLayers(manifest, tag, outDir, (blob, what) => this.readBlob(blob, what)) };
  }
}
