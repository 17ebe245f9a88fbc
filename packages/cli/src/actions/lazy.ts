/**
 * Every action definition by name, imported on first use. The bundler splits each into a chunk of
 * its own, so a step or a CLI command loads only what it runs: data-validate starts without the
 * GitHub client, protobuf and HTTP stacks the other actions need (`--version` took 0.28 s with
 * everything loaded, 0.17 s without).
 * Nothing that the bundle's entry imports may import the actions statically, or the split is lost.
 */
import type { ActionDefinition, InputShape } from '@modelgate/core';

export type AnyAction = ActionDefinition<InputShape, string>;

export const ACTION_LOADERS: Readonly<Record<string, () => Promise<AnyAction>>> = {
  'data-validate': async () => (await import('./data-validate.js')).dataValidate,
  'infer-schema': async () => (await import('./data-validate.js')).inferSchemaCommand,
  'onnx-convert': async () => (await import('./onnx-convert.js')).onnxConvert,
  'onnx-inspect': async () => (await import('./onnx-inspect.js')).onnxInspect,
  optimize: async () => (await import('./optimize.js')).optimize,
  'model-eval': async () => (await import('./model-eval.js')).modelEval,
  'model-report': async () => (await import('./model-report.js')).modelReport,
  'model-release': async () => (await import('./model-release.js')).modelRelease,
  demo: async () => (await import('../demo.js')).demo,
};

export async function loadAction(name: string): Promise<AnyAction | undefined> {
  return Object.hasOwn(ACTION_LOADERS, name) ? ACTION_LOADERS[name]!() : undefined;
}
