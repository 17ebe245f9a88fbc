/**
 * Cold start of an action bundle: every workflow step pays it. Baseline: bare `node -e 0`
 * in the same run; the difference is what loading our bundle costs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure, type Bench } from './harness.js';

const root = join(import.meta.dirname, '..');

export const startup: Bench = {
  name: 'action bundle cold start',
  async run() {
    const workspace = mkdtempSync(join(tmpdir(), 'modelgate-bench-'));
    const output = join(workspace, 'output');
    writeFileSync(output, '');
    const env = { PATH: process.env['PATH'] ?? '', GITHUB_WORKSPACE: workspace, GITHUB_OUTPUT: output };
    const node = (args: string[]) => () => void spawnSync(process.execPath, args, { env, cwd: workspace, stdio: 'ignore' });
    const runs = 15;
    const baseline = await measure('node -e 0 (baseline)', runs, node(['-e', '0']));
    const measured = [
      await measure('node dist/model-eval.js', runs, node([join(root, 'dist', 'model-eval.js')])),
      await measure('node dist/data-validate.js', runs, node([join(root, 'dist', 'data-validate.js')])),
      await measure('node bin/modelgate.js --version', runs, node([join(root, 'bin', 'modelgate.js'), '--version'])),
    ];
    return [baseline, ...measured.map((measurement) => ({ ...measurement, baseline: baseline.name }))];
  },
};
