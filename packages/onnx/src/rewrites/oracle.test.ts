/**
 * The rewrites on a real exporter's model (torch → ONNX, fixtures/onnx/mlp_fp32.onnx) against
 * torch's own outputs: the fp32 model matches torch, fp16/int8 stay within stated tolerances,
 * and every result passes our checker. Max abs diffs are printed for the record.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { checkModel } from '../checker.js';
import { decodeModel, encodeModel } from '../model-io.js';
import type { ModelProto } from '../proto/types.js';
import { convertToFloat16 } from './fp16.js';
import { quantizeDynamicInt8 } from './int8.js';

const fixtures = join(import.meta.dirname, '..', '..', '..', '..', 'fixtures', 'onnx');
const bytes = readFileSync(join(fixtures, 'mlp_fp32.onnx'));
const expected = JSON.parse(readFileSync(join(fixtures, 'mlp_fp32.expected.json'), 'utf8')) as {
  inputs: { x: { shape: number[]; data: number[][] } };
  outputs: { y: { shape: number[]; data: number[][] } };
};
const x = new ort.Tensor('float32', Float32Array.from(expected.inputs.x.data.flat()), expected.inputs.x.shape);
const torch = expected.outputs.y.data.flat();

async function maxDiffToTorch(model: ModelProto): Promise<number> {
  const session = await ort.InferenceSession.create(encodeModel(model));
  const y = (await session.run({ x }))['y']!;
  expect(y.type).toBe('float32');
  expect(y.dims).toEqual(expected.outputs.y.shape);
  return Math.max(...Array.from(y.data as Float32Array, (value, i) => Math.abs(value - torch[i]!)));
}

describe('rewrites of a torch-exported model, against torch outputs', () => {
  const original = decodeModel(bytes, 'mlp_fp32.onnx');

  it('the fp32 model itself matches torch', async () => {
    const diff = await maxDiffToTorch(original);
    console.log(`fp32 vs torch: max abs diff ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-6);
  });

  it('fp16 (keep io types): ≤ 2e-3 abs on softmax probabilities, half the weight bytes, checker clean', async () => {
    const { model } = convertToFloat16(original, { keepIoTypes: true });
    expect(checkModel(model).filter((problem) => problem.severity === 'error')).toEqual([]);
    const diff = await maxDiffToTorch(model);
    console.log(`fp16 vs torch: max abs diff ${diff.toExponential(2)}; ${bytes.byteLength} → ${encodeModel(model).byteLength} bytes`);
    expect(diff).toBeLessThan(2e-3);
    expect(encodeModel(model).byteLength).toBeLessThan(bytes.byteLength * 0.6);
  });

  it.each([false, true])('int8 (per-channel %s): ≤ 1e-2 abs on softmax probabilities, checker clean', async (perChannel) => {
    const { model, quantized } = quantizeDynamicInt8(original, { perChannel });
    expect(quantized.length).toBeGreaterThanOrEqual(3);
    expect(checkModel(model).filter((problem) => problem.severity === 'error')).toEqual([]);
    const diff = await maxDiffToTorch(model);
    console.log(`int8 (per-channel ${perChannel}) vs torch: max abs diff ${diff.toExponential(2)}; ${bytes.byteLength} → ${encodeModel(model).byteLength} bytes`);
    expect(diff).toBeLessThan(1e-2);
    expect(encodeModel(model).byteLength).toBeLessThan(bytes.byteLength * 0.4);
  });
});
