/**
 * A 64-bit hash of a key (as two 32-bit halves) for HyperLogLog: MurmurHash3's x86_32 body and
 * finaliser run with two seeds over the key's bytes (a number's IEEE-754 bits, a string's UTF-16
 * code units, a boolean's tag). Pure 32-bit integer arithmetic, so every platform computes the
 * same registers and serialized sketches merge across machines.
 */
import { powerOfTwoShare } from '../table.js';
import type { Key } from './classify.js';

/** `HASH[0]`, `HASH[1]`: the two halves of the last `hashKey` (uint32 as int32). */
export const HASH = new Int32Array(2);

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const SEED_A = 0x9747b28c;
const SEED_B = 0x5bd1e995;
const bits = new Float64Array(1);
const words = new Int32Array(bits.buffer);

function round(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number, length: number): number {
  h ^= length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export function hashKey(key: Key): void {
  let a: number;
  let b: number;
  if (typeof key === 'number') {
    bits[0] = key !== key ? Number.NaN : key; // one NaN bit pattern
    const lo = words[0]!;
    const hi = words[1]!;
    a = finish(round(round(SEED_A ^ 1, lo), hi), 8);
    b = finish(round(round(SEED_B ^ 1, lo), hi), 8);
  } else if (typeof key === 'boolean') {
    a = finish(round(SEED_A ^ 3, key ? 1 : 0), 1);
    b = finish(round(SEED_B ^ 3, key ? 1 : 0), 1);
  } else {
    a = SEED_A ^ 2;
    b = SEED_B ^ 2;
    const len = key.length;
    let i = 0;
    for (; i + 1 < len; i += 2) {
      const k = key.charCodeAt(i) | (key.charCodeAt(i + 1) << 16);
      a = round(a, k);
      b = round(b, k);
    }
    if (i < len) {
      const k = key.charCodeAt(i);
      a = round(a, k);
      b = round(b, k);
    }
    a = finish(a, len * 2);
    b = finish(b, len * 2);
  }
  HASH[0] = a;
  HASH[1] = b;
}

/** Slots of a column's identity cache (see stringSlot) in a table of up to 64 columns. */
export const IDENTITY_SLOTS = 512;

/**
 * Slots of each column's identity cache in a table of `columns` columns: IDENTITY_SLOTS up to 64
 * columns, then fewer (a power of two, at least 32), 32 768 in all up to 1 024 columns. A wide
 * file has thousands of these caches in the profiler and the validator, each an array the garbage
 * collector walks: 10 000 columns × 300 rows took 19.4-20.0 s at 1.90 GB of RSS with 512 slots,
 * 17.2-19.9 s at 1.66-1.72 GB with 32 (runs in turn). Only speed depends on it, never a result.
 */
export function identitySlots(columns: number): number {
  return powerOfTwoShare(64 * IDENTITY_SLOTS, columns, 32, IDENTITY_SLOTS);
}

/**
 * Slot of a string in a direct-mapped identity cache of `slots` entries (a power of two): a few
 * characters mixed with the length, cheap enough for every cell. The readers hand out one string
 * object per repeated value, so a hit is a pointer comparison; the profiler and the validator
 * keep such caches in front of their Maps.
 */
export function stringSlot(value: string, slots: number): number {
  const len = value.length;
  return (len ^ (value.charCodeAt(0) << 2) ^ (value.charCodeAt(len >> 1) << 1) ^ (value.charCodeAt(len - 1) << 4)) & (slots - 1);
}
