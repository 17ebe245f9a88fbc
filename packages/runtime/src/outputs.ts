/**
 * Which model outputs carry what, and turning them into per-row predictions in the dataset's
 * label vocabulary. Conventions recognised: a label tensor (int64 or string, [N]; integers are
 * positions in the class list unless the model declares them class values), a probability
 * tensor (float, [N, C]; ZipMap already stripped), a model's only output [N, C ≥ 2] as class
 * scores (torch classifiers: probabilities or logits), or a single value tensor for regression.
 * `outputs:` in modelgate.yml names them when the names say nothing.
 */
import { ConfigurationError, InputDataError } from '@modelgate/core';

export interface ModelOutput {
  name: string;
  dtype: string;
  shape: (number | string | null)[] | null;
  /**
   * For an integer label output: the class values it returns, as the graph declares them (an ONNX-ML
   * classifier's classlabels_ints, or the constant class array skl2onnx looks the argmax up in).
   */
  classValues?: readonly string[];
  /** For an integer label output an ArgMax makes: it returns positions, not a ZipMap's class values. */
  positions?: boolean;
}

export type OutputPlan =
  | {
      task: 'classification';
      label?: string;
      /** The [N, C] class columns. */
      probabilities?: string;
      classes?: string[];
      /**
       * The class values the integer label output returns, in column order, when it returns values
       * rather than positions (skl2onnx: {1, 2}, not {0, 1}): a value's position names its class in `classes`.
       */
      labelValues?: string[];
      /**
       * What those columns hold; absent = probabilities (named so). 'scores': logits or other scores,
       * only their argmax is used. 'unchecked': a lone output that may be either; it counts as
       * probabilities only when every row is a probability distribution (see firstNonProbabilityRow).
       */
      columns?: 'scores' | 'unchecked';
    }
  | { task: 'regression'; value: string };

/** modelgate.yml `outputs:`: which output holds what, when the names do not say. */
export interface OutputMapping {
  label?: string;
  probabilities?: string;
  scores?: string;
  value?: string;
}

const LABEL_NAMES = /^(output_)?label(s)?$|^predicted_label$|^y_pred$/i;
const PROBA_NAMES = /^(output_)?probabilit(y|ies)$|^probs?$|^scores?$/i;
const FLOATS = new Set(['float32', 'float64', 'float16']);

/**
 * Decide the task and outputs. `classes` (class order of probability columns / integer labels)
 * comes from, in order: config, the ZipMap strip's metadata, `class_labels` metadata, the class
 * values the label output is declared to return.
 */
export function planOutputs(outputs: readonly ModelOutput[], metadata: Record<string, string>, configClasses?: string[], mapping?: OutputMapping): OutputPlan {
  if (mapping && Object.keys(mapping).length > 0) return mappedOutputs(outputs, metadata, configClasses, mapping);
  const label = outputs.find((output) => LABEL_NAMES.test(output.name) && isLabelTensor(output));
  const probabilities =
    outputs.find((output) => PROBA_NAMES.test(output.name) && isFloatMatrix(output)) ??
    (label ? outputs.find((output) => output !== label && isFloatMatrix(output) && output.shape![1] !== 1) : undefined);
  if (label || probabilities) return classificationPlan(label, probabilities?.name, metadata, configClasses);
  const value = outputs.find(isValueTensor);
  if (value) return { task: 'regression', value: value.name };
  // A torch classifier's one output (`y`, `output`, `logits`): its class scores, whatever its name.
  const only = outputs.length === 1 ? outputs[0]! : undefined;
  if (only && isClassColumns(only)) return { ...classificationPlan(undefined, only.name, metadata, configClasses), columns: 'unchecked' };
  throw new ConfigurationError(
    `cannot tell what the model predicts from its outputs (${outputs.map(outputText).join('; ')}); expected a label tensor, an [N, C] probability tensor, or an [N] value (name them under outputs: in modelgate.yml)`,
    { field: 'model' },
  );
}

const outputText = (output: ModelOutput) => `${output.name}: ${output.dtype}[${(output.shape ?? ['?']).join(', ')}]`;

/** Labels: int64, int32 or string. */
const isLabelTensor = (output: ModelOutput): boolean => output.dtype === 'int64' || output.dtype === 'int32' || output.dtype === 'string';
/** Regression values: float [N] or [N, 1] (or a shape not declared). */
const isValueTensor = (output: ModelOutput): boolean => FLOATS.has(output.dtype) && (output.shape === null || output.shape.length === 1 || (output.shape.length === 2 && output.shape[1] === 1));
/** Float [N, C]: class probabilities or scores. */
const isFloatMatrix = (output: ModelOutput): boolean => FLOATS.has(output.dtype) && output.shape?.length === 2;

/** A float [N, C] tensor with a known C ≥ 2: one column per class. */
function isClassColumns(output: ModelOutput): boolean {
  const width = output.shape?.[1];
  return isFloatMatrix(output) && typeof width === 'number' && width >= 2;
}

/** The outputs modelgate.yml names; each must exist and have a shape fit for its role. */
function mappedOutputs(outputs: readonly ModelOutput[], metadata: Record<string, string>, configClasses: string[] | undefined, mapping: OutputMapping): OutputPlan {
  const find = (role: keyof OutputMapping, fits: (output: ModelOutput) => boolean, expected: string): string | undefined => {
    const name = mapping[role];
    if (name === undefined) return undefined;
    const output = outputs.find((candidate) => candidate.name === name);
    if (!output) throw new ConfigurationError(`outputs.${role} in modelgate.yml names '${name}', which the model does not have (outputs: ${outputs.map(outputText).join('; ')})`, { field: 'outputs' });
    if (!fits(output)) throw new ConfigurationError(`outputs.${role} in modelgate.yml names '${outputText(output)}', expected ${expected}`, { field: 'outputs' });
    return name;
  };
  const value = find('value', isValueTensor, 'a float [N] or [N, 1] tensor');
  const label = find('label', isLabelTensor, 'an int64, int32 or string tensor');
  if (mapping.probabilities !== undefined && mapping.scores !== undefined) throw new ConfigurationError('outputs in modelgate.yml names both probabilities and scores; a model has one of them', { field: 'outputs' });
  const probabilities = find('probabilities', isFloatMatrix, 'a float [N, C] tensor');
  const scores = find('scores', isFloatMatrix, 'a float [N, C] tensor');
  if (value !== undefined) {
    if (label !== undefined || probabilities !== undefined || scores !== undefined) throw new ConfigurationError('outputs in modelgate.yml names a regression value and class outputs; name one or the other', { field: 'outputs' });
    return { task: 'regression', value };
  }
  const plan = classificationPlan(
    outputs.find((output) => output.name === label),
    probabilities ?? scores,
    metadata,
    configClasses,
  );
  return scores ? { ...plan, columns: 'scores' } : plan;
}

/**
 * The classes come from data.classes, a stripped ZipMap, `class_labels` metadata or, last, the
 * values the label output is declared to return (skl2onnx without ZipMap: its columns follow them).
 */
function classificationPlan(label: ModelOutput | undefined, probabilities: string | undefined, metadata: Record<string, string>, configClasses: string[] | undefined): OutputPlan & { task: 'classification' } {
  const labelValues = label ? labelValuesOf(label, metadata, probabilities) : undefined;
  const classes = configClasses ?? classesFromMetadata(metadata, probabilities) ?? labelValues;
  if (labelValues && classes!.length !== labelValues.length) {
    const source = configClasses ? 'data.classes in modelgate.yml lists' : "the model's class metadata lists";
    throw new ConfigurationError(`${source} ${classes!.length} classes (${classes!.join(', ')}), but the model's label output '${label!.name}' returns ${labelValues.length} (${labelValues.join(', ')})`, {
      field: configClasses ? 'data.classes' : 'model',
    });
  }
  return {
    task: 'classification',
    ...(label ? { label: label.name } : {}),
    ...(probabilities ? { probabilities } : {}),
    ...(classes ? { classes } : {}),
    ...(labelValues ? { labelValues } : {}),
  };
}

/**
 * The class values an integer label output returns, when it returns values rather than positions:
 * those the graph declares for it, else a stripped ZipMap's integer keys, which are the values the
 * classifier's label output returns too (skl2onnx writes both from the classifier's classes_).
 */
function labelValuesOf(label: ModelOutput, metadata: Record<string, string>, probabilities: string | undefined): string[] | undefined {
  if (label.dtype === 'string') return undefined;
  if (label.classValues) return [...label.classValues];
  if (label.positions) return undefined;
  const zipMapped = probabilities ? strippedZipMapClasses(metadata, probabilities) : undefined;
  return zipMapped && zipMapped.length > 0 && zipMapped.every((value) => /^[+-]?\d+$/.test(value)) ? zipMapped : undefined;
}

/**
 * Whether every row of [rows, C] class columns is a probability distribution: values in [0, 1]
 * summing to 1 within float32 rounding (C values, each rounded to float32, plus numpy.allclose's
 * 1e-5). Returns the first row that is not (with its sum), if any.
 */
export function firstNonProbabilityRow(columns: ArrayLike<number>, classCount: number): { row: number; sum: number } | undefined {
  const slack = 1e-5 + classCount * 2 ** -24;
  for (let offset = 0; offset < columns.length; offset += classCount) {
    let sum = 0;
    let inRange = true;
    for (let c = 0; c < classCount; c += 1) {
      const v = columns[offset + c]!;
      if (!(v >= 0 && v <= 1)) inRange = false;
      sum += v;
    }
    if (!inRange || !(Math.abs(sum - 1) <= slack)) return { row: offset / classCount, sum };
  }
  return undefined;
}

function classesFromMetadata(metadata: Record<string, string>, probabilities: string | undefined): string[] | undefined {
  const stripped = probabilities ? strippedZipMapClasses(metadata, probabilities) : undefined;
  if (stripped) return stripped;
  const listed = metadata['class_labels'] ?? metadata['classes'];
  return listed ? listed.split(',').map((label) => label.trim()) : undefined;
}

/** The class keys of the ZipMap removed from this output (recorded by stripZipMap), if any. */
function strippedZipMapClasses(metadata: Record<string, string>, output: string): string[] | undefined {
  const stripped = metadata['modelgate.probability_labels'];
  return stripped ? (JSON.parse(stripped) as Record<string, string[]>)[output] : undefined;
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

/**
 * One batch of raw outputs → predictions. An output whose shape does not give one value (or one row of
 * class columns) per row is the model's fault: an error naming it and its shape, at `modelFile`.
 */
export function decodeBatch(plan: OutputPlan, outputs: Record<string, OutputTensor>, rows: number, modelFile?: string): DecodedBatch {
  const output = (name: string, fits: (dims: readonly number[]) => boolean, expected: string): OutputTensor => {
    const tensor = outputs[name]!;
    if (fits(tensor.dims) && tensor.data.length === tensor.dims.reduce((product, dim) => product * dim, 1)) return tensor;
    throw new InputDataError(`output '${name}' returned shape [${tensor.dims.join(', ')}] for a batch of ${rows} rows; expected ${expected}`, modelFile === undefined ? undefined : { file: modelFile });
  };
  // A model that squeezes its outputs (torch's `.squeeze()`) drops the batch axis of a batch of one row.
  const onePerRow = (dims: readonly number[]) => (dims.length === 0 && rows === 1) || (dims[0] === rows && (dims.length === 1 || (dims.length === 2 && dims[1] === 1)));
  const classColumns = (dims: readonly number[]) => (dims.length === 2 && dims[0] === rows && dims[1]! >= 1) || (dims.length === 1 && rows === 1 && dims[0]! >= 1);
  if (plan.task === 'regression') {
    const tensor = output(plan.value, onePerRow, `[${rows}] or [${rows}, 1] (one value per row)`);
    return { values: Float64Array.from(tensor.data as ArrayLike<number>) };
  }
  const decoded: DecodedBatch = {};
  if (plan.probabilities) {
    const tensor = output(plan.probabilities, classColumns, `[${rows}, C] (a row of class columns per row)`);
    decoded.probabilities = tensor.data as Float32Array;
    decoded.classCount = tensor.dims[tensor.dims.length - 1]!;
  }
  if (plan.label) {
    const data = output(plan.label, onePerRow, `[${rows}] (one label per row)`).data;
    const labels = new Array<string>(rows);
    // Values (skl2onnx's {1, 2}) are looked up by value; anything else is a position in the class list.
    const positions = plan.labelValues ? new Map(plan.labelValues.map((value, position) => [value, position])) : undefined;
    for (let i = 0; i < rows; i += 1) {
      const value = data[i]!;
      if (typeof value === 'string') labels[i] = value;
      else if (positions) {
        const position = positions.get(String(value));
        if (position === undefined) {
          throw new InputDataError(`output '${plan.label}' returned the label ${value}, which is not one of the classes the model declares (${plan.labelValues!.join(', ')})`, modelFile === undefined ? undefined : { file: modelFile });
        }
        labels[i] = plan.classes![position]!;
      } else labels[i] = plan.classes ? (plan.classes[Number(value)] ?? String(value)) : String(value);
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
