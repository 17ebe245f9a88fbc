import { describe, expect, it } from 'vitest';
import { encodeModel } from '../model-io.js';
import { DataType } from '../proto/types.js';
import type { GraphProto, ModelProto, NodeProto } from '../proto/types.js';
import { toInt } from '../dtypes.js';
import { tensorToFloat32 } from '../tensor.js';
import { convertToFloat16, DEFAULT_FP16_OP_BLOCK_LIST } from './fp16.js';
import { getAttribute, structuralProblems, subgraphsOf } from './graph-utils.js';
import {
  blockedOpsModel, castModel, constantsModel, initializerBytes, maxAbs, maxAbsDiff, mlpModel, randomNormal, runModel, seededRandom, subgraphModel, type Feeds,
} from './test-models.js';

/** Documented tolerances: fp16 keeps ~3 decimal digits (unit roundoff 2^-11 ≈ 4.9e-4). */
const PROBABILITY_TOLERANCE = 1e-2; // absolute, on softmax probabilities (values ≤ 1)
const RELATIVE_TOLERANCE = 1e-2; // of the largest |value| of the output, for other float outputs

const xFeed = (columns: number, seed = 7, rows = 64): Feeds => ({ x: { data: randomNormal(seededRandom(seed), rows * columns), dims: [rows, columns] } });
const elemTypes = (infos: GraphProto['input']) => infos.map((info) => info.type?.tensor_type?.elem_type);
const allNodes = (graph: GraphProto): NodeProto[] => graph.node.flatMap((node) => [node, ...subgraphsOf(node).flatMap(({ graph: inner }) => allNodes(inner))]);
const castTo = (node: NodeProto) => toInt(getAttribute(node, 'to')?.i);

/** Convert, check invariants and non-mutation, run both models and return outputs and max diffs. */
async function convertAndCompare(name: string, original: ModelProto, feeds: Feeds, keepIoTypes: boolean, extra: Parameters<typeof convertToFloat16>[1] = {}) {
  const before = encodeModel(original);
  const result = convertToFloat16(original, { ...extra, keepIoTypes });
  expect(Buffer.from(encodeModel(original)).equals(Buffer.from(before)), 'input model unchanged').toBe(true);
  expect(structuralProblems(result.model)).toEqual([]);
  const reference = await runModel(original, feeds);
  const converted = await runModel(result.model, feeds);
  const diffs: Record<string, { maxAbsDiff: number; maxAbs: number }> = {};
  for (const output of Object.keys(reference.values)) {
    diffs[output] = { maxAbsDiff: maxAbsDiff(reference.values[output]!, converted.values[output]!), maxAbs: maxAbs(reference.values[output]!) };
  }
  console.log(`fp16 ${name} keepIoTypes=${keepIoTypes}:`, JSON.stringify(diffs));
  return { result, reference, converted, diffs };
}

describe('convertToFloat16', () => {
  it('default block list covers onnxconverter-common’s list plus random/quantize/sequence ops', () => {
    for (const op of ['TreeEnsembleClassifier', 'LinearClassifier', 'ZipMap', 'Range', 'Resize', 'NonMaxSuppression', 'TopK', 'RandomNormal', 'RandomNormalLike', 'CumSum']) {
      expect(DEFAULT_FP16_OP_BLOCK_LIST).toContain(op);
    }
  });

  for (const keepIoTypes of [true, false]) {
    it(`MLP (MatMul+Add+Relu+Gemm+Softmax), keepIoTypes=${keepIoTypes}: runs, stays within tolerance, halves weights`, async () => {
      const original = mlpModel();
      const { result, converted, diffs } = await convertAndCompare('mlp', original, xFeed(16), keepIoTypes);
      expect(diffs.probs!.maxAbsDiff).toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
      expect(diffs.logits!.maxAbsDiff).toBeLessThanOrEqual(RELATIVE_TOLERANCE * diffs.logits!.maxAbs);
      expect(result.converted).toEqual({ initializers: 4, nodes: 5 });
      expect(result.blocked).toEqual([]);

      const graph = result.model.graph!;
      const io = keepIoTypes ? DataType.FLOAT : DataType.FLOAT16;
      expect(elemTypes(graph.input)).toEqual([io]);
      expect(elemTypes(graph.output)).toEqual([io, io]);
      expect(graph.output.map((output) => output.name)).toEqual(['probs', 'logits']);
      expect(Object.values(converted.types)).toEqual(keepIoTypes ? ['float32', 'float32'] : ['float16', 'float16']);
      const casts = graph.node.filter((node) => node.op_type === 'Cast');
      expect(casts.map(castTo)).toEqual(keepIoTypes ? [DataType.FLOAT16, DataType.FLOAT, DataType.FLOAT] : []);
      // value_info follows the new types
      expect(graph.value_info.filter((info) => info.name === 'h2').map((info) => info.type?.tensor_type?.elem_type)).toEqual([DataType.FLOAT16]);
      // sizes: every initializer is float16 now
      expect(graph.initializer.every((tensor) => tensor.data_type === DataType.FLOAT16)).toBe(true);
      expect(initializerBytes(result.model) / initializerBytes(original)).toBe(0.5);
      const ratio = encodeModel(result.model).byteLength / encodeModel(original).byteLength;
      console.log(`fp16 mlp: initializer bytes ${initializerBytes(original)} → ${initializerBytes(result.model)}, file ratio ${ratio.toFixed(3)}`);
      expect(ratio).toBeLessThan(0.65); // graph structure does not shrink

    });
  }

  it('updates Casts to FLOAT: to FLOAT16 inside the converted region, kept where they feed a blocked op or a kept output', async () => {
    for (const keepIoTypes of [true, false]) {
      const { result, diffs, converted } = await convertAndCompare('casts', castModel(), xFeed(8), keepIoTypes);
      expect(diffs.y!.maxAbsDiff).toBeLessThanOrEqual(RELATIVE_TOLERANCE * diffs.y!.maxAbs);
      expect(diffs.shape_f!.maxAbsDiff).toBe(0);
      const byName = new Map(result.model.graph!.node.map((node) => [node.name, node]));
      expect(castTo(byName.get('Cast_mc')!)).toBe(DataType.FLOAT16); // identity cast of a float value
      expect(castTo(byName.get('Cast_nf')!)).toBe(DataType.FLOAT16); // int64 → feeds a converted Div
      expect(castTo(byName.get('Cast_nf32')!)).toBe(DataType.FLOAT); // int64 → feeds Range (blocked)
      expect(castTo(byName.get('Cast_shape_f')!)).toBe(keepIoTypes ? DataType.FLOAT : DataType.FLOAT16); // produces a graph output
      const kept = ['Constant_one_f', 'Cast_nf32', 'Range_r'];
      expect(result.blocked).toEqual(keepIoTypes ? [...kept, 'Cast_shape_f'] : kept);
      // Range's float scalars are read only by the blocked Range: they stay float32, no Cast.
      const initializers = new Map(result.model.graph!.initializer.map((tensor) => [tensor.name, tensor.data_type]));
      expect([initializers.get('W'), initializers.get('zero_f')]).toEqual([DataType.FLOAT16, DataType.FLOAT]);
      expect(byName.get('Constant_one_f')!.attribute.map((a) => a.name)).toEqual(['value_float']);
      expect(byName.get('Range_r')!.input).toEqual(['zero_f', 'nf32', 'one_f']);
      expect(converted.types.shape_f).toBe(keepIoTypes ? 'float32' : 'float16');
    }
  });

  it('keeps TopK and ai.onnx.ml ops in float32 with Casts around them', async () => {
    for (const keepIoTypes of [true, false]) {
      const { result, reference, converted, diffs } = await convertAndCompare('blocked-ops', blockedOpsModel(), xFeed(16), keepIoTypes);
      expect(result.blocked).toEqual(['TopK_vals', 'LinearClassifier_label']);
      expect(diffs.probs!.maxAbsDiff).toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
      expect(diffs.top!.maxAbsDiff).toBeLessThanOrEqual(RELATIVE_TOLERANCE * diffs.top!.maxAbs);
      expect(converted.values.top_idx).toEqual(reference.values.top_idx);
      expect(converted.values.label).toEqual(reference.values.label);
      expect(converted.types.top_idx).toBe('int64');
      // 'vals' is produced by the float32 TopK and is also a graph output: without keepIoTypes it
      // is cast to float16 under its own name and TopK's output is renamed.
      expect(converted.types.vals).toBe(keepIoTypes ? 'float32' : 'float16');
      expect(diffs.vals!.maxAbsDiff).toBeLessThanOrEqual(RELATIVE_TOLERANCE * diffs.vals!.maxAbs);
      const graph = result.model.graph!;
      const producers = new Map(graph.node.flatMap((node) => node.output.map((output) => [output, node] as const)));
      // Blocked nodes read float32 (a Cast to FLOAT of the float16 Relu output); their float outputs are cast back.
      for (const op of ['TopK', 'LinearClassifier']) {
        const blockedNode = graph.node.find((node) => node.op_type === op)!;
        const feeder = producers.get(blockedNode.input[0]!)!;
        expect([feeder.op_type, castTo(feeder)]).toEqual(['Cast', DataType.FLOAT]);
      }
      const softmax = graph.node.find((node) => node.op_type === 'Softmax')!;
      expect([producers.get(softmax.input[0]!)!.op_type, castTo(producers.get(softmax.input[0]!)!)]).toEqual(['Cast', DataType.FLOAT16]);
    }
  });

  it('converts If/Loop subgraphs recursively (a blocked op inside a branch stays float32)', async () => {
    for (const flag of [true, false]) {
      for (const keepIoTypes of [true, false]) {
        const feeds: Feeds = { ...xFeed(4, 11, 16), flag: { data: [flag], dims: [] } };
        const { result, diffs } = await convertAndCompare(`control-flow flag=${flag}`, subgraphModel(), feeds, keepIoTypes);
        expect(diffs.y!.maxAbsDiff).toBeLessThanOrEqual(RELATIVE_TOLERANCE * Math.max(1, diffs.y!.maxAbs));
        expect(result.blocked).toEqual(['Max_e_out']);
        const body = getAttribute(result.model.graph!.node.find((node) => node.op_type === 'Loop')!, 'body')!.g!;
        expect(elemTypes(body.input)).toEqual([DataType.INT64, DataType.BOOL, DataType.FLOAT16]);
        expect(elemTypes(body.output)).toEqual([DataType.BOOL, DataType.FLOAT16]);
        // The Loop body reads the outer weight as float16 directly: no Cast inside the body.
        expect(body.node.some((node) => node.op_type === 'Cast')).toBe(false);
      }
    }
  });

  it('nodeBlockList on a control-flow node keeps its subgraphs float32', async () => {
    const feeds: Feeds = { ...xFeed(4, 11, 16), flag: { data: [true], dims: [] } };
    const { result, diffs } = await convertAndCompare('control-flow If blocked', subgraphModel(), feeds, true, { nodeBlockList: ['If_chosen'] });
    expect(result.blocked).toEqual(['If_chosen']);
    expect(diffs.y!.maxAbsDiff).toBeLessThanOrEqual(RELATIVE_TOLERANCE * Math.max(1, diffs.y!.maxAbs));
    const ifNode = result.model.graph!.node.find((node) => node.op_type === 'If')!;
    expect(elemTypes(getAttribute(ifNode, 'then_branch')!.g!.output)).toEqual([DataType.FLOAT]);
    const initializers = new Map(result.model.graph!.initializer.map((tensor) => [tensor.name, tensor.data_type]));
    expect(initializers.get('W_then')).toBe(DataType.FLOAT); // only the blocked If reads it
    expect(initializers.get('W_loop')).toBe(DataType.FLOAT16);
  });

  it('opBlockList replaces the default list', async () => {
    const { result, diffs } = await convertAndCompare('mlp Softmax blocked', mlpModel(), xFeed(16), true, { opBlockList: ['Softmax'] });
    expect(result.blocked).toEqual(['Softmax_probs']);
    expect(diffs.probs!.maxAbsDiff).toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
    // probs comes straight from the float32 Softmax: no output Cast for it
    const producer = result.model.graph!.node.find((node) => node.output.includes('probs'))!;
    expect(producer.op_type).toBe('Softmax');
  });

  it('retypes Constant/ConstantOfShape and saturates out-of-range constants to ±65504', async () => {
    const original = constantsModel();
    const feeds: Feeds = { x: { data: Float32Array.from([0.25, -1.5, 2, 3.75, 0.125, -8]), dims: [2, 3] } };
    const { result, converted, diffs } = await convertAndCompare('constants', original, feeds, true);
    expect(diffs.y!.maxAbsDiff).toBeLessThanOrEqual(RELATIVE_TOLERANCE * diffs.y!.maxAbs);
    // 70000 and -1e6 became ±65504 (not ±Infinity, not ±1e4), 1e-9 underflowed to 0. onnxruntime's
    // CPU provider may compute the float16 Add in float32 and skip the fp16 rounding of the sum,
    // so compare within one float16 ulp at that magnitude (32).
    const expected = [65504 + 0.25, -65504 - 1.5, 2, 65504 + 3.75, -65504 + 0.125, -8];
    expect(maxAbsDiff(converted.values.extreme!, expected)).toBeLessThanOrEqual(32);
    expect(result.warnings.some((warning) => warning.includes('saturated'))).toBe(true);
    const constants = result.model.graph!.node.filter((node) => node.op_type === 'Constant');
    expect(constants.map((node) => [node.attribute[0]!.name, node.attribute[0]!.t?.data_type])).toEqual([
      ['value', DataType.FLOAT16],
      ['value', DataType.FLOAT16],
      ['value', DataType.FLOAT16],
    ]);
    expect(Array.from(tensorToFloat32(constants[2]!.attribute[0]!.t!))).toEqual([65504, -65504, 0]);
    const fill = result.model.graph!.node.find((node) => node.op_type === 'ConstantOfShape')!;
    expect(getAttribute(fill, 'value')?.t?.data_type).toBe(DataType.FLOAT16);
  });

  it('keeps the structural invariants: SSA names, topological order, unique node names', () => {
    for (const original of [mlpModel(), castModel(), blockedOpsModel(), subgraphModel(), constantsModel()]) {
      for (const keepIoTypes of [true, false]) {
        const { model } = convertToFloat16(original, { keepIoTypes });
        expect(structuralProblems(model)).toEqual([]);
        const names = allNodes(model.graph!).map((node) => node.name);
        expect(new Set(names).size).toBe(names.length);
      }
    }
  });
});
