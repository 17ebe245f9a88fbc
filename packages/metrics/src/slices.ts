/**
 * Slices: row groups by the value of a column, so any metric can be computed per value. The
 * caller computes metrics per group with the full label list (`labels` of the whole data set),
 * so a slice in which only one class occurs still works: its undefined metrics are null.
 */
import { classificationMetrics } from './classification.js';
import { compareCodePoints } from '@modelgate/core';
import { regressionMetrics } from './regression.js';
import type { ClassificationInput, ClassificationResult, Probabilities, RegressionResult, ResultOptions } from './types.js';

export interface SliceGroup {
  /** The column's value; null for missing values (null/undefined keys). */
  value: string | null;
  /** Row indices in ascending order. */
  rows: Int32Array;
}

/**
 * Groups row indices by key: one group per distinct value, ordered by value (code point order),
 * the missing-value group (null) last unless `includeMissing` is false.
 */
export function sliceRows(keys: ArrayLike<string | null | undefined>, options: { includeMissing?: boolean } = {}): SliceGroup[] {
  const groups = new Map<string | null, number[]>();
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] ?? null;
    if (key === null && options.includeMissing === false) continue;
    let rows = groups.get(key);
    if (!rows) groups.set(key, (rows = []));
    rows.push(i);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : compareCodePoints(a, b)))
    .map(([value, rows]) => ({ value, rows: Int32Array.from(rows) }));
}

/** The given rows of a column. */
export function selectRows(values: ArrayLike<number>, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]!]!;
  return out;
}

function selectIndexRows(values: ArrayLike<number>, rows: Int32Array): Int32Array {
  const out = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]!]!;
  return out;
}

/** The given rows of a row-major [N, width] matrix, keeping its float type. */
export function selectMatrixRows<T extends Probabilities>(matrix: T, width: number, rows: Int32Array): T {
  const out = (matrix instanceof Float32Array ? new Float32Array(rows.length * width) : new Float64Array(rows.length * width)) as T;
  // Element by element: a subarray per row would allocate an object per row.
  for (let i = 0; i < rows.length; i++) {
    const from = rows[i]! * width;
    for (let c = 0; c < width; c++) out[i * width + c] = matrix[from + c]!;
  }
  return out;
}

/** A classification input restricted to some rows (labels and positive unchanged). */
export function selectClassification(input: ClassificationInput, rows: Int32Array): ClassificationInput {
  const out: ClassificationInput = {
    labels: input.labels,
    yTrue: selectIndexRows(input.yTrue, rows),
    yPred: selectIndexRows(input.yPred, rows),
  };
  if (input.proba) out.proba = selectMatrixRows(input.proba, input.labels.length, rows);
  if (input.positive !== undefined) out.positive = input.positive;
  return out;
}

export interface SliceResult<R> {
  value: string | null;
  rows: number;
  result: R;
}

/** Classification metrics per slice (curves off unless asked for). */
export function classificationBySlice(
  input: ClassificationInput,
  keys: ArrayLike<string | null | undefined>,
  options: ResultOptions & { includeMissing?: boolean } = {},
): SliceResult<ClassificationResult>[] {
  const { includeMissing, ...resultOptions } = options;
  return sliceRows(keys, { includeMissing: includeMissing ?? true }).map(({ value, rows }) => ({
    value,
    rows: rows.length,
    result: classificationMetrics(selectClassification(input, rows), { curves: false, ...resultOptions }),
  }));
}

/** Regression metrics per slice. */
export function regressionBySlice(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  keys: ArrayLike<string | null | undefined>,
  options: { includeMissing?: boolean } = {},
): SliceResult<RegressionResult>[] {
  return sliceRows(keys, options).map(({ value, rows }) => ({
    value,
    rows: rows.length,
    result: regressionMetrics(selectRows(yTrue, rows), selectRows(yPred, rows)),
  }));
}
