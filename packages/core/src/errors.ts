/**
 * Error classes shared by every package. The split decides what the user sees:
 * user-fixable errors (configuration, input data, usage) print one clean line;
 * anything else is a bug in modelgate and says so.
 */

/** Where in a user's file a problem is: rendered as `file:line:col` and as an annotation. */
export interface SourceLocation {
  file?: string;
  line?: number;
  column?: number;
  endLine?: number;
  /** Column, key or dotted path the problem is about (e.g. `gates[2]`, `age`). */
  field?: string;
}

export abstract class ModelgateError extends Error {
  readonly location: SourceLocation | undefined;
  /** Process exit code when this error ends a command. */
  abstract readonly exitCode: 1 | 2;

  constructor(message: string, location?: SourceLocation, options?: { cause?: unknown }) {
    super(message, options);
    this.location = location;
  }
}

/** The user's configuration (inputs, modelgate.yml, flags' values) is wrong. Exit 1. */
export class ConfigurationError extends ModelgateError {
  override readonly name = 'ConfigurationError';
  readonly exitCode = 1;
}

/** A data, model or artifact file the user handed in is malformed. Exit 1. */
export class InputDataError extends ModelgateError {
  override readonly name = 'InputDataError';
  readonly exitCode = 1;
}

/** The command line is wrong (unknown command or flag, missing argument). Exit 2. */
export class UsageError extends ModelgateError {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

export function isUserError(error: unknown): error is ModelgateError {
  return error instanceof ModelgateError;
}

/** `data/x.csv:1043:5` — the conventional compiler-style prefix editors and terminals link. */
export function formatLocation(location: SourceLocation | undefined): string {
  if (!location?.file) return '';
  let text = location.file;
  if (location.line !== undefined) {
    text += `:${location.line}`;
    if (location.column !== undefined) text += `:${location.column}`;
  }
  return text;
}

/**
 * One line for the user: `file:line: message`. Messages name their field themselves; newlines
 * are folded so a log line or annotation never splits.
 */
export function formatUserError(error: ModelgateError): string {
  const where = formatLocation(error.location);
  const message = oneLine(error.message);
  return where ? `${where}: ${message}` : message;
}

/** Message of anything thrown, without assuming it is an Error. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

export function oneLine(text: string): string {
  return text.replace(/\s*(?:\r\n?|\n)\s*/g, ' ').trim();
}
