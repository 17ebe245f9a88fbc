/**
 * Data profiles: per-column type detection and mergeable statistics (profile.json).
 *
 * ```ts
 * const profiler = await profileSource(await openTable('train.csv'));
 * const body = profiler.toJSON(); // { rows, columns } of profile.json
 * const both = mergeProfiles(profileA, profileB);
 * ```
 *
 * Accuracy (defaults): counts, missing, min, max, zeros, NaN, ±Inf and histogram counts exact;
 * mean and variance exact up to floating-point rounding (Welford/Chan); every statistic exact while
 * a column has ≤ 1000 distinct values; beyond that quantiles have rank error ≈ 1.65 % (KLL, k=200),
 * distinct counts a relative standard error of 0.81 % (HyperLogLog, p=14), and top-value counts an
 * additive error of at most n/257 reported per value (Misra–Gries, k=256).
 */
export { ColumnProfiler } from './column.js';
export { classifyCell, classifyString, decimalValue, KIND_NAMES, keyText, parsed as parsedNumber, type TypeName } from './classify.js';
export { numericDistribution, valueCounts, type NumericDistribution, type ValueCounts } from './distribution.js';
export { HyperLogLog, HLL_P } from './hll.js';
export { Kll, KLL_K, KLL_RANK_ERROR } from './kll.js';
export { MisraGries, MISRA_GRIES_K } from './misra-gries.js';
export { GridHistogram, HISTOGRAM_BINS, Moments } from './numeric.js';
export { DEFAULT_QUANTILES, resolveOptions, type ProfileOptions, type ResolvedOptions } from './options.js';
export { columnFromJson, columnToJson, mergeColumnProfiles, type ColumnProfileJson, type ProfileJson } from './json.js';
export { mergeProfiles, profileSource, TableProfiler, type TableProfileJson } from './table.js';
