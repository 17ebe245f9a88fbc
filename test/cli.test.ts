import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArtifact } from '@modelgate/core';
import { COMMANDS, loadCommand } from '../packages/cli/src/cli/commands.js';
import { VERSION } from '../packages/cli/src/version.js';
import { REPO_ROOT } from './harness/run-action.js';

function modelgate(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnModelgate(args, REPO_ROOT);
}

// onnxruntime keeps its telemetry (and its temp files) quiet when one of these says it runs in CI.
const CI_VARIABLES = ['CI', 'TF_BUILD', 'GITHUB_ACTIONS', 'GITLAB_CI', 'CIRCLECI', 'TRAVIS', 'JENKINS_URL', 'CODEBUILD_BUILD_ID', 'BUILDKITE', 'TEAMCITY_VERSION', 'APPVEYOR', 'BITBUCKET_BUILD_NUMBER'];

/** Runs the CLI as on a laptop, with a temp directory of its own that it must leave empty: nothing else cleans it there. */
function spawnModelgate(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const { temp, env } = laptop();
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'modelgate.js'), ...args], { encoding: 'utf8', cwd, env });
  const leftovers = readdirSync(temp);
  if (leftovers.length > 0) throw new Error(`modelgate ${args.join(' ')} left ${leftovers.join(', ')} in its temp directory`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** An environment as on a laptop: no CI variables, and a temp directory of the command's own. */
function laptop(): { temp: string; env: NodeJS.ProcessEnv } {
  const temp = mkdtempSync(join(tmpdir(), 'modelgate-cli-temp-'));
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: temp };
  // The test run turns onnxruntime's telemetry off for itself: the CLI has to do so on its own.
  for (const name of [...CI_VARIABLES, 'ORT_DISABLE_TELEMETRY']) delete env[name];
  return { temp, env };
}

describe('modelgate CLI', () => {
  it('prints help listing every command, exit 0', () => {
    const run = modelgate('--help');
    expect(run.status).toBe(0);
    for (const command of COMMANDS) expect(run.stdout).toMatch(new RegExp(`^  ${command.name} +${command.summary.replace(/[()]/g, '\\$&')}$`, 'm'));
  });

  it('without a command prints help to stderr and exits 2', () => {
    const run = modelgate();
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Usage: modelgate <command> [options]');
  });

  it('prints its version', () => {
    expect(modelgate('--version')).toEqual({ status: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it.each(COMMANDS.map((command) => command.name))('%s --help documents its options', async (name) => {
    const run = modelgate(name, '--help');
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(new RegExp(`^Usage: modelgate ${name} `));
    const command = await loadCommand(COMMANDS.find((candidate) => candidate.name === name)!);
    expect(command.options.length).toBeGreaterThan(0);
    for (const option of command.options) expect(run.stdout).toContain(`--${option.defaultOn ? '[no-]' : ''}${option.name}`);
  });

  it('a bad option is one stderr line naming the flag, and no summary on stdout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelgate-cli-'));
    writeFileSync(join(dir, 'new.csv'), 'age,income\n35,a\n');
    expect(modelgate('validate', '--data', join(dir, 'new.csv'), '--drift-share', '2')).toEqual({ status: 1, stdout: '', stderr: "modelgate: option '--drift-share' expected a number ≤ 1, got 2\n" });
    expect(modelgate('inspect', '--model', 'm.onnx', '--max-growth', 'ten')).toMatchObject({ status: 1, stderr: "modelgate: option '--max-growth' expected a percentage like 10%, got 'ten'\n" });
    // Messages of the action's own checks too; an input renamed on the command line by its flag.
    expect(modelgate('eval', '--data', join(dir, 'new.csv'), '--label', 'income').stderr).toBe("modelgate: option '--model' is required (or set `model` in modelgate.yml)\n");
    expect(modelgate('eval', '--model', 'm.onnx', '--data', 'd.csv', '--label', 'y', '--gate', 'f1 >=').stderr).toMatch(/^modelgate: .*f1 >=/);
    const positive = modelgate('eval', '--model', 'fixtures/onnx/income_mlp.onnx', '--data', 'fixtures/income/holdout.csv', '--label', 'income', '--out', join(dir, 'metrics.json'));
    expect(positive.stderr).toMatch(/^modelgate: option '--positive' is required to say which of the labels '<=50K', '>50K' is the positive class/);
  });

  it('switches a boolean flag off with --no-<flag> or --<flag>=false; the last one wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelgate-cli-'));
    writeFileSync(join(dir, 'train.csv'), 'age,income\n30,a\n40,b\n50,a\n');
    writeFileSync(join(dir, 'new.csv'), 'age,income\n35,a\n300,b\n');
    expect(modelgate('infer-schema', '--data', join(dir, 'train.csv'), '--label', 'income', '--out', join(dir, 'schema.json'), '--quiet').status).toBe(0);
    const validate = (...flags: string[]) => modelgate('validate', '--data', join(dir, 'new.csv'), '--schema', join(dir, 'schema.json'), '--out-dir', join(dir, 'out'), '--quiet', ...flags);
    const failed = validate();
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('1 error anomaly');
    expect(validate('--no-fail-on-anomalies').status).toBe(0);
    expect(validate('--fail-on-anomalies=false').status).toBe(0);
    expect(validate('--fail-on-anomalies=No').status).toBe(0);
    expect(validate('--no-fail-on-anomalies', '--fail-on-anomalies').status).toBe(1);
    expect(validate('--fail-on-anomalies', '--no-fail-on-anomalies').status).toBe(0);
    expect(validate('--fail-on-anomalies=maybe')).toEqual({
      status: 2,
      stdout: '',
      stderr: "modelgate: validate: option '--fail-on-anomalies' is on or off: write --fail-on-anomalies, --no-fail-on-anomalies or --fail-on-anomalies=false, not 'maybe'\nRun 'modelgate --help' for usage.\n",
    });
    // Only boolean flags negate.
    expect(validate('--no-schema').stderr).toContain("Unknown option '--no-schema'");
    expect(modelgate('validate', '--help').stdout).toMatch(/^  --\[no-\]fail-on-drift +Fail the step on dataset drift\. \(default true\)$/m);
  });


  it('rejects unknown commands and flags with exit 2', () => {
    expect(modelgate('evaluate')).toEqual({ status: 2, stdout: '', stderr: "modelgate: unknown command 'evaluate' (did you mean 'eval'?)\nRun 'modelgate --help' for usage.\n" });
    expect(modelgate('eval', '--modle', 'm.onnx')).toEqual({ status: 2, stdout: '', stderr: "modelgate: eval: Unknown option '--modle'\nRun 'modelgate --help' for usage.\n" });
  });
});

describe('modelgate inspect / optimize (same code as the onnx-inspect action)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelgate-cli-'));
  const fixture = (name: string) => join(REPO_ROOT, 'fixtures', 'onnx', name);

  it('inspect --json prints inspect.json', () => {
    const run = modelgate('inspect', '--model', fixture('income_mlp.onnx'), '--target-runtime', 'onnxruntime 1.14', '--out', join(dir, 'inspect.json'), '--json');
    expect(run.stderr).toBe(`fixtures/onnx/income_mlp.onnx: valid, 1568 bytes, 122 parameters, 1 budget passed\n`);
    expect(run.status).toBe(0);
    const inspect = parseArtifact('inspect', run.stdout, 'stdout');
    expect(inspect.inputs).toEqual([{ name: 'input', dtype: 'float32', shape: ['N', 4] }]);
    expect(inspect.metadata['feature_names']).toBe('age,capital_gain,capital_loss,hours_per_week');
    expect(inspect.budgets[0]?.passed).toBe(true);
    // A growth budget without a base to grow from is skipped, and not called passed.
    const growth = modelgate('inspect', '--model', fixture('income_mlp.onnx'), '--max-bytes', '1MB', '--max-growth', '10%', '--out', join(dir, 'inspect.json'));
    expect([growth.status, growth.stdout.split('\n')[0]]).toEqual([0, 'fixtures/onnx/income_mlp.onnx: valid, 1568 bytes, 122 parameters, 1 budget passed, 1 skipped']);
    expect(growth.stdout).toContain('\n1 of 2 budgets passed, 1 skipped (nothing to compare with).\n');
  });

  it('inspect prints the summary and exits 1 on a failed budget', () => {
    const run = modelgate('inspect', '--model', fixture('mlp_fp32.onnx'), '--max-parameters', '1000', '--out', join(dir, 'inspect2.json'));
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^\| max_parameters \| 1000 +\| 85,516 parameters, budget 1,000 \| ❌ \|$/m);
    expect(run.stderr).toBe('modelgate: fixtures/onnx/mlp_fp32.onnx: max_parameters: 85,516 parameters, budget 1,000\n');
  });

  it('optimize --fp16 writes a checked, smaller model', () => {
    const out = join(dir, 'mlp.fp16.onnx');
    const run = modelgate('optimize', '--model', fixture('mlp_fp32.onnx'), '--fp16', '--out', out);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/: 336 KiB → 169 KiB \(50\.4%\)\. float16: 8 initializers and 18 nodes converted, 0 nodes kept in float32\.\n$/);
    expect(statSync(out).size).toBeLessThan(statSync(fixture('mlp_fp32.onnx')).size * 0.55);
  });

  it('optimize refuses contradictory or empty requests with one line', () => {
    expect(modelgate('optimize', '--model', fixture('mlp_fp32.onnx'), '--fp16', '--int8', '--out', join(dir, 'x.onnx'))).toMatchObject({ status: 1, stderr: 'modelgate: choose one of --fp16 and --int8\n' });
    expect(modelgate('optimize', '--model', fixture('mlp_fp32.onnx'), '--out', join(dir, 'x.onnx'))).toMatchObject({ status: 1, stderr: 'modelgate: nothing to do: pass --fp16, --int8 or --strip-zipmap\n' });
  });
});

describe('no command overwrites its own input', () => {
  it('infer-schema, inspect and report refuse an output that is one of their inputs, before writing anything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelgate-cli-'));
    const model = readFileSync(join(REPO_ROOT, 'fixtures/onnx/mlp_fp32.onnx'));
    const metrics = readFileSync(join(REPO_ROOT, 'fixtures/report/binary-head.json'));
    writeFileSync(join(dir, 'train.csv'), 'a,b\n1,x\n2,y\n');
    writeFileSync(join(dir, 'm.onnx'), model);
    writeFileSync(join(dir, 'metrics.json'), metrics);
    const cases: Array<[string[], string]> = [
      [['infer-schema', '--data', 'train.csv', '--out', 'train.csv'], "modelgate: 'out' (train.csv) is the same file as 'data' (train.csv): writing it would replace that input\n"],
      [['inspect', '--model', 'm.onnx', '--out', 'm.onnx'], "modelgate: 'out' (m.onnx) is the same file as 'model' (m.onnx): writing it would replace that input\n"],
      [['report', '--metrics', 'metrics.json', '--comment-on', 'none', '--card-json-out', 'metrics.json'], "modelgate: 'card-json-out' (metrics.json) is the same file as 'metrics' (metrics.json): writing it would replace that input\n"],
    ];
    for (const [args, stderr] of cases) expect(spawnModelgate(args, dir), args.join(' ')).toMatchObject({ status: 1, stderr });
    expect(readdirSync(dir).sort()).toEqual(['m.onnx', 'metrics.json', 'train.csv']);
    expect(readFileSync(join(dir, 'm.onnx')).equals(model)).toBe(true);
    expect(readFileSync(join(dir, 'metrics.json')).equals(metrics)).toBe(true);
    expect(readFileSync(join(dir, 'train.csv'), 'utf8')).toBe('a,b\n1,x\n2,y\n');
  });
});

describe('modelgate demo (npm start)', () => {
  it('runs the whole pipeline on the bundled example and releases 1.0.0, then 2.0.0 for the PR', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelgate-demo-'));
    const result = spawnModelgate(['demo'], dir);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.filter((line) => line.startsWith('✘'))).toEqual([]);
    expect(lines.filter((line) => line.startsWith('✔'))).toHaveLength(12);
    expect(result.stdout).toMatch(/✔ release \(main\) +1\.0\.0 \(initial\)/);
    expect(result.stdout).toMatch(/✔ release \(PR merged\) +2\.0\.0 \(major\)/);
    expect(result.stdout).toMatch(/✔ validate hold-out +0 errors, 0 warnings, 0 drifted columns$/m);
    expect(result.stdout).toMatch(/✔ validate drifted data +1 error, 5 drifted columns \(share 0\.38\)/);
    const pr = JSON.parse(readFileSync(join(dir, 'modelgate-out/demo/pr/metrics.json'), 'utf8')) as { baseline: { source: string }; gates: { expr: string; threshold: number }[] };
    expect(pr.baseline.source).toMatch(/^dir:registry:latest \(1\.0\.0\)$/);
    expect(pr.gates.at(-1)?.threshold).not.toBeNull();
    // The PR comment diffs against the released champion, named by its version.
    expect(readFileSync(join(dir, 'modelgate-out/demo/pr/comment.md'), 'utf8')).toMatch(/^\| Metric +\| `v1\.0\.0` \| head /m);
    for (const file of ['pr/comment.md', 'main/model-card.md', 'main/metrics.json', 'drifted/drift.json', 'registry/index.json', 'models/tumor.onnx']) {
      expect(statSync(join(dir, 'modelgate-out/demo', file)).size, file).toBeGreaterThan(0);
    }
  });

  it('replaces only a directory of its own: never the current one, nor one it did not write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelgate-demo-'));
    writeFileSync(join(dir, 'train.py'), 'print(1)\n');
    mkdirSync(join(dir, 'mine'));
    writeFileSync(join(dir, 'mine', 'notes.txt'), 'keep\n');
    expect(spawnModelgate(['demo', '--out-dir', '.'], dir)).toMatchObject({
      status: 1,
      stderr: "modelgate: out-dir . holds the current directory; the demo replaces its out-dir, so give it a directory of its own (default modelgate-out/demo)\n",
    });
    expect(spawnModelgate(['demo', '--out-dir', '..'], join(dir, 'mine')).status).toBe(1);
    expect(spawnModelgate(['demo', '--out-dir', 'mine'], dir)).toMatchObject({
      status: 1,
      stderr: 'modelgate: out-dir mine is not empty and has no .modelgate-demo (the demo replaces only its own directory; one from a version before the marker must be removed by hand): give it a new or empty directory\n',
    });
    expect(readdirSync(dir).sort()).toEqual(['mine', 'train.py']);
    expect(readFileSync(join(dir, 'mine', 'notes.txt'), 'utf8')).toBe('keep\n');
    // Its own directory it replaces, run after run.
    expect(spawnModelgate(['demo', '--out-dir', 'out', '--quiet'], dir).status).toBe(0);
    writeFileSync(join(dir, 'out', 'extra.txt'), 'x');
    expect(spawnModelgate(['demo', '--out-dir', 'out', '--quiet'], dir).status).toBe(0);
    expect(readdirSync(join(dir, 'out'))).not.toContain('extra.txt');
  });
});

describe('modelgate interrupted', () => {
  it('by Ctrl-C while its converter runs: stops the converter, removes its temp directory, ends by SIGINT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelgate-cli-'));
    writeFileSync(join(dir, 'model.onnx.in'), readFileSync(join(REPO_ROOT, 'fixtures/onnx/income_mlp.onnx')));
    const { temp, env } = laptop();
    // The converter signals that it runs, then waits on a background job that would leave a trace.
    const command = 'touch started; (sleep 2; touch late) & wait';
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'modelgate.js'), 'convert', '--from', 'command', '--model', 'model.onnx.in', '--out', 'model.onnx', '--command', command], { cwd: dir, env, stdio: 'ignore' });
    const ended = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    for (let waited = 0; !existsSync(join(dir, 'started')); waited += 20) {
      if (waited > 20_000) throw new Error('the converter did not start');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(readdirSync(temp)).toHaveLength(1);
    child.kill('SIGINT');
    expect(await ended).toEqual([null, 'SIGINT']);
    expect(readdirSync(temp)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(readdirSync(dir).sort()).toEqual(['model.onnx.in', 'started']);
  });
});
