/**
 * The OCI artifact a model release is (image-spec 1.1 "artifact" guidance): an image manifest
 * with `artifactType`, the empty config, and one uncompressed layer per file. Shared by the
 * on-disk layout (layout.ts) and the distribution client (client.ts).
 *
 * Media types (no IANA type exists for ONNX; these are vendor-tree names):
 * - manifest            application/vnd.oci.image.manifest.v1+json
 * - artifactType        application/vnd.modelgate.model.v1+json
 * - config              application/vnd.oci.empty.v1+json (the 2-byte `{}`)
 * - *.onnx              application/vnd.onnx.model
 * - *.onnx.data, *.data application/vnd.onnx.model.external-data
 * - <kind>.json of a modelgate artifact (metrics, inspect, schema, …)
 *                       application/vnd.modelgate.<kind>.v1+json
 * - lineage.json        application/vnd.openlineage.run-event.v1+json
 * - other *.json        application/json;  *.md text/markdown;  anything else application/octet-stream
 * Manifests are serialized as canonical JSON (sorted keys, no whitespace) so identical inputs give
 * identical digests.
 */
import { ConfigurationError, InputDataError, sha256Hex } from '@modelgate/core';

export const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';
export const MODEL_ARTIFACT_TYPE = 'application/vnd.modelgate.model.v1+json';
export const EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';
export const EMPTY_CONFIG_BYTES = new TextEncoder().encode('{}');
export const EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

export const ANNOTATION = {
  title: 'org.opencontainers.image.title',
  version: 'org.opencontainers.image.version',
  revision: 'org.opencontainers.image.revision',
  source: 'org.opencontainers.image.source',
  created: 'org.opencontainers.image.created',
  refName: 'org.opencontainers.image.ref.name',
} as const;

const ARTIFACT_KINDS = ['schema', 'profile', 'validation', 'drift', 'metrics', 'inspect', 'convert', 'release'];

export function mediaTypeFor(title: string): string {
  const name = title.toLowerCase();
  if (name.endsWith('.onnx')) return 'application/vnd.onnx.model';
  if (name.endsWith('.onnx.data') || name.endsWith('.data')) return 'application/vnd.onnx.model.external-data';
  if (name === 'lineage.json') return 'application/vnd.openlineage.run-event.v1+json';
  const kind = name.replace(/\.json$/, '');
  if (name.endsWith('.json') && ARTIFACT_KINDS.includes(kind)) return `application/vnd.modelgate.${kind}.v1+json`;
  if (name.endsWith('.json')) return 'application/json';
  if (name.endsWith('.md')) return 'text/markdown';
  return 'application/octet-stream';
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  data?: string;
  annotations?: Record<string, string>;
}

export interface Manifest {
  schemaVersion: 2;
  mediaType: typeof MANIFEST_MEDIA_TYPE;
  artifactType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations: Record<string, string>;
}

/** JSON with object keys sorted at every level and no whitespace. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${sha256Hex(bytes)}`;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function assertDigest(digest: string): string {
  if (!DIGEST.test(digest)) throw new ConfigurationError(`'${digest}' is not a sha256 digest`);
  return digest;
}

/** Distribution-spec tag grammar: what both the layout and a registry accept. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export function assertTag(tag: string): string {
  if (!TAG.test(tag)) throw new ConfigurationError(`'${tag}' is not a valid tag (letters, digits, '_', '.', '-'; at most 128; no '+')`);
  return tag;
}

/** Tags that never move once written: anything shaped like a version. Everything else is an alias. */
export function isVersionTag(tag: string): boolean {
  return /^v?\d+\.\d+\.\d+/.test(tag);
}

export interface ArtifactFile {
  /** File name inside the artifact (the layer's title): a plain name, no directories. */
  title: string;
  content: Uint8Array;
  mediaType?: string | undefined;
}

export interface ArtifactInput {
  files: readonly ArtifactFile[];
  version: string;
  /** Git commit. */
  revision?: string | undefined;
  /** Repository URL. */
  source?: string | undefined;
  /** RFC 3339 time of the commit (not the wall clock), so rebuilding gives the same manifest. */
  created: string;
  artifactType?: string | undefined;
  annotations?: Record<string, string> | undefined;
}

export interface Blob {
  descriptor: Descriptor;
  content: Uint8Array;
}

export interface BuiltArtifact {
  manifest: Manifest;
  manifestBytes: Uint8Array;
  manifestDescriptor: Descriptor;
  /** Config first, then layers. */
  blobs: Blob[];
}

export function assertTitle(title: string): string {
  if (!title || title === '.' || title === '..' || /[/\\\0]/.test(title)) {
    throw new ConfigurationError(`artifact file name '${title}' must be a plain file name (no directories)`);
  }
  return title;
}

export function buildArtifact(input: ArtifactInput): BuiltArtifact {
  if (Number.isNaN(Date.parse(input.created))) throw new ConfigurationError(`created: '${input.created}' is not an RFC 3339 time`);
  const seen = new Set<string>();
  const files = [...input.files].sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
  const layers: Blob[] = files.map((file) => {
    assertTitle(file.title);
    if (seen.has(file.title)) throw new ConfigurationError(`artifact file '${file.title}' given twice`);
    seen.add(file.title);
    return {
      descriptor: {
        mediaType: file.mediaType ?? mediaTypeFor(file.title),
        digest: sha256Digest(file.content),
        size: file.content.byteLength,
        annotations: { [ANNOTATION.title]: file.title },
      },
      content: file.content,
    };
  });
  const config: Blob = { descriptor: { mediaType: EMPTY_MEDIA_TYPE, digest: EMPTY_DIGEST, size: 2, data: 'e30=' }, content: EMPTY_CONFIG_BYTES };
  const annotations: Record<string, string> = { ...input.annotations, [ANNOTATION.version]: input.version, [ANNOTATION.created]: input.created };
  if (input.revision) annotations[ANNOTATION.revision] = input.revision;
  if (input.source) annotations[ANNOTATION.source] = input.source;
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    artifactType: input.artifactType ?? MODEL_ARTIFACT_TYPE,
    config: config.descriptor,
    layers: layers.map((layer) => layer.descriptor),
    annotations,
  };
  const manifestBytes = new TextEncoder().encode(canonicalJson(manifest));
  return {
    manifest,
    manifestBytes,
    manifestDescriptor: { mediaType: MANIFEST_MEDIA_TYPE, digest: sha256Digest(manifestBytes), size: manifestBytes.byteLength, artifactType: manifest.artifactType },
    blobs: [config, ...layers],
  };
}

/** Parse and sanity-check a manifest fetched from a layout or registry. */
export function parseManifest(bytes: Uint8Array, where: string): Manifest {
  let value: Partial<Manifest>;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes)) as Partial<Manifest>;
  } catch {
    throw new ConfigurationError(`${where}: manifest is not JSON`);
  }
  if (value.schemaVersion !== 2 || !value.config || !Array.isArray(value.layers)) {
    throw new ConfigurationError(`${where}: not an OCI image manifest`);
  }
  for (const layer of value.layers) {
    assertDigest(layer.digest);
    assertTitle(layer.annotations?.[ANNOTATION.title] ?? '');
  }
  return value as Manifest;
}

/** The `files` entries of a release.json for an artifact. */
export function releaseFiles(manifest: Manifest): Array<{ title: string; media_type: string; digest: string; size: number }> {
  return manifest.layers.map((layer) => ({
    title: layer.annotations?.[ANNOTATION.title] ?? '',
    media_type: layer.mediaType,
    digest: layer.digest,
    size: layer.size,
  }));
}

export class DigestMismatchError extends InputDataError {
  constructor(what: string, expected: string, actual: string) {
    super(`${what}: digest mismatch, expected ${expected}, got ${actual} (corrupted or tampered content)`);
  }
}

export function verifyBlob(what: string, descriptor: Pick<Descriptor, 'digest' | 'size'>, content: Uint8Array): void {
  if (content.byteLength !== descriptor.size) {
    throw new InputDataError(`${what}: size mismatch, expected ${descriptor.size} bytes, got ${content.byteLength}`);
  }
  const actual = sha256Digest(content);
  if (actual !== descriptor.digest) throw new DigestMismatchError(what, descriptor.digest, actual);
}

/** The refusal both the layout and the registry client raise when a version would change. */
export function immutableVersionError(where: string, tag: string, existing: string, attempted: string): ConfigurationError {
  return new ConfigurationError(
    `${where}: version ${tag} already exists with manifest ${existing}; refusing to replace it with ${attempted}. ` +
      'Published versions are immutable: release a new version instead.',
  );
}
