import { describe, expect, it } from 'vitest';
import { radixSortFloat64, sortFloat64 } from './sort.js';

describe('sortFloat64', () => {
  it.each([[5000], [100_000], [300_000]])('orders %i values exactly as the built-in numeric sort', (n) => {
    let seed = n;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const specials = [0, -0, 1, -1, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, Infinity, -Infinity, 0.5, 2 ** -1022];
    const values = Float64Array.from({ length: n }, (_, i) =>
      i < specials.length * 20 ? specials[i % specials.length]! : (rnd() - 0.3) * 10 ** Math.floor(rnd() * 40 - 20),
    );
    values.set(values.subarray(0, 500), n - 500); // duplicates
    const expected = values.slice().sort();
    // The radix sort itself at every size, and the choice sortFloat64 makes (radix from 2^18 on).
    for (const actual of [radixSortFloat64(values.slice()), sortFloat64(values.slice())]) {
      let mismatches = 0;
      for (let i = 0; i < n; i++) if (!Object.is(actual[i], expected[i])) mismatches++;
      expect(mismatches).toBe(0);
    }
  });

  it('sorts float32-valued scores with heavy ties', () => {
    const values = Float64Array.from({ length: 20_000 }, (_, i) => Math.fround(((i * 7919) % 101) / 100));
    expect(Array.from(radixSortFloat64(values.slice()))).toEqual(Array.from(values.slice().sort()));
  });
});
