import { describe, expect, it } from 'vitest';
import { jsonParts } from './json-parts.js';

/** A seeded value of nested objects and arrays with the leaves JSON has, and those it leaves out. */
function randomValue(seed: number): unknown {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const leaves: unknown[] = [0, -0, 1.5, -2e-7, 1e21, Number.NaN, Infinity, true, false, null, '', 'a "quoted"\nline\\', 'ü😀', undefined, () => 1, new Date(0)];
  const make = (depth: number): unknown => {
    const roll = next();
    if (depth === 0 || roll < 0.4) return leaves[Math.floor(next() * leaves.length)];
    const size = Math.floor(next() * 4);
    if (roll < 0.7) return Array.from({ length: size }, () => make(depth - 1));
    return Object.fromEntries(Array.from({ length: size }, (_, i) => [i === 1 ? '2' : `k${Math.floor(next() * 5)}"\n`, make(depth - 1)]));
  };
  return make(5);
}

describe('jsonParts', () => {
  it("joins to JSON.stringify(value, null, 2)'s text, at every depth", () => {
    for (let seed = 1; seed <= 3000; seed += 1) {
      // Under a key, as an artifact's fields are (JSON.stringify of a bare undefined is no text at all).
      const value = { field: randomValue(seed), list: [randomValue(seed + 1e6)] };
      for (const depth of [0, 1, 2, 4]) expect([...jsonParts(value, depth)].join('')).toBe(JSON.stringify(value, null, 2));
    }
  });

  it('hands out a large value in parts of about a megabyte, none of them the whole text', () => {
    const profile = { kind: 'profile', rows: 3, columns: Array.from({ length: 20_000 }, (_, i) => ({ name: `c${i}`, numeric: { quantiles: { '0.5': i / 7 }, histogram: { edges: [0, 1, 2], counts: [1, 2] } } })) };
    const parts = [...jsonParts(profile)];
    expect(parts.join('')).toBe(JSON.stringify(profile, null, 2));
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts.slice(0, -1)) expect(part.length).toBeGreaterThanOrEqual(1 << 20);
    expect(Math.max(...parts.map((part) => part.length))).toBeLessThan((1 << 20) + 1000);
  });
});
