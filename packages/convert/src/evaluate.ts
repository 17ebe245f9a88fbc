/**
 * Reference evaluator: predictions computed from the source model's own semantics (no ONNX),
 * for parity checks of converted models.
 *
 *  - Node decisions: `goesLeft` (./decision.ts), the libraries' rules on the float32 input.
 *  - Margins: XGBoost accumulates in float32, starting from the base margin and adding trees in
 *    file order (cpu_predictor: out_preds initialised with the base margin, `+=` per tree);
 *    LightGBM sums in double from 0 and divides by the iteration count with average_output.
 *  - Transforms as the libraries define them (XGBoost common::Sigmoid / Softmax; LightGBM
 *    ConvertOutput: 1 / (1 + exp(-k·x)), softmax, per-class sigmoid, exp, sign(x)·x², log1p(exp)),
 *    computed in double.
 *  - Labels: argmax of the probabilities for binary models (class 1 iff p > 0.5, ties → 0, as
 *    the ONNX ArgMax does) and of the margins for multiclass models (XGBoost multi:softmax).
 */
import { goesLeft } from './decision.js';
import type { TreeModel } from './model.js';

export interface ReferencePrediction {
  rows: number;
  /** rows × numTargets raw scores. */
  margins: Float64Array;
  numTargets: number;
  /** Classifiers: rows × numClasses probabilities; regressors: rows × numTargets values. */
  outputs: Float64Array;
  outputWidth: number;
  /** Classifiers only. */
  labels: Int32Array | undefined;
}

export function predictReference(model: TreeModel, input: ArrayLike<number>, features: number): ReferencePrediction {
  if (features !== model.numFeatures) throw new Error(`the model has ${model.numFeatures} features, the input has ${features} per row`);
  if (input.length % features !== 0) throw new Error(`input length ${input.length} is not a multiple of ${features} features`);
  const rows = input.length / features;
  const k = model.numTargets;
  const margins = new Float64Array(rows * k);
  const x = new Float64Array(features);
  for (let r = 0; r < rows; r += 1) {
    for (let f = 0; f < features; f += 1) x[f] = Math.fround(input[r * features + f]!);
    const out = margins.subarray(r * k, (r + 1) * k);
    if (model.accumulate === 'float32') {
      for (let t = 0; t < k; t += 1) out[t] = Math.fround(model.baseMargin[t]!);
      for (const tree of model.trees) out[tree.target] = Math.fround(out[tree.target]! + tree.value[leafOf(tree, x)]!);
    } else {
      for (let t = 0; t < k; t += 1) out[t] = model.baseMargin[t]!;
      for (const tree of model.trees) out[tree.target] = out[tree.target]! + tree.value[leafOf(tree, x)]!;
      if (model.averageOver !== 1) for (let t = 0; t < k; t += 1) out[t] = out[t]! / model.averageOver;
    }
  }
  return transform(model, margins, rows);
}

function leafOf(tree: TreeModel['trees'][number], x: Float64Array): number {
  let node = 0;
  while (tree.left[node] !== -1) node = goesLeft(tree, node, x[tree.feature[node]!]!) ? tree.left[node]! : tree.right[node]!;
  return node;
}

const sigmoid = (value: number): number => 1 / (1 + Math.exp(-value));

function transform(model: TreeModel, margins: Float64Array, rows: number): ReferencePrediction {
  const k = model.numTargets;
  const scale = model.sigmoidScale;
  if (model.task === 'binary') {
    const outputs = new Float64Array(rows * 2);
    const labels = new Int32Array(rows);
    for (let r = 0; r < rows; r += 1) {
      const p = sigmoid(scale * margins[r]!);
      outputs[2 * r] = 1 - p;
      outputs[2 * r + 1] = p;
      labels[r] = p > 0.5 ? 1 : 0;
    }
    return { rows, margins, numTargets: k, outputs, outputWidth: 2, labels };
  }
  const outputs = new Float64Array(rows * k);
  let labels: Int32Array | undefined;
  if (model.task === 'multiclass') labels = new Int32Array(rows);
  for (let r = 0; r < rows; r += 1) {
    const m = margins.subarray(r * k, (r + 1) * k);
    const o = outputs.subarray(r * k, (r + 1) * k);
    if (labels) {
      let best = 0;
      for (let c = 1; c < k; c += 1) if (m[c]! > m[best]!) best = c;
      labels[r] = best;
    }
    if (model.transform === 'softmax') {
      let max = -Infinity;
      for (const value of m) max = Math.max(max, value);
      let sum = 0;
      for (let c = 0; c < k; c += 1) sum += o[c] = Math.exp(m[c]! - max);
      for (let c = 0; c < k; c += 1) o[c] = o[c]! / sum;
      continue;
    }
    for (let c = 0; c < k; c += 1) {
      const value = m[c]!;
      switch (model.transform) {
        case 'sigmoid':
        case 'ova-sigmoid':
          o[c] = sigmoid(scale * value);
          break;
        case 'exp':
          o[c] = Math.exp(value);
          break;
        case 'signed-square':
          o[c] = Math.sign(value) * value * value;
          break;
        case 'softplus':
          o[c] = Math.log1p(Math.exp(value));
          break;
        default:
          o[c] = value;
      }
    }
  }
  return { rows, margins, numTargets: k, outputs, outputWidth: k, labels };
}
