/**
 * Deterministic synthetic "Adult census income"-like dataset.
 *
 * Pure module (no I/O, no environment): the same (variant, rows, seed) yields
 * byte-identical CSV on every platform. Randomness comes from xoshiro128**
 * (see ./prng.ts); each variant uses its own stream id, so e.g. train and
 * holdout never share rows even with the same seed. All numeric columns are
 * integers and are formatted with String(int), so no float formatting leaks
 * into the output.
 *
 * Generative story per row (order matters for determinism):
 *   sex, race -> age -> education(age) -> marital_status(sex, age)
 *   -> relationship(sex, marital, age) -> occupation(sex, education)
 *   -> workclass -> native_country(race) -> capital_gain/loss(education)
 *   -> hours_per_week(age, sex, occupation) -> income ~ Bernoulli(sigmoid(z)).
 */
import { csvField, csvRecord } from './csv.js';
import { Categorical, Xoshiro128, sigmoidDet } from './prng.js';
import * as T from './income-tables.js';
import { planCorruptions, type CorruptionEntry } from './income-corruption.js';

export {
  CORRUPTION_KINDS, CORRUPTION_SPEC, corruptionsPerKind, type CorruptionEntry, type CorruptionKind,
} from './income-corruption.js';

export const INCOME_COLUMNS = [
  'age', 'workclass', 'education', 'marital_status', 'occupation', 'relationship', 'race', 'sex',
  'capital_gain', 'capital_loss', 'hours_per_week', 'native_country', 'income',
] as const;
export type IncomeColumn = (typeof INCOME_COLUMNS)[number];
export const INCOME_HEADER = INCOME_COLUMNS.join(',');

export const INCOME_VARIANTS = ['train', 'holdout', 'drifted', 'corrupted'] as const;
export type IncomeVariant = (typeof INCOME_VARIANTS)[number];

/** Allowed values of every categorical column in the clean variants. */
export const INCOME_CATEGORIES = {
  workclass: T.WORKCLASS,
  education: T.EDUCATION,
  marital_status: T.MARITAL,
  occupation: T.OCCUPATION,
  relationship: T.RELATIONSHIP,
  race: T.RACE,
  sex: T.SEX,
  native_country: T.NATIVE_COUNTRY,
  income: T.INCOME,
} as const;
export type IncomeCategoricalColumn = keyof typeof INCOME_CATEGORIES;

export interface IncomeRow {
  age: number;
  workclass: string;
  education: string;
  marital_status: string;
  occupation: string;
  relationship: string;
  race: string;
  sex: string;
  capital_gain: number;
  capital_loss: number;
  hours_per_week: number;
  native_country: string;
  income: '<=50K' | '>50K';
}

export interface IncomeOptions {
  variant: IncomeVariant;
  /** Data rows (excluding the header). Defaults to DEFAULT_ROWS[variant]. */
  rows?: number;
  /** uint32. Defaults to DEFAULT_SEED. */
  seed?: number;
}

export const DEFAULT_SEED = 42;
/** Sizes of the committed fixtures in fixtures/income. */
export const DEFAULT_ROWS: Readonly<Record<IncomeVariant, number>> = {
  train: 2000,
  holdout: 1000,
  drifted: 1000,
  corrupted: 500,
};

/**
 * Drift contract of `drifted` relative to `train`/`holdout`. Drift tests should
 * detect every DRIFTED column and must NOT flag any STABLE column (their
 * generating distributions are identical). DOWNSTREAM columns shift only
 * indirectly (through age), so tests should assert nothing about them.
 */
export const DRIFTED_COLUMNS = ['age', 'workclass', 'hours_per_week', 'native_country', 'income'] as const;
export const STABLE_COLUMNS = ['education', 'occupation', 'race', 'sex', 'capital_gain', 'capital_loss'] as const;
export const DOWNSTREAM_COLUMNS = ['marital_status', 'relationship'] as const;

// Stream ids: one independent random sequence per variant (plus one for the corruption plan).
const STREAM: Readonly<Record<IncomeVariant, number>> = { train: 1, holdout: 2, drifted: 3, corrupted: 4 };
const STREAM_CORRUPTION_PLAN = 101;

interface VariantParams {
  stream: number;
  age: Categorical;
  workclass: Categorical;
  /** [non-Asian, Asian-Pac-Islander] */
  country: readonly [Categorical, Categorical];
  pHours40: number;
  pHours50: number;
  hoursShift: number;
  labelShift: number;
}

const cat = (w: readonly number[]): Categorical => new Categorical(w);

const BASE = {
  age: cat(T.AGE_W_TRAIN),
  workclass: cat(T.WORKCLASS_W_TRAIN),
  country: [cat(T.countryWeights(false, 1, 0)), cat(T.countryWeights(true, 1, 330))] as const,
  pHours40: 0.46,
  pHours50: 0.09,
  hoursShift: 0,
  labelShift: 0,
};
/** What `drifted` changes; keep the README and DRIFTED_COLUMNS in sync with this. */
const DRIFTED = {
  age: cat(T.AGE_W_DRIFTED),
  workclass: cat(T.WORKCLASS_W_DRIFTED),
  country: [cat(T.countryWeights(false, 4.5, 0)), cat(T.countryWeights(true, 1, 110))] as const,
  pHours40: 0.3,
  pHours50: 0.05,
  hoursShift: -8,
  labelShift: -0.9,
};

const PARAMS: Readonly<Record<IncomeVariant, VariantParams>> = {
  train: { ...BASE, stream: STREAM.train },
  holdout: { ...BASE, stream: STREAM.holdout },
  drifted: { ...DRIFTED, stream: STREAM.drifted },
  corrupted: { ...BASE, stream: STREAM.corrupted },
};

// Conditional samplers, built once at module load.
const SEX_CAT = cat(T.SEX_W);
const RACE_CAT = cat(T.RACE_W);
const EDU_CAT = [cat(T.EDUCATION_W_TEEN), cat(T.EDUCATION_W_YOUNG), cat(T.EDUCATION_W_ADULT)] as const;
const MARITAL_CAT = T.MARITAL_W.map((bySex) => bySex.map(cat));
const REL_CAT = [0, 1].map((sex) =>
  T.MARITAL.map((_, m) => [cat(T.relationshipWeights(sex, m, false)), cat(T.relationshipWeights(sex, m, true))]),
);
const OCC_CAT = [0, 1].map((sex) => [0, 1, 2].map((tier) => cat(T.occupationWeights(sex, tier))));
const GAIN_CAT = cat(T.CAPITAL_GAIN_W);
const LOSS_CAT = cat(T.CAPITAL_LOSS_W);
/** Mean hours adjustment per occupation (managers/farmers work longer, service jobs shorter). */
const HOURS_OCC_ADJ = [4, 2, 6, -2, 2, -6, 0, 4, -4, 6, 0, 3, -8, 0];

// Pre-escaped CSV text per category (all are plain today; escaping keeps the writer honest).
const csv = (xs: readonly string[]): string[] => xs.map(csvField);
const WORK_TXT = csv(T.WORKCLASS);
const EDU_TXT = csv(T.EDUCATION);
const MARITAL_TXT = csv(T.MARITAL);
const OCC_TXT = csv(T.OCCUPATION);
const REL_TXT = csv(T.RELATIONSHIP);
const RACE_TXT = csv(T.RACE);
const SEX_TXT = csv(T.SEX);
const COUNTRY_TXT = csv(T.NATIVE_COUNTRY);
const INCOME_TXT = csv(T.INCOME);

/** One row as category indices; reused across rows to avoid allocation. */
interface Draw {
  age: number;
  workclass: number;
  education: number;
  marital: number;
  occupation: number;
  relationship: number;
  race: number;
  sex: number;
  gain: number;
  loss: number;
  hours: number;
  native: number;
  income: number;
}

const newDraw = (): Draw => ({
  age: 0, workclass: 0, education: 0, marital: 0, occupation: 0, relationship: 0,
  race: 0, sex: 0, gain: 0, loss: 0, hours: 0, native: 0, income: 0,
});

// Hot-path bindings copied out of the tables module once: namespace/getter indirection
// (e.g. tsx/esbuild CJS interop) otherwise dominated the profile.
const {
  AGE_BANDS, ASIAN_PAC_ISLANDER, CAPITAL_GAIN_P, CAPITAL_GAIN_VALUES, CAPITAL_LOSS_P, CAPITAL_LOSS_VALUES,
  EDUCATION_EFFECT, EDUCATION_TIER, LABEL_INTERCEPT, MALE_EFFECT, MARRIED_AF, MARRIED_CIV, MARRIED_EFFECT,
  OCCUPATION_EFFECT, OWN_CHILD, OWN_CHILD_EFFECT, WIFE, WIFE_EFFECT, WORKCLASS_EFFECT, maritalAgeGroup,
} = T;
const sigmoid = sigmoidDet;

class IncomeSampler {
  private readonly rng: Xoshiro128;

  constructor(private readonly p: VariantParams, seed: number) {
    this.rng = new Xoshiro128(seed, p.stream);
  }

  draw(d: Draw): void {
    const rng = this.rng;
    const p = this.p;
    const sex = SEX_CAT.sample(rng);
    const race = RACE_CAT.sample(rng);
    const band = AGE_BANDS[p.age.sample(rng)]!;
    const age = rng.intBetween(band[0], band[1]);
    const education = EDU_CAT[age < 20 ? 0 : age < 24 ? 1 : 2].sample(rng);
    const tier = EDUCATION_TIER[education]!;
    const marital = MARITAL_CAT[sex]![maritalAgeGroup(age)]!.sample(rng);
    const relationship = REL_CAT[sex]![marital]![age < 25 ? 1 : 0]!.sample(rng);
    const occupation = OCC_CAT[sex]![tier]!.sample(rng);
    const workclass = p.workclass.sample(rng);
    const country = p.country[race === ASIAN_PAC_ISLANDER ? 1 : 0].sample(rng);

    // Capital gain and loss are mutually exclusive, as in Adult.
    let gain = 0;
    let loss = 0;
    if (rng.nextFloat() < CAPITAL_GAIN_P[tier]!) gain = CAPITAL_GAIN_VALUES[GAIN_CAT.sample(rng)]!;
    else if (rng.nextFloat() < CAPITAL_LOSS_P[tier]!) loss = CAPITAL_LOSS_VALUES[LOSS_CAT.sample(rng)]!;

    // Hours: spikes at 40 and 50 (as in Adult), otherwise a noisy conditional mean.
    let hours: number;
    const r = rng.nextFloat();
    if (r < p.pHours40) hours = 40;
    else if (r < p.pHours40 + p.pHours50) hours = 50;
    else {
      let mean = 40 + p.hoursShift + HOURS_OCC_ADJ[occupation]!;
      if (age < 22) mean -= 14;
      else if (age >= 65) mean -= 12;
      if (sex === 0) mean -= 4;
      hours = Math.round(mean + 11 * rng.normal());
      hours = hours < 1 ? 1 : hours > 99 ? 99 : hours;
    }

    // Latent logistic score; the Bernoulli draw is the label noise.
    const married = marital === MARRIED_CIV || marital === MARRIED_AF;
    const da = age - 50;
    let z = LABEL_INTERCEPT + p.labelShift
      + EDUCATION_EFFECT[education]! + OCCUPATION_EFFECT[occupation]! + WORKCLASS_EFFECT[workclass]!
      - 0.002 * da * da
      + 0.03 * ((hours > 70 ? 70 : hours) - 40);
    if (married) z += MARRIED_EFFECT;
    if (relationship === WIFE) z += WIFE_EFFECT;
    else if (relationship === OWN_CHILD) z += OWN_CHILD_EFFECT;
    if (sex === 1) z += MALE_EFFECT;
    if (gain >= 7000) z += gain === 99999 ? 7 : 4.5;
    else if (gain >= 3000) z += 0.8;
    else if (gain > 0) z -= 0.5;
    if (loss >= 1800 && loss <= 2000) z += 1.5;
    const income = rng.nextFloat() < sigmoid(z) ? 1 : 0;

    d.age = age; d.workclass = workclass; d.education = education; d.marital = marital;
    d.occupation = occupation; d.relationship = relationship; d.race = race; d.sex = sex;
    d.gain = gain; d.loss = loss; d.hours = hours; d.income = income;
    d.native = country;
  }
}

function resolve(opts: IncomeOptions): { variant: IncomeVariant; rows: number; seed: number } {
  const { variant } = opts;
  if (!INCOME_VARIANTS.includes(variant)) throw new RangeError(`unknown variant ${JSON.stringify(variant)}`);
  const rows = opts.rows ?? DEFAULT_ROWS[variant];
  if (!Number.isSafeInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer, got ${String(rows)}`);
  const seed = opts.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 4294967295], got ${String(seed)}`);
  }
  return { variant, rows, seed };
}

function toRow(d: Draw): IncomeRow {
  return {
    age: d.age,
    workclass: T.WORKCLASS[d.workclass]!,
    education: T.EDUCATION[d.education]!,
    marital_status: T.MARITAL[d.marital]!,
    occupation: T.OCCUPATION[d.occupation]!,
    relationship: T.RELATIONSHIP[d.relationship]!,
    race: T.RACE[d.race]!,
    sex: T.SEX[d.sex]!,
    capital_gain: d.gain,
    capital_loss: d.loss,
    hours_per_week: d.hours,
    native_country: T.NATIVE_COUNTRY[d.native]!,
    income: T.INCOME[d.income]!,
  };
}

/** Hot path: one template literal from pre-escaped pieces. */
function csvLine(d: Draw): string {
  return `${d.age},${WORK_TXT[d.workclass]},${EDU_TXT[d.education]},${MARITAL_TXT[d.marital]},${OCC_TXT[d.occupation]},${REL_TXT[d.relationship]},${RACE_TXT[d.race]},${SEX_TXT[d.sex]},${d.gain},${d.loss},${d.hours},${COUNTRY_TXT[d.native]},${INCOME_TXT[d.income]}`;
}

/** Cold path for damaged rows: overwrite one field, then re-escape the record. */
function damagedLine(d: Draw, entry: CorruptionEntry, previousLine: string): string {
  if (entry.kind === 'duplicate_row') return previousLine;
  const row = toRow(d);
  const values = INCOME_COLUMNS.map((c) => String(row[c]));
  values[INCOME_COLUMNS.indexOf(entry.column!)] = entry.value!;
  return csvRecord(values);
}

/**
 * Clean rows, one fresh object each. For `corrupted` these are the values
 * before injection: the CSV differs from them exactly at the manifest lines.
 */
export function* generateIncomeRows(opts: IncomeOptions): Generator<IncomeRow, void, undefined> {
  const { variant, rows, seed } = resolve(opts);
  const sampler = new IncomeSampler(PARAMS[variant], seed);
  const d = newDraw();
  for (let i = 0; i < rows; i++) {
    sampler.draw(d);
    yield toRow(d);
  }
}

export interface IncomeCsvOptions extends IncomeOptions {
  /** Approximate chunk size in characters (= bytes; output is ASCII). Default 64 KiB. */
  chunkSize?: number;
}

/**
 * Streams the CSV as text chunks: header line first, "\n" line endings, a
 * trailing newline after the last row. Memory stays O(chunkSize) (plus the
 * corruption plan for `corrupted`), so millions of rows are fine.
 */
export function* incomeCsvChunks(opts: IncomeCsvOptions): Generator<string, void, undefined> {
  const { variant, rows, seed } = resolve(opts);
  const chunkSize = opts.chunkSize ?? 65536;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new RangeError('chunkSize must be a positive integer');
  const sampler = new IncomeSampler(PARAMS[variant], seed);
  const plan = variant === 'corrupted' ? new Map(planFor(rows, seed).map((e) => [e.line - 2, e])) : undefined;
  const d = newDraw();
  let buf = INCOME_HEADER + '\n';
  let previous = '';
  for (let i = 0; i < rows; i++) {
    sampler.draw(d);
    const entry = plan?.get(i);
    const line = entry ? damagedLine(d, entry, previous) : csvLine(d);
    if (plan) previous = line;
    buf += line + '\n';
    if (buf.length >= chunkSize) {
      yield buf;
      buf = '';
    }
  }
  if (buf.length > 0) yield buf;
}

/** Whole CSV as one string. Convenient for small sizes (tests, fixtures). */
export function incomeCsv(opts: IncomeOptions): string {
  let out = '';
  for (const chunk of incomeCsvChunks(opts)) out += chunk;
  return out;
}

function planFor(rows: number, seed: number): CorruptionEntry[] {
  return planCorruptions(rows, seed, STREAM_CORRUPTION_PLAN);
}

/** Every problem injected into `corrupted` for these options, sorted by line. */
export function corruptionManifest(opts: Omit<IncomeOptions, 'variant'> = {}): CorruptionEntry[] {
  const { rows, seed } = resolve({ ...opts, variant: 'corrupted' });
  return planFor(rows, seed);
}

/** The exact text of corrupted.manifest.json (shared by the CLI and the staleness test). */
export function corruptionManifestJson(opts: Omit<IncomeOptions, 'variant'> = {}): string {
  const { rows, seed } = resolve({ ...opts, variant: 'corrupted' });
  const doc = {
    generator: 'modelgate synthetic income (xoshiro128**)',
    variant: 'corrupted',
    rows,
    seed,
    headerLine: 1,
    problems: planFor(rows, seed),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
