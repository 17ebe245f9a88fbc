/**
 * Parity of a converted model with its source: the ONNX model run by an injected runner
 * (onnxruntime-node in tests and the CLI) against the reference evaluator on the same rows.
 * The package stays free of any runtime dependency.
 */
import { predictReference } from './evaluate.js';
import type { TreeModel } from './model.js';

export interface OutputTensor {
  data: ArrayLike<number | bigint>;
  dims: readonly number[];
}

/** Runs the ONNX model on `input` (float32, shape [rows, features]) and returns its outputs by name. */
export type OnnxRunner = (model: Uint8Array, input: Float32Array, shape: readonly [number, number]) => Promise<Record<string, OutputTensor>>;

export interface ParityOptions {
  /** Absolute part of the allowed difference of probabilities / values (numpy.allclose's atol); default 1e-5. */
  tolerance?: number;
  /** Relative part, times |reference| (numpy.allclose's rtol); see parityTolerances for its default. */
  relativeTolerance?: number;
  run: OnnxRunner;
}

/**
 * onnxruntime's TreeEnsemble adds the leaves in float32 in its own order, XGBoost in another: the
 * sums differ by a few float32 ulps of the output (2^-23 ≈ 1.2e-7 relative each), e.g. 3e-7 relative
 * on 200 trees predicting ~300, which is 5e-5 absolute. 1e-5 relative is ~80 ulps (numpy.allclose's
 * default too), still far below any real conversion error (a wrong branch or leaf).
 */
export const DEFAULT_RELATIVE_TOLERANCE = 1e-5;
export const DEFAULT_TOLERANCE = 1e-5;

/**
 * The tolerances in effect. An explicit `tolerance` alone is meant as the whole allowance: adding the
 * default relative part would silently loosen it (1e-6 near 1 would allow ~1.1e-5).
 */
export function parityTolerances(tolerance: number | undefined, relativeTolerance: number | undefined): { tolerance: number; relativeTolerance: number } {
  return {
    tolerance: tolerance ?? DEFAULT_TOLERANCE,
    relativeTolerance: relativeTolerance ?? (tolerance === undefined ? DEFAULT_RELATIVE_TOLERANCE : 0),
  };
}

export interface ParityReport {
  rows: number;
  /** Over `probabilities` (classifiers) or `variable` (regressors), finite differences only. */
  max_abs_diff: number;
  /** Largest |onnx − reference| / |reference| over values whose reference is not 0. */
  max_rel_diff: number;
  /** Values where either side is NaN or infinite and they differ: never within tolerance. */
  non_finite_values: number;
  /** The first of those. */
  first_non_finite?: { row: number; actual: number; expected: number };
  /** Share of rows whose ONNX label equals the reference label; null for regressors. */
  label_agreement: number | null;
  /** The absolute tolerance (atol). */
  tolerance: number;
  /** The relative tolerance (rtol). */
  relative_tolerance: number;
  /** Every value within tolerance + relative_tolerance·|reference|, and every label disagreement a tie within it. */
  passed: boolean;
  /** Row with the largest difference relative to what is allowed there (-1 when there are no rows). */
  worst_row: number;
  /** That value: ONNX, reference and the allowed difference (absent when there are no rows). */
  worst?: { actual: number; expected: number; allowed: number };
}

/** numpy.allclose's rule, |actual − expected| ≤ atol + rtol·|expected|, with the parts for reports. */
export class ParityTally {
  maxAbs = 0;
  maxRel = 0;
  /** NaN or infinite values that differ: counted apart, so the maxima (and convert.json) stay finite. */
  nonFinite = 0;
  firstNonFinite: ParityReport['first_non_finite'];
  /** Largest diff / allowed so far; > 1 means a value is out of tolerance. */
  private worstRatio = -1;
  worstRow = -1;
  worst: ParityReport['worst'];

  constructor(
    readonly atol: number,
    readonly rtol: number,
  ) {}

  allowed(expected: number): number {
    return this.atol + this.rtol * Math.abs(expected);
  }

  add(actual: number, expected: number, row: number): void {
    const diff = Math.abs(actual - expected);
    if (!Number.isFinite(diff)) {
      // As numpy.allclose: equal infinities are close, NaN is close to nothing.
      if (actual === expected) return;
      this.nonFinite += 1;
      this.firstNonFinite ??= { row, actual, expected };
      return;
    }
    const allowed = this.allowed(expected);
    this.maxAbs = Math.max(this.maxAbs, diff);
    if (expected !== 0) this.maxRel = Math.max(this.maxRel, diff / Math.abs(expected));
    const ratio = diff === 0 ? 0 : allowed === 0 ? Infinity : diff / allowed;
    if (ratio > this.worstRatio) {
      this.worstRatio = ratio;
      this.worstRow = row;
      this.worst = { actual, expected, allowed };
    }
  }

  get passed(): boolean {
    return this.worstRatio <= 1 && this.nonFinite === 0;
  }

  /** The report's fields for the values added. */
  report(): Pick<ParityReport, 'max_abs_diff' | 'max_rel_diff' | 'non_finite_values' | 'first_non_finite' | 'tolerance' | 'relative_tolerance' | 'worst_row' | 'worst'> {
    return {
      max_abs_diff: this.maxAbs,
      max_rel_diff: this.maxRel,
      non_finite_values: this.nonFinite,
      ...(this.firstNonFinite ? { first_non_finite: this.firstNonFinite } : {}),
      tolerance: this.atol,
      relative_tolerance: this.rtol,
      worst_row: this.worstRow,
      ...(this.worst ? { worst: this.worst } : {}),
    };
  }
}

export async function checkParity(source: TreeModel, onnx: Uint8Array, rows: Float32Array, features: number, options: ParityOptions): Promise<ParityReport> {
  const tolerances = parityTolerances(options.tolerance, options.relativeTolerance);
  const tally = new ParityTally(tolerances.tolerance, tolerances.relativeTolerance);
  const count = rows.length / features;
  if (!Number.isInteger(count)) throw new Error(`rows has ${rows.length} values, not a multiple of ${features} features`);
  const reference = predictReference(source, rows, features);
  const outputs = await options.run(onnx, rows, [count, features]);
  const name = source.task === 'regression' ? 'variable' : 'probabilities';
  const actual = outputs[name];
  if (!actual) throw new Error(`the ONNX model has no '${name}' output`);
  if (actual.data.length !== reference.outputs.length) {
    throw new Error(`'${name}' has ${actual.data.length} values, the reference ${reference.outputs.length} (${count} rows × ${reference.outputWidth})`);
  }
  for (let i = 0; i < reference.outputs.length; i += 1) tally.add(Number(actual.data[i]), reference.outputs[i]!, Math.floor(i / reference.outputWidth));
  let agreement: number | null = null;
  let labelsOk = true;
  if (reference.labels) {
    const labels = outputs['label'];
    if (!labels || labels.data.length !== count) throw new Error(`the ONNX model has no 'label' output with ${count} values`);
    let same = 0;
    for (let r = 0; r < count; r += 1) {
      const got = Number(labels.data[r]);
      if (got === reference.labels[r]) {
        same += 1;
        continue;
      }
      // A disagreement is acceptable only between (near-)tied classes.
      const scores = source.task === 'binary' ? reference.outputs : reference.margins;
      const width = source.task === 'binary' ? 2 : reference.numTargets;
      const best = scores[r * width + reference.labels[r]!]!;
      const gap = Math.abs(best - (scores[r * width + got] ?? -Infinity));
      if (!(gap <= tally.allowed(best))) labelsOk = false;
    }
    agreement = count === 0 ? 1 : same / count;
  }
  return { rows: count, ...tally.report(), label_agreement: agreement, passed: tally.passed && labelsOk };
}
