/**
 * Hoare's quickselect with a median-of-three pivot: reorders `keys` so that `keys[rank]` is the value
 * a sort would put there, every key before it no larger and every key after it no smaller, and
 * returns it. `companion`, when given, is moved along with `keys` (values that belong to the keys).
 */
export function quickselect(keys: Float64Array, rank: number, companion?: Float64Array): number {
  let low = 0;
  let high = keys.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const a = keys[low]!;
    const b = keys[mid]!;
    const c = keys[high]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = low;
    let j = high;
    while (i <= j) {
      while (keys[i]! < pivot) i += 1;
      while (keys[j]! > pivot) j -= 1;
      if (i <= j) {
        const key = keys[i]!;
        keys[i] = keys[j]!;
        keys[j] = key;
        if (companion) {
          const value = companion[i]!;
          companion[i] = companion[j]!;
          companion[j] = value;
        }
        i += 1;
        j -= 1;
      }
    }
    // Narrow to the side holding `rank`; between j and i every key equals the pivot.
    if (rank <= j) high = j;
    else if (rank >= i) low = i;
    else break;
  }
  return keys[rank]!;
}

/** Buckets of `selectSmallest`: about 50 keys each for the 200 000 a full reservoir holds. */
const BUCKETS = 4096;

/**
 * Moves the pairs of the `k` smallest of `keys[0, n)` (every key in [0, top]) to the front, in
 * any order, with `values` moving along, and returns the largest of them. For keys spread evenly
 * over [0, top], as a reservoir's random keys are, this is two linear passes: a histogram over
 * BUCKETS ranges of keys finds the range holding the k-th smallest, the ranges below it are kept
 * whole, and quickselect sorts out the few keys of that range. (Quickselect over everything moves
 * each pair several times; this moves each at most twice.)
 */
export function selectSmallest(keys: Float64Array, values: Float64Array, n: number, k: number, top: number): number {
  if (k <= 0 || k > n) throw new RangeError(`k must be in 1..${n}, got ${k}`);
  if (!(top > 0) || !Number.isFinite(top)) return quickselect(keys.subarray(0, n), k - 1, values.subarray(0, n));
  const scale = BUCKETS / top;
  const counts = new Int32Array(BUCKETS);
  for (let i = 0; i < n; i += 1) counts[Math.min(BUCKETS - 1, Math.floor(keys[i]! * scale))]! += 1;
  // The bucket of the k-th smallest key, and how many keys lie below it.
  let bucket = 0;
  let below = 0;
  while (below + counts[bucket]! < k) below += counts[bucket++]!;
  const edgeKeys = new Float64Array(counts[bucket]!);
  const edgeValues = new Float64Array(counts[bucket]!);
  let kept = 0;
  let edge = 0;
  for (let i = 0; i < n; i += 1) {
    const key = keys[i]!;
    const b = Math.min(BUCKETS - 1, Math.floor(key * scale));
    if (b < bucket) {
      keys[kept] = key;
      values[kept] = values[i]!;
      kept += 1;
    } else if (b === bucket) {
      edgeKeys[edge] = key;
      edgeValues[edge] = values[i]!;
      edge += 1;
    }
  }
  // Every key of a lower bucket is below every key of this one: its smallest make up the rest.
  const largest = quickselect(edgeKeys, k - below - 1, edgeValues);
  keys.set(edgeKeys.subarray(0, k - below), kept);
  values.set(edgeValues.subarray(0, k - below), kept);
  return largest;
}
