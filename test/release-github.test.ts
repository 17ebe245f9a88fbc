/**
 * `model-release` with `to: github`, end to end: the built bundle against the fake GitHub.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ARTIFACTS, serializeArtifact } from '@modelgate/core';
import { renderModelCard } from '@modelgate/report';
import { startFakeGitHub, type FakeGitHub } from './github/fake-github.js';
import { REPO_ROOT, runActionBundle } from './harness/run-action.js';
import { runnerFacts, webhookPayload } from './harness/payloads.js';

const MODEL = readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_mlp.onnx'));
const push = { name: 'push' as const, payload: webhookPayload('push') };
const facts = runnerFacts('push', push.payload);

/** A schema.json whose `job` column allows `values`, plus optional float columns `extra`. */
function schema(values: string[], extra: string[] = []): string {
  return serializeArtifact(
    'schema',
    {
      source: { files: [{ path: 'data/train.csv', sha256: 'b'.repeat(64), bytes: 1 }], rows: 10 },
      label: 'income',
      columns: [
        { name: 'job', type: 'string' as const, presence: { min_fraction: 1 }, values },
        ...extra.map((name) => ({ name, type: 'float' as const, presence: { min_fraction: 0.5 } })),
        { name: 'income', type: 'string' as const, presence: { min_fraction: 1 }, values: ['<=50K', '>50K'], environments: { not_in: ['SERVING'] } },
      ],
    },
    '0.1.0',
  );
}

/** Markdown outside code spans: what GitHub interprets (mentions, references, HTML, comments). */
const outsideCode = (md: string) => md.replace(/(`+)[\s\S]*?\1/g, 'CODE');

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
    expect(release.body).toContain('Predicts income\\.');
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
    // The single-model prefix: its releases are the repository's, and take "Latest".
    expect(fake.state.latestRelease(owner, repo)?.tag_name).toBe('v1.0.0');

    const better = { ...files, 'modelgate-out/metrics.json': metrics(0.8) };
    const second = await runActionBundle('model-release', { inputs: { to: 'github', 'github-token': 'fake-token', 'tag-prefix': 'v' }, files: better, event: push, apiUrl: fake.url });
    expect(second.exitCode, second.stdout).toBe(0);
    expect(second.outputs).toMatchObject({ version: '1.1.0', bump: 'minor', ref: `github:${owner}/${repo}@v1.1.0` });
    expect(fake.state.latestRelease(owner, repo)?.tag_name).toBe('v1.1.0');
    expect(fake.violations).toEqual([]);

    const bad = await runActionBundle('model-release', { inputs: { to: 'github', 'github-token': 'fake-token', 'tag-prefix': 'release v' }, files, event: push, apiUrl: fake.url });
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toContain("::error::input 'tag-prefix': 'release v<version>' is not a valid git tag name");
  });

  const base = { 'modelgate.yml': 'name: income\nmodel: model.onnx\nschema: schema.json\n', 'model.onnx': MODEL };
  const release = (inputs: Record<string, string>, files: Record<string, string | Uint8Array>, env: Record<string, string> = {}) =>
    runActionBundle('model-release', { inputs: { to: 'github', 'github-token': 'fake-token', ...inputs }, files: { ...base, ...files }, event: push, apiUrl: fake!.url, env });

  it('escapes schema strings in the release notes and quotes the overview of a card renderModelCard wrote', async () => {
    fake = await startFakeGitHub();
    const [owner, repo] = facts.repository.split('/') as [string, string];
    const first = await release({}, { 'schema.json': schema(['a']) });
    expect(first.exitCode, first.stdout).toBe(0);
    // The card as model-report renders it: front matter, title, boilerplate, then the overview from modelgate.yml.
    const metrics = ARTIFACTS.metrics.parse(JSON.parse(readFileSync(join(REPO_ROOT, 'fixtures/report/binary-head.json'), 'utf8')));
    const card = renderModelCard({ name: 'income', metrics, card: { overview: 'Predicts whether income > 50K; ask @octocat.\n\nSecond paragraph.', license: 'mit' } });
    const second = await release({}, { 'schema.json': schema(['a', '@octocat', '#1'], ['<!-- hidden']), 'modelgate-out/model-card.md': card });
    expect(second.exitCode, second.stdout).toBe(0);
    const body = fake.state.getReleaseByTag(owner, repo, 'income/v1.0.1').body!;
    expect(body).toContain("domain widened: '\\#1', '@\u2060octocat' allowed; column '&lt;\\!\\-\\- hidden' added");
    expect(body).toContain('## income 1\\.0\\.1\n\nPredicts whether income &gt; 50K; ask @\u2060octocat\\.\n\n**Version bump:**');
    expect(body).not.toMatch(/library_name|^---$|Model details|Sections follow|Second paragraph/m);
    expect(outsideCode(body)).not.toMatch(/<!--|@octocat|(^|[^\\])#1/);
    expect(fake.violations).toEqual([]);
  });

  it('publishes an explicit prerelease version as a GitHub prerelease, which never takes "Latest"', async () => {
    fake = await startFakeGitHub();
    const [owner, repo] = facts.repository.split('/') as [string, string];
    const run = await release({ version: '2.0.0-rc.1', 'tag-prefix': 'v' }, { 'schema.json': schema(['a']) });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(fake.state.getReleaseByTag(owner, repo, 'v2.0.0-rc.1')).toMatchObject({ prerelease: true, draft: false });
    expect(fake.requestsFor('repos/create-release')[0]!.body).toMatchObject({ draft: true, prerelease: true });
    expect(fake.requestsFor('repos/update-release').at(-1)!.body).toMatchObject({ draft: false, make_latest: 'false' });
    expect(fake.state.latestRelease(owner, repo)).toBeUndefined();
    expect(fake.violations).toEqual([]);
  });

  it('under <name>/v, leaves "Latest" to the repository\'s other releases', async () => {
    fake = await startFakeGitHub();
    const [owner, repo] = facts.repository.split('/') as [string, string];
    // The repository's own software release, published earlier: GitHub made it "Latest".
    const software = await fetch(`${fake.url}/repos/${owner}/${repo}/releases`, {
      method: 'POST',
      headers: { authorization: 'Bearer fake-token', 'content-type': 'application/json' },
      body: JSON.stringify({ tag_name: 'v3.0.0', target_commitish: facts.sha }),
    });
    expect(software.status).toBe(201);
    const run = await release({}, { 'schema.json': schema(['a']) });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(fake.requestsFor('repos/update-release').at(-1)!.body).toMatchObject({ tag_name: 'income/v1.0.0', draft: false, make_latest: 'false' });
    expect(fake.state.latestRelease(owner, repo)?.tag_name).toBe('v3.0.0');
    expect(fake.violations).toEqual([]);
  });

  it('recovers from the tag and draft a failed release of an earlier modelgate left: the next commit releases that version', async () => {
    fake = await startFakeGitHub();
    const [owner, repo] = facts.repository.split('/') as [string, string];
    // What a release that tagged first, then failed on publishing, left behind at the push's commit.
    fake.state.refsOf(owner, repo).set('refs/tags/income/v1.0.0', facts.sha);
    const draft = await fetch(`${fake.url}/repos/${owner}/${repo}/releases`, {
      method: 'POST',
      headers: { authorization: 'Bearer fake-token', 'content-type': 'application/json' },
      body: JSON.stringify({ tag_name: 'income/v1.0.0', target_commitish: facts.sha, name: 'income 1.0.0', body: 'notes', draft: true }),
    });
    expect(draft.status).toBe(201);
    const later = 'd'.repeat(40);
    const next = await release({}, { 'schema.json': schema(['a']) }, { GITHUB_SHA: later });
    expect(next.exitCode, next.stdout).toBe(0);
    expect(next.outputs).toMatchObject({ version: '1.0.0', unchanged: 'false' });
    expect(fake.state.getReleaseByTag(owner, repo, 'income/v1.0.0')).toMatchObject({ draft: false, target_commitish: later });
    expect(fake.state.refsOf(owner, repo).get('refs/tags/income/v1.0.0')).toBe(later);
    expect(fake.state.releases).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  });
});
