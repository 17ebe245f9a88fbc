/**
 * Which model outputs carry what, and turning them into per-row predictions in the dataset's
 * label vocabulary. Conventions recognised: a label tensor (int64 or string, [N]), a probability
 * tensor (float, [N, C]; ZipMap already stripped), or a single value tensor for regression.
 */
import { ConfigurationError } from '@modelgate/core';

export interface ModelOutput {
  name: string;
  dtype: string;
  shape: (number | string | null)[] | null;
}

export type OutputPlan =
  | { task: 'classification'; label?: string; probabilities?: string; classes?: string[] }
  | { task: 'regression'; value: string };

const LABEL_NAMES = /^(output_)?label(s)?$|^predicted_label$|^y_pred$/i;
const PROBA_NAMES = /^(output_)?probabilit(y|ies)$|^probs?$|^scores?$/i;
const FLOATS = new Set(['float32', 'float64', 'float16']);

/**
 * Decide the task and outputs. `classes` (class order of probability columns / integer labels)
 * comes from, in order: config, the ZipMap strip's metadata, `class_labels` metadata.
 */
export function planOutputs(outputs: readonly ModelOutput[], metadata: Record<string, string>, configClasses?: string[]): OutputPlan {
  const label = outputs.find((output) => LABEL_NAMES.test(output.name) && (output.dtype === 'int64' || output.dtype === 'string' || output.dtype === 'int32'));
  const probabilities =
    outputs.find((output) => PROBA_NAMES.test(output.name) && FLOATS.has(output.dtype) && output.shape?.length === 2) ??
    (label ? outputs.find((output) => output !== label && FLOATS.has(output.dtype) && output.shape?.length === 2 && output.shape[1] !== 1) : undefined);
  const classes = configClasses ?? classesFromMetadata(metadata, probabilities?.name);
  if (label || probabilities) {
    return { task: 'classification', ...(label ? { label: label.name } : {}), ...(probabilities ? { probabilities: probabilities.name } : {}), ...(classes ? { classes } : {}) };
  }
  const value = outputs.find((output) => FLOATS.has(output.dtype) && (output.shape === null || output.shape.length === 1 || (output.shape.length === 2 && output.shape[1] === 1)));
  if (value) return { task: 'regression', value: value.name };
  throw new ConfigurationError(
    `cannot tell what the model predicts from its outputs (${outputs.map((output) => `${output.name}: ${output.dtype}[${(output.shape ?? ['?']).join(', ')}]`).join('; ')}); expected a label tensor, an [N, C] probability tensor, or an [N] value`,
    { field: 'model' },
  );
}

function classesFromMetadata(metadata: Record<string, string>, probabilities: string | undefined): string[] | undefined {
  const stripped = metadata['modelgate.probability_labels'];
  if (stripped && probabilities) {
    const byOutput = JSON.parse(stripped) as Record<string, string[]>;
    if (byOutput[probabilities]) return byOutput[probabilities];
  }
  const listed = metadata['class_labels'] ?? metadata['classes'];
  return listed ? listed.split(',').map((label) => label.trim()) : undefined;
}

export interface DecodedBatch {
  /** Predicted label per row as a string in the model's vocabulary (classification). */
  labels?: string[];
  /** Row-major [N, C] probabilities, columns in `classes` order. */
  probabilities?: Float32Array | Float64Array;
  classCount?: number;
  /** Predicted value per row (regression). */
  values?: Float64Array;
}

type OutputTensor = { data: ArrayLike<number | bigint | string>; dims: readonly number[] };

/** One batch of raw outputs → predictions. */
export function decodeBatch(plan: OutputPlan, outputs: Record<string, OutputTensor>, rows: number): DecodedBatch {
  if (plan.task === 'regression') {
    const tensor = outputs[plan.value]!;
    return { values: Float64Array.from(tensor.data as ArrayLike<number>) };
  }
  const decoded: DecodedBatch = {};
  if (plan.probabilities) {
    const tensor = outputs[plan.probabilities]!;
    decoded.probabilities = tensor.data as Float32Array;
    decoded.classCount = tensor.dims[1] ?? 1;
  }
  if (plan.label) {
    const data = outputs[plan.label]!.data;
    const labels = new Array<string>(rows);
    for (let i = 0; i < rows; i += 1) {
      const value = data[i]!;
      labels[i] = typeof value === 'string' ? value : plan.classes && typeof value !== 'string' ? (plan.classes[Number(value)] ?? String(value)) : String(value);
    }
    decoded.labels = labels;
  } else if (decoded.probabilities) {
    // No label output: the prediction is the most probable class (first on ties, as argmax).
    const count = decoded.classCount!;
    const labels = new Array<string>(rows);
    for (let i = 0; i < rows; i += 1) {
      let best = 0;
      for (let c = 1; c < count; c += 1) if (decoded.probabilities[i * count + c]! > decoded.probabilities[i * count + best]!) best = c;
      labels[i] = plan.classes?.[best] ?? String(best);
    }
    decoded.labels = labels;
  }
  return decoded;
}
