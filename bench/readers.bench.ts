/**
 * Data readers on the income dataset at 1,000,000 rows (13 columns, ~100 MB; generated once into
 * bench/out/income-1m.csv). Baseline in the same run: reading the file's bytes with
 * fs.createReadStream. Then the modelgate CSV reader (every batch consumed, every cell touched) at
 * the default 65 536-row batches, at 4 096-row batches and with a 3-column projection, and uDSV
 * (the fastest JavaScript CSV parser we know) producing the same column-major batches.
 *
 * Each measurement runs in a fresh child process (this file, bundled with esbuild and run as plain
 * Node with `--readers-bench-worker`) so its peak RSS (the kernel's high-water mark, see peak-rss.ts) is its own;
 * the 3-pass run shows that RSS does not grow with the amount of data read.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { finished } from 'node:stream/promises';
import type { Cell } from '../packages/data/src/table.js';
import { peakRssMb } from './peak-rss.js';
import { bundleChild, runChild, type Bench, type Measurement } from './harness.js';

const WORKER_FLAG = '--readers-bench-worker';
const ROWS = 1_000_000;
const BATCH = 65_536;
const MODES = ['read', 'modelgate', 'modelgate-batch4096', 'modelgate-3-columns', 'modelgate-3-passes', 'udsv'] as const;
type Mode = (typeof MODES)[number];

interface Sample {
  ms: number;
  rows: number;
  maxRssMb: number;
  /** Total characters of all string cells (the same for every parser: a correctness check). */
  chars: number;
}

const NAMES: Record<Mode, string> = {
  read: 'fs.createReadStream bytes only (baseline)',
  modelgate: 'modelgate CSV reader, 65 536-row batches',
  'modelgate-batch4096': 'modelgate CSV reader, 4 096-row batches',
  'modelgate-3-columns': 'modelgate CSV reader, columns: age, hours_per_week, income',
  'modelgate-3-passes': 'modelgate CSV reader, the file 3 times in one process (flat memory)',
  udsv: 'uDSV 0.7 (stringArrs, streaming) into the same batches',
};

/** Counts what a consumer would look at: every cell of every batch. */
function touch(data: readonly Cell[][], rows: number): number {
  let chars = 0;
  for (const column of data) {
    for (let i = 0; i < rows; i += 1) {
      const value = column[i];
      if (typeof value === 'string') chars += value.length;
    }
  }
  return chars;
}

async function readBytes(file: string): Promise<{ rows: number; chars: number }> {
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) bytes += (chunk as Buffer).length;
  return { rows: ROWS, chars: bytes };
}

// Parsers are imported on demand so the baseline child loads nothing but Node.
async function readModelgate(file: string, batchRows: number, columns?: string[]): Promise<{ rows: number; chars: number }> {
  const { openTable } = await import('../packages/data/src/readers/index.js');
  const source = await openTable(file, { batchRows, ...(columns ? { columns } : {}) });
  let rows = 0;
  let chars = 0;
  for await (const batch of source.batches()) {
    rows += batch.rowCount;
    chars += touch(batch.data, batch.rowCount);
  }
  return { rows, chars };
}

/** The same file three times: 3M rows through one process, peak RSS should match one pass. */
async function threePasses(file: string): Promise<{ rows: number; chars: number }> {
  let rows = 0;
  let chars = 0;
  for (let pass = 0; pass < 3; pass += 1) {
    const result = await readModelgate(file, BATCH);
    rows += result.rows;
    chars += result.chars;
  }
  return { rows, chars };
}

async function readUdsv(file: string): Promise<{ rows: number; chars: number }> {
  const { inferSchema, initParser } = await import('udsv');
  let parser: ReturnType<typeof initParser> | undefined;
  let width = 0;
  let data: Cell[][] = [];
  let count = 0;
  let rows = 0;
  let chars = 0;
  const flush = () => {
    chars += touch(data, count);
    rows += count;
    count = 0;
    data = Array.from({ length: width }, () => new Array<Cell>(BATCH));
  };
  const onRow = (row: string[]) => {
    for (let j = 0; j < width; j += 1) data[j]![count] = row[j] === '' ? null : row[j]!;
    count += 1;
    if (count === BATCH) flush();
  };
  const utf8 = new TextDecoder();
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const text = utf8.decode(chunk as Buffer, { stream: true });
    if (!parser) {
      parser = initParser(inferSchema(text, { col: ',', row: '\n', encl: '"' }));
      width = parser.schema.cols.length;
      data = Array.from({ length: width }, () => new Array<Cell>(BATCH));
    }
    parser.chunk<string[]>(text, parser.stringArrs, onRow);
  }
  parser?.end();
  flush();
  return { rows, chars };
}

async function worker(mode: Mode, file: string): Promise<void> {
  const start = performance.now();
  const result =
    mode === 'read'
      ? await readBytes(file)
      : mode === 'modelgate'
        ? await readModelgate(file, BATCH)
        : mode === 'modelgate-batch4096'
          ? await readModelgate(file, 4096)
          : mode === 'modelgate-3-columns'
            ? await readModelgate(file, BATCH, ['age', 'hours_per_week', 'income'])
            : mode === 'modelgate-3-passes'
              ? await threePasses(file)
              : await readUdsv(file);
  const sample: Sample = { ms: performance.now() - start, ...result, maxRssMb: peakRssMb() };
  console.log(JSON.stringify(sample));
}

const root = join(import.meta.dirname, '..');
const out = join(root, 'bench', 'out');
const bundle = join(out, 'readers.worker.mjs');

async function generate(file: string): Promise<void> {
  const { incomeCsvChunks } = await import('../packages/data/src/synthetic/income.js');
  const partial = `${file}.partial`;
  const stream = createWriteStream(partial);
  for (const chunk of incomeCsvChunks({ variant: 'train', rows: ROWS, seed: 7, chunkSize: 1 << 20 })) {
    if (!stream.write(chunk)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
  }
  stream.end();
  await finished(stream);
  renameSync(partial, file);
}

const child = (mode: Mode, file: string) => runChild<Sample>(bundle, [WORKER_FLAG, mode, file]);

export const readersBench: Bench = {
  name: 'data readers: income CSV, 1M rows × 13 columns',
  async run() {
    mkdirSync(out, { recursive: true });
    await bundleChild(join(import.meta.dirname, 'readers.bench.ts'), bundle, ['esbuild']);
    const file = join(out, 'income-1m.csv');
    if (!existsSync(file)) await generate(file);
    const megabytes = statSync(file).size / 1e6;
    const runs = 5;
    const measurements: Measurement[] = [];
    let expectedChars: number | undefined;
    for (const mode of MODES) {
      const samples = Array.from({ length: runs }, () => child(mode, file)).sort((a, b) => a.ms - b.ms);
      const median = samples[Math.floor(runs / 2)]!;
      if (mode !== 'read' && mode !== 'modelgate-3-columns' && mode !== 'modelgate-3-passes') {
        if (median.rows !== ROWS) throw new Error(`${mode}: read ${median.rows} rows, expected ${ROWS}`);
        expectedChars ??= median.chars;
        if (median.chars !== expectedChars) throw new Error(`${mode}: ${median.chars} characters, expected ${expectedChars}`);
      }
      measurements.push({
        name: NAMES[mode],
        medianMs: median.ms,
        minMs: samples[0]!.ms,
        runs,
        ...(mode === 'read' ? {} : { baseline: NAMES.read }),
        figures: {
          'M rows/s': median.rows / median.ms / 1000,
          'MB/s': (megabytes * (mode === 'modelgate-3-passes' ? 3 : 1)) / (median.ms / 1000),
          peak_rss_mb: Math.max(...samples.map((sample) => sample.maxRssMb)),
        },
      });
    }
    return measurements;
  },
};

if (process.argv[2] === WORKER_FLAG) await worker(process.argv[3] as Mode, process.argv[4]!);
