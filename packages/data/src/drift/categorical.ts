/**
 * Hypothesis tests on category counts, as Evidently's legacy stattests
 * (evidentlyai/evidently@a4aa4c2b3, `src/evidently/legacy/calculations/stattests/`):
 *
 * - `chisquare_stattest.py`: goodness of fit of the current counts to the reference *shares*,
 *   `scipy.stats.chisquare(f_obs = current counts, f_exp = reference counts · n_cur / n_ref)` over
 *   the union of categories; statistic Σ (obs − exp)² / exp, p = χ².sf(stat, k − 1). This is not
 *   the contingency-table test of homogeneity (`chi2_contingency`): the reference is treated as
 *   the known distribution. A category seen only in the current sample has exp = 0, so the
 *   statistic is +∞ and p = 0 (scipy divides by zero the same way).
 * - `z_stattest.py`: two-proportion z test with pooled proportion. Categories are sorted; the
 *   proportion tested is the share of values *different from the first* category;
 *   z = (p1 − p2) / sqrt(P (1 − P) (1/n1 + 1/n2)), P = (p1 n1 + p2 n2) / (n1 + n2),
 *   p = 2 (1 − Φ(|z|)) (written as Evidently does, so it is exactly 0 once Φ rounds to 1).
 *   When both samples hold the same single value, p = 1 (Evidently's special case).
 */
import { chi2Sf, ndtr, npSum } from './special.js';

export interface TestResult {
  statistic: number;
  pvalue: number;
}

/** Counts of both samples over `keys`, summed in key order. */
export function categoryTotals(keys: readonly string[], ref: ReadonlyMap<string, number>, cur: ReadonlyMap<string, number>): [number, number] {
  let nRef = 0;
  let nCur = 0;
  for (const k of keys) {
    nRef += ref.get(k) ?? 0;
    nCur += cur.get(k) ?? 0;
  }
  return [nRef, nCur];
}

/** Evidently's chi-square test over `keys` (union of categories present in either sample). */
export function chiSquareTest(keys: readonly string[], ref: ReadonlyMap<string, number>, cur: ReadonlyMap<string, number>): TestResult {
  const [nRef, nCur] = categoryTotals(keys, ref, cur);
  const kNorm = nCur / nRef;
  const terms = new Float64Array(keys.length);
  keys.forEach((k, i) => {
    const exp = (ref.get(k) ?? 0) * kNorm;
    const obs = cur.get(k) ?? 0;
    terms[i] = (obs - exp) ** 2 / exp;
  });
  const statistic = npSum(terms);
  // scipy: df = k − 1 = 0 gives NaN; with one category both samples agree, so report p = 1.
  const pvalue = keys.length < 2 ? 1 : chi2Sf(statistic, keys.length - 1);
  return { statistic, pvalue };
}

/**
 * Evidently's z test. `sortedKeys` must be sorted as Python sorts the category values
 * (see `pythonSortKeys`); counts are of non-missing values.
 */
export function zTest(sortedKeys: readonly string[], ref: ReadonlyMap<string, number>, cur: ReadonlyMap<string, number>): TestResult {
  const present = (m: ReadonlyMap<string, number>) => sortedKeys.filter((k) => (m.get(k) ?? 0) > 0);
  const refPresent = present(ref);
  const curPresent = present(cur);
  if (refPresent.length === 1 && curPresent.length === 1 && refPresent[0] === curPresent[0]) {
    return { statistic: 0, pvalue: 1 };
  }
  let n1 = 0;
  let n2 = 0;
  for (const k of sortedKeys) {
    n1 += ref.get(k) ?? 0;
    n2 += cur.get(k) ?? 0;
  }
  const first = sortedKeys[0]!;
  const p1 = (n1 - (ref.get(first) ?? 0)) / n1;
  const p2 = (n2 - (cur.get(first) ?? 0)) / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2));
  return { statistic: z, pvalue: 2 * (1 - ndtr(Math.abs(z))) };
}

