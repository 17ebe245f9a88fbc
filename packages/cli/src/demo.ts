/**
 * `modelgate demo` (= `npm start`): the whole pipeline on the bundled example, into
 * `modelgate-out/demo/`: data → schema → validation and drift → conversion → inspection →
 * evaluation with gates and slices → report and model card → release to an on-disk OCI
 * registry; then a second "pull request" run that shows a metric diff and the version bump.
 * Every step is the same action definition the GitHub Actions run.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ConfigurationError, defineAction, input, runAction, type ActionDefinition, type InputShape } from '@modelgate/core';
import { incomeCsvChunks } from '@modelgate/data';
import { dataValidate, inferSchemaCommand } from './actions/data-validate.js';
import { modelEval } from './actions/model-eval.js';
import { modelRelease } from './actions/model-release.js';
import { modelReport } from './actions/model-report.js';
import { onnxConvert } from './actions/onnx-convert.js';
import { onnxInspect } from './actions/onnx-inspect.js';
import { CliHost } from './cli/cli-host.js';

/** The package root: fixtures ship beside dist/ (and live at the repo root in a clone). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'fixtures'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the bundled example (fixtures/) next to modelgate');
    dir = parent;
  }
  return dir;
}

/** Left in the demo's directory: the next run replaces only a directory that has it. */
const DEMO_MARKER = '.modelgate-demo';

/**
 * Empties `out` for a new demo. It is removed whole, so it must be the demo's own: new, empty, or
 * written by an earlier demo; never the current directory or one above it.
 */
async function replaceDemoDirectory(out: string, workspace: string, shown: string): Promise<void> {
  const up = relative(out, workspace);
  if (up === '' || (!up.startsWith('..') && !isAbsolute(up))) {
    throw new ConfigurationError(`out-dir ${shown} holds the current directory; the demo replaces its out-dir, so give it a directory of its own (default modelgate-out/demo)`, { field: 'out-dir' });
  }
  let entries: string[] | undefined;
  try {
    entries = await readdir(out);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new ConfigurationError(`out-dir ${shown} is a file, expected a directory`, { field: 'out-dir' });
    if (code !== 'ENOENT') throw error;
  }
  if (entries !== undefined && entries.length > 0 && !entries.includes(DEMO_MARKER)) {
    throw new ConfigurationError(`out-dir ${shown} is not empty and has no ${DEMO_MARKER} (the demo replaces only its own directory; one from a version before the marker must be removed by hand): give it a new or empty directory`, { field: 'out-dir' });
  }
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await writeFile(join(out, DEMO_MARKER), 'Written by modelgate demo: the next run replaces this directory.\n');
}

async function writeIncome(path: string, variant: 'train' | 'holdout' | 'drifted', rows: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const out = createWriteStream(path);
  for (const chunk of incomeCsvChunks({ variant, rows })) if (!out.write(chunk)) await new Promise<void>((done) => out.once('drain', () => done()));
  await new Promise<void>((done) => out.end(() => done()));
}

export const demo = defineAction({
  name: 'demo',
  title: 'modelgate demo',
  description: 'Run the whole pipeline on the bundled example.',
  branding: { icon: 'play', color: 'green' },
  inputs: {
    'out-dir': input.requiredString({ description: 'Where to write the demo: a new or empty directory, or an earlier demo\'s, which is replaced.', default: 'modelgate-out/demo' }),
  },
  outputs: {},
  async run({ inputs, environment, logger }) {
    const started = performance.now();
    const root = packageRoot();
    const out = resolve(environment.workspace, inputs['out-dir']);
    const shown = (path: string) => relative(environment.workspace, join(out, path)) || '.';
    await replaceDemoDirectory(out, resolve(environment.workspace), shown(''));
    const failures: string[] = [];

    /** Run one action definition with these inputs in the demo directory; print one line. */
    const step = async (label: string, definition: ActionDefinition<InputShape, string>, values: Record<string, string>, describe: (outputs: Record<string, string>) => string) => {
      const lines: string[] = [];
      const host = new CliHost({ io: { out: () => undefined, err: (text) => lines.push(text.trimEnd()) }, values, json: true, quiet: true, debug: false, env: {}, workspace: out });
      await runAction(definition, host);
      const ok = host.exitCode === 0;
      if (!ok) failures.push(`${label}: ${lines.join(' ')}`);
      logger.info(`${ok ? '✔' : '✘'} ${label.padEnd(26)} ${ok ? describe(host.outputs) : lines.join(' ')}`);
      return host.outputs;
    };

    await writeIncome(join(out, 'data/train.csv'), 'train', 5000);
    await writeIncome(join(out, 'data/holdout.csv'), 'holdout', 2000);
    await writeIncome(join(out, 'data/drifted.csv'), 'drifted', 2000);
    await mkdir(join(out, 'models'), { recursive: true });
    for (const model of ['income_mlp.onnx', 'income_linear_zipmap.onnx']) await copyFile(join(root, 'fixtures/onnx', model), join(out, 'models', model));
    await copyFile(join(root, 'fixtures/convert/xgb_binary_logistic.json'), join(out, 'models/tumor.json'));
    const expected = JSON.parse(await readFile(join(root, 'fixtures/convert/xgb_binary_logistic.expected.json'), 'utf8')) as { rows: (number | null)[][] };
    const names = (JSON.parse(await readFile(join(out, 'models/tumor.json'), 'utf8')) as { learner: { feature_names: string[] } }).learner.feature_names;
    await writeFile(join(out, 'data/tumor.csv'), `${names.map((name) => `"${name}"`).join(',')}\n${expected.rows.map((row) => row.map((value) => value ?? '').join(',')).join('\n')}\n`);
    // The project file: releases go to an on-disk OCI layout, which later runs read their champion from.
    await writeFile(join(out, 'modelgate.yml'), 'name: income\nregistry: dir:registry\n');
    logger.info(`  generated income data (5,000 train / 2,000 hold-out / 2,000 drifted rows) in ${shown('data')}`);

    await step('infer schema', inferSchemaCommand, { data: 'data/train.csv', label: 'income', out: 'data/schema.json' }, (o) => o['schema-json']!);
    await step('validate hold-out', dataValidate, { data: 'data/holdout.csv', schema: 'data/schema.json', reference: 'data/train.csv', 'out-dir': 'main' }, (o) => `${count(o['errors'], 'error')}, ${count(o['warnings'], 'warning')}, ${count(o['drifted-columns'], 'drifted column')}`);
    await step('validate drifted data', dataValidate, { data: 'data/drifted.csv', schema: 'data/schema.json', reference: 'data/train.csv', 'out-dir': 'drifted', 'fail-on-drift': 'false', 'fail-on-anomalies': 'false' }, (o) => `${count(o['errors'], 'error')}, ${count(o['drifted-columns'], 'drifted column')} (share ${Number(o['drift-share']).toFixed(2)}) → ${shown('drifted/drift.json')}`);
    await step('convert XGBoost → ONNX', onnxConvert, { model: 'models/tumor.json', out: 'models/tumor.onnx', 'parity-data': 'data/tumor.csv', 'report-out': 'main/convert.json' }, (o) => `${o['bytes']} bytes, parity max abs diff ${Number(o['max-abs-diff']).toExponential(1)}`);
    await step('inspect model', onnxInspect, { model: 'models/income_mlp.onnx', 'max-bytes': '1MB', 'target-runtime': 'onnxruntime 1.14', out: 'main/inspect.json' }, (o) => `${o['bytes']} bytes, ${o['parameters']} parameters, budgets passed`);
    const gates = 'distinct_predictions >= 2\naccuracy >= 0.75\nslice(sex=Female).accuracy >= 0.7';
    await step('evaluate (main)', modelEval, { model: 'models/income_mlp.onnx', data: 'data/holdout.csv', label: 'income', positive: '>50K', slices: 'sex', gates, out: 'main/metrics.json' }, (o) => `accuracy ${Number(o['accuracy']).toFixed(4)}, f1 ${Number(o['f1']).toFixed(4)}, ${o['gates-failed']} gates failed`);
    await step('report (main)', modelReport, { metrics: 'main/metrics.json', validation: 'main/validation.json', drift: 'main/drift.json', inspect: 'main/inspect.json', name: 'income', 'comment-out': 'main/comment.md', 'card-out': 'main/model-card.md', 'card-json-out': 'main/model-card.json' }, () => `${shown('main/comment.md')}, ${shown('main/model-card.md')}`);
    await step('release (main)', modelRelease, { name: 'income', model: 'models/income_mlp.onnx', to: 'dir:registry', schema: 'data/schema.json', metrics: 'main/metrics.json', inspect: 'main/inspect.json', card: 'main/model-card.md', out: 'main/release.json' }, (o) => `${o['version']} (${o['bump']}) ${o['digest']?.slice(0, 19)}… in ${shown('registry')}`);

    logger.info('  a pull request swaps in another model:');
    await step('evaluate (PR)', modelEval, { model: 'models/income_linear_zipmap.onnx', data: 'data/holdout.csv', label: 'income', positive: '>50K', slices: 'sex', gates: `${gates}\nf1 >= baseline.f1 - 0.1`, baseline: 'registry', out: 'pr/metrics.json' }, (o) => `accuracy ${Number(o['accuracy']).toFixed(4)}, f1 ${Number(o['f1']).toFixed(4)}, ${o['gates-failed']} gates failed`);
    await step('inspect (PR)', onnxInspect, { model: 'models/income_linear_zipmap.onnx', base: 'models/income_mlp.onnx', out: 'pr/inspect.json' }, (o) => `${o['bytes']} bytes (growth ${(Number(o['growth']) * 100).toFixed(1)}%)`);
    await step('report (PR)', modelReport, { metrics: 'pr/metrics.json', 'base-metrics': 'registry', inspect: 'pr/inspect.json', name: 'income', 'comment-out': 'pr/comment.md', 'card-out': 'pr/model-card.md', 'card-json-out': 'pr/model-card.json' }, () => `metric diff in ${shown('pr/comment.md')}`);
    await step('release (PR merged)', modelRelease, { name: 'income', model: 'models/income_linear_zipmap.onnx', to: 'dir:registry', schema: 'data/schema.json', metrics: 'pr/metrics.json', inspect: 'pr/inspect.json', card: 'pr/model-card.md', out: 'pr/release.json' }, (o) => `${o['version']} (${o['bump']})`);

    logger.info(`\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s. Open ${shown('pr/comment.md')} for the PR comment, ${shown('main/model-card.md')} for the model card, ${shown('registry')} for the OCI layout (skopeo inspect --raw oci:${shown('registry')}:1.0.0).`);
    return failures.length > 0 ? { failed: `${failures.length} demo steps failed` } : undefined;
  },
});

/** "1 error", "5 errors". */
function count(value: string | undefined, noun: string): string {
  return `${value} ${noun}${value === '1' ? '' : 's'}`;
}
