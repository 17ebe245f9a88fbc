/**
 * Golden tests against scipy 1.10.1 / numpy 1.24.2 / pandas 1.5.3 outputs written by
 * fixtures/oracles/drift_oracle.py into fixtures/drift/*.json.
 *
 * Tolerances: statistics and distances |Δ| ≤ 1e-9 · max(1, |expected|); p-values |Δ| ≤ 1e-7.
 * Drift decisions and selected tests must match exactly.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chiSquareTest, zTest } from './categorical.js';
import { categoryShares, jensenShannon, linf, wassersteinDistance } from './distances.js';
import { categoricalDrift, chooseTest, cleanSorted, numericDrift, type DriftTestName } from './index.js';
import { smirnov, kstwoSf } from './kolmogorov.js';
import { ks2sampSorted, outerProbInside, probOutsideSquare, type KsMethod } from './ks.js';
import { gcd, npStd, roundHalfEven } from './special.js';

type Num = number | string | null;
const load = <T>(file: string): T => JSON.parse(readFileSync(new URL(`../../../../fixtures/drift/${file}`, import.meta.url), 'utf8')) as T;
/** JSON encoding of the oracle: null = NaN, "Infinity"/"-Infinity" strings. */
const num = (v: Num): number => (v === null ? NaN : typeof v === 'string' ? Number(v) : v);

const STAT_TOL = 1e-9;
const P_TOL = 1e-7;
function close(actual: number, expected: number, tol: number, what: string): void {
  if (Number.isFinite(expected)) {
    const err = Math.abs(actual - expected);
    expect(err <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected} (|Δ| = ${err})`).toBe(true);
  } else {
    expect(actual, what).toBe(expected);
  }
}

interface SamplesFile {
  samples: Record<string, Num[]>;
  generated: Record<string, { count: number; mult: number; mod: number; scale: number }>;
}
const samplesFile = load<SamplesFile>('samples.json');
const samples = new Map<string, Float64Array>();
for (const [k, v] of Object.entries(samplesFile.samples)) samples.set(k, Float64Array.from(v, num));
for (const [k, g] of Object.entries(samplesFile.generated)) {
  const a = new Float64Array(g.count);
  for (let i = 0; i < g.count; i++) a[i] = (((i * g.mult) % g.mod) / g.mod) * g.scale;
  samples.set(k, a);
}
const sample = (name: string): Float64Array => samples.get(name)!;

interface KsEntry { statistic: number; pvalue: number; method_used: 'exact' | 'asymp' }
interface KsFile {
  ks_cases: ({ ref: string; cur: string } & Partial<Record<KsMethod, KsEntry>>)[];
  kstwo: [number, number, number][];
  smirnov: [number, number, number][];
  exact: [number, number, number, boolean, number, number][];
}
const ks = load<KsFile>('ks.json');

describe('ks_2samp (scipy 1.10.1)', () => {
  for (const c of ks.ks_cases) {
    for (const method of ['auto', 'asymp', 'exact'] as const) {
      const e = c[method];
      if (!e) continue;
      it(`${c.ref} vs ${c.cur}, method=${method}`, () => {
        const r = ks2sampSorted(cleanSorted(sample(c.ref)), cleanSorted(sample(c.cur)), method);
        close(r.statistic, e.statistic, STAT_TOL, 'statistic');
        close(r.pvalue, e.pvalue, P_TOL, 'pvalue');
        expect(r.method).toBe(e.method_used);
      });
    }
  }

  it('kstwo.sf over the branch grid', () => {
    for (const [n, x, e] of ks.kstwo) close(kstwoSf(x, n), e, P_TOL, `kstwo.sf(${x}, ${n})`);
  });
  it('smirnov over the grid', () => {
    for (const [n, x, e] of ks.smirnov) close(smirnov(n, x), e, P_TOL, `smirnov(${n}, ${x})`);
  });
  it('exact two-sample probabilities, bit for bit', () => {
    for (const [n1, n2, d, ok, dd, p] of ks.exact) {
      const g = gcd(n1, n2);
      const lcm = (n1 / g) * n2;
      const h = roundHalfEven(d * lcm);
      expect(h / lcm).toBe(dd);
      const prob = h === 0 ? 1 : n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
      expect(prob, `${n1}x${n2} d=${d}`).toBe(p);
      expect(prob >= 0 && prob <= 1).toBe(ok);
    }
  });
});

interface Distances {
  binning: { kind: 'hist' | 'categories'; bins: number };
  jensen_shannon: number;
  jensen_shannon_base2: number;
  psi: number;
  linf: number;
}
interface TestPair { statistic: Num; pvalue: Num }
interface Evidently { test: DriftTestName; score: number; drifted: boolean }
interface NumericCase extends Distances {
  ref: string;
  cur: string;
  ref_rows: number;
  cur_rows: number;
  uniques: number;
  wasserstein: number;
  ref_std: number;
  wasserstein_normed: number;
  chi2?: TestPair;
  z?: TestPair;
  evidently: Evidently;
}
const numeric = load<{ cases: NumericCase[] }>('numeric.json');

describe('numeric distances and Evidently defaults', () => {
  for (const c of numeric.cases) {
    it(`${c.ref} vs ${c.cur}`, () => {
      const ref = cleanSorted(sample(c.ref));
      const cur = cleanSorted(sample(c.cur));
      expect([ref.length, cur.length]).toEqual([c.ref_rows, c.cur_rows]);
      close(wassersteinDistance(ref, cur), c.wasserstein, STAT_TOL, 'wasserstein');
      close(npStd(ref), c.ref_std, STAT_TOL, 'std');
      close(numericDrift(ref, cur, 'wasserstein').statistic, c.wasserstein_normed, STAT_TOL, 'wasserstein normed');
      close(numericDrift(ref, cur, 'jensen_shannon').statistic, c.jensen_shannon, STAT_TOL, 'js');
      close(numericDrift(ref, cur, 'jensen_shannon', undefined, { jsBase: 2 }).statistic, c.jensen_shannon_base2, STAT_TOL, 'js base 2');
      close(numericDrift(ref, cur, 'psi').statistic, c.psi, STAT_TOL, 'psi');
      close(numericDrift(ref, cur, 'linf').statistic, c.linf, STAT_TOL, 'linf');
      for (const t of ['chi2', 'z'] as const) {
        const e = c[t];
        if (!e) continue;
        const r = numericDrift(ref, cur, t);
        close(r.statistic, num(e.statistic), STAT_TOL, `${t} statistic`);
        // scipy: one category → df 0 → p NaN; we report 1 (documented deviation).
        close(r.p_value!, t === 'chi2' && e.pvalue === null ? 1 : num(e.pvalue), P_TOL, `${t} p`);
      }
      // Evidently's automatic choice, on the raw samples (NaN/inf dropped inside).
      expect(chooseTest('numeric', c.ref_rows, c.uniques)).toBe(c.evidently.test);
      const auto = numericDrift(sample(c.ref), sample(c.cur));
      expect(auto.test).toBe(c.evidently.test);
      close(auto.p_value ?? auto.statistic, c.evidently.score, auto.p_value === null ? STAT_TOL : P_TOL, 'evidently score');
      expect(auto.drifted).toBe(c.evidently.drifted);
    }, 30_000);
  }
});

interface CategoricalCase extends Distances {
  name: string;
  reference: Record<string, number>;
  current: Record<string, number>;
  chi2: TestPair;
  z: TestPair;
  evidently: Evidently;
}
const categorical = load<{ cases: CategoricalCase[] }>('categorical.json');

describe('categorical tests (Evidently formulas)', () => {
  for (const c of categorical.cases) {
    it(c.name, () => {
      const ref = new Map(Object.entries(c.reference));
      const cur = new Map(Object.entries(c.current));
      const chi2 = categoricalDrift(ref, cur, 'chi2');
      close(chi2.statistic, num(c.chi2.statistic), STAT_TOL, 'chi2 statistic');
      // scipy: one category → df 0 → p NaN; we report 1 (documented deviation).
      close(chi2.p_value!, c.chi2.pvalue === null ? 1 : num(c.chi2.pvalue), P_TOL, 'chi2 p');
      const z = categoricalDrift(ref, cur, 'z');
      close(z.statistic, num(c.z.statistic), STAT_TOL, 'z statistic');
      close(z.p_value!, num(c.z.pvalue), P_TOL, 'z p');
      close(categoricalDrift(ref, cur, 'jensen_shannon').statistic, c.jensen_shannon, STAT_TOL, 'js');
      close(categoricalDrift(ref, cur, 'jensen_shannon', undefined, { jsBase: 2 }).statistic, c.jensen_shannon_base2, STAT_TOL, 'js2');
      close(categoricalDrift(ref, cur, 'psi').statistic, c.psi, STAT_TOL, 'psi');
      close(categoricalDrift(ref, cur, 'linf').statistic, c.linf, STAT_TOL, 'linf');
      const auto = categoricalDrift(ref, cur);
      expect(auto.test).toBe(c.evidently.test);
      close(auto.p_value ?? auto.statistic, c.evidently.score, P_TOL, 'evidently score');
      expect(auto.drifted).toBe(c.evidently.drifted);
    });
  }

  it('internal helpers agree with the public API', () => {
    const ref = new Map([['a', 3], ['b', 1]]);
    const cur = new Map([['a', 1], ['b', 3]]);
    const keys = ['a', 'b'];
    expect(chiSquareTest(keys, ref, cur).statistic).toBe(categoricalDrift(ref, cur, 'chi2').statistic);
    expect(zTest(keys, ref, cur).pvalue).toBe(categoricalDrift(ref, cur, 'z').p_value);
    const s = categoryShares(keys, ref, cur);
    expect(linf(s.reference, s.current)).toBe(0.5);
    expect(jensenShannon(s.reference, s.current, 2)).toBeCloseTo(categoricalDrift(ref, cur, 'jensen_shannon', 0, { jsBase: 2 }).statistic, 15);
  });
});
