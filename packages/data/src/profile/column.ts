/**
 * `ColumnProfiler`: type detection and mergeable statistics for one column, fed batch columns.
 *
 * Two regimes:
 * - **exact** while the column has at most `exactLimit` (1000) distinct cells: a Map from cell to
 *   an entry index counts occurrences, and each distinct cell is classified once, when first
 *   seen. Every statistic (type, moments, quantiles, histogram, top values, distinct count) is
 *   then computed exactly from the table when the profile is written.
 * - **sketch** after that: the table is frozen and keeps absorbing the values it knows (counts
 *   flushed into the sketches once per batch, with weights); any other cell is classified and goes
 *   to the Welford/Chan moments, the grid histogram, KLL, HyperLogLog and Misra–Gries.
 *
 * The hot loop is one Map lookup per cell, avoided for most string cells by a 512-slot (fewer
 * beyond 64 columns: see identitySlots) direct-mapped cache keyed by the string object itself
 * (the CSV reader returns the same string object for repeated values, so `===` hits are pointer
 * comparisons). With the reader's codes
 * (CSV; Parquet's dictionaries and string columns), a per-code entry index skips even that, and once every code of a batch has an entry the
 * coded cells are added from one count per code (codeCounts) instead of row by row.
 */
import { genericArray } from '../generic-array.js';
import { codeCounts, type Cell, type CellDictionary, type ColumnCodes } from '../table.js';
import { BOOL, classifyCell, FLOAT, INT, isNumericKind, isTextMask, KIND_COUNT, keyOf, parsed, textKeyOf, textLength, type Key } from './classify.js';
import { HASH, hashKey, IDENTITY_SLOTS, stringSlot } from './hash.js';
import { CountedValues } from './numeric.js';
import { resolveOptions, type ProfileOptions, type ResolvedOptions } from './options.js';
import { emptySketches, type Sketches } from './sketch-state.js';

/** Entries a profiler has room for at first (see `grow`). */
const FIRST_ENTRIES = 32;
const BUFFER = 8192;
/** Rows a sketched column whose last batch mostly missed the table skips it before trying again. */
const PAUSE = 65_536;

export class ColumnProfiler {
  readonly name: string;
  readonly options: ResolvedOptions;
  /** Cells with a value (NaN included). */
  count = 0;
  /** Null cells. */
  missing = 0;
  /** Kinds that must be assumed present (`1 << kind`), from a loaded profile's type (set with `assumeKinds`). */
  kindFloor = 0;
  /** Kinds seen or assumed so far (`1 << kind`): once they make the column a string column, keys are texts. */
  private kindsSeen = 0;
  /** Whether cells are keyed by `textKeyOf` (a string column), not `keyOf`. */
  private textKeys = false;
  /** Added to the summed text lengths (a loaded exact table knows its values' normalized text only). */
  lengthOffset = 0;

  private readonly table = new Map<Cell, number>();
  /** Per entry: the cell, its count (exact regime) or count not yet flushed (sketch regime), kind, number, key, text length. */
  // The typed arrays grow with the entries (up to exactLimit): a wide file has thousands of profilers.
  readonly cells: Cell[] = genericArray();
  counts: Float64Array;
  kinds: Uint8Array;
  numbers: Float64Array;
  readonly keys: Key[] = genericArray();
  lengths: Float64Array;
  private hashA: Int32Array;
  private hashB: Int32Array;
  private readonly slotCells: (string | null)[];
  private readonly slotEntries: Int32Array;
  /** Entry per code of `codedBy` (-1: not known yet). */
  private entryOfCode = new Int32Array(0);
  private codedBy: CellDictionary | null = null;
  /** Null in the exact regime. */
  sketches: Sketches | null = null;
  /** Numbers of the sketch regime not yet flushed; grows up to BUFFER (a wide file's batches are short). */
  private buffer = new Float64Array(0);
  private buffered = 0;
  /**
   * Numbers with weights (a flush's table counts, merged or loaded values) not yet in the moments:
   * summarized together (Moments.addCounted), as one update each would round the mean each time.
   */
  private readonly counted = new CountedValues();
  /** Sketch regime: table misses in the current batch, rows since the table was last skipped. */
  private misses = 0;
  private skipped = PAUSE;

  /** `slots`: of the identity cache, a power of two (fewer in a wide table: see identitySlots). */
  constructor(name: string, options: ProfileOptions | ResolvedOptions = {}, slots = IDENTITY_SLOTS) {
    this.name = name;
    this.options = 'kllM' in options ? options : resolveOptions(options);
    this.slotCells = new Array<string | null>(slots).fill(null);
    this.slotEntries = new Int32Array(slots);
    const room = Math.min(this.options.exactLimit, FIRST_ENTRIES);
    this.counts = new Float64Array(room);
    this.kinds = new Uint8Array(room);
    this.numbers = new Float64Array(room);
    this.lengths = new Float64Array(room);
    this.hashA = new Int32Array(room);
    this.hashB = new Int32Array(room);
  }

  /** True while every statistic is exact (at most `exactLimit` distinct cells so far). */
  get exact(): boolean {
    return this.sketches === null;
  }

  /**
   * Profiles the first `rows` cells of a batch column; `coded`: the reader's codes of those cells
   * (a coded cell is read from its dictionary: `column` may leave it out, see BatchOptions).
   */
  add(column: readonly Cell[], rows: number = column.length, coded?: ColumnCodes): void {
    // Both conditions evaluated every time: V8 compiles this method early, and a condition it never
    // saw evaluated (the probe, reached only once the column has sketches) would be compiled as a
    // bail-out, then the method compiled again.
    const probing = this.probing;
    if (this.sketches !== null && !probing) {
      this.addUncached(column, rows, coded);
      return;
    }
    this.misses = 0;
    const table = this.table;
    let counts = this.counts;
    const slotCells = this.slotCells;
    const slotEntries = this.slotEntries;
    const slots = slotCells.length;
    const codes = coded?.codes;
    const byCode = coded?.dictionary.values;
    const entryOfCode = coded ? this.entriesOf(coded.dictionary) : this.entryOfCode;
    // Coded cells counted by code when all their values have entries: then they only add to
    // counts, in any order, and the loop below takes the cells without a code alone (in row order).
    const perCode = coded !== undefined && rows === coded.codes.length ? codeCounts(coded) : undefined;
    const counted = perCode !== undefined && this.addByCode(perCode, entryOfCode);
    // Every cell had a code: none is left for the loop. (Read whenever there are counts, not only
    // once they were added: see `probing` above.)
    const allCoded = perCode !== undefined && perCode[0] === 0;
    const loopRows = counted && allCoded ? 0 : rows;
    let missing = 0;
    for (let i = 0; i < loopRows; i += 1) {
      const code = codes === undefined ? -1 : codes[i]!;
      if (code >= 0) {
        if (counted) continue;
        const known = entryOfCode[code]!;
        if (known >= 0) {
          counts[known]! += 1;
          continue;
        }
      }
      const value = (code >= 0 ? byCode![code] : column[i]) as Cell;
      if (typeof value === 'string') {
        const slot = stringSlot(value, slots);
        if (slotCells[slot] === value) {
          counts[slotEntries[slot]!]! += 1;
          if (code >= 0) entryOfCode[code] = slotEntries[slot]!;
          continue;
        }
        const entry = table.get(value);
        if (entry !== undefined) {
          counts[entry]! += 1;
          slotCells[slot] = value;
          slotEntries[slot] = entry;
          if (code >= 0) entryOfCode[code] = entry;
          continue;
        }
      } else if (value === null) {
        missing += 1;
        continue;
      } else {
        const entry = table.get(value);
        if (entry !== undefined) {
          counts[entry]! += 1;
          if (code >= 0) entryOfCode[code] = entry;
          continue;
        }
      }
      const inserted = this.miss(value, 1);
      if (code >= 0 && inserted >= 0) entryOfCode[code] = inserted;
      counts = this.counts; // an insert may have grown it
    }
    this.missing += missing;
    this.count += rows - missing;
    if (this.sketches !== null) {
      // Mostly misses (an id or float column): skip the table for the next batches.
      if (this.misses * 2 > rows - missing) this.skipped = 0;
      this.flush();
    }
  }

  /**
   * Adds the batch's coded cells by their codes' counts (codeCounts) if every code present has an
   * entry (a new value must go through the row loop: it may become an entry or go to the sketches,
   * where order matters). False, and nothing added, otherwise. Also false when the batch's cells
   * without a code could fill the exact table: leaving it mid-batch flushes the counts added so
   * far into the sketches, and those must be the counts of the rows before, as in the row loop.
   */
  private addByCode(perCode: Int32Array, entryOfCode: Int32Array): boolean {
    if (this.sketches === null && this.cells.length + perCode[0]! > this.options.exactLimit) return false;
    for (let code = 0; code + 1 < perCode.length; code += 1) if (perCode[code + 1]! > 0 && entryOfCode[code]! < 0) return false;
    const counts = this.counts;
    for (let code = 0; code + 1 < perCode.length; code += 1) {
      const n = perCode[code + 1]!;
      if (n > 0) counts[entryOfCode[code]!]! += n;
    }
    return true;
  }

  /** The entry per code of `dictionary`, long enough for every code it has now. */
  private entriesOf(dictionary: CellDictionary): Int32Array {
    const size = dictionary.values.length;
    if (dictionary !== this.codedBy) {
      this.codedBy = dictionary;
      this.entryOfCode = new Int32Array(Math.max(size, 256)).fill(-1);
    } else if (size > this.entryOfCode.length) {
      const grown = new Int32Array(Math.max(size, 2 * this.entryOfCode.length)).fill(-1);
      grown.set(this.entryOfCode);
      this.entryOfCode = grown;
    }
    return this.entryOfCode;
  }

  /** Sketch regime without table lookups, for columns whose values rarely repeat. */
  private addUncached(column: readonly Cell[], rows: number, coded: ColumnCodes | undefined): void {
    let missing = 0;
    const codes = coded?.codes;
    const byCode = coded?.dictionary.values;
    for (let i = 0; i < rows; i += 1) {
      const code = codes === undefined ? -1 : codes[i]!;
      const value = (code >= 0 ? byCode![code] : column[i]) as Cell;
      if (value === null) missing += 1;
      else this.miss(value, 1);
    }
    this.missing += missing;
    this.count += rows - missing;
    this.skipped += rows;
    this.flushNumbers();
  }

  /** Whether the next batch looks values up in the table (always, but for PAUSE rows after a batch of misses). */
  private get probing(): boolean {
    return this.skipped >= PAUSE;
  }

  /** Adds `weight` occurrences of one non-null cell (merging, loading). Call `flush()` after a series. */
  addValue(value: Exclude<Cell, null>, weight: number): void {
    const entry = this.table.get(value);
    if (entry !== undefined) this.counts[entry]! += weight;
    else this.miss(value, weight);
  }

  /** A cell the table does not have: a new entry (its index) in the exact regime, else to the sketches (-1). */
  private miss(value: Exclude<Cell, null>, weight: number): number {
    this.misses += 1;
    if (this.sketches === null) {
      if (this.cells.length < this.options.exactLimit) return this.insert(value, weight);
      this.toSketches();
    }
    const s = this.sketches!;
    const kind = classifyCell(value);
    const x = parsed[0]!;
    if ((this.kindsSeen & (1 << kind)) === 0) this.noteKinds(1 << kind);
    const key = this.textKeys ? textKeyOf(value, kind) : keyOf(value, kind);
    s.kinds[kind]! += weight;
    s.lengthSum += textLength(value) * weight;
    if (isNumericKind(kind)) {
      if (x !== x) s.nan += weight;
      else if (x === Infinity || x === -Infinity) s.inf += weight;
      else if (weight === 1) {
        const buffer = this.buffered < this.buffer.length ? this.buffer : this.growBuffer();
        buffer[this.buffered++] = x;
        if (this.buffered === BUFFER) this.flushNumbers();
      } else this.addNumber(x, weight);
    }
    hashKey(key);
    const a = HASH[0]!;
    const b = HASH[1]!;
    s.hll.add(a, b);
    s.mg.addHashed(key, a, b, weight);
    return -1;
  }

  private insert(value: Exclude<Cell, null>, weight: number): number {
    const entry = this.cells.length;
    if (entry === this.counts.length) this.grow();
    const kind = classifyCell(value);
    this.cells.push(value);
    this.keys.push(this.textKeys ? textKeyOf(value, kind) : keyOf(value, kind));
    this.table.set(value, entry);
    this.counts[entry] = weight;
    this.kinds[entry] = kind;
    this.numbers[entry] = parsed[0]!;
    this.lengths[entry] = textLength(value);
    hashKey(this.keys[entry]!);
    this.hashA[entry] = HASH[0]!;
    this.hashB[entry] = HASH[1]!;
    if ((this.kindsSeen & (1 << kind)) === 0) this.noteKinds(1 << kind);
    return entry;
  }

  /** Assumes kinds present (a loaded profile's type), counted or not. */
  assumeKinds(mask: number): void {
    this.kindFloor |= mask;
    this.noteKinds(mask);
  }

  private noteKinds(mask: number): void {
    this.kindsSeen |= mask;
    if (!this.textKeys && isTextMask(this.kindsSeen)) this.useTextKeys();
  }

  /**
   * The column became a string column: its entries' number and boolean texts become their own
   * values (for what is still to be counted; a sketch keeps what it counted by number).
   */
  private useTextKeys(): void {
    this.textKeys = true;
    const last = parsed[0]!; // a caller may still read its cell's number
    for (let entry = 0; entry < this.cells.length; entry += 1) {
      const kind = this.kinds[entry]!;
      if (kind !== INT && kind !== FLOAT && kind !== BOOL) continue;
      const cell = this.cells[entry] as Exclude<Cell, null>;
      classifyCell(cell);
      const key = textKeyOf(cell, kind);
      if (key === this.keys[entry]) continue;
      this.keys[entry] = key;
      hashKey(key);
      this.hashA[entry] = HASH[0]!;
      this.hashB[entry] = HASH[1]!;
    }
    parsed[0] = last;
  }

  /** Four times the room for entries, at most exactLimit. */
  private grow(): void {
    const room = Math.min(this.options.exactLimit, 4 * this.counts.length);
    const grown = <T extends Float64Array | Int32Array | Uint8Array>(array: T, next: T): T => (next.set(array), next);
    this.counts = grown(this.counts, new Float64Array(room));
    this.kinds = grown(this.kinds, new Uint8Array(room));
    this.numbers = grown(this.numbers, new Float64Array(room));
    this.lengths = grown(this.lengths, new Float64Array(room));
    this.hashA = grown(this.hashA, new Int32Array(room));
    this.hashB = grown(this.hashB, new Int32Array(room));
  }

  /** A number with a weight: to the moments at the next flush, with the others (see `counted`). */
  private addNumber(x: number, weight: number): void {
    const s = this.sketches!;
    this.counted.push(x, weight);
    s.histogram.add(x, weight);
    s.kll.add(x, weight);
    if (this.counted.length === BUFFER) this.flushNumbers();
  }

  private growBuffer(): Float64Array {
    const grown = new Float64Array(Math.min(BUFFER, Math.max(256, 2 * this.buffer.length)));
    grown.set(this.buffer);
    return (this.buffer = grown);
  }

  private flushNumbers(): void {
    const s = this.sketches!;
    const counted = this.counted;
    if (counted.length > 0) {
      s.moments.addCounted(counted.values, counted.counts, counted.length);
      counted.length = 0;
    }
    if (this.buffered === 0) return;
    s.moments.addAll(this.buffer, this.buffered);
    s.histogram.addAll(this.buffer, this.buffered);
    s.kll.addAll(this.buffer, this.buffered);
    this.buffered = 0;
  }

  /** Leaves the exact regime: the table's counts go to the sketches, the table becomes a cache. */
  toSketches(): void {
    if (this.sketches !== null) return;
    this.sketches = emptySketches(this.options);
    for (let entry = 0; entry < this.cells.length; entry += 1) this.sketches.hll.add(this.hashA[entry]!, this.hashB[entry]!);
    this.flush();
  }

  /** Moves the table's pending counts and buffered numbers into the sketches (sketch regime only). */
  flush(): void {
    const s = this.sketches;
    if (s === null) return;
    const counts = this.counts;
    for (let entry = 0; entry < this.cells.length; entry += 1) {
      const weight = counts[entry]!;
      if (weight === 0) continue;
      counts[entry] = 0;
      const kind = this.kinds[entry]!;
      s.kinds[kind]! += weight;
      s.lengthSum += this.lengths[entry]! * weight;
      if (isNumericKind(kind)) {
        const x = this.numbers[entry]!;
        if (x !== x) s.nan += weight;
        else if (x === Infinity || x === -Infinity) s.inf += weight;
        else this.addNumber(x, weight);
      }
      s.mg.addHashed(this.keys[entry]!, this.hashA[entry]!, this.hashB[entry]!, weight);
    }
    this.flushNumbers();
  }

  /** Adds another profile of the same column (of other rows) into this one; `other` is not changed in meaning. */
  merge(other: ColumnProfiler): this {
    if (other === this) throw new Error('cannot merge a column profile with itself');
    this.count += other.count;
    this.missing += other.missing;
    // Keys first: other's kinds may make this a string column.
    this.kindFloor |= other.kindFloor;
    this.noteKinds(other.kindMask());
    this.lengthOffset += other.lengthOffset;
    if (other.sketches === null) {
      for (let entry = 0; entry < other.cells.length; entry += 1) {
        const weight = other.counts[entry]!;
        if (weight > 0) this.addValue(other.cells[entry] as Exclude<Cell, null>, weight);
      }
      this.flush();
      return this;
    }
    other.flush();
    this.toSketches();
    this.flush();
    const s = this.sketches!;
    const o = other.sketches;
    for (let kind = 0; kind < KIND_COUNT; kind += 1) s.kinds[kind]! += o.kinds[kind]!;
    s.moments.merge(o.moments);
    s.histogram.merge(o.histogram);
    s.kll.merge(o.kll);
    s.hll.merge(o.hll);
    s.mg.merge(o.mg);
    s.nan += o.nan;
    s.inf += o.inf;
    s.lengthSum += o.lengthSum;
    return this;
  }

  /** Cells seen per kind (int, float, bool, timestamp, string), e.g. to report values that break a type. */
  kindCounts(): Float64Array {
    if (this.sketches !== null) {
      this.flush();
      return this.sketches.kinds.slice();
    }
    const kinds = new Float64Array(KIND_COUNT);
    for (let entry = 0; entry < this.cells.length; entry += 1) kinds[this.kinds[entry]!]! += this.counts[entry]!;
    return kinds;
  }

  /** Bit `1 << kind` for every kind present (or assumed from a loaded profile). */
  kindMask(): number {
    const kinds = this.kindCounts();
    let mask = this.kindFloor;
    for (let kind = 0; kind < KIND_COUNT; kind += 1) if (kinds[kind]! > 0) mask |= 1 << kind;
    return mask;
  }
}
