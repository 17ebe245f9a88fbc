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
  /** Largest allowed absolute difference of probabilities / values; default 1e-5. */
  tolerance?: number;
  run: OnnxRunner;
}

export interface ParityReport {
  rows: number;
  /** Over `probabilities` (classifiers) or `variable` (regressors). */
  max_abs_diff: number;
  /** Share of rows whose ONNX label equals the reference label; null for regressors. */
  label_agreement: number | null;
  tolerance: number;
  /** max_abs_diff ≤ tolerance and every label disagreement is a tie within the tolerance. */
  passed: boolean;
  /** Row with the largest difference (-1 when there are no rows). */
  worst_row: number;
}

export async function checkParity(source: TreeModel, onnx: Uint8Array, rows: Float32Array, features: number, options: ParityOptions): Promise<ParityReport> {
  const tolerance = options.tolerance ?? 1e-5;
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
  let maxDiff = 0;
  let worst = count > 0 ? 0 : -1;
  for (let i = 0; i < reference.outputs.length; i += 1) {
    const got = Number(actual.data[i]);
    const diff = Number.isNaN(got) ? Infinity : Math.abs(got - reference.outputs[i]!);
    if (diff > maxDiff) {
      maxDiff = diff;
      worst = Math.floor(i / reference.outputWidth);
    }
  }
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
      const gap = Math.abs(scores[r * width + reference.labels[r]!]! - (scores[r * width + got] ?? -Infinity));
      if (!(gap <= tolerance)) labelsOk = false;
    }
    agreement = count === 0 ? 1 : same / count;
  }
  return { rows: count, max_abs_diff: maxDiff, label_agreement: agreement, tolerance, passed: maxDiff <= tolerance && labelsOk, worst_row: worst };
}
