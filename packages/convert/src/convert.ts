/**
 * Entry points: read an XGBoost JSON or LightGBM text model (format detected from its first
 * bytes) and convert it to ONNX. Pure: text or bytes in, ModelProto and facts out.
 */
import { sha256Hex } from '@modelgate/core';
import type { ModelProto } from '@modelgate/onnx';
import { readLightGBMText } from './lightgbm.js';
import { fileError, type SourceFormat, type TreeModel } from './model.js';
import { writeOnnx, type OnnxWriteInfo, type OnnxWriteOptions } from './onnx.js';
import { readXGBoostJson } from './xgboost.js';

export interface ReadOptions {
  /** Name used in messages and error locations. */
  file?: string;
  /** Skip detection. */
  format?: SourceFormat;
  /** XGBoost: 'best' (default) truncates to attributes.best_iteration; 'all' keeps every tree. */
  iterations?: 'best' | 'all';
}

export type ConvertOptions = ReadOptions & OnnxWriteOptions;

export interface ConversionInfo extends OnnxWriteInfo {
  format: SourceFormat;
  sourceVersion: string;
  objective: string;
  task: TreeModel['task'];
  numFeatures: number;
  numClasses: number;
  numTargets: number;
  /** Source trees converted (after best_iteration truncation). */
  trees: number;
  notes: string[];
}

export interface Conversion {
  model: ModelProto;
  /** The parsed source, for predictReference / checkParity. */
  source: TreeModel;
  info: ConversionInfo;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export function detectFormat(bytes: Uint8Array, file: string): SourceFormat {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i += 1;
  if (i >= bytes.length) throw fileError(file, 'is empty; expected an XGBoost JSON model or a LightGBM model.txt');
  if (bytes[i] === 0x7b /* { */) {
    // UBJSON (XGBoost .ubj) also starts with '{', followed by a type marker such as 'L' or 'i'.
    const next = bytes[i + 1];
    if (next !== undefined && next !== 0x22 && next !== 0x7d && next !== 0x20 && next !== 0x0a && next !== 0x0d && next !== 0x09) {
      throw fileError(file, "looks like XGBoost UBJSON (.ubj); save the model as JSON with save_model('model.json')");
    }
    return 'xgboost-json';
  }
  if (bytes[i] === 0x74 && bytes[i + 1] === 0x72 && bytes[i + 2] === 0x65 && bytes[i + 3] === 0x65) return 'lightgbm-text';
  throw fileError(file, 'is neither an XGBoost JSON model (starts with {) nor a LightGBM model.txt (starts with tree)');
}

export function readTreeModel(input: string | Uint8Array, options: ReadOptions = {}): TreeModel {
  const format = options.format ?? detectFormat(typeof input === 'string' ? new TextEncoder().encode(input.trimStart().slice(0, 64) || ' ') : input, options.file ?? 'model');
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = decoder.decode(input);
    } catch {
      throw fileError(options.file ?? 'model', 'is not UTF-8 text; expected an XGBoost JSON model or a LightGBM model.txt');
    }
  }
  const sha256 = sha256Hex(input);
  return format === 'xgboost-json'
    ? readXGBoostJson(text, { file: options.file ?? 'model.json', iterations: options.iterations ?? 'best', sha256 })
    : readLightGBMText(text, { file: options.file ?? 'model.txt', sha256 });
}

export function treeModelToOnnx(source: TreeModel, options: OnnxWriteOptions = {}): Conversion {
  const { model, info } = writeOnnx(source, options);
  return {
    model,
    source,
    info: {
      ...info,
      format: source.format,
      sourceVersion: source.sourceVersion,
      objective: source.objective,
      task: source.task,
      numFeatures: source.numFeatures,
      numClasses: source.numClasses,
      numTargets: source.numTargets,
      trees: source.trees.length,
      notes: source.notes,
    },
  };
}

/** Read and convert in one step. */
export function convertTreeModel(input: string | Uint8Array, options: ConvertOptions = {}): Conversion {
  return treeModelToOnnx(readTreeModel(input, options), options);
}
