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
  /** Relative part, times |reference| (numpy.allclose's rtol); default 1e-5, see DEFAULT_RTOL. */
  rtol?: number;
  run: OnnxRunner;
}

/**
 * onnxruntime's TreeEnsemble adds the leaves in float32 in its own order, XGBoost in another: the
 * sums differ by a few float32 ulps of the output (2^-23 ≈ 1.2e-7 relative each), e.g. 3e-7 relative
 * on 200 trees predicting ~300, which is 5e-5 absolute. 1e-5 relative is ~80 ulps (numpy.allclose's
 * default too), still far below any real conversion error (a wrong branch or leaf).
 */
export const DEFAULT_RTOL = 1e-5;
export const DEFAULT_ATOL = 1e-5;

export interface ParityReport {
  rows: number;
  /** Over `probabilities` (classifiers) or `variable` (regressors). */
  max_abs_diff: number;
  /** Largest |onnx − reference| / |reference| over values whose reference is not 0. */
  max_rel_diff: number;
  /** Share of rows whose ONNX label equals the reference label; null for regressors. */
  label_agreement: number | null;
  /** The absolute tolerance (atol). */
  tolerance: number;
  rtol: number;
  /** Every value within tolerance + rtol·|reference|, and every label disagreement a tie within it. */
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
    const diff = Number.isNaN(actual) || Number.isNaN(expected) ? Infinity : Math.abs(actual - expected);
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
    return this.worstRatio <= 1;
  }
}

export async function checkParity(source: TreeModel, onnx: Uint8Array, rows: Float32Array, features: number, options: ParityOptions): Promise<ParityReport> {
  const tally = new ParityTally(options.tolerance ?? DEFAULT_ATOL, options.rtol ?? DEFAULT_RTOL);
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
  return {
    rows: count,
    max_abs_diff: tally.maxAbs,
    max_rel_diff: tally.maxRel,
    label_agreement: agreement,
    tolerance: tally.atol,
    rtol: tally.rtol,
    passed: tally.passed && labelsOk,
    worst_row: tally.worstRow,
    ...(tally.worst ? { worst: tally.worst } : {}),
  };
}
