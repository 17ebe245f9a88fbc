import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, isTestedColumn } from '@modelgate/core';
import type { CsvSource } from './readers/csv.js';
import type { RangedSource, RowPosition } from './readers/ranges.js';
import { drain } from './readers/testing.js';
import { openTable } from './readers/index.js';
import { profileSource } from './profile/index.js';
import { inferSchema } from './schema/infer.js';
import { incomeCsvChunks } from './synthetic/income.js';
import { RowSampler } from './drift/reservoir.js';
import { TableProfiler } from './profile/table.js';
import { SchemaValidator } from './schema/validate.js';
import { Xoshiro128 } from './synthetic/prng.js';
import { chunkCuts, chunkScanner, MAX_AHEAD, PassState, PROBES, readChunked, type ChunkRunner, type ChunkTask, type Probes } from './validate-chunks.js';
import { validateData, type DataValidationOptions } from './validate-data.js';

const dir = mkdtempSync(join(tmpdir(), 'modelgate-chunks-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const income = (variant: 'train' | 'holdout' | 'corrupted', rows: number) => [...incomeCsvChunks({ variant, rows })].join('');

const train = write('train.csv', income('train', 3000));
const schema = await (async () => {
  const profile = (await profileSource(await openTable(train))).toJSON();
  return ARTIFACTS.schema.parse({ kind: 'schema', version: 1, ...inferSchema({ ...profile, source: { files: [{ path: 'train.csv' }] } }, { label: 'income' }) });
})();

/**
 * The worker's code run in this thread, with every message structured-cloned as a thread would,
 * and errors reduced to their message and name as the real worker sends them.
 */
function inProcessRunner(log?: number[]): () => ChunkRunner {
  return () => {
    const scan = chunkScanner();
    return {
      async run(task) {
        log?.push(task.index);
        try {
          return structuredClone(await scan(structuredClone(task)));
        } catch (error) {
          throw Object.assign(new Error((error as Error).message), { name: (error as Error).name });
        }
      },
      close() {},
    };
  };
}

/** A runner whose thread died at once: every task fails, and it says so. */
const deadRunner = (): ChunkRunner => ({ failed: true, run: () => Promise.reject(new Error('chunk worker exited (code 3)')), close() {} });

async function validate(path: string, options: Partial<DataValidationOptions> = {}) {
  return validateData({
    data: { source: await openTable(path, {}, 'data.csv'), shown: 'data.csv' },
    schema: { schema, shown: 'schema.json' },
    reference: { source: await openTable(train), shown: 'train.csv' },
    ...options,
  });
}

/** Numbers equal to a relative 1e-12 (merged means and variances round differently), the rest exactly. */
function expectClose(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (actual !== expected) expect(Math.abs(actual - expected), path).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));
  } else if (expected !== null && typeof expected === 'object') {
    expect(typeof actual, path).toBe('object');
    const keys = Object.keys(expected);
    expect(Object.keys(actual as object).sort(), path).toEqual([...keys].sort());
    for (const key of keys) expectClose((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`);
  } else expect(actual, path).toEqual(expected);
}

describe('chunked validation', () => {
  const corrupted = write('corrupted.csv', income('corrupted', 20_000));

  it('finds what one pass finds: same anomalies at the same lines, same profile and drift', async () => {
    const whole = await validate(corrupted, { chunkBytes: 1 << 30 });
    const log: number[] = [];
    const chunked = await validate(corrupted, { chunkBytes: 32 << 10, chunkRunner: inProcessRunner(log) });
    expect(chunkCuts((await openTable(corrupted)) as CsvSource, 32 << 10).length).toBeGreaterThan(40);
    expect(log.length).toBeGreaterThan(10); // the runner really took chunks
    expect(whole.validation!.anomalies.length).toBeGreaterThan(5);
    expect(chunked.validation).toEqual(whole.validation);
    // Sketch-free here (few distinct values per column): merged profiles equal the single pass.
    expectClose(chunked.profile, whole.profile);
    // Fewer rows than the sample size: every value is in both samples, so drift is the same too.
    expectClose(chunked.drift, whole.drift);
  });

  it('infers the same schema from a chunked profile as from one pass', async () => {
    const holdout = write('holdout-schema.csv', income('holdout', 20_000));
    const single = (await profileSource(await openTable(holdout))).toJSON();
    const chunked = (await validate(holdout, { chunkBytes: 32 << 10, chunkRunner: inProcessRunner() })).profile;
    const schemaOf = (profile: typeof single) => inferSchema({ ...profile, source: { files: [{ path: 'holdout.csv' }] } }, { label: 'income' });
    expect(schemaOf(chunked)).toEqual(schemaOf(single));
  });

  it('cuts whole chunks, then the last two chunks or less in equal parts of at most half a chunk', () => {
    const cutsOf = (size: number, chunkBytes: number) => chunkCuts({ ranges: { size, dataStart: { offset: 100, line: 2 } } } as unknown as CsvSource, chunkBytes);
    const lengths = (size: number, chunkBytes: number) => cutsOf(size, chunkBytes).map((cut, i, cuts) => (cuts[i + 1] ?? size) - cut);
    expect(lengths(100 + 1000, 1000)).toEqual([500, 500]);
    expect(lengths(100 + 2000, 1000)).toEqual([500, 500, 500, 500]);
    expect(lengths(100 + 2001, 1000)).toEqual([1000, 333, 334, 334]);
    expect(lengths(100 + 5600, 1000)).toEqual([1000, 1000, 1000, 1000, 400, 400, 400, 400]);
    expect(lengths(100 + 300, 1000)).toEqual([300]);
    // Chunks of 2 GiB and more (wide files) do not wrap around 32 bits.
    expect(lengths(100 + 1000, 2 ** 31)).toEqual([1000]);
    expect(lengths(100 + 2 ** 33 + 1, 2 ** 32)).toHaveLength(4);
    for (let size = 101; size < 9000; size += 37) {
      const parts = lengths(size, 1000);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(size - 100);
      const whole = parts.filter((part) => part === 1000).length;
      // Whole chunks first, then at most four parts of at most 500 bytes.
      expect(parts.slice(0, whole).every((part) => part === 1000) && parts.slice(whole).every((part) => part <= 500 && part > 0)).toBe(true);
      expect(parts.length - whole).toBeLessThanOrEqual(4);
    }
  });

  it('gives the same result with or without a second thread, also when it samples', async () => {
    const holdout = write('holdout.csv', income('holdout', 20_000));
    const alone = await validate(holdout, { chunkBytes: 48 << 10, sampleSize: 700 });
    const shared = await validate(holdout, { chunkBytes: 48 << 10, sampleSize: 700, chunkRunner: inProcessRunner() });
    expect(alone.reading).toEqual({ chunks: 43, threads: 1 });
    expect(shared.reading).toEqual({ chunks: 43, threads: 2 });
    expect({ ...shared, reading: undefined }).toEqual({ ...alone, reading: undefined });
  });

  it('rereads a chunk whose cut falls inside a quoted field that spans lines, keeping the file lines', async () => {
    // Every row carries a three-line quoted note, so most cuts land inside one; ages 200+ are anomalies.
    // Read from the start of its second or third line, a note parses as plausible rows of three
    // fields (`c,d,e` then `f,g",age`): only the boundary check tells the chunk started wrong.
    const rows = ['id,note,age'];
    for (let i = 0; i < 6000; i += 1) rows.push(`${i},"note ${i},b\nc,d,e\nf,g",${i % 997 === 5 ? 250 + i : 20 + (i % 50)}`);
    const path = write('notes.csv', `${rows.join('\n')}\n`);
    const noteSchema = ARTIFACTS.schema.parse({
      kind: 'schema',
      version: 1,
      columns: [
        { name: 'id', type: 'int', presence: { min_fraction: 1 } },
        { name: 'note', type: 'string', presence: { min_fraction: 1 } },
        { name: 'age', type: 'int', presence: { min_fraction: 1 }, domain: { min: 0, max: 120 } },
      ],
    });
    const run = async (options: Partial<DataValidationOptions>) =>
      validateData({ data: { source: await openTable(path), shown: 'notes.csv' }, schema: { schema: noteSchema, shown: 'schema.json' }, validate: { maxSamples: 20 }, ...options });
    const whole = await run({ chunkBytes: 1 << 30 });
    const log: number[] = [];
    const chunked = await run({ chunkBytes: 8 << 10, chunkRunner: inProcessRunner(log) });
    expect(chunked.validation).toEqual(whole.validation);
    // Chunks that started inside a note fail on the other thread; it keeps taking chunks anyway.
    expect(log.length).toBeGreaterThan(chunked.reading.chunks / 4);
    expect(chunked.profile.rows).toBe(6000);
    // Row i starts on line 2 + 3i; the anomalies sit where the file has them.
    const lines = whole.validation!.anomalies.find((anomaly) => anomaly.kind === 'out_of_range')!.samples.map((sample) => sample.line);
    expect(lines).toEqual([5, 1002, 1999, 2996, 3993, 4990, 5987].map((i) => 2 + 3 * i));
  });

  it('keeps the second thread busy when chunks that start inside a quoted field fail there', async () => {
    // Read from inside a note, a row has two fields: that chunk fails on the
    // other thread and is read again here, and the other thread goes on with the next one.
    const rows = ['id,note,score'];
    for (let i = 0; i < 8000; i += 1) rows.push(`${i},"first line ${i}\nsecond ""quoted"" line",${i % 100}`);
    const path = write('failing-notes.csv', `${rows.join('\n')}\n`);
    const log: number[] = [];
    const chunked = await validateData({ data: { source: await openTable(path), shown: 'notes.csv' }, chunkBytes: 8 << 10, chunkRunner: inProcessRunner(log) });
    expect(chunked.profile.rows).toBe(8000);
    expect(chunked.reading.threads).toBe(2);
    expect(log.length).toBeGreaterThan(chunked.reading.chunks / 4);
  });

  it('keeps the other thread at most MAX_AHEAD chunks ahead of the merge, with the same result', async () => {
    // A runner that answers at once (every chunk's state computed beforehand) outpaces this
    // thread's own reading: without the limit it takes every chunk while this one reads its first.
    const path = write('ahead.csv', income('holdout', 20_000));
    const chunkBytes = 32 << 10;
    const scan = chunkScanner();
    let template: ChunkTask | undefined;
    const first = await validateData({
      data: { source: await openTable(path), shown: 'data.csv' },
      chunkBytes,
      chunkRunner: () => ({ run: (task) => scan((template ??= task)), close() {} }),
    });
    const cuts = chunkCuts((await openTable(path)) as CsvSource, chunkBytes);
    const states = await Promise.all(cuts.map((cut, index) => (index === 0 ? undefined : scan({ ...template!, index, range: { from: cut, to: cuts[index + 1] ?? Infinity } }))));
    let merged = 0;
    let ahead = 0;
    const replaying = (): ChunkRunner => ({
      run(task) {
        ahead = Math.max(ahead, task.index - merged);
        return Promise.resolve(structuredClone(states[task.index]!));
      },
      close() {},
    });
    const second = await validateData({ data: { source: await openTable(path), shown: 'data.csv' }, chunkBytes, chunkRunner: replaying, onProgress: () => (merged += 1) });
    expect(cuts.length).toBeGreaterThan(40);
    expect(ahead).toBe(MAX_AHEAD);
    expect(second.profile).toEqual(first.profile);
  });

  it('gives the other thread chunks while this one reads the reference; an error of the reference still comes first', async () => {
    // The reference's last batch waits until the other thread has been given a chunk.
    let chunkGiven!: () => void;
    const given = new Promise<void>((resolve) => (chunkGiven = resolve));
    const source = await openTable(train);
    const watched = {
      ...source,
      batches: () =>
        (async function* () {
          yield* source.batches();
          await Promise.race([given, new Promise((_, reject) => setTimeout(() => reject(new Error('no chunk for the other thread while the reference was read')), 2000))]);
        })(),
    };
    const runner = inProcessRunner();
    const logged = () => {
      const inner = runner();
      return { run: (task: ChunkTask) => (chunkGiven(), inner.run(task)), close() {} };
    };
    const path = write('concurrent.csv', income('holdout', 5000));
    const result = await validate(path, { chunkBytes: 32 << 10, chunkRunner: logged, reference: { source: watched, shown: 'train.csv' } });
    expect(result.reading.threads).toBe(2);
    expect({ ...result, reading: undefined }).toEqual({ ...(await validate(path, { chunkBytes: 32 << 10 })), reading: undefined });

    const trainLines = income('train', 3000).split('\n');
    trainLines[2500] = `${trainLines[2500]},extra`;
    const badReference = write('bad-reference.csv', trainLines.join('\n'));
    const dataLines = income('holdout', 5000).split('\n');
    dataLines[3] = `${dataLines[3]},extra`;
    const badData = write('bad-data.csv', dataLines.join('\n'));
    const failure = validate(badData, { chunkBytes: 32 << 10, chunkRunner: inProcessRunner(), reference: { source: await openTable(badReference, {}, 'train.csv'), shown: 'train.csv' } });
    await expect(failure).rejects.toMatchObject({ name: 'InputDataError', location: { file: 'train.csv', line: 2501 } });
  });

  it('raises the error a single pass raises, at the same line, for a broken row deep in the file', async () => {
    const lines = income('holdout', 20_000).split('\n');
    lines[15_001] = `${lines[15_001]},extra`;
    const path = write('ragged.csv', lines.join('\n'));
    const message = (promise: Promise<unknown>) => promise.then(() => 'no error', (error: Error & { location?: { file?: string; line?: number } }) => `${error.message} @${error.location?.file}:${error.location?.line}`);
    const whole = await message(validate(path, { chunkBytes: 1 << 30 }));
    expect(whole).toMatch(/expected 13 fields .* found 14 @data.csv:15002/);
    expect(await message(validate(path, { chunkBytes: 32 << 10, chunkRunner: inProcessRunner() }))).toBe(whole);
    expect(await message(validate(path, { chunkBytes: 32 << 10 }))).toBe(whole);
  });

  it('raises a broken row of the first chunk as the data error it is, whichever thread read it', async () => {
    const lines = income('holdout', 20_000).split('\n');
    lines[4] = `${lines[4]},extra`;
    const path = write('ragged-early.csv', lines.join('\n'));
    const message = (promise: Promise<unknown>) => promise.then(() => 'no error', (error: Error & { location?: { line?: number } }) => `${error.name}: ${error.message} @${error.location?.line}`);
    const whole = await message(validate(path, { chunkBytes: 1 << 30 }));
    expect(whole).toMatch(/^InputDataError: expected 13 fields .* found 14 @5$/);
    expect(await message(validate(path, { chunkBytes: 32 << 10, chunkRunner: inProcessRunner() }))).toBe(whole);
  });

  it('reads everything on this thread when the other thread is dead, with the same result', async () => {
    const path = write('holdout-dead.csv', income('holdout', 5000));
    const alone = await validate(path, { chunkBytes: 32 << 10 });
    const dead = await validate(path, { chunkBytes: 32 << 10, chunkRunner: deadRunner });
    expect(dead.reading.threads).toBe(1);
    expect({ ...dead, reading: undefined }).toEqual({ ...alone, reading: undefined });
    // A runner that fails every task without saying it is dead gets three tries.
    let calls = 0;
    const broken = await validate(path, { chunkBytes: 32 << 10, chunkRunner: () => ({ run: () => (calls++, Promise.reject(new Error('cannot load the worker'))), close() {} }) });
    expect(calls).toBe(3);
    expect({ ...broken, reading: undefined }).toEqual({ ...alone, reading: undefined });
  });

  it('draws a sample again when the estimated bound was too tight, with the result an unbounded draw gives', async () => {
    // Column x has a value in every row of its first tenth, then in one row of 50 (as in a file
    // sorted by time, where a column stopped being filled).
    const rows = ['x,y'];
    for (let i = 0; i < 30_000; i += 1) rows.push(`${i < 3000 || i % 50 === 0 ? i : ''},${i % 7}`);
    const path = write('sparse.csv', `${rows.join('\n')}\n`);
    const read = async (probes: Probes) => {
      const source = (await openTable(path)) as CsvSource;
      const { pass: state, resampled } = await readChunked({ source, cuts: chunkCuts(source, 16 << 10), task: { sampled: ['x', 'y'], sampleSize: 400 }, probes });
      return { samples: [state.samples.get('x')!.sample(), state.samples.get('y')!.sample()], resampled };
    };
    // Estimated from the head alone, x looks dense: its bound lets too few of its values through.
    const headOnly = await read({ count: 1, bytes: 4096 });
    // Windows spread over the file see it as it is.
    const spread = await read(PROBES);
    // No window, no estimate: no bound.
    const unbounded = await read({ count: 0, bytes: 0 });
    expect(headOnly.resampled).toEqual(['x']);
    expect(spread.resampled).toEqual([]);
    expect(unbounded.resampled).toEqual([]);
    expect(headOnly.samples[0]).toHaveLength(400);
    expect(headOnly.samples).toEqual(unbounded.samples);
    expect(spread.samples).toEqual(unbounded.samples);
  });

  it('draws no sample again for a column the reference does not have as numbers', async () => {
    // Column x is numeric in the data (dense in its first 2%, which the first estimate window
    // covers, then one row in 400: its bound is too tight) but words in one reference: its sample
    // is never used, so the data is not read again.
    const rows = ['x,y'];
    for (let i = 0; i < 112_000; i += 1) rows.push(`${i < 2240 || i % 400 === 0 ? i : ''},${i % 7}`);
    const path = write('sparse-data.csv', `${rows.join('\n')}\n`);
    const numbers = write('reference-numbers.csv', `x,y\n${Array.from({ length: 50 }, (_, i) => `${i},${i % 7}`).join('\n')}\n`);
    const words = write('reference-words.csv', `x,y\n${Array.from({ length: 50 }, (_, i) => `n/a,${i % 7}`).join('\n')}\n`);
    const reads = async (reference: string) => {
      const source = (await openTable(path)) as CsvSource;
      let count = 0;
      const readRange = source.ranges.readRange;
      const counted = { ...source, ranges: { ...source.ranges, readRange: (range: Parameters<typeof readRange>[0]) => (count++, readRange(range)) } };
      await validateData({ data: { source: counted, shown: 'data.csv' }, reference: { source: await openTable(reference), shown: 'reference.csv' }, chunkBytes: 16 << 10, sampleSize: 400 });
      return count;
    };
    const cuts = chunkCuts((await openTable(path)) as CsvSource, 16 << 10).length;
    // The windows read for the estimate, each chunk once, and with a numeric reference each chunk again.
    expect(await reads(numbers)).toBe(PROBES.count + 2 * cuts);
    expect(await reads(words)).toBe(PROBES.count + cuts);
  });

  it('compares a high-cardinality column with itself as undrifted, chunked or not', async () => {
    // Half the rows in five values, the rest spread over 5 000: more distinct values than the
    // exact table holds, so both sides are Misra–Gries summaries, built differently.
    const random = (() => {
      let state = 7;
      return () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    })();
    const rows = ['city,n'];
    for (let i = 0; i < 20_000; i += 1) rows.push(`${random() < 0.5 ? `c${Math.floor(random() * 5)}` : `x${Math.floor(random() * 5000)}`},${i % 10}`);
    const path = write('cities.csv', `${rows.join('\n')}\n`);
    // One chunk is the single pass itself: the same profile profileSource makes.
    const single = await validateData({ data: { source: await openTable(path), shown: 'cities.csv' } });
    expect(single.profile.columns).toEqual((await profileSource(await openTable(path))).toJSON().columns);
    for (const chunkBytes of [1 << 30, 16 << 10]) {
      const result = await validateData({ data: { source: await openTable(path), shown: 'cities.csv' }, reference: { source: await openTable(path), shown: 'cities.csv' }, chunkBytes, chunkRunner: inProcessRunner() });
      const city = result.drift!.columns.filter(isTestedColumn).find((column) => column.column === 'city')!;
      expect(city.statistic!, `chunkBytes ${chunkBytes}`).toBeLessThan(0.01);
      expect(city.drifted).toBe(false);
    }
  });

  it('keeps a string column\'s number spellings apart when most chunks hold only numbers: profile, schema, validation and drift as one pass', async () => {
    const rng = new Xoshiro128(3, 4);
    const codes = ['02134', '02135', '02139', '06511', '07030', '10001'];
    // One word, in the last chunk: every other chunk alone is an int column.
    const cells = Array.from({ length: 20_000 }, (_, i) => (i === 19_990 ? 'SW1A 1AA' : codes[rng.intBetween(0, codes.length - 1)]!));
    const reference = write('postcodes.csv', `postcode\n${cells.join('\n')}\n`);
    // Leading zeros lost upstream: what validation and drift are there to catch.
    const stripped = write('postcodes-stripped.csv', `postcode\n${cells.map((cell) => cell.replace(/^0+/, '')).join('\n')}\n`);
    const profile = (await profileSource(await openTable(reference))).toJSON();
    const postcodes = ARTIFACTS.schema.parse({ kind: 'schema', version: 1, ...inferSchema({ ...profile, source: { files: [{ path: 'postcodes.csv' }] } }) });
    expect(postcodes.columns[0]).toMatchObject({ type: 'string', values: [...codes, 'SW1A 1AA'] });
    const run = async (path: string, chunkBytes: number) =>
      validateData({
        data: { source: await openTable(path), shown: 'data.csv' },
        schema: { schema: postcodes, shown: 'schema.json' },
        reference: { source: await openTable(reference), shown: 'postcodes.csv' },
        chunkBytes,
        chunkRunner: inProcessRunner(),
      });
    const zeros = cells.filter((cell) => cell.startsWith('0')).length;
    for (const [path, drifted, unexpected] of [[reference, false, 0], [stripped, true, zeros]] as const) {
      const whole = await run(path, 1 << 30);
      const chunked = await run(path, 16 << 10);
      expect(chunkCuts((await openTable(path)) as CsvSource, 16 << 10).length).toBeGreaterThan(5);
      expect(chunked.profile).toEqual(whole.profile);
      expect(chunked.validation).toEqual(whole.validation);
      expect(chunked.drift).toEqual(whole.drift);
      if (path === reference) expect(whole.profile.columns).toEqual(profile.columns);
      expect(whole.validation!.anomalies.reduce((sum, anomaly) => sum + anomaly.count, 0)).toBe(unexpected);
      expect(whole.drift!.columns[0]).toMatchObject({ column: 'postcode', drifted });
    }
  });

  it('tests drift on id-like columns whose summaries keep no single value', async () => {
    const ids = (rows: number, seed: number) => {
      let state = seed;
      const lines = ['user_id'];
      for (let i = 0; i < rows; i += 1) lines.push(`u${(state = (Math.imul(state, 1103515245) + 12345) >>> 0)}`);
      return `${lines.join('\n')}\n`;
    };
    const current = write('ids-current.csv', ids(30_000, 1));
    const reference = write('ids-reference.csv', ids(2000, 2));
    const result = await validateData({ data: { source: await openTable(current), shown: 'ids-current.csv' }, reference: { source: await openTable(reference), shown: 'ids-reference.csv' }, chunkBytes: 64 << 10, chunkRunner: inProcessRunner() });
    // Every value is rare: all of both sides sits in the bucket of other values, nothing drifts.
    expect(result.drift!.columns[0]).toMatchObject({ column: 'user_id', drifted: false });
  });
});

describe('one pass over a batch', () => {
  it('takes each column through validator, profiler and sampler in turn, with what each finds on its own', async () => {
    // Columns in another order than the schema's, one the schema lacks, one it has that the file
    // lacks; floats that rarely repeat (caches give up) and a word among them late enough for
    // the float's sample to have filled, ints and words with anomalies, a column that stops being
    // numeric half-way (its sample stops); the sampled columns in yet another order.
    const rng = new Xoshiro128(5, 1);
    const lines = ['score,extra,age,city,mixed'];
    for (let i = 0; i < 20_000; i += 1) {
      const score = i % 997 === 996 ? 'oops' : (rng.normal() * 2 + (i % 1500 === 0 ? 40 : 0)).toFixed(6);
      const age = i % 1200 === 0 ? '-3' : String(rng.intBetween(17, 90));
      const city = i % 801 === 0 ? 'Atlantis' : ['Oslo', 'Lima', 'Pune'][rng.intBetween(0, 2)]!;
      const mixed = i < 12_000 ? String(rng.intBetween(0, 5000)) : 'n/a';
      lines.push(`${score},${rng.intBetween(0, 9)},${age},${i % 50 === 0 ? '' : city},${mixed}`);
    }
    const path = write('columns-in-turn.csv', `${lines.join('\n')}\n`);
    const passSchema = ARTIFACTS.schema.parse({
      kind: 'schema',
      version: 1,
      columns: [
        { name: 'city', type: 'string', presence: { min_fraction: 1 }, values: ['Oslo', 'Lima', 'Pune'] },
        { name: 'age', type: 'int', presence: { min_fraction: 1 }, domain: { min: 17, max: 90 } },
        { name: 'gone', type: 'float', presence: { min_fraction: 1 } },
        { name: 'score', type: 'float', presence: { min_fraction: 1 }, domain: { min: -10, max: 10 } },
        { name: 'mixed', type: 'int', presence: { min_fraction: 1 } },
      ],
    });
    const source = await openTable(path);
    const sampled = ['mixed', 'score', 'age'];
    const pass = new PassState(source.columns, sampled, 700, 9, new SchemaValidator(passSchema, source.columns, 'f.csv'));
    await pass.addAll(source.batches());

    const alone = await openTable(path);
    const validator = new SchemaValidator(passSchema, alone.columns, 'f.csv');
    const profiler = new TableProfiler(alone.columns);
    const sampler = new RowSampler(sampled.length, 700, 9);
    for await (const batch of alone.batches()) {
      validator.addBatch(batch);
      profiler.add(batch);
      sampler.addBatch(batch, sampled.map((name) => alone.columns.indexOf(name)));
    }
    const anomalies = validator.finish();
    expect(anomalies.map((anomaly) => `${anomaly.column}:${anomaly.kind}`)).toEqual([
      'gone:missing_column',
      'extra:new_column',
      'city:unexpected_string_value',
      'city:low_fraction_present',
      'age:out_of_range',
      'score:out_of_range',
      'score:type_mismatch',
      'mixed:type_mismatch',
    ]);
    expect(pass.validator!.finish()).toEqual(anomalies);
    expect(pass.profiler.toJSON()).toEqual(profiler.toJSON());
    expect(sampled.map((name) => pass.samples.get(name)!.sample())).toEqual(sampler.reservoirs.map((reservoir) => reservoir.sample()));
    expect(sampler.reservoirs.map((reservoir) => [reservoir.stopped, reservoir.sample().length])).toEqual([
      [true, 0],
      [true, 0],
      [false, 700],
    ]);
  });
});

describe('chunked JSONL', () => {
  /**
   * The income CSV as JSONL, in the shapes real files take: numbers as JSON numbers (damaged ones
   * stay strings), empty values as null or left out, some objects with their keys in another
   * order, CRLF endings, blank lines, and non-ASCII text (the reader's other decoding path).
   */
  const jsonl = async (csv: string, name: string): Promise<string> => {
    const source = await openTable(write(`${name}.csv`, csv));
    const lines: string[] = [];
    let row = 0;
    for await (const batch of source.batches()) {
      for (let i = 0; i < batch.rowCount; i += 1, row += 1) {
        const entries = source.columns.map((column, j): [string, unknown] => {
          const cell = batch.data[j]![i] ?? null;
          const number = typeof cell === 'string' && cell.trim() !== '' ? Number(cell) : NaN;
          return [column, Number.isFinite(number) ? number : row % 251 === 250 && typeof cell === 'string' ? `${cell}·é` : cell];
        });
        if (row % 53 === 52) entries.reverse();
        // The first object names every column: it is never shortened.
        const kept = row % 131 === 130 ? entries.filter(([, value]) => value !== null && value !== 0) : entries;
        lines.push(`${JSON.stringify(Object.fromEntries(kept))}${row % 89 === 88 ? '\r' : ''}`);
        if (row % 97 === 96) lines.push(row % 2 === 0 ? '' : ' \t');
      }
    }
    return write(`${name}.jsonl`, `${lines.join('\n')}\n`);
  };

  it('finds what one pass finds: same anomalies at the same lines, same profile and drift', async () => {
    const path = await jsonl(income('corrupted', 20_000), 'corrupted');
    const whole = await validate(path, { chunkBytes: 1 << 30 });
    const log: number[] = [];
    const chunked = await validate(path, { chunkBytes: 64 << 10, chunkRunner: inProcessRunner(log) });
    expect(whole.reading.chunks).toBe(1);
    expect(chunked.reading).toEqual({ chunks: chunkCuts((await openTable(path)) as RangedSource, 64 << 10).length, threads: 2 });
    expect(chunked.reading.chunks).toBeGreaterThan(40);
    expect(log.length).toBeGreaterThan(10);
    expect(whole.validation!.anomalies.length).toBeGreaterThan(5);
    expect(chunked.validation).toEqual(whole.validation);
    expectClose(chunked.profile, whole.profile);
    expectClose(chunked.drift, whole.drift);
  });

  it('reads ranges from any byte offset that chain into the whole file, with lines shifted by their start', async () => {
    // Every 41st line made 2-3 KB long: longer than a read, so the buffer grows for it.
    const text = readFileSync(await jsonl(income('holdout', 3000), 'ranges-base'), 'utf8');
    const path = write('ranges.jsonl', text.split('\n').map((line, i) => (i % 41 === 40 ? line.replace('"workclass":"', `"workclass":"${'w'.repeat(2000 + i)}`) : line)).join('\n'));
    // Reads of 256 bytes: most lines are cut by a read and carried over to the next.
    const source = (await openTable(path, { chunkSize: 256 })) as RangedSource;
    const whole = await drain(await openTable(path));
    const { size } = source.ranges;
    // Cuts anywhere, and cuts exactly at line starts (that line belongs to the range it starts).
    const bytes = readFileSync(path);
    const lineStarts = [...bytes.keys()].filter((at) => bytes[at - 1] === 10);
    for (const [parts, exact] of [[2, false], [7, false], [50, false], [9, true]] as const) {
      const cuts = Array.from({ length: parts }, (_, part) => (exact ? lineStarts[part * 300]! : Math.floor((size * part) / parts) + (part % 3)));
      const rows: unknown[] = [];
      const lines: number[] = [];
      let expected: RowPosition | null = source.ranges.dataStart;
      for (let part = 0; part < parts; part += 1) {
        const reader = source.ranges.readRange({ from: part === 0 ? source.ranges.dataStart : cuts[part]!, to: cuts[part + 1] ?? Infinity, batchRows: 64 });
        const range = await drain({ ...source, batches: () => reader.batches() });
        // Where one range stops, the next starts (a cut inside a line goes to that line's end).
        expect(reader.start?.offset, `parts ${parts}, range ${part}`).toBe(expected?.offset);
        const shift: number = part === 0 ? 0 : expected!.line - reader.start!.line;
        rows.push(...range.rows);
        lines.push(...range.lines.map((line) => line + shift));
        expected = reader.next && { offset: reader.next.offset, line: reader.next.line + shift };
      }
      expect(expected).toBeNull();
      expect(rows).toEqual(whole.rows);
      expect(lines).toEqual(whole.lines);
    }
    // A range within one line holds no row: it starts and ends at the next line (line 1 of the seek).
    const empty = source.ranges.readRange({ from: 10, to: 20 });
    expect((await drain({ ...source, batches: () => empty.batches() })).rows).toEqual([]);
    expect(empty.start).toEqual({ offset: readFileSync(path, 'utf8').indexOf('\n') + 1, line: 1 });
    expect(empty.next).toEqual(empty.start);
    // Offset 0 starts a line: a seek there reads the whole file.
    const all = source.ranges.readRange({ from: 0, to: Infinity });
    expect((await drain({ ...source, batches: () => all.batches() })).rows).toEqual(whole.rows);
    expect(all.start).toEqual({ offset: 0, line: 1 });
  });

  it('raises the error a single pass raises, at the same line, for a broken line deep in the file', async () => {
    const lines = readFileSync(await jsonl(income('holdout', 20_000), 'clean'), 'utf8').split('\n');
    const outcome = (promise: Promise<{ profile: { rows: number } }>) => promise.then(({ profile }) => `${profile.rows} rows`, (error: Error & { location?: { file?: string; line?: number } }) => `${error.name}: ${error.message} @${error.location?.file}:${error.location?.line}`);
    for (const [name, broken, expected] of [
      ['bad-json', '{"age": 41, "workclass": ', /^InputDataError: invalid JSON: .* @data\.csv:15001$/],
      ['new-key', JSON.stringify({ ...JSON.parse(lines[15_000]!), extra: 1 }), /^InputDataError: unexpected key 'extra': .* @data\.csv:15001$/],
      // A byte-order mark is dropped wherever a line starts with one (UTF-8 decoding drops it), in a chunk as in one pass.
      ['mid-bom', `\ufeff${lines[15_000]}`, /^20000 rows$/],
    ] as const) {
      const path = write(`${name}.jsonl`, [...lines.slice(0, 15_000), broken, ...lines.slice(15_001)].join('\n'));
      const whole = await outcome(validate(path, { chunkBytes: 1 << 30 }));
      expect(whole, name).toMatch(expected);
      expect(await outcome(validate(path, { chunkBytes: 64 << 10, chunkRunner: inProcessRunner() })), name).toBe(whole);
      expect(await outcome(validate(path, { chunkBytes: 64 << 10 })), name).toBe(whole);
    }
    // A line over the length limit right at a chunk's start fails the chunk before it too (that
    // one reads up to the line): the error is still the single pass's, at the line's own number.
    // The first line starting at or after the first cut (64 KiB).
    const long = lines.findIndex((_, i) => i > 0 && Buffer.byteLength(lines.slice(0, i).join('\n')) + 1 >= 64 << 10);
    const tooLong = write('too-long.jsonl', [...lines.slice(0, long), lines[long]!.replace('"workclass":"', `"workclass":"${'w'.repeat(5000)}`), ...lines.slice(long + 1)].join('\n'));
    const limited = async (chunkRunner?: () => ChunkRunner) =>
      outcome(validateData({ data: { source: await openTable(tooLong, { maxRowBytes: 4096 }, 'too-long.jsonl'), shown: 'too-long.jsonl' }, chunkBytes: 64 << 10, ...(chunkRunner ? { chunkRunner } : {}) }));
    const single = await outcome(validateData({ data: { source: await openTable(tooLong, { maxRowBytes: 4096 }, 'too-long.jsonl'), shown: 'too-long.jsonl' } }));
    expect(single).toBe(`InputDataError: line is longer than 4 KB (the limit) @too-long.jsonl:${long + 1}`);
    expect(await limited(inProcessRunner())).toBe(single);
    expect(await limited()).toBe(single);
  });
});
