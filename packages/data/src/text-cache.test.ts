import { describe, expect, it } from 'vitest';
import { TextCache } from './text-cache.js';

describe('TextCache', () => {
  it('gives itself up after 1 024 entries with fewer hits, and keeps nothing after that', () => {
    const cache = new TextCache<number>();
    for (let i = 0; i < 1023; i += 1) cache.set(`v${i}`, i);
    expect(cache.get('v5')).toBe(5); // 1 hit, 1 023 entries
    expect(cache.dropped).toBe(false);
    cache.set('v1023', 1023); // the 1 024th entry: 1 hit < 1 024
    expect(cache.dropped).toBe(true);
    expect(cache.get('v5')).toBeUndefined();
    cache.set('v5', 5);
    expect(cache.get('v5')).toBeUndefined();
  });

  it('stays while it hits at least as often as it holds entries, up to 65 536 entries', () => {
    const cache = new TextCache<number>();
    // Each value is looked up twice after it is set: twice as many hits as entries.
    for (let i = 0; i < 70_000; i += 1) {
      if (cache.get(`v${i}`) === undefined) cache.set(`v${i}`, i);
      expect(cache.get(`v${i}`)).toBe(i < 65_536 ? i : undefined);
      cache.get(`v${i}`);
    }
    expect(cache.get('v0')).toBe(0);
    expect(cache.get('v65535')).toBe(65_535);
  });

  it('drop() frees it for good', () => {
    const cache = new TextCache<string>();
    cache.set('a', 'x');
    cache.drop();
    expect(cache.dropped).toBe(true);
    cache.set('a', 'x');
    expect(cache.get('a')).toBeUndefined();
  });
});
