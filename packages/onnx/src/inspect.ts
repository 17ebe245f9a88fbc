import type { z } from 'zod';
import type { InspectFile, TensorSignature } from '@modelgate/core';
import { dataTypeName, toApproximateNumber } from './dtypes.js';
import { AttributeType, DataType, type GraphProto, type ModelProto, type TensorProto, type TypeProto } from './proto/types.js';
import { elementCount, tensorDataBytes, tensorDims } from './tensor.js';

/** Figures of one model, as stored in inspect.json (and again under `base`). */
export type ModelFigures = Pick<
  z.output<typeof InspectFile>,
  | 'model'
  | 'bytes'
  | 'initializer_bytes_by_dtype'
  | 'parameters'
  | 'excluded_shape_tensors'
  | 'nodes'
  | 'ops'
  | 'opsets'
  | 'ir_version'
  | 'producer'
  | 'inputs'
  | 'outputs'
  | 'metadata'
>;

export interface InspectSource {
  path: string;
  sha256: string;
  fileBytes: number;
  externalBytes: number;
}

export const DEFAULT_DOMAIN = 'ai.onnx';
export const normalizeDomain = (domain: string | undefined): string => (domain === undefined || domain === '' ? DEFAULT_DOMAIN : domain);

/**
 * Integer inputs that only steer shapes (Reshape's shape, Slice's starts, …): op type → input
 * positions. An integer tensor consumed only at such positions is not counted as parameters,
 * the way parameter counts of deep-learning frameworks leave them out.
 */
const SHAPE_INPUTS: Record<string, readonly number[]> = {
  Reshape: [1],
  Expand: [1],
  Tile: [1],
  Slice: [1, 2, 3, 4],
  ConstantOfShape: [0],
  Unsqueeze: [1],
  Squeeze: [1],
  Split: [1],
  Pad: [1, 3],
  Resize: [1, 2, 3],
  Upsample: [1],
  TopK: [1],
  CumSum: [1],
  Range: [0, 1, 2],
  Trilu: [1],
  ReduceSum: [1],
  ReduceMean: [1],
  ReduceMax: [1],
  ReduceMin: [1],
  ReduceProd: [1],
  ReduceL1: [1],
  ReduceL2: [1],
  ReduceLogSum: [1],
  ReduceLogSumExp: [1],
  ReduceSumSquare: [1],
};

/** Compute the inspect figures of a decoded model. Pure: sizes of files are handed in. */
export function inspectModel(model: ModelProto, source: InspectSource): ModelFigures {
  const graph = model.graph!;
  const ops = new Map<string, { domain: string; op_type: string; count: number }>();
  const bytesByDtype: Record<string, number> = {};
  let parameters = 0;
  const excluded = { tensors: 0, elements: 0 };
  let nodes = 0;

  const countTensor = (tensor: TensorProto, shapeOnly: boolean): void => {
    const type = tensor.data_type ?? DataType.UNDEFINED;
    const elements = elementCount(tensorDims(tensor));
    const dtype = dataTypeName(type);
    const bytes = tensorDataBytes(tensor);
    bytesByDtype[dtype] = (bytesByDtype[dtype] ?? 0) + (Number.isFinite(bytes) ? bytes : 0);
    if (shapeOnly) {
      excluded.tensors += 1;
      excluded.elements += elements;
    } else parameters += elements;
  };

  const visit = (g: GraphProto): void => {
    // Where each value is consumed, to decide whether an integer tensor only steers shapes.
    const shapeOnlyUse = new Map<string, boolean>();
    for (const node of g.node) {
      const positions = normalizeDomain(node.domain) === DEFAULT_DOMAIN ? SHAPE_INPUTS[node.op_type ?? ''] : undefined;
      node.input.forEach((name, position) => {
        if (name === '') return;
        const shapeUse = positions?.includes(position) ?? false;
        shapeOnlyUse.set(name, (shapeOnlyUse.get(name) ?? true) && shapeUse);
      });
    }
    const isShapeOnly = (tensor: TensorProto, name: string | undefined): boolean =>
      (tensor.data_type === DataType.INT64 || tensor.data_type === DataType.INT32) && name !== undefined && shapeOnlyUse.get(name) === true;

    for (const tensor of g.initializer) countTensor(tensor, isShapeOnly(tensor, tensor.name));
    for (const sparse of g.sparse_initializer) {
      if (sparse.values) countTensor(sparse.values, false);
      if (sparse.indices) countTensor(sparse.indices, true);
    }
    for (const node of g.node) {
      nodes += 1;
      const domain = normalizeDomain(node.domain);
      const key = `${domain}\u0000${node.op_type ?? ''}`;
      const entry = ops.get(key) ?? { domain, op_type: node.op_type ?? '', count: 0 };
      entry.count += 1;
      ops.set(key, entry);
      for (const attribute of node.attribute) {
        if (attribute.t && (attribute.type === AttributeType.TENSOR || attribute.type === undefined)) {
          countTensor(attribute.t, node.op_type === 'Constant' && isShapeOnly(attribute.t, node.output[0]));
        }
        for (const tensor of attribute.tensors) countTensor(tensor, false);
        if (attribute.sparse_tensor?.values) countTensor(attribute.sparse_tensor.values, false);
        if (attribute.g) visit(attribute.g);
        for (const subgraph of attribute.graphs) visit(subgraph);
      }
    }
  };
  visit(graph);

  const initializerNames = new Set(graph.initializer.map((tensor) => tensor.name));
  return {
    model: { path: source.path, sha256: source.sha256, bytes: source.fileBytes },
    bytes: { file: source.fileBytes, external: source.externalBytes, total: source.fileBytes + source.externalBytes },
    initializer_bytes_by_dtype: Object.fromEntries(Object.entries(bytesByDtype).sort(([a], [b]) => a.localeCompare(b))),
    parameters,
    excluded_shape_tensors: excluded,
    nodes,
    ops: [...ops.values()].sort((a, b) => a.domain.localeCompare(b.domain) || a.op_type.localeCompare(b.op_type)),
    opsets: model.opset_import
      .map((opset) => ({ domain: normalizeDomain(opset.domain), version: toApproximateNumber(opset.version) }))
      .sort((a, b) => a.domain.localeCompare(b.domain)),
    ir_version: toApproximateNumber(model.ir_version),
    producer: { name: model.producer_name ?? '', version: model.producer_version ?? '' },
    // Initializers listed as inputs (allowed since IR 4) are constants, not inputs to feed.
    inputs: graph.input.filter((value) => !initializerNames.has(value.name)).map((value) => signature(value.name ?? '', value.type)),
    outputs: graph.output.map((value) => signature(value.name ?? '', value.type)),
    metadata: Object.fromEntries(model.metadata_props.map((entry) => [entry.key ?? '', entry.value ?? ''])),
  };
}

function signature(name: string, type: TypeProto | undefined): z.output<typeof TensorSignature> {
  const tensor = type?.tensor_type ?? type?.sparse_tensor_type;
  const shape = tensor?.shape ? tensor.shape.dim.map((dim) => (dim.dim_param ? dim.dim_param : dim.dim_value !== undefined ? toApproximateNumber(dim.dim_value) : null)) : null;
  return { name, dtype: typeName(type), shape };
}

/** `float32`, `seq(map(string,float32))`, `optional(int64)`, `sparse(float32)`. */
export function typeName(type: TypeProto | undefined): string {
  if (!type) return 'unknown';
  if (type.tensor_type) return dataTypeName(type.tensor_type.elem_type);
  if (type.sparse_tensor_type) return `sparse(${dataTypeName(type.sparse_tensor_type.elem_type)})`;
  if (type.sequence_type) return `seq(${typeName(type.sequence_type.elem_type)})`;
  if (type.map_type) return `map(${dataTypeName(type.map_type.key_type)},${typeName(type.map_type.value_type)})`;
  if (type.optional_type) return `optional(${typeName(type.optional_type.elem_type)})`;
  if (type.opaque_type) return `opaque(${type.opaque_type.domain ?? ''}.${type.opaque_type.name ?? ''})`;
  return 'unknown';
}
