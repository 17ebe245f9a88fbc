import { createHash } from 'node:crypto';
import { existsSync, linkSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArtifact, serializeArtifact } from '@modelgate/core';
import { REPO_ROOT, runActionBundle } from './harness/run-action.js';
import { visibleLines } from './harness/file-commands.js';
import { webhookPayload } from './harness/payloads.js';

const fixture = (path: string) => readFileSync(join(REPO_ROOT, path));
const holdout = fixture('fixtures/income/holdout.csv');
const pr = { name: 'pull_request' as const, payload: webhookPayload('pull_request', 'opened') };
interface Golden {
  metrics: Record<string, number>;
  confusion_matrix: { labels: string[]; matrix: number[][] };
  slices: { sex: Record<string, Record<string, number>> };
}
const golden = (name: string) => JSON.parse(fixture(`fixtures/eval/${name}.sklearn.json`).toString()) as Golden;

/** sklearn scored onnxruntime's own predictions (fixtures/oracles/eval_oracle.py): every metric must agree. */
function expectSameMetrics(actual: Record<string, number | null>, expected: Record<string, number>): void {
  for (const [name, value] of Object.entries(expected)) {
    if (name === 'rows') continue;
    const tolerance = 1e-12;
    expect(Math.abs((actual[name] ?? Number.NaN) - value), `${name}: ${actual[name]} vs sklearn ${value}`).toBeLessThanOrEqual(tolerance);
  }
}

describe.each(['income_mlp', 'income_linear_zipmap'])('model-eval bundle on %s', (name) => {
  it('reports the metrics scikit-learn computes on the same predictions, per slice too', async () => {
    const run = await runActionBundle('model-eval', {
      inputs: { model: 'model.onnx', data: 'data/holdout.csv', label: 'income', positive: '>50K', slices: 'sex', gates: '# comment lines, and comments after a gate (as in the README)\ndistinct_predictions >= 2     # not a majority classifier\naccuracy >= 0.75', 'predictions-out': 'out/predictions.csv' },
      files: { 'model.onnx': fixture(`fixtures/onnx/${name}.onnx`), 'data/holdout.csv': holdout },
      event: pr,
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const metrics = parseArtifact('metrics', readFileSync(join(run.workspace, 'modelgate-out/metrics.json'), 'utf8'), 'metrics.json');
    const expected = golden(name);
    expect(metrics.task).toBe('binary');
    expect(metrics.rows).toBe(1000);
    const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    expect(metrics.data).toEqual({ path: 'data/holdout.csv', sha256: sha(holdout), bytes: holdout.byteLength, label: 'income', positive: '>50K' });
    expect(metrics.model.sha256).toBe(sha(fixture(`fixtures/onnx/${name}.onnx`)));
    expectSameMetrics(metrics.metrics, expected.metrics);
    expect(metrics.confusion_matrix).toEqual(expected.confusion_matrix);
    for (const slice of metrics.slices) expectSameMetrics(slice.metrics, expected.slices.sex[slice.value]!);
    expect(metrics.slices.map((slice) => `${slice.column}=${slice.value}:${slice.rows}`)).toEqual(['sex=Female:309', 'sex=Male:691']);
    expect(metrics.gates.map((gate) => [gate.expr, gate.passed])).toEqual([
      ['distinct_predictions >= 2', true],
      ['accuracy >= 0.75', true],
    ]);
    expect(metrics.latency_ms?.row?.runs).toBe(200);
    expect(run.outputs).toMatchObject({ passed: 'true', task: 'binary', rows: '1000', 'gates-failed': '0', 'metrics-json': 'modelgate-out/metrics.json', accuracy: String(expected.metrics['accuracy']) });
    const predictions = readFileSync(join(run.workspace, 'out/predictions.csv'), 'utf8').split('\n');
    expect(predictions[0]).toBe('line,label,prediction,p(<=50K),p(>50K)');
    expect(predictions).toHaveLength(1002);
    expect(predictions[1]).toMatch(/^2,/);
    expect(run.summary).toContain('**Gates:** 2 of 2 passed.');
  });
});

describe('model-eval gates and baselines', () => {
  const files = { 'model.onnx': fixture('fixtures/onnx/income_mlp.onnx'), 'holdout.csv': holdout };

  it('fails the step on a failed gate, after writing metrics.json and outputs', async () => {
    const run = await runActionBundle('model-eval', {
      inputs: { model: 'model.onnx', data: 'holdout.csv', label: 'income', positive: '>50K', gates: 'precision >= 0.8\nrecall[>50K] >= 0.10', 'latency-runs': '0' },
      files,
      event: pr,
    });
    expect(run.exitCode).toBe(1);
    const precision = golden('income_mlp').metrics['precision']!;
    expect(visibleLines(run.stdout).filter((line) => line.startsWith('::error'))).toEqual([
      `::error::gate failed: precision >= 0.8 (actual ${precision}, threshold 0.8)`,
      '::error::1 of 2 gates failed: precision >= 0.8',
    ]);
    expect(run.outputs['passed']).toBe('false');
    expect(run.outputs['gates-failed']).toBe('1');
    expect(run.summary).toContain('**Gates:** 1 of 2 passed.');
  });

  it('compares with a champion metrics.json and annotates gate failures on modelgate.yml', async () => {
    const champion = parseArtifact('metrics', serializeArtifact('metrics', { task: 'binary', rows: 1000, model: { path: 'champion.onnx' }, data: { path: 'holdout.csv', label: 'income' }, metrics: { f1: 0.5 }, passed: true }, '0.1.0'), 'x');
    const run = await runActionBundle('model-eval', {
      files: {
        ...files,
        'champion/metrics.json': serializeArtifact('metrics', champion, '0.1.0'),
        'modelgate.yml': "name: income\nmodel: model.onnx\ndata: { holdout: holdout.csv, label: income, positive: '>50K' }\nbaseline: champion/metrics.json\ngates:\n  - f1 >= baseline.f1 - 0.01\n",
      },
      event: pr,
    });
    expect(run.exitCode).toBe(1);
    const f1 = golden('income_mlp').metrics['f1']!;
    expect(visibleLines(run.stdout).filter((line) => line.startsWith('::error'))).toEqual([
      `::error title=modelgate gate,file=modelgate.yml::gate failed: f1 >= baseline.f1 - 0.01 (actual ${f1}, threshold ${0.5 - 0.01})`,
      '::error::1 of 1 gates failed: f1 >= baseline.f1 - 0.01',
    ]);
    const metrics = parseArtifact('metrics', readFileSync(join(run.workspace, 'modelgate-out/metrics.json'), 'utf8'), 'metrics.json');
    expect(metrics.baseline).toEqual({ source: 'champion/metrics.json' });
  });

  it('a hold-out file with a header and no rows fails at line 1 (no vacuous pass)', async () => {
    const run = await runActionBundle('model-eval', { inputs: { model: 'model.onnx', data: 'empty.csv', label: 'income', positive: '>50K', gates: 'accuracy >= 0.9' }, files: { ...files, 'empty.csv': `${holdout.toString().split('\n')[0]}\n` } });
    expect(run.exitCode).toBe(1);
    expect(visibleLines(run.stdout)).toEqual(['::error file=empty.csv,line=1::has no data rows (only a header)']);
  });

  it('binary text labels without a positive class: one error saying how to name it', async () => {
    const run = await runActionBundle('model-eval', { inputs: { model: 'model.onnx', data: 'holdout.csv', label: 'income' }, files });
    expect(run.exitCode).toBe(1);
    expect(visibleLines(run.stdout)).toEqual([
      "::error::input 'positive' is required to say which of the labels '<=50K', '>50K' is the positive class (or set `data.positive` in modelgate.yml; only 0/1 and -1/1 labels have a default)",
    ]);
  });

  it('a misspelt metric is a configuration error naming the valid ones', async () => {
    const run = await runActionBundle('model-eval', { inputs: { model: 'model.onnx', data: 'holdout.csv', label: 'income', positive: '>50K', gates: 'precison >= 0.8' }, files });
    expect(run.exitCode).toBe(1);
    const lines = visibleLines(run.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::error::gate 'precison >= 0\.8': unknown metric 'precison' \(did you mean 'precision'\?\); valid metrics: accuracy, balanced_accuracy, brier, /);
  });

  it('a bad cell is one error at its file line naming the column', async () => {
    const manifest = JSON.parse(fixture('fixtures/income/corrupted.manifest.json').toString()) as { problems: { line: number; column: string; kind: string }[] };
    const first = manifest.problems.filter((entry) => entry.kind === 'non_numeric').sort((a, b) => a.line - b.line)[0]!;
    const run = await runActionBundle('model-eval', {
      inputs: { model: 'model.onnx', data: 'corrupted.csv', label: 'income', positive: '>50K' },
      files: { 'model.onnx': files['model.onnx'], 'corrupted.csv': fixture('fixtures/income/corrupted.csv') },
    });
    expect(run.exitCode).toBe(1);
    const value = fixture('fixtures/income/corrupted.csv').toString().split('\n')[first.line - 1]!.split(',')[10];
    expect(visibleLines(run.stdout)).toEqual([`::error file=corrupted.csv,line=${first.line}::column 'hours_per_week': '${value}' is not a number`]);
    expect(run.outputFile).toBe('');
  });

  it('a missing label column names the columns there are', async () => {
    const run = await runActionBundle('model-eval', { inputs: { model: 'model.onnx', data: 'holdout.csv', label: 'salary' }, files });
    expect(run.exitCode).toBe(1);
    expect(visibleLines(run.stdout)).toEqual([
      "::error file=holdout.csv::has no label column 'salary' (columns: age, workclass, education, marital_status, occupation, relationship, race, sex, capital_gain, capital_loss, hours_per_week, native_country, income)",
    ]);
  });
});

/** hours_per_week ≈ w·(age, capital_loss) + b: a linear regressor of the income hold-out. */
async function hoursRegressor(w: number[], b: number): Promise<Uint8Array> {
  const { encodeModelProto, float32Tensor } = await import('@modelgate/onnx');
  const { graph, info, model, node } = await import('../packages/onnx/src/test-models.js');
  const regressor = model(
    graph({
      name: 'hours',
      node: [node('MatMul', ['input', 'W'], ['xw']), node('Add', ['xw', 'B'], ['variable'])],
      initializer: [float32Tensor('W', [2, 1], w), float32Tensor('B', [1], [b])],
      input: [info('input', 1, ['N', 2])],
      output: [info('variable', 1, ['N', 1])],
    }),
    { '': 15 },
  );
  regressor.metadata_props = [{ key: 'feature_names', value: 'age,capital_loss' }];
  return encodeModelProto(regressor);
}

describe('model-eval on a regressor', () => {
  it('a NaN prediction names its file line and the empty cell fed as NaN', async () => {
    const lines = holdout.toString().split('\n');
    lines[3] = lines[3]!.replace(/^\d+,/, ',');
    const run = await runActionBundle('model-eval', {
      inputs: { model: 'hours.onnx', data: 'holdout.csv', label: 'hours_per_week', 'latency-runs': '0' },
      files: { 'hours.onnx': await hoursRegressor([0.05, 0.001], 38), 'holdout.csv': lines.join('\n') },
    });
    expect(run.exitCode).toBe(1);
    expect(visibleLines(run.stdout)).toEqual([
      "::error file=holdout.csv,line=4::the model returned a NaN prediction for this row (its empty cell in 'age' is fed as NaN, which a model that cannot route missing values (trees can) turns into NaN; fill the missing values or drop these rows)",
    ]);
  });

  it('predicts a numeric label and reports MAE, RMSE and R² as plain arithmetic gives them', async () => {
    const w = [0.05, 0.001];
    const b = 38;
    const run = await runActionBundle('model-eval', {
      inputs: { model: 'hours.onnx', data: 'holdout.csv', label: 'hours_per_week', gates: 'mae <= 20\nr2 >= 0.5', 'latency-runs': '0' },
      files: { 'hours.onnx': await hoursRegressor(w, b), 'holdout.csv': holdout },
    });
    // The model is deliberately weak: the R² gate fails, the MAE gate passes.
    expect(run.exitCode).toBe(1);
    const metrics = parseArtifact('metrics', readFileSync(join(run.workspace, 'modelgate-out/metrics.json'), 'utf8'), 'metrics.json');
    const rows = holdout.toString().trim().split('\n').slice(1).map((line) => line.split(','));
    const truth = rows.map((cells) => Number(cells[10]));
    const f = Math.fround;
    const predicted = rows.map((cells) => f(f(f(Number(cells[0])) * f(w[0]!)) + f(f(Number(cells[9])) * f(w[1]!))) + f(b));
    const n = truth.length;
    const mae = truth.reduce((sum, y, i) => sum + Math.abs(y - f(predicted[i]!)), 0) / n;
    const mse = truth.reduce((sum, y, i) => sum + (y - f(predicted[i]!)) ** 2, 0) / n;
    const mean = truth.reduce((sum, y) => sum + y, 0) / n;
    const r2 = 1 - (mse * n) / truth.reduce((sum, y) => sum + (y - mean) ** 2, 0);
    expect(metrics.task).toBe('regression');
    expect(metrics.metrics['mae']).toBeCloseTo(mae, 5);
    expect(metrics.metrics['rmse']).toBeCloseTo(Math.sqrt(mse), 5);
    expect(metrics.metrics['r2']).toBeCloseTo(r2, 6);
    expect(metrics.gates.map((gate) => [gate.expr, gate.passed])).toEqual([
      ['mae <= 20', true],
      ['r2 >= 0.5', false],
    ]);
    expect(run.outputs['task']).toBe('regression');
    expect(run.outputs['rmse']).toBe(String(metrics.metrics['rmse']));
  });
});

/** The hold-out with one cell replaced (`line` as the file numbers it, the header being line 1). */
function withCell(line: number, column: string, value: string): string {
  const lines = holdout.toString().split('\n');
  const cells = lines[line - 1]!.split(',');
  cells[lines[0]!.split(',').indexOf(column)] = value;
  lines[line - 1] = cells.join(',');
  return lines.join('\n');
}

describe('model-eval on bad labels', () => {
  const classifier = { 'model.onnx': fixture('fixtures/onnx/income_mlp.onnx') };
  const classify = { model: 'model.onnx', data: 'holdout.csv', label: 'income', positive: '>50K', 'latency-runs': '0' };
  const regress = { model: 'hours.onnx', data: 'holdout.csv', label: 'hours_per_week', 'latency-runs': '0' };

  // The label is checked after the batch's run, while the next batch is read: that failure was an
  // unhandled rejection (a stack trace instead of this line) in most runs. One batch, then many.
  it.each([
    ['an empty label', 'income', '', "label 'income' is missing"],
    ['a blank label', 'income', '  ', "label 'income' is missing"],
    ['an empty regression target', 'hours_per_week', '', "label 'hours_per_week' is missing"],
    ['a blank regression target', 'hours_per_week', ' ', "label 'hours_per_week' is missing"],
    ['a non-numeric regression target', 'hours_per_week', 'abc', "label 'hours_per_week': 'abc' is not a number (the model is a regressor)"],
    ['a hexadecimal regression target', 'hours_per_week', '0x10', "label 'hours_per_week': '0x10' is not a number (the model is a regressor)"],
    ['a regression target that overflows', 'hours_per_week', '1e400', "label 'hours_per_week': '1e400' is not a finite number"],
  ])('%s on line 5 is that one error, every run', async (_, label, value, message) => {
    const files = { ...(label === 'income' ? classifier : { 'hours.onnx': await hoursRegressor([0.05, 0.001], 38) }), 'holdout.csv': withCell(5, label, value) };
    const repeats = value === '' || value === 'abc' ? 5 : 1;
    for (const batchSize of ['8192', '2']) {
      for (let run = 0; run < repeats; run += 1) {
        const result = await runActionBundle('model-eval', { inputs: { ...(label === 'income' ? classify : regress), 'batch-size': batchSize }, files });
        expect(result.stderr, `batch-size ${batchSize}, run ${run}`).toBe('');
        expect(visibleLines(result.stdout), `batch-size ${batchSize}, run ${run}`).toEqual([`::error file=holdout.csv,line=5::${message}`]);
        expect(result.exitCode).toBe(1);
      }
    }
  });

  it("positive: ' >50K' in modelgate.yml (the raw UCI Adult class) is the class >50K, as labels are trimmed", async () => {
    const yml = "name: income\ndata: { positive: ' >50K' }\ngates:\n  - recall[>50K] >= 0.1\n";
    const run = await runActionBundle('model-eval', { inputs: { model: 'model.onnx', data: 'holdout.csv', label: 'income', 'latency-runs': '0' }, files: { ...classifier, 'holdout.csv': holdout, 'modelgate.yml': yml } });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const metrics = parseArtifact('metrics', readFileSync(join(run.workspace, 'modelgate-out/metrics.json'), 'utf8'), 'metrics.json');
    expect(metrics.data.positive).toBe('>50K');
    expect(metrics.metrics['recall']).toBe(golden('income_mlp').metrics['recall']);
  });

  it('a label with spaces around it is that label, not a class of its own', async () => {
    const run = await runActionBundle('model-eval', { inputs: classify, files: { ...classifier, 'holdout.csv': withCell(5, 'income', ' >50K ') } });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const metrics = parseArtifact('metrics', readFileSync(join(run.workspace, 'modelgate-out/metrics.json'), 'utf8'), 'metrics.json');
    expect(metrics.confusion_matrix?.labels).toEqual(['<=50K', '>50K']);
    expect(metrics.confusion_matrix?.matrix.flat().reduce((sum, count) => sum + count, 0)).toBe(1000);
  });

  it("labels the model does not know are an error at the first such line, naming the model's classes", async () => {
    const renamed = holdout.toString().replace(/<=50K/g, 'no').replace(/>50K/g, 'yes');
    const run = await runActionBundle('model-eval', { inputs: { ...classify, positive: 'yes' }, files: { ...classifier, 'holdout.csv': renamed } });
    expect(run.exitCode).toBe(1);
    expect(visibleLines(run.stdout)).toEqual([
      "::error file=holdout.csv,line=2::label 'no' is not one of the model's classes <=50K, >50K (set data.classes in modelgate.yml if the model's labels are named differently)",
    ]);
    expect(existsSync(join(run.workspace, 'modelgate-out/metrics.json'))).toBe(false);

    // One unknown label among known ones; classes from modelgate.yml are named as such.
    const config = "name: income\ndata: { classes: ['<=50K', '>50K'] }\n";
    const one = await runActionBundle('model-eval', { inputs: classify, files: { ...classifier, 'modelgate.yml': config, 'holdout.csv': withCell(7, 'income', '>50k') } });
    expect(one.exitCode).toBe(1);
    expect(visibleLines(one.stdout)).toEqual(["::error file=holdout.csv,line=7::label '>50k' is not one of the classes in data.classes (modelgate.yml): <=50K, >50K"]);
  });
});

describe('model-eval never writes over what it reads', () => {
  const files = { 'model.onnx': fixture('fixtures/onnx/income_mlp.onnx'), 'holdout.csv': holdout };
  const inputs = { model: 'model.onnx', data: 'holdout.csv', label: 'income', positive: '>50K', 'latency-runs': '0' };

  it.each([
    [{ 'predictions-out': 'holdout.csv' }, "'predictions-out' (holdout.csv) is the same file as 'data' (holdout.csv): writing it would replace that input"],
    [{ 'predictions-out': './data/../holdout.csv' }, "'predictions-out' (holdout.csv) is the same file as 'data' (holdout.csv): writing it would replace that input"],
    [{ out: 'model.onnx' }, "'out' (model.onnx) is the same file as 'model' (model.onnx): writing it would replace that input"],
    [{ out: 'modelgate-out/m.json', 'predictions-out': 'modelgate-out/m.json' }, "'predictions-out' (modelgate-out/m.json) is the same file as 'out' (modelgate-out/m.json): each output needs a path of its own"],
  ])('refuses %j before anything is written', async (paths, message) => {
    const run = await runActionBundle('model-eval', { inputs: { ...inputs, ...paths }, files });
    expect(run.exitCode).toBe(1);
    expect(visibleLines(run.stdout)).toEqual([`::error::${message}`]);
    expect(readFileSync(join(run.workspace, 'holdout.csv')).equals(holdout)).toBe(true);
    expect(readFileSync(join(run.workspace, 'model.onnx')).equals(files['model.onnx'])).toBe(true);
    expect(existsSync(join(run.workspace, 'modelgate-out'))).toBe(false);
  });

  it('refuses the data through a symbolic or a hard link, and modelgate.yml', async () => {
    const first = await runActionBundle('model-eval', { inputs: { ...inputs, 'predictions-out': 'out/p.csv' }, files: { ...files, 'out/keep': '' } });
    expect(first.exitCode).toBe(0);
    const ws = first.workspace;
    symlinkSync(join(ws, 'holdout.csv'), join(ws, 'out/link.csv'));
    linkSync(join(ws, 'holdout.csv'), join(ws, 'out/hard.csv'));
    writeFileSync(join(ws, 'modelgate.yml'), 'name: income\n');
    for (const [path, message] of [
      ['out/link.csv', "'predictions-out' (out/link.csv) is the same file as 'data' (holdout.csv): writing it would replace that input"],
      ['out/hard.csv', "'predictions-out' (out/hard.csv) is the same file as 'data' (holdout.csv): writing it would replace that input"],
      ['modelgate.yml', "'predictions-out' (modelgate.yml) is the same file as 'config' (modelgate.yml): writing it would replace that input"],
    ]) {
      const run = await runActionBundle('model-eval', { inputs: { ...inputs, 'predictions-out': path! }, env: { GITHUB_WORKSPACE: ws } });
      expect(run.exitCode).toBe(1);
      expect(visibleLines(run.stdout)).toEqual([`::error::${message}`]);
    }
    expect(readFileSync(join(ws, 'holdout.csv')).equals(holdout)).toBe(true);
    expect(readFileSync(join(ws, 'modelgate.yml'), 'utf8')).toBe('name: income\n');
  });
});

/** The torch MLP of fixtures/onnx (one output `y: float32[N, 10]`, Softmax), on its 20 oracle rows. */
describe('model-eval on a classifier whose only output is [N, C] class scores', () => {
  const oracle = JSON.parse(fixture('fixtures/onnx/mlp_fp32.expected.json').toString()) as { inputs: { x: { data: number[][] } }; outputs: { y: { data: number[][] } } };
  const argmax = (row: number[]) => row.indexOf(Math.max(...row));
  // torch's own predictions, two of them changed so accuracy is not 1.
  const labels = oracle.outputs.y.data.map((row, i) => (i === 3 || i === 11 ? (argmax(row) + 1) % 10 : argmax(row)));
  const csv = `${Array.from({ length: 64 }, (_, i) => `x${i}`).join(',')},label\n${oracle.inputs.x.data.map((row, i) => `${row.join(',')},${labels[i]}`).join('\n')}\n`;
  const config = `name: mlp\ndata: { classes: [${Array.from({ length: 10 }, (_, i) => `'${i}'`).join(', ')}] }\n`;
  const inputs = { model: 'model.onnx', data: 'data.csv', label: 'label', 'latency-runs': '0' };

  /** mlp_fp32.onnx with its output renamed, optionally without the final Softmax (so `y` holds logits). */
  async function variant(output: string, logits: boolean): Promise<Uint8Array> {
    const { decodeModelProto, encodeModelProto } = await import('@modelgate/onnx');
    const proto = decodeModelProto(fixture('fixtures/onnx/mlp_fp32.onnx'));
    const graph = proto.graph!;
    const softmax = graph.node.findIndex((node) => node.op_type === 'Softmax');
    if (logits) {
      const scores = graph.node[softmax]!.input[0]!;
      graph.node.splice(softmax, 1);
      for (const node of graph.node) node.output = node.output.map((name) => (name === scores ? output : name));
    } else graph.node[softmax]!.output = [output];
    graph.output[0]!.name = output;
    return encodeModelProto(proto);
  }

  async function evaluate(model: Uint8Array, yml = config) {
    const run = await runActionBundle('model-eval', { inputs, files: { 'model.onnx': model, 'data.csv': csv, 'modelgate.yml': yml } });
    const metricsFile = join(run.workspace, 'modelgate-out/metrics.json');
    return { run, metrics: existsSync(metricsFile) ? parseArtifact('metrics', readFileSync(metricsFile, 'utf8'), 'metrics.json') : undefined };
  }

  it.each(['y', 'output'])("output '%s' holding softmax probabilities: argmax predictions and probability metrics", async (name) => {
    const { run, metrics } = await evaluate(name === 'y' ? fixture('fixtures/onnx/mlp_fp32.onnx') : await variant(name, false));
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(metrics!.task).toBe('multiclass');
    expect(metrics!.metrics['accuracy']).toBe(18 / 20);
    // log loss of torch's probabilities (float32 model outputs agree to ~1e-7).
    const logLoss = oracle.outputs.y.data.reduce((sum, row, i) => sum - Math.log(row[labels[i]!]!), 0) / 20;
    expect(metrics!.metrics['log_loss']).toBeCloseTo(logLoss, 5);
  });

  it('logits: the prediction is the argmax, and no probability metric is computed from them', async () => {
    const { run, metrics } = await evaluate(await variant('output', true));
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(metrics!.metrics['accuracy']).toBe(18 / 20);
    for (const name of ['log_loss', 'roc_auc', 'pr_auc', 'brier', 'ece']) expect(metrics!.metrics[name], name).toBeNull();
    expect(run.stdout).toContain("the model's output 'output' holds class scores, not probabilities (data.csv:2: values sum to");
  });

  it('without declared classes its classes are 0…C-1: letter labels are refused naming the line, not scored 0', async () => {
    const letters = csv.replace(/,(\d)$/gm, (_, digit: string) => `,${'abcdefghij'[Number(digit)]}`);
    const run = await runActionBundle('model-eval', { inputs, files: { 'model.onnx': fixture('fixtures/onnx/mlp_fp32.onnx'), 'data.csv': letters, 'modelgate.yml': 'name: mlp\n' } });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(1);
    expect(visibleLines(run.stdout)).toEqual([
      `::error file=data.csv,line=2::label '${'abcdefghij'[labels[0]!]}' is not one of the model's classes 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 (set data.classes in modelgate.yml if the model's labels are named differently)`,
    ]);
  });

  it('a JSONL number that overflows a double (JSON.parse reads 1e400 as Infinity) is one line naming it', async () => {
    const rows = oracle.inputs.x.data.map((row, i) => `{${row.map((value, c) => `"x${c}": ${i === 2 && c === 5 ? '1e400' : value}`).join(', ')}, "label": "${labels[i]}"}`);
    const run = await runActionBundle('model-eval', { inputs: { ...inputs, data: 'data.jsonl' }, files: { 'model.onnx': fixture('fixtures/onnx/mlp_fp32.onnx'), 'data.jsonl': `${rows.join('\n')}\n`, 'modelgate.yml': config } });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(1);
    expect(visibleLines(run.stdout)).toEqual([
      "::error file=data.jsonl,line=3::column 'x5': 'Infinity' is not a finite number (a number beyond the largest double, such as 1e400, reads as Infinity)",
    ]);
  });

  it('outputs: in modelgate.yml names them; a name the model lacks is one error', async () => {
    const { run, metrics } = await evaluate(fixture('fixtures/onnx/mlp_fp32.onnx'), `${config}outputs: { scores: y }\n`);
    expect(run.exitCode).toBe(0);
    expect(metrics!.metrics['accuracy']).toBe(18 / 20);
    expect(metrics!.metrics['log_loss']).toBeNull();
    const wrong = await evaluate(fixture('fixtures/onnx/mlp_fp32.onnx'), `${config}outputs: { probabilities: probs }\n`);
    expect(wrong.run.exitCode).toBe(1);
    expect(visibleLines(wrong.run.stdout)).toEqual(["::error::outputs.probabilities in modelgate.yml names 'probs', which the model does not have (outputs: y: float32[N, 10])"]);
  });
});

describe('model-eval when the model returns NaN', () => {
  it('names the data line and the empty cell fed as NaN to a model that cannot route it', async () => {
    const files = { 'model.onnx': fixture('fixtures/onnx/income_mlp.onnx'), 'holdout.csv': withCell(3, 'age', '') };
    const run = await runActionBundle('model-eval', { inputs: { model: 'model.onnx', data: 'holdout.csv', label: 'income', positive: '>50K', 'latency-runs': '0' }, files });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(1);
    expect(visibleLines(run.stdout)).toEqual([
      "::error file=holdout.csv,line=3::the model returned NaN probabilities for this row (its empty cell in 'age' is fed as NaN, which a model that cannot route missing values (trees can) turns into NaN; fill the missing values or drop these rows)",
    ]);
  });
});
