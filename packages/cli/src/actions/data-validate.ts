import { readFile } from 'node:fs/promises';
import { ConfigurationError, countsTowardDrift, defineAction, input, parseArtifact, type Config, type Logger } from '@modelgate/core';
import { inferSchema, openTable, validateData, type ReadOptions } from '@modelgate/data';
import { renderDataSummary } from '@modelgate/report';
import { bundledChunkRunner } from '../chunk-workers.js';
import { refuseOverwritingInputs, removeStaleArtifacts, startSha256File, workspacePath, writeArtifact, writeArtifacts } from '../files.js';

/** The runner shows at most 10 error and 10 warning annotations per step; the rest stay in the files. */
const MAX_ANNOTATIONS = 10;

export const dataValidate = defineAction({
  name: 'data-validate',
  title: 'modelgate data-validate',
  description: 'Validate data against a schema (create one with `modelgate infer-schema`) with file and line for every violation, profile it, and test for drift against reference data.',
  branding: { icon: 'check-square', color: 'green' },
  inputs: {
    data: input.string({ description: 'Data to validate: CSV, JSONL or Parquet (default: `data.holdout`, else `data.train` in modelgate.yml).' }),
    schema: input.string({ description: 'schema.json to validate against (default: `schema` in modelgate.yml). Without one, the data is profiled and tested for drift only.' }),
    reference: input.string({ description: 'Reference data for drift/skew tests, e.g. the training data (default: `data.reference`, else `data.train`).' }),
    label: input.string({ description: 'Label column (default: `data.label`), in the data, the schema or the reference. In SERVING it may be absent (not checked, no drift), as if the schema marked it `not_in: [SERVING]`.' }),
    environment: input.choice(['TRAINING', 'SERVING'] as const, { description: 'Environment the data comes from; in SERVING the label, and columns the schema marks `not_in: [SERVING]`, may be absent.', default: 'TRAINING' }),
    'drift-share': input.number({ description: 'Share of drifted columns at which the dataset counts as drifted (default: `drift.share`, else 0.5).' }, { min: 0, max: 1 }),
    'max-samples': input.number({ description: 'Example rows (with line numbers) kept per anomaly.', default: '5' }, { min: 0, integer: true }),
    'duplicate-rows': input.boolean({ description: 'Also report rows that repeat an earlier row exactly.', default: 'false' }),
    'fail-on-anomalies': input.boolean({ description: 'Fail the step when there are error-severity anomalies.', default: 'true' }),
    'fail-on-drift': input.boolean({ description: 'Fail the step on dataset drift.', default: 'true' }),
    'out-dir': input.requiredString({ description: 'Where to write validation.json, profile.json and drift.json.', default: 'modelgate-out' }),
  },
  outputs: {
    passed: '`true` when the data passed (no error anomalies, no dataset drift, as configured).',
    errors: 'Number of error-severity anomalies.',
    warnings: 'Number of warning-severity anomalies.',
    rows: 'Rows read from the data file.',
    'drifted-columns': 'Number of drifted columns.',
    'drift-share': 'Share of drifted columns.',
    'dataset-drift': '`true` when the drift share reached the threshold.',
    'validation-json': 'Path of validation.json (empty without a schema).',
    'profile-json': 'Path of profile.json.',
    'drift-json': 'Path of drift.json (empty without reference data).',
  },
  async run({ inputs, config, configFile, environment, logger, setOutput, summary, progress }) {
    const at = (kind: string) => {
      const { absolute, shown } = workspacePath(environment.workspace, `${inputs['out-dir']}/${kind}.json`);
      return { path: absolute, shown };
    };
    // The out dir holds this run's artifacts only: a failed run, or one without a schema or a
    // reference, leaves none of an earlier run's there (files of those names that are not
    // data-validate's artifacts are the user's, and stay).
    await removeStaleArtifacts((['validation', 'profile', 'drift'] as const).map((kind) => ({ path: at(kind).path, kind })));
    const dataInput = inputs.data ?? config?.data?.holdout ?? config?.data?.train;
    if (!dataInput) throw new ConfigurationError("input 'data' is required (or set `data.holdout` in modelgate.yml)", { field: 'data' });
    const data = workspacePath(environment.workspace, dataInput);
    const read = readOptions(config);
    const schemaInput = inputs.schema ?? config?.schema;
    const schemaPath = schemaInput ? workspacePath(environment.workspace, schemaInput) : undefined;
    const referenceInput = inputs.reference ?? config?.data?.reference ?? (config?.data?.train !== dataInput ? config?.data?.train : undefined);
    const reference = referenceInput ? workspacePath(environment.workspace, referenceInput) : undefined;

    const chunkRunner = bundledChunkRunner();
    const schema = schemaPath ? parseArtifact('schema', await readText(schemaPath.absolute, schemaPath.shown, 'schema'), schemaPath.shown) : undefined;
    const dataSource = await openTable(data.absolute, read, data.shown);
    const referenceSource = reference ? await openTable(reference.absolute, read, reference.shown) : undefined;
    const label = inputs.label ?? config?.data?.label;
    // In SERVING the label may be absent from the data, so it is looked for in the schema and the reference too.
    if (label) {
      const known = [{ columns: dataSource.columns, shown: data.shown }, ...(schema && schemaPath ? [{ columns: schema.columns.map((column) => column.name), shown: schemaPath.shown }] : []), ...(referenceSource && reference ? [{ columns: referenceSource.columns, shown: reference.shown }] : [])];
      if (!known.some((file) => file.columns.includes(label))) throw new ConfigurationError(`label column '${label}' is not in ${listed(known.map((file) => file.shown))}`, { field: 'label' });
    }
    // A test set for a column neither file has is a typo, or a column that is gone.
    for (const column of Object.keys(config?.drift?.columns ?? {})) {
      if (!dataSource.columns.includes(column) && !referenceSource?.columns.includes(column)) logger.warning(`drift.columns names '${column}', which is not in ${reference ? `${data.shown} nor in ${reference.shown}` : data.shown}; its test is not used`, configFile !== undefined ? { file: configFile } : undefined);
    }
    // Each file is hashed while it is validated (the hash only goes into the reports).
    const result = await validateData({
      data: { source: dataSource, shown: data.shown, sha256: startSha256File(data.absolute) },
      ...(schema && schemaPath ? { schema: { schema, shown: schemaPath.shown, sha256: startSha256File(schemaPath.absolute) } } : {}),
      ...(referenceSource && reference ? { reference: { source: referenceSource, shown: reference.shown, sha256: startSha256File(reference.absolute) } } : {}),
      validate: { environment: inputs.environment!, ...(label ? { label } : {}), maxSamples: inputs['max-samples']!, duplicateRows: inputs['duplicate-rows'] },
      ...(config?.drift?.columns ? { driftTests: config.drift.columns, ...(configFile !== undefined ? { driftTestsFile: configFile } : {}) } : {}),
      driftShare: inputs['drift-share'] ?? config?.drift?.share ?? 0.5,
      onProgress: (rows) => progress(`read ${data.shown}`, rows),
      ...(chunkRunner ? { chunkRunner } : {}),
    });
    if (result.reading.chunks > 1) logger.info(`read ${data.shown} in ${result.reading.chunks} chunks on ${result.reading.threads} thread${result.reading.threads === 1 ? '' : 's'}`);
    if (!schema) logger.info('no schema given: the data is profiled and tested for drift only (create one with `modelgate infer-schema`)');

    // All three or none: a failed write leaves none of this run's files.
    const artifacts = [
      ...(result.validation ? [{ kind: 'validation' as const, body: result.validation, ...at('validation') }] : []),
      { kind: 'profile' as const, body: result.profile, ...at('profile') },
      ...(result.drift ? [{ kind: 'drift' as const, body: result.drift, ...at('drift') }] : []),
    ];
    await writeArtifacts(artifacts);
    const written: Record<string, string> = Object.fromEntries(artifacts.map(({ kind, shown }) => [kind, shown]));

    annotate(logger, result.validation?.anomalies ?? []);
    const errors = result.validation?.errors ?? 0;
    const datasetDrift = result.drift?.dataset_drift ?? false;
    const failures = [
      ...(inputs['fail-on-anomalies'] && errors > 0 ? [`${errors} error anomal${errors === 1 ? 'y' : 'ies'} in ${data.shown}`] : []),
      ...(inputs['fail-on-drift'] && datasetDrift ? [`dataset drift: ${result.drift!.drifted_columns} of ${result.drift!.columns.filter(countsTowardDrift).length} columns drifted (share ≥ ${result.drift!.share_threshold})`] : []),
    ];
    setOutput('passed', failures.length === 0);
    setOutput('errors', errors);
    setOutput('warnings', result.validation?.warnings ?? 0);
    setOutput('rows', result.profile.rows);
    setOutput('drifted-columns', result.drift?.drifted_columns ?? '');
    setOutput('drift-share', result.drift?.drift_share ?? '');
    setOutput('dataset-drift', datasetDrift);
    setOutput('validation-json', written['validation'] ?? '');
    setOutput('profile-json', written['profile']);
    setOutput('drift-json', written['drift'] ?? '');
    const server = environment.repository && environment.sha ? `${environment.serverUrl}/${environment.repository}/blob/${environment.sha}/` : undefined;
    summary.push(
      renderDataSummary({
        ...(result.validation ? { validation: result.validation } : {}),
        ...(result.drift ? { drift: result.drift } : {}),
        rows: result.profile.rows,
        file: data.shown,
        ...(server ? { lineUrl: (path: string, line: number) => `${server}${path.split('/').map(encodeURIComponent).join('/')}#L${line}` } : {}),
      }),
    );
    return failures.length > 0 ? { failed: failures.join('; ') } : undefined;
  },
});

/** `modelgate infer-schema`: profile training data and write schema.json (CLI only). */
export const inferSchemaCommand = defineAction({
  name: 'infer-schema',
  title: 'modelgate infer-schema',
  description: 'Infer schema.json (types, presence, ranges, string domains) from training data.',
  branding: { icon: 'file-text', color: 'green' },
  inputs: {
    data: input.string({ description: 'Training data (default: `data.train` in modelgate.yml).' }),
    label: input.string({ description: 'Label column, marked not_in SERVING (default: `data.label`).' }),
    'max-domain-size': input.number({ description: 'Largest number of distinct values kept as a string domain.', default: '100' }, { min: 1, integer: true }),
    out: input.requiredString({ description: 'Where to write schema.json.', default: 'schema.json' }),
  },
  outputs: { 'schema-json': 'Path of the written schema.json.' },
  async run({ inputs, config, configFile, environment, logger, setOutput }) {
    const dataInput = inputs.data ?? config?.data?.train;
    if (!dataInput) throw new ConfigurationError("input 'data' is required (or set `data.train` in modelgate.yml)", { field: 'data' });
    const data = workspacePath(environment.workspace, dataInput);
    const out = workspacePath(environment.workspace, inputs.out);
    await refuseOverwritingInputs(
      [{ field: 'data', path: data }, ...(configFile !== undefined ? [{ field: 'config', path: workspacePath(environment.workspace, configFile) }] : [])],
      [{ field: 'out', path: out }],
    );
    // The profile validate makes: large CSV and JSONL files are read in chunks on two threads.
    const chunkRunner = bundledChunkRunner();
    // Hashed while it is read, as validate does (after the read, hashing took another ~1 ms per MiB).
    const sha256 = startSha256File(data.absolute);
    const { profile } = await validateData({ data: { source: await openTable(data.absolute, readOptions(config), data.shown), shown: data.shown }, ...(chunkRunner ? { chunkRunner } : {}) });
    const label = inputs.label ?? config?.data?.label;
    if (label && !profile.columns.some((column) => column.name === label)) throw new ConfigurationError(`label column '${label}' is not in ${data.shown}`, { field: 'label' });
    const schema = inferSchema({ ...profile, source: { files: [{ path: data.shown, sha256: await sha256 }] } }, { ...(label ? { label } : {}), maxDomainSize: inputs['max-domain-size']! });
    await writeArtifact(out.absolute, 'schema', schema);
    setOutput('schema-json', out.shown);
    logger.info(`${out.shown}: ${schema.columns.length} columns inferred from ${profile.rows} rows of ${data.shown}`);
  },
});

/** `a`, `a or b`, `a, b or c`. */
const listed = (names: string[]): string => (names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`);

function readOptions(config: Config | undefined): ReadOptions {
  return {
    ...(config?.data?.delimiter ? { delimiter: config.data.delimiter } : {}),
    ...(config?.data?.null_values ? { nullValues: config.data.null_values } : {}),
  };
}

async function readText(absolute: string, shown: string, field: string): Promise<string> {
  try {
    return await readFile(absolute, 'utf8');
  } catch {
    throw new ConfigurationError(`${field} file '${shown}' does not exist`, { field });
  }
}

/** Annotations on the data file's lines, as many as the runner shows; the summary and files hold the rest. */
function annotate(logger: Logger, anomalies: { severity: 'error' | 'warning'; column?: string | undefined; kind: string; samples: { file: string; line: number; reason?: string | undefined }[]; description: string }[]): void {
  const budget = { error: MAX_ANNOTATIONS, warning: MAX_ANNOTATIONS };
  for (const anomaly of anomalies) {
    for (const sample of anomaly.samples.length > 0 ? anomaly.samples : [undefined]) {
      if (budget[anomaly.severity] === 0) break;
      budget[anomaly.severity] -= 1;
      const message = sample ? `${anomaly.column ? `${anomaly.column}: ` : ''}${sample.reason ?? anomaly.kind}` : anomaly.description;
      const location = sample ? { file: sample.file, line: sample.line, title: `modelgate ${anomaly.kind}` } : { title: `modelgate ${anomaly.kind}` };
      if (anomaly.severity === 'error') logger.error(message, location);
      else logger.warning(message, location);
    }
  }
}
