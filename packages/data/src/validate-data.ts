/**
 * One pass over the data (validate against the schema, profile, sample for drift), one pass over
 * the reference, then drift per column. Returns the bodies of validation.json, profile.json and
 * drift.json; the caller writes them.
 */
import { ConfigurationError, countsTowardDrift, type ArtifactBody, type DriftColumnBody as DriftColumn, type UntestedReason } from '@modelgate/core';
import type { z } from 'zod';
import type { DataSchemaFile } from '@modelgate/core';
import { categoricalDrift, CHOICE_UNIQUES, chooseTest, datasetDrift, distinctUnion, NUMERIC_ONLY_TESTS, NumericReservoir, numericDrift, type DriftTestName } from './drift/index.js';
import { comparableCounts, valueCounts } from './profile/distribution.js';
import type { ColumnProfileJson } from './profile/json.js';
import { assertReadableBounds } from './schema/checks.js';
import { expectedInEnvironment, SchemaValidator, type ValidateOptions } from './schema/validate.js';
import type { RangedSource } from './readers/ranges.js';
import { requireRows, type TableSource } from './table.js';
import { boundsFromCounts, CHUNK_BYTES_PER_COLUMN, chunkCuts, DEFAULT_CHUNK_BYTES, PassState, readChunked, redrawSamples, sampleSeed, shortSamples, type ChunkRunner } from './validate-chunks.js';

type Schema = z.output<typeof DataSchemaFile>;

/** A file's SHA-256 for the reports, or its promise: a caller may hash the file while it is validated. */
type Sha256 = string | PromiseLike<string>;

export interface DataValidationOptions {
  data: { source: TableSource; shown: string; sha256?: Sha256 };
  schema?: { schema: Schema; shown: string; sha256?: Sha256 };
  reference?: { source: TableSource; shown: string; sha256?: Sha256 };
  validate?: ValidateOptions;
  /** Column → test (and threshold, `psi:0.2`), from modelgate.yml `drift.columns`. */
  driftTests?: Record<string, string>;
  /** The file `driftTests` come from, for errors (default `modelgate.yml`). */
  driftTestsFile?: string;
  driftShare?: number;
  /** Values per numeric column kept for drift tests (uniform sample beyond it); default: see sampleSizeFor. */
  sampleSize?: number;
  /** Rows of the data read so far, after each batch or chunk. */
  onProgress?: (rows: number) => void;
  /**
   * Starts a thread to share the reading of a large CSV or JSONL file (called only when the file has more
   * than one chunk; closed when done). Without it every chunk is read on this thread — the results
   * are the same either way.
   */
  chunkRunner?: () => ChunkRunner;
  /** Chunk size for CSV and JSONL data (default 16 MiB, more for files over 64 columns); for tests. */
  chunkBytes?: number;
}

export interface DataValidationResult {
  validation?: ArtifactBody<'validation'>;
  profile: ArtifactBody<'profile'>;
  drift?: ArtifactBody<'drift'>;
  /** How the data was read: chunks (CSV, JSONL), and threads that read them (for the log). */
  reading: { chunks: number; threads: number };
}

interface Pass {
  rows: number;
  profile: { rows: number; columns: ColumnProfileJson[] };
  samples: Map<string, NumericReservoir>;
}

/**
 * A file is read in chunks (on two threads) when its data is longer than this many chunks: more
 * than 32 MiB at the default size. Below it the second thread costs more to start (and to warm
 * up) than it saves.
 */
const MIN_CHUNKS = 2;

/** Seed of a single pass's sample keys: chunk 0's, so that one pass and chunks draw the same sample. */
const SINGLE_PASS_SEED = sampleSeed(0);

/** Seed of the reference's sample keys (the data's chunks use their index). */
const REFERENCE_SEED = 0x52454631;

/** Drift sample values a pass may hold over all its sampled columns (see sampleSizeFor). */
const SAMPLE_BUDGET = 2_000_000;
/** Most values a column's drift sample keeps. */
const MAX_SAMPLE_SIZE = 100_000;
/** Fewest, however many columns: fewer would make the tests mostly noise. */
const MIN_SAMPLE_SIZE = 1_000;

/**
 * Values per column kept for drift tests when `columns` columns are sampled (every column both
 * files have, text ones too: the count is needed before the types are known): the full 100 000 up
 * to 20 columns, then a share of SAMPLE_BUDGET (more in all beyond 2 000 columns, at the
 * minimum). A sample keeps up to twice its size before each selection (16 bytes a value), so a
 * thousand columns at 100 000 would hold 3.2 GB.
 */
export function sampleSizeFor(columns: number): number {
  return Math.max(MIN_SAMPLE_SIZE, Math.min(MAX_SAMPLE_SIZE, Math.floor(SAMPLE_BUDGET / Math.max(1, columns))));
}

const isNumeric = (column: ColumnProfileJson | undefined) => column?.type === 'int' || column?.type === 'float';

export async function validateData(options: DataValidationOptions): Promise<DataValidationResult> {
  const source = options.data.source;
  const validateOptions = options.validate ?? {};
  // A bound the checks cannot read fails here, naming the schema file, before any data is read.
  if (options.schema) assertReadableBounds(options.schema.schema, options.schema.shown);
  // A CSV or JSONL file longer than MIN_CHUNKS chunks is read in chunks (on two threads when a runner is given);
  // duplicate rows need every row in one validator, so they keep the single pass.
  const chunkBytes = options.chunkBytes ?? Math.max(DEFAULT_CHUNK_BYTES, source.columns.length * CHUNK_BYTES_PER_COLUMN);
  const ranged = 'ranges' in source && !validateOptions.duplicateRows ? (source as RangedSource) : undefined;
  // Up to MIN_CHUNKS chunks of data: one pass.
  const cuts = !ranged ? [] : ranged.ranges.size - ranged.ranges.dataStart.offset > MIN_CHUNKS * chunkBytes ? chunkCuts(ranged, chunkBytes) : [ranged.ranges.dataStart.offset];
  const runner = cuts.length > 1 ? options.chunkRunner?.() : undefined;
  // Numeric columns of both files are sampled for drift tests. Their types are not known yet, so
  // every column the reference also has is sampled; a sample stops at its first value that is not
  // a number (see NumericReservoir), and only those of columns numeric on both sides are used.
  const inReference = new Set(options.reference?.source.columns);
  const sampled = source.columns.filter((name) => inReference.has(name));
  // The reference's sample has the data's size: both sides of a test are drawn alike.
  const sampleSize = options.sampleSize ?? sampleSizeFor(sampled.length);
  const readReference = async (): Promise<PassState | undefined> => {
    if (!options.reference) return undefined;
    // Its own seed: the reference's keys must not repeat the data's first chunk's.
    // Only the columns the data has too are sampled: no other sample is ever compared.
    const pass = new PassState(options.reference.source.columns, sampled, sampleSize, REFERENCE_SEED);
    await pass.addAll(options.reference.source.batches({ codedCellsInData: false }));
    requireRows(options.reference.source, pass.rows, options.reference.shown);
    return pass;
  };
  let current: PassState;
  let reference: PassState | undefined;
  let numericInReference: Set<string> | undefined;
  // A data column's sample is used only if the reference's is numeric too (asked once the reference is read).
  const sampleUsed = (name: string) => (numericInReference ??= reference?.profiler.numericColumns() ?? new Set()).has(name);
  let reading = { chunks: 1, threads: 1 };
  try {
    if (cuts.length > 0) {
      const chunked = await readChunked({
        source: ranged!,
        cuts,
        validatorFile: options.data.shown,
        task: { ...(options.schema ? { schema: options.schema.schema } : {}), validate: validateOptions, sampled, sampleSize },
        ...(runner ? { runner } : {}),
        // Read on this thread while the runner starts on the data's chunks.
        ...(options.reference ? { first: async () => void (reference = await readReference()) } : {}),
        sampleUsed,
        onRows: (rows) => options.onProgress?.(rows),
      });
      current = chunked.pass;
      reading = { chunks: chunked.chunks, threads: chunked.onRunner > 0 ? 2 : 1 };
    } else {
      reference = await readReference();
      const validator = options.schema ? new SchemaValidator(options.schema.schema, source.columns, options.data.shown, validateOptions) : undefined;
      // A file that states its values (Parquet) bounds its sample keys as the CSV chunks do.
      const bounds = boundsFromCounts(source, sampled, sampleSize);
      const pass = new PassState(source.columns, sampled, sampleSize, SINGLE_PASS_SEED, validator, bounds);
      await pass.addAll(source.batches({ codedCellsInData: false }), () => options.onProgress?.(pass.rows));
      const short = bounds ? shortSamples(pass, sampled, bounds, sampleSize, sampleUsed) : [];
      if (short.length > 0) await redrawSamples(source, [{ seed: SINGLE_PASS_SEED, batches: () => source.batches({ codedCellsInData: false }) }], short, sampleSize, pass);
      current = pass;
    }
  } finally {
    runner?.close();
  }
  requireRows(source, current.rows, options.data.shown);
  const [data, schema, referenceFile] = await Promise.all([options.data.sha256, options.schema?.sha256, options.reference?.sha256]);
  return { ...report(options, { data, schema, reference: referenceFile }, toPass(current), current.validator, reference && toPass(reference)), reading };
}

/** The files' SHA-256, once the promises the caller may have given are settled. */
type Hashes = { data: string | undefined; schema: string | undefined; reference: string | undefined };

const toPass = (state: PassState): Pass => ({ rows: state.rows, profile: state.profiler.toJSON(), samples: state.samples });

function report(options: DataValidationOptions, hashes: Hashes, current: Pass, validator: SchemaValidator | undefined, reference: Pass | undefined): Omit<DataValidationResult, 'reading'> {
  const file = { path: options.data.shown, ...(hashes.data ? { sha256: hashes.data } : {}) };

  const result: Omit<DataValidationResult, 'reading'> = { profile: { source: { files: [file] }, rows: current.rows, columns: current.profile.columns } };
  if (validator && options.schema) {
    const anomalies = validator.finish();
    const errors = anomalies.filter((anomaly) => anomaly.severity === 'error').length;
    result.validation = {
      data: [{ ...file, rows: current.rows }],
      schema: { path: options.schema.shown, ...(hashes.schema ? { sha256: hashes.schema } : {}) },
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
      reference: { path: options.reference.shown, ...(hashes.reference ? { sha256: hashes.reference } : {}), rows: reference.rows },
      current: { ...file, rows: current.rows },
      columns,
      ...datasetDrift(columns.filter(countsTowardDrift), options.driftShare ?? 0.5),
      share_threshold: options.driftShare ?? 0.5,
    };
  }
  return result;
}


/** Values a test of the column would use: its finite ones when it is tested as numeric (NaN and ±Infinity are dropped). */
const testableValues = (column: ColumnProfileJson, numeric: boolean) => (numeric ? column.count - (column.numeric?.nan ?? 0) - (column.numeric?.inf ?? 0) : column.count);

function untested(column: string, reason: UntestedReason, referenceRows: number, currentRows: number): DriftColumn {
  // Only a column the current data lost counts, as drifted; with no reference values there is nothing to drift from.
  const drifted = reason === 'missing_in_current' || reason === 'no_values_in_current';
  return { column, untested: reason, drifted, reference_rows: referenceRows, current_rows: currentRows };
}

function driftColumns(current: Pass, reference: Pass, options: DataValidationOptions): DriftColumn[] {
  const referenceByName = new Map(reference.profile.columns.map((column) => [column.name, column]));
  const currentNames = new Set(current.profile.columns.map((column) => column.name));
  // By name, not a search per column: a file may have 100 000 columns.
  const schemaColumns = new Map(options.schema?.schema.columns.map((column) => [column.name, column]));
  // A column the environment does not expect (the label in serving data) may be missing without drifting.
  const expected = (name: string) => expectedInEnvironment(schemaColumns.get(name) ?? { name }, options.validate ?? {});
  const out: DriftColumn[] = [];
  for (const column of current.profile.columns) {
    const ref = referenceByName.get(column.name);
    if (!ref) {
      out.push(untested(column.name, 'missing_in_reference', 0, column.count));
      continue;
    }
    const numeric = isNumeric(column) && isNumeric(ref) && current.samples.has(column.name);
    const [referenceValues, currentValues] = [testableValues(ref, numeric), testableValues(column, numeric)];
    // A test needs values on both sides (an empty side is Evidently's ValueError).
    if (referenceValues === 0) out.push(untested(column.name, 'no_values_in_reference', 0, currentValues));
    else if (currentValues === 0 && expected(column.name)) out.push(untested(column.name, 'no_values_in_current', referenceValues, 0));
    if (referenceValues === 0 || currentValues === 0) continue;
    const kind = numeric ? 'numeric' : 'categorical';
    // modelgate.yml `drift.columns` first, then the schema's drift_comparator, else the default choice.
    const comparator = schemaColumns.get(column.name)?.drift_comparator;
    const fromConfig = options.driftTests?.[column.name];
    const configured = fromConfig ?? (comparator ? `${comparator.test ?? ''}:${comparator.threshold}` : '');
    let [name, threshold] = configured.split(':');
    if (!numeric && NUMERIC_ONLY_TESTS.has(name as DriftTestName)) {
      // Numeric in the reference: it is the current data whose values are not all numbers (its
      // type anomaly says so); the column is compared by categories, as without a configured test.
      if (!isNumeric(ref)) {
        const where = fromConfig !== undefined ? { file: options.driftTestsFile ?? 'modelgate.yml', field: `drift.columns.${column.name}` } : { file: options.schema!.shown, field: `columns.${column.name}.drift_comparator` };
        throw new ConfigurationError(`${where.field}: test '${name}' needs numbers, and '${column.name}' is not numeric in ${options.reference!.shown}; for categories use chi2, z, jensen_shannon, psi or linf`, where);
      }
      [name, threshold] = ['', ''];
    }
    // The base-2 Jensen–Shannon distance (bounded 0..1) is what modelgate reports.
    const driftOptions = { jsBase: 2 as const };
    let result;
    // The default choice counts the reference's values, not its rows: Evidently chooses after
    // dropping missing (and infinite) values.
    if (numeric) {
      const refValues = reference.samples.get(column.name)!.sample();
      const curValues = current.samples.get(column.name)!.sample();
      // Both samples come sorted: distinct values counted by a merge (up to what the choice needs).
      const test = (name || chooseTest('numeric', referenceValues, distinctUnion(refValues, curValues, CHOICE_UNIQUES))) as DriftTestName;
      result = numericDrift(refValues, curValues, test, threshold ? Number(threshold) : undefined, driftOptions);
    } else {
      const [refCounts, curCounts] = comparableCounts(valueCounts(ref), valueCounts(column));
      const uniques = new Set([...refCounts.keys(), ...curCounts.keys()]).size;
      const test = (name || chooseTest('categorical', referenceValues, uniques)) as DriftTestName;
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
  // Columns only the reference has, after the current data's, in the reference's order.
  for (const ref of reference.profile.columns) {
    if (currentNames.has(ref.name) || !expected(ref.name)) continue;
    out.push(untested(ref.name, ref.count === 0 ? 'no_values_in_reference' : 'missing_in_current', ref.count, 0));
  }
  return out;
}
