/** Profile parameters; the defaults are what profile.json files are written with. */
import { HLL_P } from './hll.js';
import { KLL_K, KLL_M } from './kll.js';
import { MISRA_GRIES_K } from './misra-gries.js';
import { HISTOGRAM_BINS } from './numeric.js';

export interface ProfileOptions {
  /** Distinct values a column keeps exactly (with counts) before switching to sketches. Default 1000. */
  exactLimit?: number;
  /** Most frequent values listed in `categorical.top`. Default 20. */
  top?: number;
  /** Probabilities reported in `numeric.quantiles`. Default 1, 5, 10, 25, 50, 75, 90, 95, 99 %. */
  quantiles?: readonly number[];
  /** KLL accuracy parameter. Default 200 (rank error ≈ 1.65 %). */
  kllK?: number;
  /** Misra–Gries counters. Default 256 (count error ≤ n/257). */
  misraGriesK?: number;
  /** HyperLogLog precision. Default 14 (standard error ≈ 0.81 %). */
  hllP?: number;
  /** Most histogram bins. Default 32. */
  bins?: number;
}

export interface ResolvedOptions {
  readonly exactLimit: number;
  readonly top: number;
  readonly quantiles: readonly number[];
  readonly kllK: number;
  readonly kllM: number;
  readonly misraGriesK: number;
  readonly hllP: number;
  readonly bins: number;
}

export const DEFAULT_QUANTILES: readonly number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];

export function resolveOptions(options: ProfileOptions = {}): ResolvedOptions {
  const resolved: ResolvedOptions = {
    exactLimit: options.exactLimit ?? 1000,
    top: options.top ?? 20,
    quantiles: options.quantiles ?? DEFAULT_QUANTILES,
    kllK: options.kllK ?? KLL_K,
    kllM: KLL_M,
    misraGriesK: options.misraGriesK ?? MISRA_GRIES_K,
    hllP: options.hllP ?? HLL_P,
    bins: options.bins ?? HISTOGRAM_BINS,
  };
  for (const name of ['exactLimit', 'top', 'bins'] as const) {
    const value = resolved[name];
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`profile option ${name} must be a positive integer, got ${value}`);
  }
  if (resolved.bins < 2) throw new RangeError(`profile option bins must be at least 2, got ${resolved.bins}`);
  for (const q of resolved.quantiles) if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile probabilities must be in [0, 1], got ${q}`);
  return resolved;
}
