/** Collecting checker problems, and small helpers for reading decoded (or plain-object) messages. */
import type { CheckProblem } from '../checker.js';

/** More problems than this are summarised in one last entry instead of listed (a broken 1M-node graph). */
export const MAX_LISTED_PROBLEMS = 10_000;

export class Problems {
  readonly list: CheckProblem[] = [];
  private droppedErrors = 0;
  private droppedWarnings = 0;

  error(where: string, message: string): void {
    if (this.list.length < MAX_LISTED_PROBLEMS) this.list.push({ severity: 'error', message, where });
    else this.droppedErrors += 1;
  }

  warning(where: string, message: string): void {
    if (this.list.length < MAX_LISTED_PROBLEMS) this.list.push({ severity: 'warning', message, where });
    else this.droppedWarnings += 1;
  }

  /** The listed problems plus, when some were not listed, one entry counting them. */
  finish(): CheckProblem[] {
    const dropped = this.droppedErrors + this.droppedWarnings;
    if (dropped === 0) return this.list;
    return [
      ...this.list,
      {
        severity: this.droppedErrors > 0 ? 'error' : 'warning',
        where: 'model',
        message: `${dropped} more problems (${this.droppedErrors} errors) were found but not listed`,
      },
    ];
  }
}

/** A name quoted for a one-line message: control characters escaped, very long names shortened. */
export function q(name: string | undefined | null): string {
  const text = (name ?? '').replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `'${text.length > 160 ? `${text.slice(0, 157)}…` : text}'`;
}

/** True when a proto2 optional field is present (own property, not the prototype default). */
export function has(message: object, field: string): boolean {
  const value = (message as Record<string, unknown>)[field];
  return value !== undefined && value !== null && Object.prototype.hasOwnProperty.call(message, field);
}

const EMPTY: readonly never[] = Object.freeze([]);

/** A repeated field, tolerating plain objects that leave it out. */
export function list<T>(values: readonly T[] | undefined | null): readonly T[] {
  return values ?? EMPTY;
}

/** '' and 'ai.onnx' name the same (default) operator-set domain. */
export function normalizeDomain(domain: string | undefined | null): string {
  return !domain || domain === 'ai.onnx' ? '' : domain;
}

export function domainLabel(domain: string): string {
  return domain === '' ? "'' (ai.onnx)" : q(domain);
}
