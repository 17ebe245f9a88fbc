import { describe, expect, it } from 'vitest';
import { ConfigurationError, InputDataError } from './errors.js';
import { input } from './inputs.js';
import { MemoryLogger } from './logger.js';
import { defineAction, runAction, type ActionHost, type RunEnvironment } from './run.js';

interface Recorded {
  outputs: [string, string][];
  summary: string[];
  failures: { message: string; location?: unknown; exitCode: number }[];
  logger: MemoryLogger;
}

function fakeHost(inputs: Record<string, string>, files: Record<string, string> = {}, debug = false): [ActionHost, Recorded] {
  const recorded: Recorded = { outputs: [], summary: [], failures: [], logger: new MemoryLogger(debug) };
  const environment: RunEnvironment = { workspace: '/w', serverUrl: 'https://github.com', apiUrl: 'https://api.github.com', tempDir: '/tmp' };
  return [
    {
      logger: recorded.logger,
      environment,
      readInput: (name) => inputs[name],
      setOutput: (name, value) => recorded.outputs.push([name, value]),
      appendSummary: async (markdown) => void recorded.summary.push(markdown),
      readTextFile: async (path) => files[path],
      setSecret: () => undefined,
      fail: (message, options) => void recorded.failures.push({ message, ...options }),
    },
    recorded,
  ];
}

const echo = defineAction({
  name: 'echo',
  title: 'modelgate echo',
  description: 'test action',
  branding: { icon: 'x', color: 'blue' },
  inputs: { threshold: input.number({ description: 'x', default: '0.5' }), mode: input.string({ description: 'x' }) },
  outputs: { passed: 'whether it passed', detail: 'json detail' },
  async run({ inputs, setOutput, summary, config }) {
    if (inputs.mode === 'user') throw new InputDataError('age=-3 below min 17', { file: 'data/x.csv', line: 1043, field: 'age' });
    if (inputs.mode === 'config') throw new ConfigurationError('unknown metric');
    if (inputs.mode === 'bug') throw new TypeError("Cannot read properties of undefined (reading 'x')");
    if (inputs.mode === 'undeclared') setOutput('nope' as 'passed', 1);
    setOutput('passed', (inputs.threshold ?? 0) > 0.4);
    setOutput('detail', { name: config?.name ?? null });
    summary.push('| a | b |');
    return inputs.mode === 'gate' ? { failed: 'gate precision >= 0.8 failed:\n0.71 < 0.8' } : undefined;
  },
});

describe('runAction', () => {
  it('parses inputs, reads modelgate.yml, writes outputs and the summary', async () => {
    const [host, recorded] = fakeHost({}, { 'modelgate.yml': 'name: income\n' });
    await runAction(echo, host);
    expect(recorded.outputs).toEqual([
      ['passed', 'true'],
      ['detail', '{"name":"income"}'],
    ]);
    expect(recorded.summary).toEqual(['| a | b |']);
    expect(recorded.failures).toEqual([]);
  });

  it('a failed gate fails the step with one line and exit 1, outputs still written', async () => {
    const [host, recorded] = fakeHost({ mode: 'gate' });
    await runAction(echo, host);
    expect(recorded.outputs[0]).toEqual(['passed', 'true']);
    expect(recorded.failures).toEqual([{ message: 'gate precision >= 0.8 failed: 0.71 < 0.8', exitCode: 1 }]);
  });

  it('a user error with a location becomes an annotation at that line, no stack', async () => {
    const [host, recorded] = fakeHost({ mode: 'user' });
    await runAction(echo, host);
    expect(recorded.failures).toEqual([
      { message: 'age=-3 below min 17', location: { file: 'data/x.csv', line: 1043, field: 'age' }, exitCode: 1 },
    ]);
    expect(recorded.logger.lines).toEqual([]);
    expect(recorded.summary[0]).toBe('### ❌ modelgate echo failed\n\nage=\\-3 below min 17\n');
  });

  it('a bad input names the input', async () => {
    const [host, recorded] = fakeHost({ threshold: 'high' });
    await runAction(echo, host);
    expect(recorded.failures).toEqual([{ message: "input 'threshold' expected a number, got 'high'", exitCode: 1 }]);
  });

  it('an explicitly named config file must exist; a bad one is reported at its line', async () => {
    const [host, recorded] = fakeHost({ config: 'ml/modelgate.yml' });
    await runAction(echo, host);
    expect(recorded.failures[0]?.message).toBe("config file 'ml/modelgate.yml' does not exist");
    const [host2, recorded2] = fakeHost({}, { 'modelgate.yml': 'name: income\nslices: sex\n' });
    await runAction(echo, host2);
    expect(recorded2.failures).toEqual([
      {
        message: 'slices: Invalid input: expected array, received string',
        location: { file: 'modelgate.yml', line: 2, field: 'slices' },
        exitCode: 1,
      },
    ]);
  });

  it('an internal error says so, hides the stack unless debugging', async () => {
    const [host, recorded] = fakeHost({ mode: 'bug' });
    await runAction(echo, host);
    expect(recorded.failures).toHaveLength(1);
    expect(recorded.failures[0]?.message).toBe(
      "internal error: Cannot read properties of undefined (reading 'x'). This is a bug in modelgate; please report it with the log of this step. (set ACTIONS_STEP_DEBUG=true or pass --debug to see the stack trace)",
    );
    expect(recorded.logger.lines).toEqual([]);

    const [debugHost, debugRecorded] = fakeHost({ mode: 'bug' }, {}, true);
    await runAction(echo, debugHost);
    expect(debugRecorded.logger.lines[0]?.message).toMatch(/^TypeError: Cannot read properties of undefined \(reading 'x'\)\n\s+at /);
  });

  it('refuses to write an output the action does not declare', async () => {
    const [host, recorded] = fakeHost({ mode: 'undeclared' });
    await runAction(echo, host);
    expect(recorded.failures[0]?.message).toMatch(/^internal error: output 'nope' is not declared by echo\./);
  });
});
