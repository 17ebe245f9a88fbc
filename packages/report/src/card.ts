import { markdownTable } from 'markdown-table';
import { stringify } from 'yaml';
import { countsTowardDrift, formatCount, unescapeMarkdownText, type Config, type ConvertFile, type DriftFile, type InspectFile, type ValidationFile } from '@modelgate/core';
import type { z } from 'zod';
import { codeCell, formatValue, KEY_METRICS, positiveLabel, prose, sliceKeys, textCell, type Metrics } from './cells.js';
import { classProportions, INTERVAL_NOTE, overallProportions, sliceProportions, type Interval, type Proportion } from './intervals.js';

export type CardSections = NonNullable<Config['card']>;

export interface ModelCardInput {
  name: string;
  version?: string;
  metrics: Metrics;
  inspect?: z.output<typeof InspectFile>;
  convert?: z.output<typeof ConvertFile>;
  validation?: z.output<typeof ValidationFile>;
  drift?: z.output<typeof DriftFile>;
  card?: CardSections;
  /** Names of the datasets (default: the evaluated file's path). */
  datasets?: { train?: string; eval?: string };
  /** Most classes in per-class tables (default 20, the largest by support). */
  maxClasses?: number;
}

/** Hugging Face pipeline tags for tabular models (hub-docs modelcard.md: `task.type`). */
const HF_TASK: Record<Metrics['task'], { type: string; name: string }> = {
  binary: { type: 'tabular-classification', name: 'Tabular Classification' },
  multiclass: { type: 'tabular-classification', name: 'Tabular Classification' },
  regression: { type: 'tabular-regression', name: 'Tabular Regression' },
};

/** modelgate keys whose Hugging Face `evaluate` metric id differs. */
const HF_METRIC_ID: Record<string, string> = { r2: 'r_squared' };

const NOT_PROVIDED = '_Not provided: ';
const MODEL_DETAILS = '## Model details';

function missing(key: keyof CardSections): string {
  return `${NOT_PROVIDED}add ${codeCell(`card.${key}`)} to modelgate.yml_`;
}

function human(card: CardSections | undefined, key: 'overview' | 'intended_use' | 'out_of_scope_use' | 'factors' | 'training_data' | 'evaluation_data' | 'ethical_considerations' | 'caveats'): string {
  const text = card?.[key]?.trim();
  return text ? prose(text) : missing(key);
}

function formatInterval(interval: Interval | undefined): string {
  return interval ? `[${formatValue(interval.lower, 4, false)}, ${formatValue(interval.upper, 4, false)}]` : '—';
}

function evalDatasetName(input: ModelCardInput): string {
  return input.datasets?.eval ?? input.metrics.data.path;
}

/** The YAML front matter of a Hugging Face model card, with the overall metrics in `model-index`. */
export function huggingFaceMetadata(input: ModelCardInput): Record<string, unknown> {
  const { metrics } = input;
  const dataset = evalDatasetName(input);
  const values = KEY_METRICS[metrics.task]
    .map((key) => [key, metrics.metrics[key]] as const)
    .filter((entry): entry is readonly [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]));
  return {
    ...(input.card?.license ? { license: input.card.license } : {}),
    library_name: 'onnx',
    tags: ['modelgate', 'onnx', HF_TASK[metrics.task].type],
    metrics: values.map(([key]) => HF_METRIC_ID[key] ?? key),
    'model-index': [
      {
        name: input.name,
        results: [
          {
            task: HF_TASK[metrics.task],
            dataset: { name: dataset, type: dataset },
            metrics: values.map(([key, value]) => ({ type: HF_METRIC_ID[key] ?? key, value, name: key })),
          },
        ],
      },
    ],
  };
}

function modelDetails(input: ModelCardInput): string[] {
  const { metrics, inspect, convert, card } = input;
  const facts = [`- **Name:** ${codeCell(input.name)}`];
  if (input.version) facts.push(`- **Version:** ${codeCell(input.version)}`);
  facts.push(`- **Task:** ${metrics.task === 'regression' ? 'regression' : `${metrics.task} classification`}`);
  facts.push(`- **Model file:** ${codeCell(metrics.model.path)}${metrics.model.sha256 ? ` (sha256 ${codeCell(metrics.model.sha256)})` : ''}`);
  if (inspect) {
    const opsets = inspect.opsets.map((opset) => `${opset.domain || 'ai.onnx'} ${opset.version}`).join(', ');
    facts.push(`- **Format:** ONNX IR ${inspect.ir_version}, opsets ${codeCell(opsets)}, produced by ${codeCell(`${inspect.producer.name} ${inspect.producer.version}`.trim())}`);
    facts.push(`- **Size:** ${formatCount(inspect.bytes.total)} bytes, ${formatCount(inspect.parameters)} parameters, ${formatCount(inspect.nodes)} nodes`);
    facts.push(`- **Inputs:** ${inspect.inputs.map((t) => codeCell(`${t.name}: ${t.dtype}`)).join(', ') || 'none'}`);
    facts.push(`- **Outputs:** ${inspect.outputs.map((t) => codeCell(`${t.name}: ${t.dtype}`)).join(', ') || 'none'}`);
  }
  if (convert) {
    const parity = convert.parity ? `; parity on ${convert.parity.rows} rows: max |Δ| ${formatValue(convert.parity.max_abs_diff, 6)} (tolerance ${formatValue(convert.parity.tolerance, 6)}${convert.parity.relative_tolerance ? ` + ${formatValue(convert.parity.relative_tolerance, 6)} × |source|` : ''}) ${convert.parity.passed ? '✅' : '❌'}` : '';
    facts.push(`- **Converted from:** ${convert.source.format}${convert.source.library_version ? ` ${codeCell(convert.source.library_version)}` : ''} model ${codeCell(convert.source.path)}${parity}`);
  }
  facts.push(`- **Owners:** ${card?.owners?.length ? card.owners.map(textCell).join(', ') : missing('owners')}`);
  facts.push(`- **License:** ${card?.license ? codeCell(card.license) : missing('license')}`);
  if (card?.references?.length) facts.push(`- **References:** ${card.references.map(codeCell).join(', ')}`);
  return [MODEL_DETAILS, '', human(card, 'overview'), '', ...facts, ''];
}

function metricsSection(input: ModelCardInput): string[] {
  const { metrics } = input;
  const reported = KEY_METRICS[metrics.task].filter((key) => key in metrics.metrics);
  const lines = ['## Metrics', '', `Reported: ${reported.map(codeCell).join(', ')} (computed as scikit-learn does).`];
  const positive = positiveLabel(metrics);
  if (positive !== undefined) lines.push(`Precision, recall and F1 are of the positive class ${codeCell(positive)}.`);
  if (metrics.gates.length > 0) {
    lines.push('', 'Decision thresholds (release gates):', '', markdownTable([['gate', 'actual', 'result'], ...metrics.gates.map((gate) => [codeCell(gate.expr), formatValue(gate.actual), gate.skipped ? `not evaluated: ${textCell(gate.skipped)}` : gate.passed ? '✅ passed' : '❌ failed'])]));
  }
  if (metrics.task !== 'regression') lines.push('', INTERVAL_NOTE);
  return [...lines, ''];
}

function dataFacts(input: ModelCardInput): string[] {
  const { metrics, validation, drift } = input;
  const facts = [`- **Dataset:** ${codeCell(evalDatasetName(input))}${input.datasets?.eval ? ` (file ${codeCell(metrics.data.path)})` : ''}, ${formatCount(metrics.rows)} rows, label column ${codeCell(metrics.data.label)}`];
  if (metrics.data.sha256) facts.push(`- **sha256:** ${codeCell(metrics.data.sha256)}`);
  if (validation) facts.push(`- **Validation against the schema:** ${validation.passed ? '✅' : '❌'} ${validation.errors} errors, ${validation.warnings} warnings`);
  if (drift) {
    const drifted = drift.columns.filter((column) => column.drifted).map((column) => codeCell(column.column));
    facts.push(`- **Drift vs ${codeCell(drift.reference.path)}:** ${drift.dataset_drift ? '❌ dataset drift' : '✅ no dataset drift'} (${drift.drifted_columns} of ${drift.columns.filter(countsTowardDrift).length} columns${drifted.length ? `: ${drifted.slice(0, 10).join(', ')}${drifted.length > 10 ? ', …' : ''}` : ''})`);
  }
  return facts;
}

function quantitative(input: ModelCardInput): string[] {
  const { metrics } = input;
  const max = input.maxClasses ?? 20;
  const lines = ['## Quantitative analyses', '', '### Overall', ''];
  const props = new Map(overallProportions(metrics).map((p) => [p.metric, p]));
  const keys = KEY_METRICS[metrics.task].filter((key) => key in metrics.metrics);
  const overall =
    metrics.task === 'regression'
      ? [['metric', 'value'], ...keys.map((key) => [codeCell(key), formatValue(metrics.metrics[key])])]
      : [
          ['metric', 'value', '95% CI (Wilson)', 'n'],
          ...keys.map((key) => {
            const p = props.get(key);
            return [codeCell(key), formatValue(metrics.metrics[key]), formatInterval(p?.interval), p ? String(p.trials) : ''];
          }),
        ];
  lines.push(markdownTable(overall), '');
  if (metrics.task === 'multiclass') {
    const classes = classProportions(metrics);
    const shown = [...classes].sort((a, b) => b.support - a.support).slice(0, max);
    const f1 = new Map(metrics.per_class?.map((row) => [row.label, row.f1]) ?? []);
    if (shown.length > 0) {
      lines.push('### Per class', '', markdownTable([['class', 'support', 'precision', '95% CI', 'recall', '95% CI', 'f1'], ...shown.map((c) => [codeCell(c.label), String(c.support), formatValue(c.precision?.value), formatInterval(c.precision?.interval), formatValue(c.recall?.value), formatInterval(c.recall?.interval), formatValue(f1.get(c.label))])]), '');
      if (classes.length > shown.length) lines.push(`Showing ${shown.length} of ${classes.length} classes (the largest by support); all are in metrics.json.`, '');
    }
  }
  if (metrics.slices.length > 0) {
    const keys = sliceKeys(metrics.task);
    const withCi = (p: Proportion | undefined, value: number | null | undefined) => (p ? `${formatValue(value)} ${formatInterval(p.interval)}` : formatValue(value));
    lines.push('### Per slice', '', markdownTable([['slice', 'rows', ...keys.map(codeCell)], ...metrics.slices.map((slice) => {
      const props = new Map(sliceProportions(metrics, slice).map((p) => [p.metric, p]));
      return [codeCell(`${slice.column}=${slice.value}`), String(slice.rows), ...keys.map((key) => withCi(props.get(key), slice.metrics[key]))];
    })]), '');
    if (metrics.task !== 'regression') lines.push('Intervals in brackets: 95% Wilson score intervals.', '');
  } else lines.push('### Per slice', '', `No slices were evaluated: add slice columns to the evaluation to report them.`, '');
  return lines;
}

function observations(input: ModelCardInput): string[] {
  const failed = input.metrics.gates.filter((gate) => !gate.passed);
  const found: string[] = [];
  if (failed.length) found.push(`- ${failed.length} gate${failed.length === 1 ? '' : 's'} failed: ${failed.map((gate) => codeCell(gate.expr)).join(', ')}`);
  if (input.drift?.dataset_drift) found.push(`- Dataset drift against ${codeCell(input.drift.reference.path)}.`);
  if (input.validation && !input.validation.passed) found.push(`- The evaluation data has ${input.validation.errors} schema errors.`);
  const small = input.metrics.slices.filter((slice) => slice.rows < 30);
  if (small.length) found.push(`- Slices with fewer than 30 rows (wide intervals): ${small.map((slice) => codeCell(`${slice.column}=${slice.value}`)).join(', ')}`);
  return found.length ? ['', 'Observed by modelgate:', '', ...found] : [];
}

/**
 * Whether a file's first bytes are a card renderModelCard wrote (an earlier run's, safe to remove):
 * its front matter, where only `license` may come before `library_name: onnx` and the modelgate tag.
 */
export function isRenderedModelCard(head: string): boolean {
  return head.startsWith('---\n') && /\nlibrary_name: onnx\ntags:\n {2}- modelgate\n/.test(head.slice(3));
}

/** Paragraphs that are not prose: headings, lists, tables, quotes, fences, rules, images, HTML. */
const NOT_PROSE = /^(?:[#|<>=~`]|[-*+_](?:\s|[-*_]{2})|\d+[.)]\s|!\[|\[!\[)/;

/**
 * What release notes quote from a model card: its overview paragraph as plain text (markdown escapes
 * resolved, to be escaped again where it is shown), or undefined. Front matter is skipped; in a card
 * renderModelCard wrote, the overview is the first paragraph under "Model details" (the one above is
 * boilerplate, and the placeholder of a missing overview is no summary); in any other card it is the
 * first prose paragraph.
 */
export function cardSummary(card: string): string | undefined {
  const text = card.replace(/\r\n?/g, '\n');
  const paragraphs = text
    .replace(/^---\n[\s\S]*?\n---(?:\n|$)/, '')
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph.length > 0);
  const details = isRenderedModelCard(text) ? paragraphs.indexOf(MODEL_DETAILS) : -1;
  const overview = details >= 0 ? paragraphs[details + 1] : paragraphs.find((paragraph) => !NOT_PROSE.test(paragraph));
  if (overview === undefined || overview.startsWith(NOT_PROVIDED) || NOT_PROSE.test(overview)) return undefined;
  return unescapeMarkdownText(overview);
}

/** model-card.md: Hugging Face front matter and the sections of Mitchell et al. (2019), human text from `card:` only. */
export function renderModelCard(input: ModelCardInput): string {
  const { card, metrics } = input;
  const front = stringify(huggingFaceMetadata(input), { lineWidth: 0 }).trimEnd();
  const sliceColumns = [...new Set(metrics.slices.map((slice) => slice.column))];
  return [
    '---',
    front,
    '---',
    '',
    `# Model card: ${codeCell(input.name)}${input.version ? ` ${codeCell(input.version)}` : ''}`,
    '',
    'Sections follow Mitchell et al., “Model Cards for Model Reporting” (2019). Figures are computed by modelgate; prose comes only from the `card:` section of modelgate.yml.',
    '',
    ...modelDetails(input),
    '## Intended use',
    '',
    human(card, 'intended_use'),
    '',
    '### Out-of-scope uses',
    '',
    human(card, 'out_of_scope_use'),
    '',
    '## Factors',
    '',
    human(card, 'factors'),
    '',
    sliceColumns.length ? `Evaluated slices by: ${sliceColumns.map(codeCell).join(', ')}.` : 'No slices were evaluated.',
    '',
    ...metricsSection(input),
    '## Evaluation data',
    '',
    human(card, 'evaluation_data'),
    '',
    ...dataFacts(input),
    '',
    '## Training data',
    '',
    human(card, 'training_data'),
    ...(input.datasets?.train ? ['', `- **Dataset:** ${codeCell(input.datasets.train)}`] : []),
    '',
    ...quantitative(input),
    '## Ethical considerations',
    '',
    human(card, 'ethical_considerations'),
    '',
    '## Caveats and recommendations',
    '',
    human(card, 'caveats'),
    ...observations(input),
    '',
  ].join('\n');
}
