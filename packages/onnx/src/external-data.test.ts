import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { InputDataError } from '@modelgate/core';
import { readExternalTensorData, resolveExternalData, type ExternalDataReference } from './external-data.js';
import { saveModel } from './model-io.js';
import { createModel, createTensor } from './proto/codec.js';
import { AttributeType, DataType, type AttributeProto, type GraphProto, type ModelProto, type NodeProto, type TensorProto } from './proto/types.js';
import { littleEndianBytes } from './tensor.js';

const root = mkdtempSync(join(tmpdir(), 'modelgate-external-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

const W = Float32Array.from([1, 2, 3, 4, 5, 6]); // [2, 3]
const B = Float32Array.from([0.5, -1, 2]); // [3]
const B_OFFSET = 64;

/** model/ and a sibling outside/secret.bin per test; weights.bin = W at 0, B at 64 (76 bytes). */
function workspace(): { dir: string; outside: string } {
  const base = join(root, `case-${(counter += 1)}`);
  const dir = join(base, 'model');
  const outside = join(base, 'outside');
  mkdirSync(dir, { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.bin'), new Uint8Array(24).fill(7));
  const weights = new Uint8Array(B_OFFSET + 12);
  weights.set(littleEndianBytes(W), 0);
  weights.set(littleEndianBytes(B), B_OFFSET);
  writeFileSync(join(dir, 'weights.bin'), weights);
  return { dir, outside };
}

type Entries = Record<string, string> | [string, string][];
function external(name: string, dims: number[], entries: Entries, data_type: number = DataType.FLOAT): TensorProto {
  const pairs = Array.isArray(entries) ? entries : Object.entries(entries);
  return createTensor({ name, dims, data_type, data_location: 1, external_data: pairs.map(([key, value]) => ({ key, value })) });
}
const value = (name: string, dims: number[]) => ({ name, type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: dims.map((dim_value) => ({ dim_value })) } } } });
const attr = (fields: Partial<AttributeProto>): AttributeProto => fields as AttributeProto;
const node = (op_type: string, input: string[], output: string[], extra: Partial<NodeProto> = {}) => ({ op_type, input, output, name: output[0], attribute: [], ...extra });

/** Y[1,3] = X[1,2] · W[2,3] + B[3], with W and B as the given tensors. */
function matmulModel(w: TensorProto, b: TensorProto, extra: Partial<GraphProto> = {}): ModelProto {
  return createModel({
    ir_version: 8,
    opset_import: [{ domain: '', version: 13 }],
    graph: { name: 'g', node: [node('MatMul', ['X', 'W'], ['M']), node('Add', ['M', 'B'], ['Y'])], initializer: [w, b], input: [value('X', [1, 2])], output: [value('Y', [1, 3])], ...extra } as GraphProto,
  });
}
const goodB = () => external('B', [3], { location: 'weights.bin', offset: String(B_OFFSET), length: '12' });
/** The model with W's external_data replaced, saved in `dir`. */
async function withW(dir: string, entries: Entries, dims = [2, 3], dataType: number = DataType.FLOAT): Promise<{ model: ModelProto; path: string }> {
  const model = matmulModel(external('W', dims, entries, dataType), goodB());
  const path = join(dir, 'model.onnx');
  await saveModel(path, model);
  return { model, path };
}

async function refusal(model: ModelProto, path: string): Promise<string> {
  try {
    await resolveExternalData(model, path);
  } catch (error) {
    if (!(error instanceof InputDataError)) throw error;
    expect(error.location?.file).toBe(path);
    return error.message;
  }
  throw new Error('resolveExternalData accepted the model');
}
async function refused(entries: Entries, setup?: (dir: string, outside: string) => void, dims?: number[], dataType?: number): Promise<string> {
  const { dir, outside } = workspace();
  setup?.(dir, outside);
  const { model, path } = await withW(dir, entries, dims, dataType);
  return refusal(model, path);
}

describe('resolveExternalData: accepted layouts', () => {
  it('summarises two tensors in one file, reads their exact bytes, and onnxruntime runs the same model from its path', async () => {
    const { dir } = workspace();
    const { model, path } = await withW(dir, { location: 'weights.bin', offset: '0', length: '24' });
    const summary = await resolveExternalData(model, path);
    expect(summary).toEqual({
      references: [
        { tensor: 'W', location: 'weights.bin', absolutePath: join(dir, 'weights.bin'), offset: 0, length: 24 },
        { tensor: 'B', location: 'weights.bin', absolutePath: join(dir, 'weights.bin'), offset: 64, length: 12 },
      ],
      files: [{ location: 'weights.bin', bytes: 76 }],
      totalBytes: 76,
    });
    expect(await readExternalTensorData(summary.references[0]!)).toEqual(littleEndianBytes(W));
    expect(await readExternalTensorData(summary.references[1]!)).toEqual(littleEndianBytes(B));

    const session = await ort.InferenceSession.create(path);
    const out = await session.run({ X: new ort.Tensor('float32', Float32Array.from([1, 1]), [1, 2]) });
    expect(Array.from(out.Y!.data as Float32Array)).toEqual([5.5, 6, 11]);
  });

  it('computes a missing length as "to the end of the file", follows a symlinked model directory, ignores basepath', async () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'w.bin'), new Uint8Array(40));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'w2.bin'), new Uint8Array(24));
    const alias = `${dir}-alias`;
    symlinkSync(dir, alias);
    const model = matmulModel(external('W', [2, 3], { location: 'w.bin', offset: '16' }), external('B', [3], { location: 'sub/w2.bin', offset: '12', basepath: '/etc', checksum: 'x' }));
    const path = join(alias, 'model.onnx');
    await saveModel(path, model);
    const summary = await resolveExternalData(model, path);
    expect(summary.references.map((r) => [r.location, r.absolutePath, r.offset, r.length])).toEqual([
      ['w.bin', join(alias, 'w.bin'), 16, 24],
      ['sub/w2.bin', join(alias, 'sub/w2.bin'), 12, 12],
    ]);
    expect(summary.totalBytes).toBe(64);
  });

  it('returns an empty summary for a model without external data', async () => {
    const model = matmulModel(createTensor({ name: 'W', dims: [2, 3], data_type: 1, float_data: Array.from(W) }), createTensor({ name: 'B', dims: [3], data_type: 1, float_data: Array.from(B) }));
    expect(await resolveExternalData(model, join(root, 'nowhere', 'm.onnx'))).toEqual({ references: [], files: [], totalBytes: 0 });
  });
});

describe('resolveExternalData: refused locations', () => {
  it.each([
    ['CVE-2022-25882: a leading .. escape', '../../../etc/passwd'],
    ['CVE-2022-25882: .. to an existing sibling file', '../outside/secret.bin'],
    ['CVE-2024-27318: .. after a harmless prefix', 'junk/../../outside/secret.bin'],
    ['CVE-2024-27318: .. with backslash separators', 'junk\\..\\..\\outside\\secret.bin'],
    ['a trailing .. segment', 'sub/..'],
  ])('%s', async (_, location) => {
    expect(await refused({ location, offset: '0', length: '24' })).toBe(`tensor 'W' external_data location '${location}' contains a '..' segment; expected a path inside the model's directory`);
  });

  it.each([
    ['POSIX', '/etc/passwd'],
    ['Windows drive', 'C:\\Windows\\win.ini'],
    ['Windows drive-relative', 'C:weights.bin'],
    ['Windows UNC', '\\\\server\\share\\weights.bin'],
  ])('CVE-2022-25882 / CVE-2025-51480 class: an absolute %s path', async (_, location) => {
    expect(await refused({ location, length: '24' })).toBe(`tensor 'W' external_data location '${location}' is an absolute path; expected a path relative to the model's directory`);
  });

  it('an empty or missing location, and a NUL character', async () => {
    expect(await refused({ location: '' })).toBe("tensor 'W' has an empty external_data location; expected a file name relative to the model's directory");
    expect(await refused({ offset: '0' })).toBe("tensor 'W' is stored externally (data_location EXTERNAL) but its external_data has no 'location'");
    expect(await refused({ location: 'weights.bin\u0000.txt' })).toBe("tensor 'W' external_data location 'weights.bin\\u0000.txt' contains a NUL character");
  });

  it('CVE-2026-27489: a symlinked parent directory that leads outside', async () => {
    let outsideReal = '';
    const message = await refused({ location: 'data/secret.bin', length: '24' }, (dir, outside) => {
      symlinkSync(outside, join(dir, 'data'));
      outsideReal = realpathSync(outside);
    });
    expect(message).toMatch(/^tensor 'W' external_data location 'data\/secret\.bin' resolves to '(.+)', outside the model's directory '(.+)'$/);
    expect(message).toContain(`resolves to '${join(outsideReal, 'secret.bin')}'`);
  });

  it('CVE-2026-34447: a final-component symlink to a file outside, and any symlink even inside', async () => {
    const outsideMessage = await refused({ location: 'w.bin', length: '24' }, (dir, outside) => symlinkSync(join(outside, 'secret.bin'), join(dir, 'w.bin')));
    expect(outsideMessage).toMatch(/^tensor 'W' external_data location 'w\.bin' resolves to '.*\/outside\/secret\.bin', outside the model's directory '.*\/model'$/);
    const inside = await refused({ location: 'w.bin', length: '24' }, (dir) => symlinkSync('weights.bin', join(dir, 'w.bin')));
    expect(inside).toBe("tensor 'W' external_data location 'w.bin' is a symbolic link; expected a regular file inside the model's directory");
    const dangling = await refused({ location: 'w.bin' }, (dir) => symlinkSync('missing.bin', join(dir, 'w.bin')));
    expect(dangling).toBe("tensor 'W' external_data location 'w.bin' is a symbolic link that cannot be resolved (ENOENT); expected a regular file");
  });

  it('CVE-2026-34446: a hard link (nlink > 1), e.g. to a file outside the model directory', async () => {
    const message = await refused({ location: 'w.bin', length: '24' }, (dir, outside) => linkSync(join(outside, 'secret.bin'), join(dir, 'w.bin')));
    expect(message).toBe("tensor 'W' external_data location 'w.bin' has 2 hard links; a hard-linked file may be another file's contents, expected a file with a single link");
  });

  it('a directory, a missing file, a non-regular file', async () => {
    expect(await refused({ location: 'sub' }, (dir) => mkdirSync(join(dir, 'sub')))).toBe("tensor 'W' external_data location 'sub' is a directory; expected a file");
    const { dir } = workspace();
    const { model, path } = await withW(dir, { location: 'nope.bin' });
    expect(await refusal(model, path)).toBe(`tensor 'W' external_data location 'nope.bin' does not exist in the model's directory '${dir}'`);
    // A FIFO inside the directory would block the reader forever.
    expect(await refused({ location: 'pipe' }, (dir) => execFileSync('mkfifo', [join(dir, 'pipe')]))).toBe("tensor 'W' external_data location 'pipe' is not a regular file");
    expect(await refused({ location: 'weights.bin/x' })).toBe(`tensor 'W' external_data location 'weights.bin/x' does not exist in the model's directory '${join(root, `case-${counter}`, 'model')}'`);
  });
});

describe('resolveExternalData: refused offsets, lengths and keys', () => {
  it.each([
    ['offset', '-1', 'is not a non-negative decimal integer'],
    ['offset', '1.5', 'is not a non-negative decimal integer'],
    ['offset', '0x10', 'is not a non-negative decimal integer'],
    ['offset', '1e3', 'is not a non-negative decimal integer'],
    ['offset', ' 8', 'is not a non-negative decimal integer'],
    ['length', '', 'is not a non-negative decimal integer'],
    ['length', '9007199254740993', 'is larger than 9007199254740991'],
    ['length', '99999999999999999999999', 'is larger than 9007199254740991'],
  ])('%s %j', async (key, text, reason) => {
    const entries = { location: 'weights.bin', offset: '0', length: '24', [key]: text };
    expect(await refused(entries)).toBe(`tensor 'W' external_data ${key} '${text}' ${reason}`);
  });

  it('CVE-2026-34445 (memory exhaustion): a length or offset past the end of the file is refused before any allocation', async () => {
    expect(await refused({ location: 'weights.bin', offset: '0', length: '4294967296' })).toBe(
      "tensor 'W' external_data offset 0 + length 4294967296 = 4294967296 exceeds the size of 'weights.bin' (76 bytes)",
    );
    expect(await refused({ location: 'weights.bin', offset: '77' })).toBe("tensor 'W' external_data offset 77 is beyond the end of 'weights.bin' (76 bytes)");
    expect(await refused({ location: 'weights.bin', offset: '64', length: '24' })).toBe(
      "tensor 'W' external_data offset 64 + length 24 = 88 exceeds the size of 'weights.bin' (76 bytes)",
    );
  });

  it('a length that does not match dims × element size (given, or computed to the end of the file)', async () => {
    expect(await refused({ location: 'weights.bin', offset: '0', length: '20' })).toBe("tensor 'W' external_data length 20 does not match its dims [2, 3] of float32 (24 bytes)");
    expect(await refused({ location: 'weights.bin', offset: '0' })).toBe("tensor 'W' external_data length 76 does not match its dims [2, 3] of float32 (24 bytes)");
    const { dir } = workspace();
    const { model, path } = await withW(dir, { location: 'weights.bin', length: '3' }, [5], DataType.INT4);
    expect((await resolveExternalData(model, path)).references[0]!.length).toBe(3); // five 4-bit values packed in 3 bytes
  });

  it('CVE-2026-34445: unknown keys (attribute injection) and repeated keys', async () => {
    expect(await refused({ location: 'weights.bin', __class__: 'x' })).toBe(
      "tensor 'W' has an unknown external_data key '__class__'; recognised keys are location, offset, length, checksum, basepath",
    );
    expect(await refused({ location: 'weights.bin', Length: '24' })).toBe(
      "tensor 'W' has an unknown external_data key 'Length'; recognised keys are location, offset, length, checksum, basepath",
    );
    expect(await refused([['location', 'weights.bin'], ['length', '24'], ['location', '../outside/secret.bin']])).toBe(
      "tensor 'W' repeats the external_data key 'location'; each key may appear once",
    );
  });

  it('string tensors and unknown data types cannot be external', async () => {
    expect(await refused({ location: 'weights.bin' }, undefined, [2], DataType.STRING)).toBe('tensor \'W\' is a string tensor stored externally; string tensors cannot use external data');
    expect(await refused({ location: 'weights.bin' }, undefined, [2], 99)).toBe("tensor 'W' is stored externally with data_type 99; expected a known fixed-size data type");
  });
});

describe('resolveExternalData: every place a tensor can live', () => {
  const bad = (name: string) => external(name, [2], { location: '../outside/secret.bin' });
  const inner = (g: Partial<GraphProto>): GraphProto => ({ name: 'b', node: [], initializer: [], input: [], output: [], ...g }) as GraphProto;
  it.each<[string, (m: ModelProto) => void, string]>([
    ['a sparse initializer', (m) => m.graph!.sparse_initializer.push({ values: bad('S'), indices: createTensor({ name: 'Si', dims: [1], data_type: 7, int64_data: [0] }), dims: [4] }), "tensor 'S'"],
    ['a Constant attribute tensor', (m) => m.graph!.node.push(node('Constant', [], ['C'], { attribute: [attr({ name: 'value', type: AttributeType.TENSOR, t: bad('') })] }) as NodeProto), "unnamed tensor at graph.node[2] (Constant) attribute 'value'"],
    ['a subgraph initializer', (m) => m.graph!.node.push(node('If', ['c'], ['I'], { attribute: [attr({ name: 'then_branch', type: AttributeType.GRAPH, g: inner({ initializer: [bad('T')] }) })] }) as NodeProto), "tensor 'T'"],
    ['a function body', (m) => m.functions.push({ name: 'F', domain: 'f', node: [node('Constant', [], ['o'], { attribute: [attr({ name: 'value', type: AttributeType.TENSOR, t: bad('FT') })] })] } as never), "tensor 'FT'"],
  ])('%s', async (_, add, label) => {
    const { dir } = workspace();
    const model = matmulModel(external('W', [2, 3], { location: 'weights.bin', length: '24' }), goodB());
    add(model);
    const path = join(dir, 'model.onnx');
    await saveModel(path, model);
    expect(await refusal(model, path)).toBe(`${label} external_data location '../outside/secret.bin' contains a '..' segment; expected a path inside the model's directory`);
  });
});

describe('readExternalTensorData', () => {
  async function reference(): Promise<{ dir: string; ref: ExternalDataReference }> {
    const { dir } = workspace();
    const { model, path } = await withW(dir, { location: 'weights.bin', length: '24' });
    return { dir, ref: (await resolveExternalData(model, path)).references[0]! };
  }

  it('re-validates: a file swapped for a symlink or hard link after resolving is refused', async () => {
    const { dir, ref } = await reference();
    unlinkSync(join(dir, 'weights.bin'));
    symlinkSync(join(dir, '..', 'outside', 'secret.bin'), join(dir, 'weights.bin'));
    await expect(readExternalTensorData(ref)).rejects.toThrow(/^tensor 'W' external_data location 'weights\.bin' resolves to '.*secret\.bin', outside the model's directory/);
    unlinkSync(join(dir, 'weights.bin'));
    linkSync(join(dir, '..', 'outside', 'secret.bin'), join(dir, 'weights.bin'));
    await expect(readExternalTensorData(ref)).rejects.toThrow("tensor 'W' external_data location 'weights.bin' has 2 hard links");
  });

  it('never reads past the file or beyond a tampered reference', async () => {
    const { ref } = await reference();
    await expect(readExternalTensorData({ ...ref, length: 2 ** 40 })).rejects.toThrow("tensor 'W' external_data offset 0 + length 1099511627776 = 1099511627776 exceeds the size of 'weights.bin' (76 bytes)");
    await expect(readExternalTensorData({ ...ref, offset: -1 })).rejects.toThrow("tensor 'W' external_data offset -1 is not a non-negative integer ≤ 9007199254740991");
    await expect(readExternalTensorData({ ...ref, location: '../outside/secret.bin' })).rejects.toThrow("contains a '..' segment");
    await expect(readExternalTensorData({ ...ref, absolutePath: '/etc/passwd' })).rejects.toThrow("reference is inconsistent: absolutePath '/etc/passwd' does not end with location 'weights.bin'");
    expect(await readExternalTensorData({ ...ref, offset: 64, length: 12 })).toEqual(littleEndianBytes(B));
  });
});
