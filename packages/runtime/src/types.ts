import { ModelgateError } from '@modelgate/core';
// Types only: onnxruntime-node is never imported at runtime by modelgate's own code (it is
// provisioned and loaded with createRequire, so the bundle never contains it).
import type { Env, InferenceSession, Tensor } from 'onnxruntime-node';

/** The part of onnxruntime-node's API modelgate uses (typed from onnxruntime-common's d.ts). */
export interface OrtModule {
  InferenceSession: typeof InferenceSession;
  Tensor: typeof Tensor;
  env: Env;
}

export type OrtTensor = Tensor;
export type OrtSession = InferenceSession;
export type OrtValueMetadata = InferenceSession.ValueMetadata;
export type OrtTensorType = Tensor.Type;

/**
 * A cache that outlives the job (the action host implements it with @actions/cache; the CLI
 * has none). `restore` returns whether `dir` was filled from the key.
 */
export interface ToolCache {
  restore(key: string, dir: string): Promise<boolean>;
  save(key: string, dir: string): Promise<void>;
}

/**
 * onnxruntime could not be provisioned for a reason outside modelgate (network, registry,
 * integrity, unsupported platform). A user-facing one-line error, exit 1.
 */
export class RuntimeUnavailableError extends ModelgateError {
  override readonly name = 'RuntimeUnavailableError';
  readonly exitCode = 1;
}
