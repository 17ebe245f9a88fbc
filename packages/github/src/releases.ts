/**
 * Publishing a model as a GitHub Release, idempotently and without ever replacing a
 * published asset.
 *
 * The flow is "draft, upload, verify, publish":
 * 1. A **published** release with the tag already exists → compare its assets (names +
 *    sha256) with ours: identical is a successful no-op (no writes at all), different is a
 *    refusal. Published releases are immutable here: we never delete-then-upload.
 * 2. The tag ref is created at `targetSha` through the git refs API (an existing ref must
 *    already point there, otherwise refuse: the tag belongs to another commit).
 * 3. A draft for the tag is created, or the draft a failed earlier run left behind is reused.
 *    Its assets with the right name and digest are kept; wrong, partial or foreign ones are
 *    deleted and uploaded again. Every uploaded asset is downloaded back and its sha256 checked.
 * 4. The draft is published once (PATCH draft=false).
 *
 * A 5xx during an upload is retried by the client (plugin-retry); when the first attempt
 * did store the asset, the retry answers 422 `already_exists` and we check that asset's
 * digest instead of failing.
 */
import { ConfigurationError, InputDataError, sha256Hex, type Logger } from '@modelgate/core';
import type { GitHubClient } from './client.js';
import { rethrowIfPermissionDenied } from './permissions.js';
import { RELEASE_BODY_LIMIT, truncateMarkdown } from './truncate.js';

export interface ReleaseFile {
  /** Asset name: letters, digits and `._+@-` only (GitHub would silently rename anything else). */
  name: string;
  bytes: Uint8Array;
  /** Default: from the extension (see `contentTypeFor`). */
  contentType?: string | undefined;
}

export interface PublishGitHubReleaseOptions {
  client: GitHubClient;
  owner: string;
  repo: string;
  /** `<name>/v<version>`, or `v<version>` in a single-model repository. */
  tag: string;
  /** Commit the tag is created at (40 hex). */
  targetSha: string;
  /** Release title. */
  name: string;
  /** Release notes (markdown). */
  body: string;
  files: readonly ReleaseFile[];
  prerelease?: boolean | undefined;
  logger: Logger;
}

export interface PublishGitHubReleaseResult {
  /** html_url of the published release. */
  url: string;
  tag: string;
  releaseId: number;
  /** The tag was already published with exactly these assets: nothing was written. */
  unchanged: boolean;
}

/** A published release whose assets differ from the ones we would publish, or a tag on another commit. */
export class ReleaseConflictError extends ConfigurationError {}

const ASSET_NAME = /^[A-Za-z0-9_+@-][A-Za-z0-9._+@-]*$/;

interface AssetInfo {
  id: number;
  name: string;
  size: number;
  /** `sha256:<hex>` as GitHub reports it (newer API versions), else undefined. */
  digest?: string | null | undefined;
}

interface ReleaseInfo {
  id: number;
  tag_name: string;
  draft: boolean;
  html_url: string;
  name: string | null;
  body?: string | null | undefined;
  target_commitish: string;
  upload_url: string;
}

const CONTENT_TYPES: Array<[RegExp, string]> = [
  [/\.json$/i, 'application/json'],
  [/\.md$/i, 'text/markdown; charset=utf-8'],
  [/\.txt$/i, 'text/plain; charset=utf-8'],
  [/\.(tgz|tar\.gz|gz)$/i, 'application/gzip'],
  [/\.zip$/i, 'application/zip'],
  [/\.tar$/i, 'application/x-tar'],
  [/\.ya?ml$/i, 'application/yaml'],
];

/** Content-Type of an asset by its extension; `application/octet-stream` for models and anything unknown. */
export function contentTypeFor(name: string): string {
  return CONTENT_TYPES.find(([pattern]) => pattern.test(name))?.[1] ?? 'application/octet-stream';
}

const statusOf = (error: unknown) => (error as { status?: unknown } | null)?.status;
const messageOf = (error: unknown) => {
  const data = (error as { response?: { data?: { message?: unknown; errors?: unknown } } } | null)?.response?.data;
  return `${typeof data?.message === 'string' ? data.message : ''} ${JSON.stringify(data?.errors ?? '')} ${(error as Error)?.message ?? ''}`;
};

/** Download one asset's bytes (GitHub answers with a redirect to storage, which fetch follows). */
export async function downloadReleaseAsset(client: GitHubClient, owner: string, repo: string, assetId: number): Promise<Uint8Array> {
  const response = await client.rest.repos.getReleaseAsset({ owner, repo, asset_id: assetId, headers: { accept: 'application/octet-stream' } });
  const data = response.data as unknown;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'string') return new TextEncoder().encode(data);
  throw new InputDataError(`release asset ${assetId}: expected bytes, got ${typeof data}`);
}

/** The published release for a tag, or undefined (GitHub's get-by-tag never returns drafts). */
export async function getPublishedRelease(client: GitHubClient, owner: string, repo: string, tag: string): Promise<(ReleaseInfo & { assets: AssetInfo[] }) | undefined> {
  try {
    return (await client.rest.repos.getReleaseByTag({ owner, repo, tag })).data as ReleaseInfo & { assets: AssetInfo[] };
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** Tags of the published (non-draft) releases, newest first; `prefix` filters (e.g. `income/v`). */
export async function listReleaseTags(client: GitHubClient, owner: string, repo: string, prefix = ''): Promise<string[]> {
  const releases = await client.paginate(client.rest.repos.listReleases, { owner, repo, per_page: 100 });
  return releases.filter((r) => !r.draft && r.tag_name.startsWith(prefix)).map((r) => r.tag_name);
}

/** sha256 hex of an asset: GitHub's `digest` when reported, else by downloading it. */
async function assetSha256(client: GitHubClient, owner: string, repo: string, asset: AssetInfo): Promise<string> {
  if (typeof asset.digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(asset.digest)) return asset.digest.slice('sha256:'.length);
  return sha256Hex(await downloadReleaseAsset(client, owner, repo, asset.id));
}

export async function publishGitHubRelease(options: PublishGitHubReleaseOptions): Promise<PublishGitHubReleaseResult> {
  const { client, owner, repo, tag, targetSha, logger } = options;
  const where = `${owner}/${repo}@${tag}`;
  if (!/^[0-9a-f]{40}$/.test(targetSha)) throw new ConfigurationError(`release ${where}: target '${targetSha}' is not a commit sha`);
  const seen = new Set<string>();
  for (const file of options.files) {
    if (!ASSET_NAME.test(file.name) || file.name.endsWith('.')) {
      throw new ConfigurationError(`release asset name '${file.name}' may only contain letters, digits and ._+@- (GitHub would rename it)`);
    }
    if (seen.has(file.name)) throw new ConfigurationError(`release asset '${file.name}' given twice`);
    seen.add(file.name);
  }
  const wanted = new Map(options.files.map((file) => [file.name, { file, sha256: sha256Hex(file.bytes) }]));
  const body = truncateMarkdown(options.body, RELEASE_BODY_LIMIT).text;
  const write = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      return rethrowIfPermissionDenied(error, 'contents: write', operation);
    }
  };

  // 1. Already published: identical is a no-op, different a refusal.
  const published = await getPublishedRelease(client, owner, repo, tag);
  if (published) {
    const differences: string[] = [];
    const names = new Set(published.assets.map((a) => a.name));
    for (const name of wanted.keys()) if (!names.has(name)) differences.push(`${name} missing`);
    for (const asset of published.assets) {
      const expected = wanted.get(asset.name);
      if (!expected) differences.push(`${asset.name} not in this release`);
      else if (asset.size !== expected.file.bytes.byteLength || (await assetSha256(client, owner, repo, asset)) !== expected.sha256) {
        differences.push(`${asset.name} has different content`);
      }
    }
    if (differences.length > 0) {
      throw new ReleaseConflictError(
        `GitHub Release ${tag} in ${owner}/${repo} is already published with different assets (${differences.join(', ')}); ` +
          'refusing to replace them. Published versions are immutable: release a new version instead.',
      );
    }
    logger.info(`GitHub Release ${tag} already holds these ${wanted.size} assets; nothing changed (${published.html_url})`);
    return { url: published.html_url, tag, releaseId: published.id, unchanged: true };
  }

  // 2. The tag, at the commit.
  await ensureTag(options, write);

  // 3. Our draft: reuse the newest draft for this tag, else create one.
  const releases = (await client.paginate(client.rest.repos.listReleases, { owner, repo, per_page: 100 })) as ReleaseInfo[];
  let draft = releases.filter((r) => r.draft && r.tag_name === tag).sort((a, b) => b.id - a.id)[0];
  if (draft) {
    logger.info(`resuming the draft GitHub Release ${tag} (${draft.id}) left by an earlier run`);
    if (draft.name !== options.name || (draft.body ?? '') !== body || draft.target_commitish !== targetSha) {
      draft = (
        await write(`update the draft release ${tag}`, () =>
          client.rest.repos.updateRelease({ owner, repo, release_id: draft!.id, name: options.name, body, target_commitish: targetSha }),
        )
      ).data as ReleaseInfo;
    }
  } else {
    draft = (
      await write(`create the release ${tag}`, () =>
        client.rest.repos.createRelease({ owner, repo, tag_name: tag, target_commitish: targetSha, name: options.name, body, draft: true, prerelease: options.prerelease ?? false }),
      )
    ).data as ReleaseInfo;
  }
  const releaseId = draft.id;

  // Keep draft assets that are already right; delete the rest.
  const existing = (await client.paginate(client.rest.repos.listReleaseAssets, { owner, repo, release_id: releaseId, per_page: 100 })) as AssetInfo[];
  const done = new Set<string>();
  for (const asset of existing) {
    const expected = wanted.get(asset.name);
    if (expected && asset.size === expected.file.bytes.byteLength && (await assetSha256(client, owner, repo, asset)) === expected.sha256) {
      done.add(asset.name);
      logger.debug(`release ${tag}: ${asset.name} already uploaded, kept`);
      continue;
    }
    logger.info(`release ${tag}: deleting ${expected ? 'incomplete or wrong' : 'unexpected'} draft asset ${asset.name}`);
    await write(`delete the asset ${asset.name} of ${tag}`, () => client.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: asset.id }));
  }

  // Upload the missing ones, each verified by downloading it back.
  for (const [name, { file, sha256 }] of wanted) {
    if (done.has(name)) continue;
    const asset = await uploadAsset(options, draft, file, sha256, write);
    const back = sha256Hex(await downloadReleaseAsset(client, owner, repo, asset.id));
    if (back !== sha256) {
      await write(`delete the asset ${name} of ${tag}`, () => client.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: asset.id }));
      throw new InputDataError(`release ${tag}: asset ${name} reads back as sha256:${back}, expected sha256:${sha256}; deleted it, rerun to upload again`);
    }
    logger.info(`release ${tag}: uploaded ${name} (${file.bytes.byteLength} bytes, sha256:${sha256.slice(0, 12)}…)`);
  }

  // 4. Publish once.
  const final = (
    await write(`publish the release ${tag}`, () => client.rest.repos.updateRelease({ owner, repo, release_id: releaseId, draft: false }))
  ).data as ReleaseInfo;
  logger.info(`published GitHub Release ${tag}: ${final.html_url}`);
  return { url: final.html_url, tag, releaseId, unchanged: false };
}

type Write = <T>(operation: string, work: () => Promise<T>) => Promise<T>;

/** Create `refs/tags/<tag>` at the target, or accept it when it already points there. */
async function ensureTag(options: PublishGitHubReleaseOptions, write: Write): Promise<void> {
  const { client, owner, repo, tag, targetSha, logger } = options;
  const read = async () => {
    try {
      return (await client.rest.git.getRef({ owner, repo, ref: `tags/${tag}` })).data;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  };
  let ref = await read();
  if (!ref) {
    try {
      await write(`create the tag ${tag}`, () => client.rest.git.createRef({ owner, repo, ref: `refs/tags/${tag}`, sha: targetSha }));
      logger.debug(`created tag ${tag} at ${targetSha}`);
      return;
    } catch (error) {
      // Someone (a concurrent run) created it in between: read what it points at.
      if (statusOf(error) !== 422 || !/already exists/i.test(messageOf(error))) throw error;
      ref = await read();
      if (!ref) throw error;
    }
  }
  if (ref.object.sha !== targetSha) {
    const what = ref.object.type === 'tag' ? `an annotated tag object ${ref.object.sha}` : `commit ${ref.object.sha}`;
    throw new ReleaseConflictError(`tag ${tag} in ${owner}/${repo} already points at ${what}, not at ${targetSha}; refusing to release it for another commit`);
  }
}

/** Upload one asset; a retry that finds the asset already stored (the first attempt got through) checks its digest. */
async function uploadAsset(options: PublishGitHubReleaseOptions, release: ReleaseInfo, file: ReleaseFile, sha256: string, write: Write): Promise<AssetInfo> {
  const { client, owner, repo, tag } = options;
  const data = Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength);
  const send = () =>
    write(`upload ${file.name} to ${tag}`, async () =>
      (
        await client.request({
          method: 'POST',
          url: release.upload_url,
          name: file.name,
          data,
          headers: { 'content-type': file.contentType ?? contentTypeFor(file.name), 'content-length': data.byteLength },
        })
      ).data as AssetInfo,
    );
  try {
    return await send();
  } catch (error) {
    if (statusOf(error) !== 422 || !/already_exists/.test(messageOf(error))) throw error;
    const assets = (await client.paginate(client.rest.repos.listReleaseAssets, { owner, repo, release_id: release.id, per_page: 100 })) as AssetInfo[];
    const stored = assets.find((a) => a.name === file.name);
    if (!stored) throw error;
    if (stored.size === file.bytes.byteLength && (await assetSha256(client, owner, repo, stored)) === sha256) return stored;
    options.logger.info(`release ${tag}: ${file.name} was stored incompletely by an interrupted upload; uploading again`);
    await write(`delete the asset ${file.name} of ${tag}`, () => client.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: stored.id }));
    return await send();
  }
}

export interface ReleaseNotesInput {
  /** e.g. `income 1.2.0`. */
  title: string;
  /** Model card summary (its first paragraph), markdown. */
  summary?: string | undefined;
  /** `bump: reason` line. */
  bump?: string | undefined;
  metrics?: Record<string, number> | undefined;
  previous?: { version: string; metrics?: Record<string, number> | undefined } | undefined;
}

/** The first paragraph of a model card after its title: what the release notes quote. */
export function cardSummary(card: string): string | undefined {
  const paragraphs = card.replace(/\r\n/g, '\n').split(/\n\s*\n/).map((p) => p.trim());
  return paragraphs.find((p) => p && !p.startsWith('#') && !p.startsWith('|') && !p.startsWith('<!--'));
}

const fmt = (value: number | undefined) => (value === undefined ? '–' : Number.isInteger(value) ? String(value) : value.toPrecision(4).replace(/0+$/, '').replace(/\.$/, ''));

/** Release notes: the card summary and a metric table with the change against the previous version. */
export function renderReleaseNotes(input: ReleaseNotesInput): string {
  const parts = [`## ${input.title}`];
  if (input.summary) parts.push(input.summary);
  if (input.bump) parts.push(`**Version bump:** ${input.bump}`);
  const current = input.metrics ?? {};
  const before = input.previous?.metrics;
  const names = [...new Set([...Object.keys(current), ...Object.keys(before ?? {})])].sort();
  if (names.length > 0) {
    const header = before ? `| metric | ${input.previous!.version} | this release | change |\n|---|---:|---:|---:|` : '| metric | value |\n|---|---:|';
    const rows = names.map((name) => {
      const now = current[name];
      if (!before) return `| ${name} | ${fmt(now)} |`;
      const then = before[name];
      const change = now !== undefined && then !== undefined ? `${now - then >= 0 ? '+' : ''}${fmt(now - then)}` : now === undefined ? 'removed' : 'new';
      return `| ${name} | ${fmt(then)} | ${fmt(now)} | ${change} |`;
    });
    parts.push(`### Metrics\n\n${header}\n${rows.join('\n')}`);
  } else if (input.previous) parts.push(`Previous version: ${input.previous.version}.`);
  return `${parts.join('\n\n')}\n`;
}
