import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import './zod-setup.js';
import { ConfigurationError } from './errors.js';
import { BYTE_SIZE_PATTERN, PERCENT_PATTERN } from './units.js';
import { formatZodPath } from './locate.js';
import { closestName } from './suggest.js';
import { DriftTest } from './artifacts/data.js';

/** `modelgate.yml`: optional project configuration; action inputs and CLI flags override it. */

/** A model name as tags and registry paths take it. */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
export const MODEL_NAME_EXPECTED = 'expected a lower-case name (letters, digits, . _ -), used in tags and registry paths';

/** `<test>`, `<test>:<threshold>` or `:<threshold>`: the tests a schema's drift_comparator may name, a threshold ≥ 0. */
const DRIFT_TEST_NAMES = DriftTest.options;
const DRIFT_TEST_PATTERN = new RegExp(`^(?=.)(${DRIFT_TEST_NAMES.join('|')})?(:(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?)?$`);

const ByteSize = z.union([
  z.number().int().nonnegative(),
  z.string().regex(BYTE_SIZE_PATTERN, 'expected a size like 50MB, 1.5GiB or a number of bytes'),
]);
const Percent = z.union([z.number(), z.string().regex(PERCENT_PATTERN, 'expected a percentage like 10%')]);

const CardSections = z
  .strictObject({
    overview: z.string().optional(),
    owners: z.array(z.string()).optional(),
    license: z.string().optional(),
    intended_use: z.string().optional(),
    out_of_scope_use: z.string().optional(),
    factors: z.string().optional(),
    training_data: z.string().optional(),
    evaluation_data: z.string().optional(),
    ethical_considerations: z.string().optional(),
    caveats: z.string().optional(),
    references: z.array(z.string()).optional(),
  })
  .describe('Human-written model card sections; sections left out are marked as missing, never invented');

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z
      .string()
      .regex(MODEL_NAME_PATTERN, MODEL_NAME_EXPECTED)
      .optional()
      .describe('Model name (default: the model file name)'),
    model: z.string().optional().describe('Path of the ONNX model'),
    data: z
      .strictObject({
        train: z.string().optional(),
        holdout: z.string().optional(),
        reference: z.string().optional().describe('Dataset drift is measured against (defaults to train)'),
        label: z.string().optional(),
        positive: z.string().optional().describe('Positive class of a binary label'),
        classes: z
          .array(z.string())
          .optional()
          .describe("Class labels in the model's class order: names for the class indices a model outputs without class_labels metadata, or for the integer classes it declares (as many as it has)"),
        delimiter: z.string().length(1).optional(),
        null_values: z.array(z.string()).optional().describe('Field values read as missing, besides the empty field'),
      })
      .optional(),
    schema: z.string().optional().describe('Path of schema.json'),
    inputs: z
      .record(z.string(), z.union([z.string(), z.array(z.string())]))
      .optional()
      .describe('Model input name → data column (or columns, for one [N, F] tensor), when names differ'),
    outputs: z
      .strictObject({
        label: z.string().optional().describe('Output holding predicted labels (int64/int32 indices or strings)'),
        probabilities: z.string().optional().describe('Output holding [N, C] class probabilities'),
        scores: z.string().optional().describe('Output holding [N, C] class scores such as logits: the prediction is the argmax, no probability metrics'),
        value: z.string().optional().describe('Output holding the predicted value of a regressor'),
      })
      .optional()
      .describe('Which model output holds what, when the output names do not say (e.g. a torch classifier\'s `output`)'),
    gates: z.array(z.string()).optional().describe('Gate expressions; see docs/gates.md'),
    slices: z.array(z.string()).optional().describe('Columns to compute every metric per value of'),
    size: z
      .strictObject({
        max_bytes: ByteSize.optional(),
        max_parameters: z.number().int().positive().optional(),
        max_growth: Percent.optional(),
        allowed_ops: z.array(z.string()).optional(),
        max_opset: z.number().int().positive().optional(),
        target_runtime: z.string().optional().describe('e.g. onnxruntime 1.17'),
      })
      .optional(),
    drift: z
      .strictObject({
        share: z.number().min(0).max(1).optional(),
        columns: z
          .record(
            z.string(),
            z
              .string()
              .regex(DRIFT_TEST_PATTERN, `expected <test>, <test>:<threshold> or :<threshold>, the test one of ${DRIFT_TEST_NAMES.join(', ')}`)
              .refine((spec) => Number.isFinite(Number(spec.split(':')[1] ?? 0)), 'expected a finite threshold'),
          )
          .optional()
          .describe('Drift test per column, e.g. `age: psi:0.2`'),
      })
      .optional(),
    baseline: z.string().optional().describe('registry | cache | path of a metrics.json'),
    registry: z.string().optional().describe('oci://host/repo, dir:./path or github'),
    card: CardSections.optional(),
  })
  .describe('modelgate project configuration');

export type Config = z.output<typeof ConfigSchema>;

/**
 * Parse modelgate.yml text. Errors carry the file and the line of the offending key so they
 * land as an annotation on the config file.
 */
export function parseConfig(text: string, file: string): Config {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const yamlError = document.errors[0];
  if (yamlError) {
    const line = lineCounter.linePos(yamlError.pos[0]).line;
    throw new ConfigurationError(`invalid YAML: ${yamlError.message.split('\n')[0]}`, { file, ...(line ? { line } : {}) });
  }
  const value: unknown = document.toJS() ?? {};
  const result = ConfigSchema.safeParse(value);
  if (result.success) return result.data;

  const issue = result.error.issues[0]!;
  let path = issue.path;
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    path = [...issue.path, key];
    message = `unknown key '${key}'${suggest(key, knownKeys(issue.path))}`;
  }
  const node = nodeAt(document.contents, path);
  const offset = node?.range?.[0];
  const line = offset !== undefined ? lineCounter.linePos(offset).line : undefined;
  throw new ConfigurationError(`${formatZodPath(path)}: ${message}`, { file, field: formatZodPath(path), ...(line ? { line } : {}) });
}

/** 1-based line of a config entry (e.g. `['gates', 2]`), for annotations on modelgate.yml. */
export function configLine(text: string, path: readonly PropertyKey[]): number | undefined {
  return configLineFinder(text)(path);
}

/** configLine for many entries of one file: the YAML is parsed once. */
export function configLineFinder(text: string): (path: readonly PropertyKey[]) => number | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  return (path) => {
    const offset = nodeAt(document.contents, path)?.range?.[0];
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
}

/** Deepest YAML node along `path` (the key node for a mapping entry, so the line is the key's). */
function nodeAt(root: unknown, path: readonly PropertyKey[]): Node | undefined {
  let node = root as Node | undefined;
  let found = node;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      found = (pair.key as Node) ?? found;
      node = pair.value as Node | undefined;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key] as Node | undefined;
      if (!node) break;
      found = node;
    } else break;
  }
  return found;
}

function knownKeys(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = ConfigSchema;
  for (const key of path) {
    const inner = unwrap(schema);
    if (inner instanceof z.ZodObject && typeof key === 'string') schema = inner.shape[key] as z.ZodType;
    else return [];
  }
  const inner = unwrap(schema);
  return inner instanceof z.ZodObject ? Object.keys(inner.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) current = current.unwrap() as z.ZodType;
  return current;
}

/** "did you mean 'gates'?" for a near-miss key. */
function suggest(key: string, candidates: string[]): string {
  const best = closestName(key, candidates);
  return best ? ` (did you mean '${best}'?)` : '';
}
