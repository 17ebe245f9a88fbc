/**
 * Small float32 ONNX models built in TypeScript for the rewrite tests, plus deterministic random
 * data and an onnxruntime helper. Test support only (imports onnxruntime-node, a devDependency).
 */
import * as ort from 'onnxruntime-node';
import { createTensor } from '../proto/codec.js';
import { DataType } from '../proto/types.js';
import type { ModelProto } from '../proto/types.js';
import { encodeModel } from '../model-io.js';
import { float16BitsToNumber, float32Tensor, int64Tensor } from '../tensor.js';
import { float32ToFloat16Bits } from './half.js';

export { attr, graph, info, model, node, randomNormal, seededRandom } from '../test-models.js';
import { attr, graph, info, model, node, randomNormal, seededRandom } from '../test-models.js';

const randomTensor = (random: () => number, name: string, dims: number[], scale: number) =>
  float32Tensor(name, dims, randomNormal(random, dims.reduce((a, b) => a * b, 1), scale));
const scalar = (name: string, value: number) => float32Tensor(name, [], [value]);
const F = DataType.FLOAT;

// ---------------------------------------------------------------- models

/** x[N,16] → MatMul+Add → Relu → Gemm → Softmax; outputs probs and logits. */
export function mlpModel(options: { transB?: boolean; seed?: number } = {}): ModelProto {
  const random = seededRandom(options.seed ?? 1);
  const w2 = options.transB ? randomTensor(random, 'W2', [10, 32], 0.3) : randomTensor(random, 'W2', [32, 10], 0.3);
  return model(
    graph({
      name: 'mlp',
      input: [info('x', F, ['N', 16])],
      output: [info('probs', F, ['N', 10]), info('logits', F, ['N', 10])],
      initializer: [randomTensor(random, 'W1', [16, 32], 0.35), randomTensor(random, 'b1', [32], 0.1), w2, randomTensor(random, 'b2', [10], 0.1)],
      value_info: [info('h0', F, ['N', 32]), info('h2', F, ['N', 32])],
      node: [
        node('MatMul', ['x', 'W1'], ['h0']),
        node('Add', ['h0', 'b1'], ['h1']),
        node('Relu', ['h1'], ['h2']),
        node('Gemm', ['h2', 'W2', 'b2'], ['logits'], options.transB ? [attr.int('transB', 1)] : []),
        node('Softmax', ['logits'], ['probs'], [attr.int('axis', -1)]),
      ],
    }),
  );
}

/**
 * Casts to FLOAT in the middle: an identity Cast of a float value, a Cast of an int64 feeding a
 * converted Div, one feeding Range (blocked), and one producing a graph output. Range's delta
 * is a Constant node, its start an initializer.
 */
export function castModel(): ModelProto {
  const random = seededRandom(2);
  return model(
    graph({
      name: 'casts',
      input: [info('x', F, ['N', 8])],
      output: [info('y', F, ['N', 8]), info('shape_f', F, [2])],
      initializer: [randomTensor(random, 'W', [8, 8], 0.5), int64Tensor('one_i', [], [1]), scalar('zero_f', 0)],
      value_info: [info('m', F, ['N', 8]), info('r', F, [8])],
      node: [
        node('Constant', [], ['one_f'], [attr.float('value_float', 1)]),
        node('MatMul', ['x', 'W'], ['m']),
        node('Cast', ['m'], ['mc'], [attr.int('to', F)]),
        node('Shape', ['x'], ['shp']),
        node('Gather', ['shp', 'one_i'], ['n'], [attr.int('axis', 0)]),
        node('Cast', ['n'], ['nf'], [attr.int('to', F)]),
        node('Div', ['mc', 'nf'], ['d']),
        node('Cast', ['n'], ['nf32'], [attr.int('to', F)]),
        node('Range', ['zero_f', 'nf32', 'one_f'], ['r']),
        node('Add', ['d', 'r'], ['y']),
        node('Cast', ['shp'], ['shape_f'], [attr.int('to', F)]),
      ],
    }),
  );
}

/**
 * Blocked ops in the middle: TopK (default block list; its float output is also a graph output)
 * and an ai.onnx.ml LinearClassifier.
 */
export function blockedOpsModel(): ModelProto {
  const random = seededRandom(3);
  const coefficients = Array.from(randomNormal(random, 3 * 12, 0.5));
  return model(
    graph({
      name: 'blocked',
      input: [info('x', F, ['N', 16])],
      output: [info('top', F, ['N', 3]), info('vals', F, ['N', 3]), info('top_idx', DataType.INT64, ['N', 3]), info('label', DataType.INT64, ['N']), info('probs', F, ['N', 3])],
      initializer: [randomTensor(random, 'W', [16, 12], 0.4), randomTensor(random, 'b', [12], 0.1), int64Tensor('k', [1], [3]), scalar('two', 2)],
      value_info: [info('g', F, ['N', 12]), info('vals', F, ['N', 3])],
      node: [
        node('Gemm', ['x', 'W', 'b'], ['g']),
        node('Relu', ['g'], ['r']),
        node('TopK', ['r', 'k'], ['vals', 'top_idx'], [attr.int('axis', -1)]),
        node('Mul', ['vals', 'two'], ['top']),
        node('LinearClassifier', ['r'], ['label', 'scores'], [attr.floats('coefficients', coefficients), attr.floats('intercepts', [0.1, -0.2, 0.05]), attr.ints('classlabels_ints', [0, 1, 2])], 'ai.onnx.ml'),
        node('Softmax', ['scores'], ['probs'], [attr.int('axis', -1)]),
      ],
    }),
    { '': 17, 'ai.onnx.ml': 1 },
  );
}

/**
 * Control flow: If (then: Mul with an outer weight; else: Max, a blocked op, with a branch-local
 * initializer) feeding a Loop whose body multiplies the carried value by an outer weight.
 */
export function subgraphModel(): ModelProto {
  const random = seededRandom(4);
  const thenBranch = graph({ name: 'then', input: [], output: [info('t_out', F, undefined)], node: [node('Mul', ['x', 'W_then'], ['t_out'])] });
  const elseBranch = graph({
    name: 'else',
    input: [],
    output: [info('e_out', F, undefined)],
    initializer: [randomTensor(random, 'b_else', [4], 0.5)],
    node: [node('Max', ['x', 'b_else'], ['e_out'])],
  });
  const body = graph({
    name: 'body',
    input: [info('iter', DataType.INT64, []), info('cond_in', DataType.BOOL, []), info('v', F, undefined)],
    output: [info('cond_out', DataType.BOOL, []), info('v_next', F, undefined)],
    node: [node('MatMul', ['v', 'W_loop'], ['mv']), node('Tanh', ['mv'], ['v_next']), node('Identity', ['cond_in'], ['cond_out'])],
  });
  return model(
    graph({
      name: 'control_flow',
      input: [info('x', F, ['N', 4]), info('flag', DataType.BOOL, [])],
      output: [info('y', F, ['N', 4])],
      initializer: [randomTensor(random, 'W_then', [4], 0.8), randomTensor(random, 'W_loop', [4, 4], 0.6), int64Tensor('trips', [], [3]), createTensor({ name: 'true', dims: [], data_type: DataType.BOOL, int32_data: [1] })],
      node: [
        node('If', ['flag'], ['chosen'], [attr.graph('then_branch', thenBranch), attr.graph('else_branch', elseBranch)]),
        node('Loop', ['trips', 'true', 'chosen'], ['y'], [attr.graph('body', body)]),
      ],
    }),
  );
}

/**
 * Constants in every form the fp16 rewrite must retype: value_float, value_floats, a value
 * tensor with out-of-range and tiny entries, and ConstantOfShape without `value` (float zeros).
 */
export function constantsModel(): ModelProto {
  return model(
    graph({
      name: 'constants',
      input: [info('x', F, [2, 3])],
      output: [info('y', F, [2, 3]), info('extreme', F, [2, 3])],
      node: [
        node('Constant', [], ['half'], [attr.float('value_float', 0.5)]),
        node('Constant', [], ['steps'], [attr.floats('value_floats', [1, 2, 3])]),
        node('Constant', [], ['big'], [attr.tensor('value', float32Tensor('', [3], [70000, -1e6, 1e-9]))]),
        node('Shape', ['x'], ['shape']),
        node('ConstantOfShape', ['shape'], ['zeros']),
        node('Mul', ['x', 'half'], ['scaled']),
        node('Add', ['scaled', 'steps'], ['shifted']),
        node('Add', ['shifted', 'zeros'], ['y']),
        node('Add', ['x', 'big'], ['extreme']),
      ],
    }),
  );
}

/** A single Gemm with transB=1, alpha and beta (the int8 rewrite must transpose the weight). */
export function gemmTransBModel(): ModelProto {
  const random = seededRandom(5);
  return model(
    graph({
      name: 'gemm_transb',
      input: [info('x', F, ['N', 32])],
      output: [info('y', F, ['N', 24])],
      initializer: [randomTensor(random, 'W', [24, 32], 0.2), randomTensor(random, 'C', [24], 0.5)],
      node: [node('Gemm', ['x', 'W', 'C'], ['y'], [attr.int('transB', 1), attr.float('alpha', 0.5), attr.float('beta', 2)])],
    }),
  );
}

// ---------------------------------------------------------------- running

export type Feeds = Record<string, { data: Float32Array | boolean[]; dims: number[] }>;

export interface RunResult {
  /** Output values; float16 outputs are widened to float32 numbers, integers are plain numbers. */
  values: Record<string, Float32Array | number[]>;
  /** onnxruntime's element type name per output ('float32', 'float16', 'int64', …). */
  types: Record<string, string>;
}

/** Run a model in onnxruntime-node. Float inputs are fed as the model declares them (float32 or float16). */
export async function runModel(candidate: ModelProto, feeds: Feeds): Promise<RunResult> {
  const session = await ort.InferenceSession.create(encodeModel(candidate));
  const declared = new Map((candidate.graph?.input ?? []).map((input) => [input.name, input.type?.tensor_type?.elem_type]));
  const inputs: Record<string, ort.Tensor> = {};
  for (const [name, { data, dims }] of Object.entries(feeds)) {
    if (!(data instanceof Float32Array)) inputs[name] = new ort.Tensor('bool', Uint8Array.from(data, Number), dims);
    else if (declared.get(name) === DataType.FLOAT16) inputs[name] = new ort.Tensor('float16', Uint16Array.from(data, (v) => float32ToFloat16Bits(v)), dims);
    else inputs[name] = new ort.Tensor('float32', data, dims);
  }
  const results = await session.run(inputs);
  await session.release();
  const values: RunResult['values'] = {};
  const types: RunResult['types'] = {};
  for (const [name, tensor] of Object.entries(results)) {
    types[name] = tensor.type;
    if (tensor.type === 'float16') values[name] = Float32Array.from(tensor.data as Uint16Array, float16BitsToNumber);
    else if (tensor.type === 'float32') values[name] = tensor.data as Float32Array;
    else values[name] = Array.from(tensor.data as ArrayLike<number | bigint>, Number);
  }
  return { values, types };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i += 1) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

export function maxAbs(a: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i += 1) max = Math.max(max, Math.abs(a[i]!));
  return max;
}

/** Bytes of all initializer data in the main graph (raw or typed fields). */
export function initializerBytes(candidate: ModelProto): number {
  return (candidate.graph?.initializer ?? []).reduce((sum, tensor) => sum + (tensor.raw_data?.byteLength ?? 0) + (tensor.float_data?.length ?? 0) * 4 + (tensor.int32_data?.length ?? 0) * 4, 0);
}

