import type { Cell } from '../table.js';

/**
 * A uniform sample of a numeric column's finite values, at most `capacity` long (Vitter's
 * algorithm R with a seeded generator, so runs are reproducible). Drift tests on files larger
 * than the capacity run on the sample: memory stays bounded by the capacity, not the file.
 */
export class NumericReservoir {
  private readonly values: Float64Array;
  size = 0;
  seen = 0;
  private state: number;

  constructor(readonly capacity = 100_000, seed = 0x9e3779b9) {
    this.values = new Float64Array(capacity);
    this.state = seed >>> 0 || 1;
  }

  /** Parsed value per distinct string: values repeat, parsing is the cost. */
  private readonly parsed = new Map<string, number>();

  add(cells: readonly Cell[]): void {
    for (const cell of cells) {
      let value: number;
      if (typeof cell === 'number') value = cell;
      else if (typeof cell === 'string') {
        const known = this.parsed.get(cell);
        if (known !== undefined) value = known;
        else {
          value = cell.trim() === '' ? Number.NaN : Number(cell);
          if (this.parsed.size < 65_536) this.parsed.set(cell, value);
        }
      } else value = typeof cell === 'bigint' ? Number(cell) : Number.NaN;
      if (!Number.isFinite(value)) continue;
      this.seen += 1;
      if (this.size < this.capacity) this.values[this.size++] = value;
      else {
        const slot = Math.floor(this.random() * this.seen);
        if (slot < this.capacity) this.values[slot] = value;
      }
    }
  }

  /** The sampled values (a view; copy before keeping). */
  sample(): Float64Array {
    return this.values.subarray(0, this.size);
  }

  /** True when every value seen is in the sample. */
  get exact(): boolean {
    return this.seen === this.size;
  }

  private random(): number {
    // xorshift32: enough for sampling, reproducible everywhere.
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }
}
