/**
 * An empty array that may hold any value from the start. V8 lays out `[]` for small integers and
 * changes the layout when the first double or string arrives; code compiled for the old layout is
 * then thrown away and compiled again. An array that begins generic never changes layout, so the
 * profiler's hot loops are compiled once whatever the column holds (numbers, strings, booleans).
 */
export function genericArray<T>(): T[] {
  const array: unknown[] = [null];
  array.pop();
  return array as T[];
}
