/** Shared setup for the tests of this package: a fake GitHub and a fast client pointed at it. */
import { MemoryLogger } from '@modelgate/core';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../../../test/github/fake-github.js';
import { createGitHubClient, type GitHubClient } from './client.js';

export const REPO = { owner: 'acme', repo: 'models' } as const;

export interface Harness {
  fake: FakeGitHub;
  logger: MemoryLogger;
  client: GitHubClient;
  /** Every rate-limit wait the clients asked for, in ms; none is actually waited. */
  waits: number[];
  /** A fresh client (new login cache), e.g. for a second concurrent run. */
  newClient(): GitHubClient;
}

export async function startHarness(options?: FakeGitHubOptions): Promise<Harness> {
  const fake = await startFakeGitHub(options);
  const logger = new MemoryLogger();
  const waits: number[] = [];
  const newClient = () =>
    createGitHubClient({
      token: 'fake-token',
      baseUrl: fake.url,
      logger,
      retryBaseDelayMs: 1,
      sleep: async (ms) => void waits.push(ms),
      spaceWrites: false,
    });
  return { fake, logger, client: newClient(), waits, newClient };
}

/** `operationId status` of every request, for asserting exact request sequences. */
export const requestLog = (fake: FakeGitHub) => fake.requests.map((r) => `${r.operationId} ${r.status}`);
