import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { visibleLines } from './harness/file-commands.js';
import { webhookPayload } from './harness/payloads.js';
import { REPO_ROOT, runActionBundle } from './harness/run-action.js';

// A later step (model-report, model-release, a user's script) reads what an earlier one wrote. When a
// step fails, what it leaves must not pass for its own output: an earlier run's artifact is removed
// first, and files that belong together are written all or none. (data-validate: data-validate.test.ts.)
const fixture = (path: string) => readFileSync(join(REPO_ROOT, path));
const pr = { name: 'pull_request' as const, payload: webhookPayload('pull_request', 'opened') };
const errors = (stdout: string) => visibleLines(stdout).filter((line) => line.startsWith('::error'));

describe('a failed step leaves no earlier run’s artifact behind', () => {
  it('model-eval: metrics.json and the predictions go, unless metrics.json is the baseline this run compares against', async () => {
    const inputs = { model: 'model.onnx', data: 'holdout.csv', label: 'income', positive: '>50K', 'predictions-out': 'modelgate-out/predictions.csv' };
    const files = { 'model.onnx': fixture('fixtures/onnx/income_mlp.onnx'), 'holdout.csv': fixture('fixtures/income/holdout.csv'), 'bad.csv': 'age,hours_per_week\n39,40\n' };
    const good = await runActionBundle('model-eval', { inputs, files, event: pr });
    expect(good.exitCode).toBe(0);
    const ws = good.workspace;
    const metrics = join(ws, 'modelgate-out/metrics.json');
    const earlier = readFileSync(metrics, 'utf8');
    const predictions = join(ws, 'modelgate-out/predictions.csv');
    const earlierPredictions = readFileSync(predictions, 'utf8');
    expect(earlierPredictions).toMatch(/^line,label,prediction,/);

    const failed = await runActionBundle('model-eval', { inputs: { ...inputs, data: 'bad.csv' }, env: { GITHUB_WORKSPACE: ws }, event: pr });
    expect(failed.exitCode).toBe(1);
    expect(errors(failed.stdout)).toEqual(["::error file=bad.csv::has no label column 'income' (columns: age, hours_per_week)"]);
    expect(existsSync(metrics)).toBe(false);
    expect(existsSync(predictions)).toBe(false);

    writeFileSync(metrics, earlier);
    writeFileSync(predictions, earlierPredictions);
    const againstItself = await runActionBundle('model-eval', { inputs: { ...inputs, data: 'bad.csv', baseline: 'modelgate-out/metrics.json' }, env: { GITHUB_WORKSPACE: ws }, event: pr });
    expect(againstItself.exitCode).toBe(1);
    expect(readFileSync(metrics, 'utf8')).toBe(earlier);
    // The predictions were not the baseline: they go.
    expect(existsSync(predictions)).toBe(false);

    // Files of those names that modelgate did not write are the user's: they stay.
    writeFileSync(metrics, '{"my": "notes"}\n');
    writeFileSync(predictions, 'line,label\n2,mine\n');
    expect((await runActionBundle('model-eval', { inputs: { ...inputs, data: 'bad.csv' }, env: { GITHUB_WORKSPACE: ws }, event: pr })).exitCode).toBe(1);
    expect(readFileSync(metrics, 'utf8')).toBe('{"my": "notes"}\n');
    expect(readFileSync(predictions, 'utf8')).toBe('line,label\n2,mine\n');
  });

  it('onnx-inspect: inspect.json goes when the model does not load', async () => {
    const model = fixture('fixtures/onnx/income_mlp.onnx');
    const good = await runActionBundle('onnx-inspect', { inputs: { model: 'm.onnx' }, files: { 'm.onnx': model }, event: pr });
    expect(good.exitCode).toBe(0);
    const inspect = join(good.workspace, 'modelgate-out/inspect.json');
    expect(existsSync(inspect)).toBe(true);
    writeFileSync(join(good.workspace, 'm.onnx'), model.subarray(0, 100));
    const failed = await runActionBundle('onnx-inspect', { inputs: { model: 'm.onnx' }, env: { GITHUB_WORKSPACE: good.workspace }, event: pr });
    expect(failed.exitCode).toBe(1);
    expect(existsSync(inspect)).toBe(false);
  });

  it('onnx-convert: convert.json goes when the source does not convert; the earlier model file is not touched', async () => {
    const good = await runActionBundle('onnx-convert', {
      inputs: { model: 'model.json', out: 'model.onnx' },
      files: { 'model.json': fixture('fixtures/convert/xgb_binary_logistic.json') },
    });
    expect(good.exitCode).toBe(0);
    const ws = good.workspace;
    const converted = readFileSync(join(ws, 'model.onnx'));
    writeFileSync(join(ws, 'model.json'), '{"learner": ');
    const failed = await runActionBundle('onnx-convert', { inputs: { model: 'model.json', out: 'model.onnx' }, env: { GITHUB_WORKSPACE: ws } });
    expect(failed.exitCode).toBe(1);
    expect(errors(failed.stdout)).toHaveLength(1);
    expect(existsSync(join(ws, 'modelgate-out/convert.json'))).toBe(false);
    expect(readFileSync(join(ws, 'model.onnx')).equals(converted)).toBe(true);
  });

  it('onnx-convert: the model and convert.json are written together or not at all', async () => {
    const good = await runActionBundle('onnx-convert', {
      inputs: { model: 'model.json', out: 'model.onnx', 'report-out': 'out/convert.json' },
      files: { 'model.json': fixture('fixtures/convert/xgb_binary_logistic.json'), 'out/convert.json/keep': '' },
    });
    // convert.json cannot be written (a directory holds its name): neither is the model.
    expect(good.exitCode).toBe(1);
    expect(errors(good.stdout)).toHaveLength(1);
    expect(errors(good.stdout)[0]).toMatch(/^::error file=.*out\/convert\.json::/);
    expect(existsSync(join(good.workspace, 'model.onnx'))).toBe(false);
  });

  it('model-release: release.json goes when the release fails', async () => {
    const files = { 'model.onnx': fixture('fixtures/onnx/income_mlp.onnx') };
    const good = await runActionBundle('model-release', { inputs: { model: 'model.onnx', to: 'dir:registry', name: 'income' }, files, event: { name: 'push', payload: webhookPayload('push') } });
    expect(good.exitCode).toBe(0);
    const release = join(good.workspace, 'modelgate-out/release.json');
    expect(existsSync(release)).toBe(true);
    writeFileSync(join(good.workspace, 'other.onnx'), fixture('fixtures/onnx/mlp_fp32.onnx'));
    // 1.0.0 exists with other content: refused.
    const failed = await runActionBundle('model-release', {
      inputs: { model: 'other.onnx', to: 'dir:registry', name: 'income', version: '1.0.0' },
      env: { GITHUB_WORKSPACE: good.workspace },
      event: { name: 'push', payload: webhookPayload('push') },
    });
    expect(failed.exitCode).toBe(1);
    expect(existsSync(release)).toBe(false);
  });

  it('model-report: a failed report leaves no earlier comment or card for model-release to publish', async () => {
    // With a license, which the card's front matter puts first.
    const files = { 'modelgate-out/metrics.json': fixture('fixtures/report/binary-head.json'), 'modelgate.yml': 'name: income\ncard:\n  license: mit\n' };
    const good = await runActionBundle('model-report', { inputs: { 'comment-on': 'none' }, files, event: pr });
    expect(readFileSync(join(good.workspace, 'modelgate-out/model-card.md'), 'utf8')).toMatch(/^---\nlicense: mit\n/);
    expect(good.exitCode).toBe(0);
    const ws = good.workspace;
    const written = ['comment.md', 'model-card.md', 'model-card.json'].map((name) => join(ws, 'modelgate-out', name));
    for (const file of written) expect(existsSync(file), file).toBe(true);
    const failed = await runActionBundle('model-report', { inputs: { 'comment-on': 'none', inspect: 'missing/inspect.json' }, env: { GITHUB_WORKSPACE: ws }, event: pr });
    expect(failed.exitCode).toBe(1);
    for (const file of written) expect(existsSync(file), file).toBe(false);
    // Files of those names that the report did not write are the user's: they stay.
    writeFileSync(written[0]!, '# my notes\n');
    writeFileSync(written[1]!, '---\ntitle: my card\n---\n');
    await runActionBundle('model-report', { inputs: { 'comment-on': 'none', inspect: 'missing/inspect.json' }, env: { GITHUB_WORKSPACE: ws }, event: pr });
    expect(readFileSync(written[0]!, 'utf8')).toBe('# my notes\n');
    expect(readFileSync(written[1]!, 'utf8')).toBe('---\ntitle: my card\n---\n');
  });

  it('model-report: the comment and both cards are written together or not at all', async () => {
    const run = await runActionBundle('model-report', {
      inputs: { 'comment-on': 'none', 'card-json-out': 'out/card.json', 'comment-out': 'out/comment.md', 'card-out': 'out/card.md' },
      files: { 'modelgate-out/metrics.json': fixture('fixtures/report/binary-head.json'), 'out/card.json/keep': '' },
      event: pr,
    });
    expect(run.exitCode).toBe(1);
    expect(errors(run.stdout)).toHaveLength(1);
    expect(existsSync(join(run.workspace, 'out/comment.md'))).toBe(false);
    expect(existsSync(join(run.workspace, 'out/card.md'))).toBe(false);
  });
});
