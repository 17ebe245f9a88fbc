import type { ActionDefinition, InputShape } from '@modelgate/core';
import { onnxInspect } from './onnx-inspect.js';
import { modelEval } from './model-eval.js';
import { dataValidate } from './data-validate.js';
import { onnxConvert } from './onnx-convert.js';
import { modelRelease } from './model-release.js';
import { modelReport } from './model-report.js';

/** Every action of the suite, in pipeline order. `actions/<name>/action.yml` is generated from these. */
export const ACTIONS: readonly ActionDefinition<InputShape, string>[] = [
  dataValidate,
  onnxConvert,
  onnxInspect,
  modelEval,
  modelReport,
  modelRelease,
];

export function findAction(name: string): ActionDefinition<InputShape, string> | undefined {
  return ACTIONS.find((action) => action.name === name);
}
