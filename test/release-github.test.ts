/**
 * `model-release` with `to: github`, end to end: the built bundle against the fake GitHub.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from './github/fake-github.js';
import { REPO_ROOT, runActionBundle } from './harness/run-action.js';
import { runnerFacts, webhookPayload } from './harness/payloads.js';

const MODEL = readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_mlp.onnx'));
const push = { name: 'push' as const, payload: webhookPayload('push') };
const facts = runnerFacts('push', push.payload);

let fake: FakeGitHub | undefined;
afterEach(async () => {
  await fake?.close();
});

describe('model-release to: github', () => {
  it('publishes <name>/v1.0.0 as a GitHub Release, and a rerun is a no-op', async () => {
    fake = await startFakeGitHub();
    const [owner, repo] = facts.repository.split('/') as [string, string];
    const files = { 'modelgate.yml': 'name: income\nmodel: model.onnx\n', 'model.onnx': MODEL, 'modelgate-out/model-card.md': '# income\n\nPredicts income.\n' };
    const run = () => runActionBundle('model-release', { inputs: { to: 'github', 'github-token': 'fake-token' }, files, event: push, apiUrl: fake!.url });
    const first = await run();
    expect(first.exitCode, first.stdout).toBe(0);
    expect(first.outputs).toMatchObject({ version: '1.0.0', unchanged: 'false', ref: `github:${owner}/${repo}@income/v1.0.0` });
    const release = fake.state.getReleaseByTag(owner, repo, 'income/v1.0.0');
    expect(release.assets.map((a) => a.name).sort()).toEqual(['lineage.json', 'manifest.json', 'model-card.md', 'model.onnx']);
    expect(release.body).toContain('Predicts income.');
    expect(fake.state.refsOf(owner, repo).get('refs/tags/income/v1.0.0')).toBe(facts.sha);

    fake.requests.length = 0;
    const again = await run();
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.outputs).toMatchObject({ version: '1.0.0', unchanged: 'true' });
    expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(fake.violations).toEqual([]);
  });
});
