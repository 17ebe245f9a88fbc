import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubHost } from '../../packages/cli/src/github-host.js';
import { parseFileCommands } from './file-commands.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

function runnerFiles(): { output: string; summary: string } {
  const dir = mkdtempSync(join(tmpdir(), 'modelgate-host-'));
  const files = { output: join(dir, 'output'), summary: join(dir, 'summary') };
  writeFileSync(files.output, '');
  writeFileSync(files.summary, '');
  process.env['GITHUB_OUTPUT'] = files.output;
  process.env['GITHUB_STEP_SUMMARY'] = files.summary;
  return files;
}

describe('GitHub runner host', () => {
  it('writes outputs in the runner file format, multi-line values included', () => {
    const files = runnerFiles();
    const host = createGitHubHost({ ...process.env });
    host.setOutput('passed', 'true');
    host.setOutput('gates', 'precision >= 0.8\nrecall >= 0.1');
    const text = readFileSync(files.output, 'utf8');
    const delimiter = /^passed<<(ghadelimiter_[0-9a-f-]{36})\n/.exec(text)?.[1];
    expect(delimiter).toBeDefined();
    const second = /\ngates<<(ghadelimiter_[0-9a-f-]{36})\n/.exec(text)?.[1];
    expect(text).toBe(`passed<<${delimiter}\ntrue\n${delimiter}\ngates<<${second}\nprecision >= 0.8\nrecall >= 0.1\n${second}\n`);
    expect(parseFileCommands(text)).toEqual({ passed: 'true', gates: 'precision >= 0.8\nrecall >= 0.1' });
  });

  it('appends to the job summary file', async () => {
    const files = runnerFiles();
    const host = createGitHubHost({ ...process.env });
    await host.appendSummary('| metric | value |\n| --- | --- |');
    await host.appendSummary('second');
    expect(readFileSync(files.summary, 'utf8')).toBe('| metric | value |\n| --- | --- |\nsecond\n');
  });

  it('reads inputs as the runner passes them: trimmed, empty is unset, spaces become underscores', () => {
    const host = createGitHubHost({ INPUT_MODEL: '  m.onnx \n', INPUT_BASELINE: '', 'INPUT_MAX-BYTES': '50MB', INPUT_MY_INPUT: 'x' });
    expect(host.readInput('model')).toBe('m.onnx');
    expect(host.readInput('baseline')).toBeUndefined();
    expect(host.readInput('max-bytes')).toBe('50MB');
    expect(host.readInput('my input')).toBe('x');
    expect(host.readInput('absent')).toBeUndefined();
  });

  it('takes the run facts from GITHUB_* variables', () => {
    const host = createGitHubHost({ GITHUB_WORKSPACE: '/ws', GITHUB_REPOSITORY: 'o/r', GITHUB_SHA: 'abc', GITHUB_EVENT_NAME: 'push', RUNNER_TEMP: '/rt' });
    expect(host.environment).toEqual({
      workspace: '/ws',
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
      tempDir: '/rt',
      repository: 'o/r',
      sha: 'abc',
      eventName: 'push',
    });
  });
});
