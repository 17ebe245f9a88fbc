/**
 * The model-release bundle against a real registry: Debian's `docker-registry` (CNCF distribution
 * 2.8) on 127.0.0.1 with htpasswd Basic auth, and skopeo reading the release back.
 * CI needs: apt-get install -y docker-registry apache2-utils skopeo; and `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useDockerRegistry } from './docker-registry.js';
import { describe, expect, it } from 'vitest';
import { parseArtifact, serializeArtifact } from '@modelgate/core';
import { RegistryClient } from '@modelgate/registry';
import { REPO_ROOT, runActionBundle, type ActionRun } from '../harness/run-action.js';
import { visibleLines as visible } from '../harness/file-commands.js';

const SKOPEO = '/usr/bin/skopeo';
const USER = 'modelgate';
const PASSWORD = 'release-secret-pass';

const docker = useDockerRegistry(USER, PASSWORD);

const MODEL = readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_mlp.onnx'));
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

describe('model-release against docker-registry', () => {
  let ws = '';
  const release = (inputs: Record<string, string> = {}): Promise<ActionRun> =>
    runActionBundle('model-release', {
      inputs: { name: 'income', model: 'model.onnx', to: `oci://${docker.host}/acme/income`, 'registry-username': USER, 'registry-password': PASSWORD, ...inputs },
      ...(ws ? { env: { GITHUB_WORKSPACE: ws } } : { files: { 'model.onnx': MODEL, 'modelgate-out/metrics.json': metrics(0.7) } }),
    });

  it('pushes 1.0.0, reruns as a no-op, bumps minor, and skopeo reads it', async () => {
    const first = await release();
    ws = first.workspace;
    expect(visible(first.stdout).filter((line) => line.startsWith('::error'))).toEqual([]);
    expect(first.exitCode).toBe(0);
    expect(first.outputs).toMatchObject({ version: '1.0.0', bump: 'initial', unchanged: 'false', ref: `oci://${docker.host}/acme/income:1.0.0` });
    // The password is masked for the runner and never printed.
    expect(first.stdout).toContain(`::add-mask::${PASSWORD}`);
    expect(first.stdout.replace(`::add-mask::${PASSWORD}`, '')).not.toContain(PASSWORD);

    const again = await release();
    expect(again.exitCode).toBe(0);
    expect(again.outputs).toMatchObject({ version: '1.0.0', unchanged: 'true', digest: first.outputs['digest'] });

    writeFileSync(join(ws, 'modelgate-out/metrics.json'), metrics(0.8));
    const minor = await release();
    expect(minor.exitCode).toBe(0);
    expect(minor.outputs).toMatchObject({ version: '1.1.0', bump: 'minor', unchanged: 'false' });
    const file = parseArtifact('release', readFileSync(join(ws, 'modelgate-out/release.json'), 'utf8'), 'release.json');
    expect(file.refs).toEqual([{ kind: 'oci', ref: `oci://${docker.host}/acme/income:1.1.0` }]);

    const client = new RegistryClient({ registry: docker.host, repository: 'acme/income', plainHttp: true, credentials: { username: USER, password: PASSWORD } });
    expect(await client.tags()).toEqual(['1.0.0', '1.1.0', 'latest']);
    expect((await client.getManifest('latest'))?.digest).toBe(minor.outputs['digest']);

    const probe = spawnSync(SKOPEO, ['--version'], { encoding: 'utf8' });
    expect(probe.error, 'skopeo is needed: apt-get install -y skopeo').toBeUndefined();
    const raw = spawnSync(SKOPEO, ['inspect', '--raw', '--tls-verify=false', '--creds', `${USER}:${PASSWORD}`, `docker://${docker.host}/acme/income:1.1.0`], { encoding: 'utf8' });
    expect(raw.status, raw.stderr).toBe(0);
    expect(`sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`).toBe(minor.outputs['digest']);
    expect(JSON.parse(raw.stdout).layers.map((layer: { annotations: Record<string, string> }) => layer.annotations['org.opencontainers.image.title'])).toEqual([
      'lineage.json',
      'metrics.json',
      'model.onnx',
    ]);
  });

  it('model-report diffs against the released champion in the private registry with registry credentials', async () => {
    const files = { 'modelgate-out/metrics.json': metrics(0.65), 'modelgate.yml': `name: income\nregistry: oci://${docker.host}/acme/income\n` };
    const report = (inputs: Record<string, string>) => runActionBundle('model-report', { inputs: { 'github-token': '', 'base-metrics': 'registry', ...inputs }, files });
    const run = await report({ 'registry-username': USER, 'registry-password': PASSWORD });
    expect(visible(run.stdout).filter((line) => line.startsWith('::error') || line.startsWith('::warning'))).toEqual([]);
    expect(run.exitCode).toBe(0);
    // The latest release (1.1.0, f1 0.8) is the base of the diff.
    expect(run.summary).toContain('v1.1.0');
    expect(run.summary).toMatch(/0\.8000?\b[^\n]*0\.6500?/);
    expect(run.stdout).toContain(`::add-mask::${PASSWORD}`);

    const anonymous = await report({});
    expect(anonymous.exitCode).toBe(1);
    expect(visible(anonymous.stdout).filter((line) => line.startsWith('::error'))).toEqual([`::error::${docker.host}/acme/income: the registry requires a username and password; set registry-username and registry-password`]);
  });

  it('wrong credentials are one clear line', async () => {
    const run = await runActionBundle('model-release', {
      inputs: { name: 'income', model: 'model.onnx', to: `oci://${docker.host}/acme/income`, 'registry-username': USER, 'registry-password': 'wrong' },
      files: { 'model.onnx': MODEL },
    });
    expect(run.exitCode).toBe(1);
    expect(visible(run.stdout).filter((line) => !line.startsWith('::add-mask::'))).toEqual([`::error::${docker.host}/acme/income: the registry refused the username and password`]);
  });
});
