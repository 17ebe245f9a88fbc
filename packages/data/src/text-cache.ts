/**
 * A column's Map from a text to what it costs to work out (a verdict, a parsed number) that gives
 * itself up when it does not pay. Once it holds TRIAL entries with fewer hits than that, the
 * column's values rarely repeat (ids, floats): every lookup of a fresh string then costs more than
 * the work it saves, and a wide file has a thousand such columns (at 1 000 columns these Maps took
 * most of a validation's time and memory). Results never depend on it: a value is the same
 * whether it was cached or worked out again.
 */

/** Entries after which the cache is dropped unless it hit at least as often. */
const TRIAL = 1_024;
/** Most entries kept. */
const LIMIT = 65_536;

export class TextCache<V> {
  private map: Map<string, V> | null = new Map();
  private hits = 0;

  get(text: string): V | undefined {
    const value = this.map?.get(text);
    if (value !== undefined) this.hits += 1;
    return value;
  }

  /** Remembers a value just worked out for `text` (one `get` missed it). */
  set(text: string, value: V): void {
    const map = this.map;
    if (map === null || map.size >= LIMIT) return;
    map.set(text, value);
    // Every entry was a miss: fewer hits than entries at the trial size drops the cache.
    if (map.size === TRIAL && this.hits < TRIAL) this.map = null;
  }

  /** Whether it gave itself up (the values rarely repeat) or was dropped: nothing is cached from now on. */
  get dropped(): boolean {
    return this.map === null;
  }

  /** Frees the entries; nothing is cached from now on. */
  drop(): void {
    this.map = null;
  }
}
