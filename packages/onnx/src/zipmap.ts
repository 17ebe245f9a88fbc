import { encodeModelProto, decodeModelProto } from './proto/codec.js';
import { DataType, type AttributeProto, type GraphProto, type ModelProto, type ValueInfoProto } from './proto/types.js';

/** Metadata key under which the class order of each stripped ZipMap output is recorded. */
export const PROBABILITY_LABELS_KEY = 'modelgate.probability_labels';

export interface ZipMapStripResult {
  model: ModelProto;
  /** Output name → class labels in column order, for every ZipMap removed. */
  stripped: Record<string, string[]>;
}

/**
 * onnxruntime-node cannot return sequence-of-map outputs ("Non tensor type is temporarily not
 * supported"), which is what a default skl2onnx classifier's ZipMap produces. Remove each
 * ZipMap that feeds a graph output and expose its input — the [N, C] probability tensor —
 * under the output's own name, so callers keep asking for `output_probability`. The class
 * order moves into model metadata (`modelgate.probability_labels`, JSON by output name).
 * Returns a new model; the input is not modified.
 */
export function stripZipMap(source: ModelProto): ZipMapStripResult {
  // A deep copy through the codec keeps raw_data views cheap and never touches the original.
  const model = decodeModelProto(encodeModelProto(source));
  const graph = model.graph!;
  const stripped: Record<string, string[]> = {};
  const outputs = new Set(graph.output.map((output) => output.name));

  for (const node of [...graph.node]) {
    if (node.op_type !== 'ZipMap' || node.domain !== 'ai.onnx.ml') continue;
    const probabilities = node.input[0];
    const mapped = node.output[0];
    if (!probabilities || !mapped || !outputs.has(mapped)) continue;
    if (graph.node.some((other) => other !== node && other.input.includes(mapped))) continue;

    const labels = classLabels(node.attribute);
    graph.node = graph.node.filter((candidate) => candidate !== node);
    if (outputs.has(probabilities)) {
      // The probabilities are already an output of their own: the ZipMap output just goes.
      graph.output = graph.output.filter((output) => output.name !== mapped);
    } else {
      renameValue(graph, probabilities, mapped);
      const output = graph.output.find((candidate) => candidate.name === mapped)!;
      output.type = { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [{ dim_param: 'N' }, { dim_value: labels.length }] } } };
    }
    graph.value_info = graph.value_info.filter((info) => info.name !== mapped || info.type?.tensor_type);
    stripped[outputs.has(probabilities) ? probabilities : mapped] = labels;
  }

  if (Object.keys(stripped).length > 0) {
    const existing = model.metadata_props.find((entry) => entry.key === PROBABILITY_LABELS_KEY);
    const merged = { ...(existing?.value ? (JSON.parse(existing.value) as Record<string, string[]>) : {}), ...stripped };
    model.metadata_props = [
      ...model.metadata_props.filter((entry) => entry.key !== PROBABILITY_LABELS_KEY),
      { key: PROBABILITY_LABELS_KEY, value: JSON.stringify(merged) },
    ];
  }
  return { model, stripped };
}

/** Whether a model has any output that onnxruntime-node cannot return (sequence, map, optional). */
export function nonTensorOutputs(model: ModelProto): ValueInfoProto[] {
  return model.graph!.output.filter((output) => !output.type?.tensor_type && !output.type?.sparse_tensor_type);
}

function classLabels(attributes: AttributeProto[]): string[] {
  const strings = attributes.find((attribute) => attribute.name === 'classlabels_strings');
  if (strings && strings.strings.length > 0) return strings.strings.map((bytes) => new TextDecoder().decode(bytes));
  const ints = attributes.find((attribute) => attribute.name === 'classlabels_int64s');
  // Exact text: a class past 2^53 must not round onto its neighbour.
  return ints ? ints.ints.map((value) => value.toString()) : [];
}

/** Rename a value everywhere in a graph: producers, consumers, value_info. */
function renameValue(graph: GraphProto, from: string, to: string): void {
  for (const node of graph.node) {
    node.input = node.input.map((name) => (name === from ? to : name));
    node.output = node.output.map((name) => (name === from ? to : name));
  }
  graph.value_info = graph.value_info.filter((info) => info.name !== to);
  for (const info of graph.value_info) if (info.name === from) info.name = to;
}
