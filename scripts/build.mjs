// Bundles packages/cli into dist/ with @vercel/ncc (ESM), then writes one stub per action
// (dist/<name>.js → runBundledAction('<name>')) and the CLI stub. The new dist/ is built
// beside the old one and swapped in, so an interrupted build never leaves a half bundle.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const staging = join(root, '.tmp', 'dist-staging');
const require = createRequire(import.meta.url);
const nccCli = join(dirname(require.resolve('@vercel/ncc/package.json')), 'dist', 'ncc', 'cli.js');

rmSync(staging, { recursive: true, force: true });
mkdirSync(dirname(staging), { recursive: true });
execFileSync(
  process.execPath,
  [nccCli, 'build', join(root, 'packages/cli/src/bundle.ts'), '-o', staging, '--target', 'es2022', '-e', 'onnxruntime-node', '-q'],
  { stdio: 'inherit', cwd: root },
);

// data-validate's second thread: a bundle of its own (esbuild, ~0.1 s), so the thread starts in
// a fraction of the time loading the whole product would take.
const { buildSync } = require('esbuild');
buildSync({
  entryPoints: [join(root, 'packages/cli/src/chunk-worker-entry.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: join(staging, 'chunk-worker.js'),
  logLevel: 'error',
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
});

// Stubs: each action folder's action.yml points at ../../dist/<name>.js.
const actions = readdirSync(join(root, 'actions'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
for (const name of actions) {
  writeFileSync(join(staging, `${name}.js`), `import { runBundledAction } from './index.js';\nawait runBundledAction(${JSON.stringify(name)});\n`);
}
writeFileSync(join(staging, 'cli.js'), `import { runCli } from './index.js';\nprocess.exitCode = await runCli(process.argv.slice(2));\n`);

const previous = join(root, '.tmp', 'dist-previous');
rmSync(previous, { recursive: true, force: true });
if (existsSync(dist)) renameSync(dist, previous);
renameSync(staging, dist);
rmSync(previous, { recursive: true, force: true });
console.log(`built dist/ (${actions.length} action stubs + cli + chunk worker)`);
