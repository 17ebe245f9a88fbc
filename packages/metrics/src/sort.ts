/**
 * Ascending sort of finite float64 values. Order equals the built-in numeric sort, including -0
 * before +0.
 *
 * Up to 2^18 values it is the built-in sort: V8's typed-array sort is native code, ready from the
 * first call, while a radix sort's loops start in the interpreter. A one-shot evaluation of 100k
 * rows sorts its scores a few times, cold: 45 ms less this way. From 2^18 values on, an LSD radix
 * sort on the IEEE-754 bits (`radixSortFloat64`) is several times faster.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const RADIX_MIN = 1 << 18;

/** Sorts `values` in place and returns it. Values must not be NaN. */
export function sortFloat64(values: Float64Array): Float64Array {
  return values.length < RADIX_MIN ? values.sort() : radixSortFloat64(values);
}

/**
 * LSD radix sort on the IEEE-754 bits (four 16-bit digits, digits on which all keys agree
 * skipped); big-endian platforms fall back to the built-in sort. In place; values must not be NaN.
 */
export function radixSortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (!LITTLE_ENDIAN) return values.sort();
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  // Order-preserving unsigned keys: flip every bit of negatives, only the sign bit of the rest.
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + 1]!;
    const l = words[2 * i]!;
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  let lo2 = new Uint32Array(n);
  let hi2 = new Uint32Array(n);
  const counts = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const src = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(src[i]! >>> shift) & 0xffff]!++;
    if (counts[(src[0]! >>> shift) & 0xffff] === n) continue; // every key has this digit
    let total = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[d]!;
      counts[d] = total;
      total += c;
    }
    for (let i = 0; i < n; i++) {
      const k = counts[(src[i]! >>> shift) & 0xffff]!++;
      lo2[k] = lo[i]!;
      hi2[k] = hi[i]!;
    }
    [lo, lo2] = [lo2, lo];
    [hi, hi2] = [hi2, hi];
  }
  for (let i = 0; i < n; i++) {
    const h = hi[i]!;
    if (h & 0x80000000) {
      words[2 * i + 1] = (h & 0x7fffffff) >>> 0;
      words[2 * i] = lo[i]!;
    } else {
      words[2 * i + 1] = ~h >>> 0;
      words[2 * i] = ~lo[i]! >>> 0;
    }
  }
  return values;
}
