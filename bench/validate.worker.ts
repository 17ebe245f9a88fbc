// Child process of validate.bench.ts: one measurement, printed as a JSON line.
import { peakRssMb } from './peak-rss.js';
import { createWriteStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArtifact, serializeArtifact } from '@modelgate/core';
import { incomeCsvChunks, inferSchema, openTable, profileSource, validateData } from '@modelgate/data';
import { startChunkWorker } from '../packages/cli/src/chunk-workers.js';
import { Xoshiro128 } from '../packages/data/src/synthetic/prng.js';
import { timeCliCommand } from './cli-in-process.js';

const [mode, file, reference, schemaArgument] = process.argv.slice(2) as [string, string, string, string | undefined];
/** Inferred from the reference by `generate`, as a user would; every mode validates against it (the wide files have their own). */
const schemaFile = schemaArgument ?? join(dirname(file), 'validate-schema.json');
const report = (ms: number, extra: Record<string, unknown> = {}) => console.log(JSON.stringify({ ms, maxRssMb: peakRssMb(), ...extra }));

async function write(path: string, variant: 'holdout' | 'train', rows: number): Promise<void> {
  if (existsSync(path)) return;
  const out = createWriteStream(path);
  for (const chunk of incomeCsvChunks({ variant, rows })) if (!out.write(chunk)) await new Promise<void>((done) => out.once('drain', () => done()));
  await new Promise<void>((done) => out.end(() => done()));
}

/** The schema's numeric columns: written as numbers in the Parquet and JSONL copies of the CSV. */
const numericColumns = () => new Set(parseArtifact('schema', readFileSync(schemaFile, 'utf8'), schemaFile).columns.filter((column) => column.type === 'int' || column.type === 'float').map((column) => column.name));

/**
 * A wide CSV: `columns` columns of `rows` rows, a third floats with four decimals in [0, 1), the
 * rest ints 0-50 (seeded: the same file every time).
 */
async function writeWide(path: string, columns: number, rows: number, stream: number): Promise<void> {
  if (existsSync(path)) return;
  const out = createWriteStream(path);
  const rng = new Xoshiro128(11, stream);
  out.write(`${Array.from({ length: columns }, (_, k) => `c${k}`).join(',')}\n`);
  for (let row = 0; row < rows; row += 1) {
    const line = `${Array.from({ length: columns }, (_, k) => (k % 3 === 1 ? rng.nextFloat().toFixed(4) : String(rng.intBetween(0, 50)))).join(',')}\n`;
    if (!out.write(line)) await new Promise<void>((done) => out.once('drain', () => done()));
  }
  await new Promise<void>((done) => out.end(() => done()));
}

/** The schema the command validates against: inferred from `reference` as a user would, written to `schemaFile`. */
async function writeInferredSchema(reference: string, label?: string): Promise<void> {
  const profile = (await profileSource(await openTable(reference))).toJSON();
  writeFileSync(schemaFile, serializeArtifact('schema', inferSchema({ ...profile, source: { files: [{ path: reference }] } }, label ? { label } : {}), '0.0.0'));
}

/**
 * A float-heavy CSV, as a table of model features often is: ten standardized features (about
 * normal: a sum of four uniforms; six decimals, so values rarely repeat), a category, a count
 * and a 0/1 label (seeded).
 * `shift` moves the first feature's mean (the reference is drawn with 0, the data with 0.1).
 */
async function writeFloats(path: string, rows: number, stream: number, shift: number): Promise<void> {
  if (existsSync(path)) return;
  const out = createWriteStream(path);
  const rng = new Xoshiro128(13, stream);
  const features = Array.from({ length: 10 }, (_, k) => `f${k}`);
  out.write(`${[...features, 'segment', 'visits', 'label'].join(',')}\n`);
  let text = '';
  for (let row = 0; row < rows; row += 1) {
    for (let k = 0; k < 10; k += 1) text += `${(rng.normal() + (k === 0 ? shift : 0)).toFixed(6)},`;
    text += `${'abcde'[rng.intBetween(0, 4)]},${rng.intBetween(0, 1000)},${rng.intBetween(0, 1)}\n`;
    if (text.length > 1 << 20) {
      if (!out.write(text)) await new Promise<void>((done) => out.once('drain', () => done()));
      text = '';
    }
  }
  out.write(text);
  await new Promise<void>((done) => out.end(() => done()));
}

if (mode === 'generate-floats') {
  // `file`: the 1M-row data; `reference`: 30k rows; the schema inferred from the reference.
  await writeFloats(file, 1_000_000, 2, 0.1);
  await writeFloats(reference, 30_000, 1, 0);
  await writeInferredSchema(reference);
  report(0);
} else if (mode === 'generate-wide') {
  // `file`: a pattern with {rows}; `reference`: the 2 000-row reference; the schema inferred from it.
  for (const rows of [2_000, 20_000]) await writeWide(file.replace('{rows}', String(rows)), 1000, rows, rows);
  await writeWide(reference, 1000, 2_000, 1);
  await writeInferredSchema(reference);
  report(0);
} else if (mode === 'generate-jsonl') {
  // The CSV at `file` as JSONL at `reference` (the second argument here): an object per row, in the
  // CSV's column order, numbers as JSON numbers, missing values as null.
  const source = await openTable(file);
  const numeric = numericColumns();
  const out = createWriteStream(reference);
  for await (const batch of source.batches()) {
    let text = '';
    for (let i = 0; i < batch.rowCount; i += 1) {
      const row: Record<string, string | number | null> = {};
      batch.data.forEach((column, j) => {
        const cell = column[i] ?? null;
        row[source.columns[j]!] = cell === null ? null : numeric.has(source.columns[j]!) ? Number(cell) : String(cell);
      });
      text += `${JSON.stringify(row)}\n`;
    }
    if (!out.write(text)) await new Promise<void>((done) => out.once('drain', () => done()));
  }
  await new Promise<void>((done) => out.end(() => done()));
  report(0);
} else if (mode === 'generate-parquet') {
  // The CSV at `file` as Parquet at `reference` (the second argument here): the schema's numeric
  // columns as DOUBLE, the rest as STRING, snappy, 100 000-row groups.
  const { parquetWriteFile } = await import('hyparquet-writer');
  const source = await openTable(file);
  const numeric = numericColumns();
  const cells: (string | number | null)[][] = source.columns.map(() => []);
  for await (const batch of source.batches()) {
    batch.data.forEach((column, j) => {
      for (let i = 0; i < batch.rowCount; i += 1) {
        const cell = column[i] ?? null;
        cells[j]!.push(cell === null ? null : numeric.has(source.columns[j]!) ? Number(cell) : String(cell));
      }
    });
  }
  parquetWriteFile({ filename: reference, rowGroupSize: 100_000, columnData: source.columns.map((name, j) => ({ name, data: cells[j]!, type: numeric.has(name) ? 'DOUBLE' : 'STRING' })) as never });
  report(0);
} else if (mode === 'generate') {
  for (const rows of [100_000, 1_000_000, 4_000_000]) await write(file.replace('{rows}', String(rows)), 'holdout', rows);
  await write(reference, 'train', 30_000);
  await writeInferredSchema(reference, 'income');
  report(0);
} else if (mode === 'read') {
  const start = performance.now();
  let rows = 0;
  for await (const batch of (await openTable(file)).batches()) rows += batch.rowCount;
  report(performance.now() - start, { rows, bytes: statSync(file).size });
} else if (mode === 'cli') {
  // As a user runs `modelgate validate`: file hashing, the artifacts written and the summary rendered.
  const { ms, code, result: rows } = await timeCliCommand(
    (out) => ['validate', '--data', file, '--schema', schemaFile, '--reference', reference, '--out-dir', out, '--quiet', '--no-fail-on-anomalies'],
    (out) => (JSON.parse(readFileSync(join(out, 'profile.json'), 'utf8')) as { rows: number }).rows,
  );
  report(ms, { rows, bytes: statSync(file).size, code });
} else {
  const schema = parseArtifact('schema', readFileSync(schemaFile, 'utf8'), schemaFile);
  const start = performance.now();
  const result = await validateData({
    data: { source: await openTable(file), shown: file },
    schema: { schema, shown: 'schema.json' },
    reference: { source: await openTable(reference), shown: reference },
    // `run`: as the action runs it (a second thread reads chunks); `run1`: everything on this thread.
    // The action's own second thread: dist/chunk-worker.js (npm run bench builds dist/ first).
    ...(mode === 'run' ? { chunkRunner: () => startChunkWorker(new URL('../../dist/chunk-worker.js', import.meta.url)) } : {}),
  });
  report(performance.now() - start, { rows: result.profile.rows, bytes: statSync(file).size, errors: result.validation?.errors, drifted: result.drift?.drifted_columns });
}
