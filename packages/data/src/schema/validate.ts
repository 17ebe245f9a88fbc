/**
 * Validate data against a schema.json, batch by batch (memory flat in the file size), with the
 * anomaly kinds of TFDV. Every anomaly keeps up to `maxSamples` example rows with their file
 * line, so CI can annotate the exact line of the PR diff.
 */
import type { z } from 'zod';
import { shownValue, type Anomaly, type ColumnSchema, type DataSchemaFile } from '@modelgate/core';
import { identitySlots, stringSlot } from '../profile/hash.js';
import { TextCache } from '../text-cache.js';
import { cellAt, codeCounts, columnIndexes, type Cell, type CellDictionary, type TableBatch } from '../table.js';
import { checker, type Verdict } from './checks.js';

type Schema = z.output<typeof DataSchemaFile>;
type Column = z.output<typeof ColumnSchema>;
export type AnomalyRecord = z.output<typeof Anomaly>;

export interface ValidateOptions {
  /** e.g. SERVING: columns `not_in` it are not expected (the label in serving data). */
  environment?: string;
  /** The label column: not expected in SERVING, as if the schema marked it `not_in: [SERVING]`. */
  label?: string;
  /** Example rows kept per anomaly (default 5). */
  maxSamples?: number;
  /** Report exact duplicate rows (off by default: costs a hash per row). */
  duplicateRows?: boolean;
}

/** Cached "checked, fine": one lookup per cell instead of get() + has(). */
const FINE = { kind: 'type_mismatch', reason: '' } as const;
/** Direct-mapped identity cache in front of the per-column Map. */

interface Tally {
  count: number;
  samples: { file: string; line: number; value?: string; reason?: string }[];
  reasons: Map<string, number>;
}

/**
 * What a validator found in its rows, in a form that crosses threads (structured clone): one
 * validator per chunk of a file, absorbed in file order, finds what one validator over the whole
 * file finds.
 */
export interface ValidatorState {
  rows: number;
  /** Per checked column, in schema order: non-missing cells and the missing ones. */
  present: number[];
  missing: Tally[];
  /** `column \0 kind` → tally, in order of first occurrence. */
  tallies: [string, Tally][];
}

/** A schema column found in the data: its check, caches and counts. */
interface ActiveColumn {
  column: Column;
  index: number;
  check: (cell: Cell) => Verdict;
  cache: TextCache<NonNullable<Verdict>>;
  slotCells: (string | null)[];
  slotVerdicts: (NonNullable<Verdict> | undefined)[];
  /** Verdict per code of `codedBy` (the reader's codes: see ColumnCodes). */
  codeVerdicts: (NonNullable<Verdict> | undefined)[];
  codedBy: CellDictionary | null;
  present: number;
  missingSamples: Tally;
}

/**
 * Whether a column is expected in the data's environment: not when the schema marks it `not_in`
 * that environment, nor the label in SERVING (a schema inferred without `--label` does not mark it).
 */
export function expectedInEnvironment(column: Pick<Column, 'name' | 'environments'>, options: Pick<ValidateOptions, 'environment' | 'label'>): boolean {
  if (!options.environment) return true;
  if (options.environment === 'SERVING' && column.name === options.label) return false;
  return !column.environments?.not_in?.includes(options.environment);
}

export class SchemaValidator {
  private readonly maxSamples: number;
  private readonly active: ActiveColumn[] = [];
  /** The active column at each index of the data's columns (undefined: not in the schema, or not checked in this environment). */
  private readonly activeAt: (ActiveColumn | undefined)[];
  private readonly tallies = new Map<string, Tally>();
  private readonly structural: AnomalyRecord[] = [];
  private readonly seenRows = new Map<string, number>();
  private duplicates: Tally | undefined;
  rows = 0;

  constructor(
    schema: Schema,
    columns: readonly string[],
    private readonly file: string,
    options: ValidateOptions = {},
  ) {
    this.maxSamples = options.maxSamples ?? 5;
    // schema.json's contract refuses this (DataSchemaFile); a schema built in code must too, or a
    // column's findings would be split between two entries.
    const named = new Set<string>();
    for (const column of schema.columns) {
      if (named.has(column.name)) throw new Error(`schema lists column '${column.name}' twice`);
      named.add(column.name);
    }
    const indexes = columnIndexes(columns);
    const slots = identitySlots(columns.length);
    this.activeAt = columns.map(() => undefined);
    for (const column of schema.columns) {
      if (!expectedInEnvironment(column, options)) continue;
      const index = indexes.get(column.name);
      if (index === undefined) {
        const required = column.presence.min_fraction > 0;
        this.structural.push({
          kind: 'missing_column',
          column: column.name,
          severity: required ? 'error' : 'warning',
          count: 0,
          description: `column '${column.name}' (${column.type}) is missing from ${file}`,
          samples: [],
        });
        continue;
      }
      const entry: ActiveColumn = {
        column,
        index,
        check: checker(column),
        cache: new TextCache(),
        slotCells: new Array<string | null>(slots).fill(null),
        slotVerdicts: new Array<NonNullable<Verdict> | undefined>(slots).fill(undefined),
        codeVerdicts: [],
        codedBy: null,
        present: 0,
        missingSamples: { count: 0, samples: [], reasons: new Map() },
      };
      this.active.push(entry);
      this.activeAt[index] = entry;
    }
    for (const name of columns) {
      if (!named.has(name)) this.structural.push({ kind: 'new_column', column: name, severity: 'warning', count: 0, description: `column '${name}' is not in the schema`, samples: [] });
    }
    if (options.duplicateRows) this.duplicates = { count: 0, samples: [], reasons: new Map() };
  }

  addBatch(batch: TableBatch): void {
    for (const entry of this.active) entry.present += this.addColumn(entry, batch);
    this.endBatch(batch);
  }

  /**
   * `addBatch` a column at a time (as a pass takes each column of a batch through all its
   * consumers): `checkColumn` for every column of the data, then `endBatch`. Findings do not
   * depend on the order: each column's are its own, and `finish` lists them column by column.
   */
  checkColumn(batch: TableBatch, index: number): void {
    const entry = this.activeAt[index];
    if (entry !== undefined) entry.present += this.addColumn(entry, batch);
  }

  endBatch(batch: TableBatch): void {
    if (this.duplicates) this.findDuplicates(batch);
    this.rows += batch.rowCount;
  }

  /**
   * Checks a batch's cells of one column; returns how many are present. The row loop is a function
   * of its own (checkRows), not a loop in here or in its callers: V8 compiles a long loop while it
   * runs the first time, and each branch around it that had not run yet bailed out of the compiled
   * code when it first did, and had it compiled again. With the loop in addBatch that took 42-47 ms
   * of compiling per thread, 26-35 ms now (--predictable --trace-opt, runs side by side); with two
   * threads, compiling takes its time from the work.
   */
  private addColumn(entry: ActiveColumn, batch: TableBatch): number {
    const coded = batch.codes?.[entry.index];
    if (coded && coded.dictionary !== entry.codedBy) {
      entry.codedBy = coded.dictionary;
      entry.codeVerdicts = [];
    }
    const codeVerdicts = entry.codeVerdicts;
    // Codes the dictionary has now are all a batch can hold: the array is not grown in the loop.
    if (coded) while (codeVerdicts.length < coded.dictionary.values.length) codeVerdicts.push(undefined);
    // Every cell has a code, and every code in the batch is known to be fine (from codeCounts):
    // all are present, nothing to check one by one.
    const perCode = coded !== undefined && coded.codes.length === batch.rowCount ? codeCounts(coded) : undefined;
    if (perCode !== undefined && perCode[0] === 0 && allFine(perCode, codeVerdicts)) return batch.rowCount;
    return checkRows(this, entry, batch, coded?.codes);
  }

  /** This validator's findings so far (duplicate rows aside: they need the whole file in one validator). */
  exportState(): ValidatorState {
    return {
      rows: this.rows,
      present: this.active.map((entry) => entry.present),
      missing: this.active.map((entry) => entry.missingSamples),
      tallies: [...this.tallies],
    };
  }

  /**
   * Adds the findings of the rows that follow this validator's (the next chunk of the same file,
   * checked against the same schema); `lineShift` turns that chunk's line numbers into the file's.
   */
  absorb(state: ValidatorState, lineShift: number): void {
    if (this.duplicates) throw new Error('a validator that looks for duplicate rows cannot absorb another one');
    if (state.present.length !== this.active.length) throw new Error(`validator state has ${state.present.length} columns, expected ${this.active.length}`);
    this.active.forEach((entry, i) => {
      entry.present += state.present[i]!;
      this.absorbTally(entry.missingSamples, state.missing[i]!, lineShift);
    });
    for (const [key, tally] of state.tallies) {
      let mine = this.tallies.get(key);
      if (!mine) this.tallies.set(key, (mine = { count: 0, samples: [], reasons: new Map() }));
      this.absorbTally(mine, tally, lineShift);
    }
    this.rows += state.rows;
  }

  private absorbTally(into: Tally, from: Tally, lineShift: number): void {
    into.count += from.count;
    for (const sample of from.samples) {
      if (into.samples.length >= this.maxSamples) break;
      into.samples.push({ ...sample, line: sample.line + lineShift });
    }
    for (const [reason, count] of from.reasons) into.reasons.set(reason, (into.reasons.get(reason) ?? 0) + count);
  }

  /** Anomalies found, structural ones first, then by column order and kind. */
  finish(): AnomalyRecord[] {
    const anomalies = [...this.structural];
    for (const entry of this.active) {
      const { column } = entry;
      for (const [key, tally] of this.tallies) {
        const [name, kind] = key.split('\u0000') as [string, AnomalyRecord['kind']];
        if (name !== column.name) continue;
        anomalies.push(this.toAnomaly(column, kind, tally, entry.present));
      }
      const fraction = this.rows === 0 ? 1 : entry.present / this.rows;
      if (fraction < column.presence.min_fraction || (column.presence.min_count !== undefined && entry.present < column.presence.min_count)) {
        anomalies.push({
          kind: 'low_fraction_present',
          column: column.name,
          severity: 'error',
          count: entry.missingSamples.count,
          description: `column '${column.name}' is present in ${(fraction * 100).toFixed(2)}% of rows, schema requires ${(column.presence.min_fraction * 100).toFixed(2)}%`,
          samples: entry.missingSamples.samples,
        });
      }
    }
    if (this.duplicates && this.duplicates.count > 0) {
      anomalies.push({ kind: 'duplicate_rows', severity: 'warning', count: this.duplicates.count, description: `${this.duplicates.count} rows repeat an earlier row exactly`, samples: this.duplicates.samples });
    }
    return anomalies;
  }

  private toAnomaly(column: Column, kind: AnomalyRecord['kind'], tally: Tally, present: number): AnomalyRecord {
    const reasons = [...tally.reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([reason, count]) => `${reason}${count > 1 ? ` (${count}×)` : ''}`);
    let severity: AnomalyRecord['severity'] = 'error';
    if (kind === 'unexpected_string_value' && column.min_domain_mass !== undefined && present > 0) {
      // Below min_domain_mass only is the domain broken; stray values within it are a warning.
      severity = (present - tally.count) / present >= column.min_domain_mass ? 'warning' : 'error';
    }
    return {
      kind,
      column: column.name,
      severity,
      count: tally.count,
      description: `${tally.count} value${tally.count === 1 ? '' : 's'} of '${column.name}': ${reasons.join(', ')}`,
      samples: tally.samples,
    };
  }

  /** Counts and samples an anomaly (called by checkCell). */
  record(column: string, verdict: NonNullable<Verdict>, line: number, value: Exclude<Cell, null>): void {
    const key = `${column}\u0000${verdict.kind}`;
    let tally = this.tallies.get(key);
    if (!tally) this.tallies.set(key, (tally = { count: 0, samples: [], reasons: new Map() }));
    tally.reasons.set(verdict.reason, (tally.reasons.get(verdict.reason) ?? 0) + 1);
    this.sample(tally, line, value, verdict.reason);
  }

  /** Counts a finding and keeps it as a sample while there are fewer than maxSamples (called by checkCell too). */
  sample(tally: Tally, line: number, value: Exclude<Cell, null> | undefined, reason?: string): void {
    tally.count += 1;
    // Shortened only when kept (see shownValue).
    if (tally.samples.length < this.maxSamples) tally.samples.push({ file: this.file, line, ...(value !== undefined ? { value: shownValue(value) } : {}), ...(reason ? { reason } : {}) });
  }

  private findDuplicates(batch: TableBatch): void {
    for (let i = 0; i < batch.rowCount; i += 1) {
      let key = '';
      for (let j = 0; j < batch.data.length; j += 1) key += `${String(cellAt(batch, j, i))}\u0001`;
      const first = this.seenRows.get(key);
      if (first === undefined) this.seenRows.set(key, batch.lines[i]!);
      else this.sample(this.duplicates!, batch.lines[i]!, undefined, `same as line ${first}`);
    }
  }
}

/** Checks the column's cells of a batch, but those of codes known to be fine; returns how many are present. */
function checkRows(validator: SchemaValidator, entry: ActiveColumn, batch: TableBatch, codes: Int32Array | undefined): number {
  const codeVerdicts = entry.codeVerdicts;
  const rows = batch.rowCount;
  let present = 0;
  for (let i = 0; i < rows; i += 1) {
    const code = codes === undefined ? -1 : codes[i]!;
    if (code >= 0 && codeVerdicts[code] === FINE) present += 1;
    else present += checkCell(validator, entry, batch, i, code);
  }
  return present;
}

/** Checks the cell of row `i` (code: -1 for none) and records what is wrong; 0 when it is missing, else 1. */
function checkCell(validator: SchemaValidator, entry: ActiveColumn, batch: TableBatch, i: number, code: number): number {
  // A coded cell is read from its dictionary (the batch may leave it out: see BatchOptions).
  const cell = code >= 0 ? batch.codes![entry.index]!.dictionary.values[code]! : batch.data[entry.index]![i]!;
  if (cell === null) {
    validator.sample(entry.missingSamples, batch.lines[i]!, undefined, 'missing');
    return 0;
  }
  let verdict: Verdict;
  if (typeof cell === 'string') {
    let cached: NonNullable<Verdict> | undefined;
    if (entry.cache.dropped) {
      // The column's values rarely repeat (a float, an id): the slot table would rarely hit
      // either, and storing each fresh string in it only makes work for the garbage collector.
      cached = entry.check(cell) ?? FINE;
    } else {
      // The readers hand out one string object per repeated value: an identity hit in the slot
      // table skips hashing the string for the Map.
      const slot = stringSlot(cell, entry.slotCells.length);
      cached = entry.slotCells[slot] === cell ? entry.slotVerdicts[slot] : undefined;
      if (cached === undefined) {
        cached = entry.cache.get(cell);
        if (cached === undefined) {
          cached = entry.check(cell) ?? FINE;
          entry.cache.set(cell, cached);
        }
        entry.slotCells[slot] = cell;
        entry.slotVerdicts[slot] = cached;
      }
    }
    if (code >= 0) entry.codeVerdicts[code] = cached;
    if (cached === FINE) return 1;
    verdict = cached;
  } else {
    verdict = entry.check(cell);
    // Parquet's numbers can be coded too (a dictionary page's indices).
    if (code >= 0) entry.codeVerdicts[code] = verdict ?? FINE;
  }
  if (verdict) validator.record(entry.column.name, verdict, batch.lines[i]!, cell);
  return 1;
}

/** Whether every code with cells (see codeCounts) has the verdict FINE. */
function allFine(perCode: Int32Array, codeVerdicts: readonly (NonNullable<Verdict> | undefined)[]): boolean {
  for (let code = 0; code + 1 < perCode.length; code += 1) if (perCode[code + 1]! > 0 && codeVerdicts[code] !== FINE) return false;
  return true;
}
