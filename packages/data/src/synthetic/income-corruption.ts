/**
 * Data-quality problems injected into the `corrupted` variant, planned up
 * front so the manifest is known without generating (or holding) the rows.
 */
import type { IncomeColumn } from './income.js';
import { Xoshiro128 } from './prng.js';

export type CorruptionKind =
  | 'out_of_range'
  | 'unseen_category'
  | 'missing_value'
  | 'non_numeric'
  | 'unknown_label'
  | 'duplicate_row';

export interface CorruptionEntry {
  /** 1-based physical line in the CSV file; the header is line 1, data row i (0-based) is line i + 2. */
  line: number;
  /** The damaged column, or null for whole-row problems (duplicate_row). */
  column: IncomeColumn | null;
  kind: CorruptionKind;
  /** Exact (unescaped) field text written, "" for an empty field; null for duplicate_row. */
  value: string | null;
  /** duplicate_row only: the line this line repeats byte-for-byte (always line - 1). */
  duplicateOf?: number;
}

/** What each kind writes and where. Values cycle per occurrence of the kind. */
export const CORRUPTION_SPEC: Readonly<
  Record<CorruptionKind, { column: IncomeColumn | null; values: readonly string[]; description: string }>
> = {
  out_of_range: {
    column: 'age',
    values: ['-1', '142', '-30'],
    description: 'age outside the 17-90 domain (negative or impossible)',
  },
  unseen_category: {
    column: 'workclass',
    values: ['Gig-economy'],
    description: 'workclass category never seen in train',
  },
  missing_value: {
    column: 'education',
    values: [''],
    description: 'empty field in a column that is otherwise always filled',
  },
  non_numeric: {
    column: 'hours_per_week',
    values: ['forty', '40 hrs', 'full-time'],
    description: 'non-numeric text in an integer column',
  },
  unknown_label: {
    column: 'income',
    values: ['>50K.', '<=50K.', 'unknown'],
    description: 'label outside {"<=50K", ">50K"} (the trailing dot mimics the real Adult test file)',
  },
  duplicate_row: {
    column: null,
    values: [],
    description: 'exact copy of the previous line',
  },
};

export const CORRUPTION_KINDS = Object.keys(CORRUPTION_SPEC) as CorruptionKind[];
/** Per kind, round(rows * rate) problems (at least 1) once rows >= CORRUPTION_MIN_ROWS; none below. */
export const CORRUPTION_RATE = 0.006;
export const CORRUPTION_MIN_ROWS = 50;

export function corruptionsPerKind(rows: number): number {
  return rows < CORRUPTION_MIN_ROWS ? 0 : Math.max(1, Math.round(rows * CORRUPTION_RATE));
}

/**
 * Choose distinct rows for every problem. Each damaged row is kept at least
 * one clean row away from any other, so a duplicate always copies a clean
 * row and every damaged line carries exactly one problem. Feasible because
 * 3 * total < rows whenever rows >= CORRUPTION_MIN_ROWS.
 */
export function planCorruptions(rows: number, seed: number, stream: number): CorruptionEntry[] {
  const perKind = corruptionsPerKind(rows);
  const rng = new Xoshiro128(seed, stream);
  const blocked = new Set<number>();
  const entries: CorruptionEntry[] = [];
  for (const kind of CORRUPTION_KINDS) {
    const spec = CORRUPTION_SPEC[kind];
    for (let k = 0; k < perKind; k++) {
      const lo = kind === 'duplicate_row' ? 1 : 0; // row 0 has no previous row to copy
      let row: number;
      do row = rng.intBetween(lo, rows - 1);
      while (blocked.has(row));
      blocked.add(row - 1).add(row).add(row + 1);
      const line = row + 2;
      entries.push(
        kind === 'duplicate_row'
          ? { line, column: null, kind, value: null, duplicateOf: line - 1 }
          : { line, column: spec.column, kind, value: spec.values[k % spec.values.length]! },
      );
    }
  }
  return entries.sort((a, b) => a.line - b.line);
}
