/**
 * External tensor data (TensorProto.data_location = EXTERNAL), validated before anything is
 * read. A model is untrusted input: its `external_data` entries must not make us read files
 * outside the model's directory nor allocate what the file cannot back. Refused, each with an
 * InputDataError naming the tensor, the model file and the bad value:
 *  - unknown keys and repeated keys (CVE-2026-34445: onnx copied keys onto an object with
 *    setattr). Recognised keys, per docs/ExternalData.md: location (required), offset, length,
 *    checksum, and basepath (which onnx's loader may add after loading). basepath and checksum
 *    are accepted but not used: files resolve against the model's directory only, and the
 *    SHA-1 checksum is not verified;
 *  - an empty location, a NUL character, an absolute location (POSIX `/x`, Windows `C:\x`,
 *    `C:x`, `\x`, `\\server\share`) and any `..` segment with `/` or `\` separators
 *    (CVE-2022-25882, CVE-2024-27318, and the write-side CVE-2025-51480);
 *  - a location whose realpath (following symlinks in every component) leaves the model's
 *    realpath'd directory (CVE-2026-27489: symlinked parent directory), and a final-component
 *    symlink even when it points inside (CVE-2026-34447), as onnx ≥ 1.21 does;
 *  - a file with more than one hard link (CVE-2026-34446), a directory, a non-regular file, or
 *    a missing file;
 *  - offset/length that are not plain non-negative decimal integers ≤ 2^53 − 1, or that reach
 *    past the end of the file (a missing length means "to the end of the file");
 *  - a length other than dims × element size, and external string tensors (string data has no
 *    raw layout to store externally).
 * Reading re-validates, opens with O_NOFOLLOW | O_NONBLOCK, checks the opened file is the
 * validated one (regular, same device and inode, single link) and reads at most `length` bytes.
 * Errors from resolveExternalData name the model file (`shown`); errors from
 * readExternalTensorData name the data file (the reference does not carry the model path).
 */
import { constants } from 'node:fs';
import { lstat, open, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { InputDataError } from '@modelgate/core';
import { dataTypeName, isKnownDataType, rawByteLength, toInt } from './dtypes.js';
import { DATA_LOCATION_EXTERNAL, DataType } from './proto/types.js';
import type { GraphProto, ModelProto, NodeProto, SparseTensorProto, TensorProto } from './proto/types.js';
import { list, q } from './check/problems.js';

export interface ExternalDataReference {
  tensor: string;
  location: string;
  absolutePath: string;
  offset: number;
  length: number;
}

export interface ExternalDataSummary {
  references: ExternalDataReference[];
  /** Each distinct external file once, with its size on disk. */
  files: { location: string; bytes: number }[];
  /** Sum of the distinct files' sizes: what the model brings along besides its .onnx file. */
  totalBytes: number;
}

/** The keys docs/ExternalData.md recognises; anything else is refused. */
export const EXTERNAL_DATA_KEYS: readonly string[] = ['location', 'offset', 'length', 'checksum', 'basepath'];

interface Located {
  realPath: string;
  size: number;
  dev: number;
  ino: number;
}

interface Parsed {
  location: string;
  offset: number;
  length: number | undefined;
}

/**
 * Validates every external reference of the model (graph + subgraphs + sparse initializers + Constant-node attribute tensors + functions).
 * `shown` is the model's name in error messages (default `modelPath`), as for loadModel.
 */
export async function resolveExternalData(model: ModelProto, modelPath: string, shown: string = modelPath): Promise<ExternalDataSummary> {
  const found = collectExternalTensors(model);
  const summary: ExternalDataSummary = { references: [], files: [], totalBytes: 0 };
  if (found.length === 0) return summary;
  const dir = dirname(resolve(modelPath));
  const realDir = await realDirectory(dir, shown);
  const located = new Map<string, Promise<Located>>();
  const files = new Map<string, { location: string; bytes: number }>();
  for (const { tensor, where } of found) {
    const label = tensorLabel(tensor, where);
    const fail = failer(label, shown, where);
    const parsed = parseEntries(tensor, fail);
    checkTensorType(tensor, fail);
    let pending = located.get(parsed.location);
    if (!pending) {
      pending = locate(dir, realDir, parsed.location, fail);
      located.set(parsed.location, pending);
    }
    const file = await pending;
    const length = checkRange(parsed, file.size, fail);
    checkLength(tensor, length, fail);
    summary.references.push({ tensor: tensor.name || where, location: parsed.location, absolutePath: join(dir, parsed.location), offset: parsed.offset, length });
    if (!files.has(file.realPath)) files.set(file.realPath, { location: parsed.location, bytes: file.size });
  }
  summary.files = [...files.values()];
  summary.totalBytes = summary.files.reduce((sum, file) => sum + file.bytes, 0);
  return summary;
}

/** Reads one tensor's bytes, after the same validation (bounded read: never more than `length`). */
export async function readExternalTensorData(reference: ExternalDataReference): Promise<Uint8Array> {
  const fail = failer(`tensor ${q(reference.tensor)}`, reference.absolutePath, 'external_data');
  checkLocationText(reference.location, fail);
  const relativePart = normalize(reference.location);
  const dir = reference.absolutePath.slice(0, Math.max(0, reference.absolutePath.length - relativePart.length));
  if (!isAbsolute(dir) || join(dir, reference.location) !== reference.absolutePath) {
    fail(`reference is inconsistent: absolutePath '${reference.absolutePath}' does not end with location ${q(reference.location)}`);
  }
  const parsed: Parsed = { location: reference.location, offset: checkInteger(reference.offset, 'offset', fail), length: checkInteger(reference.length, 'length', fail) };
  const realDir = await realDirectory(resolve(dir), reference.absolutePath);
  const file = await locate(resolve(dir), realDir, reference.location, fail);
  const length = checkRange(parsed, file.size, fail);
  // O_NOFOLLOW: a symlink swapped in since locate() fails; O_NONBLOCK: a FIFO swapped in cannot hang the open.
  const flags = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
  const handle = await open(file.realPath, flags).catch((error: NodeJS.ErrnoException) =>
    fail(`external_data location ${q(reference.location)} cannot be opened (${error.code ?? error.message})`),
  );
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.dev !== file.dev || opened.ino !== file.ino || opened.nlink !== 1) {
      fail(`external_data location ${q(reference.location)} changed while it was being opened; refusing to read it`);
    }
    if (parsed.offset + length > opened.size) fail(`external_data location ${q(reference.location)} shrank to ${opened.size} bytes while being read`);
    const bytes = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(bytes, done, length - done, parsed.offset + done);
      if (bytesRead === 0) fail(`external_data location ${q(reference.location)} ended after ${parsed.offset + done} bytes; expected ${parsed.offset + length}`);
      done += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

type Fail = (message: string) => never;

function failer(label: string, file: string, field: string): Fail {
  return (message: string): never => {
    throw new InputDataError(`${label} ${message}`, { file, field });
  };
}

function tensorLabel(tensor: TensorProto, where: string): string {
  return tensor.name ? `tensor ${q(tensor.name)}` : `unnamed tensor at ${where}`;
}

function parseEntries(tensor: TensorProto, fail: Fail): Parsed {
  const values = new Map<string, string>();
  for (const entry of list(tensor.external_data)) {
    const key = entry.key ?? '';
    if (!EXTERNAL_DATA_KEYS.includes(key)) fail(`has an unknown external_data key ${q(key)}; recognised keys are ${EXTERNAL_DATA_KEYS.join(', ')}`);
    if (values.has(key)) fail(`repeats the external_data key ${q(key)}; each key may appear once`);
    values.set(key, entry.value ?? '');
  }
  const location = values.get('location');
  if (location === undefined) fail("is stored externally (data_location EXTERNAL) but its external_data has no 'location'");
  checkLocationText(location, fail);
  const offset = values.has('offset') ? parseSize(values.get('offset')!, 'offset', fail) : 0;
  const length = values.has('length') ? parseSize(values.get('length')!, 'length', fail) : undefined;
  return { location, offset, length };
}

/** Refusals that need no file system: empty, NUL, absolute, `..`. */
function checkLocationText(location: string, fail: Fail): void {
  if (location === '') fail("has an empty external_data location; expected a file name relative to the model's directory");
  if (location.includes('\u0000')) fail(`external_data location ${q(location)} contains a NUL character`);
  if (/^[\\/]/.test(location) || /^[A-Za-z]:/.test(location) || isAbsolute(location)) {
    fail(`external_data location ${q(location)} is an absolute path; expected a path relative to the model's directory`);
  }
  if (location.split(/[\\/]/).includes('..')) fail(`external_data location ${q(location)} contains a '..' segment; expected a path inside the model's directory`);
}

function parseSize(text: string, key: string, fail: Fail): number {
  if (!/^[0-9]+$/.test(text)) fail(`external_data ${key} ${q(text)} is not a non-negative decimal integer`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) fail(`external_data ${key} ${q(text)} is larger than ${Number.MAX_SAFE_INTEGER}`);
  return value;
}

function checkInteger(value: number, key: string, fail: Fail): number {
  if (!Number.isSafeInteger(value) || value < 0) fail(`external_data ${key} ${String(value)} is not a non-negative integer ≤ ${Number.MAX_SAFE_INTEGER}`);
  return value;
}

function checkTensorType(tensor: TensorProto, fail: Fail): void {
  const type = tensor.data_type ?? 0;
  if (type === DataType.STRING) fail('is a string tensor stored externally; string tensors cannot use external data');
  if (!isKnownDataType(type)) fail(`is stored externally with data_type ${type}; expected a known fixed-size data type`);
}

async function realDirectory(dir: string, file: string): Promise<string> {
  try {
    return await realpath(dir);
  } catch (error) {
    throw new InputDataError(`the model's directory '${dir}' cannot be resolved (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file });
  }
}

/** The file system refusals: missing, escaping the directory, symlink, not a regular file, hard links. */
async function locate(dir: string, realDir: string, location: string, fail: Fail): Promise<Located> {
  const shown = `external_data location ${q(location)}`;
  const path = join(dir, location);
  const info = await lstat(path).catch((error: NodeJS.ErrnoException) =>
    fail(error.code === 'ENOENT' || error.code === 'ENOTDIR' ? `${shown} does not exist in the model's directory '${dir}'` : `${shown} cannot be read (${error.code ?? error.message})`),
  );
  const real = await realpath(path).catch((error: NodeJS.ErrnoException) =>
    fail(`${shown} is a symbolic link that cannot be resolved (${error.code ?? error.message}); expected a regular file`),
  );
  const inside = relative(realDir, real);
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    fail(`${shown} resolves to '${real}', outside the model's directory '${realDir}'`);
  }
  if (info.isSymbolicLink()) fail(`${shown} is a symbolic link; expected a regular file inside the model's directory`);
  const target = await stat(real).catch((error: NodeJS.ErrnoException) => fail(`${shown} cannot be read (${error.code ?? error.message})`));
  if (target.isDirectory()) fail(`${shown} is a directory; expected a file`);
  if (!target.isFile()) fail(`${shown} is not a regular file`);
  if (target.nlink > 1) {
    fail(`${shown} has ${target.nlink} hard links; a hard-linked file may be another file's contents, expected a file with a single link`);
  }
  return { realPath: real, size: target.size, dev: target.dev, ino: target.ino };
}

/** offset (+ length) within the file; returns the length, computed when absent. */
function checkRange(parsed: Parsed, size: number, fail: Fail): number {
  const name = q(parsed.location);
  if (parsed.offset > size) fail(`external_data offset ${parsed.offset} is beyond the end of ${name} (${size} bytes)`);
  const length = parsed.length ?? size - parsed.offset;
  if (parsed.offset + length > size) {
    fail(`external_data offset ${parsed.offset} + length ${length} = ${parsed.offset + length} exceeds the size of ${name} (${size} bytes)`);
  }
  return length;
}

function checkLength(tensor: TensorProto, length: number, fail: Fail): void {
  let count = 1;
  try {
    for (const dim of list(tensor.dims)) {
      const value = toInt(dim);
      if (!Number.isSafeInteger(value) || value < 0) return;
      count *= value;
    }
  } catch {
    return;
  }
  const type = tensor.data_type ?? 0;
  const expected = rawByteLength(type, count);
  if (!Number.isSafeInteger(expected) || expected === length) return;
  const dims = `[${list(tensor.dims).map(String).join(', ')}]`;
  fail(`external_data length ${length} does not match its dims ${dims} of ${dataTypeName(type)} (${expected} bytes)`);
}

/** Every tensor with data_location EXTERNAL, wherever tensors can live in a model. */
function collectExternalTensors(model: ModelProto): { tensor: TensorProto; where: string }[] {
  const found: { tensor: TensorProto; where: string }[] = [];
  const tensor = (value: TensorProto | undefined, where: string): void => {
    if (value && value.data_location === DATA_LOCATION_EXTERNAL) found.push({ tensor: value, where });
  };
  const sparse = (value: SparseTensorProto | undefined, where: string): void => {
    if (!value) return;
    tensor(value.values, `${where}.values`);
    tensor(value.indices, `${where}.indices`);
  };
  const nodes = (values: readonly NodeProto[], prefix: string): void => {
    values.forEach((node, k) => {
      list(node.attribute).forEach((attr, a) => {
        const where = `${prefix}.node[${k}] (${node.op_type || '?'}) attribute ${attr.name ? q(attr.name) : `[${a}]`}`;
        const label = attr.name || `attribute[${a}]`;
        tensor(attr.t, where);
        list(attr.tensors).forEach((value, i) => tensor(value, `${where}.tensors[${i}]`));
        sparse(attr.sparse_tensor, `${where}.sparse_tensor`);
        list(attr.sparse_tensors).forEach((value, i) => sparse(value, `${where}.sparse_tensors[${i}]`));
        if (attr.g) graph(attr.g, `${prefix}.node[${k}].${label}`);
        list(attr.graphs).forEach((value, i) => graph(value, `${prefix}.node[${k}].${label}[${i}]`));
      });
    });
  };
  const graph = (value: GraphProto | undefined, prefix: string): void => {
    if (!value) return;
    list(value.initializer).forEach((item, i) => tensor(item, `${prefix}.initializer[${i}]`));
    list(value.sparse_initializer).forEach((item, i) => sparse(item, `${prefix}.sparse_initializer[${i}]`));
    nodes(list(value.node), prefix);
  };
  graph(model.graph, 'graph');
  list(model.training_info).forEach((info, i) => {
    graph(info.initialization, `training_info[${i}].initialization`);
    graph(info.algorithm, `training_info[${i}].algorithm`);
  });
  list(model.functions).forEach((fn, i) => nodes(list(fn.node), `functions[${i}]`));
  return found;
}
