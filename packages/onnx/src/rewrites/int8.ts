/**
 * Dynamic int8 weight quantization of MatMul/Gemm (ModelProto in, new ModelProto out; the input
 * is never mutated), in the integer-op style onnxruntime's `quantize_dynamic` emits:
 *
 *   A ─DynamicQuantizeLinear→ (A_q uint8, A_scale, A_zero_point)
 *   MatMulInteger(A_q, B_q int8, A_zero_point, B_zero_point int8 = 0) → int32
 *   Cast(to FLOAT) × (A_scale × B_scale) [+ beta·C for Gemm] → the original output name
 *
 * Weights are quantized symmetrically to int8 in [-127, 127] with zero point 0 (onnxruntime's
 * default for int8 weights: no zero-point correction term, and u8×s8 is the fast kernel pair);
 * scale = max|w| / 127, one per tensor or, with `perChannel`, one per output column of B.
 * Gemm's transB is handled by transposing the weight while quantizing, alpha is folded into
 * the weight scale, beta·C is added afterwards. Gemm with transA=1 is skipped. Only the main
 * graph is rewritten (nodes inside If/Loop/Scan bodies are left float32).
 */
import { DataType } from '../proto/types.js';
import type { GraphProto, ModelProto, NodeProto, TensorProto } from '../proto/types.js';
import { createTensor } from '../proto/codec.js';
import { dataTypeName } from '../dtypes.js';
import { float32Tensor, isExternal, littleEndianBytes, tensorDims, tensorToFloat32 } from '../tensor.js';
import { NameAllocator, copyModel, defaultOpsetVersion, freeNames, getAttribute, intAttribute, list, makeIntAttribute, makeNode, nodeLabel, ownFields, subgraphsOf } from './graph-utils.js';

export type QuantizableOp = 'MatMul' | 'Gemm';

export interface Int8Options {
  /** One scale per output column of the weight instead of one per tensor (default false). */
  perChannel?: boolean;
  /** Op types to quantize (default both). */
  opTypes?: QuantizableOp[];
  /** Weights with fewer elements stay float32 (default 16). */
  minElements?: number;
}

export interface Int8Result {
  model: ModelProto;
  /** Labels (name, else op_type#index) of the quantized nodes. */
  quantized: string[];
  skipped: { node: string; reason: string }[];
}

/** DynamicQuantizeLinear appeared in opset 11 (MatMulInteger in 10). */
export const MIN_INT8_OPSET = 11;
const INT8_MAX = 127;

export interface QuantizedWeight {
  /** Row-major [K, N] int8 values. */
  values: Int8Array;
  /** One scale (per tensor) or N scales (per column). */
  scales: Float32Array;
}

/** Round half to even, as QuantizeLinear and numpy do. */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return fraction < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Symmetric int8 quantization of a row-major [K, N] matrix. */
export function quantizeWeight(weight: Float32Array, rows: number, columns: number, perChannel: boolean): QuantizedWeight {
  const scales = new Float32Array(perChannel ? columns : 1);
  for (let k = 0; k < rows; k += 1) {
    for (let n = 0; n < columns; n += 1) {
      const slot = perChannel ? n : 0;
      scales[slot] = Math.max(scales[slot]!, Math.abs(weight[k * columns + n]!));
    }
  }
  // An all-zero column quantizes to zeros with any scale; 1 avoids dividing by zero.
  for (let i = 0; i < scales.length; i += 1) scales[i] = scales[i]! > 0 ? scales[i]! / INT8_MAX : 1;
  const values = new Int8Array(rows * columns);
  for (let i = 0; i < values.length; i += 1) {
    const scale = scales[perChannel ? i % columns : 0]!;
    values[i] = Math.max(-INT8_MAX, Math.min(INT8_MAX, roundHalfEven(weight[i]! / scale)));
  }
  return { values, scales };
}

function transpose(values: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r += 1) for (let c = 0; c < columns; c += 1) out[c * rows + r] = values[r * columns + c]!;
  return out;
}

function floatAttribute(node: NodeProto, name: string, fallback: number): number {
  const attribute = getAttribute(node, name);
  return attribute?.f ?? fallback;
}

export function quantizeDynamicInt8(model: ModelProto, options: Int8Options = {}): Int8Result {
  const main = model.graph;
  if (!main) throw new Error('model has no graph');
  const opTypes = new Set<string>(options.opTypes ?? ['MatMul', 'Gemm']);
  const minElements = options.minElements ?? 16;
  const perChannel = options.perChannel ?? false;
  const nodes = list(main.node);
  const candidates = nodes.flatMap((node, i) => (opTypes.has(node.op_type ?? '') && (node.domain ?? '') === '' ? [{ node, i, label: nodeLabel(node, i) }] : []));
  const opset = defaultOpsetVersion(model);
  if (opset < MIN_INT8_OPSET) {
    const reason = `default opset ${opset} < ${MIN_INT8_OPSET}: DynamicQuantizeLinear needs opset 11`;
    return { model: copyModel(model, main), quantized: [], skipped: candidates.map(({ label }) => ({ node: label, reason })) };
  }

  const names = new NameAllocator(model);
  const initializers = new Map(list(main.initializer).map((tensor) => [tensor.name ?? '', tensor]));
  const graphInputs = new Set(list(main.input).map((input) => input.name ?? ''));
  const added: TensorProto[] = [];
  const quantizedWeights = new Map<string, { values: string; scales: Float32Array; zeroPoint: string }>();
  const activations = new Map<string, { quantized: string; scale: string; zeroPoint: string }>();
  const replacements = new Map<number, NodeProto[]>();
  const quantized: string[] = [];
  const skipped: { node: string; reason: string }[] = [];

  const whyNot = (node: NodeProto, weight: TensorProto | undefined): string | undefined => {
    const name = list(node.input)[1] ?? '';
    if (!weight) return `weight '${name}' is not a constant initializer`;
    if (graphInputs.has(name)) return `weight '${name}' is also a graph input (it can be overridden at run time)`;
    if (weight.data_type !== DataType.FLOAT) return `weight '${name}' is ${dataTypeName(weight.data_type)}, not float32`;
    if (isExternal(weight)) return `weight '${name}' keeps its data in an external file`;
    const dims = tensorDims(weight);
    if (dims.length !== 2) return `weight '${name}' is ${dims.length}-D, only 2-D weights are quantized`;
    if (dims[0]! * dims[1]! < minElements) return `weight '${name}' has ${dims[0]! * dims[1]!} elements (< minElements ${minElements})`;
    if (node.op_type === 'Gemm' && intAttribute(node, 'transA')) return 'Gemm with transA=1 is not supported';
    return undefined;
  };

  for (const { node, i, label } of candidates) {
    const [a = '', b = '', c = ''] = list(node.input);
    const weight = initializers.get(b);
    const reason = whyNot(node, weight);
    if (reason) {
      skipped.push({ node: label, reason });
      continue;
    }
    const isGemm = node.op_type === 'Gemm';
    const transB = isGemm && Boolean(intAttribute(node, 'transB'));
    const output = list(node.output)[0] ?? '';
    const out: NodeProto[] = [];

    // Weight: quantized once per (initializer, layout), shared by every node using it.
    const key = `${b}\u0000${transB}`;
    let q = quantizedWeights.get(key);
    if (!q) {
      const [rows, columns] = tensorDims(weight!) as [number, number];
      const values = transB ? transpose(tensorToFloat32(weight!), rows, columns) : tensorToFloat32(weight!);
      const [k, n] = transB ? [columns, rows] : [rows, columns];
      const result = quantizeWeight(values, k, n, perChannel);
      const valuesName = names.fresh(`${b}_quantized`);
      const zeroPoint = names.fresh(`${b}_zero_point`);
      added.push(createTensor({ name: valuesName, dims: [k, n], data_type: DataType.INT8, raw_data: littleEndianBytes(result.values) }));
      const zeroDims = perChannel ? [n] : [];
      added.push(createTensor({ name: zeroPoint, dims: zeroDims, data_type: DataType.INT8, raw_data: new Uint8Array(perChannel ? n : 1) }));
      q = { values: valuesName, scales: result.scales, zeroPoint };
      quantizedWeights.set(key, q);
    }
    // Gemm's alpha scales the product: fold it into the weight scale.
    const alpha = isGemm ? floatAttribute(node, 'alpha', 1) : 1;
    const scaleName = names.fresh(`${b}_scale`);
    added.push(float32Tensor(scaleName, perChannel ? [q.scales.length] : [], q.scales.map((s) => s * alpha)));

    // Activation: one DynamicQuantizeLinear per float input, placed before its first quantized use.
    let act = activations.get(a);
    if (!act) {
      act = { quantized: names.fresh(`${a}_quantized`), scale: names.fresh(`${a}_scale`), zeroPoint: names.fresh(`${a}_zero_point`) };
      activations.set(a, act);
      out.push(makeNode('DynamicQuantizeLinear', [a], [act.quantized, act.scale, act.zeroPoint], names.fresh(`${a}_DynamicQuantizeLinear`)));
    }
    const base = label.replace(/[^A-Za-z0-9_.-]/g, '_');
    const product = names.fresh(`${output}_MatMulInteger`);
    const asFloat = names.fresh(`${output}_cast`);
    const scale = names.fresh(`${output}_scale`);
    // Gemm with beta = 0 ignores C (the spec's Y = alpha·A·B + beta·C).
    const hasBias = isGemm && c !== '' && floatAttribute(node, 'beta', 1) !== 0;
    const rescaled = hasBias ? names.fresh(`${output}_rescaled`) : output;
    out.push(
      makeNode('MatMulInteger', [act.quantized, q.values, act.zeroPoint, q.zeroPoint], [product], names.fresh(`${base}_quant`)),
      makeNode('Cast', [product], [asFloat], names.fresh(`${base}_cast`), [makeIntAttribute('to', DataType.FLOAT)]),
      makeNode('Mul', [act.scale, scaleName], [scale], names.fresh(`${base}_scale_mul`)),
      makeNode('Mul', [asFloat, scale], [rescaled], names.fresh(`${base}_rescale`)),
    );
    if (hasBias) {
      const beta = floatAttribute(node, 'beta', 1);
      let bias = c;
      if (beta !== 1) {
        const constant = initializers.get(c);
        bias = names.fresh(`${c}_times_beta`);
        if (constant?.data_type === DataType.FLOAT && !isExternal(constant) && !graphInputs.has(c)) {
          added.push(float32Tensor(bias, tensorDims(constant), tensorToFloat32(constant).map((v) => v * beta)));
        } else {
          const betaName = names.fresh(`${base}_beta`);
          added.push(float32Tensor(betaName, [], [beta]));
          out.push(makeNode('Mul', [c, betaName], [bias], names.fresh(`${base}_beta_mul`)));
        }
      }
      out.push(makeNode('Add', [rescaled, bias], [output], names.fresh(`${base}_bias`)));
    }
    replacements.set(i, out);
    quantized.push(label);
  }

  const newNodes = nodes.flatMap((node, i) => replacements.get(i) ?? [node]);
  // Drop the initializers the rewrite left unread (float weights, Gemm's C once beta·C is
  // precomputed); ones the input model already left unused are not ours to remove.
  const usedBefore = readNames(main, nodes);
  const usedAfter = readNames(main, newNodes);
  const keep = (name = '') => usedAfter.has(name) || graphInputs.has(name) || !usedBefore.has(name);
  const graph: GraphProto = {
    ...ownFields(main),
    node: newNodes,
    initializer: [...list(main.initializer).filter((tensor) => keep(tensor.name)), ...added],
    input: [...list(main.input)],
    output: [...list(main.output)],
    value_info: list(main.value_info).filter((info) => keep(info.name)),
    sparse_initializer: [...list(main.sparse_initializer)],
    quantization_annotation: [...list(main.quantization_annotation)],
    metadata_props: [...list(main.metadata_props)],
  };
  return { model: copyModel(model, graph), quantized, skipped };
}

/** Names read by `nodes` (subgraphs included) or exposed as graph outputs. */
function readNames(graph: GraphProto, nodes: readonly NodeProto[]): Set<string> {
  const used = new Set<string>(list(graph.output).map((output) => output.name ?? ''));
  const free = new WeakMap<GraphProto, Set<string>>();
  for (const node of nodes) {
    for (const input of list(node.input)) used.add(input);
    for (const { graph: inner } of subgraphsOf(node)) for (const name of freeNames(inner, free)) used.add(name);
  }
  return used;
}
