import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArtifact } from '@modelgate/core';
import { decodeModel } from '@modelgate/onnx';
import { visibleLines } from './harness/file-commands.js';
import { webhookPayload } from './harness/payloads.js';
import { REPO_ROOT, runActionBundle } from './harness/run-action.js';

const convertFixture = (name: string) => readFileSync(join(REPO_ROOT, 'fixtures/convert', name));

/** Parity data as a user would have it: the model's feature names as header, NaN as empty fields. */
function parityCsv(model: string, expected: string): string {
  const names = (JSON.parse(convertFixture(model).toString()) as { learner: { feature_names: string[] } }).learner.feature_names;
  const rows = (JSON.parse(convertFixture(expected).toString()) as { rows: (number | null)[][] }).rows;
  return `${names.map((name) => `"${name}"`).join(',')},label\n${rows.map((row) => `${row.map((value) => (value === null ? '' : String(value))).join(',')},0`).join('\n')}\n`;
}

describe('onnx-convert bundle', () => {
  it('converts XGBoost JSON, checks parity on data by feature name, writes model and convert.json', async () => {
    const run = await runActionBundle('onnx-convert', {
      inputs: { model: 'models/model.json', out: 'models/model.onnx', 'parity-data': 'holdout.csv', label: 'label' },
      files: { 'models/model.json': convertFixture('xgb_binary_logistic.json'), 'holdout.csv': parityCsv('xgb_binary_logistic.json', 'xgb_binary_logistic.expected.json') },
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ passed: 'true', model: 'models/model.onnx', 'label-agreement': '1', 'convert-json': 'modelgate-out/convert.json' });
    expect(Number(run.outputs['max-abs-diff'])).toBeLessThanOrEqual(1e-5);
    const report = parseArtifact('convert', readFileSync(join(run.workspace, 'modelgate-out/convert.json'), 'utf8'), 'convert.json');
    expect(report.source).toMatchObject({ path: 'models/model.json', format: 'xgboost', objective: 'binary:logistic' });
    expect(report.parity).toMatchObject({ rows: 38, passed: true, tolerance: 0.00001 });
    const model = decodeModel(readFileSync(join(run.workspace, 'models/model.onnx')), 'model.onnx');
    expect(model.graph!.output.map((output) => output.name)).toEqual(['label', 'probabilities']);
    expect(Object.fromEntries(model.metadata_props.map((entry) => [entry.key, entry.value]))['feature_names']?.split(',')[0]).toBe('mean radius');
  });

  it('fails when parity exceeds the tolerance, with the numbers', async () => {
    // onnxruntime sums the trees in another float32 order than XGBoost: ~7e-8 apart on these rows.
    const run = await runActionBundle('onnx-convert', {
      inputs: { model: 'model.json', out: 'model.onnx', 'parity-data': 'holdout.csv', label: 'label', tolerance: '1e-9', 'relative-tolerance': '0' },
      files: { 'model.json': convertFixture('xgb_binary_logistic.json'), 'holdout.csv': parityCsv('xgb_binary_logistic.json', 'xgb_binary_logistic.expected.json') },
    });
    expect(run.exitCode).toBe(1);
    const lines = visibleLines(run.stdout).filter((line) => line.startsWith('::error'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::error::parity failed: row \d+: converted \S+ vs source \S+, \|diff\| \S+ > tolerance 1e-9 \+ relative-tolerance 0 × \|source\| = 1e-9 \(max abs diff (\S+), max rel diff \S+ on 38 rows of holdout\.csv\)$/);
    expect(lines[0]).toContain(`max abs diff ${run.outputs['max-abs-diff']},`);
    expect(Number(run.outputs['max-abs-diff'])).toBeGreaterThan(1e-9);
    expect(run.outputs['passed']).toBe('false');
  });

  it('large regression outputs pass within float32 rounding (tolerance + relative-tolerance × |source|)', async () => {
    // base_score 7.5, 200 trees, outputs 67..295: onnxruntime's float32 sums are ~5e-5 off XGBoost's, 3e-7 relative.
    const files = { 'model.json': convertFixture('xgb_reg_large_targets.json'), 'holdout.csv': parityCsv('xgb_reg_large_targets.json', 'xgb_reg_large_targets.expected.json') };
    const run = await runActionBundle('onnx-convert', { inputs: { model: 'model.json', out: 'model.onnx', 'parity-data': 'holdout.csv', label: 'label' }, files });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(Number(run.outputs['max-abs-diff'])).toBeGreaterThan(1e-5);
    expect(Number(run.outputs['max-rel-diff'])).toBeLessThan(1e-6);
    const report = parseArtifact('convert', readFileSync(join(run.workspace, 'modelgate-out/convert.json'), 'utf8'), 'convert.json');
    expect(report.parity).toMatchObject({ rows: 36, passed: true, tolerance: 0.00001, relative_tolerance: 0.00001, label_agreement: null });
    // relative-tolerance 0 is the old absolute-only rule.
    const absolute = await runActionBundle('onnx-convert', { inputs: { model: 'model.json', out: 'model.onnx', 'parity-data': 'holdout.csv', label: 'label', 'relative-tolerance': '0' }, files });
    expect(absolute.exitCode).toBe(1);
    expect(visibleLines(absolute.stdout).filter((line) => line.startsWith('::error'))[0]).toMatch(/^::error::parity failed: row \d+: converted [\d.]+ vs source [\d.]+, \|diff\| [\d.e-]+ > tolerance 0\.00001 \+ relative-tolerance 0 × \|source\| = 0\.00001 /);
    // An explicit tolerance is not loosened by the default relative part: the same rule, and the report says so.
    const explicit = await runActionBundle('onnx-convert', { inputs: { model: 'model.json', out: 'model.onnx', 'parity-data': 'holdout.csv', label: 'label', tolerance: '0.00001' }, files });
    expect(explicit.exitCode).toBe(1);
    expect(visibleLines(explicit.stdout).filter((line) => line.startsWith('::error'))[0]).toContain('> tolerance 0.00001 + relative-tolerance 0 × |source| = 0.00001 ');
    const explicitReport = parseArtifact('convert', readFileSync(join(explicit.workspace, 'modelgate-out/convert.json'), 'utf8'), 'convert.json');
    expect(explicitReport.parity).toMatchObject({ tolerance: 0.00001, relative_tolerance: 0, passed: false });
  });

  it('refuses what it cannot convert, in one line', async () => {
    const gblinear = await runActionBundle('onnx-convert', { inputs: { model: 'model.json', out: 'model.onnx' }, files: { 'model.json': convertFixture('xgb_gblinear.json') } });
    expect(gblinear.exitCode).toBe(1);
    expect(visibleLines(gblinear.stdout)).toHaveLength(1);
    expect(visibleLines(gblinear.stdout)[0]).toMatch(/^::error file=model\.json::.*gblinear/);
    const truncated = await runActionBundle('onnx-convert', { inputs: { model: 'model.json', out: 'model.onnx' }, files: { 'model.json': convertFixture('xgb_binary_logistic.json').subarray(0, 500) } });
    expect(truncated.exitCode).toBe(1);
    expect(visibleLines(truncated.stdout)).toHaveLength(1);
    expect(truncated.outputFile).toBe('');
  });

  it('command mode checks parity against the source library\'s own predictions', async () => {
    const expected = JSON.parse(readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_mlp.expected.json'), 'utf8')) as {
      inputs: { input: { data: number[][] } };
      outputs: { probabilities: { data: number[][] } };
    };
    const data = `age,capital_gain,capital_loss,hours_per_week\n${expected.inputs.input.data.map((row) => row.join(',')).join('\n')}\n`;
    const torch = `p0,p1\n${expected.outputs.probabilities.data.map((row) => row.join(',')).join('\n')}\n`;
    const files = { 'exported.onnx': readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_mlp.onnx')), 'rows.csv': data, 'torch.csv': torch };
    const run = await runActionBundle('onnx-convert', { inputs: { from: 'command', model: 'exported.onnx', out: 'model.onnx', command: 'cp {input} {output}', 'parity-data': 'rows.csv', 'parity-expected': 'torch.csv' }, files });
    expect(run.exitCode).toBe(0);
    expect(run.outputs['label-agreement']).toBe('1');
    expect(Number(run.outputs['max-abs-diff'])).toBeLessThan(1e-6);
    const report = parseArtifact('convert', readFileSync(join(run.workspace, 'modelgate-out/convert.json'), 'utf8'), 'convert.json');
    expect(report.parity).toMatchObject({ rows: 50, passed: true });
    const short = await runActionBundle('onnx-convert', {
      inputs: { from: 'command', model: 'exported.onnx', out: 'model.onnx', command: 'cp {input} {output}', 'parity-data': 'rows.csv', 'parity-expected': 'torch.csv' },
      files: { ...files, 'torch.csv': torch.split('\n').slice(0, 11).join('\n') },
    });
    expect(short.exitCode).toBe(1);
    expect(visibleLines(short.stdout).filter((line) => line.startsWith('::error'))).toEqual(['::error file=torch.csv::has 10 rows of predictions, fewer than the rows.csv rows compared']);
  });

  it('command mode: a NaN prediction fails parity naming its row, convert.json stays valid; a cell that is no number is refused', async () => {
    const expected = JSON.parse(readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_mlp.expected.json'), 'utf8')) as {
      inputs: { input: { data: number[][] } };
      outputs: { probabilities: { data: number[][] } };
    };
    const data = `age,capital_gain,capital_loss,hours_per_week\n${expected.inputs.input.data.map((row) => row.join(',')).join('\n')}\n`;
    // Row 3 of the predictions (line 4 of the file) with its first cell replaced.
    const torch = (cell: string) => `p0,p1\n${expected.outputs.probabilities.data.map((row, i) => (i === 2 ? [cell, row[1]] : row).join(',')).join('\n')}\n`;
    const inputs = { from: 'command', model: 'exported.onnx', out: 'model.onnx', command: 'cp {input} {output}', 'parity-data': 'rows.csv', 'parity-expected': 'torch.csv' };
    const convert = (cell: string) => runActionBundle('onnx-convert', { inputs, files: { 'exported.onnx': readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_mlp.onnx')), 'rows.csv': data, 'torch.csv': torch(cell) } });
    const nan = await convert('nan');
    expect(nan.stderr).toBe('');
    expect(nan.exitCode).toBe(1);
    const errors = visibleLines(nan.stdout).filter((line) => line.startsWith('::error'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^::error::parity failed: row 3: converted [\d.e-]+ vs source NaN: NaN or an infinity matches nothing but itself \(the only such value; max abs diff [\d.e-]+, /);
    const report = parseArtifact('convert', readFileSync(join(nan.workspace, 'modelgate-out/convert.json'), 'utf8'), 'convert.json');
    expect(report.parity).toMatchObject({ rows: 50, passed: false, non_finite_values: 1 });
    expect(report.parity!.max_abs_diff).toBeLessThan(1e-6);
    for (const [cell, message] of [
      ['0x10', "column 'p0': '0x10' is not a number"],
      ['', "column 'p0' is empty"],
    ]) {
      const run = await convert(cell!);
      expect(run.exitCode).toBe(1);
      expect(visibleLines(run.stdout).filter((line) => line.startsWith('::error'))).toEqual([`::error file=torch.csv,line=4::${message}: parity-expected holds the source model's predictions, numbers only`]);
    }
  });

  it('command mode runs the converter, checks its output, and refuses fork pull requests', async () => {
    const files = { 'model.onnx.in': readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_mlp.onnx')) };
    const run = await runActionBundle('onnx-convert', { inputs: { from: 'command', model: 'model.onnx.in', out: 'model.onnx', command: 'cp {input} {output}' }, files });
    expect(run.exitCode).toBe(0);
    expect(run.outputs['bytes']).toBe(String(files['model.onnx.in'].byteLength));
    // The opsets the converter's model imports, not the target-opset input (which a command never sees).
    expect(parseArtifact('convert', readFileSync(join(run.workspace, 'modelgate-out/convert.json'), 'utf8'), 'convert.json').target_opset).toEqual({ 'ai.onnx': 13 });
    const broken = await runActionBundle('onnx-convert', { inputs: { from: 'command', model: 'model.onnx.in', out: 'model.onnx', command: 'echo garbage > {output}' }, files });
    expect(broken.exitCode).toBe(1);
    expect(visibleLines(broken.stdout).filter((line) => line.startsWith('::error'))[0]).toMatch(/^::error::the converter command wrote no valid ONNX model to \{output\}: /);
    const fork = webhookPayload('pull_request', 'opened');
    ((fork['pull_request'] as { head: { repo: { full_name: string } } }).head.repo.full_name) = 'someone-else/Hello-World';
    const refused = await runActionBundle('onnx-convert', { inputs: { from: 'command', model: 'model.onnx.in', out: 'model.onnx', command: 'cp {input} {output}' }, files, event: { name: 'pull_request', payload: fork } });
    expect(refused.exitCode).toBe(1);
    expect(visibleLines(refused.stdout)).toEqual([
      '::error::refusing to run a converter command on a pull request from a fork: the PR controls the model file, and loading pickles runs code (set allow-on-fork only if you trust every contributor)',
    ]);
  });

  it('command-timeout stops the whole converter command, not only its shell', async () => {
    const files = { 'model.onnx.in': readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_mlp.onnx')) };
    // The shell waits on a background job; killing the shell alone would leave the job running (and holding stderr open).
    const run = await runActionBundle('onnx-convert', { inputs: { from: 'command', model: 'model.onnx.in', out: 'model.onnx', command: '(sleep 2; touch late) & wait', 'command-timeout': '1' }, files });
    expect(run.exitCode).toBe(1);
    expect(visibleLines(run.stdout).filter((line) => line.startsWith('::error'))).toEqual(['::error::the converter command did not finish within 1 s (command-timeout)']);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(existsSync(join(run.workspace, 'late'))).toBe(false);
  });

  it('a cancelled run (SIGINT) stops the converter and leaves no temp directory (the harness checks RUNNER_TEMP and TMPDIR)', async () => {
    const files = { 'model.onnx.in': readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_mlp.onnx')) };
    const command = 'touch started; (sleep 2; touch late) & wait';
    const run = await runActionBundle('onnx-convert', { inputs: { from: 'command', model: 'model.onnx.in', out: 'model.onnx', command }, files, interrupt: { whenExists: 'started', signal: 'SIGINT' } });
    expect([run.exitCode, run.signal]).toEqual([null, 'SIGINT']);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(readdirSync(run.workspace).sort()).toEqual(['model.onnx.in', 'started']);
  });
});

describe('onnx-convert never writes over what it reads', () => {
  const source = convertFixture('xgb_binary_logistic.json');

  it.each([
    [{ out: 'model.json' }, "'out' (model.json) is the same file as 'model' (model.json): writing it would replace that input"],
    [{ out: 'model.onnx', 'report-out': 'model.json' }, "'report-out' (model.json) is the same file as 'model' (model.json): writing it would replace that input"],
    [{ out: 'model.onnx', 'report-out': 'model.onnx' }, "'report-out' (model.onnx) is the same file as 'out' (model.onnx): each output needs a path of its own"],
    [{ out: 'model.onnx', 'parity-data': 'holdout.csv', label: 'label', 'report-out': 'holdout.csv' }, "'report-out' (holdout.csv) is the same file as 'parity-data' (holdout.csv): writing it would replace that input"],
  ])('refuses %j before anything is written', async (paths, message) => {
    const parity = parityCsv('xgb_binary_logistic.json', 'xgb_binary_logistic.expected.json');
    const run = await runActionBundle('onnx-convert', {
      inputs: { model: 'model.json', ...paths },
      files: { 'model.json': source, 'holdout.csv': parity, 'modelgate-out/convert.json': '{"mine": true}\n' },
    });
    expect(run.exitCode).toBe(1);
    expect(visibleLines(run.stdout)).toEqual([`::error::${message}`]);
    expect(readFileSync(join(run.workspace, 'model.json')).equals(source)).toBe(true);
    expect(readFileSync(join(run.workspace, 'holdout.csv'), 'utf8')).toBe(parity);
    expect(existsSync(join(run.workspace, 'model.onnx'))).toBe(false);
  });

  it('refuses the source through a symbolic link', async () => {
    const first = await runActionBundle('onnx-convert', { inputs: { model: 'model.json', out: 'model.onnx' }, files: { 'model.json': source } });
    expect(first.exitCode).toBe(0);
    symlinkSync(join(first.workspace, 'model.json'), join(first.workspace, 'link.onnx'));
    const run = await runActionBundle('onnx-convert', { inputs: { model: 'model.json', out: 'link.onnx' }, env: { GITHUB_WORKSPACE: first.workspace } });
    expect(run.exitCode).toBe(1);
    expect(visibleLines(run.stdout)).toEqual(["::error::'out' (link.onnx) is the same file as 'model' (model.json): writing it would replace that input"]);
    expect(readFileSync(join(first.workspace, 'model.json')).equals(source)).toBe(true);
  });
});
