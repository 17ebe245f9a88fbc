/**
 * `baseline: cache` through the bundle against the fake Actions cache service: a push to the
 * default branch saves the champion's metrics, a later PR run restores them for baseline gates,
 * and a miss is a warning, not a failure.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArtifact } from '@modelgate/core';
import { fakeRuntimeToken, READ, startFakeCache, WRITE, type FakeCache } from './cache/fake-cache.js';
import { visibleLines } from './harness/file-commands.js';
import { webhookPayload } from './harness/payloads.js';
import { REPO_ROOT, runActionBundle } from './harness/run-action.js';

const files = {
  'model.onnx': readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_mlp.onnx')),
  'holdout.csv': readFileSync(join(REPO_ROOT, 'fixtures/income/holdout.csv')),
  'modelgate.yml': "name: income\nmodel: model.onnx\ndata: { holdout: holdout.csv, label: income, positive: '>50K' }\nbaseline: cache\ngates:\n  - f1 >= baseline.f1 - 0.01\n",
};

describe('model-eval baseline: cache', () => {
  let fake: FakeCache;
  // The cache version hashes the cached path, so runs share RUNNER_TEMP as on hosted runners.
  const runnerTemp = mkdtempSync(join(tmpdir(), 'modelgate-runner-temp-'));
  const push = webhookPayload('push');
  const branch = (push['repository'] as { default_branch: string }).default_branch;
  push['ref'] = `refs/heads/${branch}`;
  const pr = webhookPayload('pull_request', 'opened');
  const env = (scopes: { scope: string; permission: number }[]) => ({
    ...Object.fromEntries(Object.entries(fake.env({ service: 'v2', token: fakeRuntimeToken(scopes) })).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    RUNNER_TEMP: runnerTemp,
  });
  beforeAll(async () => {
    fake = await startFakeCache();
  });
  afterAll(async () => fake.close());

  it('a PR without a saved champion skips baseline gates with a warning', async () => {
    const run = await runActionBundle('model-eval', { files, event: { name: 'pull_request', payload: pr }, env: env([{ scope: 'refs/pull/2/merge', permission: READ | WRITE }, { scope: `refs/heads/${branch}`, permission: READ }]) });
    expect(run.exitCode).toBe(0);
    expect(visibleLines(run.stdout).filter((line) => line.startsWith('::warning'))).toEqual([
      "::warning::no cached baseline metrics for 'income' (first run on the default branch?); baseline gates are skipped",
    ]);
    const metrics = parseArtifact('metrics', readFileSync(join(run.workspace, 'modelgate-out/metrics.json'), 'utf8'), 'metrics.json');
    expect(metrics.gates[0]).toMatchObject({ passed: true, skipped: 'no baseline metrics available' });
  });

  it('a push to the default branch saves the champion; a PR then gates against it', async () => {
    const main = await runActionBundle('model-eval', { files, event: { name: 'push', payload: push }, env: env([{ scope: `refs/heads/${branch}`, permission: READ | WRITE }]) });
    expect(main.exitCode).toBe(0);
    expect(main.stdout).toContain("saved these metrics as the baseline for 'income'");
    expect(fake.entries.filter((entry) => entry.finalized).map((entry) => entry.key)).toEqual([expect.stringMatching(/^modelgate-baseline-income-[0-9a-f]{40}$/)]);
    const champion = parseArtifact('metrics', readFileSync(join(main.workspace, 'modelgate-out/metrics.json'), 'utf8'), 'main');

    const run = await runActionBundle('model-eval', { files, event: { name: 'pull_request', payload: pr }, env: env([{ scope: 'refs/pull/2/merge', permission: READ | WRITE }, { scope: `refs/heads/${branch}`, permission: READ }]) });
    expect(run.exitCode).toBe(0);
    const metrics = parseArtifact('metrics', readFileSync(join(run.workspace, 'modelgate-out/metrics.json'), 'utf8'), 'metrics.json');
    expect(metrics.baseline?.source).toMatch(/^cache:modelgate-baseline-income-/);
    expect(metrics.gates[0]).toEqual({ expr: 'f1 >= baseline.f1 - 0.01', metric: 'f1', actual: metrics.metrics['f1'], threshold: champion.metrics['f1']! - 0.01, passed: true });
  });
});
