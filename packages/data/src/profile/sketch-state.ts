/** The sketches a column profile keeps once it has more distinct cells than its exact table holds. */
import { KIND_COUNT } from './classify.js';
import { HyperLogLog } from './hll.js';
import { Kll } from './kll.js';
import { MisraGries } from './misra-gries.js';
import { GridHistogram, Moments } from './numeric.js';
import type { ResolvedOptions } from './options.js';

/** State of the sketch regime. */
export interface Sketches {
  readonly kinds: Float64Array;
  readonly moments: Moments;
  histogram: GridHistogram;
  readonly kll: Kll;
  readonly hll: HyperLogLog;
  readonly mg: MisraGries;
  nan: number;
  inf: number;
  lengthSum: number;
}

export function emptySketches(options: ResolvedOptions): Sketches {
  return {
    kinds: new Float64Array(KIND_COUNT),
    moments: new Moments(),
    histogram: new GridHistogram(options.bins),
    kll: new Kll(options.kllK, options.kllM),
    hll: new HyperLogLog(options.hllP),
    mg: new MisraGries(options.misraGriesK),
    nan: 0,
    inf: 0,
    lengthSum: 0,
  };
}
