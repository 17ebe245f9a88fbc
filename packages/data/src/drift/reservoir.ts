import { classifyString, FLOAT, INT, parsed } from '../profile/classify.js';
import { selectSmallest } from '../quickselect.js';
import { NumbersByCode, type Cell, type CellDictionary, type ColumnCodes, type TableBatch } from '../table.js';
import { TextCache } from '../text-cache.js';

/** A sample in transit between threads: keys and values, same length. */
export interface SampleState {
  keys: Float64Array;
  values: Float64Array;
  /** No key is larger (the largest, but after a partial bulk merge; 0 when there is none). */
  largest: number;
  /** The part saw a value that is not a number: the column is not numeric (see NumericReservoir). */
  stopped?: boolean;
}

/**
 * A uniform sample of a numeric column's finite values, at most `capacity` long: every row draws a
 * random key (RowSampler) and the sample keeps the values of the `capacity` smallest keys
 * ("bottom-k" sampling). Keys come from a seeded generator, so runs are reproducible. Unlike a
 * classic reservoir, two samples of different rows merge exactly — the bottom-k of the union is
 * what one pass over both would keep — which lets chunks of one file be sampled on different
 * threads. Drift tests on files larger than the capacity run on the sample: memory is bounded by
 * the capacity, not the file.
 *
 * Kept pairs are appended to a buffer of twice the capacity; when it fills, a selection keeps the
 * smallest half and the largest kept key becomes the bar a new key must beat. Once the sample is
 * full, most cells of a large file are never parsed.
 *
 * A present value that is not an int or a float (as the profiler classifies it: a word, a date, a
 * boolean) means the column's type is not numeric, so its sample will never be used: the
 * reservoir stops there, empty, and costs nothing more. This lets columns be sampled before
 * anyone knows their types (the data's chunks are read while the reference still is).
 */
export class NumericReservoir {
  private keys: Float64Array;
  private values: Float64Array;
  /** Pairs held (up to twice the capacity until the next selection). */
  size = 0;
  /** No key held is larger (the largest, but after a partial bulk absorb: see SampleState). */
  private largest = 0;
  /** Keys at or above `bound` can never be in the final sample (set by whoever merges the samples). */
  private readonly bound: number;
  /** Keys at or above this are not kept: the bound, or the largest key kept at the last selection. */
  limit: number;

  /** Parsed value per distinct numeric string: values repeat, parsing is the cost (see TextCache). */
  private readonly parsedTexts = new TextCache<number>();
  /** The same by code, for cells with one (see ColumnCodes). */
  private byCode = new NumbersByCode();
  /** Saw a value that is not a number (see the class comment). */
  stopped = false;

  constructor(
    readonly capacity = 100_000,
    bound = 1,
  ) {
    // Grown on demand up to twice the capacity: a small file or a well-bounded chunk needs little.
    this.keys = new Float64Array(Math.min(2 * capacity, 256));
    this.values = new Float64Array(this.keys.length);
    this.bound = bound;
    this.limit = capacity > 0 ? bound : 0;
  }

  /**
   * Offers a present cell under a key below `limit`: kept when it is a finite number (`nan` and
   * `inf` are numbers, not kept); any other value stops the reservoir.
   */
  private offer(key: number, cell: Exclude<Cell, null>): void {
    let value: number | undefined;
    if (typeof cell === 'string') {
      value = this.parsedTexts.get(cell);
      if (value === undefined) {
        value = this.parse(cell);
        if (value === undefined) return;
        this.parsedTexts.set(cell, value);
      }
    } else value = this.numberOf(cell);
    if (value !== undefined && Number.isFinite(value)) this.keep(key, value);
  }

  /** A cell's number: a string parsed, a bigint converted; undefined, and the reservoir stopped, for anything else. */
  private numberOf(cell: Exclude<Cell, null>): number | undefined {
    if (typeof cell === 'number') return cell;
    if (typeof cell === 'string') return this.parse(cell);
    if (typeof cell === 'bigint') return Number(cell);
    this.stop();
    return undefined;
  }

  /**
   * Offers the cells of rows `rows[0, count)` under keys `keys[0, count)`, with their codes (-1:
   * none) in the dictionary of the last `useCodes`. A coded cell is read from the dictionary
   * (`cells` may leave it out: see BatchOptions).
   */
  offerRows(cells: readonly Cell[], codes: Int32Array, rows: Int32Array, keys: Float64Array, count: number): void {
    for (let n = 0; n < count; n += 1) {
      const key = keys[n]!;
      if (key >= this.limit) continue;
      const row = rows[n]!;
      const code = codes[row]!;
      if (code >= 0) this.offerCoded(key, code);
      else {
        const cell = cells[row]!;
        if (cell === null) continue;
        this.offer(key, cell);
      }
      if (this.stopped) return;
    }
  }

  /** `offer` for a cell with a code in the dictionary of the last `useCodes` (strings; Parquet's numbers too). */
  private offerCoded(key: number, code: number): void {
    const byCode = this.byCode;
    let value: number;
    if (byCode.known[code] === 1) value = byCode.values[code]!;
    else {
      const cell = byCode.dictionary!.values[code]!;
      if (cell === null) return; // no reader codes a null; skipped as an uncoded one is
      const parsed = this.numberOf(cell);
      if (parsed === undefined) return;
      value = parsed;
      byCode.values[code] = value;
      byCode.known[code] = 1;
    }
    if (Number.isFinite(value)) this.keep(key, value);
  }

  /** Codes of the next cells offered come from `dictionary` (as it is now: it only grows between batches). */
  useCodes(dictionary: CellDictionary): void {
    this.byCode.use(dictionary);
  }

  /** A string's number, or undefined once it has stopped the reservoir (not an int or a float). */
  private parse(cell: string): number | undefined {
    const kind = classifyString(cell);
    if (kind !== INT && kind !== FLOAT) {
      this.stop();
      return undefined;
    }
    return parsed[0]!;
  }

  /** The sample's keys and values (copies), to send to another thread and `absorb` there. */
  exportState(): SampleState {
    this.select();
    return { keys: this.keys.slice(0, this.size), values: this.values.slice(0, this.size), largest: this.largest, ...(this.stopped ? { stopped: true } : {}) };
  }

  /** Makes this the sample of its values and `other`'s (a sample of other rows, with keys from another seed). */
  absorb(other: SampleState): void {
    if (other.stopped) this.stop();
    if (this.stopped) return;
    const { keys, values } = other;
    let i = 0;
    if (other.largest < this.limit) {
      // Every pair passes: copied in bulk, as far as the buffer goes before a selection.
      const bulk = Math.min(keys.length, 2 * this.capacity - this.size);
      if (this.keys.length < this.size + bulk) this.grow(this.size + bulk);
      this.keys.set(keys.subarray(0, bulk), this.size);
      this.values.set(values.subarray(0, bulk), this.size);
      this.size += bulk;
      if (bulk > 0 && other.largest > this.largest) this.largest = other.largest;
      i = bulk;
    }
    for (; i < keys.length; i += 1) if (keys[i]! < this.limit) this.keep(keys[i]!, values[i]!);
  }

  /**
   * The sampled values in ascending order (a copy). Sorted, so the result does not depend on the
   * order values arrived in, only on which were drawn.
   */
  sample(): Float64Array {
    this.select();
    return sortedCopy(this.values.subarray(0, this.size));
  }

  /** The column is not numeric: nothing more is kept, nor offered (the limit is 0). */
  private stop(): void {
    this.stopped = true;
    this.size = 0;
    this.largest = 0;
    this.limit = 0;
    this.keys = new Float64Array(0);
    this.values = new Float64Array(0);
    this.parsedTexts.drop();
    this.byCode = new NumbersByCode();
  }

  private keep(key: number, value: number): void {
    if (this.size === this.keys.length) {
      if (this.size < 2 * this.capacity) this.grow();
      else this.select();
    }
    this.keys[this.size] = key;
    this.values[this.size] = value;
    this.size += 1;
    if (key > this.largest) this.largest = key;
  }

  /** Room for at least `least` pairs (at most twice the capacity). */
  private grow(least = 0): void {
    // Fourfold: a chunk's sample (tens of thousands) is copied three times on the way, not six.
    const length = Math.min(2 * this.capacity, Math.max(least, 4 * this.keys.length));
    const keys = new Float64Array(length);
    const values = new Float64Array(length);
    keys.set(this.keys);
    values.set(this.values);
    this.keys = keys;
    this.values = values;
  }

  /** Keeps the `capacity` pairs with the smallest keys (values move with their keys). */
  private select(): void {
    const k = this.capacity;
    if (this.size <= k) return;
    // The k-th smallest key is the largest one kept.
    const largest = selectSmallest(this.keys, this.values, this.size, k, this.largest);
    this.size = k;
    this.largest = largest;
    this.limit = Math.min(this.bound, largest);
  }

}

/**
 * Samples several columns of the same rows: one key per row (so the samples come from the same
 * rows, and a key costs one draw per row, not per cell), one NumericReservoir per column.
 *
 * A row's key is a hash of the seed and the row's position (counter-based, not a generator's
 * stream): two chunks' keys are unrelated whatever their seeds, where streams of one generator
 * started at different seeds would overlap once they run long enough.
 */
export class RowSampler {
  readonly reservoirs: NumericReservoir[];
  private readonly seedHigh: number;
  private readonly seedLow: number;
  private row = 0;
  /** Scratch: the rows of a batch that may be kept, and their keys (the first `candidates`). */
  private candidateRows = new Int32Array(0);
  private candidateKeys = new Float64Array(0);
  private candidates = 0;
  /** Rows of the batch started (startBatch). */
  private batchRows = 0;

  /** `bounds[j]`: see NumericReservoir; keys are a function of the seed and the row's position only. */
  constructor(columns: number, capacity: number, seed: number, bounds?: readonly number[]) {
    this.reservoirs = Array.from({ length: columns }, (_, j) => new NumericReservoir(capacity, bounds?.[j] ?? 1));
    this.seedHigh = fmix32(seed ^ 0x3c6ef372);
    this.seedLow = fmix32(seed ^ 0xa54ff53a);
  }

  /** Adds a batch: its columns `indexes[j]` go to reservoir j, with their codes when the reader gave them. */
  addBatch(batch: TableBatch, indexes: readonly number[]): void {
    this.add(
      indexes.map((index) => batch.data[index]!),
      batch.rowCount,
      batch.codes && indexes.map((index) => batch.codes![index]),
    );
  }

  /** Adds `rows` rows; `columns[j]` holds the cells of reservoir j, `codes[j]` their codes if the reader gave them. */
  add(columns: readonly (readonly Cell[])[], rows: number, codes?: readonly (ColumnCodes | undefined)[]): void {
    this.startBatch(rows);
    for (let j = 0; j < this.reservoirs.length; j += 1) this.offerColumn(j, columns[j]!, codes?.[j]);
    this.endBatch();
  }

  /**
   * `add` a column at a time (as a pass takes each column of a batch through all its consumers):
   * `startBatch`, then `offerColumn` for each reservoir, then `endBatch`. Draws the keys of the
   * rows whose key is below the largest limit of the running reservoirs (at or above it, none
   * keeps a row; stopped reservoirs, of columns that are not numeric, are left out); each
   * reservoir then checks the keys against its own limit, which may drop on the way.
   */
  startBatch(rows: number): void {
    this.batchRows = rows;
    const bar = barOf(this.reservoirs);
    if (bar === 0) {
      this.candidates = 0;
      return;
    }
    if (this.candidateRows.length < rows) {
      this.candidateRows = new Int32Array(rows);
      this.candidateKeys = new Float64Array(rows);
    }
    this.candidates = drawCandidates(this.row, rows, this.seedHigh, this.seedLow, bar, this.candidateRows, this.candidateKeys);
  }

  /** Offers reservoir j its cells of the rows started (`coded`: their codes, if the reader gave them). */
  offerColumn(j: number, cells: readonly Cell[], coded: ColumnCodes | undefined): void {
    const reservoir = this.reservoirs[j]!;
    if (reservoir.stopped) return;
    if (coded) reservoir.useCodes(coded.dictionary);
    reservoir.offerRows(cells, coded ? coded.codes : uncoded(this.batchRows), this.candidateRows, this.candidateKeys, this.candidates);
  }

  endBatch(): void {
    this.row += this.batchRows;
    this.batchRows = 0;
    this.candidates = 0;
  }
}

/**
 * `values` in ascending order, in a new array: counted when they are integers whose range is at
 * most four times their number (ages, counts, amounts: the usual numeric column), which takes
 * linear time where the built-in sort of 100 000 values takes about 9 ms; else the built-in sort.
 * The same array either way (-0, which counting would make 0, goes to the built-in sort).
 */
export function sortedCopy(values: Float64Array): Float64Array {
  const n = values.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i += 1) {
    const value = values[i]!;
    if ((value | 0) !== value || Object.is(value, -0)) return values.slice().sort();
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (n === 0 || max - min >= 4 * n + 1024) return values.slice().sort();
  const counts = new Int32Array(max - min + 1);
  for (let i = 0; i < n; i += 1) counts[values[i]! - min]! += 1;
  const out = new Float64Array(n);
  for (let offset = 0, at = 0; offset < counts.length; offset += 1) {
    const count = counts[offset]!;
    if (count > 0) out.fill(min + offset, at, (at += count));
  }
  return out;
}

/**
 * Writes the rows `first + i` (i < rows) whose key is below `bar` to `candidateRows` (as i) and
 * their keys to `candidateKeys`; returns how many.
 *
 * A function of its own, not a loop inside `add`: V8 compiled that loop alone (on-stack
 * replacement) before the code after it had ever run, and in some runs kept entering that code and
 * bailing out right after the loop, batch after batch (45-83 times in 1M rows). Such runs took
 * 25-45% longer.
 */
function drawCandidates(first: number, rows: number, seedHigh: number, seedLow: number, bar: number, candidateRows: Int32Array, candidateKeys: Float64Array): number {
  let count = 0;
  for (let i = 0; i < rows; i += 1) {
    // 53 random bits: 27 from one hash of (seed, row), 26 from another.
    const row = first + i;
    const high = fmix32(fmix32(row + 0x9e3779b9) ^ seedHigh) >>> 5;
    // The key is at least high / 2^27: most rows are turned away before the second hash.
    if (high / 134_217_728 >= bar) continue;
    const low = fmix32(fmix32(row + 0x7f4a7c15) ^ seedLow) >>> 6;
    const key = (high * 67_108_864 + low) / 9_007_199_254_740_992;
    if (key >= bar) continue;
    candidateRows[count] = i;
    candidateKeys[count] = key;
    count += 1;
  }
  return count;
}

let noCodes = new Int32Array(0);
/** Codes for cells that have none: -1 for `rows` rows. */
function uncoded(rows: number): Int32Array {
  if (noCodes.length < rows) noCodes = new Int32Array(rows).fill(-1);
  return noCodes;
}

/** The largest limit of the running reservoirs: a row whose key is at or above it is kept by none (0: none runs). */
function barOf(reservoirs: readonly NumericReservoir[]): number {
  let bar = 0;
  for (let j = 0; j < reservoirs.length; j += 1) if (!reservoirs[j]!.stopped && reservoirs[j]!.limit > bar) bar = reservoirs[j]!.limit;
  return bar;
}

/** MurmurHash3's finalizer: a bijection on 32-bit integers that mixes every input bit into every output bit. */
function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}
