import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runActionBundle } from './harness/run-action.js';
import { webhookPayload } from './harness/payloads.js';
import { startFakeGitHub } from './github/fake-github.js';

/** Lines a reader of the log sees (the runner hides ::debug:: lines). */
import { visibleLines as visible } from './harness/file-commands.js';

beforeAll(() => {
  if (!existsSync(join(REPO_ROOT, 'dist', 'index.js'))) throw new Error("dist/ is missing: run 'npm run build' (npm test does)");
});

describe('bundle error reporting', () => {
  it('a ConfigurationError prints one ::error:: line at the config line and exits 1', async () => {
    const run = await runActionBundle('model-eval', {
      files: { 'modelgate.yml': 'name: income\ngate:\n  - precision >= 0.8\n' },
      event: { name: 'push', payload: webhookPayload('push') },
    });
    expect(run.exitCode).toBe(1);
    expect(visible(run.stdout)).toEqual([`::error file=modelgate.yml,line=2::gate: unknown key 'gate' (did you mean 'gates'?)`]);
    expect(run.stderr).toBe('');
    expect(run.summary).toContain("gate: unknown key 'gate'");
  });

  it('a bad input value names the input', async () => {
    const run = await runActionBundle('onnx-inspect', { inputs: { config: 'ci/missing.yml' } });
    expect(run.exitCode).toBe(1);
    expect(visible(run.stdout)).toEqual([`::error::config file 'ci/missing.yml' does not exist`]);
  });

  it('an internal error does not leak a stack unless debugging', async () => {
    const quiet = await runActionBundle('onnx-inspect', { eventText: '{"action": "opened", ' });
    expect(quiet.exitCode).toBe(1);
    const lines = visible(quiet.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::error::internal error: cannot read the event payload at GITHUB_EVENT_PATH \(.+\)\. This is a bug in modelgate; please report it with the log of this step\. \(set ACTIONS_STEP_DEBUG=true or pass --debug to see the stack trace\)$/);
    expect(quiet.stdout).not.toMatch(/^\s+at /m);

    const debug = await runActionBundle('onnx-inspect', { eventText: '{"action": "opened", ', env: { ACTIONS_STEP_DEBUG: 'true' } });
    expect(debug.exitCode).toBe(1);
    expect(debug.stdout).toMatch(/^Error: cannot read the event payload/m);
    expect(debug.stdout).toMatch(/^\s+at readRunEnvironment /m);
  });

  it('an action that needs no GitHub API makes no request to GITHUB_API_URL', async () => {
    const fake = await startFakeGitHub();
    try {
      const model = readFileSync(join(REPO_ROOT, 'fixtures', 'onnx', 'income_mlp.onnx'));
      const run = await runActionBundle('onnx-inspect', { apiUrl: fake.url, inputs: { model: 'm.onnx' }, files: { 'm.onnx': model }, event: { name: 'pull_request', payload: webhookPayload('pull_request', 'synchronize') } });
      expect(run.exitCode).toBe(0);
      expect(fake.requests).toEqual([]);
      expect(fake.violations).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('calls no Function constructor: zod reads the inputs, modelgate.yml and schema.json and checks the artifacts without its JIT', async () => {
    // zod's JIT compiles a function per object schema on its first parse: slower than it saves
    // for the few documents a step parses, and refused under policies that forbid eval.
    const dir = mkdtempSync(join(tmpdir(), 'modelgate-eval-count-'));
    const countFile = join(dir, 'count');
    const preload = pathToFileURL(join(REPO_ROOT, 'test', 'harness', 'count-code-from-strings.mjs')).href;
    const income = (name: string) => readFileSync(join(REPO_ROOT, 'fixtures', 'income', name));
    execFileSync(process.execPath, [join(REPO_ROOT, 'bin/modelgate.js'), 'infer-schema', '--data', 'fixtures/income/train.csv', '--label', 'income', '--out', join(dir, 'schema.json'), '--quiet'], { cwd: REPO_ROOT });
    const run = await runActionBundle('data-validate', {
      inputs: { data: 'holdout.csv', reference: 'train.csv', schema: 'schema.json' },
      files: { 'holdout.csv': income('holdout.csv'), 'train.csv': income('train.csv'), 'schema.json': readFileSync(join(dir, 'schema.json')), 'modelgate.yml': 'name: income\ndata:\n  label: income\n' },
      env: { NODE_OPTIONS: `--import=${preload}`, COUNT_FILE: countFile },
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ passed: 'true', 'validation-json': 'modelgate-out/validation.json', 'profile-json': 'modelgate-out/profile.json' });
    expect(readFileSync(countFile, 'utf8')).toBe('0');
  });

  it('keeps the entry every step loads small: zod is tree-shaken, the actions are chunks of their own', () => {
    // 780 KB at the time of writing; re-exporting zod's namespace from core once made it 1.27 MB
    // (all of zod), which every command then parses before doing anything.
    expect(statSync(join(REPO_ROOT, 'dist', 'index.js')).size).toBeLessThan(900_000);
  });

  it('runs from a copy of dist/ alone, with no node_modules anywhere above it', async () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'modelgate-dist-only-')), 'dist');
    cpSync(join(REPO_ROOT, 'dist'), copy, { recursive: true });
    for (let dir = dirname(copy); dir !== dirname(dir); dir = dirname(dir)) expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    const model = readFileSync(join(REPO_ROOT, 'fixtures', 'onnx', 'income_mlp.onnx'));
    const run = await runActionBundle('onnx-inspect', {
      distDir: copy,
      inputs: { model: 'model.onnx', 'target-runtime': 'onnxruntime 1.17' },
      files: { 'model.onnx': model },
      event: { name: 'workflow_run', payload: webhookPayload('workflow_run', 'completed') },
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.outputs['parameters']).toBe('122');
  });
});
