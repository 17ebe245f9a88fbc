import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { csvField, csvRecord } from './csv.js';
import {
  CORRUPTION_KINDS,
  DEFAULT_ROWS,
  DOWNSTREAM_COLUMNS,
  DRIFTED_COLUMNS,
  INCOME_CATEGORIES,
  INCOME_COLUMNS,
  INCOME_VARIANTS,
  STABLE_COLUMNS,
  corruptionManifest,
  corruptionManifestJson,
  generateIncomeRows,
  incomeCsv,
  incomeCsvChunks,
  type IncomeColumn,
  type IncomeRow,
  type IncomeVariant,
} from './income.js';
import { Categorical, Xoshiro128, expDet } from './prng.js';

const FIXTURES = fileURLToPath(new URL('../../../../fixtures/income/', import.meta.url));
const HEADER =
  'age,workclass,education,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income';

/** Strict RFC 4180 parser for one record (the generator never emits embedded newlines). */
function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) throw new Error(`unterminated quote in ${line}`);
        field += line.slice(i, q);
        i = q + 1;
        if (line[i] === '"') { field += '"'; i++; } else break;
      }
    } else {
      const c = line.indexOf(',', i);
      const end = c === -1 ? line.length : c;
      field = line.slice(i, end);
      if (field.includes('"')) throw new Error(`stray quote in ${line}`);
      i = end;
    }
    fields.push(field);
    if (i === line.length) return fields;
    if (line[i] !== ',') throw new Error(`garbage after field in ${line}`);
    i++;
  }
}

/** Physical lines without the final empty string after the trailing newline. */
function lines(text: string): string[] {
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

const readFixture = (name: string): string => readFileSync(FIXTURES + name, 'utf8');
const col = (c: IncomeColumn): number => INCOME_COLUMNS.indexOf(c);
const isInt = (v: string, lo: number, hi: number): boolean => /^\d+$/.test(v) && +v >= lo && +v <= hi;

/** Is this field valid for its column in the clean variants? */
function fieldOk(c: IncomeColumn, v: string): boolean {
  switch (c) {
    case 'age': return isInt(v, 17, 90);
    case 'hours_per_week': return isInt(v, 1, 99);
    case 'capital_gain': case 'capital_loss': return isInt(v, 0, 99999);
    default: return (INCOME_CATEGORIES[c] as readonly string[]).includes(v);
  }
}

const rowsOf = (variant: IncomeVariant, rows: number, seed?: number): IncomeRow[] =>
  [...generateIncomeRows({ variant, rows, ...(seed === undefined ? {} : { seed }) })];
const share = (rs: IncomeRow[], pred: (r: IncomeRow) => boolean): number => rs.filter(pred).length / rs.length;
const mean = (rs: IncomeRow[], f: (r: IncomeRow) => number): number => rs.reduce((a, r) => a + f(r), 0) / rs.length;
const positive = (r: IncomeRow): boolean => r.income === '>50K';

/** Total variation distance between the value distributions of one column. */
function tvd(a: IncomeRow[], b: IncomeRow[], c: IncomeColumn): number {
  const count = (rs: IncomeRow[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const r of rs) m.set(String(r[c]), (m.get(String(r[c])) ?? 0) + 1 / rs.length);
    return m;
  };
  const da = count(a);
  const db = count(b);
  let sum = 0;
  for (const k of new Set([...da.keys(), ...db.keys()])) sum += Math.abs((da.get(k) ?? 0) - (db.get(k) ?? 0));
  return sum / 2;
}

const train20k = rowsOf('train', 20_000);
const holdout20k = rowsOf('holdout', 20_000);
const drifted20k = rowsOf('drifted', 20_000);

describe('determinism', () => {
  it.each(INCOME_VARIANTS)('%s: same seed gives identical text, another seed differs', (variant) => {
    const a = incomeCsv({ variant, rows: 3000, seed: 7 });
    expect(incomeCsv({ variant, rows: 3000, seed: 7 })).toBe(a);
    const b = incomeCsv({ variant, rows: 3000, seed: 8 });
    expect(b).not.toBe(a);
    expect(lines(b).slice(1)).not.toEqual(lines(a).slice(1));
  });

  it('variants use independent streams even with the same seed', () => {
    const first = (v: IncomeVariant): string[] => lines(incomeCsv({ variant: v, rows: 200, seed: 1 })).slice(1);
    const train = first('train');
    for (const v of ['holdout', 'drifted', 'corrupted'] as const) {
      const other = first(v);
      expect(other.filter((l, i) => l === train[i]).length).toBeLessThan(5);
    }
  });

  it('a prefix of a longer run equals the shorter run (rows only changes the length)', () => {
    const short = incomeCsv({ variant: 'train', rows: 100 });
    expect(incomeCsv({ variant: 'train', rows: 300 }).startsWith(short)).toBe(true);
  });

  it('generateIncomeRows agrees field by field with the CSV', () => {
    const text = lines(incomeCsv({ variant: 'drifted', rows: 500 }));
    rowsOf('drifted', 500).forEach((row, i) => {
      expect(parseCsvLine(text[i + 1]!)).toEqual(INCOME_COLUMNS.map((c) => String(row[c])));
    });
  });
});

describe('streaming', () => {
  it('chunks concatenate to the whole CSV and respect chunkSize', () => {
    const chunks = [...incomeCsvChunks({ variant: 'corrupted', rows: 2000, chunkSize: 1000 })];
    expect(chunks.join('')).toBe(incomeCsv({ variant: 'corrupted', rows: 2000 }));
    expect(chunks.length).toBeGreaterThan(150);
    for (const c of chunks.slice(0, -1)) {
      expect(c.length).toBeGreaterThanOrEqual(1000);
      expect(c.length).toBeLessThan(1000 + 200);
      expect(c.endsWith('\n')).toBe(true);
    }
  });

  it('is lazy: the first chunk of a trillion-row request arrives immediately', () => {
    const it = incomeCsvChunks({ variant: 'train', rows: 1e12, chunkSize: 4096 });
    const first = it.next();
    expect(first.done).toBe(false);
    expect(first.value!.startsWith(`${HEADER}\n`)).toBe(true);
    expect(first.value!.length).toBeLessThan(4096 + 200);
    void it.return();
  });

  it('rows: 0 is just the header', () => {
    expect(incomeCsv({ variant: 'train', rows: 0 })).toBe(`${HEADER}\n`);
  });

  it('rejects bad options', () => {
    expect(() => incomeCsv({ variant: 'train', rows: -1 })).toThrow(/rows/);
    expect(() => incomeCsv({ variant: 'train', rows: 1.5 })).toThrow(/rows/);
    expect(() => incomeCsv({ variant: 'train', seed: 2 ** 32 })).toThrow(/seed/);
    expect(() => incomeCsv({ variant: 'test' as IncomeVariant })).toThrow(/variant/);
    expect(() => [...incomeCsvChunks({ variant: 'train', chunkSize: 0 })]).toThrow(/chunkSize/);
  });
});

describe('committed fixtures', () => {
  it.each(INCOME_VARIANTS)('%s.csv equals a fresh generation with the defaults', (variant) => {
    const text = readFixture(`${variant}.csv`);
    expect(lines(text)).toHaveLength(DEFAULT_ROWS[variant] + 1);
    expect(text === incomeCsv({ variant }), `${variant}.csv is stale: run npm run fixtures`).toBe(true);
  });

  it('corrupted.manifest.json equals a fresh generation', () => {
    expect(readFixture('corrupted.manifest.json')).toBe(corruptionManifestJson());
  });

  it('stays small enough to commit (< 1 MB in total)', () => {
    const names = [...INCOME_VARIANTS.map((v) => `${v}.csv`), 'corrupted.manifest.json'];
    expect(names.reduce((a, n) => a + statSync(FIXTURES + n).size, 0)).toBeLessThan(1_000_000);
  });
});

describe('schema and domains', () => {
  it('column order and header are fixed', () => {
    expect(INCOME_COLUMNS.join(',')).toBe(HEADER);
    for (const v of INCOME_VARIANTS) expect(lines(readFixture(`${v}.csv`))[0]).toBe(HEADER);
  });

  it.each(INCOME_VARIANTS)('every %s row has 13 fields', (variant) => {
    for (const line of lines(readFixture(`${variant}.csv`))) expect(parseCsvLine(line)).toHaveLength(13);
  });

  it('category sets look like Adult and contain no missing marker', () => {
    expect(INCOME_CATEGORIES.workclass).toContain('Private');
    expect(INCOME_CATEGORIES.education).toEqual(expect.arrayContaining(['Bachelors', 'HS-grad', 'Some-college', 'Masters', 'Doctorate']));
    expect(INCOME_CATEGORIES.native_country).toHaveLength(41);
    expect(INCOME_CATEGORIES.income).toEqual(['<=50K', '>50K']);
    for (const values of Object.values(INCOME_CATEGORIES)) expect(values).not.toContain('?');
  });

  it.each(['train', 'holdout', 'drifted'] as const)('%s: every field of 20k rows is in its domain', (variant) => {
    const text = lines(incomeCsv({ variant, rows: 20_000, seed: 3 }));
    const bad: string[] = [];
    for (const line of text.slice(1)) {
      const f = parseCsvLine(line);
      INCOME_COLUMNS.forEach((c, i) => { if (!fieldOk(c, f[i]!)) bad.push(`${c}=${f[i]} in ${line}`); });
      if (+f[col('capital_gain')]! > 0 && +f[col('capital_loss')]! > 0) bad.push(`gain and loss in ${line}`);
    }
    expect(text).toHaveLength(20_001);
    expect(bad).toEqual([]);
  });

  it('relationship is consistent with sex and marital status', () => {
    const married = new Set(['Married-civ-spouse', 'Married-AF-spouse']);
    const degree = new Set(['Bachelors', 'Masters', 'Prof-school', 'Doctorate']);
    const all = [...train20k, ...drifted20k];
    const bad = all.filter((r) =>
      (r.relationship === 'Husband' && !(r.sex === 'Male' && married.has(r.marital_status))) ||
      (r.relationship === 'Wife' && !(r.sex === 'Female' && married.has(r.marital_status))) ||
      (married.has(r.marital_status) && r.relationship === 'Unmarried') ||
      (r.age < 20 && degree.has(r.education)));
    expect(bad).toEqual([]);
    expect(all.filter((r) => r.relationship === 'Husband').length).toBeGreaterThan(10_000);
    expect(all.filter((r) => r.relationship === 'Wife').length).toBeGreaterThan(1_000);
  });
});

describe('realistic marginals and a learnable label', () => {
  const rs = train20k;
  it('marginals are Adult-like', () => {
    expect(share(rs, positive)).toBeGreaterThan(0.21);
    expect(share(rs, positive)).toBeLessThan(0.27);
    expect(share(rs, (r) => r.sex === 'Male')).toBeGreaterThan(0.63);
    expect(share(rs, (r) => r.sex === 'Male')).toBeLessThan(0.71);
    expect(share(rs, (r) => r.race === 'White')).toBeGreaterThan(0.82);
    expect(share(rs, (r) => r.native_country === 'United-States')).toBeGreaterThan(0.87);
    expect(share(rs, (r) => r.native_country === 'United-States')).toBeLessThan(0.94);
    expect(new Set(rs.map((r) => r.native_country)).size).toBeGreaterThan(30);
    expect(share(rs, (r) => r.workclass === 'Private')).toBeGreaterThan(0.65);
    expect(share(rs, (r) => r.capital_gain === 0)).toBeGreaterThan(0.88);
    expect(Math.max(...rs.map((r) => r.capital_gain))).toBe(99999);
    expect(share(rs, (r) => r.hours_per_week === 40)).toBeGreaterThan(0.4);
    expect(mean(rs, (r) => r.hours_per_week)).toBeGreaterThan(38.5);
    expect(mean(rs, (r) => r.hours_per_week)).toBeLessThan(41.5);
    expect(mean(rs, (r) => r.age)).toBeGreaterThan(37);
    expect(mean(rs, (r) => r.age)).toBeLessThan(41);
  });

  it('the label depends on education, marriage, capital gain and age', () => {
    const rate = (pred: (r: IncomeRow) => boolean): number => share(rs.filter(pred), positive);
    const degree = new Set(['Bachelors', 'Masters', 'Prof-school', 'Doctorate']);
    expect(rate((r) => degree.has(r.education))).toBeGreaterThan(2 * rate((r) => !degree.has(r.education)));
    expect(rate((r) => r.marital_status === 'Married-civ-spouse')).toBeGreaterThan(4 * rate((r) => r.marital_status === 'Never-married'));
    expect(rate((r) => r.capital_gain >= 7000)).toBeGreaterThan(0.8);
    expect(rate((r) => r.age < 25)).toBeLessThan(0.05);
  });

  it('a logistic regression reaches 0.80-0.88 holdout accuracy, well above the majority baseline', () => {
    const cats = ['workclass', 'education', 'marital_status', 'occupation', 'relationship', 'sex'] as const;
    const features = (r: IncomeRow): number[] => {
      const a = (r.age - 40) / 13;
      const x = [1, a, a * a, (r.hours_per_week - 40) / 12, r.capital_gain >= 7000 ? 1 : 0, r.capital_loss > 0 ? 1 : 0];
      for (const c of cats) for (const v of INCOME_CATEGORIES[c]) x.push(r[c] === v ? 1 : 0);
      return x;
    };
    const X = train20k.map(features);
    const w: number[] = new Array<number>(X[0]!.length).fill(0);
    for (let epoch = 0; epoch < 15; epoch++) {
      const lr = 0.1 / (1 + epoch);
      X.forEach((x, i) => {
        const g = 1 / (1 + Math.exp(-x.reduce((s, xj, j) => s + xj * w[j]!, 0))) - (positive(train20k[i]!) ? 1 : 0);
        for (let j = 0; j < x.length; j++) w[j]! -= lr * g * x[j]!;
      });
    }
    const predict = (r: IncomeRow): boolean => features(r).reduce((s, xj, j) => s + xj * w[j]!, 0) > 0;
    const test = holdout20k.slice(0, 10_000);
    const accuracy = share(test, (r) => predict(r) === positive(r));
    const baseline = 1 - share(test, positive);
    expect(accuracy).toBeGreaterThan(0.8);
    expect(accuracy).toBeLessThan(0.88);
    expect(accuracy).toBeGreaterThan(baseline + 0.05);
  });
});

describe('drift', () => {
  it('documents the contract: drifted, stable and downstream columns partition the schema', () => {
    expect([...DRIFTED_COLUMNS]).toEqual(['age', 'workclass', 'hours_per_week', 'native_country', 'income']);
    expect([...STABLE_COLUMNS]).toEqual(['education', 'occupation', 'race', 'sex', 'capital_gain', 'capital_loss']);
    expect([...DOWNSTREAM_COLUMNS]).toEqual(['marital_status', 'relationship']);
    expect([...DRIFTED_COLUMNS, ...STABLE_COLUMNS, ...DOWNSTREAM_COLUMNS].sort()).toEqual([...INCOME_COLUMNS].sort());
  });

  it('shifts the documented columns in the documented directions', () => {
    const d = drifted20k;
    const t = train20k;
    expect(mean(d, (r) => r.age) - mean(t, (r) => r.age)).toBeGreaterThan(5);
    expect(mean(d, (r) => r.hours_per_week) - mean(t, (r) => r.hours_per_week)).toBeLessThan(-5);
    expect(share(d, (r) => r.workclass === 'Private') - share(t, (r) => r.workclass === 'Private')).toBeLessThan(-0.15);
    const us = (r: IncomeRow): boolean => r.native_country === 'United-States';
    expect(share(d, us) - share(t, us)).toBeLessThan(-0.12);
    expect(share(d, positive) - share(t, positive)).toBeLessThan(-0.05);
  });

  it.each([...DRIFTED_COLUMNS])('%s: clearly different distribution (TVD > 0.06)', (c) => {
    expect(tvd(train20k, drifted20k, c)).toBeGreaterThan(0.06);
  });

  it.each([...STABLE_COLUMNS])('%s: unchanged distribution (TVD < 0.03)', (c) => {
    expect(tvd(train20k, drifted20k, c)).toBeLessThan(0.03);
    expect(Math.abs(share(train20k, (r) => r[c] === train20k[0]![c]) - share(drifted20k, (r) => r[c] === train20k[0]![c]))).toBeLessThan(0.02);
  });

  it.each([...INCOME_COLUMNS])('holdout does not drift: %s TVD < 0.045', (c) => {
    expect(tvd(train20k, holdout20k, c)).toBeLessThan(0.045);
  });
});

describe('corrupted', () => {
  const text = lines(readFixture('corrupted.csv'));
  const manifest = corruptionManifest();
  const byLine = new Map(manifest.map((e) => [e.line, e]));

  it('injects 3 problems of each kind at distinct, non-adjacent data lines', () => {
    expect(CORRUPTION_KINDS).toEqual(['out_of_range', 'unseen_category', 'missing_value', 'non_numeric', 'unknown_label', 'duplicate_row']);
    for (const kind of CORRUPTION_KINDS) expect(manifest.filter((e) => e.kind === kind)).toHaveLength(3);
    const ls = manifest.map((e) => e.line);
    expect(ls).toEqual([...ls].sort((a, b) => a - b));
    for (let i = 1; i < ls.length; i++) expect(ls[i]! - ls[i - 1]!).toBeGreaterThanOrEqual(2);
    expect(Math.min(...ls)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...ls)).toBeLessThanOrEqual(text.length);
  });

  it('every manifest entry points at a line whose field really holds the injected value', () => {
    for (const e of manifest) {
      const line = text[e.line - 1]!;
      if (e.kind === 'duplicate_row') {
        expect(e.duplicateOf).toBe(e.line - 1);
        expect(line).toBe(text[e.line - 2]);
        continue;
      }
      const f = parseCsvLine(line);
      expect(f[col(e.column!)], `line ${e.line}`).toBe(e.value);
      expect(fieldOk(e.column!, e.value!)).toBe(false);
      // Exactly one problem per line: every other field is valid.
      INCOME_COLUMNS.forEach((c, i) => { if (c !== e.column) expect(fieldOk(c, f[i]!)).toBe(true); });
    }
    expect(manifest.map((e) => e.value)).toEqual(expect.arrayContaining(['-1', '142', 'Gig-economy', '', 'forty', '>50K.']));
  });

  it('all other lines are clean and match the pre-injection rows', () => {
    const clean = rowsOf('corrupted', DEFAULT_ROWS.corrupted);
    text.slice(1).forEach((line, i) => {
      const f = parseCsvLine(line);
      const differs = INCOME_COLUMNS.some((c, j) => String(clean[i]![c]) !== f[j]);
      expect(differs, `line ${i + 2}`).toBe(byLine.has(i + 2));
      if (!byLine.has(i + 2)) INCOME_COLUMNS.forEach((c, j) => expect(fieldOk(c, f[j]!)).toBe(true));
    });
  });

  it('adjacent duplicate lines are exactly the injected ones', () => {
    const adjacent = text.map((l, i) => i + 1).filter((n) => n > 2 && text[n - 1] === text[n - 2]);
    expect(adjacent).toEqual(manifest.filter((e) => e.kind === 'duplicate_row').map((e) => e.line));
  });

  it('scales with rows, is empty below 50 rows, and has distinct lines at a million rows', () => {
    expect(corruptionManifest({ rows: 49 })).toEqual([]);
    expect(corruptionManifest({ rows: 50 })).toHaveLength(6);
    const big = corruptionManifest({ rows: 1_000_000, seed: 9 });
    expect(big).toHaveLength(6 * 6000);
    expect(new Set(big.map((e) => e.line)).size).toBe(big.length);
  });
});

describe('primitives', () => {
  it('csvField quotes only when needed', () => {
    expect(csvField('Married-civ-spouse')).toBe('Married-civ-spouse');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded')).toBe('" padded"');
    const values = ['x', 'a,b', '"q"', '', 'Outlying-US(Guam-USVI-etc)'];
    expect(parseCsvLine(csvRecord(values))).toEqual(values);
  });

  it('expDet matches Math.exp to ~1e-15 relative', () => {
    for (let x = -40; x <= 40; x += 0.37) expect(Math.abs(expDet(x) / Math.exp(x) - 1)).toBeLessThan(1e-14);
  });

  it('Categorical follows its weights and never picks zero-weight entries', () => {
    const rng = new Xoshiro128(1, 1);
    const c = new Categorical([1, 0, 3]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[c.sample(rng)]!++;
    expect(counts[1]).toBe(0);
    expect(counts[2]! / counts[0]!).toBeGreaterThan(2.8);
    expect(counts[2]! / counts[0]!).toBeLessThan(3.2);
  });

  it('Xoshiro128 matches the xoshiro128** reference vector and the seeding is pinned', () => {
    // State {1,2,3,4}: values from Blackman & Vigna's xoshiro128starstar.c (also rand_xoshiro's test).
    const ref = Xoshiro128.fromState(1, 2, 3, 4);
    expect(Array.from({ length: 10 }, () => ref.nextU32())).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
    ]);
    // Changing the seeding silently changes every fixture; make that an explicit decision.
    const seeded = new Xoshiro128(42, 1);
    expect(Array.from({ length: 4 }, () => seeded.nextU32())).toEqual([2362974917, 2184515340, 2288210090, 2880796071]);
  });
});
