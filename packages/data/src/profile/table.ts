/**
 * Whole-table profiles: one `ColumnProfiler` per column, fed `TableBatch`es, written as the body of
 * profile.json, merged across shards or files with `mergeProfiles`.
 */
import type { TableBatch, TableSource } from '../table.js';
import { typeOfMask } from './classify.js';
import { ColumnProfiler } from './column.js';
import { identitySlots } from './hash.js';
import { columnFromJson, columnToJson, type ColumnProfileJson, type ProfileJson } from './json.js';
import { resolveOptions, type ProfileOptions, type ResolvedOptions } from './options.js';

/** What a profile says about its rows: `rows` and `columns` of profile.json. */
export interface TableProfileJson {
  rows: number;
  columns: ColumnProfileJson[];
}

export class TableProfiler {
  readonly options: ResolvedOptions;
  readonly columns: ColumnProfiler[];
  rows = 0;

  constructor(columns: readonly string[], options: ProfileOptions | ResolvedOptions = {}) {
    this.options = 'kllM' in options ? options : resolveOptions(options);
    const seen = new Set<string>();
    for (const name of columns) {
      if (seen.has(name)) throw new Error(`duplicate column name '${name}'`);
      seen.add(name);
    }
    const slots = identitySlots(columns.length);
    this.columns = columns.map((name) => new ColumnProfiler(name, this.options, slots));
  }

  /** Profiles a batch whose columns are this profiler's, in the same order. */
  add(batch: TableBatch): void {
    this.startBatch(batch);
    for (let j = 0; j < this.columns.length; j += 1) this.addColumn(batch, j);
    this.endBatch(batch);
  }

  /**
   * `add` a column at a time (as a pass takes each column of a batch through all its consumers):
   * `startBatch`, then `addColumn` for every column, then `endBatch`.
   */
  startBatch(batch: TableBatch): void {
    if (batch.columns.length !== this.columns.length || batch.columns.some((name, j) => name !== this.columns[j]!.name)) {
      throw new Error(`batch columns [${batch.columns.join(', ')}] differ from the profiled columns [${this.columns.map((c) => c.name).join(', ')}]`);
    }
  }

  addColumn(batch: TableBatch, j: number): void {
    this.columns[j]!.add(batch.data[j]!, batch.rowCount, batch.codes?.[j]);
  }

  endBatch(batch: TableBatch): void {
    this.rows += batch.rowCount;
  }

  /** The columns whose type (as profile.json gives it) is int or float, without writing the profile. */
  numericColumns(): Set<string> {
    const numeric = new Set<string>();
    for (const column of this.columns) {
      const type = typeOfMask(column.kindMask());
      if (type === 'int' || type === 'float') numeric.add(column.name);
    }
    return numeric;
  }

  /**
   * Adds a profile of other rows. Columns are matched by name; a column only one side has is
   * missing on every row of the other side. `other` should not be used afterwards.
   */
  merge(other: TableProfiler): this {
    const mine = new Map(this.columns.map((c) => [c.name, c]));
    // Sets, not a search per column: a file may have 100 000 columns.
    const theirs = new Set(other.columns.map((c) => c.name));
    for (const column of this.columns) if (!theirs.has(column.name)) column.missing += other.rows;
    let slots: number | undefined;
    for (const column of other.columns) {
      const existing = mine.get(column.name);
      if (existing) existing.merge(column);
      else {
        // Only when a column is added (merging chunks of one file adds none): the union's width.
        slots ??= identitySlots(mine.size + other.columns.filter((c) => !mine.has(c.name)).length);
        const added = new ColumnProfiler(column.name, this.options, slots);
        added.missing = this.rows;
        this.columns.push(added.merge(column));
      }
    }
    this.rows += other.rows;
    return this;
  }

  toJSON(): TableProfileJson {
    return { rows: this.rows, columns: this.columns.map(columnToJson) };
  }

  static fromJSON(profile: TableProfileJson, options: ProfileOptions = {}): TableProfiler {
    const table = new TableProfiler([], options);
    table.rows = profile.rows;
    const slots = identitySlots(profile.columns.length);
    for (const column of profile.columns) {
      if (column.count + column.missing !== profile.rows) throw new Error(`profile of column '${column.name}': count + missing = ${column.count + column.missing}, but the profile has ${profile.rows} rows`);
      table.columns.push(columnFromJson(column, options, slots));
    }
    return table;
  }
}

/** Profiles every batch of a source (reads it once). */
export async function profileSource(source: TableSource | AsyncIterable<TableBatch>, options: ProfileOptions = {}): Promise<TableProfiler> {
  // The profiler reads coded cells by their codes.
  const batches = 'batches' in source ? source.batches({ codedCellsInData: false }) : source;
  let profiler: TableProfiler | undefined = 'batches' in source ? new TableProfiler(source.columns, options) : undefined;
  for await (const batch of batches) {
    profiler ??= new TableProfiler(batch.columns, options);
    profiler.add(batch);
  }
  return profiler ?? new TableProfiler([], options);
}

/**
 * Merges two profile.json documents of the same kind of data (e.g. shards, or daily files): rows
 * add up, columns merge by name, `source.files` are concatenated; the envelope is `a`'s.
 */
export function mergeProfiles(a: ProfileJson, b: ProfileJson, options: ProfileOptions = {}): ProfileJson {
  const merged = TableProfiler.fromJSON(a, options).merge(TableProfiler.fromJSON(b, options)).toJSON();
  return { ...a, source: { files: [...a.source.files, ...b.source.files] }, rows: merged.rows, columns: merged.columns };
}
