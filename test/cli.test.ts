import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../packages/cli/src/cli/commands.js';
import { VERSION } from '../packages/cli/src/version.js';
import { REPO_ROOT } from './harness/run-action.js';

function modelgate(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'modelgate.js'), ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('modelgate CLI', () => {
  it('prints help listing every command, exit 0', () => {
    const run = modelgate('--help');
    expect(run.status).toBe(0);
    for (const command of COMMANDS) expect(run.stdout).toMatch(new RegExp(`^  ${command.name} +${command.summary.replace(/[()]/g, '\\$&')}$`, 'm'));
  });

  it('without a command prints help to stderr and exits 2', () => {
    const run = modelgate();
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Usage: modelgate <command> [options]');
  });

  it('prints its version', () => {
    expect(modelgate('--version')).toEqual({ status: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it.each(COMMANDS.map((command) => command.name))('%s --help documents its options', (name) => {
    const run = modelgate(name, '--help');
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(new RegExp(`^Usage: modelgate ${name} `));
    for (const option of COMMANDS.find((command) => command.name === name)!.options) expect(run.stdout).toContain(`--${option.name}`);
  });

  it.each(COMMANDS.filter((command) => !command.action).map((command) => command.name))('%s says it is not available yet, exit 2, nothing faked', (name) => {
    expect(modelgate(name)).toEqual({ status: 2, stdout: '', stderr: `modelgate: 'modelgate ${name}' is not available yet in modelgate ${VERSION}\n` });
  });

  it('rejects unknown commands and flags with exit 2', () => {
    expect(modelgate('evaluate')).toEqual({ status: 2, stdout: '', stderr: "modelgate: unknown command 'evaluate' (did you mean 'eval'?)\nRun 'modelgate --help' for usage.\n" });
    expect(modelgate('eval', '--modle', 'm.onnx')).toEqual({ status: 2, stdout: '', stderr: "modelgate: eval: Unknown option '--modle'\nRun 'modelgate --help' for usage.\n" });
  });
});
