/**
 * A failed GitHub API request, as the user sees it. GitHub answering 404, 422 or 503 (or not
 * answering) is not a bug in modelgate, so this is a user-facing error that `run()` prints as
 * one line: `GitHub API <METHOD> <path> failed: HTTP <status> <reason>; <what to do>`.
 *
 * It is made in one place, the client's error hook (client.ts), after Octokit's own retries
 * are used up. It keeps `status` and `response` of Octokit's RequestError, so callers still
 * tell cases apart by them (a 404 meaning "none yet", a 422 `already_exists`).
 */
import { STATUS_CODES } from 'node:http';
import { ModelgateError, oneLine } from '@modelgate/core';

/** What a RequestError carries of GitHub's answer; absent when no answer came (network error). */
export interface GitHubResponse {
  status: number;
  url: string;
  headers: Record<string, string | undefined>;
  data: unknown;
}

export class GitHubApiError extends ModelgateError {
  override readonly name = 'GitHubApiError';
  readonly exitCode = 1;

  constructor(
    message: string,
    readonly method: string,
    /** Path of the request below the API URL, without its query (`/repos/o/r/issues/1/comments`). */
    readonly path: string,
    /** Octokit's status: GitHub's HTTP status, or 500 when no answer came. */
    readonly status: number,
    readonly response: GitHubResponse | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, undefined, options);
  }
}

interface RequestErrorLike {
  status: number;
  message: string;
  request: { method: string; url: string };
  response?: GitHubResponse;
}

function isRequestError(error: unknown): error is RequestErrorLike {
  const e = error as Partial<RequestErrorLike> | null | undefined;
  return typeof e?.status === 'number' && typeof e.request?.method === 'string' && typeof e.request.url === 'string';
}

/**
 * `error` as a GitHubApiError when it is a failed request (an Octokit RequestError, which is
 * also what a network failure becomes); anything else, a bug included, is returned unchanged.
 */
export function toGitHubApiError(error: unknown, baseUrl: string): unknown {
  if (error instanceof GitHubApiError || !isRequestError(error)) return error;
  const method = error.request.method.toUpperCase();
  const path = requestPath(error.request.url, baseUrl);
  const { response } = error;
  const what = response
    ? `HTTP ${response.status} ${reasonOf(response)}`
    : `no answer (${withoutPeriod(oneLine(error.message)) || 'network error'})`;
  const hint = hintFor(response, path);
  const message = `GitHub API ${method} ${path} failed: ${what}${hint ? `; ${hint}` : ''}`;
  return new GitHubApiError(message, method, path, error.status, response, { cause: error });
}

const withoutPeriod = (text: string) => text.replace(/[.\s]+$/, '');
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The request's path below the API URL (so `/api/v3` of GitHub Enterprise Server is not repeated), without the query. */
function requestPath(url: string, baseUrl: string): string {
  try {
    const target = new URL(url);
    const base = new URL(baseUrl);
    const prefix = base.pathname.replace(/\/+$/, '');
    const inBase = target.origin === base.origin && prefix !== '' && target.pathname.startsWith(`${prefix}/`);
    return inBase ? target.pathname.slice(prefix.length) : target.pathname;
  } catch {
    return url.replace(/[?#].*$/, '');
  }
}

/**
 * GitHub's own message for a JSON error (with a 422's field errors), else the status text:
 * 502 and 503 come from GitHub's edge as an HTML page, which says nothing more.
 */
function reasonOf(response: GitHubResponse): string {
  const statusText = STATUS_CODES[response.status] ?? 'error';
  const data = response.data as { message?: unknown; errors?: unknown } | string | null | undefined;
  if (data && typeof data === 'object' && typeof data.message === 'string' && data.message.trim()) {
    const details = Array.isArray(data.errors) ? data.errors.map(fieldError).filter((text) => text !== '') : [];
    const message = withoutPeriod(oneLine(data.message));
    return clip(details.length > 0 ? `${message} (${details.join('; ')})` : message, 300);
  }
  if (typeof data === 'string' && data.trim() && !/<[a-z!/]/i.test(data)) return clip(withoutPeriod(oneLine(data)), 200);
  return statusText;
}

/** One entry of a 422's `errors`: a string, `{ message }`, or `{ resource, field, code }`. */
function fieldError(entry: unknown): string {
  if (typeof entry === 'string') return withoutPeriod(oneLine(entry));
  if (!entry || typeof entry !== 'object') return '';
  const { message, resource, field, code } = entry as Record<string, unknown>;
  if (typeof message === 'string' && message.trim()) return withoutPeriod(oneLine(message));
  const subject = [resource, field].filter((part) => typeof part === 'string' && part).join('.');
  return [subject, typeof code === 'string' ? code : ''].filter(Boolean).join(' ');
}

/** A rate-limit answer, with the seconds until GitHub accepts requests again when it says. */
function rateLimitOf(response: GitHubResponse, now = Date.now()): { waitSeconds: number | undefined } | undefined {
  if (response.status !== 403 && response.status !== 429) return undefined;
  const retryAfter = Number(response.headers['retry-after']);
  if (response.headers['retry-after'] !== undefined && Number.isFinite(retryAfter)) return { waitSeconds: Math.max(retryAfter, 0) };
  if (response.headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(response.headers['x-ratelimit-reset']);
    return { waitSeconds: Number.isFinite(reset) ? Math.max(Math.ceil(reset - now / 1000), 0) : undefined };
  }
  const message = (response.data as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /rate limit/i.test(message) ? { waitSeconds: undefined } : undefined;
}

/** What to do about it, by kind of failure. */
function hintFor(response: GitHubResponse | undefined, path: string): string | undefined {
  if (!response) return 'GitHub could not be reached, also after retries: rerun the job later';
  const { status } = response;
  const limit = rateLimitOf(response);
  if (limit) {
    return limit.waitSeconds === undefined
      ? "GitHub's rate limit was hit: rerun the job later"
      : `GitHub's rate limit allows the next request in ${limit.waitSeconds} s: rerun the job after that`;
  }
  if (status === 401) return 'the token is invalid or has expired';
  if (status === 403) return "the token lacks a permission this request needs: check the job's `permissions:`";
  if (status === 404) return `${subjectOf(path)} does not exist or is not visible to this token`;
  if (status >= 500) return 'GitHub is unavailable (it kept failing after retries): rerun the job later';
  return undefined;
}

/** What a 404 is about, from the request path: the pull request, the commit, else the repository. */
function subjectOf(path: string): string {
  const repo = /^\/repos\/([^/]+)\/([^/]+)(?:\/(issues|pulls|commits)\/([^/]+))?/.exec(path);
  if (!repo) return 'what the request names';
  const [, owner, name, kind, id] = repo;
  if ((kind === 'issues' || kind === 'pulls') && /^\d+$/.test(id ?? '')) return `pull request #${id} of ${owner}/${name}`;
  if (kind === 'commits' && id) return `commit ${id} of ${owner}/${name}`;
  return `repository ${owner}/${name} (or what the request names in it)`;
}
