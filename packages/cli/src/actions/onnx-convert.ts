import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigurationError, defineAction, formatCount, input, InputDataError, undoOnInterrupt, withTempDir, writeFilesAtomic, type Logger, sha256Hex, shownValue } from '@modelgate/core';
import { checkParity, convertTreeModel, DEFAULT_RELATIVE_TOLERANCE, DEFAULT_TOLERANCE, encodeOnnx, ParityTally, parityTolerances, type ParityReport } from '@modelgate/convert';
import { openTable } from '@modelgate/data';
import { assertValidModel, DEFAULT_DOMAIN, inspectModel, loadModel, normalizeDomain, type ModelProto } from '@modelgate/onnx';
import { batchToFeeds, createSession, decimalValue, ortCacheDir, planInputs, planOutputs, provisionOnnxRuntime, type OrtModule } from '@modelgate/runtime';
import { artifactFile, refuseOverwritingInputs, removeStaleArtifacts, workspacePath } from '../files.js';
import { hostServices } from '../services.js';

export const onnxConvert = defineAction({
  name: 'onnx-convert',
  title: 'modelgate onnx-convert',
  description: 'Convert XGBoost and LightGBM models to ONNX in TypeScript (or run a Python converter command) and check prediction parity.',
  branding: { icon: 'repeat', color: 'blue' },
  inputs: {
    from: input.choice(['xgboost', 'lightgbm', 'command'] as const, { description: 'Source format; detected from the file for XGBoost JSON and LightGBM text.' }),
    model: input.requiredString({ description: 'Source model: XGBoost JSON (`save_model("m.json")`), LightGBM text (`model.txt`), or the input of `command`.' }),
    out: input.requiredString({ description: 'Where to write the ONNX model.' }),
    command: input.string({ description: 'With `from: command`: converter command with `{input}` and `{output}` placeholders, e.g. `python convert.py {input} {output}`. Never run it on untrusted models: unpickling executes code.' }),
    'command-timeout': input.number({ description: 'Seconds the converter command may run.', default: '600' }, { min: 1, integer: true }),
    'allow-on-fork': input.boolean({ description: 'Run the converter command even on pull requests from forks (refused by default: the PR controls the model file).', default: 'false' }),
    'parity-data': input.string({ description: 'Data (CSV, JSONL, Parquet) to compare source and converted predictions on.' }),
    'parity-expected': input.string({
      description: 'With `from: command`: the source library\'s own predictions for the parity-data rows (e.g. `predict_proba` saved as CSV with a header), one column per output value, compared in order with the converted model\'s probability or value output.',
    }),
    label: input.string({ description: 'Label column of the parity data, left out of the features (default: `data.label`).' }),
    'parity-rows': input.number({ description: 'Rows of the parity data to compare.', default: '10000' }, { min: 1, integer: true }),
    // No runner defaults for these two: whether `tolerance` was given decides the relative part's default.
    tolerance: input.number(
      { description: `Absolute part of the allowed difference between source and converted scores: a value passes when |converted − source| ≤ tolerance + relative-tolerance × |source| (as numpy.allclose). Default ${DEFAULT_TOLERANCE}.` },
      { min: 0 },
    ),
    'relative-tolerance': input.number(
      {
        description: `Relative part of the allowed difference (times the source's value): float32 sums of many trees differ by a few float32 ulps of the output, more than \`tolerance\` alone when outputs are large. Default ${DEFAULT_RELATIVE_TOLERANCE}, or 0 when \`tolerance\` is set (an explicit tolerance is not loosened unless this is set too).`,
      },
      { min: 0 },
    ),
    'target-opset': input.number({ description: 'ai.onnx opset of the output (ai.onnx.ml follows). Not for `from: command`: convert.json records the opsets the converter\'s model imports.', default: '15' }, { min: 9, integer: true }),
    iterations: input.choice(['best', 'all'] as const, { description: 'XGBoost: `best` keeps trees up to best_iteration, `all` keeps every tree.', default: 'best' }),
    'ort-path': input.string({ description: 'Directory holding an onnxruntime-node package, for offline runners.' }),
    'report-out': input.requiredString({ description: 'Where to write convert.json.', default: 'modelgate-out/convert.json' }),
  },
  outputs: {
    passed: '`true` when the converted model is valid and parity (if checked) passed.',
    model: 'Path of the written ONNX model.',
    bytes: 'Size of the ONNX model in bytes.',
    'max-abs-diff': 'Largest absolute score difference on the parity data (empty without parity data).',
    'max-rel-diff': 'Largest score difference relative to the source\'s value on the parity data (empty without parity data).',
    'label-agreement': 'Share of parity rows whose predicted class agrees (classifiers).',
    'convert-json': 'Path of the written convert.json.',
  },
  async run({ inputs, config, configFile, environment, logger, setOutput, summary }) {
    const source = workspacePath(environment.workspace, inputs.model);
    const out = workspacePath(environment.workspace, inputs.out);
    const report = workspacePath(environment.workspace, inputs['report-out']);
    const read = (field: 'parity-data' | 'parity-expected') => (inputs[field] ? [{ field, path: workspacePath(environment.workspace, inputs[field]) }] : []);
    await refuseOverwritingInputs(
      [{ field: 'model', path: source }, ...read('parity-data'), ...read('parity-expected'), ...(configFile !== undefined ? [{ field: 'config', path: workspacePath(environment.workspace, configFile) }] : [])],
      [{ field: 'out', path: out }, { field: 'report-out', path: report }],
    );
    // A run that fails must not leave an earlier run's convert.json describing a model it did not write.
    await removeStaleArtifacts([{ path: report.absolute, kind: 'convert' }]);
    const sourceBytes = await readSource(source.absolute, source.shown);
    let onnx: Uint8Array;
    let targetOpset: { 'ai.onnx': number; 'ai.onnx.ml'?: number };
    let parity: ParityReport | undefined;
    let format: 'xgboost' | 'lightgbm' | 'command';
    let objective: string | undefined;
    let libraryVersion: string | undefined;

    if (inputs.from === 'command') {
      if (!inputs.command) throw new ConfigurationError("from: command needs the 'command' input", { field: 'command' });
      if (!inputs['allow-on-fork'] && isForkPullRequest(environment.event)) {
        throw new ConfigurationError('refusing to run a converter command on a pull request from a fork: the PR controls the model file, and loading pickles runs code (set allow-on-fork only if you trust every contributor)', { field: 'command' });
      }
      const converted = await runConverter(inputs.command, source.absolute, environment.tempDir, inputs['command-timeout']!, logger);
      onnx = converted.bytes;
      // target-opset never reaches a command: convert.json records what its model imports.
      targetOpset = importedOpsets(converted.model);
      format = 'command';
      if (inputs['parity-data'] && inputs['parity-expected']) {
        const ort = await runtimeFor(inputs['ort-path'], environment, logger);
        parity = await commandParity(ort, converted, {
          data: workspacePath(environment.workspace, inputs['parity-data']),
          expected: workspacePath(environment.workspace, inputs['parity-expected']),
          label: inputs.label ?? config?.data?.label,
          limit: inputs['parity-rows']!,
          ...parityTolerances(inputs.tolerance, inputs['relative-tolerance']),
          name: out.shown,
        });
      } else if (inputs['parity-data']) {
        logger.warning('parity for a converter command needs parity-expected: the source library\'s own predictions for the parity-data rows');
      }
    } else {
      const conversion = convertTreeModel(sourceBytes, {
        file: source.shown,
        ...(inputs.from ? { format: inputs.from === 'xgboost' ? ('xgboost-json' as const) : ('lightgbm-text' as const) } : {}),
        iterations: inputs.iterations!,
        targetOpset: inputs['target-opset']!,
      });
      assertValidModel(conversion.model, out.shown);
      onnx = encodeOnnx(conversion.model);
      targetOpset = { 'ai.onnx': inputs['target-opset']!, 'ai.onnx.ml': 3 };
      format = conversion.info.format === 'xgboost-json' ? 'xgboost' : 'lightgbm';
      objective = conversion.info.objective;
      libraryVersion = conversion.info.sourceVersion;
      for (const note of conversion.info.notes) logger.info(note);
      if (inputs['parity-data']) {
        const data = workspacePath(environment.workspace, inputs['parity-data']);
        const features = conversion.info.numFeatures;
        const rows = await parityRows(data.absolute, data.shown, features, conversion.source.featureNames, inputs.label ?? config?.data?.label, inputs['parity-rows']!);
        const ort = await runtimeFor(inputs['ort-path'], environment, logger);
        const session = await createSession(ort, onnx, { name: out.shown });
        parity = await checkParity(conversion.source, onnx, rows, features, {
          ...(inputs.tolerance !== undefined ? { tolerance: inputs.tolerance } : {}),
          ...(inputs['relative-tolerance'] !== undefined ? { relativeTolerance: inputs['relative-tolerance'] } : {}),
          run: async (_model, input, shape) => (await session.run({ input: new ort.Tensor('float32', input, [...shape]) })) as never,
        });
        await session.release();
      }
    }

    const passed = parity?.passed ?? true;
    // The model and its report are written together or not at all.
    await writeFilesAtomic([{ path: out.absolute, content: onnx }, artifactFile(report.absolute, 'convert', {
      source: { path: source.shown, sha256: sha256Hex(sourceBytes), bytes: sourceBytes.byteLength, format, ...(objective ? { objective } : {}), ...(libraryVersion ? { library_version: libraryVersion } : {}) },
      output: { path: out.shown, sha256: sha256Hex(onnx), bytes: onnx.byteLength },
      target_opset: targetOpset,
      ...(inputs.from === 'command' ? { command: inputs.command } : {}),
      ...(parity
        ? {
            parity: {
              rows: parity.rows,
              max_abs_diff: parity.max_abs_diff,
              max_rel_diff: parity.max_rel_diff,
              non_finite_values: parity.non_finite_values,
              label_agreement: parity.label_agreement,
              tolerance: parity.tolerance,
              relative_tolerance: parity.relative_tolerance,
              passed: parity.passed,
            },
          }
        : {}),
      passed,
    })]);
    setOutput('passed', passed);
    setOutput('model', out.shown);
    setOutput('bytes', onnx.byteLength);
    setOutput('max-abs-diff', parity?.max_abs_diff ?? '');
    setOutput('max-rel-diff', parity?.max_rel_diff ?? '');
    setOutput('label-agreement', parity?.label_agreement ?? '');
    setOutput('convert-json', report.shown);
    summary.push(
      `### ${passed ? '✅' : '❌'} Converted ${'`'}${source.shown}${'`'} (${format}${objective ? `, ${objective}` : ''}) → ${'`'}${out.shown}${'`'}, ${formatCount(onnx.byteLength)} bytes\n\n` +
        (parity
          ? `Parity on ${parity.rows} rows: max abs diff ${parity.max_abs_diff.toExponential(2)}, max rel diff ${parity.max_rel_diff.toExponential(2)} (allowed: tolerance ${parity.tolerance} + relative-tolerance ${parity.relative_tolerance} × |source|)${parity.non_finite_values > 0 ? `, ${parity.non_finite_values} values NaN or infinite on one side` : ''}, label agreement ${parity.label_agreement ?? '—'}.\n`
          : 'No parity data given.\n'),
    );
    if (!passed) return { failed: parityFailure(parity!, inputs['parity-data']!) };
    logger.info(`${out.shown}: ${onnx.byteLength} bytes${parity ? `, parity max abs diff ${parity.max_abs_diff.toExponential(2)} on ${parity.rows} rows` : ''}`);
    return undefined;
  },
});

/** Why parity failed, at the value furthest out of tolerance (or the label that disagrees). */
function parityFailure(parity: ParityReport, data: string): string {
  const totals = `max abs diff ${parity.max_abs_diff}, max rel diff ${parity.max_rel_diff} on ${parity.rows} rows of ${data}`;
  const nan = parity.first_non_finite;
  if (nan) {
    const count = parity.non_finite_values === 1 ? 'the only such value' : `${parity.non_finite_values} values in all`;
    return `parity failed: row ${nan.row + 1}: converted ${nan.actual} vs source ${nan.expected}: NaN or an infinity matches nothing but itself (${count}; ${totals})`;
  }
  const worst = parity.worst;
  if (!worst || Math.abs(worst.actual - worst.expected) <= worst.allowed) return `parity failed: a predicted class differs from the source's where the scores are not tied (${totals})`;
  return `parity failed: row ${parity.worst_row + 1}: converted ${worst.actual} vs source ${worst.expected}, |diff| ${Math.abs(worst.actual - worst.expected)} > tolerance ${parity.tolerance} + relative-tolerance ${parity.relative_tolerance} × |source| = ${worst.allowed} (${totals})`;
}

async function runtimeFor(ortPath: string | undefined, environment: { workspace: string; toolCacheDir?: string }, logger: Logger): Promise<OrtModule> {
  const services = hostServices();
  const { ort } = await provisionOnnxRuntime({
    ...(ortPath ? { ortPath: workspacePath(environment.workspace, ortPath).absolute } : {}),
    searchFrom: [environment.workspace, process.cwd(), dirname(fileURLToPath(import.meta.url))],
    cacheDir: ortCacheDir(environment.toolCacheDir ?? join(homedir(), '.cache', 'modelgate')),
    ...(services.toolCache ? { toolCache: services.toolCache } : {}),
    logger,
  });
  return ort;
}

/**
 * Parity of a command-converted model: its outputs in onnxruntime against the source library's
 * own predictions, which only the user's Python can produce.
 */
async function commandParity(
  ort: OrtModule,
  { bytes: onnx, model }: { bytes: Uint8Array; model: ModelProto },
  options: { data: { absolute: string; shown: string }; expected: { absolute: string; shown: string }; label: string | undefined; limit: number; tolerance: number; relativeTolerance: number; name: string },
): Promise<ParityReport> {
  const figures = inspectModel(model, { path: options.name, sha256: '', fileBytes: onnx.byteLength, externalBytes: 0 });
  const table = await openTable(options.data.absolute, {}, options.data.shown);
  const plan = planInputs(figures.inputs, table.columns, { label: options.label ?? '', file: options.data.shown, ...(figures.metadata['feature_names'] ? { featureNames: figures.metadata['feature_names'].split(',') } : {}) });
  const outputs = planOutputs(figures.outputs, figures.metadata);
  const outputName = outputs.task === 'regression' ? outputs.value : outputs.probabilities;
  if (!outputName) throw new ConfigurationError(`the converted model has no probability or value output to compare parity-expected with`, { field: 'parity-expected' });
  const expectedTable = await openTable(options.expected.absolute, {}, options.expected.shown);
  const expectedRows: { values: number[]; line: number }[] = [];
  for await (const batch of expectedTable.batches()) {
    for (let i = 0; i < batch.rowCount && expectedRows.length < options.limit; i += 1) {
      const line = batch.lines[i]!;
      expectedRows.push({ values: batch.data.map((column, c) => expectedValue(column[i], batch.columns[c]!, options.expected.shown, line)), line });
    }
  }
  const session = await createSession(ort, onnx, { name: options.name });
  let row = 0;
  const tally = new ParityTally(options.tolerance, options.relativeTolerance);
  let agree = 0;
  for await (const batch of table.batches()) {
    const take = Math.min(batch.rowCount, options.limit - row);
    if (take <= 0) break;
    const feeds = Object.fromEntries(batchToFeeds(plan, batch, options.data.shown).map((feed) => [feed.name, new ort.Tensor(feed.type, feed.data as never, feed.dims)]));
    const result = (await session.run(feeds, [outputName]))[outputName] as unknown as { data: Float32Array; dims: number[] };
    const width = result.data.length / batch.rowCount;
    for (let i = 0; i < take; i += 1, row += 1) {
      const expected = expectedRows[row];
      if (!expected) throw new InputDataError(`has ${expectedRows.length} rows of predictions, fewer than the ${options.data.shown} rows compared`, { file: options.expected.shown });
      if (expected.values.length !== width) throw new InputDataError(`has ${expected.values.length} columns, the model's '${outputName}' output has ${width}`, { file: options.expected.shown, line: expected.line });
      let argActual = 0;
      let argExpected = 0;
      for (let c = 0; c < width; c += 1) {
        const actual = result.data[i * width + c]!;
        tally.add(actual, expected.values[c]!, row);
        if (actual > result.data[i * width + argActual]!) argActual = c;
        if (expected.values[c]! > expected.values[argExpected]!) argExpected = c;
      }
      if (argActual === argExpected) agree += 1;
    }
  }
  await session.release();
  return { rows: row, ...tally.report(), label_agreement: outputs.task === 'regression' ? null : row === 0 ? null : agree / row, passed: tally.passed };
}

/** A parity-expected cell as a decimal number (`Number()` would read '' as 0 and '0x10' as 16); NaN and inf pass, to fail parity. */
function expectedValue(cell: unknown, column: string, file: string, line: number): number {
  if (typeof cell === 'number') return cell;
  const value = typeof cell === 'string' ? decimalValue(cell.trim()) : typeof cell === 'bigint' ? Number(cell) : undefined;
  if (value === undefined) {
    const shown = cell === null || cell === undefined || (typeof cell === 'string' && cell.trim() === '') ? ' is empty' : `: '${shownValue(cell)}' is not a number`;
    throw new InputDataError(`column '${column}'${shown}: parity-expected holds the source model's predictions, numbers only`, { file, line, field: column });
  }
  return value;
}

async function readSource(absolute: string, shown: string): Promise<Uint8Array> {
  try {
    if ((await stat(absolute)).isDirectory()) throw new InputDataError('is a directory, expected a model file', { file: shown });
    return await readFile(absolute);
  } catch (error) {
    if (error instanceof InputDataError) throw error;
    throw new InputDataError('no such file', { file: shown });
  }
}

/** Feature rows for parity: the model's own feature order when it names its features. */
async function parityRows(absolute: string, shown: string, features: number, featureNames: string[] | undefined, label: string | undefined, limit: number): Promise<Float32Array> {
  const table = await openTable(absolute, {}, shown);
  const plan = planInputs([{ name: 'input', dtype: 'float32', shape: ['N', features] }], table.columns, {
    label: label ?? '',
    file: shown,
    ...(featureNames?.length ? { featureNames } : {}),
  });
  const parts: Float32Array[] = [];
  let rows = 0;
  for await (const batch of table.batches()) {
    const data = batchToFeeds(plan, batch, shown)[0]!.data as Float32Array;
    const take = Math.min(batch.rowCount, limit - rows);
    parts.push(data.subarray(0, take * features));
    rows += take;
    if (rows >= limit) break;
  }
  const out = new Float32Array(rows * features);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The ai.onnx and ai.onnx.ml opsets a converter's model imports. */
function importedOpsets(model: ModelProto): { 'ai.onnx': number; 'ai.onnx.ml'?: number } {
  const version = (domain: string) => model.opset_import.find((entry) => normalizeDomain(entry.domain) === domain)?.version;
  const ml = version('ai.onnx.ml');
  // The checker has made sure the default domain is imported.
  return { 'ai.onnx': Number(version(DEFAULT_DOMAIN)), ...(ml !== undefined ? { 'ai.onnx.ml': Number(ml) } : {}) };
}

function isForkPullRequest(event: Record<string, unknown> | undefined): boolean {
  if (!event) return false;
  const payload = event as { pull_request?: { head?: { repo?: { full_name?: string } | null }; base?: { repo?: { full_name?: string } } } };
  const pr = payload.pull_request;
  return pr !== undefined && pr.head?.repo?.full_name !== pr.base?.repo?.full_name;
}

/** Run the user's converter with {input}/{output} filled in; its output must be an ONNX model that passes the checker. */
async function runConverter(command: string, inputPath: string, tempDir: string, timeoutSeconds: number, logger: Logger): Promise<{ bytes: Uint8Array; model: ModelProto }> {
  // Outside a runner (the CLI, other CIs) nothing else empties the temp directory.
  return withTempDir(tempDir, 'modelgate-convert-', (dir) => convertInto(join(dir, 'model.onnx'), command, inputPath, timeoutSeconds, logger));
}

async function convertInto(output: string, command: string, inputPath: string, timeoutSeconds: number, logger: Logger): Promise<{ bytes: Uint8Array; model: ModelProto }> {
  // POSIX shells take single quotes; cmd.exe only double quotes (which paths cannot contain on Windows).
  const quote = (path: string) => (process.platform === 'win32' ? `"${path}"` : `'${path.replace(/'/g, "'\\''")}'`);
  const line = command.replace(/\{input\}/g, quote(inputPath)).replace(/\{output\}/g, quote(output));
  logger.info(`running the converter: ${command}`);
  const { code, stderr, timedOut } = await new Promise<{ code: number | null; stderr: string; timedOut: boolean }>((resolve) => {
    // In a process group of its own (POSIX), so a timeout or an interrupt stops the whole command,
    // not only the shell that runs it.
    const grouped = process.platform !== 'win32';
    const child = spawn(line, { shell: true, stdio: ['ignore', 'inherit', 'pipe'], detached: grouped });
    const stop = (signal: NodeJS.Signals) => {
      try {
        if (grouped && child.pid !== undefined) process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch {
        // The group has already exited.
      }
    };
    const forget = undoOnInterrupt(() => stop('SIGTERM'));
    let stderrText = '';
    let expired = false;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderrText += chunk;
      process.stderr.write(chunk);
    });
    const timer = setTimeout(() => {
      expired = true;
      stop('SIGKILL');
    }, timeoutSeconds * 1000);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      forget();
      resolve({ code: exitCode, stderr: stderrText, timedOut: expired });
    });
  });
  if (timedOut) throw new ConfigurationError(`the converter command did not finish within ${timeoutSeconds} s (command-timeout)`, { field: 'command' });
  if (code !== 0) throw new ConfigurationError(`the converter command failed with exit code ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`, { field: 'command' });
  const { model, bytes } = await loadModel(output, 'converter output').catch((error: unknown) => {
    if (error instanceof InputDataError) throw new InputDataError(`the converter command wrote no valid ONNX model to {output}: ${error.message}`, { field: 'command' });
    throw error;
  });
  assertValidModel(model, 'converter output');
  return { bytes, model };
}
