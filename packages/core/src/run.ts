import { ConfigurationError, errorMessage, formatUserError, isUserError, oneLine, type SourceLocation } from './errors.js';
import { parseConfig, type Config } from './config.js';
import { input, parseInputs, type InputShape, type ParsedInputs, type RawInput } from './inputs.js';
import type { Logger } from './logger.js';
import { escapeMarkdownText } from './markdown.js';

/**
 * The contract every action entry follows: zod-parsed inputs → work → outputs and job summary.
 * `runAction` is pure with respect to its host; the GitHub runner host (in packages/cli) and
 * test hosts implement `ActionHost`.
 */

/** Facts about the run that the host reads from its environment (GITHUB_* on a runner). */
export interface RunEnvironment {
  /** Directory relative paths resolve against (GITHUB_WORKSPACE or the cwd). */
  workspace: string;
  eventName?: string;
  eventPath?: string;
  /** The webhook payload at `eventPath`, parsed once by the host (a JSON object). */
  event?: Record<string, unknown>;
  repository?: string;
  sha?: string;
  ref?: string;
  workflow?: string;
  job?: string;
  runId?: string;
  runAttempt?: string;
  serverUrl: string;
  apiUrl: string;
  /** Where actions may keep files between steps (RUNNER_TEMP). */
  tempDir: string;
  /** Where provisioned tools live across jobs (RUNNER_TOOL_CACHE); undefined outside a runner. */
  toolCacheDir?: string;
}

export interface ActionHost {
  readonly logger: Logger;
  readonly environment: RunEnvironment;
  readInput(name: string): RawInput;
  setOutput(name: string, value: string): void;
  appendSummary(markdown: string): Promise<void>;
  /** Text of a file relative to the workspace, or undefined when it does not exist. */
  readTextFile(path: string): Promise<string | undefined>;
  /** Mask a value in all later log output. */
  setSecret(value: string): void;
  /** Progress of long work (rows read, rows scored); hosts without a terminal ignore it. */
  progress?(label: string, done: number): void;
  /** End the step as failed: one annotation (at `location` if given) and the exit code. */
  fail(message: string, options: { location?: SourceLocation; exitCode: 1 | 2 }): void;
  /**
   * false: the summary gets no "failed" section for an error, because `fail` already shows it
   * where the summary goes (a terminal). Default true (the job summary page needs it).
   */
  readonly summarizesFailures?: boolean;
}

export type OutputValue = string | number | boolean | null | undefined | object;

export interface ActionContext<S extends InputShape, O extends string> {
  inputs: ParsedInputs<S>;
  logger: Logger;
  environment: RunEnvironment;
  /** modelgate.yml when present (inputs override it), and the path it was read from. */
  config: Config | undefined;
  configFile: string | undefined;
  setOutput(name: O, value: OutputValue): void;
  /** Markdown for the job summary; collected and written once, also when the step fails. */
  summary: string[];
  setSecret(value: string): void;
  /** Report progress of long work; a no-op where nobody watches. */
  progress(label: string, done: number): void;
}

/** What a successful run may report: `failed` ends the step red without being an error (a gate did not pass). */
export interface ActionOutcome {
  failed?: string;
}

export interface ActionDefinition<S extends InputShape = InputShape, O extends string = string> {
  /** Folder name under actions/ and bundle stub name. */
  name: string;
  /** Title used in action.yml `name:`. */
  title: string;
  description: string;
  branding: { icon: string; color: string };
  inputs: S;
  outputs: Record<O, string>;
  run(context: ActionContext<S, O>): Promise<ActionOutcome | void>;
}

/** Identity helper that keeps input and output names typed. */
export function defineAction<S extends InputShape, O extends string>(definition: ActionDefinition<S, O>): ActionDefinition<S, O> {
  return definition;
}

export const BUG_REPORT_HINT = 'This is a bug in modelgate; please report it with the log of this step.';

export async function runAction<S extends InputShape, O extends string>(definition: ActionDefinition<S, O>, host: ActionHost): Promise<void> {
  const summary: string[] = [];
  const setOutput = (name: O, value: OutputValue): void => {
    if (!(name in definition.outputs)) throw new Error(`output '${name}' is not declared by ${definition.name}`);
    host.setOutput(name, formatOutput(value));
  };
  try {
    const read = (name: string): RawInput => host.readInput(name);
    const common = parseInputs(COMMON_INPUTS, read);
    const inputs = parseInputs(definition.inputs, read);
    const { config, configFile } = await loadConfig(host, common.config ?? DEFAULT_CONFIG_FILE, common.config !== undefined);
    const outcome = await definition.run({
      inputs,
      logger: host.logger,
      environment: host.environment,
      config,
      configFile,
      setOutput,
      summary,
      setSecret: (value) => host.setSecret(value),
      progress: (label, done) => host.progress?.(label, done),
    });
    await writeSummary(host, summary);
    if (outcome?.failed) host.fail(oneLine(outcome.failed), { exitCode: 1 });
  } catch (error) {
    const failure = describeFailure(error, host.logger.isDebug);
    if (failure.stack) host.logger.info(failure.stack);
    if (host.summarizesFailures !== false) summary.push(`### ❌ ${definition.title} failed\n\n${escapeMarkdownText(failure.message)}\n`);
    await writeSummary(host, summary);
    host.fail(failure.message, { ...(failure.location ? { location: failure.location } : {}), exitCode: failure.exitCode });
  }
}

export const DEFAULT_CONFIG_FILE = 'modelgate.yml';

/** Inputs every action has, handled here rather than by each action. */
export const COMMON_INPUTS = {
  // No declared default: the runner would pass it as if the user had, and a missing default
  // file is fine while a missing named one is an error.
  config: input.string({
    description: 'Path of modelgate.yml (default: modelgate.yml when it exists). Inputs override its values.',
  }),
};

async function loadConfig(host: ActionHost, path: string, explicit: boolean): Promise<{ config: Config | undefined; configFile: string | undefined }> {
  const text = await host.readTextFile(path);
  if (text === undefined) {
    if (explicit) throw new ConfigurationError(`config file '${path}' does not exist`, { field: 'config' });
    return { config: undefined, configFile: undefined };
  }
  host.logger.debug(`using configuration from ${path}`);
  return { config: parseConfig(text, path), configFile: path };
}

export interface FailureDescription {
  message: string;
  location?: SourceLocation;
  exitCode: 1 | 2;
  /** Only in debug mode, and only for internal errors. */
  stack?: string;
}

/** One user-facing line for any thrown value; the stack only when debugging an internal error. */
export function describeFailure(error: unknown, debug: boolean): FailureDescription {
  if (isUserError(error)) {
    const location = error.location?.file ? error.location : undefined;
    return {
      // With an annotation location the file and line travel in the annotation, not the text.
      message: location ? oneLine(error.message) : formatUserError(error),
      ...(location ? { location } : {}),
      exitCode: error.exitCode,
      ...(debug && error.stack ? { stack: error.stack } : {}),
    };
  }
  const hint = debug ? '' : ' (set ACTIONS_STEP_DEBUG=true or pass --debug to see the stack trace)';
  return {
    message: `internal error: ${oneLine(errorMessage(error))}. ${BUG_REPORT_HINT}${hint}`,
    exitCode: 1,
    ...(debug && error instanceof Error && error.stack ? { stack: error.stack } : {}),
  };
}

function formatOutput(value: OutputValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

async function writeSummary(host: ActionHost, summary: string[]): Promise<void> {
  if (summary.length === 0) return;
  const text = summary.join('\n');
  summary.length = 0;
  try {
    await host.appendSummary(text);
  } catch (error) {
    // The summary is a convenience; failing to write it must not hide the real result.
    host.logger.warning(`could not write the job summary: ${errorMessage(error)}`);
  }
}
