/**
 * One pull request comment per report that each run edits instead of adding a new one.
 *
 * The comment is found by a hidden marker, `<!-- modelgate:sticky:<key> -->`, and only among
 * comments authored by the token's own identity, so a human quoting the report (or another
 * bot copying it) is never overwritten. Request budget when the comment already exists on the
 * first page: list, `GET /user` (skipped when `viewerLogin` is given or already known), patch.
 */
import type { Logger } from '@modelgate/core';
import type { GitHubClient } from './client.js';
import { rethrowIfPermissionDenied } from './permissions.js';
import { COMMENT_BODY_LIMIT, truncateMarkdown } from './truncate.js';

/** The login GITHUB_TOKEN (an installation token of the GitHub Actions app) comments as. */
export const GITHUB_ACTIONS_BOT_LOGIN = 'github-actions[bot]';

export interface UpsertStickyCommentOptions {
  client: GitHubClient;
  owner: string;
  repo: string;
  /** Pull request or issue number. */
  issueNumber: number;
  /** Distinguishes several sticky comments on one PR (e.g. the gate name). */
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
  logger?: Logger;
}

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

/** The marker for a key. Anything outside `[A-Za-z0-9._:/-]` becomes `-`, and `-` runs collapse so `-->` cannot occur. */
export function stickyMarker(key: string): string {
  const safe = key
    .replace(/[^A-Za-z0-9._:/-]/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 100);
  return `<!-- modelgate:sticky:${safe || 'default'} -->`;
}

/** The full comment body: marker line, then the Markdown, cut to GitHub's limit with a notice. */
export function stickyCommentBody(key: string, body: string): { text: string; truncated: boolean } {
  const marker = stickyMarker(key);
  const cut = truncateMarkdown(body, COMMENT_BODY_LIMIT - marker.length - 1, COMMENT_BODY_LIMIT);
  return { text: `${marker}\n${cut.text}`, truncated: cut.truncated };
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
  const { client, owner, repo, issueNumber, logger } = options;
  const mode = options.mode ?? 'update';
  const skipUnchanged = options.skipUnchanged ?? true;
  const marker = stickyMarker(options.key);
  const { text: body, truncated } = stickyCommentBody(options.key, options.body);
  if (truncated) logger?.warning(`The comment for "${options.key}" is over GitHub's size limit and was truncated.`);
  const where = { owner, repo };
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
  const pages = client.paginate.iterator(client.rest.issues.listComments, {
    ...where,
    issue_number: issueNumber,
    per_page: 100,
  });
  for await (const page of pages) {
    const candidates = (page.data as Comment[]).filter((c) => c.body?.includes(marker));
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
    const updated = await client.rest.issues
      .updateComment({ ...where, comment_id: existing.id, body })
      .catch((error: unknown) =>
        rethrowIfPermissionDenied(error, 'pull-requests: write', `update the sticky comment on #${issueNumber}`),
      );
    return result('updated', updated.data as Comment);
  }

  // 2b. Create (then hide the previous one in `minimize-previous` mode).
  const created = (
    await client.rest.issues
      .createComment({ ...where, issue_number: issueNumber, body })
      .catch((error: unknown) =>
        rethrowIfPermissionDenied(error, 'pull-requests: write', `comment on #${issueNumber}`),
      )
  ).data as Comment;

  // 3. Race: another run may have created its comment between our search and our create.
  //    Every run keeps the oldest of ours newer than `existing`; the others delete their own.
  const survivor = await resolveDuplicates(options, created, existing, marker, body);
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
  created: Comment,
  previous: Comment | undefined,
  marker: string,
  body: string,
): Promise<Comment | undefined> {
  const { client, owner, repo, issueNumber, logger } = options;
  // The comment we just created tells us our login authoritatively.
  const me = created.user?.login ?? options.viewerLogin ?? GITHUB_ACTIONS_BOT_LOGIN;
  const all = (await client.paginate(client.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issueNumber,
    per_page: 100,
  })) as Comment[];
  const ours = all
    .filter((c) => c.body?.includes(marker) && sameLogin(c, me) && c.id > (previous?.id ?? 0))
    .sort((a, b) => a.id - b.id);
  const oldest = ours[0];
  if (!oldest || oldest.id === created.id || !ours.some((c) => c.id === created.id)) return undefined;

  logger?.info(`Another run created sticky comment ${oldest.id} concurrently; removing our duplicate ${created.id}.`);
  await client.rest.issues.deleteComment({ owner, repo, comment_id: created.id }).catch((error: unknown) => {
    // Already gone (a third run cleaning up) is fine.
    if (statusOf(error) !== 404) throw error;
  });
  if (sameBody(oldest.body, body)) return oldest;
  const updated = await client.rest.issues.updateComment({ owner, repo, comment_id: oldest.id, body });
  return updated.data as Comment;
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
