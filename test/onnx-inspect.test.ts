import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBytes, parseArtifact } from '@modelgate/core';
import { encodeModelProto, float32Tensor } from '@modelgate/onnx';
import { info, linearModel } from '../packages/onnx/src/test-models.js';
import { startFakeGitHub } from './github/fake-github.js';
import { REPO_ROOT, runActionBundle } from './harness/run-action.js';
import { webhookPayload } from './harness/payloads.js';

import { visibleLines as visible } from './harness/file-commands.js';
const head = encodeModelProto(linearModel());
const grown = (() => {
  const model = linearModel();
  model.graph!.initializer = [...model.graph!.initializer, float32Tensor('unused', [64], new Array(64).fill(0.5))];
  return encodeModelProto(model);
})();
const pr = { name: 'pull_request' as const, payload: webhookPayload('pull_request', 'opened') };

describe('onnx-inspect bundle', () => {
  it('reports figures, writes inspect.json and step outputs', async () => {
    const run = await runActionBundle('onnx-inspect', { inputs: { model: 'models/m.onnx' }, files: { 'models/m.onnx': head }, event: pr });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toEqual({ passed: 'true', bytes: String(head.byteLength), parameters: '18', growth: '', 'inspect-json': 'modelgate-out/inspect.json' });
    const inspect = parseArtifact('inspect', readFileSync(join(run.workspace, 'modelgate-out/inspect.json'), 'utf8'), 'inspect.json');
    expect(inspect.model.path).toBe('models/m.onnx');
    expect(inspect.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(inspect.parameters).toBe(18);
    expect(inspect.budgets).toEqual([]);
    expect(run.summary).toContain('### ✅ ONNX model `models/m.onnx`');
    expect(run.summary).toContain('| parameters | 18');
  });

  it('fails on a budget with the numbers, still writing inspect.json', async () => {
    const run = await runActionBundle('onnx-inspect', {
      inputs: { model: 'm.onnx', base: 'base.onnx', 'max-growth': '10%', 'max-bytes': '500' },
      files: { 'm.onnx': grown, 'base.onnx': head },
      event: pr,
    });
    expect(run.exitCode).toBe(1);
    const growth = (grown.byteLength - head.byteLength) / head.byteLength;
    expect(visible(run.stdout)).toEqual([
      `::error::m.onnx: max_bytes: model is ${formatBytes(grown.byteLength)} (${grown.byteLength} bytes), budget 500 B (500 bytes); max_growth: model grew ${(growth * 100).toFixed(1)}% (${formatBytes(head.byteLength)} → ${formatBytes(grown.byteLength)}), budget 10.0%`,
    ]);
    expect(run.outputs['passed']).toBe('false');
    expect(Number(run.outputs['growth'])).toBeCloseTo(growth, 12);
    const inspect = parseArtifact('inspect', readFileSync(join(run.workspace, 'modelgate-out/inspect.json'), 'utf8'), 'inspect.json');
    expect(inspect.passed).toBe(false);
    expect(inspect.base?.parameters).toBe(18);
    expect(inspect.diff?.find((row) => row.figure === 'parameters')?.delta).toBe(64);
  });

  it('reads the base model from git with base-ref and takes budgets from modelgate.yml', async () => {
    const files = { 'm.onnx': head, 'modelgate.yml': 'name: income\nmodel: m.onnx\nsize:\n  max_growth: 1%\n' };
    // First run only to get a workspace; then make it a repository whose base commit has the small model.
    const first = await runActionBundle('onnx-inspect', { files, event: pr });
    expect(first.exitCode).toBe(0);
    const ws = first.workspace;
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], { cwd: ws, stdio: 'pipe' });
    git('init', '-q');
    git('add', 'm.onnx', 'modelgate.yml');
    git('commit', '-qm', 'base');
    writeFileSync(join(ws, 'm.onnx'), grown);
    const run = await runActionBundle('onnx-inspect', { inputs: { 'base-ref': 'HEAD' }, env: { GITHUB_WORKSPACE: ws }, event: pr });
    expect(run.exitCode).toBe(1);
    expect(visible(run.stdout)[0]).toMatch(/^::error::m\.onnx: max_growth: model grew \d+\.\d% \(/);
    expect(run.outputs['passed']).toBe('false');
  });

  it('an empty or corrupt model at base-ref is one line naming the ref, nothing written', async () => {
    const first = await runActionBundle('onnx-inspect', { files: { 'm.onnx': head }, inputs: { model: 'm.onnx' }, event: pr });
    const ws = first.workspace;
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], { cwd: ws, stdio: 'pipe' });
    git('init', '-q');
    for (const [bytes, expected] of [
      [new Uint8Array(0), 'base model m.onnx at HEAD: is empty (0 bytes), expected an ONNX model'],
      [head.subarray(0, head.byteLength - 9), 'base model m.onnx at HEAD: not an ONNX model: truncated or corrupt protobuf ('],
    ] as const) {
      writeFileSync(join(ws, 'm.onnx'), bytes);
      git('add', 'm.onnx');
      git('commit', '-qm', 'base');
      writeFileSync(join(ws, 'm.onnx'), head);
      const run = await runActionBundle('onnx-inspect', { inputs: { model: 'm.onnx', 'base-ref': 'HEAD' }, env: { GITHUB_WORKSPACE: ws }, event: pr });
      expect(run.exitCode).toBe(1);
      const lines = visible(run.stdout);
      expect(lines).toHaveLength(1);
      expect(lines[0]!.startsWith(`::error file=m.onnx::${expected}`)).toBe(true);
      expect(run.outputFile).toBe('');
    }
    // A model kept in Git LFS, read where git-lfs is not installed: its pointer, not a corrupt head model.
    writeFileSync(join(ws, 'm.onnx'), `version https://git-lfs.github.com/spec/v1\noid sha256:${'ab'.repeat(32)}\nsize ${head.byteLength}\n`);
    git('add', 'm.onnx');
    git('commit', '-qm', 'lfs');
    writeFileSync(join(ws, 'm.onnx'), head);
    const lfs = await runActionBundle('onnx-inspect', { inputs: { model: 'm.onnx', 'base-ref': 'HEAD' }, env: { GITHUB_WORKSPACE: ws }, event: pr });
    expect([lfs.exitCode, visible(lfs.stdout)]).toEqual([
      1,
      ["::error::base model m.onnx at HEAD is a Git LFS pointer: install git-lfs and fetch that commit's objects (e.g. actions/checkout with lfs: true and fetch-depth: 0), or give the base model's path as 'base'"],
    ]);
    // Where git-lfs is installed, its smudge filter gives the model (a stand-in filter here: git-lfs is no Debian test dependency).
    writeFileSync(join(ws, 'lfs-store.onnx'), head);
    writeFileSync(join(ws, '.gitattributes'), '*.onnx filter=lfs\n');
    git('config', 'filter.lfs.smudge', `cat '${join(ws, 'lfs-store.onnx')}'`);
    const smudged = await runActionBundle('onnx-inspect', { inputs: { model: 'm.onnx', 'base-ref': 'HEAD', 'max-growth': '0%' }, env: { GITHUB_WORKSPACE: ws }, event: pr });
    expect([smudged.exitCode, smudged.outputs['passed']]).toEqual([0, 'true']);
  });

  it('a corrupt model is one clear annotated line, nothing written', async () => {
    const run = await runActionBundle('onnx-inspect', { inputs: { model: 'm.onnx' }, files: { 'm.onnx': head.subarray(0, head.byteLength - 9) }, event: pr });
    expect(run.exitCode).toBe(1);
    const lines = visible(run.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::error file=m\.onnx::not an ONNX model: truncated or corrupt protobuf \(.+\)$/);
    expect(run.outputFile).toBe('');
  });

  it('describes an skl2onnx-style model: per-column string inputs, ZipMap output, ml opset', async () => {
    const bytes = readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_linear_zipmap.onnx'));
    const run = await runActionBundle('onnx-inspect', { inputs: { model: 'm.onnx', 'target-runtime': 'onnxruntime 1.14' }, files: { 'm.onnx': bytes } });
    expect(run.exitCode).toBe(0);
    const inspect = parseArtifact('inspect', readFileSync(join(run.workspace, 'modelgate-out/inspect.json'), 'utf8'), 'inspect.json');
    expect(inspect.inputs.map((value) => `${value.name}:${value.dtype}`)).toEqual(['age:float32', 'workclass:string', 'sex:string', 'capital_gain:float32', 'capital_loss:float32', 'hours_per_week:float32']);
    expect(inspect.outputs).toEqual([
      { name: 'output_label', dtype: 'string', shape: ['N'] },
      { name: 'output_probability', dtype: 'seq(map(string,float32))', shape: null },
    ]);
    expect(inspect.opsets).toEqual([{ domain: 'ai.onnx', version: 13 }, { domain: 'ai.onnx.ml', version: 1 }]);
  });

  it('refuses external data that points outside the model directory (path traversal), one line', async () => {
    const model = linearModel();
    const weights = model.graph!.initializer[0]!;
    delete (weights as { raw_data?: unknown }).raw_data;
    weights.data_location = 1;
    weights.external_data = [{ key: 'location', value: '../secret.bin' }, { key: 'length', value: '48' }];
    const run = await runActionBundle('onnx-inspect', { inputs: { model: 'models/m.onnx' }, files: { 'models/m.onnx': encodeModelProto(model), 'secret.bin': new Uint8Array(48) } });
    expect(run.exitCode).toBe(1);
    expect(visible(run.stdout)).toEqual([
      "::error file=models/m.onnx::tensor 'W' external_data location '../secret.bin' contains a '..' segment; expected a path inside the model's directory",
    ]);
    expect(run.outputFile).toBe('');
  });

  it('a bad budget value names the input', async () => {
    const run = await runActionBundle('onnx-inspect', { inputs: { model: 'm.onnx', 'max-bytes': 'fifty megs' }, files: { 'm.onnx': head } });
    expect(run.exitCode).toBe(1);
    expect(visible(run.stdout)).toEqual(["::error::input 'max-bytes' expected a size like 50MB, 1.5GiB or 1024, got 'fifty megs'"]);
  });

  it("a PR model's hostile symbolic dimension and opset domain stay inert in the summaries, the PR comment and the check run", async () => {
    // Free text in the model: a dimension name that would hide the rest of a comment and mention someone, an opset domain with HTML.
    const hostileDim = '<!-- @octocat fixes #1 |';
    const hostileDomain = 'com.evil <img src=x onerror=alert(1)> @octocat';
    const model = linearModel();
    model.graph!.input = [info('x', 1, [hostileDim, 4])];
    model.opset_import = [...model.opset_import, { domain: hostileDomain, version: 1 }];
    const bytes = encodeModelProto(model);
    const inspected = await runActionBundle('onnx-inspect', { inputs: { model: 'model.onnx' }, files: { 'model.onnx': bytes }, event: pr });
    expect(inspected.exitCode, inspected.stdout).toBe(0);
    const inspectJson = readFileSync(join(inspected.workspace, 'modelgate-out/inspect.json'));
    expect(parseArtifact('inspect', inspectJson.toString('utf8'), 'inspect.json').inputs[0]!.shape).toEqual([hostileDim, 4]);

    const fake = await startFakeGitHub();
    try {
      const reported = await runActionBundle('model-report', {
        inputs: { 'github-token': 'ghs_test_token', name: 'income' },
        files: { 'modelgate-out/inspect.json': inspectJson, 'modelgate-out/metrics.json': readFileSync(join(REPO_ROOT, 'fixtures/report/binary-head.json')) },
        event: pr,
        apiUrl: fake.url,
      });
      expect(reported.exitCode, reported.stdout).toBe(0);
      const comment = fake.state.issueComments[0]!.body;
      const check = fake.state.checkRuns[0]!.output.summary ?? '';
      for (const md of [inspected.summary, reported.summary, comment, check]) {
        // Outside code spans, where GitHub interprets markdown: no comment start, mention, issue link or HTML of the model's.
        const live = md.replace(/(`+)[\s\S]*?\1/g, 'CODE').replace(/<!-- modelgate:sticky:[^>]* -->/, '');
        expect(live).not.toMatch(/<!--|@octocat|(^|[^\\])#1\b|<img/);
        expect(md).toContain(`\`x: float32[${hostileDim}, 4]\``);
        expect(md).toContain(`\`${hostileDomain} 1\``);
      }
      expect(fake.violations).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
