// Child process of validate.bench.ts: one measurement, printed as a JSON line.
import { peakRssMb } from './peak-rss.js';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ARTIFACTS, serializeArtifact } from '@modelgate/core';
import { incomeCsvChunks, inferSchema, openTable, profileSource, validateData } from '@modelgate/data';
import { startChunkWorker } from '../packages/cli/src/chunk-workers.js';

const [mode, file, reference] = process.argv.slice(2) as [string, string, string];
const report = (ms: number, extra: Record<string, unknown> = {}) => console.log(JSON.stringify({ ms, maxRssMb: peakRssMb(), ...extra }));

async function write(path: string, variant: 'holdout' | 'train', rows: number): Promise<void> {
  if (existsSync(path)) return;
  const out = createWriteStream(path);
  for (const chunk of incomeCsvChunks({ variant, rows })) if (!out.write(chunk)) await new Promise<void>((done) => out.once('drain', () => done()));
  await new Promise<void>((done) => out.end(() => done()));
}

if (mode === 'generate') {
  for (const rows of [100_000, 1_000_000, 4_000_000]) await write(file.replace('{rows}', String(rows)), 'holdout', rows);
  await write(reference, 'train', 30_000);
  // The schema the CLI runs validate against, inferred from the reference as a user would.
  const profile = (await profileSource(await openTable(reference))).toJSON();
  const schema = inferSchema({ ...profile, source: { files: [{ path: reference }] } }, { label: 'income' });
  writeFileSync(join(dirname(file), 'validate-schema.json'), serializeArtifact('schema', schema, '0.0.0'));
  report(0);
} else if (mode === 'read') {
  const start = performance.now();
  let rows = 0;
  for await (const batch of (await openTable(file)).batches()) rows += batch.rowCount;
  report(performance.now() - start, { rows, bytes: statSync(file).size });
} else if (mode === 'cli') {
  // As a user runs `modelgate validate`: the bundle's CLI loaded and run inside the clock, with the
  // file hashing, the artifacts written and the summary rendered (only Node's own start is left out).
  const out = mkdtempSync(join(tmpdir(), 'modelgate-bench-validate-'));
  const silent = { out: () => undefined, err: () => undefined };
  const start = performance.now();
  const { main } = (await import(new URL('../../dist/index.js', import.meta.url).href)) as { main: (argv: string[], io: typeof silent) => Promise<number> };
  const code = await main(['validate', '--data', file, '--schema', join(dirname(file), 'validate-schema.json'), '--reference', reference, '--out-dir', out, '--quiet', '--no-fail-on-anomalies'], silent);
  const ms = performance.now() - start;
  const profile = JSON.parse(readFileSync(join(out, 'profile.json'), 'utf8')) as { rows: number };
  rmSync(out, { recursive: true, force: true });
  report(ms, { rows: profile.rows, bytes: statSync(file).size, code });
} else {
  const profile = (await profileSource(await openTable(reference))).toJSON();
  const schema = ARTIFACTS.schema.parse({ kind: 'schema', version: 1, ...inferSchema({ ...profile, source: { files: [{ path: reference }] } }, { label: 'income' }) });
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
