import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isTestedColumn, parseArtifact } from '@modelgate/core';
import { incomeCsvChunks, openTable, validateData } from '@modelgate/data';
import { visibleLines } from './harness/file-commands.js';
import { webhookPayload } from './harness/payloads.js';
import { REPO_ROOT, runActionBundle } from './harness/run-action.js';
import { Xoshiro128 } from '../packages/data/src/synthetic/prng.js';

const income = (name: string) => readFileSync(join(REPO_ROOT, 'fixtures/income', name));
const pr = { name: 'pull_request' as const, payload: webhookPayload('pull_request', 'opened') };

/** schema.json inferred from train.csv by the CLI, as a user would commit it. */
const schema = (() => {
  const out = join(REPO_ROOT, '.tmp', 'schema-for-tests.json');
  execFileSync(process.execPath, [join(REPO_ROOT, 'bin/modelgate.js'), 'infer-schema', '--data', 'fixtures/income/train.csv', '--label', 'income', '--out', out, '--quiet'], { cwd: REPO_ROOT });
  return readFileSync(out);
})();

describe('data-validate bundle', () => {
  it('infer-schema records the training file it read, with its SHA-256', () => {
    const inferred = parseArtifact('schema', schema.toString(), 'schema.json');
    expect(inferred.source?.files).toEqual([{ path: 'fixtures/income/train.csv', sha256: createHash('sha256').update(income('train.csv')).digest('hex') }]);
  });

  it('annotates every corrupted row at its line and fails on error anomalies', async () => {
    const run = await runActionBundle('data-validate', {
      inputs: { data: 'data/new.csv', schema: 'data/schema.json', reference: 'data/train.csv', 'max-samples': '3' },
      files: { 'data/new.csv': income('corrupted.csv'), 'data/schema.json': schema, 'data/train.csv': income('train.csv') },
      event: pr,
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(1);
    const manifest = JSON.parse(income('corrupted.manifest.json').toString()) as { problems: { line: number; column: string | null; kind: string }[] };
    const annotated = visibleLines(run.stdout).filter((line) => /^::(error|warning) title=/.test(line));
    // The runner shows 10 error annotations per step: that many, each at a line the manifest lists.
    expect(annotated.filter((line) => line.startsWith('::error'))).toHaveLength(10);
    const lines = new Set(manifest.problems.map((problem) => problem.line));
    for (const line of annotated.filter((candidate) => candidate.startsWith("::error"))) expect(lines.has(Number(/,line=(\d+)::/.exec(line)?.[1])), line).toBe(true);
    for (const problem of manifest.problems.filter((entry) => entry.kind === 'out_of_range' || entry.kind === 'missing_value')) {
      expect(annotated.some((line) => line.includes(`file=data/new.csv,line=${problem.line}::`)), `${problem.kind} at ${problem.line}`).toBe(true);
    }
    expect(annotated).toContain('::error title=modelgate out_of_range,file=data/new.csv,line=97::age: -1 below min 9');
    expect(annotated).toContain('::error title=modelgate low_fraction_present,file=data/new.csv,line=21::education: missing');
    expect(visibleLines(run.stdout).at(-1)).toBe('::error::5 error anomalies in data/new.csv');
    expect(run.outputs).toMatchObject({ passed: 'false', errors: '5', warnings: '1', rows: '500', 'dataset-drift': 'false', 'validation-json': 'modelgate-out/validation.json', 'profile-json': 'modelgate-out/profile.json', 'drift-json': 'modelgate-out/drift.json' });
    const validation = parseArtifact('validation', readFileSync(join(run.workspace, 'modelgate-out/validation.json'), 'utf8'), 'validation.json');
    expect(validation.anomalies.find((anomaly) => anomaly.column === 'age')?.samples).toEqual([
      { file: 'data/new.csv', line: 97, value: '-1', reason: '-1 below min 9' },
      { file: 'data/new.csv', line: 144, value: '142', reason: '142 above max 97' },
      { file: 'data/new.csv', line: 287, value: '-30', reason: '-30 below min 9' },
    ]);
    // Every file is named with its SHA-256 (hashed while it was validated).
    const sha = (name: string) => createHash('sha256').update(readFileSync(join(run.workspace, name))).digest('hex');
    expect(validation.data).toEqual([{ path: 'data/new.csv', sha256: sha('data/new.csv'), rows: 500 }]);
    expect(validation.schema).toEqual({ path: 'data/schema.json', sha256: sha('data/schema.json') });
    const drift = parseArtifact('drift', readFileSync(join(run.workspace, 'modelgate-out/drift.json'), 'utf8'), 'drift.json');
    expect(drift.reference).toEqual({ path: 'data/train.csv', sha256: sha('data/train.csv'), rows: 2000 });
    expect(drift.current).toEqual({ path: 'data/new.csv', sha256: sha('data/new.csv'), rows: 500 });
    expect(parseArtifact('profile', readFileSync(join(run.workspace, 'modelgate-out/profile.json'), 'utf8'), 'profile.json').source.files).toEqual([{ path: 'data/new.csv', sha256: sha('data/new.csv') }]);
    expect(run.summary).toMatch(/\[97\]\(https:\/\/github\.com\/Codertocat\/Hello-World\/blob\/[0-9a-f]{40}\/data\/new\.csv#L97\)/);
  });

  it('flags exactly the columns the drifted variant shifts, and dataset drift past the share', async () => {
    const files = { 'drifted.csv': income('drifted.csv'), 'train.csv': income('train.csv') };
    const run = await runActionBundle('data-validate', { inputs: { data: 'drifted.csv', reference: 'train.csv' }, files });
    expect(run.exitCode).toBe(0);
    const drift = parseArtifact('drift', readFileSync(join(run.workspace, 'modelgate-out/drift.json'), 'utf8'), 'drift.json');
    expect(drift.columns.filter((column) => column.drifted).map((column) => column.column)).toEqual(['age', 'workclass', 'hours_per_week', 'native_country', 'income']);
    expect(drift.columns.find((column) => column.column === 'age')).toMatchObject({ kind: 'numeric', test: 'wasserstein', p_value: null });
    expect(run.outputs['validation-json']).toBe('');
    const strict = await runActionBundle('data-validate', { inputs: { data: 'drifted.csv', reference: 'train.csv', 'drift-share': '0.3' }, files });
    expect(strict.exitCode).toBe(1);
    expect(visibleLines(strict.stdout).at(-1)).toBe('::error::dataset drift: 5 of 13 columns drifted (share ≥ 0.3)');
  });

  it('clean hold-out data passes', async () => {
    const run = await runActionBundle('data-validate', { inputs: { data: 'holdout.csv', schema: 'schema.json', reference: 'train.csv' }, files: { 'holdout.csv': income('holdout.csv'), 'schema.json': schema, 'train.csv': income('train.csv') } });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ passed: 'true', errors: '0', 'dataset-drift': 'false' });
  });

  it('reads a large CSV in chunks on two threads and finds what one thread finds', async () => {
    // 360 000 rows, ~36 MB: four chunks (16 MiB, then the rest in three parts), shared with
    // dist/chunk-worker.js.
    const big = Buffer.from([...incomeCsvChunks({ variant: 'corrupted', rows: 360_000 })].join(''));
    const files = { 'big.csv': big, 'schema.json': schema, 'train.csv': income('train.csv') };
    const run = await runActionBundle('data-validate', { inputs: { data: 'big.csv', schema: 'schema.json', reference: 'train.csv' }, files });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(1);
    expect(visibleLines(run.stdout)).toContain('read big.csv in 4 chunks on 2 threads');
    const read = (name: string) => readFileSync(join(run.workspace, 'modelgate-out', name), 'utf8');

    // The same validation in this process, on one thread, from the TypeScript sources.
    const source = (name: string) => openTable(join(run.workspace, name), {}, name);
    const alone = await validateData({
      data: { source: await source('big.csv'), shown: 'big.csv' },
      schema: { schema: parseArtifact('schema', schema.toString(), 'schema.json'), shown: 'schema.json' },
      reference: { source: await source('train.csv'), shown: 'train.csv' },
    });
    expect(alone.reading).toEqual({ chunks: 4, threads: 1 });
    const validation = parseArtifact('validation', read('validation.json'), 'validation.json');
    expect(validation.anomalies.length).toBeGreaterThan(5);
    expect(validation.anomalies).toEqual(alone.validation!.anomalies);
    expect(parseArtifact('drift', read('drift.json'), 'drift.json').columns).toEqual(alone.drift!.columns);
    const profile = parseArtifact('profile', read('profile.json'), 'profile.json');
    expect(profile.rows).toBe(360_000);
    expect(profile.source.files).toEqual([{ path: 'big.csv', sha256: createHash('sha256').update(big).digest('hex') }]);
    expect(profile.columns).toEqual(alone.profile.columns);
  });

  it('reads a large JSONL file in chunks on two threads and finds what one thread finds', async () => {
    // 120 000 rows as JSON objects (integers as numbers), 34 MB: four chunks (16 MiB, then the rest in three parts).
    const [header, ...rows] = [...incomeCsvChunks({ variant: 'corrupted', rows: 120_000 })].join('').trimEnd().split('\n');
    const names = header!.split(',');
    const objects = rows.map((row) => JSON.stringify(Object.fromEntries(row.split(',').map((value, j) => [names[j], value === '' ? null : /^-?\d+$/.test(value) ? Number(value) : value]))));
    const big = Buffer.from(`${objects.join('\n')}\n`);
    expect(big.length).toBeGreaterThan(32 << 20);
    const files = { 'big.jsonl': big, 'schema.json': schema, 'train.csv': income('train.csv') };
    const run = await runActionBundle('data-validate', { inputs: { data: 'big.jsonl', schema: 'schema.json', reference: 'train.csv' }, files });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(1);
    expect(visibleLines(run.stdout)).toContain('read big.jsonl in 4 chunks on 2 threads');
    const read = (name: string) => readFileSync(join(run.workspace, 'modelgate-out', name), 'utf8');

    // In this process, from the TypeScript sources: the same chunks on one thread, and one pass.
    const source = (name: string) => openTable(join(run.workspace, name), {}, name);
    const options = async () => ({
      data: { source: await source('big.jsonl'), shown: 'big.jsonl' },
      schema: { schema: parseArtifact('schema', schema.toString(), 'schema.json'), shown: 'schema.json' },
      reference: { source: await source('train.csv'), shown: 'train.csv' },
    });
    const alone = await validateData(await options());
    expect(alone.reading).toEqual({ chunks: 4, threads: 1 });
    const onePass = await validateData({ ...(await options()), chunkBytes: 1 << 30 });
    expect(onePass.reading).toEqual({ chunks: 1, threads: 1 });
    const validation = parseArtifact('validation', read('validation.json'), 'validation.json');
    expect(validation.anomalies.length).toBeGreaterThan(5);
    expect(validation.anomalies).toEqual(alone.validation!.anomalies);
    expect(validation.anomalies).toEqual(onePass.validation!.anomalies);
    expect(parseArtifact('drift', read('drift.json'), 'drift.json').columns).toEqual(alone.drift!.columns);
    const profile = parseArtifact('profile', read('profile.json'), 'profile.json');
    expect(profile.rows).toBe(120_000);
    expect(profile.source.files).toEqual([{ path: 'big.jsonl', sha256: createHash('sha256').update(big).digest('hex') }]);
    expect(profile.columns).toEqual(alone.profile.columns);
    // Every column here has few distinct values, so its summaries are exact: one pass gives the
    // same profile. (Drift samples are drawn per chunk, so drift is compared with the chunks only.)
    expect(profile.columns).toEqual(onePass.profile.columns);
  });

  it('a wide file (1 200 columns): the anomaly at its line and column, the shifted column drifts', async () => {
    // Ints 0-40 and floats in [0, 1) from a seeded generator; the new file shifts c3 by 30 and
    // breaks c1100's minimum at line 777. The schema is inferred from the training file, as a user would.
    const width = 1200;
    const wideCsv = (stream: number, edit: (row: number, k: number, value: string) => string = (_row, _k, value) => value) => {
      const rng = new Xoshiro128(7, stream);
      const lines = [Array.from({ length: width }, (_, k) => `c${k}`).join(',')];
      for (let row = 0; row < 1500; row += 1) lines.push(Array.from({ length: width }, (_, k) => edit(row, k, k % 3 === 1 ? rng.nextFloat().toFixed(3) : String(rng.intBetween(0, 40)))).join(','));
      return `${lines.join('\n')}\n`;
    };
    const files = {
      'train.csv': wideCsv(1),
      // Line 777 is row 775 (the header is line 1).
      'new.csv': wideCsv(2, (row, k, value) => (k === 3 ? String(Number(value) + 30) : k === 1100 && row === 775 ? '-5' : value)),
    };
    const training = mkdtempSync(join(tmpdir(), 'modelgate-wide-'));
    let schemaJson: Buffer;
    try {
      writeFileSync(join(training, 'train.csv'), files['train.csv']);
      execFileSync(process.execPath, [join(REPO_ROOT, 'bin/modelgate.js'), 'infer-schema', '--data', 'train.csv', '--out', 'schema.json', '--quiet'], { cwd: training });
      schemaJson = readFileSync(join(training, 'schema.json'));
    } finally {
      rmSync(training, { recursive: true, force: true });
    }
    const checked = await runActionBundle('data-validate', { inputs: { data: 'new.csv', schema: 'schema.json', reference: 'train.csv' }, files: { ...files, 'schema.json': schemaJson } });
    expect(checked.stderr).toBe('');
    expect(checked.exitCode).toBe(1);
    const annotated = visibleLines(checked.stdout).filter((line) => line.startsWith('::error title='));
    expect(annotated).toContain('::error title=modelgate out_of_range,file=new.csv,line=777::c1100: -5 below min 0');
    const validation = parseArtifact('validation', readFileSync(join(checked.workspace, 'modelgate-out/validation.json'), 'utf8'), 'validation.json');
    // Inference widens the training range a little: the count is of values above the schema's max.
    const inferred = parseArtifact('schema', schemaJson.toString(), 'schema.json');
    const max = inferred.columns.find((column) => column.name === 'c3')!.domain!.max as number;
    const above = files['new.csv'].split('\n').slice(1, -1).filter((line) => Number(line.split(',')[3]) > max).length;
    expect(above).toBeGreaterThan(500);
    expect(validation.anomalies.filter((anomaly) => anomaly.severity === 'error').map((anomaly) => `${anomaly.column} ${anomaly.kind} ${anomaly.count}`)).toEqual([`c3 out_of_range ${above}`, 'c1100 out_of_range 1']);
    const drift = parseArtifact('drift', readFileSync(join(checked.workspace, 'modelgate-out/drift.json'), 'utf8'), 'drift.json');
    expect(drift.columns).toHaveLength(width);
    // c3 moved by 2.5 standard deviations; of the 1 199 unshifted columns, a few exceed the 0.1
    // threshold by chance at 1 500 rows (9 here; scipy's wasserstein_distance over the reference's
    // std puts the same 10 columns over it, checked once by hand).
    expect(drift.columns.find((column) => column.column === 'c3')).toMatchObject({ test: 'wasserstein', drifted: true, reference_rows: 1500, current_rows: 1500 });
    expect(drift.columns.filter(isTestedColumn).find((column) => column.column === 'c3')!.statistic).toBeGreaterThan(2.4);
    expect(drift.columns.filter((column) => column.drifted).length).toBeLessThan(12);
    expect(drift.dataset_drift).toBe(false);
    const profile = parseArtifact('profile', readFileSync(join(checked.workspace, 'modelgate-out/profile.json'), 'utf8'), 'profile.json');
    expect(profile.columns.map((column) => [column.type, column.count])).toEqual(Array.from({ length: width }, (_, k) => [k % 3 === 1 ? 'float' : 'int', 1500]));
  });

  it('a file with a header and no rows fails at line 1, as data, reference or training data', async () => {
    const files = { 'empty.csv': 'age,income\n', 'train.csv': income('train.csv') };
    const data = await runActionBundle('data-validate', { inputs: { data: 'empty.csv', reference: 'train.csv' }, files });
    expect(data.exitCode).toBe(1);
    expect(visibleLines(data.stdout)).toEqual(['::error file=empty.csv,line=1::has no data rows (only a header)']);
    const reference = await runActionBundle('data-validate', { inputs: { data: 'train.csv', reference: 'empty.csv' }, files });
    expect(visibleLines(reference.stdout)).toEqual(['::error file=empty.csv,line=1::has no data rows (only a header)']);
    const cli = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/modelgate.js'), 'infer-schema', '--data', 'empty.csv', '--out', 'schema.json'], { cwd: data.workspace, encoding: 'utf8' });
    expect([cli.status, cli.stderr]).toEqual([1, 'modelgate: empty.csv:1: has no data rows (only a header)\n']);
    expect(existsSync(join(data.workspace, 'schema.json'))).toBe(false);
  });

  it('an output path the user cannot write is one line naming it, and no artifact is written', async () => {
    const files = { 'train.csv': income('train.csv'), 'afile': 'x', 'out/drift.json/keep': 'a directory where drift.json goes' };
    const run = await runActionBundle('data-validate', { inputs: { data: 'train.csv', reference: 'train.csv' }, files });
    const cli = (outDir: string) => spawnSync(process.execPath, [join(REPO_ROOT, 'bin/modelgate.js'), 'validate', '--data', 'train.csv', '--reference', 'train.csv', '--out-dir', outDir], { cwd: run.workspace, encoding: 'utf8' });
    const inTheWay = cli('afile');
    expect([inTheWay.status, inTheWay.stderr]).toEqual([1, `modelgate: ${join(run.workspace, 'afile/profile.json')}: cannot create its folder: '${join(run.workspace, 'afile')}' or a folder above it is a file\n`]);
    const directory = cli('out');
    expect([directory.status, directory.stderr]).toEqual([1, `modelgate: ${join(run.workspace, 'out/drift.json')}: is a directory; expected the path of a file to write\n`]);
    // profile.json would have come first: all or nothing.
    expect(readdirSync(join(run.workspace, 'out')).sort()).toEqual(['drift.json']);
  });

  it('the out dir holds the artifacts of the last run only: a failed run, or one with fewer inputs, leaves none of an earlier run', async () => {
    const files = { 'train.csv': income('train.csv'), 'holdout.csv': income('holdout.csv'), 'schema.json': schema, 'bad.csv': 'age,workclass,income\n39,Private,<=50K\n40,Private\n' };
    const run = await runActionBundle('data-validate', { inputs: { data: 'holdout.csv', schema: 'schema.json', reference: 'train.csv', 'out-dir': 'out' }, files });
    expect(run.exitCode).toBe(0);
    expect(readdirSync(join(run.workspace, 'out')).sort()).toEqual(['drift.json', 'profile.json', 'validation.json']);
    const out = (name = '') => join(run.workspace, 'out', name);
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'bin/modelgate.js'), 'validate', '--out-dir', 'out', '--quiet', ...args], { cwd: run.workspace, encoding: 'utf8' });
    // Without a schema or a reference: the earlier validation.json and drift.json go.
    expect(cli('--data', 'holdout.csv').status).toBe(0);
    expect(readdirSync(out()).sort()).toEqual(['profile.json']);
    const failed = cli('--data', 'bad.csv', '--reference', 'train.csv');
    expect([failed.status, failed.stderr]).toEqual([1, 'modelgate: bad.csv:3: expected 3 fields (header has 3), found 2\n']);
    expect(readdirSync(out())).toEqual([]);
    // A file of that name that data-validate did not write is the user's: it stays.
    writeFileSync(out('drift.json'), '{"my": "notes"}\n');
    expect(cli('--data', 'bad.csv').status).toBe(1);
    expect(readFileSync(out('drift.json'), 'utf8')).toBe('{"my": "notes"}\n');
  });

  it('malformed data is one line naming file and line', async () => {
    const ragged = 'age,workclass,income\n39,Private,<=50K\n40,Private\n';
    const run = await runActionBundle('data-validate', { inputs: { data: 'bad.csv' }, files: { 'bad.csv': ragged } });
    expect(run.exitCode).toBe(1);
    expect(visibleLines(run.stdout)).toEqual(['::error file=bad.csv,line=3::expected 3 fields (header has 3), found 2']);
  });

  it('a schema that lists a column twice is one line naming the file and the second entry', async () => {
    const column = (name: string, type: string) => ({ name, type, presence: { min_fraction: 1 } });
    const twice = JSON.stringify({ kind: 'schema', version: 1, columns: [column('age', 'int'), column('income', 'string'), column('age', 'float')] });
    const run = await runActionBundle('data-validate', { inputs: { data: 'new.csv', schema: 'schema.json' }, files: { 'new.csv': 'age,income\n39,<=50K\n', 'schema.json': twice } });
    expect(run.exitCode).toBe(1);
    expect(visibleLines(run.stdout)).toEqual(["::error file=schema.json::columns[2].name: column 'age' is listed twice (also columns[0])"]);
  });

  describe('the CLI on edge values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelgate-edges-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const cli = (tz: string, ...args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'bin/modelgate.js'), ...args, '--quiet'], { cwd: dir, encoding: 'utf8', env: { ...process.env, TZ: tz } });
    const validation = () => parseArtifact('validation', readFileSync(join(dir, 'out/validation.json'), 'utf8'), 'validation.json');
    const findings = () => validation().anomalies.map((anomaly) => [anomaly.kind, anomaly.count, anomaly.samples.map((sample) => sample.line)]);

    it('reads timestamps the same in every time zone, and only ISO 8601 ones as timestamps', () => {
      writeFileSync(join(dir, 'times.csv'), 't\n2024-01-01T10:00:00\n2024-01-03T10:00:00\n');
      writeFileSync(join(dir, 'odd-times.csv'), 't\n2024-01-02\n1\nMarch 2 2024\n2024-02-30\n2024-01-01T09:59:59\n');
      expect(cli('UTC', 'infer-schema', '--data', 'times.csv', '--out', 'times.json').status).toBe(0);
      const zones = ['UTC', 'Asia/Tokyo', 'America/New_York'];
      for (const tz of zones) {
        // A time without offset is UTC: the training data is inside its own range wherever it is checked.
        expect([tz, cli(tz, 'validate', '--data', 'times.csv', '--schema', 'times.json', '--out-dir', 'out').status]).toEqual([tz, 0]);
        expect(findings()).toEqual([]);
      }
      for (const tz of zones) {
        expect([tz, cli(tz, 'validate', '--data', 'odd-times.csv', '--schema', 'times.json', '--out-dir', 'out').status]).toEqual([tz, 1]);
        expect([tz, findings()]).toEqual([tz, [['type_mismatch', 3, [3, 4, 5]], ['out_of_range', 1, [6]]]]);
      }
    });

    it.each([
      ['huge floats', '1e200\n2\n'],
      ['floats near the largest double', '1.5e308\n1.5e308\n'],
      ['floats of both signs near the largest double', '-1.7e308\n1.7e308\n1e200\n2\n'],
      ['a range 10 % past the largest double', '0\n1.7e308\n'],
      ['NaN and Infinity only', 'NaN\ninf\n-inf\n'],
      ['timestamps with sub-millisecond digits before 1970', '1969-12-31T23:59:59.9995Z\n1970-01-02T00:00:00.0005Z\n'],
    ])('%s: profile.json is written, and the inferred schema holds its own training data', (_, values) => {
      writeFileSync(join(dir, 'train.csv'), `x\n${values}`);
      const inferred = cli('UTC', 'infer-schema', '--data', 'train.csv', '--out', 'train.json');
      expect([inferred.status, inferred.stderr]).toEqual([0, '']);
      const validated = cli('UTC', 'validate', '--data', 'train.csv', '--schema', 'train.json', '--out-dir', 'out');
      expect([validated.status, validated.stderr]).toEqual([0, '']);
      expect(findings()).toEqual([]);
      parseArtifact('profile', readFileSync(join(dir, 'out/profile.json'), 'utf8'), 'profile.json');
    });

    it('a timestamp bound that is not a timestamp is one line naming the schema file and field', () => {
      writeFileSync(join(dir, 'bound.json'), JSON.stringify({ kind: 'schema', version: 1, columns: [{ name: 't', type: 'timestamp', presence: { min_fraction: 1 }, domain: { min: 'Jan 1 2024' } }] }));
      const run = cli('UTC', 'validate', '--data', 'times.csv', '--schema', 'bound.json', '--out-dir', 'out');
      expect([run.status, run.stderr]).toEqual([1, 'modelgate: bound.json: columns[0].domain.min: "Jan 1 2024" is not an ISO 8601 timestamp (YYYY-MM-DD, optionally THH:MM[:SS[.fraction]] and Z or ±HH:MM)\n']);
    });

    it('a drift test that does not fit its column is one line naming modelgate.yml or the schema; a column in no file warns', () => {
      writeFileSync(join(dir, 'kinds-reference.csv'), 'x,c\n1,a\n2,b\n3,a\n4,b\n5,a\n6,b\n7,a\n');
      writeFileSync(join(dir, 'kinds.csv'), 'x,c\n1,a\n2,b\n9,b\n');
      const validate = (...args: string[]) => cli('UTC', 'validate', '--data', 'kinds.csv', '--reference', 'kinds-reference.csv', '--out-dir', 'out', '--no-fail-on-drift', ...args);
      writeFileSync(join(dir, 'kinds.yml'), 'drift:\n  columns:\n    c: ks:0.05\n');
      expect([validate('--config', 'kinds.yml').status, validate('--config', 'kinds.yml').stderr]).toEqual([
        1,
        "modelgate: kinds.yml: drift.columns.c: test 'ks' needs numbers, and 'c' is not numeric in kinds-reference.csv; for categories use chi2, z, jensen_shannon, psi or linf\n",
      ]);
      writeFileSync(join(dir, 'kinds.json'), JSON.stringify({ kind: 'schema', version: 1, columns: [{ name: 'x', type: 'int', presence: { min_fraction: 0 } }, { name: 'c', type: 'string', presence: { min_fraction: 0 }, drift_comparator: { test: 'wasserstein', threshold: 0.1 } }] }));
      expect(validate('--schema', 'kinds.json').stderr).toBe(
        "modelgate: kinds.json: columns.c.drift_comparator: test 'wasserstein' needs numbers, and 'c' is not numeric in kinds-reference.csv; for categories use chi2, z, jensen_shannon, psi or linf\n",
      );
      writeFileSync(join(dir, 'kinds.yml'), 'drift:\n  columns:\n    x: psi\n    cc: chi2\n');
      expect([validate('--config', 'kinds.yml').status, validate('--config', 'kinds.yml').stderr]).toEqual([0, "warning: kinds.yml: drift.columns names 'cc', which is not in kinds.csv nor in kinds-reference.csv; its test is not used\n"]);
      expect(parseArtifact('drift', readFileSync(join(dir, 'out/drift.json'), 'utf8'), 'drift.json').columns.find((column) => column.column === 'x')).toMatchObject({ test: 'psi' });
      // Numeric in the reference but not in the data (broken data): compared by categories, as without a test set.
      writeFileSync(join(dir, 'kinds-broken.csv'), 'x,c\n1,a\nabc,b\n');
      writeFileSync(join(dir, 'kinds.yml'), 'drift:\n  columns:\n    x: ks:0.05\n');
      expect(cli('UTC', 'validate', '--data', 'kinds-broken.csv', '--reference', 'kinds-reference.csv', '--out-dir', 'out', '--no-fail-on-drift', '--config', 'kinds.yml').status).toBe(0);
      expect(parseArtifact('drift', readFileSync(join(dir, 'out/drift.json'), 'utf8'), 'drift.json').columns.find((column) => column.column === 'x')).toMatchObject({ kind: 'categorical', test: 'chi2' });
    });

    it('drift lists a column the current data lost or holds no values in, and it counts as drifted', () => {
      writeFileSync(join(dir, 'lost-reference.csv'), 'x,c\n1,a\n2,b\n3,a\n4,b\n5,a\n6,b\n7,a\n');
      writeFileSync(join(dir, 'lost-blank.csv'), 'x,c\n,a\n,b\n,a\n');
      writeFileSync(join(dir, 'lost-column.csv'), 'c\na\nb\na\n');
      for (const [file, untested] of [['lost-blank.csv', 'no_values_in_current'], ['lost-column.csv', 'missing_in_current']] as const) {
        const run = cli('UTC', 'validate', '--data', file, '--reference', 'lost-reference.csv', '--out-dir', 'out');
        expect([file, run.status, run.stderr]).toEqual([file, 1, 'modelgate: dataset drift: 1 of 2 columns drifted (share ≥ 0.5)\n']);
        const drift = parseArtifact('drift', readFileSync(join(dir, 'out/drift.json'), 'utf8'), 'drift.json');
        expect(drift.columns.find((column) => column.column === 'x')).toEqual({ column: 'x', untested, drifted: true, reference_rows: 7, current_rows: 0 });
        expect([drift.drifted_columns, drift.drift_share]).toEqual([1, 0.5]);
      }
    });

    it('--label: in SERVING the label may be absent though the schema does not say so; a label in no file is refused', () => {
      writeFileSync(join(dir, 'labelled.csv'), 'f,label\n1,y\n2,n\n');
      writeFileSync(join(dir, 'serving.csv'), 'f\n1\n');
      expect(cli('UTC', 'infer-schema', '--data', 'labelled.csv', '--out', 'unlabelled.json').status).toBe(0);
      const validate = (...args: string[]) => cli('UTC', 'validate', '--data', 'serving.csv', '--schema', 'unlabelled.json', '--reference', 'labelled.csv', '--out-dir', 'out', ...args);
      expect(validate('--environment', 'SERVING').status).toBe(1);
      expect(findings()).toEqual([['missing_column', 0, []]]);
      const serving = validate('--environment', 'SERVING', '--label', 'label');
      expect([serving.status, serving.stderr]).toEqual([0, '']);
      expect(findings()).toEqual([]);
      // Nor is its absence drift.
      expect(parseArtifact('drift', readFileSync(join(dir, 'out/drift.json'), 'utf8'), 'drift.json').columns.map((column) => column.column)).toEqual(['f']);
      // In TRAINING the label is expected.
      expect(validate('--label', 'label').status).toBe(1);
      expect(findings()).toEqual([['missing_column', 0, []]]);
      const unknown = cli('UTC', 'validate', '--data', 'serving.csv', '--label', 'does_not_exist', '--out-dir', 'out');
      expect([unknown.status, unknown.stderr]).toEqual([1, "modelgate: label column 'does_not_exist' is not in serving.csv\n"]);
      expect([validate('--label', 'lable').status, validate('--label', 'lable').stderr]).toEqual([1, "modelgate: label column 'lable' is not in serving.csv, unlabelled.json or labelled.csv\n"]);
    });

    it('compares an int past 2^53 with its bound exactly', () => {
      writeFileSync(join(dir, 'big.csv'), 'n\n9007199254740992\n9007199254740993\n');
      writeFileSync(join(dir, 'big.json'), JSON.stringify({ kind: 'schema', version: 1, columns: [{ name: 'n', type: 'int', presence: { min_fraction: 1 }, domain: { max: 9007199254740992 } }] }));
      expect(cli('UTC', 'validate', '--data', 'big.csv', '--schema', 'big.json', '--out-dir', 'out').status).toBe(1);
      expect(validation().anomalies.map((anomaly) => [anomaly.kind, anomaly.samples.map((sample) => [sample.line, sample.reason])])).toEqual([['out_of_range', [[3, '9007199254740993 above max 9007199254740992']]]]);
    });

    it('checks the values domain inferred for a bool column', () => {
      writeFileSync(join(dir, 'flags.csv'), 'x\ntrue\ntrue\ntrue\ntrue\ntrue\n');
      writeFileSync(join(dir, 'new-flags.csv'), 'x\ntrue\nfalse\nTRUE\n');
      expect(cli('UTC', 'infer-schema', '--data', 'flags.csv', '--out', 'flags.json').status).toBe(0);
      expect(cli('UTC', 'validate', '--data', 'new-flags.csv', '--schema', 'flags.json', '--out-dir', 'out').status).toBe(1);
      expect(validation().anomalies.map((anomaly) => [anomaly.kind, anomaly.severity, anomaly.count, anomaly.samples.map((sample) => sample.line)])).toEqual([['unexpected_string_value', 'error', 1, [3]]]);
    });
  });
});
