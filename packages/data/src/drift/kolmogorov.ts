/**
 * Survival function of the two-sided one-sample Kolmogorov–Smirnov statistic D_n,
 * `scipy.stats.kstwo.sf(d, n)` — which `ks_2samp` uses for its asymptotic p-value.
 *
 * Ported from scipy 1.10.1: `scipy/stats/_ksstats.py` (`_kolmogn`, the Simard & L'Ecuyer 2011
 * selection between Ruben–Gambino closed forms, the Durbin matrix algorithm in the
 * Marsaglia–Tsang–Wang form, Pomeranz' recursion, the Pelz–Good expansion, and 2·Smirnov for
 * the upper tail), and `scipy/special/cephes/kolmogorov.c` (`_smirnov`, the exact one-sided
 * Smirnov–Birnbaum–Tingey sum). Cephes evaluates that sum in double-double arithmetic; here each
 * term is formed in logs from exactly computed bases (n·x split into floor and remainder), which
 * keeps the relative error of the sum near 1e-12 for the sample sizes the tests see.
 */

const E128 = 2 ** 128;
const EM128 = 2 ** -128;
const DBL_EPSILON = 2 ** -52;
const MINLOG = -7.451332191019412076235e2; // cephes, log(2^-1075)
const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const SQRT2PI = Math.sqrt(2 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);
const STIRLING = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
  -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
];

const clip = (p: number): number => Math.min(1, Math.max(0, p));

function logNFactorialDivNPowN(n: number): number {
  const rn = 1 / n;
  let poly = 0;
  for (const c of STIRLING) poly = poly * (rn / n) + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

/** Exact n·x as floor + remainder (cephes modNX): the product is split with Dekker's algorithm. */
function modNX(n: number, x: number): { nxfl: number; alpha: number; nx: number } {
  const hi = n * x;
  const split = (v: number): [number, number] => {
    const t = 134217729 * v;
    const h = t - (t - v);
    return [h, v - h];
  };
  const [nh, nl] = split(n);
  const [xh, xl] = split(x);
  const lo = nh * xh - hi + nh * xl + nl * xh + nl * xl;
  let nxfl: number;
  let alpha: number;
  const f = Math.floor(hi);
  if (f === hi) {
    const fl = Math.floor(lo);
    nxfl = hi + fl;
    alpha = lo - fl;
  } else {
    nxfl = f;
    alpha = hi - f + lo;
    if (alpha < 0) { nxfl -= 1; alpha += 1; }
  }
  if (alpha >= 1) { nxfl += 1; alpha = 0; }
  return { nxfl, alpha, nx: hi };
}

/** `scipy.special.smirnov(n, x)`: P(D_n^+ ≥ x), the one-sided Smirnov survival function. */
export function smirnov(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const { nxfl, alpha } = modNX(n, x);
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  let n1mxceil = n - nxfl;
  if (alpha === 0) { n1mxfl -= 1; n1mxceil += 1; }
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) return clip(1 - x * Math.pow(1 + x, n - 1));
  if (-2 * n * x * x < MINLOG) return 0;
  if (nxfl >= n - 1) return clip(Math.pow(1 - x, n));
  if (n > 1_000_000) {
    const logp = -Math.pow(6 * n * x + 1, 2) / 18 / n;
    return clip(logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp));
  }
  const nUpperTerms = n - n1mxceil + 1;
  const useUpper = (nUpperTerms <= 1 && x < 0.5) || (n >= 10 && nUpperTerms <= 3 && x <= 0.5 / Math.sqrt(n));
  const start = useUpper ? n : 0;
  const step = useUpper ? -1 : 1;
  const nTerms = useUpper ? nUpperTerms : n1mxfl + 1;
  // First term: v = n gives (1+x)^(n-1); v = 0 gives (1-x)^n / x.
  let sum = useUpper ? Math.pow(1 + x, n - 1) : Math.pow(1 - x, n) / x;
  // C(n, v) as cMan · 2^cExp, updated by exact-ratio products (a running sum of logs would
  // accumulate ~1e-9 relative error over 1e5 terms).
  let cMan = n;
  let cExp = 0;
  const vmid = Math.floor(n / 2);
  for (let j = 1; j < nTerms; j++) {
    const v = start + j * step;
    // A_v = C(n,v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v), bases from the exact n·x = nxfl + alpha.
    const t1x = (nxfl + v + alpha) / n;
    const t2x = (n - nxfl - v - alpha) / n;
    const logA = Math.log(cMan) + cExp * Math.LN2 + (v - 1) * Math.log(t1x) + (n - v) * Math.log(Math.abs(t2x));
    let aj = Math.exp(logA);
    if (t2x < 0 && (n - v) % 2 === 1) aj = -aj;
    if (Number.isFinite(aj) && aj !== 0) sum += aj;
    if (aj !== 0) {
      if (4 * (nTerms - j) * Math.abs(aj) < DBL_EPSILON * sum && j !== nTerms - 1) break;
    } else if (j > vmid) {
      break;
    }
    cMan *= (n - j) / (j + 1);
    if (cMan > 2 ** 500) {
      cMan *= 2 ** -500;
      cExp += 500;
    } else if (cMan < 2 ** -500) {
      cMan *= 2 ** 500;
      cExp -= 500;
    }
  }
  const prob = x * sum;
  return clip(step < 0 ? 1 - prob : prob);
}

/** Durbin's matrix algorithm (Marsaglia, Tsang & Wang 2003): P(D_n ≤ d). */
function kolmognDMTW(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    v[j - 1] = 1 - Math.pow(h, j);
    w[j - 1] = fac;
    fac /= j;
    v[j - 1]! *= fac;
  }
  const tt = Math.pow(Math.max(2 * h - 1, 0), m) - 2 * Math.pow(h, m);
  v[m - 1] = (1 + tt) * fac;
  let H: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1]!;
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;
  const matmul = (A: Float64Array, B: Float64Array): Float64Array => {
    const C = new Float64Array(m * m);
    for (let i = 0; i < m; i++)
      for (let l = 0; l < m; l++) {
        const a = A[i * m + l]!;
        if (a === 0) continue;
        for (let j = 0; j < m; j++) C[i * m + j]! += a * B[l * m + j]!;
      }
    return C;
  };
  let Hpwr: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Hpwr[i * m + i] = 1;
  let nn = n;
  let expnt = 0;
  let Hexpnt = 0;
  while (nn > 0) {
    if (nn % 2) {
      Hpwr = matmul(Hpwr, H);
      expnt += Hexpnt;
    }
    H = matmul(H, H);
    Hexpnt *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)]!) > E128) {
      for (let i = 0; i < H.length; i++) H[i]! /= E128;
      Hexpnt += 128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = Hpwr[(k - 1) * m + (k - 1)]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= E128;
      expnt -= 128;
    }
  }
  if (expnt !== 0) p *= 2 ** expnt;
  return clip(p);
}

function pomeranzJ1J2(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number, j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    const ip1mod2 = (i + 1) % 2;
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** Pomeranz' recursion (1974): P(D_n ≤ x). */
function kolmognPomeranz(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = twogpower[0] = onem2gpower[0] = 1;
  let expnt = 0;
  const gOverN = g / n, twoGOverN = (2 * g) / n, oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = (gpower[m - 1]! * gOverN) / m;
    twogpower[m] = (twogpower[m - 1]! * twoGOverN) / m;
    onem2gpower[m] = (onem2gpower[m - 1]! * oneMinusTwoGOverN) / m;
  }
  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0, V1s = 0;
  let [j1, j2] = pomeranzJ1J2(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0);
    [j1, j2] = pomeranzJ1J2(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      // np.convolve(V0[k1-V0s : k1-V0s+ln2], pwrs[:ln2]), entries conv_start .. conv_start+conv_len-1.
      const off = k1 - V0s;
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      let max = 0;
      for (let q = 0; q < convLen; q++) {
        const kk = convStart + q;
        let s = 0;
        for (let a = Math.max(0, kk - ln2 + 1); a <= Math.min(kk, ln2 - 1); a++) s += V0[off + a]! * pwrs[kk - a]!;
        V1[q] = s;
        if (s > max) max = s;
      }
      if (max > 0 && max < EM128) {
        for (let q = 0; q < npwrs; q++) V1[q]! *= E128;
        expnt -= 128;
      }
      V1s = V0s + j1 - k1;
    }
  }
  let ans = V1[n - V1s]!;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > E128) {
      ans *= EM128;
      expnt += 128;
    }
    ans *= m;
  }
  if (expnt !== 0) ans *= 2 ** expnt;
  return clip(ans);
}

/** Pelz–Good (1976) expansion of P(D_n ≤ x), unclipped as scipy returns it. */
function kolmognPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z ** 2, z3 = z ** 3, z4 = z ** 4, z6 = z ** 6;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2, k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4, k2b = ((2 * z4 - 5 * z2) * PI2) / 4, k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m ** 2, m4 = m ** 4, m6 = m ** 6;
    const qp = Math.pow(q, 8 * k);
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = K[i]! * qp + coeffs[i]!;
  }
  const div = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / div[i]!;
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0, k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const ks2 = k * k;
    const qp = Math.pow(q, ks2);
    k2extra += ks2 * qp;
    const kspi = Math.PI * k;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp;
  }
  K[2]! += k2extra * ((PI2 * SQRT2PI) / (-36 * z3));
  K[3]! += k3extra * ((PI2 * SQRT2PI) / (216 * z6));
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i]! / Math.pow(n, i / 2);
  return sum;
}

/** `scipy.stats.kstwo.sf(x, n)`: P(D_n ≥ x) for integer n ≥ 1. */
export function kstwoSf(x: number, n: number): number {
  if (!(n >= 1) || !Number.isInteger(n) || Number.isNaN(x)) return NaN;
  if (x <= 0.5 / n) return 1; // at or left of the support (rv_continuous.sf)
  if (x >= 1) return 0;
  const t = n * x;
  if (t <= 1) {
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    }
    return clip(1 - prob);
  }
  if (t >= n - 1) return clip(2 * Math.pow(1 - x, n));
  if (x >= 0.5) return clip(2 * smirnov(n, x));
  const nxsquared = t * x;
  if (n <= 140) {
    if (nxsquared <= 0.754693) return clip(1 - kolmognDMTW(n, x));
    if (nxsquared <= 4) return clip(1 - kolmognPomeranz(n, x));
    return clip(2 * smirnov(n, x));
  }
  if (nxsquared >= 370) return 0;
  if (nxsquared >= 2.2) return clip(2 * smirnov(n, x));
  const cdf = n <= 100000 && n * Math.pow(x, 1.5) <= 1.4 ? kolmognDMTW(n, x) : kolmognPelzGood(n, x);
  return clip(1 - cdf);
}
