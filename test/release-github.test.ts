/**
 * `model-release` with `to: github`, end to end: the built bundle against the fake GitHub.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serializeArtifact } from '@modelgate/core';
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

  it('tag-prefix v: tags v1.0.0, then finds it to bump to v1.1.0; a bad prefix is one clear line', async () => {
    fake = await startFakeGitHub();
    const [owner, repo] = facts.repository.split('/') as [string, string];
    const metrics = (f1: number) =>
      serializeArtifact(
        'metrics',
        {
          task: 'binary',
          rows: 100,
          model: { path: 'model.onnx', sha256: createHash('sha256').update(MODEL).digest('hex') },
          data: { path: 'holdout.csv', sha256: 'c'.repeat(64), label: 'income' },
          metrics: { f1 },
          gates: [{ expr: 'f1 >= 0.5', metric: 'f1', actual: f1, threshold: 0.5, passed: true }],
          passed: true,
        },
        '0.1.0',
      );
    const files = { 'modelgate.yml': 'name: income\nmodel: model.onnx\n', 'model.onnx': MODEL, 'modelgate-out/metrics.json': metrics(0.7) };
    const first = await runActionBundle('model-release', { inputs: { to: 'github', 'github-token': 'fake-token', 'tag-prefix': 'v' }, files, event: push, apiUrl: fake.url });
    expect(first.exitCode, first.stdout).toBe(0);
    expect(first.outputs).toMatchObject({ version: '1.0.0', ref: `github:${owner}/${repo}@v1.0.0` });
    expect(fake.state.refsOf(owner, repo).get('refs/tags/v1.0.0')).toBe(facts.sha);

    const better = { ...files, 'modelgate-out/metrics.json': metrics(0.8) };
    const second = await runActionBundle('model-release', { inputs: { to: 'github', 'github-token': 'fake-token', 'tag-prefix': 'v' }, files: better, event: push, apiUrl: fake.url });
    expect(second.exitCode, second.stdout).toBe(0);
    expect(second.outputs).toMatchObject({ version: '1.1.0', bump: 'minor', ref: `github:${owner}/${repo}@v1.1.0` });
    expect(fake.violations).toEqual([]);

    const bad = await runActionBundle('model-release', { inputs: { to: 'github', 'github-token': 'fake-token', 'tag-prefix': 'release v' }, files, event: push, apiUrl: fake.url });
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toContain("::error::input 'tag-prefix': 'release v<version>' is not a valid git tag name");
  });
});
