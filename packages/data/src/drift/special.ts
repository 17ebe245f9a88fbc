/**
 * Numeric building blocks shared by the drift tests, written to reproduce numpy/scipy results:
 * numpy's summation order, numpy's `round` (half to even), cephes' `ndtr`/`erfc`, and the χ²
 * survival function (regularized upper incomplete gamma).
 */
import { pairwiseSum } from '@modelgate/core';

/**
 * `np.sum` of a 1-D float64 array, bit for bit: numpy 1.24 reduces in buffer-sized chunks of
 * 8192 elements, each summed pairwise, the chunk sums accumulated left to right (verified
 * against numpy on random data of many sizes).
 */
export function npSum(a: ArrayLike<number>): number {
  const n = a.length;
  if (n === 0) return 0;
  let res = pairwiseSum(a, 0, Math.min(8192, n));
  for (let i = 8192; i < n; i += 8192) res += pairwiseSum(a, i, Math.min(8192, n - i));
  return res;
}

/** `np.std(a)` (ddof = 0): mean by npSum, then npSum of squared deviations. */
export function npStd(a: ArrayLike<number>): number {
  const n = a.length;
  const mean = npSum(a) / n;
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - mean;
    sq[i] = d * d;
  }
  return Math.sqrt(npSum(sq) / n);
}

/** `np.round(x)`: round half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds .5 up; correct exact ties to the even neighbour.
  if (Math.abs(x % 1) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

// ---------------------------------------------------------------------------------------------
// cephes ndtr / erf / erfc (scipy/special/cephes/ndtr.c, scipy 1.10.1), used by scipy.stats.norm.

const ERFC_P = [
  2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0, 4.86371970985681366614e1,
  1.96520832956077098242e2, 5.26445194995477358631e2, 9.3452852717195760754e2, 1.02755188689515710272e3,
  5.57535335369399327526e2,
];
const ERFC_Q = [
  1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2, 9.75708501743205489753e2,
  1.82390916687909736289e3, 2.24633760818710981792e3, 1.65666309194161350182e3, 5.57535340817727675546e2,
];
const ERFC_R = [
  5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0, 6.16021097993053585195e0,
  7.4097426995044893916e0, 2.9788666537210024067e0,
];
const ERFC_S = [
  2.2605286322011727659e0, 9.39603524938001434673e0, 1.20489539808096656605e1, 1.70814450747565897222e1,
  9.60896809063285878198e0, 3.3690764510008151605e0,
];
const ERF_T = [9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3, 7.00332514112805075473e3, 5.55923013010394962768e4];
const ERF_U = [3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3, 2.26290000613890934246e4, 4.92673942608635921086e4];
const MAXLOG = 7.09782712893383996732e2;

function polevl(x: number, c: readonly number[]): number {
  let ans = c[0]!;
  for (let i = 1; i < c.length; i++) ans = ans * x + c[i]!;
  return ans;
}
function p1evl(x: number, c: readonly number[]): number {
  let ans = x + c[0]!;
  for (let i = 1; i < c.length; i++) ans = ans * x + c[i]!;
  return ans;
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return -erf(-x);
  if (Math.abs(x) > 1) return 1 - erfc(x);
  const z = x * x;
  return (x * polevl(z, ERF_T)) / p1evl(z, ERF_U);
}

export function erfc(a: number): number {
  if (Number.isNaN(a)) return NaN;
  const x = Math.abs(a);
  if (x < 1) return 1 - erf(a);
  let z = -a * a;
  if (z < -MAXLOG) return a < 0 ? 2 : 0;
  z = Math.exp(z);
  const [p, q] = x < 8 ? [polevl(x, ERFC_P), p1evl(x, ERFC_Q)] : [polevl(x, ERFC_R), p1evl(x, ERFC_S)];
  let y = (z * p) / q;
  if (a < 0) y = 2 - y;
  if (y !== 0) return y;
  return a < 0 ? 2 : 0;
}

/** Standard normal CDF, `scipy.special.ndtr` = `scipy.stats.norm.cdf`. */
export function ndtr(a: number): number {
  if (Number.isNaN(a)) return NaN;
  const x = a * Math.SQRT1_2;
  const z = Math.abs(x);
  if (z < Math.SQRT1_2) return 0.5 + 0.5 * erf(x);
  const y = 0.5 * erfc(z);
  return x > 0 ? 1 - y : y;
}

// ---------------------------------------------------------------------------------------------
// χ² survival function = Q(df/2, x/2), the regularized upper incomplete gamma function.

const LN_SQRT_2PI = 0.91893853320467274178;

/** log Γ(x) for x > 0: Stirling's series for x ≥ 15, shifted up by the recurrence below that. */
export function lgamma(x: number): number {
  if (x < 15) {
    let prod = 1;
    let y = x;
    while (y < 15) prod *= y++;
    return lgamma(y) - Math.log(prod);
  }
  const r = 1 / x;
  const r2 = r * r;
  // Bernoulli terms B_2k / (2k (2k-1) x^(2k-1)), k = 1..7: error < 1e-17 for x ≥ 15.
  const series =
    r * (1 / 12 + r2 * (-1 / 360 + r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188 + r2 * (-691 / 360360 + r2 * (1 / 156)))))));
  return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + series;
}

/** Regularized upper incomplete gamma Q(a, x), a > 0: series for P when x < a + 1, else Lentz's continued fraction. */
export function gammaincc(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return NaN;
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  const logPrefactor = a * Math.log(x) - x - lgamma(a);
  if (x < a + 1) {
    if (logPrefactor < -745.2) return 1; // P underflows
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1_000_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    return 1 - sum * Math.exp(logPrefactor);
  }
  if (logPrefactor < -745.2) return 0;
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1_000_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(logPrefactor) * h;
}

/** `scipy.stats.chi2.sf(x, df)` for df > 0 (x ≤ 0 → 1, as rv_continuous does left of the support). */
export function chi2Sf(x: number, df: number): number {
  if (!(df > 0) || Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  return Math.min(1, Math.max(0, gammaincc(df / 2, x / 2)));
}
