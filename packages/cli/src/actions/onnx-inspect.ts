import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BYTE_SIZE_PATTERN, ConfigurationError, defineAction, input, InputDataError, parseByteSize, parsePercent, PERCENT_PATTERN, type Config, sha256Hex } from '@modelgate/core';
import {
  checkModel,
  decodeModel,
  diffFigures,
  evaluateBudgets,
  inspectModel,
  loadModel,
  resolveExternalData,
  type BudgetOptions,
  type ModelFigures,
  type ModelProto,
} from '@modelgate/onnx';
import { renderInspectSummary } from '@modelgate/report';
import { refuseOverwritingInputs, removeStaleArtifacts, workspacePath, writeArtifact } from '../files.js';

const run = promisify(execFile);

export const onnxInspect = defineAction({
  name: 'onnx-inspect',
  title: 'modelgate onnx-inspect',
  description: 'Check an ONNX model and report its size, parameters, operators and opsets; enforce size budgets against the base branch.',
  branding: { icon: 'search', color: 'blue' },
  inputs: {
    model: input.string({ description: 'Path of the ONNX model (default: `model` in modelgate.yml).' }),
    base: input.string({ description: 'Path of the base model to compare with (e.g. the model of the base branch).' }),
    'base-ref': input.string({
      description: 'Git ref to read the base model from, at the same path as `model` (e.g. `${{ github.event.pull_request.base.sha }}`; needs that commit fetched).',
    }),
    'max-bytes': input.string({ description: 'Size budget of model + external data, e.g. `50MB`, `1.5GiB` or a byte count.' }, { pattern: BYTE_SIZE_PATTERN, expected: 'a size like 50MB, 1.5GiB or 1024' }),
    'max-parameters': input.number({ description: 'Largest allowed number of parameters.' }, { min: 0, integer: true }),
    'max-growth': input.string({ description: 'Largest allowed growth in bytes against the base model, e.g. `10%`.' }, { pattern: PERCENT_PATTERN, expected: 'a percentage like 10%' }),
    'allowed-ops': input.list({ description: 'Operators the model may use, one per line (`Gemm` or `ai.onnx.ml:TreeEnsembleClassifier`).' }),
    'max-opset': input.number({ description: 'Highest ai.onnx opset the model may import.' }, { min: 1, integer: true }),
    'target-runtime': input.string({ description: 'Runtime the model must load in, e.g. `onnxruntime 1.17`: its IR and opset limits become budgets.' }),
    out: input.requiredString({ description: 'Where to write inspect.json.', default: 'modelgate-out/inspect.json' }),
  },
  outputs: {
    passed: '`true` when the model is valid and every budget passed.',
    bytes: 'Model size in bytes (file + external data).',
    parameters: 'Number of parameters.',
    growth: 'Size change against the base model as a fraction (e.g. `0.042`); empty without a base.',
    'inspect-json': 'Path of the written inspect.json.',
  },
  async run({ inputs, config, configFile, environment, logger, setOutput, summary }) {
    const out = workspacePath(environment.workspace, inputs.out);
    const modelPath = inputs.model ?? config?.model;
    await refuseOverwritingInputs(
      [
        ...(modelPath !== undefined ? [{ field: 'model', path: workspacePath(environment.workspace, modelPath) }] : []),
        ...(inputs.base !== undefined ? [{ field: 'base', path: workspacePath(environment.workspace, inputs.base) }] : []),
        ...(configFile !== undefined ? [{ field: 'config', path: workspacePath(environment.workspace, configFile) }] : []),
      ],
      [{ field: 'out', path: out }],
    );
    // A run that fails must not leave an earlier run's inspect.json for model-report to show as this one's.
    await removeStaleArtifacts([{ path: out.absolute, kind: 'inspect' }]);
    if (!modelPath) throw new ConfigurationError("input 'model' is required (or set `model` in modelgate.yml)", { field: 'model' });
    const model = workspacePath(environment.workspace, modelPath);
    const head = await figuresOf(model.absolute, model.shown);

    let base: ModelFigures | undefined;
    if (inputs.base) {
      const basePath = workspacePath(environment.workspace, inputs.base);
      base = (await figuresOf(basePath.absolute, basePath.shown)).figures;
    } else if (inputs['base-ref']) {
      base = await baseFromGit(environment.workspace, inputs['base-ref'], model.shown);
    }

    const budgets = evaluateBudgets(head.figures, base, budgetOptions(inputs, config));
    const diff = base ? diffFigures(base, head.figures) : undefined;
    const errors = head.problems.filter((problem) => problem.severity === 'error');
    for (const problem of head.problems) {
      (problem.severity === 'error' ? logger.error : logger.warning).call(logger, `${problem.where}: ${problem.message}`, { file: model.shown, title: 'ONNX checker' });
    }
    const passed = errors.length === 0 && budgets.every((budget) => budget.passed);
    const body = {
      ...head.figures,
      ...(base ? { base } : {}),
      ...(diff ? { diff: diff.diff, ops_added: diff.opsAdded, ops_removed: diff.opsRemoved } : {}),
      budgets,
      passed,
    };
    await writeArtifact(out.absolute, 'inspect', body);

    setOutput('passed', passed);
    setOutput('bytes', head.figures.bytes.total);
    setOutput('parameters', head.figures.parameters);
    const growth = diff?.diff.find((row) => row.figure === 'bytes.total')?.delta_pct;
    setOutput('growth', growth ?? '');
    setOutput('inspect-json', out.shown);
    summary.push(renderInspectSummary({ $schema: undefined, kind: 'inspect', version: 1, ...body }));

    const failures = [
      ...errors.map((problem) => `${problem.where}: ${problem.message}`),
      ...budgets.filter((budget) => !budget.passed).map((budget) => `${budget.name}: ${budget.message}`),
    ];
    if (failures.length > 0) return { failed: `${model.shown}: ${failures.join('; ')}` };
    // A budget skipped (no base to grow from) counts as passed for the outcome, but is not called passed here.
    const skipped = budgets.filter((budget) => budget.skipped).length;
    const checked = budgets.length - skipped;
    const tally = [...(checked ? [`${checked} budget${checked === 1 ? '' : 's'} passed`] : []), ...(skipped ? [`${skipped} skipped`] : [])];
    logger.info(`${model.shown}: valid, ${head.figures.bytes.total} bytes, ${head.figures.parameters} parameters${tally.length ? `, ${tally.join(', ')}` : ''}`);
    return undefined;
  },
});

async function figuresOf(absolute: string, shown: string) {
  const loaded = await loadModel(absolute, shown);
  const external = await resolveExternalData(loaded.model, absolute, shown);
  const figures = inspectModel(loaded.model, {
    path: shown,
    sha256: sha256Hex(loaded.bytes),
    fileBytes: loaded.bytes.byteLength,
    externalBytes: external.totalBytes,
  });
  return { figures, problems: checkModel(loaded.model) };
}

/** How a Git LFS pointer file starts (git-lfs spec v1). */
const LFS_POINTER = 'version https://git-lfs.github.com/spec/v1\n';

async function baseFromGit(workspace: string, ref: string, path: string): Promise<ModelFigures | undefined> {
  let bytes: Buffer;
  try {
    // --filters runs the path's smudge filter as a checkout would: git-lfs turns its pointer into the model.
    ({ stdout: bytes } = (await run('git', ['cat-file', '--filters', `${ref}:${path}`], { cwd: workspace, encoding: 'buffer', maxBuffer: 2 ** 31 })) as unknown as { stdout: Buffer });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim().split('\n')[0] ?? '';
    // A model that is new in this PR has no base: growth is then simply not checked.
    if (/exists on disk, but not in|does not exist in/.test(stderr)) return undefined;
    throw new ConfigurationError(`cannot read ${path} at base-ref '${ref}': ${stderr || (error as Error).message} (fetch that commit, e.g. actions/checkout with fetch-depth: 0)`, {
      field: 'base-ref',
    });
  }
  if (bytes.subarray(0, LFS_POINTER.length).toString('latin1') === LFS_POINTER) {
    throw new ConfigurationError(`base model ${path} at ${ref} is a Git LFS pointer: install git-lfs and fetch that commit's objects (e.g. actions/checkout with lfs: true and fetch-depth: 0), or give the base model's path as 'base'`, { field: 'base-ref' });
  }
  // Decoded in memory: a temp copy of the model would outlive the run wherever the temp directory is never emptied.
  let model: ModelProto;
  try {
    if (bytes.byteLength === 0) throw new InputDataError('is empty (0 bytes), expected an ONNX model', { file: path });
    model = decodeModel(bytes, path);
  } catch (error) {
    if (error instanceof InputDataError) throw new InputDataError(`base model ${path} at ${ref}: ${error.message}`, { file: path });
    throw error;
  }
  return inspectModel(model, { path: `${ref}:${path}`, sha256: sha256Hex(bytes), fileBytes: bytes.byteLength, externalBytes: 0 });
}

function budgetOptions(inputs: { 'max-bytes'?: string | undefined; 'max-parameters'?: number | undefined; 'max-growth'?: string | undefined; 'allowed-ops': string[]; 'max-opset'?: number | undefined; 'target-runtime'?: string | undefined }, config: Config | undefined): BudgetOptions {
  const size = config?.size;
  const maxBytes = inputs['max-bytes'] ?? size?.max_bytes;
  const maxGrowth = inputs['max-growth'] ?? size?.max_growth;
  const allowedOps = inputs['allowed-ops'].length > 0 ? inputs['allowed-ops'] : size?.allowed_ops;
  const maxParameters = inputs['max-parameters'] ?? size?.max_parameters;
  const maxOpset = inputs['max-opset'] ?? size?.max_opset;
  const targetRuntime = inputs['target-runtime'] ?? size?.target_runtime;
  return {
    ...(maxBytes !== undefined ? { maxBytes: parseByteSize(maxBytes, { field: 'max-bytes' }) } : {}),
    ...(maxGrowth !== undefined ? { maxGrowth: parsePercent(maxGrowth, { field: 'max-growth' }) } : {}),
    ...(allowedOps !== undefined ? { allowedOps } : {}),
    ...(maxParameters !== undefined ? { maxParameters } : {}),
    ...(maxOpset !== undefined ? { maxOpset } : {}),
    ...(targetRuntime !== undefined ? { targetRuntime } : {}),
  };
}
