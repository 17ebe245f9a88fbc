/**
 * `model-release` with `to: github` when GitHub fails: what GitHub answers is the user's to act
 * on (a permission, a repository the token cannot see, an outage), never "a bug in modelgate".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from './github/fake-github.js';
import { visibleLines } from './harness/file-commands.js';
import { REPO_ROOT, runActionBundle } from './harness/run-action.js';
import { runnerFacts, webhookPayload } from './harness/payloads.js';

const MODEL = readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_mlp.onnx'));
const push = { name: 'push' as const, payload: webhookPayload('push') };
const { repository } = runnerFacts('push', push.payload);
const files = { 'modelgate.yml': 'name: income\nmodel: model.onnx\n', 'model.onnx': MODEL };

let fake: FakeGitHub | undefined;
afterEach(async () => {
  await fake?.close();
});

async function release(options?: FakeGitHubOptions, setUp?: (fake: FakeGitHub) => void) {
  fake = await startFakeGitHub(options);
  setUp?.(fake);
  const run = await runActionBundle('model-release', { inputs: { to: 'github', 'github-token': 'fake-token' }, files, event: push, apiUrl: fake.url });
  const errors = visibleLines(run.stdout).filter((line) => line.startsWith('::error'));
  return { run, errors };
}

describe('model-release to: github when GitHub fails', () => {
  it('a read-only token: the permission to add, in one line', async () => {
    const { run, errors } = await release({ permissions: { contents: 'read' } });
    expect(run.exitCode).toBe(1);
    expect(errors).toEqual([
      '::error::The GitHub token may not create the release income/v1.0.0 (HTTP 403: Resource not accessible by integration). Add `permissions: contents: write` to the workflow job; pull requests from forks only get a read-only token.',
    ]);
  });

  it('a repository the token cannot see: what GitHub answered and what to check', async () => {
    const { run, errors } = await release({}, (fake) => fake.injectFault({ times: 100, kind: { type: 'api-error', status: 404, message: 'Not Found' } }));
    expect(run.exitCode).toBe(1);
    expect(errors).toEqual([
      `::error::GitHub API GET /repos/${repository}/releases failed: HTTP 404 Not Found; repository ${repository} (or what the request names in it) does not exist or is not visible to this token`,
    ]);
  });

  it('GitHub unavailable after the retries: rerun, not a bug report', async () => {
    const { run, errors } = await release({}, (fake) => fake.injectFault({ match: { operationId: 'repos/create-release' }, times: 4, kind: { type: 'server-error', status: 503 } }));
    expect(run.exitCode).toBe(1);
    expect(errors).toEqual([
      `::error::GitHub API POST /repos/${repository}/releases failed: HTTP 503 Service Unavailable; GitHub is unavailable (it kept failing after retries): rerun the job later`,
    ]);
    expect(run.stdout).not.toContain('This is a bug');
  }, 60_000);
});
