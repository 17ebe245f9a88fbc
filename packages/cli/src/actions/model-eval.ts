import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigurationError, defineAction, input, parseArtifact, removeStaleFiles, writeFilesAtomic, type Config, type Logger, sha256Hex } from '@modelgate/core';
import { openTable } from '@modelgate/data';
import { perClassByLabel, parseGate, type MetricView } from '@modelgate/metrics';
import { argMaxOutputs, encodeModel, inspectModel, labelClassValues, loadModel, nonTensorOutputs, stripZipMap } from '@modelgate/onnx';
import { createSession, ortCacheDir, provisionOnnxRuntime, scoreTable, type Scored } from '@modelgate/runtime';
import { renderEvalSummary } from '@modelgate/report';
import { assembleMetrics } from '../eval/assemble.js';
import { isPredictionsCsv, predictionsCsv } from '../eval/predictions.js';
import { artifactFile, refuseOverwritingInputs, removeStaleArtifacts, sameFile, startSha256File, workspacePath } from '../files.js';
import { hostServices } from '../services.js';
import { loadRegistryBaseline, registryCredentialInputs, type RegistryCredentialInputs } from '../registry-baseline.js';

export const modelEval = defineAction({
  name: 'model-eval',
  title: 'modelgate model-eval',
  description: 'Score an ONNX model on a hold-out set, compute metrics exactly as scikit-learn does, and fail on gates.',
  branding: { icon: 'target', color: 'purple' },
  inputs: {
    model: input.string({ description: 'Path of the ONNX model (default: `model` in modelgate.yml).' }),
    data: input.string({ description: 'Hold-out data: CSV, JSONL or Parquet (default: `data.holdout` in modelgate.yml).' }),
    label: input.string({ description: 'Label column (default: `data.label`).' }),
    positive: input.string({ description: 'Positive class of a binary label, e.g. `>50K` (default: `data.positive`).' }),
    gates: input.list({ description: 'Gates, one per line, e.g. `precision >= 0.8` or `f1 >= baseline.f1 - 0.01` (added to `gates` in modelgate.yml). See docs/gates.md.' }),
    slices: input.list({ description: 'Columns to compute every metric per value of, one per line (default: `slices`).' }),
    baseline: input.string({ description: 'Champion metrics: a metrics.json path, `cache` (saved on the default branch, restored on PRs) or `registry` (default: `baseline`).' }),
    name: input.string({ description: 'Model name for the baseline cache key (default: `name` in modelgate.yml, else the model file name).' }),
    'registry-username': input.string({ description: 'User name for a private `oci://` registry of `baseline: registry` (for ghcr.io: the repository owner).' }),
    'registry-password': input.string({ description: 'Password or token for that registry (for ghcr.io: default `github-token`, which needs `packages: read`).' }),
    'github-token': input.string({ description: 'The ghcr.io password when `registry-password` is empty.', default: '${{ github.token }}' }),
    'predictions-out': input.string({ description: 'Write per-row predictions (line, label, prediction, probabilities) to this CSV.' }),
    'batch-size': input.number({ description: 'Rows per inference batch.', default: '8192' }, { min: 1, integer: true }),
    'latency-runs': input.number({ description: 'Single-row runs timed for latency percentiles (0 = off).', default: '200' }, { min: 0, integer: true }),
    'ort-path': input.string({ description: 'Directory holding an onnxruntime-node package, for offline runners (default: provisioned and cached automatically).' }),
    out: input.requiredString({ description: 'Where to write metrics.json.', default: 'modelgate-out/metrics.json' }),
  },
  outputs: {
    passed: '`true` when every gate passed.',
    'metrics-json': 'Path of the written metrics.json.',
    task: '`binary`, `multiclass` or `regression`.',
    rows: 'Rows evaluated.',
    'gates-failed': 'Number of failed gates.',
    accuracy: 'Accuracy (classification).',
    precision: 'Precision: positive class (binary) or macro (multiclass).',
    recall: 'Recall: positive class (binary) or macro (multiclass).',
    f1: 'F1: positive class (binary) or macro (multiclass).',
    'roc-auc': 'ROC-AUC (classification with probabilities).',
    rmse: 'Root mean squared error (regression).',
    r2: 'R² (regression).',
    'latency-p95-ms': '95th percentile of single-row latency in milliseconds.',
  },
  async run({ inputs, config, configFile, environment, logger, setOutput, setSecret, summary, progress }) {
    for (const secret of [inputs['registry-password'], inputs['github-token']]) if (secret) setSecret(secret);
    const path = (value: string) => workspacePath(environment.workspace, value);
    const out = path(inputs.out);
    const predictions = inputs['predictions-out'] ? path(inputs['predictions-out']) : undefined;
    const modelSource = inputs.model ?? config?.model;
    const dataSource = inputs.data ?? config?.data?.holdout;
    const baselineSource = inputs.baseline ?? config?.baseline;
    const baselineFile = baselineSource !== undefined && baselineSource !== 'cache' && baselineSource !== 'registry' ? path(baselineSource) : undefined;
    // The baseline may be the out path: its metrics are read first, and this run's replace them.
    const baselineIsOut = baselineFile !== undefined && (await sameFile(baselineFile.absolute, out.absolute));
    await refuseOverwritingInputs(
      [
        ...(modelSource !== undefined ? [{ field: 'model', path: path(modelSource) }] : []),
        ...(dataSource !== undefined ? [{ field: 'data', path: path(dataSource) }] : []),
        ...(baselineFile && !baselineIsOut ? [{ field: 'baseline', path: baselineFile }] : []),
        ...(configFile !== undefined ? [{ field: 'config', path: path(configFile) }] : []),
      ],
      [{ field: 'out', path: out }, ...(predictions ? [{ field: 'predictions-out', path: predictions }] : [])],
    );
    // A run that fails must not leave an earlier run's metrics.json or predictions for model-report,
    // model-release or the user to take as this one's; unless metrics.json is the baseline this run compares against.
    if (!baselineIsOut) await removeStaleArtifacts([{ path: out.absolute, kind: 'metrics' }]);
    if (predictions) await removeStaleFiles([{ path: predictions.absolute, wrote: isPredictionsCsv }]);
    const pick = <T>(value: T | undefined, field: string, where: string): T => {
      if (value === undefined) throw new ConfigurationError(`input '${field}' is required (or set \`${where}\` in modelgate.yml)`, { field });
      return value;
    };
    const modelPath = path(pick(modelSource, 'model', 'model'));
    const dataPath = path(pick(dataSource, 'data', 'data.holdout'));
    const label = pick(inputs.label ?? config?.data?.label, 'label', 'data.label');
    const positive = inputs.positive ?? config?.data?.positive;
    const gates = [...(config?.gates ?? []), ...inputs.gates].map(parseGate);
    const slices = inputs.slices.length > 0 ? inputs.slices : (config?.slices ?? []);
    const modelName = inputs.name ?? config?.name ?? basename(modelPath.shown).replace(/\.onnx$/i, '');

    // The model: ZipMap outputs are rewritten away, since onnxruntime-node cannot return maps.
    const loaded = await loadModel(modelPath.absolute, modelPath.shown);
    let model = loaded.model;
    if (nonTensorOutputs(model).length > 0) {
      const stripped = stripZipMap(model);
      model = stripped.model;
      if (Object.keys(stripped.stripped).length > 0) logger.info(`ZipMap removed from ${Object.keys(stripped.stripped).join(', ')}: probabilities are read as a tensor`);
    }
    const modelSha = sha256Hex(loaded.bytes);
    const figures = inspectModel(model, { path: modelPath.shown, sha256: modelSha, fileBytes: loaded.bytes.byteLength, externalBytes: 0 });
    // skl2onnx classifiers trained on classes such as {1, 2} return those values from their label output, not positions.
    const classValues = labelClassValues(model);
    const argMaxed = argMaxOutputs(model);
    const outputs = figures.outputs.map((output) => ({
      ...output,
      ...(classValues[output.name] ? { classValues: classValues[output.name] } : {}),
      ...(argMaxed.has(output.name) ? { positions: true } : {}),
    }));

    const services = hostServices();
    const provisioned = await provisionOnnxRuntime({
      ...(inputs['ort-path'] ? { ortPath: workspacePath(environment.workspace, inputs['ort-path']).absolute } : {}),
      searchFrom: [environment.workspace, process.cwd(), bundleDir()],
      cacheDir: ortCacheDir(environment.toolCacheDir ?? join(homedir(), '.cache', 'modelgate')),
      ...(services.toolCache ? { toolCache: services.toolCache } : {}),
      logger,
    });
    logger.debug(`onnxruntime-node ${provisioned.version} from ${provisioned.source} (${provisioned.dir})`);
    // The file's own bytes unless ZipMap was rewritten: re-encoding took ~0.1 s even for a small model.
    const session = await createSession(provisioned.ort, model === loaded.model ? loaded.bytes : encodeModel(model), { name: modelPath.shown });

    const read = { batchRows: inputs['batch-size']!, ...readOptions(config) };
    let baseline: Awaited<ReturnType<typeof loadBaseline>>;
    let dataSha: Promise<string>;
    let scored: Scored;
    try {
      baseline = await loadBaseline(baselineSource, modelName, environment, logger, config?.registry, registryCredentialInputs(inputs));
      const table = await openTable(dataPath.absolute, read, dataPath.shown);
      // Hashed while the model scores it (the file's bytes are in the page cache by then).
      dataSha = startSha256File(dataPath.absolute);
      scored = await scoreTable({
        ort: provisioned.ort,
        session,
        model: { inputs: figures.inputs, outputs, metadata: figures.metadata },
        data: table,
        project: (columns) => openTable(dataPath.absolute, { ...read, columns }, dataPath.shown),
        dataFile: dataPath.shown,
        label,
        slices,
        ...(config?.inputs ? { mapping: config.inputs } : {}),
        ...(config?.outputs ? { outputs: config.outputs } : {}),
        ...(config?.data?.classes ? { classes: config.data.classes } : {}),
        latencyRuns: inputs['latency-runs']!,
        logger,
        onProgress: (rows) => progress('scored', rows),
      });
    } finally {
      // Also when scoring fails: scoreTable returns or throws only once no run is in flight.
      await session.release();
    }

    const assembled = assembleMetrics({
      scored,
      ...(positive !== undefined ? { positive } : {}),
      gates,
      ...(baseline ? { baseline } : {}),
      model: { path: modelPath.shown, sha256: modelSha, bytes: loaded.bytes.byteLength },
      data: { path: dataPath.shown, sha256: await dataSha, bytes: (await stat(dataPath.absolute)).size, label },
      logger,
    });
    await writeFilesAtomic([artifactFile(out.absolute, 'metrics', assembled.body), ...(predictions ? [{ path: predictions.absolute, content: predictionsCsv(scored, assembled) }] : [])]);
    if (predictions) logger.info(`predictions written to ${predictions.shown}`);
    if (baselineSource === 'cache') await saveBaseline(modelName, out.absolute, environment, logger);

    const body = assembled.body;
    const metric = (name: string) => body.metrics[name] ?? '';
    const gateResults = body.gates ?? [];
    const failed = gateResults.filter((gate) => !gate.passed);
    setOutput('passed', body.passed);
    setOutput('metrics-json', out.shown);
    setOutput('task', body.task);
    setOutput('rows', body.rows);
    setOutput('gates-failed', failed.length);
    for (const name of ['accuracy', 'precision', 'recall', 'f1', 'rmse', 'r2'] as const) setOutput(name, metric(name));
    setOutput('roc-auc', metric('roc_auc'));
    setOutput('latency-p95-ms', metric('latency.p95_ms'));
    summary.push(renderEvalSummary({ kind: 'metrics', version: 1, ...body, slices: body.slices ?? [], gates: gateResults }));
    for (const gate of failed) logger.error(`gate failed: ${gate.expr} (actual ${gate.actual ?? 'undefined'}, threshold ${gate.threshold ?? '-'})${gate.skipped ? `: ${gate.skipped}` : ''}`, configFile ? { file: configFile, title: 'modelgate gate' } : undefined);
    return failed.length > 0 ? { failed: `${failed.length} of ${gateResults.length} gates failed: ${failed.map((gate) => gate.expr).join('; ')}` } : undefined;
  },
});

function readOptions(config: Config | undefined) {
  return {
    ...(config?.data?.delimiter ? { delimiter: config.data.delimiter } : {}),
    ...(config?.data?.null_values ? { nullValues: config.data.null_values } : {}),
  };
}

/** The directory of the running bundle (dist/), where an installed onnxruntime-node may sit beside it. */
function bundleDir(): string {
  // Not `new URL('.', import.meta.url)`: ncc rewrites that into an asset reference.
  return dirname(fileURLToPath(import.meta.url));
}

async function loadBaseline(
  source: string | undefined,
  name: string,
  environment: { workspace: string; event?: Record<string, unknown>; tempDir: string; repository?: string | undefined },
  logger: Logger,
  registry?: string,
  credentialInputs: RegistryCredentialInputs = {},
): Promise<{ view: MetricView; source: string } | undefined> {
  if (source === undefined) return undefined;
  if (source === 'registry') {
    if (!registry || registry === 'github') {
      logger.warning('baseline: registry needs `registry: dir:<path>` or `oci://host/repository` in modelgate.yml; no baseline gates are evaluated');
      return undefined;
    }
    const found = await loadRegistryBaseline({ to: registry, credentialInputs, repository: environment.repository, workspace: environment.workspace, tempDir: environment.tempDir });
    if ('missing' in found) {
      logger.warning(`baseline: registry: ${found.missing}; baseline gates are skipped`);
      return undefined;
    }
    logger.info(`baseline: ${found.source} = ${found.version} (${found.digest})`);
    return { view: metricView(parseArtifact('metrics', found.text, found.source)), source: `${found.source} (${found.version})` };
  }
  if (source === 'cache') {
    const store = hostServices().baselineStore;
    if (!store) {
      logger.warning('baseline: cache needs the GitHub Actions cache service; no baseline gates are evaluated');
      return undefined;
    }
    // On a PR, the metrics saved for the exact base commit are the fairest comparison; else the newest.
    const restored = await store.restore(name, (environment.event as PullRequestEvent | undefined)?.pull_request?.base?.sha);
    if (!restored) {
      logger.warning(`no cached baseline metrics for '${name}' (first run on the default branch?); baseline gates are skipped`);
      return undefined;
    }
    return { view: metricView(parseArtifact('metrics', restored.text, `cache:${restored.key}`)), source: `cache:${restored.key}` };
  }
  const path = workspacePath(environment.workspace, source);
  let text: string;
  try {
    text = await readFile(path.absolute, 'utf8');
  } catch {
    throw new ConfigurationError(`baseline metrics file '${path.shown}' does not exist`, { field: 'baseline' });
  }
  return { view: metricView(parseArtifact('metrics', text, path.shown)), source: path.shown };
}

function metricView(metrics: ReturnType<typeof parseArtifact<'metrics'>>): MetricView {
  return {
    metrics: metrics.metrics,
    ...(metrics.per_class ? { perClass: perClassByLabel(metrics.per_class) } : {}),
    slices: metrics.slices.map((slice) => ({ column: slice.column, value: slice.value, metrics: slice.metrics, ...(slice.per_class ? { perClass: perClassByLabel(slice.per_class) } : {}) })),
  };
}

type PullRequestEvent = { pull_request?: { base?: { sha?: string } } };

/** On a push to the default branch the evaluated metrics become the champion for later PRs. */
async function saveBaseline(name: string, metricsPath: string, environment: { eventName?: string; event?: Record<string, unknown>; ref?: string; sha?: string }, logger: Logger): Promise<void> {
  const store = hostServices().baselineStore;
  if (!store || environment.eventName !== 'push' || !environment.event || !environment.sha) return;
  const branch = (environment.event as { repository?: { default_branch?: string } }).repository?.default_branch;
  if (!branch || environment.ref !== `refs/heads/${branch}`) return;
  if (await store.save(name, environment.sha, await readFile(metricsPath, 'utf8'))) logger.info(`saved these metrics as the baseline for '${name}'`);
}
