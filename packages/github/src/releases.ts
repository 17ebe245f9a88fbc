/**
 * Publishing a model as a GitHub Release, idempotently and without ever replacing a
 * published asset.
 *
 * The flow is "draft, upload, verify, publish":
 * 0. Asset names and sizes are checked before any request (GitHub takes files under 2 GiB).
 * 1. A **published** release with the tag already exists → compare its assets (names +
 *    sha256) with ours: identical is a successful no-op (no writes at all), different is a
 *    refusal. Published releases are immutable here: we never delete-then-upload.
 * 2. The tag is not created up front: publishing the draft creates it at `targetSha` (GitHub
 *    does, for a tag that does not exist yet), so a run that fails before publishing leaves no
 *    tag to block the next one. An existing tag must point at `targetSha` already; one at another
 *    commit is refused, unless it is the leftover of this tag's unpublished draft (a failed run
 *    of an earlier modelgate, which tagged first): no release was ever published for it, so it is
 *    deleted and publishing tags the new commit.
 * 3. A draft for the tag is created, or the draft a failed earlier run left behind is reused
 *    (retargeted to this commit). Its assets with the right name and digest are kept; wrong,
 *    partial or foreign ones are deleted and uploaded again. Every uploaded asset is downloaded
 *    back and its sha256 checked.
 * 4. The draft is published once (PATCH draft=false), which creates the tag.
 *
 * A 5xx during an upload is retried by the client (plugin-retry); when the first attempt
 * did store the asset, the retry answers 422 `already_exists` and we check that asset's
 * digest instead of failing.
 */
import { ConfigurationError, formatBytes, InputDataError, sha256Hex, type Logger } from '@modelgate/core';
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
  /** Commit the tag is created at, by publishing (40 hex). */
  targetSha: string;
  /** Release title. */
  name: string;
  /** Release notes (markdown). */
  body: string;
  files: readonly ReleaseFile[];
  /** Published as a GitHub prerelease (never the repository's "Latest"). */
  prerelease?: boolean | undefined;
  /** Whether publishing makes this the repository's "Latest" release (GitHub's `make_latest`; default false). */
  makeLatest?: boolean | undefined;
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
/** GitHub: "Each file included in a release must be under 2 GiB." */
const MAX_RELEASE_ASSET_BYTES = 2 * 1024 ** 3;

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
  prerelease: boolean;
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
    if (file.bytes.byteLength >= MAX_RELEASE_ASSET_BYTES) {
      throw new ConfigurationError(
        `release asset '${file.name}' is ${formatBytes(file.bytes.byteLength)} (${file.bytes.byteLength} bytes); GitHub Releases only take files under 2 GiB: publish this model to an OCI registry instead (to: oci://…)`,
      );
    }
  }
  const prerelease = options.prerelease ?? false;
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

  // 2. An existing tag: at the commit, or the leftover of this tag's unpublished draft.
  const releases = (await client.paginate(client.rest.repos.listReleases, { owner, repo, per_page: 100 })) as ReleaseInfo[];
  const drafts = releases.filter((r) => r.draft && r.tag_name === tag).sort((a, b) => b.id - a.id);
  await checkTag(options, drafts, write);

  // 3. Our draft: reuse the newest draft for this tag, else create one.
  let draft = drafts[0];
  if (draft) {
    logger.info(`resuming the draft GitHub Release ${tag} (${draft.id}) left by an earlier run`);
    if (draft.name !== options.name || (draft.body ?? '') !== body || draft.target_commitish !== targetSha || draft.prerelease !== prerelease) {
      draft = (
        await write(`update the draft release ${tag}`, () =>
          client.rest.repos.updateRelease({ owner, repo, release_id: draft!.id, name: options.name, body, target_commitish: targetSha, prerelease }),
        )
      ).data as ReleaseInfo;
    }
  } else {
    draft = (
      await write(`create the release ${tag}`, () =>
        client.rest.repos.createRelease({ owner, repo, tag_name: tag, target_commitish: targetSha, name: options.name, body, draft: true, prerelease }),
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

  // 4. Publish once; GitHub creates the tag at target_commitish now. GitHub makes a newly published
  // release "Latest" unless told otherwise, and never a prerelease.
  const makeLatest = (options.makeLatest ?? false) && !prerelease;
  const final = (
    await write(`publish the release ${tag}`, () =>
      client.rest.repos.updateRelease({ owner, repo, release_id: releaseId, tag_name: tag, target_commitish: targetSha, draft: false, make_latest: makeLatest ? 'true' : 'false' }),
    )
  ).data as ReleaseInfo;
  logger.info(`published GitHub Release ${tag}: ${final.html_url}`);
  return { url: final.html_url, tag, releaseId, unchanged: false };
}

type Write = <T>(operation: string, work: () => Promise<T>) => Promise<T>;

/**
 * An existing `refs/tags/<tag>` must point at the target already. One at another commit is refused,
 * unless a draft of this tag targets that commit: then no release was ever published for the tag
 * (step 1), and the tag is that draft's leftover, which is deleted so that publishing tags the new
 * commit. A tag someone else made is never touched.
 */
async function checkTag(options: PublishGitHubReleaseOptions, drafts: readonly ReleaseInfo[], write: Write): Promise<void> {
  const { client, owner, repo, tag, targetSha, logger } = options;
  let ref: { object: { sha: string; type: string } };
  try {
    ref = (await client.rest.git.getRef({ owner, repo, ref: `tags/${tag}` })).data;
  } catch (error) {
    if (statusOf(error) === 404) return;
    throw error;
  }
  if (ref.object.sha === targetSha) return;
  if (ref.object.type === 'commit' && drafts.some((draft) => draft.target_commitish === ref.object.sha)) {
    logger.info(`tag ${tag} points at ${ref.object.sha}, where an earlier run's release of it was never published; deleting the tag, publishing creates it at ${targetSha}`);
    await write(`delete the tag ${tag}`, () => client.rest.git.deleteRef({ owner, repo, ref: `tags/${tag}` }));
    return;
  }
  const what = ref.object.type === 'tag' ? `an annotated tag object ${ref.object.sha}` : `commit ${ref.object.sha}`;
  throw new ReleaseConflictError(`tag ${tag} in ${owner}/${repo} already points at ${what}, not at ${targetSha}; refusing to release it for another commit`);
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
