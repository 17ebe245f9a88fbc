import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { InputDataError, writeFileAtomic } from '@modelgate/core';
import { decodeModelProto, encodeModelProto } from './proto/codec.js';
import type { ModelProto } from './proto/types.js';
import { toApproximateNumber } from './dtypes.js';

/** Highest IR version this reader understands (ONNX 1.16+ writes IR 10). */
export const MAX_IR_VERSION = 11;

export interface LoadedModel {
  model: ModelProto;
  /** The file's bytes; tensors' raw_data are views into it. */
  bytes: Uint8Array;
  path: string;
}

/**
 * Read and decode an .onnx file once. Every way a file can fail to be a model ends in one
 * InputDataError line naming the file — as `shown` (e.g. workspace-relative, for annotations).
 */
export async function loadModel(path: string, shown: string = path): Promise<LoadedModel> {
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new InputDataError('is a directory, expected an .onnx model file', { file: shown });
    size = info.size;
  } catch (error) {
    if (error instanceof InputDataError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputDataError(code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (error as Error).message})`, { file: shown });
  }
  if (size === 0) throw new InputDataError('is empty (0 bytes), expected an ONNX model', { file: shown });
  const bytes = await readFile(path);
  return { model: decodeModel(bytes, shown), bytes, path };
}

/** Decode and sanity-check ModelProto bytes; `file` is used in messages. */
export function decodeModel(bytes: Uint8Array, file: string): ModelProto {
  const hint = extensionHint(file);
  let model: ModelProto;
  try {
    model = decodeModelProto(bytes);
  } catch (error) {
    throw new InputDataError(`not an ONNX model: truncated or corrupt protobuf (${(error as Error).message})${hint}`, { file });
  }
  const ir = toApproximateNumber(model.ir_version);
  if (!model.graph) {
    throw new InputDataError(`not an ONNX model: ModelProto.graph is missing (is this another protobuf message?)${hint}`, { file });
  }
  if (!(ir >= 1 && ir <= MAX_IR_VERSION) || !Number.isInteger(ir)) {
    throw new InputDataError(
      model.ir_version === undefined || ir === 0
        ? `not an ONNX model: ModelProto.ir_version is missing${hint}`
        : `unsupported ONNX IR version ${ir} (this modelgate reads IR 1–${MAX_IR_VERSION})`,
      { file },
    );
  }
  if (model.opset_import.length === 0 && ir >= 3) {
    throw new InputDataError('invalid ONNX model: no opset_import (IR ≥ 3 models must import at least the default opset)', { file });
  }
  return model;
}

function extensionHint(file: string): string {
  const extension = extname(file).toLowerCase();
  if (extension === '.onnx' || extension === '') return '';
  if (extension === '.json' || extension === '.txt' || extension === '.ubj') {
    return ` — ${basename(file)} looks like an XGBoost/LightGBM model; convert it first with 'modelgate convert'`;
  }
  if (extension === '.pkl' || extension === '.joblib' || extension === '.pt' || extension === '.pth') {
    return ` — ${basename(file)} is a pickle/PyTorch file; export it to ONNX first (see 'modelgate convert --from command')`;
  }
  return ` (expected a .onnx file, got ${extension})`;
}

export function encodeModel(model: ModelProto): Uint8Array {
  return encodeModelProto(model);
}

/** Write a model atomically (temp file, then rename); returns its size. */
export async function saveModel(path: string, model: ModelProto | Uint8Array): Promise<number> {
  const bytes = model instanceof Uint8Array ? model : encodeModel(model);
  await writeFileAtomic(path, bytes);
  return bytes.byteLength;
}
