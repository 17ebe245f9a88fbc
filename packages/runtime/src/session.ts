import { errorMessage, InputDataError, oneLine } from '@modelgate/core';
import type { InferenceSession, OnnxValue } from 'onnxruntime-node';
import type { OrtModule, OrtTensor, OrtValueMetadata } from './types.js';

export interface SessionOptions {
  /** Name used in error messages and annotations (the model's path as the user wrote it). */
  name?: string;
  /** Threads inside one operator; default: onnxruntime's choice (all cores). 1 for reproducible timing. */
  intraOpThreads?: number;
  /** onnxruntime log severity: 0 verbose … 4 fatal. Default 3 (errors only), so warnings do not flood the log. */
  logSeverity?: 0 | 1 | 2 | 3 | 4;
}

export type Feeds = Record<string, OrtTensor>;
export type Outputs = Record<string, OnnxValue>;

/** A loaded model: its I/O description and a run() whose failures are one-line InputDataErrors. */
export interface ModelSession {
  readonly name: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Per input: name, isTensor, and for tensors `type` ('float32', 'int64', …) and `shape` (numbers, or strings for symbolic dims). */
  readonly inputMetadata: readonly OrtValueMetadata[];
  readonly outputMetadata: readonly OrtValueMetadata[];
  /** Run with `feeds`; fetch `outputNames` (default: all outputs). */
  run(feeds: Feeds, outputNames?: readonly string[]): Promise<Outputs>;
  release(): Promise<void>;
}

/** Create an onnxruntime session from model bytes (CPU execution provider). */
export async function createSession(ort: OrtModule, modelBytes: Uint8Array, options: SessionOptions = {}): Promise<ModelSession> {
  const name = options.name ?? 'model';
  const sessionOptions: InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    logSeverityLevel: options.logSeverity ?? 3,
    ...(options.intraOpThreads !== undefined ? { intraOpNumThreads: options.intraOpThreads } : {}),
  };
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelBytes, sessionOptions);
  } catch (error) {
    throw new InputDataError(`onnxruntime cannot load the model: ${describeOrtError(error)}`, { file: name });
  }
  return new OrtModelSession(name, session);
}

class OrtModelSession implements ModelSession {
  constructor(
    readonly name: string,
    private readonly session: InferenceSession,
  ) {}

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }
  get inputMetadata(): readonly OrtValueMetadata[] {
    return this.session.inputMetadata;
  }
  get outputMetadata(): readonly OrtValueMetadata[] {
    return this.session.outputMetadata;
  }

  async run(feeds: Feeds, outputNames?: readonly string[]): Promise<Outputs> {
    const missing = this.inputNames.filter((input) => !(input in feeds));
    if (missing.length > 0) throw new InputDataError(`missing model input${missing.length > 1 ? 's' : ''} ${missing.map((n) => `'${n}'`).join(', ')}`, { file: this.name });
    const unknownInputs = Object.keys(feeds).filter((input) => !this.inputNames.includes(input));
    if (unknownInputs.length > 0) {
      throw new InputDataError(`the model has no input ${unknownInputs.map((n) => `'${n}'`).join(', ')} (inputs: ${this.inputNames.join(', ')})`, { file: this.name });
    }
    const unknownOutputs = (outputNames ?? []).filter((output) => !this.outputNames.includes(output));
    if (unknownOutputs.length > 0) {
      throw new InputDataError(`the model has no output ${unknownOutputs.map((n) => `'${n}'`).join(', ')} (outputs: ${this.outputNames.join(', ')})`, { file: this.name });
    }
    try {
      return outputNames ? await this.session.run(feeds, [...outputNames]) : await this.session.run(feeds);
    } catch (error) {
      throw new InputDataError(`onnxruntime failed to run the model: ${describeOrtError(error)}`, { file: this.name });
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * onnxruntime messages look like `[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Got invalid
 * dimensions for input: …` (sometimes over several lines); keep the informative part on one line.
 */
export function describeOrtError(error: unknown): string {
  return oneLine(errorMessage(error))
    .replace(/^\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*/, '')
    .replace(/^Error:\s*/, '');
}
