import { KEY_METRICS, type Metrics } from './cells.js';
import type { ModelCardInput } from './card.js';
import { classProportions, overallProportions, sliceProportions, type Proportion } from './intervals.js';

/**
 * The model card in Google Model Card Toolkit's shape (model_card_toolkit/schema/v0.0.2
 * model_card.schema.json; `confidence_interval {lower_bound, upper_bound}` as in MCT ≥ 1.0's
 * PerformanceMetric). Plain JSON: strings are the raw texts, escaping is the renderer's job.
 * Only what is known is filled: absent `card:` sections stay empty arrays / absent fields.
 */
export interface MctPerformanceMetric {
  type: string;
  value: number;
  slice?: string;
  confidence_interval?: { lower_bound: number; upper_bound: number };
}

export interface MctModelCard {
  schema_version: string;
  model_details: {
    name: string;
    overview?: string;
    owners: { name: string }[];
    version?: { name: string };
    licenses: ({ identifier: string } | { custom_text: string })[];
    references: { reference: string }[];
  };
  model_parameters: {
    model_architecture?: string;
    data: { name: string; description?: string }[];
    input_format?: string;
    output_format?: string;
  };
  quantitative_analysis: { performance_metrics: MctPerformanceMetric[] };
  considerations: {
    users: { description: string }[];
    use_cases: { description: string }[];
    limitations: { description: string }[];
    tradeoffs: { description: string }[];
    ethical_considerations: { name: string; mitigation_strategy?: string }[];
  };
}

function performance(metric: string, value: number | null | undefined, p: Proportion | undefined, slice?: string): MctPerformanceMetric[] {
  if (typeof value !== 'number' || !Number.isFinite(value)) return [];
  return [
    {
      type: metric,
      value,
      ...(slice !== undefined ? { slice } : {}),
      ...(p?.interval ? { confidence_interval: { lower_bound: p.interval.lower, upper_bound: p.interval.upper } } : {}),
    },
  ];
}

function performanceMetrics(metrics: Metrics): MctPerformanceMetric[] {
  const overall = new Map(overallProportions(metrics).map((p) => [p.metric, p]));
  const out = KEY_METRICS[metrics.task].flatMap((key) => performance(key, metrics.metrics[key], overall.get(key)));
  if (metrics.task === 'multiclass') {
    for (const c of classProportions(metrics)) {
      out.push(...performance('precision', c.precision?.value, c.precision, `class=${c.label}`), ...performance('recall', c.recall?.value, c.recall, `class=${c.label}`));
    }
  }
  for (const slice of metrics.slices) {
    const props = new Map(sliceProportions(metrics, slice).map((p) => [p.metric, p]));
    for (const [key, value] of Object.entries(slice.metrics)) out.push(...performance(key, value, props.get(key), `${slice.column}=${slice.value}`));
  }
  return out;
}

/** SPDX-looking licenses as `identifier`, anything else as `custom_text`. */
function license(text: string): { identifier: string } | { custom_text: string } {
  return /^[A-Za-z0-9.+-]+$/.test(text) ? { identifier: text } : { custom_text: text };
}

/** Whether a file's first bytes are a card renderModelCardJson wrote, as model-report serialises it. */
export function isRenderedModelCardJson(head: string): boolean {
  return head.startsWith('{\n  "schema_version": "0.0.2",\n  "model_details": {');
}

export function renderModelCardJson(input: ModelCardInput): MctModelCard {
  const { card, metrics, inspect } = input;
  const data: { name: string; description?: string }[] = [];
  if (input.datasets?.train) data.push({ name: input.datasets.train, description: 'training data' + (card?.training_data ? `: ${card.training_data}` : '') });
  data.push({ name: input.datasets?.eval ?? metrics.data.path, description: `evaluation data, ${metrics.rows} rows, label ${metrics.data.label}` + (card?.evaluation_data ? `: ${card.evaluation_data}` : '') });
  const signature = (tensors: { name: string; dtype: string; shape: (number | string | null)[] | null }[]) =>
    tensors.map((t) => `${t.name}: ${t.dtype}${t.shape ? `[${t.shape.map((d) => d ?? '?').join(', ')}]` : ''}`).join('; ');
  return {
    schema_version: '0.0.2',
    model_details: {
      name: input.name,
      ...(card?.overview ? { overview: card.overview } : {}),
      owners: (card?.owners ?? []).map((name) => ({ name })),
      ...(input.version ? { version: { name: input.version } } : {}),
      licenses: card?.license ? [license(card.license)] : [],
      references: (card?.references ?? []).map((reference) => ({ reference })),
    },
    model_parameters: {
      ...(inspect ? { model_architecture: `ONNX (IR ${inspect.ir_version}; ${inspect.ops.map((op) => (op.domain ? `${op.domain}:${op.op_type}` : op.op_type)).join(', ')})` } : {}),
      data,
      ...(inspect ? { input_format: signature(inspect.inputs), output_format: signature(inspect.outputs) } : {}),
    },
    quantitative_analysis: { performance_metrics: performanceMetrics(metrics) },
    considerations: {
      users: [],
      use_cases: card?.intended_use ? [{ description: card.intended_use }] : [],
      limitations: [...(card?.caveats ? [{ description: card.caveats }] : []), ...(card?.out_of_scope_use ? [{ description: `Out of scope: ${card.out_of_scope_use}` }] : [])],
      tradeoffs: [],
      ethical_considerations: card?.ethical_considerations ? [{ name: card.ethical_considerations }] : [],
    },
  };
}
