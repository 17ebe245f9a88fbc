import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/run-action.js';
import { VERSION } from '../../packages/cli/src/version.js';

/** The package as users get it: `npm pack`, installed into an unrelated project. */
describe('packed package', () => {
  it('installs without dependencies and runs the CLI through npx', () => {
    const packDir = mkdtempSync(join(tmpdir(), 'modelgate-pack-'));
    execFileSync('npm', ['pack', '--pack-destination', packDir, '--silent'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const tarball = readdirSync(packDir).find((name) => name.endsWith('.tgz'));
    expect(tarball).toBe(`modelgate-${VERSION}.tgz`);

    const listing = execFileSync('tar', ['-tzf', join(packDir, tarball!)], { encoding: 'utf8' }).split('\n');
    expect(listing).toContain('package/dist/index.js');
    expect(listing).toContain('package/dist/cli.js');
    expect(listing).toContain('package/bin/modelgate.js');
    expect(listing).toContain('package/schemas/metrics.schema.json');
    expect(listing.filter((path) => path.startsWith('package/packages/'))).toEqual([]);

    const project = mkdtempSync(join(tmpdir(), 'modelgate-user-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', join(packDir, tarball!)], { cwd: project, stdio: 'pipe' });
    expect(readdirSync(join(project, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['modelgate']);

    const version = execFileSync('npx', ['--no-install', 'modelgate', '--version'], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(version).toBe(`${VERSION}\n`);
    const help = execFileSync('npx', ['--no-install', 'modelgate', 'eval', '--help'], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(help).toMatch(/^Usage: modelgate eval \[options\]\n/);
    expect(help).toMatch(/^ {2}--gate <value> +Gates, one per line/m);
  });
});
