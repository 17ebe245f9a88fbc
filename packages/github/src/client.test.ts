import { MemoryLogger } from '@modelgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from './client.js';
import { isForkPullRequest, isPermissionDenied } from './permissions.js';
import { REPO, requestLog, startHarness, type Harness } from './test-helpers.js';

let h: Harness;
afterEach(async () => {
  await h?.fake.close();
});

const warnings = () => h.logger.lines.filter((l) => l.level === 'warning').map((l) => l.message);

describe('createGitHubClient', () => {
  it('retries a secondary rate limit (403 + Retry-After) with a warning', async () => {
    h = await startHarness();
    h.fake.injectFault({ match: { operationId: 'repos/get' }, kind: { type: 'secondary-rate-limit', retryAfter: 60 } });
    const started = Date.now();
    expect((await h.client.rest.repos.get(REPO)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(requestLog(h.fake)).toEqual(['repos/get 403', 'repos/get 200']);
    expect(warnings()).toEqual([expect.stringMatching(/secondary rate limit .* retrying in 1 s \(retry 1 of 2\)/)]);
  });

  it('retries a primary rate limit that resets soon, gives up on one that resets much later', async () => {
    h = await startHarness();
    h.fake.injectFault({ kind: { type: 'primary-rate-limit', resetInSeconds: 30 } });
    expect((await h.client.rest.repos.get(REPO)).status).toBe(200);
    h.fake.injectFault({ kind: { type: 'primary-rate-limit', resetInSeconds: 3600 } });
    await expect(h.client.rest.repos.get(REPO)).rejects.toMatchObject({ status: 403 });
    expect(requestLog(h.fake)).toEqual(['repos/get 403', 'repos/get 200', 'repos/get 403']);
    expect(warnings()).toEqual([
      expect.stringMatching(/primary rate limit .* retrying in 1 s/),
      expect.stringMatching(/primary rate limit .* too long to wait, giving up/),
    ]);
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
