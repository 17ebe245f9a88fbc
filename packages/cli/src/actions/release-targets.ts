/**
 * Where model-release publishes: an OCI image layout on disk, an OCI registry, or GitHub Releases,
 * behind one small interface the release flow uses.
 */
import { join } from 'node:path';
import { ConfigurationError, InputDataError, type Logger, writeFileAtomic } from '@modelgate/core';
import { createGitHubClient, downloadReleaseAsset, getPublishedRelease, listReleaseTags, publishGitHubRelease, renderReleaseNotes } from '@modelgate/github';
import { ANNOTATION, OciLayout, parseManifest, parseVersion, sha256Digest, verifyBlob, type BuiltArtifact, type Descriptor, type Manifest } from '@modelgate/registry';
import { cardSummary } from '@modelgate/report';
import { workspacePath } from '../files.js';
import { openRegistryClient, parseRegistryRef, registryCredentials, type RegistryCredentialInputs } from '../registry-baseline.js';
import { VERSION } from '../version.js';

/** Manifest annotations that let a rerun report the original bump without recomputing it. */
export const BUMP_ANNOTATION = 'dev.modelgate.release.bump';
export const REASON_ANNOTATION = 'dev.modelgate.release.bump-reason';

export interface Target {
  kind: 'dir' | 'oci' | 'github';
  /** Shown in messages and used as the lineage namespace: `dir:<path>` or `oci://host/repo`. */
  where: string;
  tags(): Promise<string[]>;
  manifest(tag: string): Promise<{ digest: string; manifest: Manifest }>;
  /** One file of a release, verified against its digest. */
  layer(tag: string, layer: Descriptor): Promise<Uint8Array>;
  /** The files of a release the target no longer holds intact. */
  missingLayers(tag: string, manifest: Manifest): Promise<string[]>;
  pull(tag: string, dir: string): Promise<{ digest: string; files: Array<{ title: string }> }>;
  push(artifact: BuiltArtifact, options: { tag: string; aliases: readonly string[] }): Promise<{ digest: string; unchanged: boolean; blobsWritten: number; bytesWritten: number }>;
  tag(alias: string, version: string): Promise<unknown>;
}

export function openTarget(to: string, environment: { workspace: string; repository?: string | undefined }, credentialInputs: RegistryCredentialInputs): Target {
  const ref = parseRegistryRef(to, 'to');
  if (ref.kind === 'dir') {
    const path = workspacePath(environment.workspace, ref.path);
    const layout = new OciLayout(path.absolute);
    return {
      kind: 'dir',
      where: `dir:${path.shown}`,
      tags: () => layout.tags(),
      manifest: async (tag) => {
        const found = await layout.manifest(tag);
        return { digest: found.descriptor.digest, manifest: found.manifest };
      },
      layer: (_tag, layer) => layout.readBlob(layer, `${titleOf(layer)} of ${path.shown}`),
      missingLayers: async (_tag, manifest) => {
        const missing: string[] = [];
        for (const blob of [manifest.config, ...manifest.layers]) if (!(await layout.readBlob(blob).then(() => true, () => false))) missing.push(titleOf(blob));
        return missing;
      },
      pull: (tag, dir) => layout.pull(tag, dir),
      push: (artifact, options) => layout.push(artifact, options),
      tag: (alias, version) => layout.tag(alias, version),
    };
  }
  const { registry, repository } = ref;
  const client = openRegistryClient(ref, registryCredentials(ref.hostname, credentialInputs, environment.repository));
  return {
    kind: 'oci',
    where: `oci://${registry}/${repository}`,
    tags: () => client.tags(),
    manifest: async (tag) => {
      const found = await client.getManifest(tag);
      if (!found) throw new ConfigurationError(`oci://${registry}/${repository}: no tag '${tag}'`);
      return { digest: found.digest, manifest: parseManifest(found.bytes, `oci://${registry}/${repository}:${tag}`) };
    },
    layer: (tag, layer) => client.getBlob(layer, `${titleOf(layer)} of ${tag}`),
    missingLayers: async (_tag, manifest) => {
      const missing: string[] = [];
      for (const blob of [manifest.config, ...manifest.layers]) if (!(await client.hasBlob(blob.digest))) missing.push(titleOf(blob));
      return missing;
    },
    pull: (tag, dir) => client.pull(tag, dir),
    push: (artifact, options) => client.push(artifact, options),
    tag: (alias, version) => client.tag(alias, version),
  };
}

/** A blob as messages name it: its file title, else its digest (the config). */
function titleOf(blob: Descriptor): string {
  return blob.annotations?.[ANNOTATION.title] ?? blob.digest;
}

/** `{ f1: 0.8, … }` of a metrics.json, or undefined when it is not one. */
function metricsOf(bytes: Uint8Array): Record<string, number> | undefined {
  try {
    const value = (JSON.parse(new TextDecoder().decode(bytes)) as { metrics?: Record<string, unknown> }).metrics;
    return value ? Object.fromEntries(Object.entries(value).filter((entry): entry is [string, number] => typeof entry[1] === 'number')) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The git tag prefix of `to: github` releases. Checked against git's ref-name rules up front, so a
 * bad prefix is a configuration error naming the input rather than a 422 from the refs API.
 */
export function releaseTagPrefix(given: string | undefined, name: string): string {
  const prefix = given ?? `${name}/v`;
  // git check-ref-format: no control characters, space, ~ ^ : ? * [ \\, "..", "@{", "//", and no component starting with "." or ending with ".lock".
  const bad =
    prefix === '' ||
    /[\x00-\x20\x7f~^:?*[\\]/.test(prefix) ||
    prefix.includes('..') ||
    prefix.includes('@{') ||
    prefix.includes('//') ||
    prefix.startsWith('/') ||
    prefix.split('/').some((part, index, parts) => part.startsWith('.') || (index < parts.length - 1 && (part === '' || part.endsWith('.lock'))));
  if (bad) {
    const field = given === undefined ? 'name' : 'tag-prefix';
    throw new ConfigurationError(`input '${field}': '${prefix}<version>' is not a valid git tag name`, { field });
  }
  return prefix;
}

/**
 * Whether this model's releases may take the repository's "Latest" badge (and `/releases/latest`):
 * only with the single-model prefix `v`. Under `<name>/v` (the default) or any other prefix, models
 * share the repository with each other or with its software releases, and would take it from them.
 */
function takesLatestRelease(prefix: string): boolean {
  return prefix === 'v';
}

/**
 * `to: github`: every version is a GitHub Release `<prefix><version>` (default `<name>/v<version>`) holding the artifact's files plus its
 * OCI manifest.json (so reruns, version decisions and pulls work exactly like the registry targets).
 */
export function githubTarget(name: string, prefix: string, environment: { repository?: string | undefined; apiUrl: string }, token: string | undefined, logger: Logger): Target {
  const [owner, repo] = environment.repository?.split('/') ?? [];
  if (!owner || !repo) throw new ConfigurationError('to: github needs GITHUB_REPOSITORY (run it in GitHub Actions)', { field: 'to' });
  if (!token) throw new ConfigurationError("to: github needs 'github-token' with `permissions: contents: write`", { field: 'github-token' });
  const client = createGitHubClient({ token, baseUrl: environment.apiUrl, logger, userAgent: `modelgate/${VERSION}` });
  const where = `github:${owner}/${repo}`;
  let pulled: { version: string; metrics?: Record<string, number> | undefined } | undefined;
  // A published version does not change: its release and manifest are fetched once per run.
  const manifests = new Map<string, Promise<{ digest: string; manifest: Manifest; assets: Array<{ id: number; name: string }> }>>();
  const fetchManifest = async (version: string) => {
    const release = await getPublishedRelease(client, owner, repo, prefix + version);
    const asset = release?.assets.find((a) => a.name === 'manifest.json');
    if (!release || !asset) throw new ConfigurationError(`${where}: no release ${prefix}${version} with a manifest.json`);
    const bytes = await downloadReleaseAsset(client, owner, repo, asset.id);
    return { digest: sha256Digest(bytes), manifest: parseManifest(bytes, `${where}@${prefix}${version}/manifest.json`), assets: release.assets };
  };
  const manifest = (version: string) => {
    let found = manifests.get(version);
    if (!found) {
      found = fetchManifest(version);
      // A failed fetch is not remembered.
      found.catch(() => manifests.delete(version));
      manifests.set(version, found);
    }
    return found;
  };
  const layer = async (version: string, descriptor: Descriptor): Promise<Uint8Array> => {
    const title = titleOf(descriptor);
    const asset = (await manifest(version)).assets.find((a) => a.name === title);
    if (!asset) throw new InputDataError(`${where}@${prefix}${version}: asset ${title} is missing`);
    const content = await downloadReleaseAsset(client, owner, repo, asset.id);
    verifyBlob(`${prefix}${version}/${title}`, descriptor, content);
    return content;
  };
  return {
    kind: 'github',
    where,
    tags: async () => (await listReleaseTags(client, owner, repo, prefix)).map((tag) => tag.slice(prefix.length)),
    manifest,
    layer,
    // The config blob is not an asset; the layers are, by title.
    missingLayers: async (version, found) => {
      const names = new Set((await manifest(version)).assets.map((asset) => asset.name));
      return found.layers.map(titleOf).filter((title) => !names.has(title));
    },
    pull: async (version, dir) => {
      const found = await manifest(version);
      const files: Array<{ title: string }> = [];
      for (const descriptor of found.manifest.layers) {
        const title = titleOf(descriptor);
        const content = await layer(version, descriptor);
        await writeFileAtomic(join(dir, title), content);
        files.push({ title });
        if (title === 'metrics.json') pulled = { version, metrics: metricsOf(content) };
      }
      return { digest: found.digest, files };
    },
    push: async (artifact, options) => {
      const targetSha = artifact.manifest.annotations?.[ANNOTATION.revision];
      if (!targetSha || !/^[0-9a-f]{40}$/.test(targetSha)) throw new ConfigurationError('to: github needs the commit to tag (GITHUB_SHA or a git checkout)');
      const files = artifact.blobs.slice(1).map((blob) => ({ name: blob.descriptor.annotations?.[ANNOTATION.title] ?? '', bytes: blob.content }));
      const bytesOf = (title: string) => files.find((file) => file.name === title)?.bytes;
      const card = bytesOf('model-card.md');
      const metrics = bytesOf('metrics.json');
      const body = renderReleaseNotes({
        title: `${name} ${options.tag}`,
        summary: card ? cardSummary(new TextDecoder().decode(card)) : undefined,
        bump: artifact.manifest.annotations?.[REASON_ANNOTATION],
        metrics: metrics ? metricsOf(metrics) : undefined,
        previous: pulled,
      });
      files.push({ name: 'manifest.json', bytes: artifact.manifestBytes });
      const prerelease = parseVersion(options.tag).prerelease !== undefined;
      const result = await publishGitHubRelease({
        client,
        owner,
        repo,
        tag: prefix + options.tag,
        targetSha,
        name: `${name} ${options.tag}`,
        body,
        files,
        prerelease,
        // A prerelease never takes it (publishGitHubRelease).
        makeLatest: takesLatestRelease(prefix),
        logger,
      });
      return {
        digest: artifact.manifestDescriptor.digest,
        unchanged: result.unchanged,
        blobsWritten: result.unchanged ? 0 : files.length,
        bytesWritten: result.unchanged ? 0 : files.reduce((sum, file) => sum + file.bytes.byteLength, 0),
      };
    },
    // "Latest" is decided on publishing (takesLatestRelease); aliases have no Release equivalent.
    tag: async (alias, version) => logger.debug(`${where}: alias '${alias}' → ${version} is not recorded for GitHub Releases`),
  };
}
