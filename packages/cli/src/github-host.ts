import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { tmpdir } from 'node:os';
import * as core from '@actions/core';
import { type ActionHost, type AnnotationLocation, type Logger, type RunEnvironment } from '@modelgate/core';
import { readTextFileIfExists } from './files.js';

/** Logger that speaks the runner's workflow commands (annotations, groups, masked debug). */
export class ActionsLogger implements Logger {
  readonly isDebug = isDebugEnvironment(process.env);
  debug(message: string): void {
    // The runner hides ::debug:: lines unless debugging; not emitting them keeps logs small.
    if (this.isDebug) core.debug(message);
  }
  info(message: string): void {
    core.info(message);
  }
  warning(message: string, location?: AnnotationLocation): void {
    core.warning(message, annotationProperties(location));
  }
  error(message: string, location?: AnnotationLocation): void {
    core.error(message, annotationProperties(location));
  }
  group<T>(name: string, work: () => Promise<T>): Promise<T> {
    return core.group(name, work);
  }
}

/** ACTIONS_STEP_DEBUG as a repository secret becomes RUNNER_DEBUG=1 on the runner. */
export function isDebugEnvironment(env: NodeJS.ProcessEnv): boolean {
  return env['RUNNER_DEBUG'] === '1' || /^true$/i.test(env['ACTIONS_STEP_DEBUG'] ?? '');
}

/** The host an action bundle runs in on a GitHub runner (or anything that sets GITHUB_* the same way). */
export function createGitHubHost(env: NodeJS.ProcessEnv = process.env): ActionHost {
  const logger = new ActionsLogger();
  const environment = readRunEnvironment(env);
  return {
    logger,
    environment,
    readInput(name) {
      // Same lookup as core.getInput, without its `required` handling: zod decides.
      const value = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
      return value === undefined || value.trim() === '' ? undefined : value.trim();
    },
    setOutput: (name, value) => core.setOutput(name, value),
    appendSummary: async (markdown) => {
      if (!env['GITHUB_STEP_SUMMARY']) return;
      await core.summary.addRaw(markdown, true).write();
    },
    readTextFile: (path) => readTextFileIfExists(resolve(environment.workspace, path), path),
    setSecret: (value) => core.setSecret(value),
    fail(message, { location, exitCode }) {
      if (location?.file) {
        core.error(message, annotationProperties(location));
        process.exitCode = exitCode;
      } else {
        core.setFailed(message);
        process.exitCode = exitCode;
      }
    },
  };
}

export function readRunEnvironment(env: NodeJS.ProcessEnv): RunEnvironment {
  const eventPath = env['GITHUB_EVENT_PATH'];
  let event: Record<string, unknown> | undefined;
  if (eventPath) {
    // A payload we cannot read means the runner environment is broken: an internal error.
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(eventPath, 'utf8'));
    } catch (error) {
      throw new Error(`cannot read the event payload at GITHUB_EVENT_PATH (${(error as Error).message})`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the event payload at GITHUB_EVENT_PATH is not a JSON object');
    event = parsed as Record<string, unknown>;
  }
  const environment: RunEnvironment = {
    ...(event ? { event } : {}),
    workspace: env['GITHUB_WORKSPACE'] || process.cwd(),
    serverUrl: env['GITHUB_SERVER_URL'] || 'https://github.com',
    apiUrl: env['GITHUB_API_URL'] || 'https://api.github.com',
    tempDir: env['RUNNER_TEMP'] || tmpdir(),
    ...(env['RUNNER_TOOL_CACHE'] ? { toolCacheDir: env['RUNNER_TOOL_CACHE'] } : {}),
  };
  const fields: [keyof RunEnvironment, string][] = [
    ['eventName', 'GITHUB_EVENT_NAME'],
    ['eventPath', 'GITHUB_EVENT_PATH'],
    ['repository', 'GITHUB_REPOSITORY'],
    ['sha', 'GITHUB_SHA'],
    ['ref', 'GITHUB_REF'],
    ['workflow', 'GITHUB_WORKFLOW'],
    ['job', 'GITHUB_JOB'],
    ['runId', 'GITHUB_RUN_ID'],
    ['runAttempt', 'GITHUB_RUN_ATTEMPT'],
  ];
  for (const [field, key] of fields) {
    const value = env[key];
    if (value) (environment as unknown as Record<string, string>)[field] = value;
  }
  return environment;
}

function annotationProperties(location: AnnotationLocation | undefined): core.AnnotationProperties {
  if (!location) return {};
  return {
    ...(location.title ? { title: location.title } : {}),
    ...(location.file ? { file: location.file } : {}),
    ...(location.line !== undefined ? { startLine: location.line } : {}),
    ...(location.endLine !== undefined ? { endLine: location.endLine } : {}),
    ...(location.column !== undefined ? { startColumn: location.column } : {}),
  };
}
