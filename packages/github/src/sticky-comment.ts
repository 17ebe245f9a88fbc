/**
 * One comment per report, on a pull request or on a commit, that each run edits instead of
 * adding a new one.
 *
 * The comment is found by a hidden marker, `<!-- modelgate:sticky:<key>:<hash> -->`, and only
 * among comments authored by the token's own identity, so a human quoting the report (or another
 * bot copying it) is never overwritten. Request budget when the comment already exists on the
 * first page: list, `GET /user` (skipped when `viewerLogin` is given or already known), patch.
 */
import { sha256Hex, type Logger } from '@modelgate/core';
import type { GitHubClient } from './client.js';
import { rethrowIfPermissionDenied, type RequiredPermission } from './permissions.js';
import { COMMENT_BODY_LIMIT, truncateMarkdown } from './truncate.js';

/** The login GITHUB_TOKEN (an installation token of the GitHub Actions app) comments as. */
export const GITHUB_ACTIONS_BOT_LOGIN = 'github-actions[bot]';

/** Where the comment goes: a pull request (or issue), or a commit (a push has no pull request). */
export type StickyCommentTarget = { issueNumber: number; commitSha?: undefined } | { commitSha: string; issueNumber?: undefined };

export type UpsertStickyCommentOptions = StickyCommentTarget & {
  client: GitHubClient;
  owner: string;
  repo: string;
  /** Distinguishes several sticky comments on one PR or commit (e.g. the gate name). */
  key: string;
  /** Markdown; the marker is added in front. */
  body: string;
  /**
   * Login the token comments as. Needed for GitHub App tokens other than GITHUB_TOKEN
   * (`my-app[bot]`): those get 403 on `GET /user` too, and we would fall back to
   * `github-actions[bot]`.
   */
  viewerLogin?: string;
  /** `update` edits the comment in place; `minimize-previous` posts a new one and hides the old as outdated. Default `update`. */
  mode?: 'update' | 'minimize-previous';
  /** Do not write when the body is unchanged (no edit history entry, no notification). Default true. */
  skipUnchanged?: boolean;
  /** Where the whole report is, named in the notice of a cut body. Default: the job summary. */
  fullTextAt?: string;
  logger?: Logger;
};

export interface StickyCommentResult {
  action: 'created' | 'updated' | 'unchanged' | 'minimized-and-created';
  commentId: number;
  url: string;
  /** True when the body was cut to GitHub's 65 536-character limit. */
  truncated: boolean;
}

interface Comment {
  id: number;
  node_id: string;
  body?: string | undefined;
  html_url: string;
  user: { login: string } | null;
}

/**
 * The marker for a key: a readable form of it (anything outside `[A-Za-z0-9._:/-]` becomes `-`,
 * and `-` runs collapse so `-->` cannot occur; 100 characters at most), then a hash of the key
 * itself, so keys the readable form cannot tell apart (other scripts, a long shared start)
 * never share a comment.
 */
export function stickyMarker(key: string): string {
  return `<!-- modelgate:sticky:${readableKey(key)}:${sha256Hex(key).slice(0, 12)} -->`;
}

/**
 * The marker of versions before the hash, for keys it gave a marker of their own in practice:
 * printable ASCII that fits the 100 characters. Comments carrying it are still found (and get the
 * new marker when edited); for other keys it was shared, so it is not trusted.
 */
export function legacyStickyMarker(key: string): string | undefined {
  const readable = readableKey(key);
  if (!/^[\x20-\x7e]*$/.test(key) || readable.length >= 100) return undefined;
  return `<!-- modelgate:sticky:${readable} -->`;
}

function readableKey(key: string): string {
  const safe = key
    .replace(/[^A-Za-z0-9._:/-]/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 100);
  return safe || 'default';
}

/** The full comment body: marker line, then the Markdown, cut to GitHub's limit with a notice. */
export function stickyCommentBody(key: string, body: string, fullTextAt?: string): { text: string; truncated: boolean } {
  const marker = stickyMarker(key);
  const cut = truncateMarkdown(body, COMMENT_BODY_LIMIT - marker.length - 1, { statedLimit: COMMENT_BODY_LIMIT, ...(fullTextAt ? { fullTextAt } : {}) });
  return { text: `${marker}\n${cut.text}`, truncated: cut.truncated };
}

/** The comments of one pull request or one commit: the REST calls differ, the sticky logic does not. */
interface CommentThread {
  /** `#12` or `commit 1a2b3c4`, for messages. */
  name: string;
  /** What writing here needs in the workflow's `permissions:`. */
  permission: RequiredPermission;
  pages(): AsyncIterable<Comment[]>;
  all(): Promise<Comment[]>;
  create(body: string): Promise<Comment>;
  update(commentId: number, body: string): Promise<Comment>;
  remove(commentId: number): Promise<void>;
}

function commentThread(options: UpsertStickyCommentOptions): CommentThread {
  const { client, owner, repo } = options;
  if (options.commitSha !== undefined) {
    const list = { owner, repo, commit_sha: options.commitSha, per_page: 100 };
    return {
      name: `commit ${options.commitSha.slice(0, 7)}`,
      permission: 'contents: write',
      pages: () => pagesOf(client.paginate.iterator(client.rest.repos.listCommentsForCommit, list)),
      all: async () => (await client.paginate(client.rest.repos.listCommentsForCommit, list)) as Comment[],
      create: async (body) => (await client.rest.repos.createCommitComment({ owner, repo, commit_sha: list.commit_sha, body })).data as Comment,
      update: async (commentId, body) => (await client.rest.repos.updateCommitComment({ owner, repo, comment_id: commentId, body })).data as Comment,
      remove: async (commentId) => void (await client.rest.repos.deleteCommitComment({ owner, repo, comment_id: commentId })),
    };
  }
  const list = { owner, repo, issue_number: options.issueNumber, per_page: 100 };
  return {
    name: `#${options.issueNumber}`,
    permission: 'pull-requests: write',
    pages: () => pagesOf(client.paginate.iterator(client.rest.issues.listComments, list)),
    all: async () => (await client.paginate(client.rest.issues.listComments, list)) as Comment[],
    create: async (body) => (await client.rest.issues.createComment({ owner, repo, issue_number: list.issue_number, body })).data as Comment,
    update: async (commentId, body) => (await client.rest.issues.updateComment({ owner, repo, comment_id: commentId, body })).data as Comment,
    remove: async (commentId) => void (await client.rest.issues.deleteComment({ owner, repo, comment_id: commentId })),
  };
}

async function* pagesOf(iterator: AsyncIterable<{ data: unknown }>): AsyncIterable<Comment[]> {
  for await (const page of iterator) yield page.data as Comment[];
}

const sameBody = (a: string | undefined, b: string) => (a ?? '').replace(/\r\n/g, '\n') === b.replace(/\r\n/g, '\n');
const sameLogin = (comment: Comment, login: string) => comment.user?.login.toLowerCase() === login.toLowerCase();
const statusOf = (error: unknown) => (error as { status?: unknown } | null)?.status;

/** Login per client, so a second upsert with the same client skips `GET /user`. */
const viewerLogins = new WeakMap<GitHubClient, Promise<string>>();

/** The token's login: `GET /user`, or `github-actions[bot]` when that is forbidden (installation tokens). */
export function resolveViewerLogin(client: GitHubClient, logger?: Logger): Promise<string> {
  let login = viewerLogins.get(client);
  if (!login) {
    login = client.rest.users.getAuthenticated().then(
      (response) => response.data.login,
      (error: unknown) => {
        if (statusOf(error) !== 403) throw error;
        logger?.debug(`GET /user is forbidden for this token (an installation token); assuming ${GITHUB_ACTIONS_BOT_LOGIN}.`);
        return GITHUB_ACTIONS_BOT_LOGIN;
      },
    );
    viewerLogins.set(client, login);
    login.catch(() => viewerLogins.delete(client));
  }
  return login;
}

export async function upsertStickyComment(options: UpsertStickyCommentOptions): Promise<StickyCommentResult> {
  const { client, logger } = options;
  const mode = options.mode ?? 'update';
  const skipUnchanged = options.skipUnchanged ?? true;
  const thread = commentThread(options);
  const marker = stickyMarker(options.key);
  const markers = [marker, legacyStickyMarker(options.key)].filter((m): m is string => m !== undefined);
  const { text: body, truncated } = stickyCommentBody(options.key, options.body, options.fullTextAt);
  if (truncated) logger?.warning(`The comment for "${options.key}" is over GitHub's size limit and was truncated.`);
  const login = () => (options.viewerLogin ? Promise.resolve(options.viewerLogin) : resolveViewerLogin(client, logger));
  const result = (action: StickyCommentResult['action'], comment: Comment): StickyCommentResult => ({
    action,
    commentId: comment.id,
    url: comment.html_url,
    truncated,
  });

  // 1. Find ours. `update` takes the oldest (stop at the first page that has it);
  //    `minimize-previous` needs the newest, so it reads every page.
  let existing: Comment | undefined;
  for await (const page of thread.pages()) {
    const candidates = page.filter((c) => markers.some((m) => c.body?.includes(m)));
    if (candidates.length === 0) continue;
    const me = await login();
    const ours = candidates.filter((c) => sameLogin(c, me));
    const ignored = candidates.length - ours.length;
    if (ignored > 0) logger?.debug(`Ignoring ${ignored} comment(s) with the marker ${marker} not written by ${me}.`);
    if (mode === 'update' && ours[0]) {
      existing = ours[0];
      break;
    }
    existing = ours.at(-1) ?? existing;
  }

  if (existing && skipUnchanged && sameBody(existing.body, body)) {
    logger?.debug(`Sticky comment ${existing.id} is up to date.`);
    return result('unchanged', existing);
  }

  // 2a. Update in place.
  if (existing && mode === 'update') {
    const updated = await thread
      .update(existing.id, body)
      .catch((error: unknown) => rethrowIfPermissionDenied(error, thread.permission, `update the sticky comment on ${thread.name}`));
    return result('updated', updated);
  }

  // 2b. Create (then hide the previous one in `minimize-previous` mode).
  const created = await thread
    .create(body)
    .catch((error: unknown) => rethrowIfPermissionDenied(error, thread.permission, `comment on ${thread.name}`));

  // 3. Race: another run may have created its comment between our search and our create.
  //    Every run keeps the oldest of ours newer than `existing`; the others delete their own.
  const survivor = await resolveDuplicates(options, thread, created, existing, marker, body);
  if (survivor) return result('updated', survivor);

  if (existing) {
    await minimizeOutdated(client, existing, logger);
    return result('minimized-and-created', created);
  }
  return result('created', created);
}

/**
 * Returns the comment to keep when `created` lost a race (after deleting `created` and
 * moving our body onto the survivor), or undefined when `created` is the one to keep.
 */
async function resolveDuplicates(
  options: UpsertStickyCommentOptions,
  thread: CommentThread,
  created: Comment,
  previous: Comment | undefined,
  marker: string,
  body: string,
): Promise<Comment | undefined> {
  const { logger } = options;
  // The comment we just created tells us our login authoritatively.
  const me = created.user?.login ?? options.viewerLogin ?? GITHUB_ACTIONS_BOT_LOGIN;
  const all = await thread.all();
  const ours = all
    .filter((c) => c.body?.includes(marker) && sameLogin(c, me) && c.id > (previous?.id ?? 0))
    .sort((a, b) => a.id - b.id);
  const oldest = ours[0];
  if (!oldest || oldest.id === created.id || !ours.some((c) => c.id === created.id)) return undefined;

  logger?.info(`Another run created sticky comment ${oldest.id} concurrently; removing our duplicate ${created.id}.`);
  await thread.remove(created.id).catch((error: unknown) => {
    // Already gone (a third run cleaning up) is fine.
    if (statusOf(error) !== 404) throw error;
  });
  if (sameBody(oldest.body, body)) return oldest;
  return await thread.update(oldest.id, body);
}

const MINIMIZE = `mutation($id: ID!) {
  minimizeComment(input: { subjectId: $id, classifier: OUTDATED }) { minimizedComment { isMinimized } }
}`;

/** Hides a comment as outdated. Failing to do so is cosmetic: warn, do not fail the run. */
async function minimizeOutdated(client: GitHubClient, comment: Comment, logger?: Logger): Promise<boolean> {
  try {
    await client.graphql(MINIMIZE, { id: comment.node_id });
    return true;
  } catch (error) {
    logger?.warning(`Could not minimize the previous comment ${comment.html_url}: ${(error as Error).message}`);
    return false;
  }
}
