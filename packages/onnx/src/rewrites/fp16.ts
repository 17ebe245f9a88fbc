/**
 * float32 → float16 model conversion (ModelProto in, new ModelProto out; the input is never
 * mutated — untouched sub-messages are shared by reference).
 *
 * How it works: every value that is a float32 tensor in the input model may exist in the new
 * graph in up to two "representations", a float16 one and a float32 one. A converted node
 * produces float16, a blocked node float32; each consumer asks for the precision it needs and
 * gets the producer's representation, or a Cast inserted right after the producer (at the top
 * of the graph for inputs and initializers; in the defining graph for values a subgraph reads
 * from an enclosing scope). So casts appear exactly at the boundaries and never twice for the
 * same value and precision.
 *
 * Subgraphs (If/Loop/Scan) are converted recursively: a converted control-flow node has
 * float16 bodies; a blocked one (nodeBlockList) keeps its bodies float32, and the float16
 * outer values they read get float32 Casts.
 *
 * Not converted: sequence-of-float values (the ops producing them are blocked, so they stay
 * float32 consistently), optional types, sparse initializers and tensors stored in external
 * files (kept float32; consumers get a Cast; a warning says so), model-local function bodies
 * (calls to them are blocked).
 */
import { DataType } from '../proto/types.js';
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from '../proto/types.js';
import { createTensor } from '../proto/codec.js';
import { toInt } from '../dtypes.js';
import { littleEndianBytes } from '../tensor.js';
import { float32ToFloat16Bits, tensorToFloat16 } from './half.js';
import {
  FLOAT, FLOAT16, NameAllocator, copyModel, declaredShapes, freeNames, getAttribute, isTensorOf, list, makeIntAttribute, makeNode,
  makeTensorAttribute, nodeLabel, ownFields, retypeValueInfo, subgraphsOf, tensorOf, tensorValueInfo, typeFromProto, type ValueType,
} from './graph-utils.js';
import { computeGraphTypes, inferOutputTypes, type GraphTypes } from './type-inference.js';

export interface Float16Options {
  /** Keep float32 graph inputs/outputs, with Casts at the boundary (default true). */
  keepIoTypes?: boolean;
  /** Op types kept in float32 (default DEFAULT_FP16_OP_BLOCK_LIST). ai.onnx.ml ops are always kept. */
  opBlockList?: string[];
  /** Node names kept in float32. */
  nodeBlockList?: string[];
}

export interface Float16Result {
  model: ModelProto;
  converted: { initializers: number; nodes: number };
  /**
   * Labels (name, else op_type#index) of original nodes left in float32, subgraphs included:
   * blocked ops, plus Casts to float32 and float Constants kept because a float32 consumer
   * reads them.
   */
  blocked: string[];
  /** Things worth a look: saturated weights, tensors left float32, custom ops assumed fp16-capable. */
  warnings: string[];
}

/**
 * Ops kept in float32 by default. The first block is onnxconverter-common's
 * float16.DEFAULT_OP_BLOCK_LIST (v1.14, also used by onnxruntime.transformers.float16): ML ops
 * plus ops that are precision-sensitive or lack float16 kernels (NonMaxSuppression, TopK,
 * RoiAlign, Resize, Range, CumSum, Min, Max, Upsample, RandomUniformLike). The rest are ours:
 * the other random generators (CPU kernels are float/double only), quantization ops (scales
 * are float32-only before opset 19, and rounding them to fp16 shifts every quantized value),
 * and sequence/optional ops (sequence values are not converted, see above).
 */
export const DEFAULT_FP16_OP_BLOCK_LIST: readonly string[] = [
  'ArrayFeatureExtractor', 'Binarizer', 'CastMap', 'CategoryMapper', 'DictVectorizer', 'FeatureVectorizer', 'Imputer',
  'LabelEncoder', 'LinearClassifier', 'LinearRegressor', 'Normalizer', 'OneHotEncoder', 'RandomUniformLike', 'SVMClassifier',
  'SVMRegressor', 'Scaler', 'TreeEnsembleClassifier', 'TreeEnsembleRegressor', 'ZipMap', 'NonMaxSuppression', 'TopK', 'RoiAlign',
  'Resize', 'Range', 'CumSum', 'Min', 'Max', 'Upsample',
  'RandomNormal', 'RandomNormalLike', 'RandomUniform', 'Multinomial', 'Bernoulli',
  'QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear',
  'SequenceConstruct', 'SequenceEmpty', 'SequenceInsert', 'SequenceAt', 'SequenceErase', 'SplitToSequence', 'ConcatFromSequence',
  'SequenceMap', 'Optional', 'OptionalGetElement',
];

/** Ops that only look at their input's shape: they read whichever precision exists. */
const SHAPE_ONLY = new Set(['Shape', 'Size']);
/** Inputs that stay tensor(float) even when the node runs in float16 (by the op's signature). */
const FLOAT32_INPUTS: Record<string, number[]> = { Resize: [2], Upsample: [1] };
/** Ops whose float32 output type comes from a dtype-like attribute, and its default. */
const DTYPE_ATTRIBUTE: Record<string, { name: string; defaultsToFloat: boolean }> = {
  RandomNormal: { name: 'dtype', defaultsToFloat: true },
  RandomUniform: { name: 'dtype', defaultsToFloat: true },
  RandomNormalLike: { name: 'dtype', defaultsToFloat: false },
  RandomUniformLike: { name: 'dtype', defaultsToFloat: false },
  Bernoulli: { name: 'dtype', defaultsToFloat: false },
  EyeLike: { name: 'dtype', defaultsToFloat: false },
  SequenceEmpty: { name: 'dtype', defaultsToFloat: true },
  HannWindow: { name: 'output_datatype', defaultsToFloat: true },
  HammingWindow: { name: 'output_datatype', defaultsToFloat: true },
  BlackmanWindow: { name: 'output_datatype', defaultsToFloat: true },
  MelWeightMatrix: { name: 'output_datatype', defaultsToFloat: true },
};

/** A value of the original graph and its representations in the new one. */
interface Value {
  orig: ValueType | undefined;
  /** Element type of the representation its producer makes (float values: FLOAT or FLOAT16). */
  produced: number | undefined;
  /** elem type → name of the representation holding it. */
  reps: Map<number, string>;
  /** Index of the producing node in its graph; -1 for inputs and initializers. */
  anchor: number;
}

/** Values visible from enclosing graphs, and a way to get them in a given precision. */
interface Scope {
  lookup(name: string): Value | undefined;
  represent(name: string, want: number): string;
}

const ROOT_SCOPE: Scope = { lookup: () => undefined, represent: (name) => name };

interface Context {
  names: NameAllocator;
  opBlock: ReadonlySet<string>;
  nodeBlock: ReadonlySet<string>;
  functions: ReadonlySet<string>;
  types: WeakMap<GraphProto, GraphTypes>;
  free: WeakMap<GraphProto, Set<string>>;
  converted: { initializers: number; nodes: number };
  blocked: string[];
  warnings: Set<string>;
}

interface GraphMode {
  /** false: the owner is blocked, everything inside stays float32. */
  convert: boolean;
  main: boolean;
  keepIo: boolean;
}

const isFloat = (type: ValueType | undefined) => isTensorOf(type, FLOAT);
const precisionSuffix = (elem: number) => (elem === FLOAT16 ? 'fp16' : 'fp32');

export function convertToFloat16(model: ModelProto, options: Float16Options = {}): Float16Result {
  if (!model.graph) throw new Error('model has no graph');
  const context: Context = {
    names: new NameAllocator(model),
    opBlock: new Set(options.opBlockList ?? DEFAULT_FP16_OP_BLOCK_LIST),
    nodeBlock: new Set(options.nodeBlockList ?? []),
    functions: new Set(list(model.functions).map((fn) => `${fn.domain ?? ''}:${fn.name ?? ''}`)),
    types: new WeakMap(),
    free: new WeakMap(),
    converted: { initializers: 0, nodes: 0 },
    blocked: [],
    warnings: new Set(),
  };
  computeGraphTypes(model.graph, new Map(), context.types);
  const { graph } = convertGraph(context, model.graph, ROOT_SCOPE, { convert: true, main: true, keepIo: options.keepIoTypes ?? true });
  return { model: copyModel(model, graph), converted: context.converted, blocked: context.blocked, warnings: [...context.warnings] };
}

function isBlockedOp(context: Context, node: NodeProto): boolean {
  return (
    context.nodeBlock.has(node.name ?? '') ||
    context.opBlock.has(node.op_type ?? '') ||
    node.domain === 'ai.onnx.ml' ||
    context.functions.has(`${node.domain ?? ''}:${node.op_type ?? ''}`)
  );
}

function convertGraph(context: Context, graph: GraphProto, outer: Scope, mode: GraphMode): { graph: GraphProto; outputTypes: (ValueType | undefined)[] } {
  const origTypes = context.types.get(graph)?.values ?? new Map<string, ValueType | undefined>();
  const nodes = list(graph.node);
  const values = new Map<string, Value>();
  const castsAfter = new Map<number, NodeProto[]>();
  const castInfos: ValueInfoProto[] = [];
  const shapes = declaredShapes(graph);
  const ioNames = new Set([...list(graph.input), ...list(graph.output)].map((info) => info.name ?? ''));

  const lookup = (name: string): Value | undefined => values.get(name) ?? outer.lookup(name);
  const origType = (name: string) => (origTypes.has(name) ? origTypes.get(name) : outer.lookup(name)?.orig);
  const addCast = (value: Value, valueName: string, to: number, output: string) => {
    const source = value.reps.get(value.produced!)!;
    const cast = makeNode('Cast', [source], [output], context.names.fresh(`${output}_cast`), [makeIntAttribute('to', to)]);
    castsAfter.set(value.anchor, [...(castsAfter.get(value.anchor) ?? []), cast]);
    value.reps.set(to, output);
    if (!ioNames.has(output)) castInfos.push(tensorValueInfo(output, to, shapes.get(valueName)));
  };
  /**
   * The name holding `name` in precision `want`, inserting a Cast when needed. Values of
   * enclosing graphs are cast there, right after their producer, so a Loop body does not
   * re-cast an outer weight on every iteration.
   */
  const represent = (name: string, want: number): string => {
    const value = values.get(name);
    if (!value) return outer.represent(name, want);
    if (!isFloat(value.orig) || value.produced === undefined) return name;
    const existing = value.reps.get(want);
    if (existing) return existing;
    const output = context.names.fresh(`${name}_${precisionSuffix(want)}`);
    addCast(value, name, want, output);
    return output;
  };
  const scope: Scope = { lookup, represent };

  // ---- decisions: which nodes stay float32
  const blocked = nodes.map((node) => !mode.convert || isBlockedOp(context, node));
  const consumers = new Map<string, number[]>();
  nodes.forEach((node, i) => {
    const used = new Set(list(node.input));
    for (const { graph: inner } of subgraphsOf(node)) for (const name of freeNames(inner, context.free)) used.add(name);
    for (const name of used) if (name) consumers.set(name, [...(consumers.get(name) ?? []), i]);
  });
  const slotsOf = (i: number, name: string) => list(nodes[i]!.input).flatMap((input, slot) => (input === name ? [slot] : []));
  const outputWant = new Map<string, number>();
  for (const output of list(graph.output)) {
    if (isFloat(origType(output.name ?? ''))) outputWant.set(output.name ?? '', !mode.convert || (mode.main && mode.keepIo) ? FLOAT : FLOAT16);
  }
  // A Cast to float32 or a float Constant feeding a float32 consumer (blocked op, kept output)
  // stays float32: Cast-to-fp16 + Cast-to-fp32 would round through float16 for nothing (think
  // of Range's limit and delta). Float16 consumers of it get a Cast. Reverse order settles chains.
  for (let i = nodes.length - 1; i >= 0; i -= 1) {
    const node = nodes[i]!;
    const output = list(node.output)[0] ?? '';
    const standard = (node.domain ?? '') === '' || node.domain === 'ai.onnx';
    const float32Source = (node.op_type === 'Cast' && toInt(getAttribute(node, 'to')?.i) === FLOAT) || (node.op_type === 'Constant' && isFloat(origType(output)));
    if (blocked[i] || !standard || !float32Source) continue;
    const fp32Consumer = (j: number) => blocked[j] || slotsOf(j, output).some((slot) => FLOAT32_INPUTS[nodes[j]!.op_type ?? '']?.includes(slot));
    if (outputWant.get(output) === FLOAT || (consumers.get(output) ?? []).some(fp32Consumer)) blocked[i] = true;
  }
  /** Precision node i needs for input `slot`; undefined: not a float32 value or any precision will do. */
  const wantAt = (i: number, slot: number, name: string): number | undefined => {
    if (!isFloat(origType(name))) return undefined;
    if (SHAPE_ONLY.has(nodes[i]!.op_type ?? '')) return undefined;
    if (blocked[i]) return FLOAT;
    return FLOAT32_INPUTS[nodes[i]!.op_type ?? '']?.includes(slot) ? FLOAT : FLOAT16;
  };
  /** Whether a converted node reads `name` in float16 (directly, or from inside its subgraphs). */
  const hasFloat16User = (name: string) =>
    outputWant.get(name) === FLOAT16 ||
    (consumers.get(name) ?? []).some((i) => {
      if (blocked[i]) return false;
      const slots = slotsOf(i, name);
      return slots.length === 0 || slots.some((slot) => wantAt(i, slot, name) === FLOAT16);
    });

  // ---- inputs and initializers
  const inputs = list(graph.input).map((info) => {
    const name = info.name ?? '';
    const orig = origType(name);
    const keep = !mode.convert || (mode.main && mode.keepIo);
    const produced = isFloat(orig) && !keep ? FLOAT16 : orig?.elem;
    values.set(name, { orig, produced, reps: new Map(produced ? [[produced, name]] : []), anchor: -1 });
    return produced === FLOAT16 ? retypeValueInfo(info, name, tensorOf(FLOAT16)) : info;
  });
  const initializers = list(graph.initializer).map((tensor) => {
    const name = tensor.name ?? '';
    const input = values.get(name);
    const wanted = input ? input.produced === FLOAT16 : outputWant.has(name) ? outputWant.get(name) === FLOAT16 : hasFloat16User(name);
    let result = tensor;
    if (tensor.data_type === FLOAT && mode.convert && wanted) {
      const half = tensorToFloat16(tensor);
      if (half) {
        result = half.tensor;
        context.converted.initializers += 1;
        if (half.saturated) context.warnings.add(`${half.saturated} value(s) of '${name}' exceed ±65504 and were saturated`);
      } else context.warnings.add(`initializer '${name}' keeps its data in an external file and stays float32`);
    }
    if (!input) values.set(name, { orig: origType(name), produced: result.data_type, reps: new Map([[result.data_type ?? 0, name]]), anchor: -1 });
    else if (result === tensor && input.produced === FLOAT16) throw new Error(`cannot convert initializer '${name}' that backs a graph input`);
    return result;
  });
  for (const sparse of list(graph.sparse_initializer)) {
    const name = sparse.values?.name ?? '';
    values.set(name, { orig: tensorOf(sparse.values?.data_type ?? 0), produced: sparse.values?.data_type, reps: new Map([[sparse.values?.data_type ?? 0, name]]), anchor: -1 });
  }

  // ---- nodes
  const newNodes = nodes.map((node, i) => {
    const label = nodeLabel(node, i);
    const isBlocked = blocked[i]!;
    let subgraphOutputs: (ValueType | undefined)[] | undefined;
    const attributes = list(node.attribute).map((attribute) => {
      if (!attribute.g && list(attribute.graphs).length === 0) return attribute;
      const sub = (inner: GraphProto) => {
        const result = convertGraph(context, inner, scope, { convert: !isBlocked, main: false, keepIo: false });
        subgraphOutputs ??= result.outputTypes;
        return result.graph;
      };
      const copy: AttributeProto = { ...ownFields(attribute) };
      if (attribute.g) copy.g = sub(attribute.g);
      if (list(attribute.graphs).length > 0) copy.graphs = attribute.graphs.map(sub);
      return copy;
    });
    const inputTypes: (ValueType | undefined)[] = [];
    const inputs = list(node.input).map((name, slot) => {
      const want = name ? wantAt(i, slot, name) : undefined;
      if (want) {
        inputTypes.push(tensorOf(want));
        return represent(name, want);
      }
      // Non-float values keep name and type; shape-only readers take the produced representation.
      const value = name ? lookup(name) : undefined;
      const produced = value && isFloat(value.orig) && value.produced !== undefined ? value.produced : undefined;
      inputTypes.push(produced ? tensorOf(produced) : origType(name));
      return produced ? value!.reps.get(produced)! : name;
    });
    const newNode: NodeProto = { ...ownFields(node), input: inputs, output: [...list(node.output)], attribute: isBlocked ? attributes : convertAttributes(context, node, label, attributes), metadata_props: [...list(node.metadata_props)] };
    const origOutputs = list(node.output).map((name) => origType(name));
    let outputTypes = origOutputs;
    if (isBlocked) {
      if (mode.convert) context.blocked.push(label);
    } else {
      context.converted.nodes += 1;
      const domain = node.domain ?? '';
      if (domain !== '' && domain !== 'ai.onnx') context.warnings.add(`custom op ${domain}:${node.op_type} converted assuming it accepts float16`);
      const inferred = inferOutputTypes(newNode, inputTypes, subgraphOutputs);
      outputTypes = origOutputs.map((orig, k) => (!isFloat(orig) ? orig : isFloat(inferred[k]) || isTensorOf(inferred[k], FLOAT16) ? inferred[k] : tensorOf(FLOAT16)));
    }
    list(node.output).forEach((name, k) => {
      if (!name) return;
      const produced = outputTypes[k]?.elem;
      const want = outputWant.get(name);
      const value: Value = { orig: origOutputs[k], produced, reps: new Map(), anchor: i };
      values.set(name, value);
      if (mode.main && want !== undefined && produced !== undefined && want !== produced) {
        // Main-graph output names are the model's interface: the producer's output gets a new
        // name and the Cast to the promised precision takes the original one.
        const renamed = context.names.fresh(`${name}_${precisionSuffix(produced)}`);
        newNode.output[k] = renamed;
        value.reps.set(produced, renamed);
        addCast(value, name, want, name);
      } else if (produced !== undefined) value.reps.set(produced, name);
    });
    return newNode;
  });

  // ---- outputs and value_info
  const outputTypes: (ValueType | undefined)[] = [];
  const outputs = list(graph.output).map((info) => {
    const name = info.name ?? '';
    const want = outputWant.get(name);
    outputTypes.push(want ? tensorOf(want) : typeFromProto(info.type) ?? origType(name));
    if (want === undefined) return info;
    const newName = mode.main ? name : represent(name, want);
    return retypeValueInfo(info, newName, tensorOf(want));
  });
  // value_info follows each value's produced representation; Cast outputs get their own entries.
  const valueInfo: ValueInfoProto[] = [];
  for (const info of list(graph.value_info)) {
    const value = values.get(info.name ?? '');
    if (!value || !isFloat(value.orig)) {
      valueInfo.push(info);
      continue;
    }
    const produced = value.produced === undefined ? undefined : value.reps.get(value.produced);
    if (produced && !ioNames.has(produced)) valueInfo.push(retypeValueInfo(info, produced, tensorOf(value.produced!)));
  }

  const ordered = [...(castsAfter.get(-1) ?? []), ...newNodes.flatMap((node, i) => [node, ...(castsAfter.get(i) ?? [])])];
  const newGraph: GraphProto = {
    ...ownFields(graph),
    node: ordered,
    initializer: initializers,
    sparse_initializer: [...list(graph.sparse_initializer)],
    input: inputs,
    output: outputs,
    value_info: [...valueInfo, ...castInfos],
    quantization_annotation: [...list(graph.quantization_annotation)],
    metadata_props: [...list(graph.metadata_props)],
  };
  return { graph: newGraph, outputTypes };
}

/** Attribute changes that make a converted node compute and produce float16. */
function convertAttributes(context: Context, node: NodeProto, label: string, attributes: AttributeProto[]): AttributeProto[] {
  const op = node.op_type ?? '';
  const standard = (node.domain ?? '') === '' || node.domain === 'ai.onnx';
  const dtype = standard ? DTYPE_ATTRIBUTE[op] : undefined;
  const half = (tensor: TensorProto) => {
    if (tensor.data_type !== FLOAT) return tensor;
    const result = tensorToFloat16(tensor);
    if (!result) context.warnings.add(`tensor attribute of ${label} is external and stays float32`);
    else if (result.saturated) context.warnings.add(`${result.saturated} value(s) in an attribute of ${label} were saturated to ±65504`);
    return result?.tensor ?? tensor;
  };
  const converted = attributes.map((attribute): AttributeProto => {
    const name = attribute.name ?? '';
    if (standard && op === 'Cast' && name === 'to' && toInt(attribute.i) === FLOAT) return makeIntAttribute('to', FLOAT16);
    if (dtype && name === dtype.name && toInt(attribute.i) === FLOAT) return makeIntAttribute(name, FLOAT16);
    if (standard && op === 'Constant' && name === 'value_float') return makeTensorAttribute('value', float16Tensor([], [attribute.f ?? 0]));
    if (standard && op === 'Constant' && name === 'value_floats') return makeTensorAttribute('value', float16Tensor([list(attribute.floats).length], list(attribute.floats)));
    const tensors = list(attribute.tensors);
    const sparseValues = attribute.sparse_tensor?.values;
    if (!attribute.t && !tensors.some((t) => t.data_type === FLOAT) && sparseValues?.data_type !== FLOAT) return attribute;
    const copy: AttributeProto = { ...ownFields(attribute) };
    if (attribute.t) copy.t = half(attribute.t);
    if (tensors.length > 0) copy.tensors = tensors.map(half);
    if (attribute.sparse_tensor && sparseValues) copy.sparse_tensor = { ...ownFields(attribute.sparse_tensor), values: half(sparseValues) };
    return copy;
  });
  const has = (name: string) => attributes.some((attribute) => attribute.name === name);
  // ConstantOfShape without `value` fills float32 zeros; make the fp16 zero explicit.
  if (standard && op === 'ConstantOfShape' && !has('value')) converted.push(makeTensorAttribute('value', float16Tensor([1], [0])));
  if (dtype?.defaultsToFloat && !has(dtype.name)) converted.push(makeIntAttribute(dtype.name, FLOAT16));
  return converted;
}

function float16Tensor(dims: number[], values: readonly number[]): TensorProto {
  const bits = Uint16Array.from(values, (value) => float32ToFloat16Bits(value, true));
  return createTensor({ dims, data_type: DataType.FLOAT16, raw_data: littleEndianBytes(bits) });
}
