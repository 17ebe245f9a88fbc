/**
 * TreeModel → ONNX ModelProto.
 *
 *   input float32 [N, F] → ai.onnx.ml TreeEnsembleRegressor (post_transform NONE) → margin [N, K]
 *   binary:      p1 = Sigmoid(k·margin), probabilities = Concat(1 - p1, p1), label = ArgMax(probabilities)
 *   multiclass:  probabilities = Softmax(margin) (or Sigmoid per class for LightGBM multiclassova),
 *                label = ArgMax(margin)
 *   regression:  variable = Identity / Sigmoid / Exp / margin·|margin| / Softplus of margin
 *
 * The transforms are explicit nodes rather than the ensemble's post_transform, which several
 * onnxruntime versions ignore for single-target ensembles. Classifier outputs are `label` int64
 * [N] and `probabilities` float32 [N, C] (no ZipMap); regressors output `variable` float32 [N, K].
 */
import { createMessage, createModel, float32Tensor, AttributeType, DataType } from '@modelgate/onnx';
import type { AttributeProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from '@modelgate/onnx';
import { ConfigurationError } from '@modelgate/core';
import { DEFAULT_MAX_NODES, emitEnsemble } from './emit.js';
import type { TreeModel } from './model.js';

export const CONVERTER_VERSION = '0.1.0';
export const DEFAULT_OPSET = { onnx: 15, ml: 3 } as const;
const ML = 'ai.onnx.ml';

export interface OnnxWriteOptions {
  /** Default opset ('' domain) 15 and ai.onnx.ml 3; a number sets the default domain only. */
  targetOpset?: number | { onnx?: number; ml?: number };
  /** Also output the raw scores as `margin` float32 [N, K]. */
  outputMargin?: boolean;
  /** metadata `converter` value; default 'modelgate <version>'. */
  converter?: string;
  /** Upper bound on ensemble nodes (categorical splits copy subtrees). */
  maxNodes?: number;
}

export interface OnnxWriteInfo {
  opset: { onnx: number; ml: number };
  irVersion: number;
  /** TreeEnsembleRegressor nodes (branches + leaves). */
  ensembleNodes: number;
  inputs: string[];
  outputs: string[];
}

/** IR version that goes with a default-domain opset (onnx/helper.py VERSION_TABLE). */
function irFor(opset: number): number {
  if (opset <= 17) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}

export function resolveOpset(target: OnnxWriteOptions['targetOpset']): { onnx: number; ml: number } {
  const wanted = typeof target === 'number' ? { onnx: target } : target ?? {};
  const onnx = wanted.onnx ?? DEFAULT_OPSET.onnx;
  const ml = wanted.ml ?? DEFAULT_OPSET.ml;
  if (!Number.isInteger(onnx) || onnx < 9 || onnx > 23) throw new ConfigurationError(`targetOpset.onnx is ${onnx}; expected an integer from 9 to 23`, { field: 'targetOpset.onnx' });
  if (!Number.isInteger(ml) || ml < 1 || ml > 4) {
    throw new ConfigurationError(`targetOpset.ml is ${ml}; expected 1–4 (TreeEnsembleRegressor is deprecated from ai.onnx.ml 5 in favour of TreeEnsemble, which this converter does not write yet)`, { field: 'targetOpset.ml' });
  }
  return { onnx, ml };
}

const encoder = new TextEncoder();
const attribute = {
  int: (name: string, i: number) => createMessage<AttributeProto>('AttributeProto', { name, type: AttributeType.INT, i }),
  ints: (name: string, ints: number[]) => createMessage<AttributeProto>('AttributeProto', { name, type: AttributeType.INTS, ints }),
  floats: (name: string, floats: number[]) => createMessage<AttributeProto>('AttributeProto', { name, type: AttributeType.FLOATS, floats }),
  string: (name: string, s: string) => createMessage<AttributeProto>('AttributeProto', { name, type: AttributeType.STRING, s: encoder.encode(s) }),
  strings: (name: string, values: string[]) => {
    const cache = new Map<string, Uint8Array>();
    const strings = values.map((value) => cache.get(value) ?? cache.set(value, encoder.encode(value)).get(value)!);
    return createMessage<AttributeProto>('AttributeProto', { name, type: AttributeType.STRINGS, strings });
  },
};

function op(opType: string, input: string[], output: string[], attributes: AttributeProto[] = [], domain?: string): NodeProto {
  const fields: Partial<NodeProto> = { op_type: opType, name: `${opType}_${output[0]}`, input, output, attribute: attributes };
  if (domain) fields.domain = domain;
  return createMessage<NodeProto>('NodeProto', fields);
}

function value(name: string, elem: DataType, dims: (number | string)[]): ValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
  return createMessage<ValueInfoProto>('ValueInfoProto', { name, type: { tensor_type: { elem_type: elem, shape: { dim } } } });
}

export function writeOnnx(model: TreeModel, options: OnnxWriteOptions = {}): { model: ModelProto; info: OnnxWriteInfo } {
  const opset = resolveOpset(options.targetOpset);
  const k = model.numTargets;
  const arrays = emitEnsemble(model, options.maxNodes ?? DEFAULT_MAX_NODES);
  const ensembleAttributes = [
    attribute.int('n_targets', k),
    attribute.string('aggregate_function', 'SUM'),
    attribute.string('post_transform', 'NONE'),
    ...Object.entries(arrays).map(([name, values]) =>
      name === 'nodes_modes' ? attribute.strings(name, values as string[]) : name === 'nodes_values' || name === 'target_weights' ? attribute.floats(name, values as number[]) : attribute.ints(name, values as number[]),
    ),
  ];
  if (model.baseMargin.some((b) => b !== 0)) ensembleAttributes.push(attribute.floats('base_values', model.baseMargin));

  const nodes: NodeProto[] = [op('TreeEnsembleRegressor', ['input'], ['margin'], ensembleAttributes, ML)];
  const initializers: TensorProto[] = [];
  const outputs: ValueInfoProto[] = [];
  const scaled = (): string => {
    if (model.sigmoidScale === 1) return 'margin';
    initializers.push(float32Tensor('sigmoid_scale', [1], [model.sigmoidScale]));
    nodes.push(op('Mul', ['margin', 'sigmoid_scale'], ['scaled_margin']));
    return 'scaled_margin';
  };
  if (model.task === 'binary') {
    initializers.push(float32Tensor('one', [1], [1]));
    nodes.push(
      op('Sigmoid', [scaled()], ['p1']),
      op('Sub', ['one', 'p1'], ['p0']),
      op('Concat', ['p0', 'p1'], ['probabilities'], [attribute.int('axis', 1)]),
      op('ArgMax', ['probabilities'], ['label'], [attribute.int('axis', 1), attribute.int('keepdims', 0)]),
    );
    outputs.push(value('label', DataType.INT64, ['N']), value('probabilities', DataType.FLOAT, ['N', 2]));
  } else if (model.task === 'multiclass') {
    nodes.push(
      model.transform === 'softmax' ? op('Softmax', ['margin'], ['probabilities'], [attribute.int('axis', 1)]) : op('Sigmoid', [scaled()], ['probabilities']),
      op('ArgMax', ['margin'], ['label'], [attribute.int('axis', 1), attribute.int('keepdims', 0)]),
    );
    outputs.push(value('label', DataType.INT64, ['N']), value('probabilities', DataType.FLOAT, ['N', k]));
  } else {
    switch (model.transform) {
      case 'sigmoid':
        nodes.push(op('Sigmoid', [scaled()], ['variable']));
        break;
      case 'exp':
        nodes.push(op('Exp', ['margin'], ['variable']));
        break;
      case 'softplus':
        nodes.push(op('Softplus', ['margin'], ['variable']));
        break;
      case 'signed-square':
        nodes.push(op('Abs', ['margin'], ['abs_margin']), op('Mul', ['margin', 'abs_margin'], ['variable']));
        break;
      default:
        nodes.push(op('Identity', ['margin'], ['variable']));
    }
    outputs.push(value('variable', DataType.FLOAT, ['N', k]));
  }
  const marginInfo = value('margin', DataType.FLOAT, ['N', k]);
  if (options.outputMargin) outputs.push(marginInfo);

  const metadata: [string, string][] = [
    ['source_format', model.format],
    ['source_sha256', model.sha256],
    ['source_version', model.sourceVersion],
    ['source_objective', model.objective],
    ['converter', options.converter ?? `modelgate ${CONVERTER_VERSION}`],
  ];
  if (model.featureNames) metadata.push(['feature_names', model.featureNames.join(',')]);
  if (model.classLabels) metadata.push(['class_labels', model.classLabels.join(',')]);
  const graph = createMessage('GraphProto', {
    name: 'modelgate_convert',
    node: nodes,
    input: [value('input', DataType.FLOAT, ['N', model.numFeatures])],
    output: outputs,
    initializer: initializers,
    value_info: options.outputMargin ? [] : [marginInfo],
  });
  const irVersion = irFor(opset.onnx);
  const proto = createModel({
    ir_version: irVersion,
    producer_name: 'modelgate',
    producer_version: CONVERTER_VERSION,
    opset_import: [{ domain: '', version: opset.onnx }, { domain: ML, version: opset.ml }],
    graph,
    metadata_props: metadata.map(([key, v]) => ({ key, value: v })),
  } as Partial<ModelProto>);
  return {
    model: proto,
    info: { opset, irVersion, ensembleNodes: arrays.nodes_nodeids.length, inputs: ['input'], outputs: outputs.map((o) => o.name!) },
  };
}
