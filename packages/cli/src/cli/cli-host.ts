import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { ConsoleLogger, formatCount, formatLocation, type ActionHost } from '@modelgate/core';
import { readTextFileIfExists } from '../files.js';
import type { CliIO } from './main.js';

export interface CliHostOptions {
  io: CliIO;
  values: Record<string, string | undefined>;
  json: boolean;
  quiet: boolean;
  debug: boolean;
  env: NodeJS.ProcessEnv;
  /** Directory relative paths resolve against (default: the current directory). */
  workspace?: string;
  /** stderr is a terminal: draw progress. */
  tty?: boolean;
  /** The command's flag for each action input (`gates` → `gate`); messages name flags, not inputs. */
  flags?: Record<string, string>;
}

/**
 * Runs an action definition from the command line: flags are its inputs, the job summary
 * prints to the terminal, failures print one line. Same code path as on a runner.
 */
export class CliHost implements ActionHost {
  readonly logger: ConsoleLogger;
  readonly environment;
  readonly outputs: Record<string, string> = {};
  exitCode = 0;
  /** The failure line goes to stderr, right under the summary: no second copy in it. */
  readonly summarizesFailures = false;

  constructor(private readonly options: CliHostOptions) {
    // With --json stdout carries only the artifact, so progress goes to stderr.
    const info = options.json ? options.io.err : options.io.out;
    this.logger = new ConsoleLogger({ debug: options.debug, quiet: options.quiet, out: (line) => info(`${line}\n`), err: (line) => options.io.err(`${line}\n`) });
    const cwd = options.workspace ?? process.cwd();
    this.environment = {
      workspace: cwd,
      serverUrl: options.env['GITHUB_SERVER_URL'] || 'https://github.com',
      apiUrl: options.env['GITHUB_API_URL'] || 'https://api.github.com',
      tempDir: tmpdir(),
    };
  }

  readInput(name: string): string | undefined {
    return this.options.values[name];
  }

  setOutput(name: string, value: string): void {
    this.outputs[name] = value;
  }

  async appendSummary(markdown: string): Promise<void> {
    this.endProgress();
    if (!this.options.json && !this.options.quiet) this.options.io.out(`${markdown.trimEnd()}\n`);
  }

  readTextFile(path: string): Promise<string | undefined> {
    return readTextFileIfExists(resolve(this.environment.workspace, path), path);
  }

  private lastProgress = 0;
  private progressShown = false;

  /** A one-line counter on stderr, only when it is a terminal, at most ten redraws a second. */
  progress(label: string, done: number): void {
    if (!this.options.tty || this.options.quiet) return;
    const now = Date.now();
    if (now - this.lastProgress < 100) return;
    this.lastProgress = now;
    this.progressShown = true;
    this.options.io.err(`\r${label}: ${formatCount(done)} rows`);
  }

  /** Clear the progress line before other output. */
  endProgress(): void {
    if (this.progressShown) this.options.io.err('\r\x1b[K');
    this.progressShown = false;
  }

  /**
   * "input 'drift-share' …" as a command-line user knows it: "option '--drift-share' …". Only a
   * message that starts so is about an input (others may quote a model's or a node's input).
   */
  private inFlagTerms(message: string): string {
    const flags = this.options.flags;
    if (!flags) return message;
    return message.replace(/^input '([a-z0-9-]+)'/, (text, name: string) => (Object.hasOwn(flags, name) ? `option '--${flags[name]}'` : text));
  }

  setSecret(): void {
    // Nothing to mask in a terminal; the CLI never prints secrets.
  }

  fail(message: string, { location, exitCode }: { location?: { file?: string; line?: number }; exitCode: 1 | 2 }): void {
    this.endProgress();
    const where = formatLocation(location);
    this.options.io.err(`modelgate: ${where ? `${where}: ` : ''}${this.inFlagTerms(message)}\n`);
    this.exitCode = exitCode;
  }
}
