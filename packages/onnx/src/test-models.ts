/**
 * Builders for small ONNX models in tests and benchmarks (no Python, no onnxruntime here):
 * plain objects in the codec's shape, turned into messages by `createModel`.
 */
import { createModel } from './proto/codec.js';
import { AttributeType, DataType } from './proto/types.js';
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from './proto/types.js';
import { float32Tensor, int64Tensor } from './tensor.js';

// ---------------------------------------------------------------- deterministic data

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` normal samples (Box–Muller) times `scale`. */
export function randomNormal(random: () => number, count: number, scale = 1): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 1) {
    const u = 1 - random();
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random()) * scale;
  }
  return out;
}

// ---------------------------------------------------------------- builders

export const attr = {
  int: (name: string, i: number) => ({ name, type: AttributeType.INT, i }) as AttributeProto,
  float: (name: string, f: number) => ({ name, type: AttributeType.FLOAT, f }) as AttributeProto,
  ints: (name: string, ints: number[]) => ({ name, type: AttributeType.INTS, ints }) as AttributeProto,
  floats: (name: string, floats: number[]) => ({ name, type: AttributeType.FLOATS, floats }) as AttributeProto,
  string: (name: string, s: string) => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(s) }) as AttributeProto,
  tensor: (name: string, t: TensorProto) => ({ name, type: AttributeType.TENSOR, t }) as AttributeProto,
  graph: (name: string, g: GraphProto) => ({ name, type: AttributeType.GRAPH, g }) as AttributeProto,
};

export function node(opType: string, input: string[], output: string[], attribute: AttributeProto[] = [], domain?: string): NodeProto {
  const result = { op_type: opType, input, output, attribute, name: `${opType}_${output[0]}` } as NodeProto;
  if (domain) result.domain = domain;
  return result;
}

export function info(name: string, elem: number, dims: (number | string)[] | undefined): ValueInfoProto {
  const shape = dims ? { dim: dims.map((dim) => (typeof dim === 'number' ? { dim_value: dim } : { dim_param: dim })) } : undefined;
  return { name, type: { tensor_type: shape ? { elem_type: elem, shape } : { elem_type: elem } } } as ValueInfoProto;
}

export function graph(fields: { name: string; node: NodeProto[]; input: ValueInfoProto[]; output: ValueInfoProto[]; initializer?: TensorProto[]; value_info?: ValueInfoProto[] }): GraphProto {
  return { initializer: [], value_info: [], ...fields } as GraphProto;
}

export function model(main: GraphProto, opsets: Record<string, number> = { '': 17 }): ModelProto {
  return createModel({
    ir_version: 8,
    producer_name: 'modelgate-tests',
    opset_import: Object.entries(opsets).map(([domain, version]) => ({ domain, version })),
    graph: main,
  } as Partial<ModelProto>);
}

/** x[N,4] → MatMul W[4,3] → Add b[3] → Reshape(shape=[-1,3]) → Mul by a Constant → y[N,3]. */
export function linearModel(seed = 1): ModelProto {
  const values = (count: number) => Array.from({ length: count }, (_, i) => Math.sin(seed * 31 + i) * 0.5);
  return model(
    graph({
      name: 'test',
      node: [
        node('MatMul', ['x', 'W'], ['xw']),
        node('Add', ['xw', 'b'], ['z']),
        node('Reshape', ['z', 'shape'], ['r']),
        node('Constant', [], ['scale'], [attr.tensor('value', float32Tensor('', [3], [1, 2, 3]))]),
        node('Mul', ['r', 'scale'], ['y']),
      ],
      initializer: [float32Tensor('W', [4, 3], values(12)), float32Tensor('b', [3], values(3)), int64Tensor('shape', [2], [-1, 3])],
      input: [info('x', DataType.FLOAT, ['N', 4])],
      output: [info('y', DataType.FLOAT, ['N', 3])],
    }),
    { '': 15 },
  );
}
