/**
 * Score a table with a model: stream batches from a reader, feed them, decode outputs, collect
 * per-row predictions (for metrics, slices and predictions-out) and latency. One run is kept in
 * flight while the next batch is read. onnxruntime-node runs a session on this thread (its own
 * intra-op threads aside), so reading and inference interleave rather than overlap.
 */
import { performance } from 'node:perf_hooks';
import { InputDataError, shownValue, type Logger } from '@modelgate/core';
import { requireRows, type Cell, type TableBatch, type TableSource } from '@modelgate/data';
import { batchToFeeds, decimalValue, planInputs, type FeedTensor, type InputPlan, type ModelInput } from './feed.js';
import { decodeBatch, firstNonProbabilityRow, planOutputs, type ModelOutput, type OutputMapping, type OutputPlan } from './outputs.js';
import type { ModelSession } from './session.js';
import type { OrtModule, OrtTensor } from './types.js';

export interface ScoreOptions {
  ort: OrtModule;
  session: ModelSession;
  model: { inputs: ModelInput[]; outputs: ModelOutput[]; metadata: Record<string, string> };
  data: TableSource;
  /**
   * Reopens the data reading only these columns (features, label, slices); readers skip
   * decoding the rest, which is most of the parsing cost on wide files.
   */
  project?: (columns: string[]) => Promise<TableSource>;
  /** Shown in messages (workspace-relative). */
  dataFile: string;
  label: string;
  slices?: readonly string[];
  mapping?: Record<string, string | string[]>;
  classes?: string[];
  /** modelgate.yml `outputs:`: which output holds labels, probabilities, scores or values. */
  outputs?: OutputMapping;
  /** Single-row runs timed for per-row latency (after warm-up); 0 turns it off. */
  latencyRuns?: number;
  logger: Logger;
  /** Rows scored so far, after each batch. */
  onProgress?: (rows: number) => void;
}

export interface LatencySample {
  p50: number;
  p95: number;
  p99: number;
  runs: number;
  batch_size: number;
}

export interface Scored {
  plan: OutputPlan;
  inputPlan: InputPlan;
  rows: number;
  lines: Int32Array;
  /** True labels (classification) as strings; regression targets as numbers. */
  truths: string[] | Float64Array;
  /** Predicted labels (classification) or values (regression). */
  predictions: string[] | Float64Array;
  /** Row-major [rows, classCount] in `plan.classes` order (or model column order). */
  probabilities?: Float32Array;
  classCount?: number;
  slices: Record<string, (string | null)[]>;
  latency: { row?: LatencySample; batch?: LatencySample };
}

export async function scoreTable(options: ScoreOptions): Promise<Scored> {
  const { data, label, dataFile } = options;
  if (!data.columns.includes(label)) {
    throw new InputDataError(`has no label column '${label}' (columns: ${data.columns.join(', ')})`, { file: dataFile, field: 'label' });
  }
  for (const column of options.slices ?? []) {
    if (!data.columns.includes(column)) throw new InputDataError(`has no slice column '${column}' (columns: ${data.columns.join(', ')})`, { file: dataFile, field: 'slices' });
  }
  const inputPlan = planInputs(options.model.inputs, data.columns, {
    label,
    file: dataFile,
    ...(options.mapping ? { mapping: options.mapping } : {}),
    ...(options.model.metadata['feature_names'] ? { featureNames: options.model.metadata['feature_names'].split(',').map((name) => name.trim()) } : {}),
  });
  const plan = withCanonicalClasses(planOutputs(options.model.outputs, options.model.metadata, options.classes, options.outputs));
  const outputNames = plan.task === 'regression' ? [plan.value] : [plan.label, plan.probabilities].filter((name): name is string => name !== undefined);

  const needed = new Set([label, ...(options.slices ?? []), ...(inputPlan.kind === 'matrix' ? inputPlan.columns : inputPlan.inputs.map((input) => input.column))]);
  const source = options.project && needed.size < data.columns.length ? await options.project(data.columns.filter((column) => needed.has(column))) : data;
  const collector = new Collector(plan, label, options.slices ?? [], { data: dataFile, model: options.session.name }, options.classes !== undefined, nanFedColumns(inputPlan));
  const batchTimes: number[] = [];
  let firstFeeds: FeedTensor[] | undefined;
  let batchSize = 0;
  let inFlight: Promise<void> | undefined;

  try {
    for await (const batch of source.batches()) {
      if (batch.rowCount === 0) continue;
      const feeds = batchToFeeds(inputPlan, batch, dataFile);
      if (!firstFeeds) {
        firstFeeds = feeds;
        batchSize = batch.rowCount;
        // Warm-up: the first run pays for allocations and kernel selection.
        await options.session.run(toOrt(options.ort, feeds), outputNames);
      }
      const previous = inFlight;
      const started = performance.now();
      const running = options.session.run(toOrt(options.ort, feeds), outputNames);
      inFlight = (async () => {
        const outputs = await running;
        batchTimes.push(performance.now() - started);
        if (previous) await previous;
        collector.add(batch, decodeBatch(plan, outputs as never, batch.rowCount, options.session.name));
        options.onProgress?.(collector.rows);
      })();
      // It may fail while the next batch is read; that failure is thrown where it is awaited, not left unhandled.
      inFlight.catch(() => undefined);
      // Keep one run in flight: wait for the one before it before reading further.
      if (previous) await previous;
    }
    if (inFlight) await inFlight;
  } catch (error) {
    // Nothing runs on after this returns (the caller releases the session). The run in flight holds
    // earlier rows than a batch that failed to read or feed, so its own error, if any, comes first.
    if (inFlight) await inFlight;
    throw error;
  }
  requireRows(source, collector.rows, dataFile);

  const latency: Scored['latency'] = {};
  if (batchTimes.length > 0) latency.batch = { ...percentiles(batchTimes), batch_size: batchSize };
  const runs = Math.min(options.latencyRuns ?? 200, collector.rows);
  if (firstFeeds && runs > 0) latency.row = await rowLatency(options, firstFeeds, outputNames, runs);
  // Classes implied by the width of the class columns are the model's classes for the metrics too.
  const implied = collector.impliedClasses;
  const scoredPlan = implied && plan.task === 'classification' ? { ...plan, classes: implied } : plan;
  return { plan: scoredPlan, inputPlan, ...onlyProbabilities(collector.finish(), plan, dataFile, options.logger), latency };
}

/** Columns fed to float inputs, where an empty cell becomes NaN (integer inputs refuse it). */
function nanFedColumns(plan: InputPlan): string[] {
  if (plan.kind === 'matrix') return plan.type === 'float32' || plan.type === 'float64' ? plan.columns : [];
  return plan.inputs.filter((input) => input.type === 'float32' || input.type === 'float64').map((input) => input.column);
}

/**
 * Class columns that may be logits (a lone [N, C] output, or `outputs: scores`) count as
 * probabilities only when every row is a distribution: probability metrics (ROC-AUC, log loss,
 * Brier, ECE) of scores would be numbers without meaning. Predictions are the argmax either way.
 */
function onlyProbabilities<T extends { probabilities?: Float32Array; classCount?: number; lines: Int32Array }>(scored: T, plan: OutputPlan, file: string, logger: Logger): T {
  if (plan.task !== 'classification' || !plan.columns || !scored.probabilities) return scored;
  const { probabilities: _dropped, classCount: _count, ...rest } = scored;
  if (plan.columns === 'scores') {
    logger.info(`'${plan.probabilities}' holds class scores (outputs.scores in modelgate.yml): predictions are the highest-scoring class; probability metrics are left out`);
    return rest as T;
  }
  const bad = firstNonProbabilityRow(scored.probabilities, scored.classCount!);
  if (!bad) return scored;
  logger.info(
    `the model's output '${plan.probabilities}' holds class scores, not probabilities (${file}:${scored.lines[bad.row]}: values sum to ${bad.sum.toPrecision(6)}, or leave [0, 1]): predictions are the highest-scoring class; probability metrics (roc_auc, pr_auc, log_loss, brier, ece) are left out`,
  );
  return rest as T;
}

function toOrt(ort: OrtModule, feeds: FeedTensor[]): Record<string, OrtTensor> {
  return Object.fromEntries(feeds.map((feed) => [feed.name, new ort.Tensor(feed.type, feed.data as never, feed.dims)]));
}

/** One row at a time, as a service would call the model: warm-up, then `runs` timed calls. */
async function rowLatency(options: ScoreOptions, feeds: FeedTensor[], outputNames: string[], runs: number): Promise<LatencySample> {
  const batchRows = feeds[0]!.dims[0]!;
  const single = (row: number) =>
    toOrt(
      options.ort,
      feeds.map((feed) => {
        const width = feed.data.length / batchRows;
        const data = Array.isArray(feed.data) ? feed.data.slice(row * width, (row + 1) * width) : feed.data.subarray(row * width, (row + 1) * width);
        return { ...feed, data, dims: [1, ...feed.dims.slice(1)] };
      }),
    );
  for (let i = 0; i < Math.min(10, runs); i += 1) await options.session.run(single(i % batchRows), outputNames);
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const input = single(i % batchRows);
    const start = performance.now();
    await options.session.run(input, outputNames);
    times.push(performance.now() - start);
  }
  return { ...percentiles(times), batch_size: 1 };
}

/** Nearest-rank percentiles (no interpolation): every value reported was observed. */
export function percentiles(values: readonly number[]): { p50: number; p95: number; p99: number; runs: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return { p50: at(50), p95: at(95), p99: at(99), runs: sorted.length };
}

/** Accumulates decoded batches in row order. */
class Collector {
  rows = 0;
  private readonly lines: number[] = [];
  private readonly truths: (string | number)[] = [];
  private readonly predictions: (string | number)[] = [];
  private readonly probabilities: Float32Array[] = [];
  private classCount: number | undefined;
  private readonly slices: Record<string, (string | null)[]>;
  /** Labels repeat: canonicalise each distinct value once. */
  private readonly canonical = new Map<Cell | string, string>();
  /**
   * The classes the model declares (class_labels, ZipMap, data.classes): a label must be one of them.
   * Class columns without a label output or declared classes predict their index ('0'…'C-1'), so
   * those are its classes (`impliedClasses`): set on the first batch, when C is known.
   */
  private modelClasses: ReadonlySet<string> | undefined;
  impliedClasses: string[] | undefined;
  private readonly proba: string;

  constructor(
    private readonly plan: OutputPlan,
    private readonly label: string,
    private readonly sliceColumns: readonly string[],
    private readonly files: { data: string; model: string },
    private readonly classesFromConfig: boolean,
    /** Feature columns whose missing cells are fed as NaN, to say why a row's outputs are NaN. */
    private readonly nanFed: readonly string[],
  ) {
    this.slices = Object.fromEntries(sliceColumns.map((column) => [column, []]));
    if (plan.task === 'classification' && plan.classes) this.modelClasses = new Set(plan.classes);
    this.proba = plan.task === 'regression' ? 'prediction' : plan.columns ? 'scores' : 'probabilities';
  }

  add(batch: TableBatch, decoded: ReturnType<typeof decodeBatch>): void {
    const column = (name: string): Cell[] => batch.data[batch.columns.indexOf(name)]!;
    const labels = column(this.label);
    if (!this.modelClasses && this.plan.task === 'classification' && !this.plan.label && decoded.classCount !== undefined) {
      this.impliedClasses = Array.from({ length: decoded.classCount }, (_, c) => String(c));
      this.modelClasses = new Set(this.impliedClasses);
    }
    if (this.plan.task === 'classification' && this.classCount !== undefined && decoded.classCount !== this.classCount) {
      // The batches' columns are concatenated: a width that changes would shift every later row.
      throw new InputDataError(`output '${this.plan.probabilities}' returned ${decoded.classCount} class columns for the rows from ${this.files.data}:${batch.lines[0]} on, ${this.classCount} for those before`, { file: this.files.model });
    }
    for (let i = 0; i < batch.rowCount; i += 1) {
      const cell = labels[i];
      const line = batch.lines[i]!;
      // Trimmed first: a blank label is as missing as an empty one, and ' 1' is the class 1.
      const trimmed = typeof cell === 'string' ? cell.trim() : cell;
      if (trimmed === null || trimmed === undefined || trimmed === '') throw new InputDataError(`label '${this.label}' is missing`, { file: this.files.data, line, field: this.label });
      if (this.plan.task === 'regression') {
        this.truths.push(this.targetOf(cell!, trimmed, line));
        if (decoded.values) this.requireFinite(batch, decoded.values, 1, i, line);
      } else {
        const truth = this.labelOf(trimmed);
        if (this.modelClasses && !this.modelClasses.has(truth)) throw this.unknownClass(truth, line);
        if (decoded.probabilities) this.requireFinite(batch, decoded.probabilities, decoded.classCount!, i, line);
        this.truths.push(truth);
      }
      this.lines.push(line);
    }
    if (decoded.values) for (const value of decoded.values) this.predictions.push(value);
    if (decoded.labels) for (const value of decoded.labels) this.predictions.push(this.labelOf(value));
    if (decoded.probabilities) {
      // onnxruntime returns fresh output buffers per run: keeping them needs no copy.
      this.probabilities.push(decoded.probabilities instanceof Float32Array ? decoded.probabilities : Float32Array.from(decoded.probabilities));
      this.classCount = decoded.classCount;
    }
    for (const name of this.sliceColumns) {
      const cells = column(name);
      for (let i = 0; i < batch.rowCount; i += 1) this.slices[name]!.push(sliceValue(cells[i]));
    }
    this.rows += batch.rowCount;
  }

  /**
   * NaN class columns or predicted values would otherwise fail deep in the metrics with a row number and no cause. The
   * usual cause: an empty cell fed as NaN to a model that cannot route missing values (trees can).
   */
  private requireFinite(batch: TableBatch, columns: ArrayLike<number>, classCount: number, i: number, line: number): void {
    let bad: number | undefined;
    for (let c = i * classCount; c < (i + 1) * classCount && bad === undefined; c += 1) if (!Number.isFinite(columns[c]!)) bad = columns[c]!;
    if (bad === undefined) return;
    const one = classCount === 1;
    const what = Number.isNaN(bad) ? `${one ? 'a ' : ''}NaN ${this.proba}` : `${bad} ${one ? 'as' : 'among'} its ${this.proba}`;
    const cell = (name: string) => batch.data[batch.columns.indexOf(name)]?.[i];
    const missing = this.nanFed.filter((name) => isNaNCell(cell(name)));
    const cells = missing.length === 1 ? `${isBlank(cell(missing[0]!)) ? 'empty cell' : `'${shownValue(cell(missing[0]!)!)}'`} in '${missing[0]}' is` : `missing values in ${missing.map((name) => `'${name}'`).join(', ')} are`;
    const cause = missing.length
      ? `its ${cells} fed as NaN, which a model that cannot route missing values (trees can) turns into NaN; fill the missing values or drop these rows`
      : 'none of its inputs is missing';
    throw new InputDataError(`the model returned ${what} for this row (${cause})`, { file: this.files.data, line });
  }

  /** A regression target: a finite decimal number (no hex, no `Infinity`, no overflow). */
  private targetOf(cell: Exclude<Cell, null>, trimmed: Exclude<Cell, null>, line: number): number {
    const value = typeof trimmed === 'string' ? decimalValue(trimmed) : typeof trimmed === 'boolean' ? undefined : Number(trimmed);
    if (value === undefined || Number.isNaN(value)) throw new InputDataError(`label '${this.label}': '${shownValue(cell)}' is not a number (the model is a regressor)`, { file: this.files.data, line, field: this.label });
    if (!Number.isFinite(value)) throw new InputDataError(`label '${this.label}': '${shownValue(cell)}' is not a finite number`, { file: this.files.data, line, field: this.label });
    return value;
  }

  /**
   * A label the model does not know would be counted as a class it never predicts (accuracy 0, an
   * extra row in the confusion matrix) when the data names the classes differently than the model.
   */
  private unknownClass(truth: string, line: number): InputDataError {
    const classes = [...this.modelClasses!].join(', ');
    const where = this.classesFromConfig ? `the classes in data.classes (modelgate.yml): ${classes}` : `the model's classes ${classes} (set data.classes in modelgate.yml if the model's labels are named differently)`;
    return new InputDataError(`label '${truth}' is not one of ${where}`, { file: this.files.data, line, field: this.label });
  }

  private labelOf(value: Cell | string): string {
    let text = this.canonical.get(value);
    if (text === undefined) {
      text = canonicalLabel(value);
      if (this.canonical.size < 4096) this.canonical.set(value, text);
    }
    return text;
  }

  finish(): Omit<Scored, 'plan' | 'inputPlan' | 'latency'> {
    const regression = this.plan.task === 'regression';
    const probabilities = this.probabilities.length > 0 ? concat(this.probabilities) : undefined;
    return {
      rows: this.rows,
      lines: Int32Array.from(this.lines),
      truths: regression ? Float64Array.from(this.truths as number[]) : (this.truths as string[]),
      predictions: regression ? Float64Array.from(this.predictions as number[]) : (this.predictions as string[]),
      ...(probabilities ? { probabilities, classCount: this.classCount! } : {}),
      slices: this.slices,
    };
  }
}

/** A feature cell fed as NaN: empty, blank or the text `nan` (see toFloat in feed.ts). */
function isNaNCell(cell: Cell | undefined): boolean {
  if (isBlank(cell)) return true;
  if (typeof cell === 'number') return Number.isNaN(cell);
  return typeof cell === 'string' && Number.isNaN(decimalValue(cell.trim()) ?? 0);
}

function isBlank(cell: Cell | undefined): boolean {
  return cell === null || cell === undefined || (typeof cell === 'string' && cell.trim() === '');
}

/**
 * "1", " 1", "1.0" and 1 are the same class; text labels are compared without surrounding spaces.
 * Integers are read exactly (BigInt), as pandas reads an int64 column: 2^53 and 2^53 + 1 stay apart.
 */
export function canonicalLabel(value: Cell | string): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const trimmed = String(value).trim();
  const integer = /^[+-]?(\d+)(\.0+)?$/.exec(trimmed);
  if (integer) return (trimmed.startsWith('-') ? -BigInt(integer[1]!) : BigInt(integer[1]!)).toString();
  return trimmed;
}

/** A slice value is read as labels and gate slice values are: without surrounding spaces, blank = missing. */
function sliceValue(cell: Cell | undefined): string | null {
  const text = cell === null || cell === undefined ? '' : typeof cell === 'string' ? cell.trim() : String(cell);
  return text === '' ? null : text;
}

/** The model's classes in the form labels and predictions take (see canonicalLabel), so they compare equal. */
function withCanonicalClasses(plan: OutputPlan): OutputPlan {
  return plan.task === 'classification' && plan.classes ? { ...plan, classes: plan.classes.map(canonicalLabel) } : plan;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
