import { describeFailure, MemoryLogger } from '@modelgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { GitHubApiError, toGitHubApiError } from './api-error.js';
import { createGitHubClient } from './client.js';
import { isForkPullRequest, isPermissionDenied } from './permissions.js';
import { REPO, requestLog, startHarness, type Harness } from './test-helpers.js';

let h: Harness;
afterEach(async () => {
  await h?.fake.close();
});

const warnings = () => h.logger.lines.filter((l) => l.level === 'warning').map((l) => l.message);

describe('createGitHubClient', () => {
  it('retries a secondary rate limit (403 + Retry-After) with a warning, after the whole Retry-After', async () => {
    h = await startHarness();
    h.fake.injectFault({ match: { operationId: 'repos/get' }, kind: { type: 'secondary-rate-limit', retryAfter: 60 } });
    expect((await h.client.rest.repos.get(REPO)).status).toBe(200);
    expect(h.waits).toEqual([60_000]);
    expect(requestLog(h.fake)).toEqual(['repos/get 403', 'repos/get 200']);
    expect(warnings()).toEqual([expect.stringMatching(/secondary rate limit .* retrying in 60 s \(retry 1 of 2\)/)]);
  });

  it('retries a primary rate limit after its reset, gives up on one that resets much later', async () => {
    h = await startHarness();
    h.fake.injectFault({ kind: { type: 'primary-rate-limit', resetInSeconds: 30 } });
    expect((await h.client.rest.repos.get(REPO)).status).toBe(200);
    // GitHub: wait until x-ratelimit-reset (30 s away, in whole seconds) before retrying.
    expect(h.waits).toHaveLength(1);
    expect(h.waits[0]).toBeGreaterThanOrEqual(30_000);
    expect(h.waits[0]).toBeLessThanOrEqual(32_000);
    h.fake.injectFault({ kind: { type: 'primary-rate-limit', resetInSeconds: 3600 } });
    const error = await h.client.rest.repos.get(REPO).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect(error).toMatchObject({ status: 403 });
    expect((error as Error).message).toMatch(
      /^GitHub API GET \/repos\/acme\/models failed: HTTP 403 API rate limit exceeded for installation ID 1; GitHub's rate limit allows the next request in 3[56]\d\d s: rerun the job after that$/,
    );
    expect(h.waits).toHaveLength(1);
    expect(requestLog(h.fake)).toEqual(['repos/get 403', 'repos/get 200', 'repos/get 403']);
    expect(warnings()).toEqual([
      expect.stringMatching(/primary rate limit .* retrying in 3\d s/),
      expect.stringMatching(/primary rate limit .* GitHub asks to wait 3[56]\d\d s, longer than modelgate waits \(120 s\): giving up/),
    ]);
  });

  it('never retries before Retry-After: a wait longer than maxRetryAfterMs gives up instead of being shortened', async () => {
    h = await startHarness();
    h.fake.injectFault({ match: { operationId: 'repos/get' }, kind: { type: 'secondary-rate-limit', retryAfter: 300 } });
    const error = await h.client.rest.repos.get(REPO).catch((e: unknown) => e);
    expect(h.waits).toEqual([]);
    expect(requestLog(h.fake)).toEqual(['repos/get 403']);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect((error as Error).message).toBe(
      'GitHub API GET /repos/acme/models failed: HTTP 403 You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
        "If you reach out to GitHub Support for help, please include the request ID FAKE:000001; GitHub's rate limit allows the next request in 300 s: rerun the job after that",
    );
    expect(warnings()).toEqual([expect.stringMatching(/GitHub asks to wait 300 s, longer than modelgate waits \(120 s\): giving up\.$/)]);
  });

  it('stops after the configured number of rate-limit retries', async () => {
    h = await startHarness();
    h.fake.injectFault({ times: 5, kind: { type: 'rate-limit-429', retryAfter: 1 } });
    await expect(h.client.rest.repos.get(REPO)).rejects.toMatchObject({ status: 429 });
    expect(requestLog(h.fake)).toEqual(['repos/get 429', 'repos/get 429', 'repos/get 429']);
  });

  it('retries 5xx (HTML bodies included) up to `retries` times, then fails', async () => {
    h = await startHarness();
    h.fake.injectFault({ times: 2, kind: { type: 'server-error', status: 503 } });
    expect((await h.client.rest.repos.get(REPO)).status).toBe(200);
    const client = createGitHubClient({
      token: 't', baseUrl: `${h.fake.url}/`, logger: new MemoryLogger(), retries: 1, retryBaseDelayMs: 1, spaceWrites: false,
    });
    h.fake.requests.length = 0;
    h.fake.injectFault({ times: 2, kind: { type: 'server-error', status: 500 } });
    await expect(client.rest.repos.get(REPO)).rejects.toMatchObject({ status: 500 });
    expect(requestLog(h.fake)).toEqual(['repos/get 500', 'repos/get 500']);
  });

  it('does not retry 4xx and sends the given user agent', async () => {
    h = await startHarness();
    const client = createGitHubClient({
      token: 't', baseUrl: h.fake.url, logger: h.logger, userAgent: 'modelgate/0.1.0', spaceWrites: false,
    });
    await expect(client.rest.pulls.get({ ...REPO, pull_number: 404 })).rejects.toMatchObject({ status: 404 });
    expect(h.fake.requests).toHaveLength(1);
    expect(String(h.fake.requests[0]!.headers['user-agent'])).toMatch(/^modelgate\/0\.1\.0/);
    expect(h.fake.violations).toEqual([]);
  });
});

describe('GitHubApiError', () => {
  const line = (error: unknown) => describeFailure(error, false).message;

  it('is what a request that still fails after retries throws: one line, no "internal error"', async () => {
    h = await startHarness();
    await expect(h.client.rest.pulls.get({ ...REPO, pull_number: 404 })).rejects.toSatisfy((error: unknown) => {
      expect(error).toBeInstanceOf(GitHubApiError);
      expect(error).toMatchObject({ status: 404, method: 'GET', path: '/repos/acme/models/pulls/404' });
      expect(line(error)).toBe(
        'GitHub API GET /repos/acme/models/pulls/404 failed: HTTP 404 Not Found; pull request #404 of acme/models does not exist or is not visible to this token',
      );
      return true;
    });

    // GitHub's edge answers 502 with an HTML page: only its status text is shown.
    h.fake.injectFault({ times: 4, kind: { type: 'server-error', status: 502 } });
    const gateway = await h.client.rest.issues.listComments({ ...REPO, issue_number: 7 }).catch((e: unknown) => e);
    expect(line(gateway)).toBe(
      'GitHub API GET /repos/acme/models/issues/7/comments failed: HTTP 502 Bad Gateway; GitHub is unavailable (it kept failing after retries): rerun the job later',
    );

    h.fake.injectFault({ times: 4, kind: { type: 'drop-connection' } });
    const dropped = await h.client.rest.issues.createComment({ ...REPO, issue_number: 7, body: 'x' }).catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(GitHubApiError);
    expect(line(dropped)).toMatch(
      /^GitHub API POST \/repos\/acme\/models\/issues\/7\/comments failed: no answer \([^)]+\); GitHub could not be reached, also after retries: rerun the job later$/,
    );
    expect(h.fake.requestsFor('issues/create-comment')).toHaveLength(4);
  });

  it("keeps GitHub's message for a 422, and its status and response for callers", async () => {
    h = await startHarness();
    const sha = 'a'.repeat(40);
    await h.client.rest.git.createRef({ ...REPO, ref: 'refs/tags/v1', sha });
    const error = await h.client.rest.git.createRef({ ...REPO, ref: 'refs/tags/v1', sha }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 422, response: { data: { message: 'Reference already exists' } } });
    expect(line(error)).toBe('GitHub API POST /repos/acme/models/git/refs failed: HTTP 422 Reference already exists');
    const invalid = await h.client.rest.repos
      .createRelease({ ...REPO, tag_name: 'v1', draft: false })
      .then(() => h.client.rest.repos.createRelease({ ...REPO, tag_name: 'v1', draft: false }))
      .catch((e: unknown) => e);
    expect(line(invalid)).toBe('GitHub API POST /repos/acme/models/releases failed: HTTP 422 Validation Failed (Release.tag_name already_exists)');
  });

  it('names the path below the API URL of GitHub Enterprise Server, without the query', () => {
    const requestError = Object.assign(new Error('Not Found'), {
      status: 404,
      request: { method: 'GET', url: 'https://ghe.example.com/api/v3/repos/o/r/commits/abc123/comments?per_page=100' },
      response: { status: 404, url: '', headers: {}, data: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } },
    });
    expect((toGitHubApiError(requestError, 'https://ghe.example.com/api/v3') as Error).message).toBe(
      'GitHub API GET /repos/o/r/commits/abc123/comments failed: HTTP 404 Not Found; commit abc123 of o/r does not exist or is not visible to this token',
    );
    const bug = new TypeError('x is undefined');
    expect(toGitHubApiError(bug, 'https://api.github.com')).toBe(bug);
  });
});

describe('permissions helpers', () => {
  it('tells permission 403s from rate-limit 403s', () => {
    const err = (message: string, headers: Record<string, string> = {}) => ({
      status: 403,
      message,
      response: { data: { message }, headers },
    });
    expect(isPermissionDenied(err('Resource not accessible by integration'))).toBe(true);
    expect(isPermissionDenied(err('You have exceeded a secondary rate limit'))).toBe(false);
    expect(isPermissionDenied(err('Resource not accessible by integration', { 'x-ratelimit-remaining': '0' }))).toBe(false);
    expect(isPermissionDenied({ status: 404, message: 'Not Found' })).toBe(false);
    expect(isPermissionDenied(new Error('boom'))).toBe(false);
  });

  it('detects pull requests from forks', () => {
    const pr = (head: unknown, base: unknown) => ({ pull_request: { head: { repo: head }, base: { repo: base } } });
    expect(isForkPullRequest(pr({ id: 2, full_name: 'eve/models' }, { id: 1, full_name: 'acme/models' }))).toBe(true);
    expect(isForkPullRequest(pr({ id: 1, full_name: 'acme/models' }, { id: 1, full_name: 'acme/models' }))).toBe(false);
    expect(isForkPullRequest(pr({ full_name: 'Acme/Models' }, { full_name: 'acme/models' }))).toBe(false);
    expect(isForkPullRequest(pr(null, { id: 1, full_name: 'acme/models' }))).toBe(true); // fork deleted
    expect(isForkPullRequest({ ref: 'refs/heads/main' })).toBe(false);
    expect(isForkPullRequest(undefined)).toBe(false);
  });
});
