import { describe, expect, it } from 'vitest';
import { selectSmallest } from './quickselect.js';

describe('selectSmallest', () => {
  it('moves the pairs of the k smallest keys to the front and returns the largest of them', () => {
    let state = 3;
    const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let trial = 0; trial < 300; trial += 1) {
      const n = 1 + Math.floor(random() * 5000);
      const k = 1 + Math.floor(random() * n);
      // Even keys, keys crowded into a sliver of the range (one bucket holds most), and ties.
      const shape = trial % 3;
      const keyList = Array.from({ length: n }, () => (shape === 0 ? random() : shape === 1 ? 0.5 + random() * 1e-6 : Math.floor(random() * 40) / 40));
      const keys = Float64Array.from(keyList);
      // Each value is its pair's index in the input.
      const values = Float64Array.from(keyList, (_, i) => i);
      const top = Math.max(...keyList) * (trial % 2 === 0 ? 1 : 3);
      const largest = selectSmallest(keys, values, n, k, top);
      const expected = [...keyList].sort((a, b) => a - b).slice(0, k);
      expect([...keys.subarray(0, k)].sort((a, b) => a - b), `trial ${trial}`).toEqual(expected);
      expect(largest).toBe(expected[k - 1]);
      // Each kept value still belongs to its key, and no pair is kept twice.
      const kept = [...values.subarray(0, k)];
      expect(new Set(kept).size).toBe(k);
      kept.forEach((index, i) => expect(keyList[index]).toBe(keys[i]));
    }
  });

  it('falls back to quickselect when the keys give no range to bucket', () => {
    const keys = Float64Array.of(0, 0, 0);
    const values = Float64Array.of(1, 2, 3);
    expect(selectSmallest(keys, values, 3, 2, 0)).toBe(0);
    expect(() => selectSmallest(keys, values, 3, 4, 1)).toThrow(RangeError);
  });
});
