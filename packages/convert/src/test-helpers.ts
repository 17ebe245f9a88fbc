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

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
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
