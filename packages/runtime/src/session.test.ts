import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatUserError, InputDataError } from '@modelgate/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOrtPackage } from './load.js';
import { createSession, describeOrtError, type ModelSession } from './session.js';
import type { OrtModule } from './types.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const modelBytes = readFileSync(join(repoRoot, 'fixtures/onnx/income_mlp.onnx'));

let ort: OrtModule;
let session: ModelSession;
beforeAll(async () => {
  ort = loadOrtPackage(join(repoRoot, 'node_modules', 'onnxruntime-node'));
  session = await createSession(ort, modelBytes, { name: 'models/income_mlp.onnx', intraOpThreads: 1 });
});

async function inputDataError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InputDataError);
  const line = formatUserError(error as InputDataError);
  expect(line).not.toContain('\n');
  return line;
}

describe('createSession', () => {
  it('exposes names and typed metadata with symbolic dims', () => {
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['label', 'probabilities']);
    expect(session.inputMetadata).toEqual([{ name: 'input', isTensor: true, type: 'float32', shape: ['N', 4] }]);
    expect(session.outputMetadata).toEqual([
      { name: 'label', isTensor: true, type: 'int64', shape: ['N'] },
      { name: 'probabilities', isTensor: true, type: 'float32', shape: ['N', 2] },
    ]);
  });

  it('runs all outputs or the requested ones', async () => {
    const input = new ort.Tensor('float32', Float32Array.from([39, 2174, 0, 40, 50, 0, 0, 13, 30, 0, 0, 60]), [3, 4]);
    const all = await session.run({ input });
    expect(Object.keys(all).sort()).toEqual(['label', 'probabilities']);
    expect(all.label!.dims).toEqual([3]);
    expect(all.probabilities!.dims).toEqual([3, 2]);
    const some = await session.run({ input }, ['probabilities']);
    expect(Object.keys(some)).toEqual(['probabilities']);
    expect(Array.from(some.probabilities!.data as Float32Array)).toEqual(Array.from(all.probabilities!.data as Float32Array));
  });

  it('matches the torch reference outputs of the fixture', async () => {
    type Tensor = { shape: number[]; data: number[][] };
    const expected = JSON.parse(readFileSync(join(repoRoot, 'fixtures/onnx/income_mlp.expected.json'), 'utf8')) as {
      inputs: { input: Tensor };
      outputs: { label: { data: number[] }; probabilities: Tensor };
    };
    const { input } = expected.inputs;
    const tensor = new ort.Tensor('float32', Float32Array.from(input.data.flat()), input.shape);
    const outputs = await session.run({ input: tensor });
    const probabilities = outputs.probabilities!.data as Float32Array;
    expected.outputs.probabilities.data.flat().forEach((value, i) => expect(probabilities[i]).toBeCloseTo(value, 5));
    expect(Array.from(outputs.label!.data as BigInt64Array, Number)).toEqual(expected.outputs.label.data);
  });

  it('turns onnxruntime failures into one-line InputDataErrors naming the model', async () => {
    expect(await inputDataError(createSession(ort, Uint8Array.from([1, 2, 3, 4]), { name: 'bad.onnx' }))).toMatch(/^bad\.onnx: onnxruntime cannot load the model: /);
    const wrongShape = new ort.Tensor('float32', new Float32Array(6), [2, 3]);
    expect(await inputDataError(session.run({ input: wrongShape }))).toMatch(/^models\/income_mlp\.onnx: onnxruntime failed to run the model: .*dimension/i);
    expect(await inputDataError(session.run({}))).toBe("models/income_mlp.onnx: missing model input 'input'");
    const ok = new ort.Tensor('float32', new Float32Array(4), [1, 4]);
    expect(await inputDataError(session.run({ input: ok, extra: ok }))).toMatch(/has no input 'extra' \(inputs: input\)/);
    expect(await inputDataError(session.run({ input: ok }, ['proba']))).toMatch(/has no output 'proba' \(outputs: label, probabilities\)/);
  });

  it('strips onnxruntime error prefixes', () => {
    expect(describeOrtError(new Error('[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Got invalid\n dimensions'))).toBe('INVALID_ARGUMENT : Got invalid dimensions');
  });
});
