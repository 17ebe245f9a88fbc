import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseFileCommands } from './file-commands.js';
import { runnerFacts, type EventName } from './payloads.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface ActionRunOptions {
  /** `with:` values; action.yml defaults fill the rest, as the runner does. */
  inputs?: Record<string, string>;
  /** Files to create in the workspace (path → content). */
  files?: Record<string, string | Uint8Array>;
  event?: { name: EventName; payload: Record<string, unknown> };
  /** Raw text for the event payload file (to simulate a broken runner). */
  eventText?: string;
  apiUrl?: string;
  env?: Record<string, string>;
  /** Directory holding the bundle (default: the repo's dist/). */
  distDir?: string;
  timeoutMs?: number;
  /** Sends `signal` to the action once `whenExists` (workspace-relative) exists, as a cancelled run does. */
  interrupt?: { whenExists: string; signal: NodeJS.Signals };
}

export interface ActionRun {
  exitCode: number | null;
  /** The signal that ended the process, if one did. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Raw GITHUB_OUTPUT file and its parsed values. */
  outputFile: string;
  outputs: Record<string, string>;
  summary: string;
  state: string;
  workspace: string;
}

/** Declared inputs of an action with their defaults, read from its action.yml. */
export function actionYamlInputs(name: string): Record<string, { default?: string; required?: boolean; description: string }> {
  const document = parse(readFileSync(join(REPO_ROOT, 'actions', name, 'action.yml'), 'utf8')) as { inputs?: Record<string, { default?: string; required?: boolean; description: string }> };
  return document.inputs ?? {};
}

/** Runs `node dist/<name>.js` the way the Actions runner does for `uses: ./actions/<name>`. */
export async function runActionBundle(name: string, options: ActionRunOptions = {}): Promise<ActionRun> {
  const base = mkdtempSync(join(tmpdir(), `modelgate-${name}-`));
  const workspace = join(base, 'workspace');
  const runnerTemp = join(base, 'runner-temp');
  const commands = join(base, 'file-commands');
  const machineTemp = join(base, 'tmp');
  for (const dir of [workspace, runnerTemp, commands, machineTemp]) mkdirSync(dir, { recursive: true });
  for (const [path, content] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(workspace, path)), { recursive: true });
    writeFileSync(join(workspace, path), content);
  }
  const files = { output: join(commands, 'output'), summary: join(commands, 'summary'), state: join(commands, 'state'), env: join(commands, 'env'), path: join(commands, 'path') };
  for (const file of Object.values(files)) writeFileSync(file, '');

  const env: Record<string, string> = {
    // The machine's trust and proxy settings pass through, as they would on a self-hosted runner.
    ...Object.fromEntries(
      ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy']
        .filter((name) => process.env[name] !== undefined)
        .map((name) => [name, process.env[name]!]),
    ),
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? base,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: options.apiUrl ?? 'http://127.0.0.1:9',
    GITHUB_GRAPHQL_URL: `${options.apiUrl ?? 'http://127.0.0.1:9'}/graphql`,
    GITHUB_WORKFLOW: 'model CI',
    GITHUB_JOB: 'gate',
    GITHUB_ACTION: `__self_${name.replace(/-/g, '_')}`,
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'Codertocat',
    RUNNER_TEMP: runnerTemp,
    // The machine's temp directory (os.tmpdir(), and the native libraries'), checked like RUNNER_TEMP.
    TMPDIR: machineTemp,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
  };
  if (options.event || options.eventText !== undefined) {
    const eventPath = join(base, 'event.json');
    writeFileSync(eventPath, options.eventText ?? JSON.stringify(options.event?.payload));
    env['GITHUB_EVENT_PATH'] = eventPath;
  }
  if (options.event) {
    const facts = runnerFacts(options.event.name, options.event.payload);
    Object.assign(env, { GITHUB_EVENT_NAME: options.event.name, GITHUB_REPOSITORY: facts.repository, GITHUB_SHA: facts.sha, GITHUB_REF: facts.ref });
  }
  for (const [input, spec] of Object.entries(actionYamlInputs(name))) {
    const value = options.inputs?.[input] ?? spec.default;
    if (value !== undefined) env[`INPUT_${input.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  for (const input of Object.keys(options.inputs ?? {})) {
    if (!(input in actionYamlInputs(name))) throw new Error(`test passes input '${input}' that actions/${name}/action.yml does not declare`);
  }
  Object.assign(env, options.env);

  const entry = join(options.distDir ?? join(REPO_ROOT, 'dist'), `${name}.js`);
  const interrupt = options.interrupt ? { ...options.interrupt, whenExists: join(workspace, options.interrupt.whenExists) } : undefined;
  const { exitCode, signal, stdout, stderr } = await spawnNode(entry, env, workspace, options.timeoutMs ?? 60_000, interrupt);
  // Actions clean up after themselves: outside GitHub's runners nothing empties the temp directories.
  for (const [label, dir] of [['RUNNER_TEMP', runnerTemp], ['TMPDIR', machineTemp]] as const) {
    const leftovers = readdirSync(dir);
    if (leftovers.length > 0) throw new Error(`${name} left ${leftovers.join(', ')} in ${label}\n${stdout}\n${stderr}`);
  }
  const outputFile = readFileSync(files.output, 'utf8');
  return {
    exitCode,
    signal,
    stdout,
    stderr,
    outputFile,
    outputs: parseFileCommands(outputFile),
    summary: readFileSync(files.summary, 'utf8'),
    state: readFileSync(files.state, 'utf8'),
    workspace,
  };
}

function spawnNode(
  entry: string,
  env: Record<string, string>,
  cwd: string,
  timeoutMs: number,
  interrupt: ActionRunOptions['interrupt'],
): Promise<{ exitCode: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [entry], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const watch = interrupt
      ? setInterval(() => {
          if (!existsSync(interrupt.whenExists)) return;
          clearInterval(watch);
          child.kill(interrupt.signal);
        }, 20)
      : undefined;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      clearInterval(watch);
      resolvePromise({ exitCode, signal, stdout, stderr });
    });
  });
}
