/**
 * The action as a runner without node_modules sees it: a bare copy of dist/ must provision
 * onnxruntime-node itself (pinned tarball from the npm registry, sha512-verified, host binaries
 * only) into RUNNER_TOOL_CACHE, evaluate, and reuse the provisioned copy on the next run.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT, runActionBundle } from '../harness/run-action.js';

it('model-eval from a bare dist/ provisions onnxruntime-node, then reuses it', async () => {
  const copy = join(mkdtempSync(join(tmpdir(), 'modelgate-bare-')), 'dist');
  cpSync(join(REPO_ROOT, 'dist'), copy, { recursive: true });
  for (let dir = dirname(copy); dir !== dirname(dir); dir = dirname(dir)) expect(existsSync(join(dir, 'node_modules'))).toBe(false);
  const toolCache = mkdtempSync(join(tmpdir(), 'modelgate-tool-cache-'));
  const options = {
    distDir: copy,
    inputs: { model: 'model.onnx', data: 'holdout.csv', label: 'income', positive: '>50K', gates: 'distinct_predictions >= 2' },
    files: { 'model.onnx': readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_mlp.onnx')), 'holdout.csv': readFileSync(join(REPO_ROOT, 'fixtures/income/holdout.csv')) },
    env: { RUNNER_TOOL_CACHE: toolCache },
    timeoutMs: 180_000,
  };
  const first = await runActionBundle('model-eval', options);
  expect(first.stderr).toBe('');
  expect(first.stdout).not.toMatch(/^::(error|warning)/m);
  expect(first.exitCode).toBe(0);
  expect(first.stdout).toMatch(/onnxruntime-node 1\.30\.0: downloading it for linux-x64 from https:\/\/registry\.npmjs\.org/);
  expect(first.outputs['accuracy']).toBe('0.78');
  const second = await runActionBundle('model-eval', { ...options, env: { ...options.env, ACTIONS_STEP_DEBUG: 'true' } });
  expect(second.exitCode).toBe(0);
  expect(second.stdout).not.toContain('downloading');
  expect(second.stdout).toContain(`onnxruntime-node 1.30.0: using the cache directory ${toolCache}/modelgate-onnxruntime/1.30.0/linux-x64`);
}, 240_000);
