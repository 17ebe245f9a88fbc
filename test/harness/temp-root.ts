import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest globalSetup: every temp directory the tests (and the bundles, git, python they start) make
 * lands under one root for this run, removed when the run ends. Without it each `npm test` left about
 * 250 MB in the machine's temp directory. The actions' own temp use is checked separately: the action
 * harness fails a run that leaves anything in RUNNER_TEMP.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'modelgate-tests-'));
  // Forked test workers inherit the environment, and os.tmpdir() reads TMPDIR on each call.
  process.env['TMPDIR'] = root;
  // Tests that load onnxruntime-node directly should not report to Microsoft from a developer's machine
  // either (see keepOrtTelemetryOff); test/cli.test.ts removes this again to check the CLI's own default.
  process.env['ORT_DISABLE_TELEMETRY'] = '1';
  return () => rmSync(root, { recursive: true, force: true });
}
