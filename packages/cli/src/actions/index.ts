import type { ActionDefinition, InputShape } from '@modelgate/core';
import { notYetAvailable } from './not-available.js';
import { onnxInspect } from './onnx-inspect.js';
import { modelEval } from './model-eval.js';
import { dataValidate } from './data-validate.js';
import { onnxConvert } from './onnx-convert.js';

/** Every action of the suite, in pipeline order. `actions/<name>/action.yml` is generated from these. */
export const ACTIONS: readonly ActionDefinition<InputShape, string>[] = [
  dataValidate,
  onnxConvert,
  onnxInspect,
  modelEval,
  notYetAvailable({
    name: 'model-report',
    title: 'modelgate model-report',
    description: 'Post a model card and a metric diff as one sticky PR comment, a check run with annotations, and the job summary.',
    branding: { icon: 'message-square', color: 'orange' },
  }),
  notYetAvailable({
    name: 'model-release',
    title: 'modelgate model-release',
    description: 'Version the model and push it with its card, metrics, schema and lineage as an OCI artifact and/or a GitHub Release.',
    branding: { icon: 'package', color: 'gray-dark' },
  }),
];

export function findAction(name: string): ActionDefinition<InputShape, string> | undefined {
  return ACTIONS.find((action) => action.name === name);
}
