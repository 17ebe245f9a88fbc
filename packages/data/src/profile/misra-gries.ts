/**
 * Frequent values: the Misra–Gries summary (J. Misra, D. Gries, "Finding repeated elements",
 * 1982) in its mergeable form (Agarwal, Cormode, Huang, Phillips, Wei, Yi, "Mergeable
 * Summaries", PODS 2012, §3): at most k counters after every reduction; a reduction subtracts
 * the (k+1)-th largest counter from all of them and drops those that reach zero.
 *
 * Updates are batched: the summary may grow to 2k counters before it is reduced back to k, so
 * a reduction (a quickselect over 2k counts) is paid at most once per k new values. Merging adds the
 * counters and reduces. Both are the same operation, so the guarantee is the same:
 *
 *   estimate ≤ true count ≤ estimate + decrement,   decrement ≤ (n − Σ estimates) / (k + 1)
 *
 * where `decrement` is the total subtracted so far (0 while nothing was ever reduced: then
 * every count is exact) and n the number of values. Any value more frequent than
 * n / (k + 1) is therefore in the summary.
 */
import type { Key } from './classify.js';
import { HASH, hashKey } from './hash.js';
import { quickselect } from '../quickselect.js';

export const MISRA_GRIES_K = 256;

export class MisraGries {
  readonly k: number;
  /**
   * Counters are found by the value's 64-bit hash (hash.ts) in an open-addressing table of slot
   * numbers (linear probing, load ≤ 1/4, rebuilt at each reduction), so an update allocates
   * nothing and never rehashes a string. Two values with the same 64-bit hash would share a
   * counter (probability ~2^-64 per pair).
   */
  private readonly table: Int32Array;
  private readonly mask: number;
  private readonly hashA: Int32Array;
  private readonly hashB: Int32Array;
  /** Slot keys: numbers unboxed in `numbers`, other keys in `others` (null for a number). */
  private readonly numbers: Float64Array;
  private readonly others: (string | boolean | null)[];
  private readonly slotCounts: Float64Array;
  private size = 0;
  private readonly scratch: Float64Array;
  /** Total subtracted from every counter: the per-value error bound. */
  decrement = 0;
  /** Values added (with weights). */
  n = 0;

  constructor(k: number = MISRA_GRIES_K) {
    if (!Number.isInteger(k) || k < 1 || k > 1 << 20) throw new RangeError(`Misra–Gries k must be an integer in 1–2^20, got ${k}`);
    this.k = k;
    const slots = 2 * k;
    this.table = new Int32Array(2 ** Math.ceil(Math.log2(slots * 4)));
    this.mask = this.table.length - 1;
    this.hashA = new Int32Array(slots);
    this.hashB = new Int32Array(slots);
    this.numbers = new Float64Array(slots);
    this.others = new Array<string | boolean | null>(slots).fill(null);
    this.slotCounts = new Float64Array(slots);
    this.scratch = new Float64Array(slots);
  }

  add(key: Key, weight = 1): void {
    hashKey(key);
    this.addHashed(key, HASH[0]!, HASH[1]!, weight);
  }

  /** `add` for a value whose hash (`hashKey`) is `a`, `b`. */
  addHashed(key: Key, a: number, b: number, weight = 1): void {
    this.n += weight;
    const table = this.table;
    const mask = this.mask;
    let i = (a ^ (b >>> 12)) & mask;
    for (let t = table[i]!; t !== 0; t = table[i]!) {
      const slot = t - 1;
      if (this.hashA[slot] === a && this.hashB[slot] === b) {
        this.slotCounts[slot]! += weight;
        return;
      }
      i = (i + 1) & mask;
    }
    if (this.size === 2 * this.k) {
      this.reduce();
      i = this.free(a, b);
    }
    const slot = this.size;
    table[i] = slot + 1;
    this.hashA[slot] = a;
    this.hashB[slot] = b;
    if (typeof key === 'number') {
      this.numbers[slot] = key;
      this.others[slot] = null;
    } else this.others[slot] = key;
    this.slotCounts[slot] = weight;
    this.size += 1;
  }

  /** First empty table position for a hash. */
  private free(a: number, b: number): number {
    let i = (a ^ (b >>> 12)) & this.mask;
    while (this.table[i] !== 0) i = (i + 1) & this.mask;
    return i;
  }

  private keyAt(slot: number): Key {
    return this.others[slot] ?? this.numbers[slot]!;
  }

  merge(other: MisraGries): void {
    if (other.k !== this.k) throw new RangeError(`cannot merge Misra–Gries summaries with k=${this.k} and k=${other.k}`);
    const n = this.n;
    for (let slot = 0; slot < other.size; slot += 1) this.addHashed(other.keyAt(slot), other.hashA[slot]!, other.hashB[slot]!, other.slotCounts[slot]!);
    this.n = n + other.n;
    this.decrement += other.decrement;
    this.reduce();
  }

  /** Current counters (estimates), in no particular order. */
  get counts(): Map<Key, number> {
    const out = new Map<Key, number>();
    for (let slot = 0; slot < this.size; slot += 1) out.set(this.keyAt(slot), this.slotCounts[slot]!);
    return out;
  }

  /** Sets a counter (loading a serialized summary). */
  set(key: Key, count: number): void {
    this.add(key, count);
    this.n -= count;
  }

  /** Back to at most k counters: subtract the (k+1)-th largest from all, drop those at zero. */
  reduce(): void {
    if (this.size <= this.k) return;
    const scratch = this.scratch.subarray(0, this.size);
    scratch.set(this.slotCounts.subarray(0, this.size));
    const cut = quickselect(scratch, this.size - 1 - this.k);
    this.table.fill(0);
    let kept = 0;
    for (let slot = 0; slot < this.size; slot += 1) {
      const count = this.slotCounts[slot]! - cut;
      if (count <= 0) continue;
      const a = this.hashA[slot]!;
      const b = this.hashB[slot]!;
      this.table[this.free(a, b)] = kept + 1;
      this.hashA[kept] = a;
      this.hashB[kept] = b;
      this.numbers[kept] = this.numbers[slot]!;
      this.others[kept] = this.others[slot]!;
      this.slotCounts[kept] = count;
      kept += 1;
    }
    this.others.fill(null, kept);
    this.size = kept;
    this.decrement += cut;
  }
}
