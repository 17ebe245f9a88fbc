import { describe, expect, it } from 'vitest';
import { encodeModel } from '../model-io.js';
import { DataType } from '../proto/types.js';
import type { ModelProto } from '../proto/types.js';
import { float32Tensor, tensorDims, tensorToFloat32 } from '../tensor.js';
import { structuralProblems } from './graph-utils.js';
import { quantizeDynamicInt8, quantizeWeight, roundHalfEven, type Int8Options } from './int8.js';
import {
  attr, gemmTransBModel, graph, info, initializerBytes, maxAbs, maxAbsDiff, mlpModel, model, node, randomNormal, runModel, seededRandom, subgraphModel, type Feeds,
} from './test-models.js';

/**
 * Documented int8 bounds. Symmetric int8 weights (step max|w|/127) and uint8 activations (step
 * range/255) give about 1% relative error on these layers: measured max |diff| / max |output|
 * ≤ 1.3% (logits, per tensor), ≤ 0.012 absolute on probabilities. The bounds leave ≥ 2× headroom.
 */
const INT8_PROBABILITY_TOLERANCE = 0.05;
const INT8_RELATIVE_TOLERANCE = 0.03;

const xFeed = (columns: number, seed = 21, rows = 64): Feeds => ({ x: { data: randomNormal(seededRandom(seed), rows * columns), dims: [rows, columns] } });
const ops = (m: ModelProto) => m.graph!.node.map((n) => n.op_type);

async function quantizeAndCompare(name: string, original: ModelProto, feeds: Feeds, options: Int8Options = {}) {
  const before = encodeModel(original);
  const result = quantizeDynamicInt8(original, options);
  expect(Buffer.from(encodeModel(original)).equals(Buffer.from(before)), 'input model unchanged').toBe(true);
  expect(structuralProblems(result.model)).toEqual([]);
  const reference = await runModel(original, feeds);
  const quantized = await runModel(result.model, feeds);
  const diffs: Record<string, { maxAbsDiff: number; maxAbs: number }> = {};
  for (const output of Object.keys(reference.values)) {
    diffs[output] = { maxAbsDiff: maxAbsDiff(reference.values[output]!, quantized.values[output]!), maxAbs: maxAbs(reference.values[output]!) };
  }
  const ratio = initializerBytes(result.model) / initializerBytes(original);
  console.log(`int8 ${name} ${JSON.stringify(options)}: ${JSON.stringify(diffs)} initializer bytes ratio ${ratio.toFixed(3)}`);
  return { result, quantized, diffs, ratio };
}

describe('quantizeWeight', () => {
  it('rounds half to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, -2.6].map(roundHalfEven)).toEqual([0, 2, 2, 0, -2, 2, -3]);
  });

  it('is symmetric: the largest |w| maps to ±127, zero point 0, zero columns get scale 1', () => {
    // [K=2, N=3]: column 2 is all zeros
    const weight = Float32Array.from([1.2, -0.5, 0, -2, 0.3, 0]);
    const perTensor = quantizeWeight(weight, 2, 3, false);
    expect(Array.from(perTensor.scales)).toEqual([Math.fround(2 / 127)]);
    expect(Array.from(perTensor.values)).toEqual([76, -32, 0, -127, 19, 0]);
    const perColumn = quantizeWeight(weight, 2, 3, true);
    expect(Array.from(perColumn.scales)).toEqual([Math.fround(2 / 127), Math.fround(0.5 / 127), 1]);
    expect(Array.from(perColumn.values)).toEqual([76, -127, 0, -127, 76, 0]);
  });
});

describe('quantizeDynamicInt8', () => {
  for (const perChannel of [false, true]) {
    it(`MLP, perChannel=${perChannel}: MatMul and Gemm become DynamicQuantizeLinear + MatMulInteger, within tolerance, ~¼ weight bytes`, async () => {
      const original = mlpModel();
      const { result, quantized, diffs, ratio } = await quantizeAndCompare('mlp', original, xFeed(16), { perChannel });
      expect(result.quantized).toEqual(['MatMul_h0', 'Gemm_logits']);
      expect(result.skipped).toEqual([]);
      expect(diffs.probs!.maxAbsDiff).toBeLessThanOrEqual(INT8_PROBABILITY_TOLERANCE);
      expect(diffs.logits!.maxAbsDiff).toBeLessThanOrEqual(INT8_RELATIVE_TOLERANCE * diffs.logits!.maxAbs);
      expect(quantized.types).toEqual({ probs: 'float32', logits: 'float32' });
      expect(ops(result.model)).toEqual([
        'DynamicQuantizeLinear', 'MatMulInteger', 'Cast', 'Mul', 'Mul', 'Add', 'Relu',
        'DynamicQuantizeLinear', 'MatMulInteger', 'Cast', 'Mul', 'Mul', 'Add', 'Softmax',
      ]);
      const initializers = new Map(result.model.graph!.initializer.map((t) => [t.name, t]));
      expect(initializers.has('W1') || initializers.has('W2')).toBe(false); // float weights dropped
      expect(initializers.get('W1_quantized')?.data_type).toBe(DataType.INT8);
      expect(tensorDims(initializers.get('W2_quantized')!)).toEqual([32, 10]);
      const zeroPoint = initializers.get('W2_zero_point')!;
      expect([zeroPoint.data_type, tensorDims(zeroPoint)]).toEqual([DataType.INT8, perChannel ? [10] : []]);
      expect(tensorDims(initializers.get('W2_scale')!)).toEqual(perChannel ? [10] : []);
      // weight matrices: 4 bytes → 1 byte per element; biases and scales stay float32
      const weightBytes = (names: string[]) => names.reduce((sum, name) => sum + initializers.get(name)!.raw_data!.byteLength, 0);
      expect(weightBytes(['W1_quantized', 'W2_quantized'])).toBe((16 * 32 + 32 * 10) * 1);
      expect(ratio).toBeLessThan(perChannel ? 0.4 : 0.3);
    });
  }

  it('Gemm with transB=1, alpha and beta: the weight is transposed, alpha folded into the scale, beta·C precomputed', async () => {
    for (const perChannel of [false, true]) {
      const { result, diffs } = await quantizeAndCompare('gemm transB', gemmTransBModel(), xFeed(32), { perChannel });
      expect(result.quantized).toEqual(['Gemm_y']);
      expect(diffs.y!.maxAbsDiff).toBeLessThanOrEqual(INT8_RELATIVE_TOLERANCE * diffs.y!.maxAbs);
      const initializers = new Map(result.model.graph!.initializer.map((t) => [t.name, t]));
      expect(tensorDims(initializers.get('W_quantized')!)).toEqual([32, 24]);
      expect(Array.from(tensorToFloat32(initializers.get('C_times_beta')!)).slice(0, 2)).toEqual(
        Array.from(tensorToFloat32(gemmTransBModel().graph!.initializer[1]!)).slice(0, 2).map((v) => Math.fround(v * 2)),
      );
      expect([...initializers.keys()].sort()).toEqual(['C_times_beta', 'W_quantized', 'W_scale', 'W_zero_point']);
    }
  });

  it('skips with reasons: small weights, dynamic weights, transA, excluded op types', () => {
    const random = seededRandom(9);
    const tiny = float32Tensor('tiny', [2, 2], [1, 2, 3, 4]);
    const big = float32Tensor('big', [8, 8], randomNormal(random, 64));
    const original = model(
      graph({
        name: 'skips',
        input: [info('x', DataType.FLOAT, [4, 8]), info('w_dynamic', DataType.FLOAT, [8, 8]), info('x2', DataType.FLOAT, [2, 2])],
        output: [info('a', DataType.FLOAT, undefined), info('b', DataType.FLOAT, undefined), info('c', DataType.FLOAT, undefined), info('d', DataType.FLOAT, undefined)],
        initializer: [tiny, big],
        node: [
          node('MatMul', ['x2', 'tiny'], ['a']),
          node('MatMul', ['x', 'w_dynamic'], ['b']),
          node('Gemm', ['x', 'big'], ['c'], [attr.int('transA', 1)]),
          node('Gemm', ['x', 'big'], ['d']),
        ],
      }),
    );
    const result = quantizeDynamicInt8(original, { opTypes: ['MatMul'] });
    expect(result.quantized).toEqual([]);
    expect(result.skipped).toEqual([
      { node: 'MatMul_a', reason: "weight 'tiny' has 4 elements (< minElements 16)" },
      { node: 'MatMul_b', reason: "weight 'w_dynamic' is not a constant initializer" },
    ]);
    const gemms = quantizeDynamicInt8(original, { opTypes: ['Gemm'], minElements: 1 });
    expect(gemms.skipped).toEqual([{ node: 'Gemm_c', reason: 'Gemm with transA=1 is not supported' }]);
    expect(gemms.quantized).toEqual(['Gemm_d']);
    // 'big' is still read by the skipped Gemm: it stays
    expect(gemms.model.graph!.initializer.map((t) => t.name)).toContain('big');
    expect(structuralProblems(gemms.model)).toEqual([]);
  });

  it('skips everything below opset 11 and returns an equivalent model', () => {
    const original = mlpModel();
    const old = { ...original, opset_import: [{ domain: '', version: 10 }] } as ModelProto;
    const result = quantizeDynamicInt8(old);
    expect(result.quantized).toEqual([]);
    expect(result.skipped.map((s) => s.node)).toEqual(['MatMul_h0', 'Gemm_logits']);
    expect(result.skipped[0]!.reason).toMatch(/opset 10 < 11/);
    expect(Buffer.from(encodeModel(result.model)).equals(Buffer.from(encodeModel(old)))).toBe(true);
  });

  it('shares one DynamicQuantizeLinear per activation and one quantized copy per weight', async () => {
    const random = seededRandom(12);
    const original = model(
      graph({
        name: 'shared',
        input: [info('x', DataType.FLOAT, ['N', 16])],
        output: [info('a', DataType.FLOAT, ['N', 16]), info('b', DataType.FLOAT, ['N', 16])],
        initializer: [float32Tensor('W', [16, 16], randomNormal(random, 256, 0.3))],
        node: [node('MatMul', ['x', 'W'], ['a']), node('MatMul', ['x', 'W'], ['b'])],
      }),
    );
    const { result, diffs } = await quantizeAndCompare('shared', original, xFeed(16));
    expect(ops(result.model).filter((op) => op === 'DynamicQuantizeLinear')).toHaveLength(1);
    expect(result.model.graph!.initializer.filter((t) => t.data_type === DataType.INT8 && tensorDims(t).length === 2)).toHaveLength(1);
    expect(diffs.a!.maxAbsDiff).toBeLessThanOrEqual(INT8_RELATIVE_TOLERANCE * diffs.a!.maxAbs);
  });

  it('leaves subgraph nodes alone and keeps the invariants', () => {
    const original = subgraphModel();
    const result = quantizeDynamicInt8(original);
    expect(result.quantized).toEqual([]);
    expect(structuralProblems(result.model)).toEqual([]);
    expect(result.model.graph!.initializer.map((t) => t.name)).toContain('W_loop');
  });
});
