import { z } from 'zod';
import '../zod-setup.js';
import { envelope, FileRef, MaybeNumber } from './common.js';

/** Artifacts about a model: metrics.json (model-eval), inspect.json (onnx-inspect), convert.json (onnx-convert). */

export const Task = z.enum(['binary', 'multiclass', 'regression']);

/** Metric values keyed by scikit-learn's names (accuracy, f1, roc_auc, …); null where undefined for the data. */
export const MetricValues = z.record(z.string(), MaybeNumber);

export const ClassMetrics = z.strictObject({
  label: z.string(),
  precision: MaybeNumber,
  recall: MaybeNumber,
  f1: MaybeNumber,
  support: z.number().int().nonnegative(),
});

export const ConfusionMatrix = z.strictObject({
  labels: z.array(z.string()).describe('Row = true label, column = predicted label, in this order'),
  matrix: z.array(z.array(z.number().int().nonnegative())),
});

export const Curves = z.strictObject({
  roc: z.strictObject({ fpr: z.array(z.number()), tpr: z.array(z.number()) }).optional(),
  pr: z.strictObject({ recall: z.array(z.number()), precision: z.array(z.number()) }).optional(),
  calibration: z
    .strictObject({ mean_predicted: z.array(z.number()), fraction_positive: z.array(z.number()), count: z.array(z.number().int()) })
    .optional(),
});

export const GateResult = z.strictObject({
  expr: z.string().describe('The gate as written'),
  metric: z.string().optional(),
  actual: MaybeNumber,
  threshold: MaybeNumber,
  passed: z.boolean(),
  skipped: z.string().optional().describe('Why the gate was not evaluated (e.g. no baseline)'),
});

export const Latency = z.strictObject({
  p50: z.number().nonnegative(),
  p95: z.number().nonnegative(),
  p99: z.number().nonnegative(),
  per: z.enum(['row', 'batch']),
  batch_size: z.number().int().positive(),
  runs: z.number().int().positive(),
});

export const SliceMetrics = z.strictObject({
  column: z.string(),
  value: z.string(),
  rows: z.number().int().nonnegative(),
  metrics: MetricValues,
  per_class: z.array(ClassMetrics).optional(),
});

export const MetricsFile = z
  .strictObject({
    ...envelope('metrics'),
    task: Task,
    rows: z.number().int().nonnegative(),
    model: FileRef,
    data: FileRef.extend({ label: z.string(), positive: z.string().optional() }),
    metrics: MetricValues,
    per_class: z.array(ClassMetrics).optional(),
    confusion_matrix: ConfusionMatrix.optional(),
    curves: Curves.optional(),
    slices: z.array(SliceMetrics).default([]),
    latency_ms: z.strictObject({ row: Latency.optional(), batch: Latency.optional() }).optional(),
    baseline: z
      .strictObject({ source: z.string().describe('file path, cache key or registry reference'), version: z.string().optional(), ref: z.string().optional() })
      .optional(),
    gates: z.array(GateResult).default([]),
    passed: z.boolean().describe('Every evaluated gate passed'),
  })
  .describe('Metrics of a model on a hold-out set, and the gates applied to them');

export const TensorSignature = z.strictObject({
  name: z.string(),
  dtype: z.string().describe('float32, int64, string, … or a sequence/map type'),
  shape: z.array(z.union([z.number().int(), z.string(), z.null()])).nullable().describe('Dimensions; strings are symbolic, null unknown'),
});

export const Budget = z.strictObject({
  name: z.enum(['max_bytes', 'max_parameters', 'max_growth', 'allowed_ops', 'max_opset', 'target_runtime']),
  limit: z.union([z.number(), z.string(), z.array(z.string())]),
  actual: z.union([z.number(), z.string(), z.array(z.string())]),
  passed: z.boolean(),
  skipped: z.string().optional().describe('Why the budget could not be evaluated (e.g. max_growth without a base model)'),
  message: z.string(),
});

export const FigureDiff = z.strictObject({
  figure: z.string(),
  base: z.union([z.number(), z.string(), z.null()]),
  head: z.union([z.number(), z.string(), z.null()]),
  delta: MaybeNumber,
  delta_pct: MaybeNumber,
});

const ModelFigures = {
  model: FileRef,
  bytes: z.strictObject({ file: z.number().int().nonnegative(), external: z.number().int().nonnegative(), total: z.number().int().nonnegative() }),
  initializer_bytes_by_dtype: z.record(z.string(), z.number().int().nonnegative()),
  parameters: z.number().int().nonnegative().describe('Elements of all stored tensors, each once; integer shape/axes arguments excluded (see excluded_shape_tensors)'),
  excluded_shape_tensors: z
    .strictObject({ tensors: z.number().int().nonnegative(), elements: z.number().int().nonnegative() })
    .describe('Integer tensors used only as shape, axes or index-range arguments (Reshape shape, Slice starts, …): not parameters'),
  nodes: z.number().int().nonnegative(),
  ops: z.array(z.strictObject({ domain: z.string(), op_type: z.string(), count: z.number().int().positive() })),
  opsets: z.array(z.strictObject({ domain: z.string(), version: z.number().int() })),
  ir_version: z.number().int(),
  producer: z.strictObject({ name: z.string(), version: z.string() }),
  inputs: z.array(TensorSignature),
  outputs: z.array(TensorSignature),
  metadata: z.record(z.string(), z.string()),
};

export const InspectFile = z
  .strictObject({
    ...envelope('inspect'),
    ...ModelFigures,
    base: z.strictObject(ModelFigures).optional(),
    diff: z.array(FigureDiff).optional(),
    ops_added: z.array(z.string()).optional().describe('domain:op_type present in the model but not in the base'),
    ops_removed: z.array(z.string()).optional(),
    budgets: z.array(Budget).default([]),
    passed: z.boolean(),
  })
  .describe('Size, parameters, operators and signature of an ONNX model, with budgets');

export const SourceFormat = z.enum(['xgboost', 'lightgbm', 'command']);

export const ConvertFile = z
  .strictObject({
    ...envelope('convert'),
    source: FileRef.extend({ format: SourceFormat, objective: z.string().optional(), library_version: z.string().optional() }),
    output: FileRef,
    target_opset: z.strictObject({ 'ai.onnx': z.number().int(), 'ai.onnx.ml': z.number().int().optional() }),
    command: z.string().optional(),
    parity: z
      .strictObject({
        rows: z.number().int().nonnegative(),
        max_abs_diff: z.number().nonnegative(),
        max_rel_diff: z.number().nonnegative().optional().describe('Largest |converted − source| / |source| over values whose source value is not 0'),
        non_finite_values: z
          .number()
          .int()
          .nonnegative()
          .optional()
          .describe('Values where the converted or source value is NaN or infinite and the two differ: never within tolerance, and left out of max_abs_diff and max_rel_diff'),
        label_agreement: z.number().min(0).max(1).nullable(),
        tolerance: z.number().nonnegative().describe('Absolute part of the allowed difference: a value passes when |converted − source| ≤ tolerance + relative_tolerance · |source|'),
        relative_tolerance: z.number().nonnegative().optional().describe('Relative part of the allowed difference (0 when only tolerance was set)'),
        passed: z.boolean(),
      })
      .optional(),
    passed: z.boolean(),
  })
  .describe('How a model was converted to ONNX and whether the conversion kept its predictions');
