// npm run release -- [--version X.Y.Z] [--push] [--remote origin]
//
// dist/ is built, not committed on main. A release builds it onto a detached commit whose
// parent is HEAD, tags that commit vX.Y.Z and moves the major tag (v1) to it, so
// `uses: modelgate/modelgate/actions/model-eval@v1` finds the bundle. The work happens in a
// temporary git worktree: the current checkout is never touched.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { version: { type: 'string' }, push: { type: 'boolean' }, remote: { type: 'string', default: 'origin' }, 'skip-build': { type: 'boolean' } },
});
const git = (args, cwd = root) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
const fail = (message) => {
  process.stderr.write(`release: ${message}\n`);
  process.exit(1);
};

const version = values.version ?? JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) fail(`'${version}' is not a semantic version`);
const tag = `v${version}`;
const major = `v${version.split('.')[0]}`;
if (git(['status', '--porcelain', '--untracked-files=no'])) fail('the working tree has uncommitted changes; commit or stash them first');
if (git(['tag', '--list', tag])) fail(`tag ${tag} already exists`);

if (!values['skip-build']) execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
if (!existsSync(join(root, 'dist', 'index.js'))) fail('dist/ was not built');

const worktree = join(mkdtempSync(join(tmpdir(), 'modelgate-release-')), 'tree');
git(['worktree', 'add', '--detach', worktree, 'HEAD']);
try {
  cpSync(join(root, 'dist'), join(worktree, 'dist'), { recursive: true });
  git(['add', '--force', 'dist'], worktree);
  git(['commit', '--quiet', '--no-verify', '-m', `Release ${tag} (bundled dist/)`], worktree);
  git(['tag', '--annotate', tag, '-m', `modelgate ${tag}`], worktree);
  git(['tag', '--force', '--annotate', major, '-m', `modelgate ${tag}`], worktree);
} finally {
  git(['worktree', 'remove', '--force', worktree]);
  rmSync(dirname(worktree), { recursive: true, force: true });
}

const pushes = [['push', values.remote, tag], ['push', '--force', values.remote, major]];
if (values.push) {
  for (const args of pushes) git(args);
  console.log(`released ${tag} and moved ${major}`);
} else {
  console.log(`tagged ${tag} and ${major} locally (dist/ committed on the tag only). To publish:`);
  for (const args of pushes) console.log(`  git ${args.join(' ')}`);
}
