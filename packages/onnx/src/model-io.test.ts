import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputDataError } from '@modelgate/core';
import { encodeModel, loadModel, saveModel } from './model-io.js';
import { createTensor, encodeModelProto } from './proto/codec.js';
import protobuf from 'protobufjs';
import { ONNX_DESCRIPTOR } from './proto/descriptor.js';
import { linearModel } from './test-models.js';

const dir = mkdtempSync(join(tmpdir(), 'modelgate-model-io-'));
const file = (name: string, content: Uint8Array | string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

async function failure(path: string): Promise<InputDataError> {
  try {
    await loadModel(path);
  } catch (error) {
    if (error instanceof InputDataError) return error;
    throw error;
  }
  throw new Error(`${path} loaded`);
}

describe('loadModel', () => {
  const good = encodeModelProto(linearModel());

  it('loads a valid model and re-encodes it byte for byte', async () => {
    const path = file('good.onnx', good);
    const { model, bytes } = await loadModel(path);
    expect(model.graph?.node).toHaveLength(5);
    expect(Buffer.compare(Buffer.from(encodeModel(model)), Buffer.from(bytes))).toBe(0);
  });

  it.each([
    ['missing file', () => join(dir, 'nope.onnx'), 'no such file'],
    ['0-byte file', () => file('empty.onnx', ''), 'is empty (0 bytes), expected an ONNX model'],
    ['a directory', () => (mkdirSync(join(dir, 'model.onnx'), { recursive: true }), join(dir, 'model.onnx')), 'is a directory, expected an .onnx model file'],
    ['truncated file', () => file('truncated.onnx', good.subarray(0, good.length - 7)), /^not an ONNX model: truncated or corrupt protobuf \(/],
    ['random bytes', () => file('random.onnx', Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)), /^not an ONNX model: /],
    [
      'a protobuf of another message (TensorProto)',
      () => file('tensor.onnx', protobuf.Root.fromJSON(ONNX_DESCRIPTOR).lookupType('onnx.TensorProto').encode(createTensor({ name: 't', dims: [2], data_type: 1, float_data: [1, 2] })).finish()),
      // Depending on the bytes the decoder trips on a wire type or finds no graph; both say "not an ONNX model".
      /^not an ONNX model: (truncated or corrupt protobuf \(invalid wire type \d+ at offset \d+\)|ModelProto\.graph is missing \(is this another protobuf message\?\))$/,
    ],
    ['an XGBoost JSON model', () => file('model.json', '{"learner": {"gradient_booster": {}}}'), /looks like an XGBoost\/LightGBM model; convert it first with 'modelgate convert'$/],
    ['a pickle', () => file('model.pkl', Uint8Array.from([0x80, 0x04, 0x95, 0x10, 0, 0, 0])), /is a pickle\/PyTorch file; export it to ONNX first/],
  ])('%s → one clear line naming the file', async (_name, make, message) => {
    const path = make();
    const error = await failure(path);
    expect(error.location?.file).toBe(path);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });

  it.each(['income_mlp.onnx', 'income_linear_zipmap.onnx', 'mlp_fp32.onnx'])('re-encodes the exporter-written %s byte for byte', async (name) => {
    const path = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'onnx', name);
    const { model, bytes } = await loadModel(path);
    expect(Buffer.compare(Buffer.from(encodeModel(model)), Buffer.from(bytes))).toBe(0);
  });

  it('refuses a model without a graph', async () => {
    const noGraph = linearModel();
    delete (noGraph as { graph?: unknown }).graph;
    expect((await failure(file('no-graph.onnx', encodeModelProto(noGraph)))).message).toBe('not an ONNX model: ModelProto.graph is missing (is this another protobuf message?)');
  });

  it('refuses a model without ir_version or opsets', async () => {
    const noIr = linearModel();
    delete (noIr as { ir_version?: unknown }).ir_version;
    expect((await failure(file('no-ir.onnx', encodeModelProto(noIr)))).message).toBe('not an ONNX model: ModelProto.ir_version is missing');
    const noOpset = linearModel();
    noOpset.opset_import = [];
    expect((await failure(file('no-opset.onnx', encodeModelProto(noOpset)))).message).toBe(
      'invalid ONNX model: no opset_import (IR ≥ 3 models must import at least the default opset)',
    );
    const future = linearModel();
    future.ir_version = 99;
    expect((await failure(file('future.onnx', encodeModelProto(future)))).message).toBe('unsupported ONNX IR version 99 (this modelgate reads IR 1–11)');
  });

  it('saves atomically: the target is whole or untouched', async () => {
    const path = join(dir, 'saved.onnx');
    await saveModel(path, linearModel());
    expect(readFileSync(path).byteLength).toBe(good.byteLength);
    // A target that cannot be replaced (a directory) fails, as the user's to fix, without leaving a temp file behind.
    mkdirSync(join(dir, 'occupied', 'x.onnx'), { recursive: true });
    await expect(saveModel(join(dir, 'occupied', 'x.onnx'), linearModel())).rejects.toMatchObject({ name: 'ConfigurationError', message: 'is a directory; expected the path of a file to write' });
    expect(readdirSync(join(dir, 'occupied'))).toEqual(['x.onnx']);
  });
});
