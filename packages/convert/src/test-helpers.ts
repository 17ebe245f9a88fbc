/** Test support: an OnnxRunner backed by onnxruntime-node, and golden-file loading. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { OnnxRunner, OutputTensor } from './parity.js';

export const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'convert');

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

export const runOrt: OnnxRunner = async (model, input, shape) => {
  const session = await ort.InferenceSession.create(model);
  try {
    const results = await session.run({ input: new ort.Tensor('float32', input, [...shape]) });
    const out: Record<string, OutputTensor> = {};
    for (const [name, tensor] of Object.entries(results)) out[name] = { data: tensor.data as ArrayLike<number | bigint>, dims: tensor.dims };
    return out;
  } finally {
    await session.release();
  }
};

/** Rows as written by the oracles (null = NaN, "Infinity"/"-Infinity" strings) → float32, row-major. */
export function rowsToFloat32(rows: (number | string | null)[][]): Float32Array {
  return Float32Array.from(rows.flat(), (v) => (v === null ? Number.NaN : Number(v)));
}

export { seededRandom } from '../../onnx/src/test-models.js';
