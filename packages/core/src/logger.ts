import { formatLocation, type SourceLocation } from './errors.js';

/**
 * Everything in modelgate logs through this interface, never through `@actions/core` or
 * `console` directly: the action entry hands in a logger that emits workflow commands,
 * the CLI one that prints plain lines.
 */
export interface Logger {
  readonly isDebug: boolean;
  debug(message: string): void;
  info(message: string): void;
  /** A warning; with a location it becomes an annotation on that file line in the PR. */
  warning(message: string, location?: AnnotationLocation): void;
  error(message: string, location?: AnnotationLocation): void;
  group<T>(name: string, work: () => Promise<T>): Promise<T>;
}

export interface AnnotationLocation extends SourceLocation {
  title?: string;
}

export interface ConsoleLoggerOptions {
  debug?: boolean;
  /** Where informational lines go (stdout by default) and where warnings/errors go (stderr). */
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** Suppress info lines (warnings and errors still print). */
  quiet?: boolean;
}

/** Plain-text logger for the CLI and non-GitHub CI: `warning: file:12: message`. */
export class ConsoleLogger implements Logger {
  readonly isDebug: boolean;
  private readonly out: (line: string) => void;
  private readonly err: (line: string) => void;
  private readonly quiet: boolean;

  constructor(options: ConsoleLoggerOptions = {}) {
    this.isDebug = options.debug ?? false;
    this.out = options.out ?? ((line) => process.stdout.write(`${line}\n`));
    this.err = options.err ?? ((line) => process.stderr.write(`${line}\n`));
    this.quiet = options.quiet ?? false;
  }

  debug(message: string): void {
    if (this.isDebug) this.err(`debug: ${message}`);
  }

  info(message: string): void {
    if (!this.quiet) this.out(message);
  }

  warning(message: string, location?: AnnotationLocation): void {
    this.err(`warning: ${prefixed(message, location)}`);
  }

  error(message: string, location?: AnnotationLocation): void {
    this.err(`error: ${prefixed(message, location)}`);
  }

  async group<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.info(`== ${name}`);
    return work();
  }
}

/** A logger that keeps lines in memory; for tests of pure code that logs. */
export class MemoryLogger implements Logger {
  readonly lines: { level: 'debug' | 'info' | 'warning' | 'error'; message: string; location?: AnnotationLocation }[] = [];
  constructor(readonly isDebug = false) {}
  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  warning(message: string, location?: AnnotationLocation): void {
    this.lines.push({ level: 'warning', message, ...(location ? { location } : {}) });
  }
  error(message: string, location?: AnnotationLocation): void {
    this.lines.push({ level: 'error', message, ...(location ? { location } : {}) });
  }
  async group<T>(_name: string, work: () => Promise<T>): Promise<T> {
    return work();
  }
}

function prefixed(message: string, location: AnnotationLocation | undefined): string {
  const where = formatLocation(location);
  return where ? `${where}: ${message}` : message;
}
