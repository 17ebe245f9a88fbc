/** End-to-end tests of fixtures/generate-income.ts, run as a real subprocess. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { corruptionManifestJson, incomeCsv } from './income.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SCRIPT = path.join(ROOT, 'fixtures/generate-income.ts');
const scratch = mkdtempSync(path.join(tmpdir(), 'modelgate-income-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dirCount = 0;
const freshDir = (): string => path.join(scratch, `out-${++dirCount}`, 'nested');

describe('generate-income CLI', () => {
  it('writes one variant with --rows/--seed, creating the directory, leaving no temp files', () => {
    const out = freshDir();
    const r = run('--out', out, '--variant', 'train', '--rows', '300', '--seed', '5');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(out)).toEqual(['train.csv']);
    expect(readFileSync(path.join(out, 'train.csv'), 'utf8')).toBe(incomeCsv({ variant: 'train', rows: 300, seed: 5 }));
    expect(r.stdout).toContain('train.csv (300 rows');
  });

  it('writes corrupted.csv plus its manifest (--flag=value form)', () => {
    const out = freshDir();
    const r = run(`--out=${out}`, '--variant=corrupted', '--rows=120');
    expect(r.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['corrupted.csv', 'corrupted.manifest.json']);
    expect(readFileSync(path.join(out, 'corrupted.csv'), 'utf8')).toBe(incomeCsv({ variant: 'corrupted', rows: 120 }));
    const manifest = readFileSync(path.join(out, 'corrupted.manifest.json'), 'utf8');
    expect(manifest).toBe(corruptionManifestJson({ rows: 120 }));
    expect((JSON.parse(manifest) as { problems: unknown[] }).problems).toHaveLength(6);
  });

  it('--variant all (the default) writes all four CSVs and the manifest', () => {
    const out = freshDir();
    expect(run('--out', out, '--rows', '60').status).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      'corrupted.csv', 'corrupted.manifest.json', 'drifted.csv', 'holdout.csv', 'train.csv',
    ]);
    expect(readFileSync(path.join(out, 'drifted.csv'), 'utf8')).toBe(incomeCsv({ variant: 'drifted', rows: 60 }));
  });

  it.each([
    [['--rows', '10'], /--out DIR is required/],
    [['--out'], /--out needs a value/],
    [['--out', 'X', '--rows', '1e3'], /--rows must be an integer/],
    [['--out', 'X', '--rows', '-5'], /--rows must be an integer/],
    [['--out', 'X', '--seed', '4294967296'], /--seed must be an integer/],
    [['--out', 'X', '--variant', 'test'], /--variant must be one of train\|holdout\|drifted\|corrupted\|all/],
    [['--out', 'X', '--colour', 'red'], /unknown flag --colour/],
    [['--out', 'X', '--out', 'Y'], /--out given more than once/],
    [['--out', 'X', 'extra'], /unexpected argument "extra"/],
  ])('rejects %j with exit 2 and a one-line error', (args, message) => {
    const out = freshDir();
    const r = run(...args.map((a) => (a === 'X' || a === 'Y' ? out : a)));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^generate-income: error: [^\n]+\n$/);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('--help prints usage and exits 0', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: tsx fixtures\/generate-income\.ts --out DIR/);
  });

  it('reports I/O failures on one line with exit 1', () => {
    const file = path.join(scratch, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = run('--out', file, '--variant', 'train', '--rows', '5');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^generate-income: error: [^\n]+\n$/);
  });
});
