/**
 * The read-only token case. A pull request from a fork (or a workflow with restricted
 * `permissions:`) gets a GITHUB_TOKEN that can read but not write; every write answers
 * 403 "Resource not accessible by integration". That is not a bug in the gate, so callers
 * turn it into one warning naming the missing permission and carry on (model-report), or
 * fail with that line (model-release).
 */
import { ModelgateError } from '@modelgate/core';

/** The `permissions:` entry a workflow needs for each kind of write this package does. */
export type RequiredPermission = 'pull-requests: write' | 'checks: write' | 'issues: write' | 'contents: write';

/**
 * Thrown by the publishing functions when the token may not write; always carries the permission
 * to add. The workflow's `permissions:` are the user's to fix, so `run()` prints it as one line.
 */
export class MissingPermissionError extends ModelgateError {
  override readonly name = 'MissingPermissionError';
  readonly exitCode = 1;
  constructor(
    readonly permission: RequiredPermission,
    /** What we tried, e.g. `create the sticky comment on #12`. */
    readonly operation: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(
      `The GitHub token may not ${operation} (HTTP ${status}: Resource not accessible by integration). ` +
        `Add \`permissions: ${permission}\` to the workflow job; pull requests from forks only get a read-only token.`,
      undefined,
      options,
    );
  }
}

interface HttpErrorLike {
  status?: unknown;
  message?: unknown;
  response?: { data?: unknown; headers?: Record<string, unknown> };
}

/**
 * True for the 403 GitHub sends when the token lacks a permission, as opposed to a rate
 * limit (also 403, but with `x-ratelimit-remaining: 0` or a "secondary rate limit" message).
 */
export function isPermissionDenied(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as HttpErrorLike;
  if (e.status !== 403) return false;
  const data = e.response?.data as { message?: unknown } | undefined;
  const message = `${typeof data?.message === 'string' ? data.message : ''} ${typeof e.message === 'string' ? e.message : ''}`;
  if (/rate limit/i.test(message) || e.response?.headers?.['x-ratelimit-remaining'] === '0') return false;
  return /Resource not accessible by (integration|personal access token)|Must have admin rights|not have permission/i.test(
    message,
  );
}

/** Rethrows a permission 403 as `MissingPermissionError`; anything else unchanged. */
export function rethrowIfPermissionDenied(error: unknown, permission: RequiredPermission, operation: string): never {
  if (isPermissionDenied(error)) {
    throw new MissingPermissionError(permission, operation, 403, { cause: error });
  }
  throw error;
}

export type WriteOutcome<T> = { ok: true; value: T } | { ok: false; missing: MissingPermissionError };

/**
 * Runs a publishing step and turns a missing permission into a result instead of a throw:
 * `const r = await tryWrite(() => upsertStickyComment(...)); if (!r.ok) logger.warning(r.missing.message);`
 * Every other error still throws.
 */
export async function tryWrite<T>(work: () => Promise<T>): Promise<WriteOutcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof MissingPermissionError) return { ok: false, missing: error };
    throw error;
  }
}

interface RepoRef {
  full_name?: unknown;
  id?: unknown;
}
interface PullRequestPayload {
  pull_request?: { head?: { repo?: RepoRef | null }; base?: { repo?: RepoRef | null } } | null;
}

/**
 * True when the event is about a pull request whose head lives in another repository (a
 * fork, or a fork that has since been deleted: `head.repo` is null). Such runs of
 * `pull_request` get a read-only token and no secrets. False for non-PR events.
 */
export function isForkPullRequest(payload: unknown): boolean {
  const pr = (payload as PullRequestPayload | null | undefined)?.pull_request;
  if (!pr || typeof pr !== 'object') return false;
  const head = pr.head?.repo;
  const base = pr.base?.repo;
  if (!head) return true;
  if (!base) return false;
  if (typeof head.id === 'number' && typeof base.id === 'number') return head.id !== base.id;
  return String(head.full_name).toLowerCase() !== String(base.full_name).toLowerCase();
}
