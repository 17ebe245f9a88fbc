import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseArtifact, serializeArtifact, type ArtifactBody } from '@modelgate/core';
import { OciLayout } from '@modelgate/registry';
import { REPO_ROOT, runActionBundle, type ActionRun } from './harness/run-action.js';
import { visibleLines as visible } from './harness/file-commands.js';
import { runnerFacts, webhookPayload } from './harness/payloads.js';

const MODEL = readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_mlp.onnx'));
const OTHER_MODEL = readFileSync(join(REPO_ROOT, 'fixtures/onnx/mlp_fp32.onnx'));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const HOLDOUT_SHA = 'a'.repeat(64);
const TRAIN_SHA = 'b'.repeat(64);

function metrics(f1: number, model: Uint8Array = MODEL): string {
  const body: ArtifactBody<'metrics'> = {
    task: 'binary',
    rows: 1000,
    model: { path: 'model.onnx', sha256: sha256(model), bytes: model.byteLength },
    data: { path: 'data/holdout.csv', sha256: HOLDOUT_SHA, bytes: 12345, label: 'income' },
    metrics: { f1, accuracy: 0.85 },
    gates: [{ expr: 'f1 >= 0.7', metric: 'f1', actual: f1, threshold: 0.7, passed: true }],
    passed: true,
  };
  return serializeArtifact('metrics', body, '0.1.0');
}

function schema(columns: string[]): string {
  return serializeArtifact(
    'schema',
    {
      source: { files: [{ path: 'data/train.csv', sha256: TRAIN_SHA, bytes: 99999 }], rows: 5000 },
      label: 'income',
      columns: [
        ...columns.map((name) => ({ name, type: 'float' as const, presence: { min_fraction: 1 } })),
        { name: 'income', type: 'string' as const, presence: { min_fraction: 1 }, values: ['<=50K', '>50K'], environments: { not_in: ['SERVING'] } },
      ],
    },
    '0.1.0',
  );
}

const push = { name: 'push' as const, payload: webhookPayload('push') };
const facts = runnerFacts('push', push.payload);

/** One workspace across the whole release history, like one repository over several pushes. */
let ws = '';
const write = (files: Record<string, string | Uint8Array>) => {
  for (const [path, content] of Object.entries(files)) writeFileSync(join(ws, path), content);
};
const release = (inputs: Record<string, string> = {}): Promise<ActionRun> =>
  runActionBundle('model-release', { inputs: { to: 'dir:registry', ...inputs }, env: { GITHUB_WORKSPACE: ws }, event: push });
const errors = (run: ActionRun) => visible(run.stdout).filter((line) => line.startsWith('::error'));

describe('model-release bundle', () => {
  let first: ActionRun;

  beforeAll(async () => {
    // A throwaway run only to get a workspace with the files in it.
    const setup = await runActionBundle('model-release', {
      inputs: { to: 'github' },
      files: {
        'modelgate.yml': 'name: income\nmodel: model.onnx\nschema: schema.json\n',
        'model.onnx': MODEL,
        'schema.json': schema(['age', 'hours_per_week']),
        'modelgate-out/metrics.json': metrics(0.8),
        'modelgate-out/model-card.md': '# income\n\nA model card.\n',
      },
    });
    ws = setup.workspace;
  });

  it('first release: 1.0.0 initial, files in the layout, valid release.json and lineage', async () => {
    first = await release();
    expect(first.stderr).toBe('');
    expect(errors(first)).toEqual([]);
    expect(first.exitCode).toBe(0);
    expect(first.outputs).toMatchObject({ version: '1.0.0', bump: 'initial', unchanged: 'false', ref: 'dir:registry:1.0.0', 'release-json': 'modelgate-out/release.json' });
    expect(first.outputs['digest']).toMatch(/^sha256:[0-9a-f]{64}$/);

    const layout = new OciLayout(join(ws, 'registry'));
    expect(await layout.tags()).toEqual(['1.0.0', 'latest']);
    expect((await layout.resolve('latest'))?.digest).toBe(first.outputs['digest']);
    const out = mkdtempSync(join(tmpdir(), 'modelgate-pull-'));
    const pulled = await layout.pull('1.0.0', out);
    expect(pulled.digest).toBe(first.outputs['digest']);
    expect(pulled.files.map((file) => file.title)).toEqual(['lineage.json', 'metrics.json', 'model-card.md', 'model.onnx', 'schema.json']);
    expect(sha256(readFileSync(join(out, 'model.onnx')))).toBe(sha256(MODEL));
    expect(readFileSync(join(out, 'metrics.json'), 'utf8')).toBe(metrics(0.8));

    const lineage = JSON.parse(readFileSync(join(out, 'lineage.json'), 'utf8'));
    expect(lineage.eventType).toBe('COMPLETE');
    expect(lineage.run.facets.modelgate_ci).toMatchObject({ gitCommit: facts.sha, workflowRunUrl: `https://github.com/${facts.repository}/actions/runs/4242` });
    expect(lineage.inputs.map((input: { name: string; facets: { modelgate_sha256: { sha256: string } } }) => [input.name, input.facets.modelgate_sha256.sha256])).toEqual([
      ['data/holdout.csv', HOLDOUT_SHA],
      ['data/train.csv', TRAIN_SHA],
    ]);
    expect(lineage.outputs[0].facets.modelgate_release).toMatchObject({ version: '1.0.0', sha256: sha256(MODEL) });
    expect(lineage.outputs[0].facets.modelgate_release.schemaDigest).toMatch(/^sha256:/);
    expect(lineage.outputs[0].facets.modelgate_release.parentVersion).toBeUndefined();

    const file = parseArtifact('release', readFileSync(join(ws, 'modelgate-out/release.json'), 'utf8'), 'release.json');
    expect(file).toMatchObject({ name: 'income', version: '1.0.0', bump: 'initial', manifest_digest: first.outputs['digest'], unchanged: false, aliases: ['latest'] });
    expect(file.refs).toEqual([{ kind: 'dir', ref: 'dir:registry:1.0.0' }]);
    expect(file.files.map((entry) => entry.title)).toEqual(pulled.files.map((entry) => entry.title));
    expect(first.summary).toContain('| version | `1.0.0` |');
    expect(first.summary).toContain(first.outputs['digest']);
  });

  it('a rerun with identical inputs is a no-op: same digest, unchanged=true, exit 0', async () => {
    const again = await release();
    expect(errors(again)).toEqual([]);
    expect(again.exitCode).toBe(0);
    expect(again.outputs).toMatchObject({ version: '1.0.0', bump: 'initial', unchanged: 'true', digest: first.outputs['digest'] });
    expect(await new OciLayout(join(ws, 'registry')).tags()).toEqual(['1.0.0', 'latest']);
    expect(parseArtifact('release', readFileSync(join(ws, 'modelgate-out/release.json'), 'utf8'), 'release.json').unchanged).toBe(true);
    expect(again.summary).toContain('already released');
  });

  it('an explicit version that exists with other content is refused in one line', async () => {
    write({ 'model.onnx': OTHER_MODEL, 'modelgate-out/metrics.json': metrics(0.8, OTHER_MODEL) });
    const refused = await release({ version: '1.0.0' });
    expect(refused.exitCode).toBe(1);
    expect(visible(refused.stdout)).toEqual([
      `::error::dir:registry: version 1.0.0 already exists with manifest ${first.outputs['digest']}; refusing to replace it with different content. Published versions are immutable: release a new version instead.`,
    ]);
    expect(await new OciLayout(join(ws, 'registry')).tags()).toEqual(['1.0.0', 'latest']);
    write({ 'model.onnx': MODEL, 'modelgate-out/metrics.json': metrics(0.8) });
  });

  it('improved gated metrics → minor bump with the reason, parent recorded in lineage', async () => {
    write({ 'modelgate-out/metrics.json': metrics(0.85) });
    const run = await release();
    expect(errors(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ version: '1.1.0', bump: 'minor', unchanged: 'false', ref: 'dir:registry:1.1.0' });
    const file = parseArtifact('release', readFileSync(join(ws, 'modelgate-out/release.json'), 'utf8'), 'release.json');
    expect(file.previous_version).toBe('1.0.0');
    expect(file.bump_reason).toBe('gated metrics improved beyond ±0.005: f1 0.8 → 0.85');
    const layout = new OciLayout(join(ws, 'registry'));
    expect(await layout.tags()).toEqual(['1.0.0', '1.1.0', 'latest']);
    expect((await layout.resolve('latest'))?.digest).toBe(run.outputs['digest']);
    const out = mkdtempSync(join(tmpdir(), 'modelgate-pull-'));
    await layout.pull('1.1.0', out);
    const lineage = JSON.parse(readFileSync(join(out, 'lineage.json'), 'utf8'));
    expect(lineage.outputs[0].facets.modelgate_release).toMatchObject({ version: '1.1.0', parentVersion: '1.0.0', parentManifestDigest: first.outputs['digest'] });
    expect(run.summary).toContain('minor: gated metrics improved');
  });

  it('a schema column removed → major bump naming the column', async () => {
    write({ 'schema.json': schema(['age']) });
    const run = await release();
    expect(errors(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ version: '2.0.0', bump: 'major' });
    const file = parseArtifact('release', readFileSync(join(ws, 'modelgate-out/release.json'), 'utf8'), 'release.json');
    expect(file.bump_reason).toMatch(/^incompatible change: .*hours_per_week/);
  });

  it('the same inputs always build the same manifest (reproducible in a fresh registry)', async () => {
    const a = await release({ to: 'dir:fresh', version: '3.0.0' });
    rmSync(join(ws, 'fresh'), { recursive: true });
    const b = await release({ to: 'dir:fresh', version: '3.0.0' });
    expect(a.exitCode).toBe(0);
    expect(b.outputs).toMatchObject({ version: '3.0.0', bump: 'explicit', unchanged: 'false', digest: a.outputs['digest'] });
  });

  it('created and revision come from the workspace commit when there is no GITHUB_SHA', async () => {
    const setup = await runActionBundle('model-release', { inputs: { to: 'github' }, files: { 'model.onnx': MODEL } });
    const repo = setup.workspace;
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], {
        cwd: repo,
        encoding: 'utf8',
        env: { ...process.env, GIT_COMMITTER_DATE: '2024-05-01T12:00:00+00:00', GIT_AUTHOR_DATE: '2024-05-01T12:00:00+00:00' },
      }).trim();
    git('init', '-q');
    git('add', 'model.onnx');
    git('commit', '-qm', 'model');
    const run = await runActionBundle('model-release', { inputs: { model: 'model.onnx', to: 'dir:registry' }, env: { GITHUB_WORKSPACE: repo } });
    expect(run.exitCode).toBe(0);
    const { manifest } = await new OciLayout(join(repo, 'registry')).manifest('1.0.0');
    expect(manifest.annotations).toMatchObject({
      'org.opencontainers.image.created': '2024-05-01T12:00:00Z',
      'org.opencontainers.image.revision': git('rev-parse', 'HEAD'),
      'org.opencontainers.image.version': '1.0.0',
      'org.opencontainers.image.title': 'model',
    });
  });

  it('malformed inputs end in one line', async () => {
    const missing = await release({ model: 'missing.onnx' });
    expect(missing.exitCode).toBe(1);
    expect(visible(missing.stdout)).toEqual(['::error file=missing.onnx::no such file']);

    const badTarget = await release({ to: 'ftp://example.com/x' });
    expect(badTarget.exitCode).toBe(1);
    expect(visible(badTarget.stdout)).toEqual(["::error::input 'to' must be dir:<path>, oci://host[:port]/repository or github, got 'ftp://example.com/x'"]);

    const badVersion = await release({ version: 'next' });
    expect(badVersion.exitCode).toBe(1);
    expect(visible(badVersion.stdout)).toEqual(["::error::input 'version': 'next' is not a semantic version such as 1.4.0"]);

    const missingMetrics = await release({ metrics: 'nope/metrics.json' });
    expect(missingMetrics.exitCode).toBe(1);
    expect(visible(missingMetrics.stdout)).toEqual(["::error::metrics file 'nope/metrics.json' does not exist"]);

    // The name goes into tags and paths: one that cannot, from the input or the file name, is refused.
    expect(errors(await release({ name: 'Income Model' }))).toEqual(["::error::model name 'Income Model' from input 'name': expected a lower-case name (letters, digits, . _ -), used in tags and registry paths"]);
    const unnamed = await runActionBundle('model-release', { inputs: { to: 'dir:registry', model: 'Income Model.onnx' }, files: { 'Income Model.onnx': MODEL }, event: push });
    expect(errors(unnamed)).toEqual([
      "::error::model name 'Income Model' from the model file name (set `name` in modelgate.yml or the name input): expected a lower-case name (letters, digits, . _ -), used in tags and registry paths",
    ]);

    const github = await release({ to: 'github' });
    expect(github.exitCode).toBe(1);
    expect(visible(github.stdout)).toEqual(["::error::to: github needs 'github-token' with `permissions: contents: write`"]);
    expect(await new OciLayout(join(ws, 'registry')).tags()).toEqual(['1.0.0', '1.1.0', '2.0.0', 'latest']);
  });
});
