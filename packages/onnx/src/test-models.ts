/** Small models built in code for tests (no Python): the codec's plain-object form. */
import { createModel } from './proto/codec.js';
import { AttributeType, DataType, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto/types.js';
import { float32Tensor, int64Tensor } from './tensor.js';

export function tensorValue(name: string, elemType: number, dims: (number | string)[]): ValueInfoProto {
  return {
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((dim) => (typeof dim === 'number' ? { dim_value: dim } : { dim_param: dim })) } } },
    metadata_props: [],
  };
}

export function node(op_type: string, input: string[], output: string[], extra: Partial<NodeProto> = {}): NodeProto {
  return { op_type, input, output, name: `${op_type}_${output[0]}`, attribute: [], metadata_props: [], ...extra };
}

export interface ModelParts {
  nodes: NodeProto[];
  initializers?: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  opsets?: { domain: string; version: number }[];
  irVersion?: number;
  metadata?: Record<string, string>;
}

export function buildModel(parts: ModelParts): ModelProto {
  return createModel({
    ir_version: parts.irVersion ?? 8,
    producer_name: 'modelgate-tests',
    producer_version: '1',
    opset_import: parts.opsets ?? [{ domain: '', version: 15 }],
    graph: {
      name: 'test',
      node: parts.nodes,
      initializer: parts.initializers ?? [],
      input: parts.inputs,
      output: parts.outputs,
      sparse_initializer: [],
      value_info: [],
      quantization_annotation: [],
      metadata_props: [],
    },
    metadata_props: Object.entries(parts.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
}

/** x[N,4] → MatMul W[4,3] → Add b[3] → Reshape(shape=[-1,3]) → Mul by a Constant → y[N,3]. */
export function linearModel(seed = 1): ModelProto {
  const values = (count: number) => Array.from({ length: count }, (_, i) => Math.sin(seed * 31 + i) * 0.5);
  return buildModel({
    nodes: [
      node('MatMul', ['x', 'W'], ['xw']),
      node('Add', ['xw', 'b'], ['z']),
      node('Reshape', ['z', 'shape'], ['r']),
      node('Constant', [], ['scale'], {
        attribute: [{ name: 'value', type: AttributeType.TENSOR, t: float32Tensor('', [3], [1, 2, 3]), floats: [], ints: [], strings: [], tensors: [], graphs: [], sparse_tensors: [], type_protos: [] }],
      }),
      node('Mul', ['r', 'scale'], ['y']),
    ],
    initializers: [float32Tensor('W', [4, 3], values(12)), float32Tensor('b', [3], values(3)), int64Tensor('shape', [2], [-1, 3])],
    inputs: [tensorValue('x', DataType.FLOAT, ['N', 4])],
    outputs: [tensorValue('y', DataType.FLOAT, ['N', 3])],
  });
}
