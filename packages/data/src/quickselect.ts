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
