import { describe, expect, it } from 'vitest';
import { giveBack, takeBuffer } from './spare-buffers.js';

describe('spare buffers', () => {
  it('hands a given-back buffer to the next taker of that size, and only once', () => {
    const size = 123_457; // a size no reader uses, so the test owns this list
    const first = takeBuffer(size);
    giveBack(first);
    giveBack(first); // twice: still one spare
    expect(takeBuffer(size)).toBe(first);
    expect(takeBuffer(size)).not.toBe(first);
    expect(takeBuffer(size + 1).byteLength).toBe(size + 1);
  });

  it('keeps two per size and at most 16 MiB in all', () => {
    const size = 98_765;
    const buffers = [takeBuffer(size), takeBuffer(size), takeBuffer(size)];
    for (const buffer of buffers) giveBack(buffer);
    const again = [takeBuffer(size), takeBuffer(size), takeBuffer(size)];
    expect(again.filter((buffer) => buffers.includes(buffer))).toHaveLength(2);

    // Three 7 MiB buffers of distinct sizes: the third would pass 16 MiB and is not kept.
    const big = [7 << 20, (7 << 20) + 1, (7 << 20) + 2].map((bytes) => takeBuffer(bytes));
    for (const buffer of big) giveBack(buffer);
    const kept = big.filter((buffer) => takeBuffer(buffer.byteLength) === buffer);
    expect(kept).toHaveLength(2);
  });
});
