/**
 * Class labels: the order of the label list, encoding string labels as indices, and the default
 * positive class of a binary problem.
 *
 * Label order (`sortLabels`) is what sklearn's `unique_labels` / `LabelBinarizer` would give for
 * the same column: if every label is a decimal number literal ("0", "-1", "2.5", "1e3") the column
 * is numeric to pandas/numpy and labels sort by numeric value (integers exactly, past 2^53 too;
 * other ties, e.g. "1" and "1.0", by string); otherwise they sort as numpy sorts unicode strings,
 * by code point (not by UTF-16 unit or locale). `proba` columns must follow the same order as `labels`.
 */
import { compareCodePoints, ConfigurationError, InputDataError } from '@modelgate/core';

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;


/** True if every label is a decimal number literal (a numeric label column). */
export function isNumericLabelSet(labels: Iterable<string>): boolean {
  for (const l of labels) if (!DECIMAL.test(l)) return false;
  return true;
}

/** Distinct labels in sklearn's order (see the module comment). */
export function sortLabels(values: Iterable<string>): string[] {
  const distinct = [...new Set(values)];
  if (distinct.length > 0 && isNumericLabelSet(distinct)) {
    return distinct.sort((a, b) => Number(a) - Number(b) || compareIntegers(a, b) || compareCodePoints(a, b));
  }
  return distinct.sort(compareCodePoints);
}

const INTEGER = /^[+-]?\d+$/;

/** Integers that round to the same double (past 2^53) in their exact order; 0 for anything else. */
function compareIntegers(a: string, b: string): number {
  if (!INTEGER.test(a) || !INTEGER.test(b)) return 0;
  const difference = BigInt(a) - BigInt(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

export interface EncodedLabels {
  labels: string[];
  yTrue: Int32Array;
  yPred: Int32Array;
}

/**
 * Encodes string labels as indices. Without `labels` the label list is the union of both columns
 * in `sortLabels` order (sklearn's `unique_labels(y_true, y_pred)`); with it, that order is used
 * and a value outside it is an error.
 */
export function encodeLabels(yTrue: readonly string[], yPred: readonly string[], labels?: readonly string[]): EncodedLabels {
  if (yTrue.length !== yPred.length) throw new RangeError(`yTrue has ${yTrue.length} rows but yPred has ${yPred.length}`);
  const list = labels ? [...labels] : sortLabels([...yTrue, ...yPred]);
  const index = new Map<string, number>();
  list.forEach((l, i) => {
    if (index.has(l)) throw new ConfigurationError(`label "${l}" is listed twice`);
    index.set(l, i);
  });
  const encode = (column: readonly string[], name: string): Int32Array => {
    const out = new Int32Array(column.length);
    for (let i = 0; i < column.length; i++) {
      const k = index.get(column[i]!);
      if (k === undefined) {
        throw new InputDataError(`${name} row ${i + 1}: label "${column[i]}" is not one of the labels [${list.join(', ')}]`);
      }
      out[i] = k;
    }
    return out;
  };
  return { labels: list, yTrue: encode(yTrue, 'y_true'), yPred: encode(yPred, 'y_pred') };
}

/**
 * sklearn's default positive class (`pos_label=1`) where it is unambiguous: two numeric labels
 * with values {0, 1} or {-1, 1} → the index of the label equal to 1. Otherwise undefined and the
 * caller must name the positive class (sklearn itself would use pos_label=1 for precision but the
 * greater label for roc_auc with e.g. {1, 2}, and raises for strings).
 */
export function defaultPositive(labels: readonly string[]): number | undefined {
  if (labels.length !== 2 || !isNumericLabelSet(labels)) return undefined;
  const values = labels.map(Number);
  const one = values.indexOf(1);
  if (one < 0) return undefined;
  const other = values[1 - one];
  return other === 0 || other === -1 ? one : undefined;
}
