/**
 * One pass over the data (validate against the schema, profile, sample for drift), one pass over
 * the reference, then drift per column. Returns the bodies of validation.json, profile.json and
 * drift.json; the caller writes them.
 */
import type { ArtifactBody } from '@modelgate/core';
import type { z } from 'zod';
import type { DataSchemaFile } from '@modelgate/core';
import { categoricalDrift, chooseTest, datasetDrift, NumericReservoir, numericDrift, type DriftTestName } from './drift/index.js';
import { valueCounts } from './profile/distribution.js';
import type { ColumnProfileJson } from './profile/json.js';
import { TableProfiler } from './profile/table.js';
import { SchemaValidator, type ValidateOptions } from './schema/validate.js';
import type { TableSource } from './table.js';

type Schema = z.output<typeof DataSchemaFile>;

export interface DataValidationOptions {
  data: { source: TableSource; shown: string; sha256?: string };
  schema?: { schema: Schema; shown: string; sha256?: string };
  reference?: { source: TableSource; shown: string; sha256?: string };
  validate?: ValidateOptions;
  /** Column → test (and threshold, `psi:0.2`), from modelgate.yml `drift.columns`. */
  driftTests?: Record<string, string>;
  driftShare?: number;
  /** Values per numeric column kept for drift tests (uniform sample beyond it). */
  sampleSize?: number;
  /** Rows of the data read so far, after each batch. */
  onProgress?: (rows: number) => void;
}

export interface DataValidationResult {
  validation?: ArtifactBody<'validation'>;
  profile: ArtifactBody<'profile'>;
  drift?: ArtifactBody<'drift'>;
}

interface Pass {
  rows: number;
  profile: { rows: number; columns: ColumnProfileJson[] };
  samples: Map<string, NumericReservoir>;
}

/** One pass: profile every column, sample the values of `sampled` columns (numeric ones) for drift. */
async function readPass(source: TableSource, sampleSize: number, sampled: (name: string) => boolean, onBatch?: (batch: Parameters<SchemaValidator['addBatch']>[0]) => void): Promise<Pass> {
  const profiler = new TableProfiler(source.columns);
  const samples = new Map(source.columns.filter(sampled).map((name) => [name, new NumericReservoir(sampleSize)]));
  const indexed = [...samples].map(([name, reservoir]) => [source.columns.indexOf(name), reservoir] as const);
  for await (const batch of source.batches()) {
    onBatch?.(batch);
    profiler.add(batch);
    for (const [index, reservoir] of indexed) reservoir.add(batch.data[index]!);
  }
  return { rows: profiler.rows, profile: profiler.toJSON(), samples };
}

const isNumeric = (column: ColumnProfileJson | undefined) => column?.type === 'int' || column?.type === 'float';

export async function validateData(options: DataValidationOptions): Promise<DataValidationResult> {
  const sampleSize = options.sampleSize ?? 100_000;
  const validator = options.schema ? new SchemaValidator(options.schema.schema, options.data.source.columns, options.data.shown, options.validate) : undefined;
  // The reference first (usually the smaller file): its types say which columns need numeric samples.
  const reference = options.reference ? await readPass(options.reference.source, sampleSize, () => true) : undefined;
  const numericInReference = new Set(reference?.profile.columns.filter(isNumeric).map((column) => column.name));
  let read = 0;
  const current = await readPass(options.data.source, sampleSize, (name) => numericInReference.has(name), (batch) => {
    validator?.addBatch(batch);
    read += batch.rowCount;
    options.onProgress?.(read);
  });
  const file = { path: options.data.shown, ...(options.data.sha256 ? { sha256: options.data.sha256 } : {}) };

  const result: DataValidationResult = { profile: { source: { files: [file] }, rows: current.rows, columns: current.profile.columns } };
  if (validator && options.schema) {
    const anomalies = validator.finish();
    const errors = anomalies.filter((anomaly) => anomaly.severity === 'error').length;
    result.validation = {
      data: [{ ...file, rows: current.rows }],
      schema: { path: options.schema.shown, ...(options.schema.sha256 ? { sha256: options.schema.sha256 } : {}) },
      ...(options.validate?.environment ? { environment: options.validate.environment } : {}),
      anomalies,
      errors,
      warnings: anomalies.length - errors,
      passed: errors === 0,
    };
  }
  if (options.reference && reference) {
    const columns = driftColumns(current, reference, options);
    result.drift = {
      reference: { path: options.reference.shown, ...(options.reference.sha256 ? { sha256: options.reference.sha256 } : {}), rows: reference.rows },
      current: { ...file, rows: current.rows },
      columns,
      ...datasetDrift(columns, options.driftShare ?? 0.5),
      share_threshold: options.driftShare ?? 0.5,
    };
  }
  return result;
}

function driftColumns(current: Pass, reference: Pass, options: DataValidationOptions): ArtifactBody<'drift'>['columns'] {
  const referenceByName = new Map(reference.profile.columns.map((column) => [column.name, column]));
  const out: ArtifactBody<'drift'>['columns'] = [];
  for (const column of current.profile.columns) {
    const ref = referenceByName.get(column.name);
    if (!ref || column.count === 0 || ref.count === 0) continue;
    const numeric = isNumeric(column) && isNumeric(ref) && current.samples.has(column.name);
    const kind = numeric ? 'numeric' : 'categorical';
    // modelgate.yml `drift.columns` first, then the schema's drift_comparator, else the default choice.
    const comparator = options.schema?.schema.columns.find((candidate) => candidate.name === column.name)?.drift_comparator;
    const configured = options.driftTests?.[column.name] ?? (comparator ? `${comparator.test ?? ''}:${comparator.threshold}` : '');
    const [name, threshold] = configured.split(':');
    // The base-2 Jensen–Shannon distance (bounded 0..1) is what modelgate reports.
    const driftOptions = { jsBase: 2 as const };
    let result;
    if (numeric) {
      const refValues = reference.samples.get(column.name)!.sample();
      const curValues = current.samples.get(column.name)!.sample();
      const uniques = new Set([...refValues, ...curValues]).size;
      const test = (name || chooseTest('numeric', reference.rows, uniques)) as DriftTestName;
      result = numericDrift(refValues, curValues, test, threshold ? Number(threshold) : undefined, driftOptions);
    } else {
      const refCounts = valueCounts(ref).counts;
      const curCounts = valueCounts(column).counts;
      const uniques = new Set([...refCounts.keys(), ...curCounts.keys()]).size;
      const test = (name || chooseTest('categorical', reference.rows, uniques)) as DriftTestName;
      result = categoricalDrift(refCounts, curCounts, test, threshold ? Number(threshold) : undefined, driftOptions);
    }
    out.push({
      column: column.name,
      kind,
      test: result.test,
      statistic: Number.isFinite(result.statistic) ? result.statistic : null,
      p_value: result.p_value,
      threshold: result.threshold,
      drifted: result.drifted,
      reference_rows: result.reference_rows,
      current_rows: result.current_rows,
    });
  }
  return out;
}
