/**
 * Infer schema.json from a profile of training data, with TFDV's semantics where TFDV has them:
 *   - type: the narrowest kind covering every present value (int ⊂ float; else string);
 *   - presence: min_fraction 1.0 only when no value was missing, else the observed share
 *     rounded down to the percent (so the same data validates clean);
 *   - int/float domain: the observed min and max widened by 10 % of the range on each side,
 *     never across zero (a sample rarely hits the population's extremes; -3 years of age is
 *     still caught), clamped to ±Number.MAX_VALUE (int bounds past 2^53 one double further
 *     out: see widen); timestamps: the observed range in whole milliseconds, rounded outwards;
 *   - float: allow_nan / allow_inf when the training data had NaN / ±Infinity;
 *   - string and bool domain: every value, when the column has at most `maxDomainSize` distinct values
 *     (counted exactly). min_domain_mass is 1.0 when every value was seen at least 5 times (the
 *     domain looks closed); for long tails it is the share of rows holding a value seen ≥ 5
 *     times, floored to the percent, so an unseen rare value warns instead of failing;
 *   - the label is `not_in: [SERVING]`, so serving data without it validates.
 * The result is meant to be read and edited by hand: widen a range, add a category.
 */
import { compareCodePoints, type ArtifactBody } from '@modelgate/core';
import { daysFromCivil } from '../profile/classify.js';
import { valueCounts } from '../profile/distribution.js';
import type { ColumnProfileJson, ProfileJson } from '../profile/json.js';

type SchemaBody = ArtifactBody<'schema'>;
type ColumnBody = SchemaBody['columns'][number];

export interface InferOptions {
  label?: string;
  /** Largest number of distinct values kept as a string domain (default 100). */
  maxDomainSize?: number;
}

export function inferSchema(profile: Pick<ProfileJson, 'rows' | 'columns' | 'source'>, options: InferOptions = {}): SchemaBody {
  const maxDomainSize = options.maxDomainSize ?? 100;
  return {
    source: { files: profile.source.files, rows: profile.rows },
    ...(options.label ? { label: options.label } : {}),
    default_environments: ['TRAINING', 'SERVING'],
    columns: profile.columns.map((column) => inferColumn(column, profile.rows, maxDomainSize, column.name === options.label)),
  };
}

const RARE_BELOW = 5;
const MARGIN = 0.1;

function widen(min: number, max: number, integer: boolean): { min: number; max: number } {
  // max − min overflows for a range wider than the largest double; the tenth of it is taken of halves then.
  const margin = Number.isFinite(max - min) ? (max - min) * MARGIN : (max / 2 - min / 2) * (2 * MARGIN);
  // A bound past the largest double would be Infinity, which JSON cannot hold.
  let low = Math.max(-Number.MAX_VALUE, min - margin);
  let high = Math.min(Number.MAX_VALUE, max + margin);
  // Never across zero: a non-negative column stays non-negative, a non-positive one non-positive.
  if (min >= 0) low = Math.max(0, low);
  if (max <= 0) high = Math.min(0, high);
  if (!integer) return { min: low, max: high };
  // ±Number.MAX_VALUE, like every double past 2^53, is an integer already. Past 2^53 the profile's
  // min and max are the data's integers rounded (by up to half a step between doubles), and
  // validation compares integers exactly: one double further out holds them.
  const [floor, ceil] = [Math.floor(low), Math.ceil(high)];
  return { min: pastSafe(floor) ? stepDouble(floor, -1) : floor, max: pastSafe(ceil) ? stepDouble(ceil, 1) : ceil };
}

const pastSafe = (x: number) => Math.abs(x) > Number.MAX_SAFE_INTEGER;

const DOUBLE = new Float64Array(1);
const DOUBLE_BITS = new BigInt64Array(DOUBLE.buffer);

/** The next double above (`direction` 1) or below (-1) a finite non-zero x; x itself where that would be infinite. */
function stepDouble(x: number, direction: 1 | -1): number {
  DOUBLE[0] = x;
  // The bits order doubles by magnitude: up is one more for a positive x, one less for a negative one.
  DOUBLE_BITS[0]! += BigInt(x > 0 ? direction : -direction);
  return Number.isFinite(DOUBLE[0]!) ? DOUBLE[0]! : x;
}

const MS_PER_DAY = 86_400_000;
/** The instants ISO 8601 with four-digit years can write, 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z. */
const FIRST_INSTANT = daysFromCivil(0, 1, 1) * MS_PER_DAY;
const LAST_INSTANT = daysFromCivil(10_000, 1, 1) * MS_PER_DAY - 1;

/**
 * A timestamp bound in whole milliseconds, rounded outwards (Date keeps whole ms, and rounds
 * -0.5 ms *in* to 0): a value with sub-millisecond digits stays inside its own range. Undefined
 * when the bound is outside the years 0000–9999 (a value with an offset, e.g. 9999-12-31T23:00-05:00):
 * no bound on that side.
 */
function timestampBound(ms: number, outwards: (x: number) => number): string | undefined {
  const whole = outwards(ms);
  return whole >= FIRST_INSTANT && whole <= LAST_INSTANT ? new Date(whole).toISOString() : undefined;
}

function inferColumn(column: ColumnProfileJson, rows: number, maxDomainSize: number, isLabel: boolean): ColumnBody {
  const present = rows === 0 ? 1 : column.count / rows;
  const body: ColumnBody = {
    name: column.name,
    type: column.type,
    presence: { min_fraction: column.missing === 0 ? 1 : Math.floor(present * 100) / 100 },
  };
  const numeric = column.numeric;
  if ((column.type === 'int' || column.type === 'float') && numeric) {
    const domain: NonNullable<ColumnBody['domain']> = numeric.min !== null && numeric.max !== null ? widen(numeric.min, numeric.max, column.type === 'int') : {};
    // Also for a column of NaN and ±Infinity only: its training data must validate.
    if (column.type === 'float' && numeric.nan > 0) domain.allow_nan = true;
    if (column.type === 'float' && numeric.inf > 0) domain.allow_inf = true;
    if (Object.keys(domain).length > 0) body.domain = domain;
  } else if (column.type === 'timestamp' && numeric && numeric.min !== null && numeric.max !== null) {
    const min = timestampBound(numeric.min, Math.floor);
    const max = timestampBound(numeric.max, Math.ceil);
    if (min !== undefined || max !== undefined) body.domain = { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  } else if (column.type === 'string' || column.type === 'bool') {
    const counts = column.count > 0 ? valueCounts(column) : undefined;
    if (counts?.exact && counts.counts.size <= maxDomainSize) {
      // Code point order, as every other sorted list of values in modelgate (UTF-16 order differs past U+FFFF).
      body.values = [...counts.counts.keys()].sort(compareCodePoints);
      let common = 0;
      for (const count of counts.counts.values()) if (count >= RARE_BELOW) common += count;
      body.min_domain_mass = common === counts.total ? 1 : Math.floor((common / counts.total) * 100) / 100;
    }
  }
  if (isLabel) body.environments = { not_in: ['SERVING'] };
  return body;
}
