/**
 * A column profile as it is written to profile.json (`ColumnProfile` in @modelgate/core), and back.
 *
 * Everything a merge needs is in the file, so `fromJson(a).merge(fromJson(b))` equals profiling
 * both row sets at once: exact columns carry their whole value table (in `categorical.top_sketch`,
 * `algorithm: "exact"`), sketched ones their KLL, HyperLogLog and Misra–Gries states. An exact
 * table of a numeric or bool column also lists its values' other spellings (`spellings`: `02134`
 * of 2134), which a string column merged in keeps apart. Output is deterministic: tables and
 * sketch items are in a canonical order (numbers ascending, then false, true, then strings by code
 * point), top values by count then that order.
 *
 * Numeric statistics (present for int, float and timestamp columns; timestamps in epoch ms) are
 * over the finite values: NaN and ±Infinity are only counted (`nan`, `inf`). Quantiles of an exact
 * column interpolate linearly between order statistics (numpy/pandas `linear`); a sketched
 * column's are KLL items (rank error ≈ 1.65 %).
 */
import { compareCodePoints, type Artifact } from '@modelgate/core';
import { classifyString, isNumericKind, keyOf, kindOfType, keyOfText, keyText, typeOfMask, type Key } from './classify.js';
import { ColumnProfiler } from './column.js';
import { HyperLogLog } from './hll.js';
import { Kll } from './kll.js';
import { GridHistogram, Moments } from './numeric.js';
import { resolveOptions, type ProfileOptions } from './options.js';
import { emptySketches, type Sketches } from './sketch-state.js';

export type ProfileJson = Artifact<'profile'>;
export type ColumnProfileJson = ProfileJson['columns'][number];
type NumericJson = NonNullable<ColumnProfileJson['numeric']>;
type SketchJson = ColumnProfileJson['distinct']['sketch'];
type CategoricalJson = NonNullable<ColumnProfileJson['categorical']>;

function keyRank(key: Key): number {
  return typeof key === 'number' ? 0 : typeof key === 'boolean' ? 1 : 2;
}

/** Canonical order of keys: numbers ascending (NaN last), false, true, strings by code point. */
export function compareKeys(a: Key, b: Key): number {
  const ra = keyRank(a);
  const rb = keyRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') {
    if (a !== a || b !== b) return (a !== a ? 1 : 0) - (b !== b ? 1 : 0);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  return a < b ? -1 : a > b ? 1 : 0;
}

function topOf(keys: readonly Key[], counts: readonly number[], top: number, error: number): CategoricalJson['top'] {
  const order = keys.map((_, i) => i).sort((i, j) => counts[j]! - counts[i]! || compareKeys(keys[i]!, keys[j]!));
  return order.slice(0, top).map((i) => ({ value: keyText(keys[i]!), count: counts[i]!, error }));
}

/** numpy's linear interpolation between two order statistics. */
function lerp(a: number, b: number, t: number): number {
  const d = b - a;
  // b − a overflows between values of opposite sign near the largest double: weighted, then.
  if (!Number.isFinite(d)) return a * (1 - t) + b * t;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

function exactQuantiles(values: readonly number[], counts: readonly number[], n: number, qs: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (n === 0) return out;
  const at = (index: number): number => {
    let seen = 0;
    for (let i = 0; i < values.length; i += 1) {
      seen += counts[i]!;
      if (index < seen) return values[i]!;
    }
    return values[values.length - 1]!;
  };
  for (const q of qs) {
    const position = q * (n - 1);
    const lo = Math.floor(position);
    const t = position - lo;
    out[String(q)] = t === 0 ? at(lo) : lerp(at(lo), at(lo + 1), t);
  }
  return out;
}

function numericJson(m: Moments, nan: number, inf: number, quantiles: Record<string, number>, sketch: SketchJson, histogram: NumericJson['histogram']): NumericJson {
  const some = m.n > 0;
  return {
    min: some ? m.min : null,
    max: some ? m.max : null,
    mean: some ? m.mean : null,
    // null above the largest double (JSON has no Infinity); see Moments.
    m2: some ? m.sumOfSquares() : null,
    variance: m.variance(),
    zeros: m.zeros,
    nan,
    inf,
    quantiles,
    quantile_sketch: sketch,
    histogram,
  };
}

function histogramFloor(type: string, h: GridHistogram): number {
  return type === 'int' || type === 'timestamp' ? Math.max(h.floor, 0) : h.floor;
}

function exactJson(p: ColumnProfiler): ColumnProfileJson {
  const o = p.options;
  const groups = new Map<Key, number>();
  const keys: Key[] = [];
  const counts: number[] = [];
  const numbers: number[] = [];
  const numeric: boolean[] = [];
  const spellings = new Map<string, number>();
  let lengthSum = p.lengthOffset;
  for (let entry = 0; entry < p.cells.length; entry += 1) {
    const weight = p.counts[entry]!;
    if (weight === 0) continue;
    lengthSum += p.lengths[entry]! * weight;
    const key = p.keys[entry]!;
    const cell = p.cells[entry];
    if (typeof cell === 'string' && typeof key !== 'string' && cell !== keyText(key)) spellings.set(cell, weight);
    let group = groups.get(key);
    if (group === undefined) {
      group = keys.length;
      groups.set(key, group);
      keys.push(key);
      counts.push(0);
      numbers.push(p.numbers[entry]!);
      numeric.push(isNumericKind(p.kinds[entry]!));
    }
    counts[group]! += weight;
  }
  const type = typeOfMask(p.kindMask());
  const order = keys.map((_, i) => i).sort((i, j) => compareKeys(keys[i]!, keys[j]!));
  const texts = order.map((i) => keyText(keys[i]!));
  let numericPart: NumericJson | undefined;
  if (type === 'int' || type === 'float' || type === 'timestamp') {
    const finite = new Map<number, number>();
    let nan = 0;
    let inf = 0;
    for (let i = 0; i < keys.length; i += 1) {
      if (!numeric[i]) continue;
      const x = numbers[i]!;
      if (x !== x) nan += counts[i]!;
      else if (x === Infinity || x === -Infinity) inf += counts[i]!;
      else finite.set(x, (finite.get(x) ?? 0) + counts[i]!);
    }
    const values = [...finite.keys()].sort((a, b) => a - b);
    const valueCounts = values.map((x) => finite.get(x)!);
    const moments = new Moments();
    moments.addCounted(values, valueCounts, values.length);
    const histogram = new GridHistogram(o.bins);
    values.forEach((x, i) => histogram.add(x, valueCounts[i]!));
    const sketch = { algorithm: 'exact', parameters: { limit: o.exactLimit }, values, counts: valueCounts };
    const quantiles = exactQuantiles(values, valueCounts, moments.n, o.quantiles);
    numericPart = numericJson(moments, nan, inf, quantiles, sketch, histogram.toJSON(histogramFloor(type, histogram)));
  }
  const topSketch: SketchJson = { algorithm: 'exact', parameters: { limit: o.exactLimit }, values: texts, counts: order.map((i) => counts[i]!) };
  if (spellings.size > 0) {
    const spelled = [...spellings.keys()].sort(compareCodePoints);
    topSketch.spellings = { values: spelled, counts: spelled.map((text) => spellings.get(text)!) };
  }
  const categorical: CategoricalJson = { top: topOf(keys, counts, o.top, 0), top_sketch: topSketch, avg_length: p.count > 0 ? lengthSum / p.count : null };
  const distinct = { estimate: keys.length, exact: true, sketch: { algorithm: 'exact', parameters: { limit: o.exactLimit }, values: texts } };
  return assemble(p, type, numericPart, categorical, distinct);
}

function sketchJson(p: ColumnProfiler, s: Sketches): ColumnProfileJson {
  const o = p.options;
  const type = typeOfMask(p.kindMask());
  let numericPart: NumericJson | undefined;
  if (type === 'int' || type === 'float' || type === 'timestamp') {
    const quantiles: Record<string, number> = {};
    if (s.kll.n > 0) s.kll.quantiles(o.quantiles).forEach((x, i) => (quantiles[String(o.quantiles[i])] = x));
    numericPart = numericJson(s.moments, s.nan, s.inf, quantiles, s.kll.toJSON(), s.histogram.toJSON(histogramFloor(type, s.histogram)));
  }
  const table = s.mg.counts;
  const keys = [...table.keys()].sort(compareKeys);
  const counts = keys.map((key) => table.get(key)!);
  // Listed: values whose estimate exceeds the error (the rest may be noise of a long tail).
  const heavy = keys.filter((key) => table.get(key)! > s.mg.decrement);
  const categorical: CategoricalJson = {
    top: topOf(heavy, heavy.map((key) => table.get(key)!), o.top, s.mg.decrement),
    top_sketch: { algorithm: 'misra_gries', parameters: { k: s.mg.k }, n: s.mg.n, decrement: s.mg.decrement, values: keys.map(keyText), counts },
    avg_length: p.count > 0 ? (s.lengthSum + p.lengthOffset) / p.count : null,
  };
  const distinct = { estimate: Math.round(s.hll.estimate()), exact: false, sketch: s.hll.toJSON() };
  return assemble(p, type, numericPart, categorical, distinct);
}

/** Fixed key order: name, type, count, missing, numeric, categorical, distinct. */
function assemble(
  p: ColumnProfiler,
  type: ColumnProfileJson['type'],
  numeric: NumericJson | undefined,
  categorical: CategoricalJson,
  distinct: ColumnProfileJson['distinct'],
): ColumnProfileJson {
  return { name: p.name, type, count: p.count, missing: p.missing, ...(numeric ? { numeric } : {}), categorical, distinct };
}

/** The profile.json form of a column profile (flushes pending counts; does not end profiling). */
export function columnToJson(p: ColumnProfiler): ColumnProfileJson {
  if (p.sketches === null) return exactJson(p);
  p.flush();
  return sketchJson(p, p.sketches);
}

function fail(column: string, message: string): never {
  throw new Error(`profile of column '${column}': ${message}`);
}

function list<T>(column: string, sketch: SketchJson, field: string, check: (x: unknown) => x is T): T[] {
  const value = (sketch as Record<string, unknown>)[field];
  if (!Array.isArray(value) || !value.every(check)) fail(column, `${sketch.algorithm} sketch: ${field} is not a list of the expected values`);
  return value as T[];
}

const isString = (x: unknown): x is string => typeof x === 'string';
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Rebuilds a profiler from its profile.json form, ready to merge or to add more rows. */
export function columnFromJson(json: ColumnProfileJson, options: ProfileOptions = {}, slots?: number): ColumnProfiler {
  const name = json.name;
  const top = json.categorical?.top_sketch;
  const limit = json.distinct.sketch.parameters?.limit;
  const resolved = resolveOptions({
    ...options,
    ...(limit !== undefined ? { exactLimit: Math.max(limit, options.exactLimit ?? 0) } : {}),
    ...(top?.algorithm === 'misra_gries' && top.parameters?.k !== undefined ? { misraGriesK: top.parameters.k } : {}),
    ...(json.distinct.sketch.algorithm === 'hll' && json.distinct.sketch.parameters?.p !== undefined ? { hllP: json.distinct.sketch.parameters.p } : {}),
    ...(json.numeric?.quantile_sketch.algorithm === 'kll' && json.numeric.quantile_sketch.parameters?.k !== undefined ? { kllK: json.numeric.quantile_sketch.parameters.k } : {}),
  });
  const p = new ColumnProfiler(name, resolved, slots);
  p.count = json.count;
  p.missing = json.missing;
  if (json.count > 0) p.assumeKinds(1 << kindOfType(json.type));
  const lengthSum = json.categorical?.avg_length != null ? Math.round(json.categorical.avg_length * json.count) : 0;
  if (top === undefined) fail(name, 'categorical.top_sketch is missing');
  if (json.distinct.exact) {
    if (top.algorithm !== 'exact') fail(name, `distinct.exact is true but categorical.top_sketch is ${top.algorithm}`);
    const values = list(name, top, 'values', isString);
    const counts = list(name, top, 'counts', isCount);
    if (values.length !== counts.length) fail(name, 'exact sketch: values and counts differ in length');
    const left = addSpellings(name, top, values, counts, p);
    values.forEach((text, i) => {
      if (left[i]! > 0 || counts[i] === 0) p.addValue(keyOfText(text), left[i]!);
    });
    p.flush();
    let loaded = 0;
    if (p.sketches !== null) loaded = p.sketches.lengthSum;
    else for (let entry = 0; entry < p.cells.length; entry += 1) loaded += p.lengths[entry]! * p.counts[entry]!;
    p.lengthOffset = lengthSum - loaded;
    return p;
  }
  const s = emptySketches(resolved);
  if (json.count > 0) s.kinds[kindOfType(json.type)] = json.count;
  s.lengthSum = lengthSum;
  const numeric = json.numeric;
  if (numeric) loadNumeric(name, numeric, json.count, s);
  if (json.distinct.sketch.algorithm !== 'hll') fail(name, `distinct.exact is false but distinct.sketch is ${json.distinct.sketch.algorithm}`);
  s.hll.registers.set(HyperLogLog.fromJSON(json.distinct.sketch).registers);
  if (top.algorithm !== 'misra_gries') fail(name, `categorical.top_sketch is ${top.algorithm}, expected misra_gries`);
  const values = list(name, top, 'values', isString);
  const counts = list(name, top, 'counts', isCount);
  if (values.length !== counts.length || values.length > 2 * s.mg.k) fail(name, 'misra_gries sketch: values and counts differ in length or exceed 2k');
  values.forEach((text, i) => s.mg.set(keyOfText(text), counts[i]!));
  s.mg.n = Number(top.n ?? 0);
  s.mg.decrement = Number(top.decrement ?? 0);
  p.sketches = s;
  return p;
}

/**
 * Adds an exact table's `spellings` (texts of numbers and booleans written otherwise than their
 * value, `02134` or `True`: a string column merged in keeps them apart) as cells of their own;
 * returns each value's count left for its own text.
 */
function addSpellings(name: string, top: SketchJson, values: readonly string[], counts: readonly number[], p: ColumnProfiler): number[] {
  const left = counts.slice();
  const spellings = (top as { spellings?: unknown }).spellings;
  if (spellings === undefined) return left;
  if (typeof spellings !== 'object' || spellings === null) fail(name, 'exact sketch: spellings is not an object');
  const texts = list(name, spellings as SketchJson, 'values', isString);
  const spelledCounts = list(name, spellings as SketchJson, 'counts', isCount);
  if (texts.length !== spelledCounts.length) fail(name, 'exact sketch: spellings values and counts differ in length');
  const index = new Map(values.map((text, i) => [text, i]));
  texts.forEach((text, j) => {
    const key = keyOf(text, classifyString(text));
    const i = typeof key === 'string' ? undefined : index.get(keyText(key));
    if (i === undefined || left[i]! < spelledCounts[j]!) fail(name, `exact sketch: spelling '${text}' is not of a listed value and count`);
    left[i]! -= spelledCounts[j]!;
    p.addValue(text, spelledCounts[j]!);
  });
  return left;
}

function loadNumeric(name: string, numeric: NumericJson, count: number, s: Sketches): void {
  const m = s.moments;
  m.n = count - numeric.nan - numeric.inf;
  if (m.n > 0) {
    if (numeric.min === null || numeric.max === null || numeric.mean === null) fail(name, 'numeric statistics are null for finite values');
    m.min = numeric.min;
    m.max = numeric.max;
    m.mean = numeric.mean;
    if (numeric.m2 !== null) m.m2 = numeric.m2;
    else m.setOverflowed(numeric.variance);
  }
  m.zeros = numeric.zeros;
  s.nan = numeric.nan;
  s.inf = numeric.inf;
  s.histogram = GridHistogram.fromJSON(numeric.histogram, m.min, m.max, s.histogram.bins);
  const sketch = numeric.quantile_sketch;
  if (sketch.algorithm === 'kll') {
    s.kll.merge(Kll.fromJSON(sketch));
  } else if (sketch.algorithm === 'exact') {
    const values = list(name, sketch, 'values', isFiniteNumber);
    const counts = list(name, sketch, 'counts', isCount);
    values.forEach((x, i) => s.kll.add(x, counts[i]!));
  } else fail(name, `unknown quantile sketch ${sketch.algorithm}`);
  if (s.kll.n !== m.n) fail(name, `quantile sketch holds ${s.kll.n} values, expected ${m.n}`);
}

/** Merges two profiles of the same column over different rows. */
export function mergeColumnProfiles(a: ColumnProfileJson, b: ColumnProfileJson, options: ProfileOptions = {}): ColumnProfileJson {
  return columnToJson(columnFromJson(a, options).merge(columnFromJson(b, options)));
}
