/**
 * Integer label outputs that hold class values, not positions. skl2onnx converts a classifier
 * trained on the classes {1, 2} (or {3, 5, 9}) so that its label output returns 1 and 2, not 0 and
 * 1: LinearClassifier, SVMClassifier and TreeEnsembleClassifier emit an entry of their
 * classlabels_ints / classlabels_int64s, and the converters built on ArgMax (MLP, k-NN, voting) look
 * the argmax up in a constant array of the classes (ArrayFeatureExtractor), then cast and reshape it.
 */
import { DataType, type GraphProto, type ModelProto, type NodeProto, type TensorProto } from './proto/types.js';
import { DEFAULT_DOMAIN, normalizeDomain } from './inspect.js';
import { tensorDims, elementCount, isExternal } from './tensor.js';

/** Ops that pass a label through unchanged in value: skl2onnx casts and reshapes its labels. */
const PASS_THROUGH = new Set(['Identity', 'Cast', 'Reshape', 'Squeeze', 'Unsqueeze', 'Flatten']);
const ML = 'ai.onnx.ml';

/**
 * Graph outputs of integer type whose values are class labels from a list the graph declares:
 * output name → that list (exact decimal text, in the classifier's column order).
 */
export function labelClassValues(model: ModelProto): Record<string, string[]> {
  const graph = model.graph;
  if (!graph) return {};
  const producers = producersOf(graph);
  const found: Record<string, string[]> = {};
  for (const output of graph.output) {
    const type = output.type?.tensor_type?.elem_type;
    if (!output.name || (type !== DataType.INT64 && type !== DataType.INT32)) continue;
    const values = classValuesOf(output.name, graph, producers);
    if (values) found[output.name] = values;
  }
  return found;
}

/**
 * Integer graph outputs an ArgMax makes (through casts and reshapes): positions, whatever classes
 * a ZipMap beside them names.
 */
export function argMaxOutputs(model: ModelProto): Set<string> {
  const graph = model.graph;
  const found = new Set<string>();
  if (!graph) return found;
  const producers = producersOf(graph);
  for (const output of graph.output) {
    const { node } = sourceOf(output.name ?? '', producers);
    if (output.name && node?.op_type === 'ArgMax' && isDefaultDomain(node)) found.add(output.name);
  }
  return found;
}

function producersOf(graph: GraphProto): Map<string, NodeProto> {
  const producers = new Map<string, NodeProto>();
  for (const node of graph.node) for (const output of node.output) producers.set(output, node);
  return producers;
}

/** The node that makes `name`'s values, past the ops that pass a label through, and its output read. */
function sourceOf(name: string, producers: Map<string, NodeProto>): { value: string; node: NodeProto | undefined } {
  let value = name;
  let node = producers.get(value);
  // A bounded walk: a graph is acyclic, but a malformed one must not hang the evaluation.
  for (let steps = 0; node && PASS_THROUGH.has(node.op_type ?? '') && isDefaultDomain(node) && steps < 64; steps += 1) {
    value = node.input[0] ?? '';
    node = producers.get(value);
  }
  return { value, node };
}

function classValuesOf(name: string, graph: GraphProto, producers: Map<string, NodeProto>): string[] | undefined {
  const { value, node } = sourceOf(name, producers);
  if (!node) return undefined;
  if (node.domain === ML && node.output[0] === value) {
    const listed = node.attribute.find((attribute) => (attribute.name === 'classlabels_ints' || attribute.name === 'classlabels_int64s') && attribute.ints.length > 0);
    if (listed) return listed.ints.map((entry) => entry.toString());
  }
  const lookup = (node.op_type === 'ArrayFeatureExtractor' && node.domain === ML) || (node.op_type === 'Gather' && isDefaultDomain(node) && gatherAxis(node) === 0);
  if (lookup && node.input[0]) return constantIntegers(node.input[0], graph, producers);
  return undefined;
}

const isDefaultDomain = (node: NodeProto): boolean => normalizeDomain(node.domain) === DEFAULT_DOMAIN;

function gatherAxis(node: NodeProto): number {
  const axis = node.attribute.find((attribute) => attribute.name === 'axis')?.i;
  return axis === undefined ? 0 : Number(axis.toString());
}

/** The values of a 1-D integer initializer or Constant, as exact decimal text. */
function constantIntegers(name: string, graph: GraphProto, producers: Map<string, NodeProto>): string[] | undefined {
  const producer = producers.get(name);
  const tensor =
    graph.initializer.find((initializer) => initializer.name === name) ??
    (producer?.op_type === 'Constant' && isDefaultDomain(producer) ? producer.attribute.find((attribute) => attribute.name === 'value')?.t : undefined);
  if (!tensor || isExternal(tensor)) return undefined;
  const dims = tensorDims(tensor);
  if (dims.length !== 1) return undefined;
  return integerValues(tensor, elementCount(dims));
}

function integerValues(tensor: TensorProto, count: number): string[] | undefined {
  const raw = tensor.raw_data && tensor.raw_data.byteLength > 0 ? new DataView(tensor.raw_data.buffer, tensor.raw_data.byteOffset, tensor.raw_data.byteLength) : undefined;
  switch (tensor.data_type) {
    case DataType.INT32:
      if (raw ? raw.byteLength !== count * 4 : tensor.int32_data.length !== count) return undefined;
      return Array.from({ length: count }, (_, i) => String(raw ? raw.getInt32(i * 4, true) : tensor.int32_data[i]));
    case DataType.INT64:
      if (raw ? raw.byteLength !== count * 8 : tensor.int64_data.length !== count) return undefined;
      return Array.from({ length: count }, (_, i) => (raw ? raw.getBigInt64(i * 8, true).toString() : tensor.int64_data[i]!.toString()));
    default:
      return undefined;
  }
}
