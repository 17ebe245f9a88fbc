/**
 * From scored predictions to the body of metrics.json: one label vocabulary for truths,
 * predictions and probability columns, the positive class, slices, latency, and gates.
 */
import { ConfigurationError, InputDataError, type ArtifactBody, type Logger } from '@modelgate/core';
import {
  classificationBySlice,
  classificationMetrics,
  defaultPositive,
  encodeLabels,
  evaluateGates,
  metricDirection,
  perClassByLabel,
  regressionBySlice,
  regressionMetrics,
  sortLabels,
  type Gate,
  type MetricRef,
  type MetricView,
} from '@modelgate/metrics';
import { canonicalLabel, type Scored } from '@modelgate/runtime';

type MetricsBody = ArtifactBody<'metrics'>;

export interface AssembleOptions {
  scored: Scored;
  positive?: string;
  gates: Gate[];
  baseline?: { view: MetricView; source: string; version?: string };
  model: { path: string; sha256: string; bytes: number };
  data: { path: string; sha256: string; bytes: number; label: string };
  logger: Logger;
}

export interface Assembled {
  body: MetricsBody;
  view: MetricView;
  /** Per-row outputs aligned with `labels` for predictions-out. */
  labels?: string[];
  probabilities?: Float64Array;
}

export function assembleMetrics(options: AssembleOptions): Assembled {
  const { scored } = options;
  // Labels, predictions and classes are canonical (trimmed, '1.0' is 1): so must be what names them.
  const positive = options.positive === undefined ? undefined : canonicalLabel(options.positive);
  const gates = options.gates.map(canonicalGate);
  const latencyMetrics: Record<string, number> = {};
  const latency: MetricsBody['latency_ms'] = {};
  if (scored.latency.row) {
    latency.row = { ...scored.latency.row, per: 'row' };
    Object.assign(latencyMetrics, { 'latency.p50_ms': scored.latency.row.p50, 'latency.p95_ms': scored.latency.row.p95, 'latency.p99_ms': scored.latency.row.p99 });
  }
  if (scored.latency.batch) {
    latency.batch = { ...scored.latency.batch, per: 'batch' };
    Object.assign(latencyMetrics, { 'latency.batch_p50_ms': scored.latency.batch.p50, 'latency.batch_p95_ms': scored.latency.batch.p95 });
  }

  let body: Omit<MetricsBody, 'gates' | 'passed'>;
  let view: MetricView;
  let labels: string[] | undefined;
  let probabilities: Float64Array | undefined;
  const common = {
    rows: scored.rows,
    model: options.model,
    data: { ...options.data, ...(positive !== undefined ? { positive } : {}) },
    ...(Object.keys(latency).length ? { latency_ms: latency } : {}),
    ...(options.baseline ? { baseline: { source: options.baseline.source, ...(options.baseline.version ? { version: options.baseline.version } : {}) } } : {}),
  };

  if (scored.plan.task === 'regression') {
    const truths = scored.truths as Float64Array;
    const predictions = scored.predictions as Float64Array;
    const result = regressionMetrics(truths, predictions);
    const slices = Object.entries(scored.slices).flatMap(([column, keys]) =>
      regressionBySlice(truths, predictions, keys).map((slice) => ({ column, value: slice.value ?? '(missing)', rows: slice.rows, metrics: slice.result.metrics })),
    );
    body = { task: 'regression', ...common, metrics: { ...result.metrics, ...latencyMetrics }, slices };
    view = { metrics: body.metrics as Record<string, number | null>, slices };
  } else {
    const truths = scored.truths as string[];
    const predicted = scored.predictions as string[];
    const modelClasses = scored.plan.classes;
    labels = sortLabels([...new Set([...truths, ...predicted, ...(modelClasses ?? [])])]);
    if (labels.length < 2) throw oneClass(labels[0]!, options.data);
    const encoded = encodeLabels(truths, predicted, labels);
    if (scored.probabilities) probabilities = alignProbabilities(scored.probabilities, scored.classCount!, modelClasses, labels, options.logger);
    const positiveAt = positiveIndex(labels, positive);
    const input = { labels, yTrue: encoded.yTrue, yPred: encoded.yPred, ...(probabilities ? { proba: probabilities } : {}), ...(positiveAt !== undefined ? { positive: positiveAt } : {}) };
    const result = classificationMetrics(input);
    const slices = Object.entries(scored.slices).flatMap(([column, keys]) =>
      classificationBySlice(input, keys).map((slice) => ({
        column,
        value: slice.value ?? '(missing)',
        rows: slice.rows,
        metrics: slice.result.metrics as Record<string, number | null>,
        per_class: slice.result.per_class,
      })),
    );
    body = {
      task: result.task,
      ...common,
      data: { ...common.data, ...(result.positive !== undefined ? { positive: result.positive } : {}) },
      metrics: { ...result.metrics, ...latencyMetrics },
      per_class: result.per_class,
      confusion_matrix: result.confusion_matrix,
      ...(result.curves ? { curves: result.curves } : {}),
      slices,
    };
    view = {
      metrics: body.metrics as Record<string, number | null>,
      perClass: perClassByLabel(result.per_class),
      slices: slices.map((slice) => ({ column: slice.column, value: slice.value, metrics: slice.metrics, perClass: perClassByLabel(slice.per_class) })),
    };
  }

  if (!scored.latency.row) for (const gate of gates) requireRowLatency(gate);
  const results = evaluateGates(gates, {
    head: view,
    ...(options.baseline ? { baseline: options.baseline.view } : {}),
    direction: (name) => metricDirection(name) ?? (name.startsWith('latency.') ? 'lower' : 'higher'),
  });
  return {
    body: { ...body, gates: results, passed: results.every((gate) => gate.passed) } as MetricsBody,
    view,
    ...(labels ? { labels } : {}),
    ...(probabilities ? { probabilities } : {}),
  };
}

/** Probability columns come in the model's class order; metrics want them in `labels` order. */
function alignProbabilities(probabilities: Float32Array, classCount: number, modelClasses: string[] | undefined, labels: string[], logger: Logger): Float64Array | undefined {
  const rows = probabilities.length / classCount;
  let columnClasses = modelClasses;
  if (!columnClasses || columnClasses.length !== classCount) {
    // Without class metadata the only safe assumption is sklearn's: columns are the sorted classes.
    if (labels.length !== classCount) {
      logger.warning(`the model's ${classCount} probability columns cannot be matched to the ${labels.length} classes in the data; probability metrics are left out (set data.classes in modelgate.yml)`);
      return undefined;
    }
    columnClasses = labels;
    logger.info(`probability columns taken as the sorted class labels (${labels.join(', ')}); set data.classes in modelgate.yml if the model orders them differently`);
  }
  const target = new Float64Array(rows * labels.length);
  const columnOf = columnClasses.map((label) => labels.indexOf(label));
  for (let i = 0; i < rows; i += 1) {
    for (let c = 0; c < classCount; c += 1) target[i * labels.length + columnOf[c]!] = probabilities[i * classCount + c]!;
  }
  return target;
}

/**
 * Neither the model nor the data names a second class: there is nothing to tell apart. The model's
 * classes fix this; the data cannot (a hold-out of one class is a fair test of a classifier).
 */
function oneClass(only: string, data: AssembleOptions['data']): InputDataError {
  return new InputDataError(
    `every label in '${data.label}' is '${only}' and the model predicts no other class (it declares none): classification metrics need at least 2 classes; list the model's classes under data.classes in modelgate.yml`,
    { file: data.path, field: data.label },
  );
}

const ROW_LATENCY = new Set(['latency.p50_ms', 'latency.p95_ms', 'latency.p99_ms']);

/** Single-row latency is measured only with latency-runs above 0: say so rather than 'unknown metric'. */
function requireRowLatency(gate: Gate): void {
  if (gate.metric.slice || !ROW_LATENCY.has(gate.metric.name)) return;
  throw new ConfigurationError(
    `gate '${gate.expr}': ${gate.metric.name} is single-row latency, which is not measured with latency-runs 0; set latency-runs above 0, or gate the batch latency (latency.batch_p50_ms, latency.batch_p95_ms)`,
    { field: 'gates' },
  );
}

/** A gate whose class names (`recall[>50K]`, baseline ones too) are canonical like the labels. */
function canonicalGate(gate: Gate): Gate {
  const ref = (metric: MetricRef): MetricRef => (metric.className === undefined ? metric : { ...metric, className: canonicalLabel(metric.className) });
  return { ...gate, metric: ref(gate.metric), bound: gate.bound.kind === 'baseline' ? { ...gate.bound, metric: ref(gate.bound.metric) } : gate.bound };
}

function positiveIndex(labels: string[], positive: string | undefined): number | undefined {
  if (positive === undefined) {
    if (labels.length === 2 && defaultPositive(labels) === undefined) {
      throw new ConfigurationError(`input 'positive' is required to say which of the labels ${labels.map((label) => `'${label}'`).join(', ')} is the positive class (or set \`data.positive\` in modelgate.yml; only 0/1 and -1/1 labels have a default)`, { field: 'positive' });
    }
    return undefined;
  }
  const index = labels.indexOf(positive);
  if (index < 0) throw new ConfigurationError(`positive class '${positive}' is not among the labels (${labels.join(', ')})`, { field: 'positive' });
  if (labels.length > 2) throw new ConfigurationError(`positive is for binary labels, but the data and model have ${labels.length} classes (${labels.join(', ')})`, { field: 'positive' });
  return index;
}
