/**
 * Element-type inference for ONNX graphs, enough for precision rewrites: which values are float
 * tensors. Shapes are not inferred. Declared types (inputs, initializers, value_info, outputs)
 * win over inferred ones; an output whose type cannot be told is `undefined`.
 *
 * The rule of thumb "outputs have the type of the first input" holds for most ONNX ops; the
 * table below lists the ops where the type comes from an attribute, a later input or is fixed.
 */
import { DataType, type NodeProto } from '../proto/types.js';
import type { GraphProto } from '../proto/types.js';
import { getAttribute, intAttribute, list, stringAttribute, subgraphsOf, tensorOf, typeFromProto, type ValueType } from './graph-utils.js';

type Types = (ValueType | undefined)[];

const BOOL_OUTPUT = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf', 'RegexFullMatch']);
const INT64_OUTPUT = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin', 'NonMaxSuppression', 'SequenceLength']);
const FLOAT_WINDOWS = new Set(['HannWindow', 'HammingWindow', 'BlackmanWindow', 'MelWeightMatrix']);

const elemOf = (type: ValueType | undefined) => type?.elem;
const tensorOrUndefined = (elem: number | undefined) => (elem ? tensorOf(elem) : undefined);

/** Element type of a Constant node's value, from whichever attribute holds it. */
function constantType(node: NodeProto): number | undefined {
  for (const attribute of list(node.attribute)) {
    switch (attribute.name) {
      case 'value':
        return attribute.t?.data_type;
      case 'sparse_value':
        return attribute.sparse_tensor?.values?.data_type;
      case 'value_float':
      case 'value_floats':
        return DataType.FLOAT;
      case 'value_int':
      case 'value_ints':
        return DataType.INT64;
      case 'value_string':
      case 'value_strings':
        return DataType.STRING;
    }
  }
  return undefined;
}

/** Output types of a default-domain node, or undefined for "same as the first input". */
function standardOutputs(node: NodeProto, ins: Types): Types | undefined {
  const op = node.op_type ?? '';
  const first = ins[0];
  if (BOOL_OUTPUT.has(op)) return [tensorOf(DataType.BOOL)];
  if (INT64_OUTPUT.has(op)) return [tensorOf(DataType.INT64)];
  if (FLOAT_WINDOWS.has(op)) return [tensorOf(intAttribute(node, 'output_datatype') ?? DataType.FLOAT)];
  switch (op) {
    case 'Cast':
      return [tensorOrUndefined(intAttribute(node, 'to'))];
    case 'CastLike':
      return [tensorOrUndefined(elemOf(ins[1]))];
    case 'Constant':
      return [tensorOrUndefined(constantType(node))];
    case 'ConstantOfShape':
      return [tensorOf(getAttribute(node, 'value')?.t?.data_type ?? DataType.FLOAT)];
    case 'RandomNormal':
    case 'RandomUniform':
      return [tensorOf(intAttribute(node, 'dtype') ?? DataType.FLOAT)];
    case 'EyeLike':
    case 'RandomNormalLike':
    case 'RandomUniformLike':
    case 'Bernoulli':
      return [tensorOrUndefined(intAttribute(node, 'dtype') ?? elemOf(first))];
    case 'Multinomial':
      return [tensorOf(intAttribute(node, 'dtype') ?? DataType.INT32)];
    case 'TopK':
    case 'MaxPool':
      return [first, tensorOf(DataType.INT64)];
    case 'Unique':
      return [first, tensorOf(DataType.INT64), tensorOf(DataType.INT64), tensorOf(DataType.INT64)];
    case 'Dropout':
      return [first, tensorOf(DataType.BOOL)];
    case 'LayerNormalization': {
      // Mean and InvStdDev follow stash_type (float32 by default), not X.
      const stash = tensorOf(intAttribute(node, 'stash_type') ?? DataType.FLOAT);
      return [first, stash, stash];
    }
    case 'Where':
      return [ins[1]];
    case 'OneHot':
      return [ins[2]];
    case 'MatMulInteger':
    case 'ConvInteger':
      return [tensorOf(DataType.INT32)];
    case 'QLinearMatMul':
    case 'QLinearConv':
      return [ins[7]];
    case 'DynamicQuantizeLinear':
      return [tensorOf(DataType.UINT8), tensorOf(DataType.FLOAT), tensorOf(DataType.UINT8)];
    case 'QuantizeLinear':
      return [ins[2] ?? tensorOf(intAttribute(node, 'output_dtype') || DataType.UINT8)];
    case 'DequantizeLinear':
      return [ins[1]];
    case 'StringNormalizer':
    case 'StringConcat':
      return [tensorOf(DataType.STRING)];
    case 'StringSplit':
      return [tensorOf(DataType.STRING), tensorOf(DataType.INT64)];
    case 'TfIdfVectorizer':
      return [tensorOf(DataType.FLOAT)];
    case 'SequenceConstruct':
    case 'SplitToSequence':
      return [first ? { kind: 'sequence', elem: first.elem } : undefined];
    case 'SequenceEmpty':
      return [{ kind: 'sequence', elem: intAttribute(node, 'dtype') ?? DataType.FLOAT }];
    case 'SequenceAt':
    case 'ConcatFromSequence':
      return [tensorOrUndefined(elemOf(first))];
    case 'Optional':
    case 'OptionalGetElement':
    case 'OptionalHasElement':
      return op === 'OptionalHasElement' ? [tensorOf(DataType.BOOL)] : [undefined];
    default:
      return undefined;
  }
}

/** Output types of an ai.onnx.ml node. */
function mlOutputs(node: NodeProto, ins: Types): Types {
  const op = node.op_type ?? '';
  const float = tensorOf(DataType.FLOAT);
  switch (op) {
    case 'LinearClassifier':
    case 'SVMClassifier':
    case 'TreeEnsembleClassifier': {
      const strings = list(getAttribute(node, 'classlabels_strings')?.strings).length > 0;
      return [tensorOf(strings ? DataType.STRING : DataType.INT64), float];
    }
    case 'LinearRegressor':
    case 'SVMRegressor':
    case 'TreeEnsembleRegressor':
    case 'Scaler':
    case 'Normalizer':
    case 'FeatureVectorizer':
    case 'OneHotEncoder':
      return [float];
    case 'CategoryMapper':
      return [tensorOf(ins[0]?.elem === DataType.STRING ? DataType.INT64 : DataType.STRING)];
    case 'CastMap': {
      const to = stringAttribute(node, 'cast_to') ?? 'TO_FLOAT';
      return [tensorOf(to === 'TO_STRING' ? DataType.STRING : to === 'TO_INT64' ? DataType.INT64 : DataType.FLOAT)];
    }
    case 'LabelEncoder': {
      if (getAttribute(node, 'values_tensor')?.t) return [tensorOrUndefined(getAttribute(node, 'values_tensor')?.t?.data_type)];
      if (list(getAttribute(node, 'values_strings')?.strings).length > 0) return [tensorOf(DataType.STRING)];
      if (list(getAttribute(node, 'values_int64s')?.ints).length > 0) return [tensorOf(DataType.INT64)];
      if (list(getAttribute(node, 'values_floats')?.floats).length > 0) return [float];
      return [undefined];
    }
    case 'ZipMap':
    case 'DictVectorizer':
      return [undefined];
    default:
      // Binarizer, Imputer, ArrayFeatureExtractor, TreeEnsemble (ml opset 5), …
      return list(node.output).map(() => ins[0]);
  }
}

/**
 * Output types of one node given its input types. `subgraphOutputs` are the output types of
 * the node's (first) subgraph: If/Loop/Scan take their output types from it.
 */
export function inferOutputTypes(node: NodeProto, ins: Types, subgraphOutputs?: Types): Types {
  const outputs = list(node.output);
  const domain = node.domain ?? '';
  let types: Types | undefined;
  if (domain === 'ai.onnx.ml') types = mlOutputs(node, ins);
  else if (subgraphOutputs && (node.op_type === 'If' || node.op_type === 'Scan')) types = subgraphOutputs;
  else if (subgraphOutputs && node.op_type === 'Loop') types = subgraphOutputs.slice(1);
  else if (domain === '' || domain === 'ai.onnx') types = standardOutputs(node, ins);
  types ??= outputs.map(() => ins[0]);
  return outputs.map((_, i) => types[i]);
}

export interface GraphTypes {
  /** Types of the values defined in this graph (not the enclosing ones). */
  values: Map<string, ValueType | undefined>;
  outputs: Types;
}

/**
 * Types of every value a graph defines, recursing into subgraphs (cached per graph in `cache`).
 * `outer` holds the types visible from enclosing graphs; `inputHints` type subgraph inputs
 * that do not declare one (Loop/Scan bodies may leave them out).
 */
export function computeGraphTypes(
  graph: GraphProto,
  outer: ReadonlyMap<string, ValueType | undefined>,
  cache: WeakMap<GraphProto, GraphTypes>,
  inputHints: Types = [],
): GraphTypes {
  const values = new Map<string, ValueType | undefined>();
  const declared = new Map<string, ValueType>();
  for (const info of [...list(graph.value_info), ...list(graph.output)]) {
    const type = typeFromProto(info.type);
    if (info.name && type) declared.set(info.name, type);
  }
  list(graph.input).forEach((input, i) => values.set(input.name ?? '', typeFromProto(input.type) ?? inputHints[i]));
  for (const tensor of list(graph.initializer)) {
    if (!values.has(tensor.name ?? '')) values.set(tensor.name ?? '', tensorOrUndefined(tensor.data_type));
  }
  const lookup = (name: string) => (values.has(name) ? values.get(name) : outer.get(name));
  for (const node of list(graph.node)) {
    const ins = list(node.input).map((name) => (name ? lookup(name) : undefined));
    let subgraphOutputs: Types | undefined;
    const inner = subgraphsOf(node);
    if (inner.length > 0) {
      const scope = new Map([...outer, ...values]);
      const hints: Types = node.op_type === 'Loop' ? [tensorOf(DataType.INT64), tensorOf(DataType.BOOL), ...ins.slice(2)] : node.op_type === 'Scan' ? ins : [];
      const results = inner.map(({ graph: body }) => computeGraphTypes(body, scope, cache, hints));
      subgraphOutputs = results[0]!.outputs.map((type, i) => type ?? results.find((result) => result.outputs[i])?.outputs[i]);
    }
    const inferred = inferOutputTypes(node, ins, subgraphOutputs);
    list(node.output).forEach((output, i) => {
      if (output) values.set(output, declared.get(output) ?? inferred[i]);
    });
  }
  const outputs = list(graph.output).map((output) => declared.get(output.name ?? '') ?? lookup(output.name ?? ''));
  const result = { values, outputs };
  cache.set(graph, result);
  return result;
}
