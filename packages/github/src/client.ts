/**
 * The one place an Octokit is built. Everything (token, API URL, logger) comes in as
 * parameters: this package does HTTP, but never reads `process.env` or `@actions/core`.
 *
 * Failure handling is split between two plugins, so each failure is retried exactly once
 * by exactly one of them:
 * - `@octokit/plugin-retry` retries 5xx and network errors with a quadratic backoff
 *   (1 s, 4 s, 9 s × `retryBaseDelayMs / 1000`). 429 is excluded there on purpose: its
 *   backoff ignores `Retry-After`.
 * - `@octokit/plugin-throttling` handles primary (403/429 with `x-ratelimit-remaining: 0`)
 *   and secondary rate limits (403/429 "secondary rate limit", with `Retry-After`). Our
 *   handlers log a warning, wait the whole time GitHub asks for and retry up to
 *   `rateLimitRetries` times. GitHub says not to retry before then ("may result in the
 *   banning of your integration"), so a wait over `maxRetryAfterMs` gives up instead of
 *   retrying early: a primary limit that resets in 40 minutes fails the step, it does not
 *   hang the job.
 * What still fails after that becomes a `GitHubApiError` (api-error.ts): one line for the user.
 */
// Not @actions/github: it parses GITHUB_EVENT_PATH when imported, so a broken payload would crash
// before modelgate's error handling runs. Octokit with the same plugins getOctokit uses instead.
import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { restEndpointMethods } from '@octokit/plugin-rest-endpoint-methods';
import type { Logger } from '@modelgate/core';
import { toGitHubApiError } from './api-error.js';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

const ModelgateOctokit = Octokit.plugin(restEndpointMethods, paginateRest, retry, throttling);
export type GitHubClient = InstanceType<typeof ModelgateOctokit>;

export interface GitHubClientOptions {
  token: string;
  /** REST base URL, e.g. `https://api.github.com` or `https://ghe.example.com/api/v3` (GITHUB_API_URL). */
  baseUrl: string;
  logger: Logger;
  userAgent?: string;
  /** Retries of 5xx / network errors. Default 3. */
  retries?: number;
  /** Base of the 5xx backoff (1×, 4×, 9× this divided by 1000). Default 1000; tests pass ~1. */
  retryBaseDelayMs?: number;
  /** Retries after a rate-limit response. Default 2. */
  rateLimitRetries?: number;
  /** The longest rate-limit wait honoured; when GitHub asks for longer, give up (never retry early). Default 120 000. */
  maxRetryAfterMs?: number;
  /** Waits before a rate-limit retry. Default a timer; tests pass one that records the wait and returns at once. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Space writes as GitHub recommends (≥1 s between mutating requests, 3 s between ones that
   * notify users). Default true. Tests turn it off to stay fast.
   */
  spaceWrites?: boolean;
  /** Passed to Octokit's `request.fetch` (tests, proxies). */
  fetch?: typeof fetch;
}

/** Implements just the slice of Bottleneck.Group that plugin-throttling calls: run immediately. */
const unthrottledGroup = {
  key: () => ({
    schedule: <T>(_options: unknown, task: (...args: unknown[]) => Promise<T>, ...args: unknown[]) => task(...args),
  }),
};

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const { logger } = options;
  const rateLimitRetries = options.rateLimitRetries ?? 2;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const baseUrl = options.baseUrl.replace(/\/+$/, '');

  const onLimit =
    (kind: 'primary' | 'secondary') =>
    async (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const what = `${request.method} ${request.url}`;
      const waitMs = retryAfter * 1000;
      if (retryCount >= rateLimitRetries) {
        logger.warning(`GitHub ${kind} rate limit hit for ${what}; giving up after ${retryCount} retries.`);
        return false;
      }
      if (waitMs > maxRetryAfterMs) {
        logger.warning(
          `GitHub ${kind} rate limit hit for ${what}; GitHub asks to wait ${retryAfter} s, ` +
            `longer than modelgate waits (${maxRetryAfterMs / 1000} s): giving up.`,
        );
        return false;
      }
      logger.warning(
        `GitHub ${kind} rate limit hit for ${what}; retrying in ${retryAfter} s ` +
          `(retry ${retryCount + 1} of ${rateLimitRetries}).`,
      );
      await sleep(waitMs);
      return true;
    };

  const spacing = options.spaceWrites === false ? { write: unthrottledGroup, notifications: unthrottledGroup } : {};
  const client = new ModelgateOctokit({
      auth: options.token,
      baseUrl,
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
      log: {
        debug: (message: string) => logger.debug(message),
        info: (message: string) => logger.debug(message),
        warn: (message: string) => logger.warning(message),
        error: (message: string) => logger.debug(message),
      },
      ...(options.fetch ? { request: { fetch: options.fetch } } : {}),
      retry: {
        retries: options.retries ?? 3,
        retryAfterBaseValue: options.retryBaseDelayMs ?? 1000,
        // 429 belongs to the throttling plugin (it honours Retry-After).
        doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
      },
      throttle: {
        // Our handlers do the waiting; the plugin itself then waits 0 ms.
        retryAfterBaseValue: 0,
        // Throttling groups are process-wide and keyed by id: all our clients share one write queue.
        id: 'modelgate',
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
        ...(spacing as object),
      },
    });
  // Registered after the plugins' hooks, so it wraps them: it sees what is left after every retry.
  client.hook.error('request', (error) => {
    throw toGitHubApiError(error, baseUrl);
  });
  return client;
}
