import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { serializeArtifact, type ArtifactBody } from '@modelgate/core';
import { visibleLines } from './harness/file-commands.js';
import { webhookPayload } from './harness/payloads.js';
import { REPO_ROOT, runActionBundle, type ActionRun } from './harness/run-action.js';

// What a release publishes must be what it says: the model its figures describe, in a repository of
// its own, and "unchanged" only when the release it points at is there and holds this content.
const MODEL = readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_mlp.onnx'));
const OTHER_MODEL = readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_linear_zipmap.onnx'));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const push = { name: 'push' as const, payload: webhookPayload('push') };

/** metrics.json as model-eval writes it, latency measured on the machine included. */
function metrics(f1: number, p95: number, model: Uint8Array = MODEL, baseline?: { source: string; f1: number }): string {
  const latency = (per: 'row' | 'batch', scale: number) => ({ p50: p95 * scale * 0.5, p95: p95 * scale, p99: p95 * scale * 2, per, batch_size: per === 'row' ? 1 : 1000, runs: 200 });
  const body: ArtifactBody<'metrics'> = {
    task: 'binary',
    rows: 1000,
    model: { path: 'model.onnx', sha256: sha256(model), bytes: model.byteLength },
    data: { path: 'holdout.csv', sha256: 'a'.repeat(64), bytes: 1234, label: 'income' },
    metrics: { f1, accuracy: 0.85, 'latency.p50_ms': p95 / 2, 'latency.p95_ms': p95, 'latency.p99_ms': p95 * 2 },
    latency_ms: { row: latency('row', 1), batch: latency('batch', 100) },
    gates: [
      { expr: 'f1 >= 0.7', metric: 'f1', actual: f1, threshold: 0.7, passed: true },
      { expr: 'latency.p95_ms <= 5', metric: 'latency.p95_ms', actual: p95, threshold: 5, passed: true },
      ...(baseline ? [{ expr: 'f1 >= baseline.f1 - 0.1', metric: 'f1', actual: f1, threshold: baseline.f1 - 0.1, passed: true }] : []),
    ],
    ...(baseline ? { baseline: { source: baseline.source, version: '0.9.0' } } : {}),
    passed: true,
  };
  return serializeArtifact('metrics', body, '0.1.0');
}

let ws = '';
const write = (files: Record<string, string | Uint8Array>) => {
  for (const [path, content] of Object.entries(files)) writeFileSync(join(ws, path), content);
};
const release = (inputs: Record<string, string> = {}): Promise<ActionRun> =>
  runActionBundle('model-release', { inputs: { to: 'dir:registry', name: 'income', model: 'model.onnx', metrics: 'metrics.json', ...inputs }, env: { GITHUB_WORKSPACE: ws }, event: push });
const errors = (run: ActionRun) => visibleLines(run.stdout).filter((line) => line.startsWith('::error'));

describe('model-release integrity', () => {
  beforeAll(async () => {
    const setup = await runActionBundle('model-release', { inputs: { to: 'github' }, files: { 'model.onnx': MODEL, 'metrics.json': metrics(0.8, 0.03) } });
    ws = setup.workspace;
  });

  it('eval then release again at the same commit is a rerun: latency measured anew is not new content', async () => {
    const first = await release();
    expect(errors(first)).toEqual([]);
    expect(first.outputs).toMatchObject({ version: '1.0.0', unchanged: 'false' });
    write({ 'metrics.json': metrics(0.8, 0.05) });
    const again = await release();
    expect(again.exitCode).toBe(0);
    expect(again.outputs).toMatchObject({ version: '1.0.0', unchanged: 'true', digest: first.outputs['digest'] });
    expect(again.stdout).toContain('metrics.json differs only in latency measured on this machine');
    // A figure that describes the model is new content.
    write({ 'metrics.json': metrics(0.82, 0.05, MODEL, { source: 'cache:a', f1: 0.8 }) });
    const better = await release();
    expect(better.outputs).toMatchObject({ version: '1.1.0', unchanged: 'false' });
    // The baseline it was compared with is not: another source, another threshold, the same verdict.
    write({ 'metrics.json': metrics(0.82, 0.06, MODEL, { source: 'dir:registry:latest', f1: 0.75 }) });
    expect((await release()).outputs).toMatchObject({ version: '1.1.0', unchanged: 'true', digest: better.outputs['digest'] });
  });

  it('refuses figures of another model', async () => {
    write({ 'metrics.json': metrics(0.8, 0.03, OTHER_MODEL) });
    const run = await release();
    expect(run.exitCode).toBe(1);
    expect(errors(run)).toEqual([
      `::error::metrics.json describes model.onnx (sha256 ${sha256(OTHER_MODEL).slice(0, 12)}…), not the model being released, model.onnx (sha256 ${sha256(MODEL).slice(0, 12)}…): run it on this model first`,
    ]);
    write({ 'metrics.json': metrics(0.82, 0.05) });
  });

  it("refuses to release a model into another model's repository", async () => {
    write({ 'other.onnx': OTHER_MODEL, 'other-metrics.json': metrics(0.7, 0.03, OTHER_MODEL) });
    const run = await release({ name: 'churn', model: 'other.onnx', metrics: 'other-metrics.json' });
    expect(run.exitCode).toBe(1);
    expect(errors(run)).toEqual(["::error::dir:registry holds the releases of model 'income' (latest 1.1.0), not 'churn': give each model a repository of its own (e.g. dir:registry/churn), or, if this is that model renamed, set name: income"]);
    const own = await release({ name: 'churn', model: 'other.onnx', metrics: 'other-metrics.json', to: 'dir:registry/churn' });
    expect(own.outputs).toMatchObject({ version: '1.0.0', bump: 'initial' });
  });

  it('a rerun against a damaged release fails instead of reporting it unchanged', async () => {
    const blobs = join(ws, 'registry/blobs/sha256');
    const released = metrics(0.82, 0.05, MODEL, { source: 'cache:a', f1: 0.8 });
    const metricsBlob = sha256(Buffer.from(released));
    expect(readdirSync(blobs)).toContain(metricsBlob);
    rmSync(join(blobs, metricsBlob));
    // Identical files, and files that differ only in measurements (which reads the release's metrics.json).
    for (const text of [released, metrics(0.82, 0.09, MODEL, { source: 'cache:b', f1: 0.8 })]) {
      write({ 'metrics.json': text });
      const run = await release();
      expect(run.exitCode).toBe(1);
      expect(errors(run)).toEqual(['::error::dir:registry: release 1.1.0 is damaged (metrics.json missing or corrupt); restore it, or remove the tag, before releasing again']);
    }
  });
});

describe('the released champion as a base', () => {
  it('a release without metrics.json is named as the reason there is no metric diff', async () => {
    const released = await runActionBundle('model-release', { inputs: { to: 'dir:registry', name: 'income', model: 'model.onnx' }, files: { 'model.onnx': MODEL }, event: push });
    expect(released.outputs['version']).toBe('1.0.0');
    writeFileSync(join(released.workspace, 'modelgate.yml'), 'name: income\nregistry: dir:registry\n');
    writeFileSync(join(released.workspace, 'metrics.json'), metrics(0.8, 0.03));
    const report = await runActionBundle('model-report', { inputs: { metrics: 'metrics.json', 'base-metrics': 'registry', 'comment-on': 'none' }, env: { GITHUB_WORKSPACE: released.workspace }, event: push });
    expect(report.exitCode).toBe(0);
    expect(visibleLines(report.stdout).filter((line) => line.startsWith('::warning'))).toEqual([
      expect.stringMatching(/^::warning::base-metrics: registry: dir:registry:latest \(sha256:[0-9a-f]{64}\) has no metrics\.json; the report has no metric diff$/),
    ]);
  });
});

describe('registry targets that cannot be used are one clear line', () => {
  it('an unreachable registry names the host and the cause', async () => {
    // A port that was just free: nothing listens there.
    const server = createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
    await new Promise((resolve) => server.close(resolve));
    const run = await runActionBundle('model-release', { inputs: { to: `oci://127.0.0.1:${port}/models/income`, name: 'income', model: 'model.onnx' }, files: { 'model.onnx': MODEL }, event: push });
    expect(run.exitCode).toBe(1);
    expect(errors(run)).toEqual([`::error::127.0.0.1:${port}/models/income: cannot reach 127.0.0.1:${port}: connection refused (ECONNREFUSED)`]);
  });

  it('a layout whose oci-layout is not JSON, or a file given as the layout', async () => {
    const junk = await runActionBundle('model-release', { inputs: { to: 'dir:registry', name: 'income', model: 'model.onnx' }, files: { 'model.onnx': MODEL, 'registry/oci-layout': '{bad' } });
    expect(junk.exitCode).toBe(1);
    expect(errors(junk)).toHaveLength(1);
    expect(errors(junk)[0]).toMatch(/^::error file=.*registry\/oci-layout::not an OCI layout marker: /);
    const file = await runActionBundle('model-release', { inputs: { to: 'dir:registry', name: 'income', model: 'model.onnx' }, files: { 'model.onnx': MODEL, registry: 'not a directory' } });
    expect(file.exitCode).toBe(1);
    expect(errors(file)).toHaveLength(1);
    expect(errors(file)[0]).toMatch(/^::error file=.*registry\/index\.json::a file is where a directory should be \(ENOTDIR\); is .*registry an OCI image layout\?$/);
  });
});
