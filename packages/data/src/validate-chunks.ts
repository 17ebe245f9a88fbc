/**
 * Reading a large CSV or JSONL file in chunks, so two threads can validate and profile it at once.
 *
 * The file's data bytes are cut at fixed offsets (every `chunkBytes`, so the cut depends on the
 * file only, never on how many threads run). Each chunk starts at the first line start after its
 * cut and ends before the first row starting at or after the next cut; it is scanned on its own,
 * with lines counted from 1, into a `ChunkState` (profile, validator findings, drift samples) that
 * can cross threads. States are absorbed in file order: a chunk whose start is not where the
 * previous one ended (in CSV, the cut fell inside a quoted field spanning lines), or that failed,
 * is read again from the exact boundary, with the file's own line numbers. So results never depend
 * on which thread read what, and errors are the ones a single pass would raise.
 */
import type { z } from 'zod';
import type { DataSchemaFile } from '@modelgate/core';
import { RowSampler, type NumericReservoir, type SampleState } from './drift/reservoir.js';
import { TableProfiler, type TableProfileJson } from './profile/table.js';
import type { OpenOptions } from './readers/common.js';
import { openCsv } from './readers/csv.js';
import { openJsonl } from './readers/jsonl.js';
import type { RangedSource, RowPosition, RowRange } from './readers/ranges.js';
import { SchemaValidator, type ValidateOptions, type ValidatorState } from './schema/validate.js';
import { cellAt, columnIndexes, type TableBatch, type TableSource } from './table.js';

type Schema = z.output<typeof DataSchemaFile>;

/**
 * Bytes per chunk: each chunk costs a fixed amount (fresh profilers, sketches and validator, its
 * state cloned and merged), so larger chunks are faster as long as two threads stay balanced.
 * Measured on the 1M-row benchmark (95 MB): 4 MiB 1136 ms, 8 MiB 1020 ms, 16 MiB 965 ms (medians
 * of 9); at 4M rows 16 MiB took 7-9% less than 8 MiB.
 */
export const DEFAULT_CHUNK_BYTES = 16 << 20;
/**
 * Bytes per chunk and column at least: a chunk's profile state grows with the columns (sketches
 * per column), so wide files (over 64 columns) get larger chunks (500 columns: 125 MiB), or none.
 */
export const CHUNK_BYTES_PER_COLUMN = 256 << 10;

/** Everything a thread needs to scan one chunk (structured-clone safe). */
export interface ChunkTask {
  /** Path to open, its format, the name shown in the reader's messages, and the read options of the source. */
  path: string;
  format: RangedSource['format'];
  shown: string;
  read: OpenOptions;
  /** The file name anomaly samples carry. */
  validatorFile: string;
  range: RowRange;
  /** Position of the chunk in the file: seeds its drift samples. */
  index: number;
  schema?: Schema;
  validate?: ValidateOptions;
  /** Columns whose values are sampled for drift tests, and the sample size. */
  sampled: string[];
  sampleSize: number;
  /**
   * Per sampled column, a key at or above which values are not kept (nor even parsed): a guess
   * from the estimated row count, checked once all chunks are in (see readChunked).
   */
  sampleBounds?: number[];
}

/** What one chunk holds (structured-clone safe). Lines are the chunk's own unless it started at an exact boundary. */
export interface ChunkState {
  start: RowPosition | null;
  next: RowPosition | null;
  rows: number;
  profile: TableProfileJson;
  validator?: ValidatorState;
  samples: { column: string; sample: SampleState }[];
}

/**
 * Scans chunks elsewhere (a worker thread); `close` stops it and fails what is pending. A task's
 * error is that chunk's business (it is read again here); its `name` says whether it is a data
 * error (`InputDataError`). `failed` says the runner itself broke (the thread died), and then it
 * gets no more chunks.
 */
export interface ChunkRunner {
  run(task: ChunkTask): Promise<ChunkState>;
  close(): void;
  readonly failed?: boolean;
}

/** The seed of chunk `index`'s sample keys; chunk 0 keeps the seed a single pass uses. */
export const sampleSeed = (index: number): number => (0x9e3779b9 + Math.imul(index, 0x85ebca6b)) >>> 0 || 1;

/** One pass's accumulators: a profiler, a validator (with a schema), samples of numeric columns. */
export class PassState {
  readonly profiler: TableProfiler;
  readonly samples: Map<string, NumericReservoir>;
  readonly validator: SchemaValidator | undefined;
  private readonly sampler: RowSampler;
  /** Per column of the data, its reservoir in the sampler (-1: not sampled). */
  private readonly reservoirAt: Int32Array;

  constructor(columns: readonly string[], sampled: readonly string[], sampleSize: number, seed: number, validator?: SchemaValidator, sampleBounds?: readonly number[], profiler?: TableProfiler) {
    this.profiler = profiler ?? new TableProfiler(columns);
    this.sampler = new RowSampler(sampled.length, sampleSize, seed, sampleBounds);
    this.samples = new Map(sampled.map((name, j) => [name, this.sampler.reservoirs[j]!]));
    this.reservoirAt = new Int32Array(columns.length).fill(-1);
    const indexes = columnIndexes(columns);
    sampled.forEach((name, j) => {
      const index = indexes.get(name);
      if (index === undefined) throw new Error(`sampled column '${name}' is not one of the columns`);
      this.reservoirAt[index] = j;
    });
    this.validator = validator;
  }

  get rows(): number {
    return this.profiler.rows;
  }

  /**
   * Takes each column of the batch through the validator, the profiler and the sampler in turn,
   * rather than the whole batch through each: a column's cells (in a float column, a fresh string
   * each) are then still in the CPU's cache for the next consumer. On 1M rows of mostly floats
   * this took about 4% less CPU (5 runs in turn; the income data unchanged). Each consumer finds
   * the same either way.
   */
  add(batch: TableBatch): void {
    const validator = this.validator;
    const profiler = this.profiler;
    const sampler = this.sampler;
    profiler.startBatch(batch);
    sampler.startBatch(batch.rowCount);
    for (let j = 0; j < batch.data.length; j += 1) {
      validator?.checkColumn(batch, j);
      profiler.addColumn(batch, j);
      const reservoir = this.reservoirAt[j]!;
      if (reservoir >= 0) sampler.offerColumn(reservoir, batch.data[j]!, batch.codes?.[j]);
    }
    validator?.endBatch(batch);
    profiler.endBatch(batch);
    sampler.endBatch();
  }

  /** Adds every batch; `onBatch` after each, when `rows` has grown. */
  async addAll(batches: AsyncIterable<TableBatch>, onBatch?: () => void): Promise<void> {
    for await (const batch of batches) {
      this.add(batch);
      onBatch?.();
    }
  }

  /**
   * Adds the state of the chunk that follows these rows; `lineShift` maps its lines to the file's.
   * `profiled`: the chunk's profile is already this pass's profiler (the first chunk, taken over
   * as it is: merging into an empty profile would cut its top-value summaries back for nothing).
   */
  absorb(state: ChunkState, lineShift: number, profiled = false): void {
    if (!profiled) this.profiler.merge(TableProfiler.fromJSON(state.profile));
    if (this.validator && state.validator) this.validator.absorb(state.validator, lineShift);
    for (const { column, sample } of state.samples) this.samples.get(column)!.absorb(sample);
  }

  exportState(start: RowPosition | null, next: RowPosition | null): ChunkState {
    return {
      start,
      next,
      rows: this.rows,
      profile: this.profiler.toJSON(),
      ...(this.validator ? { validator: this.validator.exportState() } : {}),
      samples: [...this.samples].map(([column, reservoir]) => ({ column, sample: reservoir.exportState() })),
    };
  }
}

/**
 * How a pass reads its ranges: PassState keeps nothing of a batch once it has added it, and the
 * profiler, validator and sampler read coded cells by their codes.
 */
const PASS_READ = { reuseBatches: true, codedCellsInData: false } as const;

/** Scans one chunk of an open CSV or JSONL source. */
export async function scanChunk(source: RangedSource, task: ChunkTask): Promise<ChunkState> {
  const validator = task.schema ? new SchemaValidator(task.schema, source.columns, task.validatorFile, task.validate) : undefined;
  const pass = new PassState(source.columns, task.sampled, task.sampleSize, sampleSeed(task.index), validator, task.sampleBounds);
  const reader = source.ranges.readRange({ ...task.range, ...PASS_READ });
  await pass.addAll(reader.batches());
  return pass.exportState(reader.start, reader.next);
}

/**
 * The worker thread's side: opens the file (once per path) and scans the chunk. Opens CSV or JSONL
 * directly (`task.read` carries a CSV's resolved delimiter), so the worker bundle leaves Parquet out.
 */
export function chunkScanner(): (task: ChunkTask) => Promise<ChunkState> {
  const opened = new Map<string, Promise<RangedSource>>();
  return async (task) => {
    const key = JSON.stringify([task.path, task.format, task.shown, task.read]);
    let source = opened.get(key);
    if (!source) {
      source = task.format === 'jsonl' ? openJsonl(task.path, task.shown, task.read) : openCsv(task.path, task.shown, task.read, ',');
      opened.set(key, source);
      source.catch(() => opened.delete(key)); // a failed open is tried again with the next task
    }
    return scanChunk(await source, task);
  };
}

/**
 * The cuts of a CSV or JSONL source's data: [dataStart, cut1, cut2, …]; one entry means one chunk. Chunks
 * are `chunkBytes` long, but the last `2 × chunkBytes` or less are cut in equal parts of at most
 * half a chunk: the thread that finishes first then waits for at most half a chunk (the other
 * thread's last one), not a whole one. The cuts depend on the file's size only, never on the
 * threads.
 */
export function chunkCuts(source: RangedSource, chunkBytes: number): number[] {
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) throw new RangeError(`chunkBytes must be a positive integer, got ${chunkBytes}`);
  const { size, dataStart } = source.ranges;
  const cuts = [dataStart.offset];
  let at = dataStart.offset;
  while (size - at > 2 * chunkBytes) cuts.push((at += chunkBytes));
  // Not `>> 1`: chunks of 2 GiB or more (wide files) would wrap around 32 bits.
  const parts = Math.ceil((size - at) / Math.max(1, Math.floor(chunkBytes / 2)));
  for (let part = 1; part < parts; part += 1) cuts.push(at + Math.floor(((size - at) * part) / parts));
  return cuts;
}

export interface ChunkedReadOptions {
  source: RangedSource;
  cuts: number[];
  task: Omit<ChunkTask, 'path' | 'format' | 'shown' | 'read' | 'range' | 'index' | 'sampleBounds' | 'validatorFile'>;
  /** The file name anomaly samples carry (default: the source's shown path). */
  validatorFile?: string;
  /** Runs chunks on another thread too; without it the chunks are all read here, in order. */
  runner?: ChunkRunner;
  /**
   * Work for this thread before it reads any chunk (the reference), started once the chunks can be
   * handed out: the runner reads them meanwhile. Its error is thrown from here, before any error
   * of the data.
   */
  first?: () => Promise<void>;
  /** Windows of the data read to estimate the sample bounds (default PROBES); for tests. */
  probes?: Probes;
  /**
   * Whether a sampled column's sample is used (asked once all chunks are in, after `first`): a
   * short sample is drawn again only if so. Default: every column whose data is numeric.
   */
  sampleUsed?: (column: string) => boolean;
  /** Rows merged so far, after each chunk. */
  onRows?: (rows: number) => void;
}

type Outcome = { state: ChunkState } | { error: unknown };

/**
 * Chunks the runner may have taken beyond the last merged one: each finished state holds its
 * profile and its drift samples (about 3 MB at 16 MiB of income data) until its turn.
 */
export const MAX_AHEAD = 4;

/**
 * Reads every chunk (here and on the runner, taking the next unread chunk whenever one finishes)
 * and absorbs them in file order into one PassState.
 */
export async function readChunked(options: ChunkedReadOptions): Promise<{ pass: PassState; chunks: number; onRunner: number; resampled: string[] }> {
  const { source, cuts, runner } = options;
  const { sampled, sampleSize } = options.task;
  const count = cuts.length;
  const sampleBounds = count > 1 ? await estimateSampleBounds(source, sampled, sampleSize, options.probes ?? PROBES) : sampled.map(() => 1);
  const validatorFile = options.validatorFile ?? source.path;
  const taskOf = (index: number, range: RowRange): ChunkTask => ({ ...options.task, path: source.ranges.file, format: source.format, shown: source.path, read: source.ranges.options, validatorFile, range, index, sampleBounds });
  const rangeOf = (index: number): RowRange => ({ from: index === 0 ? source.ranges.dataStart : cuts[index]!, to: cuts[index + 1] ?? Infinity });
  const scanHere = (index: number, range: RowRange) => scanChunk(source, taskOf(index, range));

  const outcomes: (Outcome | undefined)[] = new Array(count);
  let taken = 0;
  let onRunner = 0;
  let merged = 0;
  /** Wakes the runner's loop when it waits for merging to catch up (see MAX_AHEAD). */
  let wakeRunner: (() => void) | undefined;
  const wake = () => {
    wakeRunner?.();
    wakeRunner = undefined;
  };
  let total: PassState | undefined;
  let expected: RowPosition | null = source.ranges.dataStart;
  /** Where each chunk really starts, once known: a second sampling pass rereads exactly these rows. */
  const starts: RowPosition[] = [];

  const absorbReady = async () => {
    for (let outcome = outcomes[merged]; outcome !== undefined; outcome = outcomes[merged]) {
      outcomes[merged] = undefined;
      const index = merged;
      merged += 1;
      if (expected === null) continue; // an earlier chunk reached the end of the file
      let state: ChunkState;
      let shift: number;
      if ('state' in outcome && index === 0) {
        // The first chunk starts at the exact start of the data.
        state = outcome.state;
        shift = 0;
      } else if ('state' in outcome && outcome.state.start !== null && outcome.state.start.offset === expected.offset) {
        state = outcome.state;
        shift = expected.line - outcome.state.start.line;
      } else {
        // Read again here, from the exact boundary with the file's lines: a real error surfaces
        // now, as the single pass raises it (a worker's error is only a message, and a chunk that
        // started inside a quoted field fails for no fault of the file).
        state = await scanHere(index, { from: expected, to: cuts[index + 1] ?? Infinity });
        shift = 0;
      }
      const first = total === undefined;
      if (total === undefined) {
        const validator = options.task.schema ? new SchemaValidator(options.task.schema, source.columns, validatorFile, options.task.validate) : undefined;
        total = new PassState(source.columns, sampled, sampleSize, sampleSeed(0), validator, sampleBounds, TableProfiler.fromJSON(state.profile));
      }
      starts[index] = index === 0 ? source.ranges.dataStart : expected;
      total.absorb(state, shift, first);
      expected = state.next ? { offset: state.next.offset, line: state.next.line + shift } : null;
      options.onRows?.(total.rows);
      wake();
    }
  };

  const settle = (promise: Promise<ChunkState>): Promise<Outcome> => promise.then((state) => ({ state }), (error: unknown) => ({ error }));
  // Without `first`, this thread takes the first chunk (the runner is still starting), the runner
  // the next; with it, the runner takes chunks as soon as it is up.
  let index = options.first ? -1 : taken++;
  const remote = runner
    ? (async () => {
        // A data error is the chunk's (it may have started inside a quoted field); a few other
        // failures in a row mean the runner itself is broken.
        let failures = 0;
        while (taken < count && !runner.failed && failures < 3) {
          // Finished states wait in memory until their turn to merge: the runner may not run far
          // ahead of the merge (as when this thread reads one chunk again after another).
          if (taken - merged > MAX_AHEAD) {
            await new Promise<void>((resolve) => (wakeRunner = resolve));
            continue;
          }
          const index = taken++;
          const outcome = await settle(runner.run(taskOf(index, rangeOf(index))));
          outcomes[index] = outcome;
          if ('state' in outcome) {
            onRunner += 1;
            failures = 0;
          } else if ((outcome.error as Error | undefined)?.name !== 'InputDataError') failures += 1;
        }
      })()
    : undefined;
  try {
    if (options.first) {
      await options.first();
      index = taken < count ? taken++ : -1;
    }
    while (index >= 0) {
      outcomes[index] = await settle(scanHere(index, rangeOf(index)));
      await absorbReady();
      index = taken < count ? taken++ : -1;
    }
    await remote;
    await absorbReady();
  } finally {
    taken = count;
    wake();
    runner?.close();
    await remote;
  }
  // A bound was a guess (from the estimated row count): if a sample came out short, the guess was
  // too tight for that column and its sample is drawn again without one — same keys, same result
  // as if there had never been a bound.
  const short = shortSamples(total!, sampled, sampleBounds, sampleSize, options.sampleUsed);
  if (short.length > 0) {
    // Chunk by chunk from the known starts, each under its chunk's seed.
    const parts = starts.map((from, index) => ({ seed: sampleSeed(index), batches: () => source.ranges.readRange({ ...rangeOf(index), from, ...PASS_READ }).batches() }));
    await redrawSamples(source, parts, short, sampleSize, total!);
  }
  return { pass: total!, chunks: count, onRunner, resampled: short };
}

/**
 * The sampled columns whose bound let fewer keys through than the sample needs: their samples must
 * be drawn again without a bound. Only numeric columns' samples are used (`used`: of those, the
 * ones the caller needs), so a column that came out as strings needs no redraw.
 */
export function shortSamples(pass: PassState, sampled: readonly string[], bounds: readonly number[], sampleSize: number, used?: (column: string) => boolean): string[] {
  const short = sampled.filter((name, j) => bounds[j]! < 1 && pass.samples.get(name)!.size < sampleSize);
  if (short.length === 0) return short;
  const numeric = pass.profiler.numericColumns();
  return short.filter((name) => numeric.has(name) && (used?.(name) ?? true));
}

/**
 * Per sampled column, the key bound for a file that states its values (Parquet's footer): about
 * BOUND_SLACK times the sample size let through, or none (1) when a column's count is unknown.
 */
export function boundsFromCounts(source: TableSource, sampled: readonly string[], sampleSize: number): number[] | undefined {
  const counts = source.counts;
  if (!counts) return undefined;
  const indexes = columnIndexes(source.columns);
  return sampled.map((name) => {
    const present = counts.present[indexes.get(name) ?? -1];
    // Unknown, or damaged (not a positive number): no bound.
    return present === undefined || !(present > 0) ? 1 : Math.min(1, (BOUND_SLACK * sampleSize) / present);
  });
}

/**
 * How many times the expected sample a bound lets through. Every key let through is parsed,
 * cloned and merged, so the slack costs: at 1M rows, 1.5 instead of 3 took 4.5-7% off the
 * whole validation (three sets of paired runs). The estimate is off by more only for a column whose density differs
 * that much between the probes and the rest of the file; then its sample is drawn again.
 */
const BOUND_SLACK = 1.5;

/** Windows of the data read to estimate the sample bounds: `count` of `bytes`, spread evenly. */
export interface Probes {
  count: number;
  bytes: number;
}
export const PROBES: Probes = { count: 8, bytes: 8 << 10 };
/**
 * Rows per batch of a window: a few hundred rows of typical data. A full batch (8192 rows) is a
 * megabyte of cell arrays per window, and allocating and collecting those took a third of the
 * estimate's 45-60 ms at 1M rows (at 512: 32-47 ms).
 */
const PROBE_BATCH_ROWS = 512;

/**
 * Per sampled column, a key bound that lets about BOUND_SLACK times the sample size through: from
 * the rows per byte in windows spread over the data (the first at its start) and the share of
 * those rows with a value in the column. Windows across the file, not only its head, because files
 * are often sorted (by time, by source): a column filled only in recent rows, or rows that grow
 * longer, would mislead a look at the head. A guess (see readChunked): a window with a bad row, or
 * one that began inside a quoted field spanning lines, is left out; the row is reported when its
 * chunk is read.
 */
async function estimateSampleBounds(source: RangedSource, sampled: readonly string[], sampleSize: number, probes: Probes): Promise<number[]> {
  const { size, dataStart } = source.ranges;
  const dataBytes = size - dataStart.offset;
  const byName = columnIndexes(source.columns);
  const indexes = sampled.map((name) => byName.get(name) ?? -1);
  const present = sampled.map(() => 0);
  let rows = 0;
  let bytes = 0;
  // Adds one window's rows, bytes and present cells per sampled column; a window that fails or
  // holds no row is left out.
  const readWindow = async (probe: number): Promise<void> => {
    const from = dataStart.offset + Math.floor((dataBytes * probe) / probes.count);
    // Without coded cells, as every other read of a validation: the reader's decoder is then
    // compiled for that one mode (reading these few windows the other way first cost 2.5% more
    // instructions over the whole validation at 1M rows, callgrind).
    const reader = source.ranges.readRange({ from: probe === 0 ? dataStart : from, to: from + probes.bytes, ...PASS_READ, batchRows: PROBE_BATCH_ROWS });
    const seen = sampled.map(() => 0);
    let seenRows = 0;
    try {
      for await (const batch of reader.batches()) {
        indexes.forEach((index, j) => {
          let count = 0;
          for (let i = 0; i < batch.rowCount; i += 1) if (cellAt(batch, index, i) !== null) count += 1;
          seen[j]! += count;
        });
        seenRows += batch.rowCount;
      }
    } catch {
      return;
    }
    if (seenRows === 0 || reader.start === null) return;
    rows += seenRows;
    bytes += (reader.next?.offset ?? size) - reader.start.offset;
    seen.forEach((count, j) => (present[j]! += count));
  };
  // Two windows at a time: one is parsed while the other waits for its open and reads (one after
  // another, those waits were about half of the estimate, with the file being hashed meanwhile).
  // Not more: each reader takes a 1 MiB read buffer and its decoder's caches, of which the spare
  // pool keeps two sets (spare-buffers.ts); all eight at once left 10 MB of garbage.
  let nextProbe = 0;
  const lane = async (): Promise<void> => {
    while (nextProbe < probes.count) await readWindow(nextProbe++);
  };
  if (probes.bytes > 0) await Promise.all([lane(), lane()]);
  if (rows === 0 || bytes <= 0) return sampled.map(() => 1);
  const total = (dataBytes * rows) / bytes;
  return present.map((count) => Math.min(1, (BOUND_SLACK * sampleSize) / (total * Math.max(count / rows, 1e-3))));
}

/**
 * Draws the samples of `columns` again with no bound, part by part (each part's rows under its
 * seed, merged in order), into `pass`: the same keys, so the samples an unbounded read draws.
 */
export async function redrawSamples(source: TableSource, parts: { seed: number; batches: () => AsyncIterable<TableBatch> }[], columns: string[], sampleSize: number, pass: PassState): Promise<void> {
  const byName = columnIndexes(source.columns);
  const indexes = columns.map((name) => byName.get(name) ?? -1);
  let merged: RowSampler | undefined;
  for (const part of parts) {
    const sampler = new RowSampler(columns.length, sampleSize, part.seed);
    for await (const batch of part.batches()) sampler.addBatch(batch, indexes);
    if (!merged) merged = sampler;
    else sampler.reservoirs.forEach((reservoir, j) => merged!.reservoirs[j]!.absorb(reservoir.exportState()));
  }
  columns.forEach((name, j) => pass.samples.set(name, merged!.reservoirs[j]!));
}
