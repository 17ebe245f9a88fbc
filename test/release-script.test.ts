import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './harness/run-action.js';

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

describe('npm run release', () => {
  it('tags a detached commit carrying dist/ and moves the major tag, leaving the branch without dist/', () => {
    // A throwaway repository holding the release script and a prebuilt dist/.
    const repo = mkdtempSync(join(tmpdir(), 'modelgate-release-test-'));
    git(repo, 'init', '--quiet', '--initial-branch=main');
    git(repo, 'config', 'user.email', 'test@example.invalid');
    git(repo, 'config', 'user.name', 'test');
    cpSync(join(REPO_ROOT, 'scripts', 'release.mjs'), join(repo, 'scripts', 'release.mjs'));
    cpSync(join(REPO_ROOT, 'dist'), join(repo, 'dist'), { recursive: true });
    cpSync(join(REPO_ROOT, '.gitignore'), join(repo, '.gitignore'));
    execFileSync('node', ['-e', "require('fs').writeFileSync('package.json', JSON.stringify({ name: 'modelgate', version: '1.2.3' }))"], { cwd: repo });
    git(repo, 'add', '.');
    git(repo, 'commit', '--quiet', '-m', 'main');
    const mainHead = git(repo, 'rev-parse', 'HEAD');

    const out = execFileSync(process.execPath, ['scripts/release.mjs', '--skip-build'], { cwd: repo, encoding: 'utf8' });
    expect(out).toContain('tagged v1.2.3 and v1 locally');

    expect(git(repo, 'rev-parse', 'HEAD')).toBe(mainHead);
    expect(git(repo, 'ls-tree', '-r', '--name-only', 'main')).not.toContain('dist/index.js');
    const tagged = git(repo, 'ls-tree', '-r', '--name-only', 'v1.2.3').split('\n');
    expect(tagged).toContain('dist/index.js');
    expect(tagged).toContain('dist/model-eval.js');
    expect(git(repo, 'rev-parse', 'v1.2.3^{commit}')).toBe(git(repo, 'rev-parse', 'v1^{commit}'));
    expect(git(repo, 'rev-parse', 'v1.2.3^{commit}^')).toBe(mainHead);
    expect(git(repo, 'worktree', 'list').split('\n')).toHaveLength(1);

    // A second release of the same version is refused.
    expect(() => execFileSync(process.execPath, ['scripts/release.mjs', '--skip-build'], { cwd: repo, encoding: 'utf8', stdio: 'pipe' })).toThrow(/tag v1.2.3 already exists/);
  });
});
