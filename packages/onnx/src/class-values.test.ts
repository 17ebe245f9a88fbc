/** labelClassValues: which integer label outputs return class values, as skl2onnx lays classifiers out. */
import { describe, expect, it } from 'vitest';
import { argMaxOutputs, labelClassValues } from './class-values.js';
import { createTensor, decodeModelProto, encodeModelProto } from './proto/codec.js';
import { DataType, type NodeProto, type TensorProto } from './proto/types.js';
import { attr, graph, info, model, node } from './test-models.js';
import { float32Tensor, int64Tensor } from './tensor.js';

const ML = 'ai.onnx.ml';

/** x[N, 2] → `nodes` → the outputs; encoded and decoded, as model-eval reads a file. */
function classifier(nodes: NodeProto[], outputs: [string, number][], initializer: TensorProto[] = []) {
  const proto = model(graph({ name: 'g', node: nodes, input: [info('x', DataType.FLOAT, ['N', 2])], output: outputs.map(([name, type]) => info(name, type, ['N'])), initializer }), { '': 15, [ML]: 1 });
  return decodeModelProto(encodeModelProto(proto));
}

describe('labelClassValues', () => {
  it("LinearClassifier's classlabels_ints, through skl2onnx's Cast and Reshape", () => {
    const linear = node('LinearClassifier', ['x'], ['raw_label', 'scores'], [attr.floats('coefficients', [1, 0, 0, 1]), attr.floats('intercepts', [0, 0]), attr.ints('classlabels_ints', [1, 2])], ML);
    const proto = classifier([linear, node('Cast', ['raw_label'], ['as_float'], [attr.int('to', DataType.FLOAT)]), node('Reshape', ['as_float', 'shape'], ['flat']), node('Cast', ['flat'], ['label'], [attr.int('to', DataType.INT64)])], [['label', DataType.INT64]], [int64Tensor('shape', [1], [-1])]);
    expect(labelClassValues(proto)).toEqual({ label: ['1', '2'] });
  });

  it("TreeEnsembleClassifier's classlabels_int64s; its score output and a string label are not labels of values", () => {
    const trees = node('TreeEnsembleClassifier', ['x'], ['label', 'scores'], [attr.ints('classlabels_int64s', [3, 5, 9])], ML);
    expect(labelClassValues(classifier([trees], [['label', DataType.INT64], ['scores', DataType.FLOAT]]))).toEqual({ label: ['3', '5', '9'] });
    const strings = node('LinearClassifier', ['x'], ['label', 'scores'], [attr.string('classlabels_strings', 'a')], ML);
    expect(labelClassValues(classifier([strings], [['label', DataType.STRING]]))).toEqual({});
  });

  it('an argmax looked up in a constant integer class array (ArrayFeatureExtractor, Gather), exactly past 2^53; a plain ArgMax is positions', () => {
    const argmax = node('ArgMax', ['x'], ['position'], [attr.int('axis', 1), attr.int('keepdims', 0)]);
    const lookup = node('ArrayFeatureExtractor', ['classes', 'position'], ['label'], [], ML);
    const int32Classes = createTensor({ name: 'classes', dims: [2], data_type: DataType.INT32, int32_data: [-1, 7] });
    expect(labelClassValues(classifier([argmax, lookup], [['label', DataType.INT64]], [int32Classes]))).toEqual({ label: ['-1', '7'] });
    const raw = new Uint8Array(16);
    new DataView(raw.buffer).setBigInt64(0, 2n ** 53n, true);
    new DataView(raw.buffer).setBigInt64(8, 2n ** 53n + 1n, true);
    const constant = node('Constant', [], ['classes'], [attr.tensor('value', createTensor({ name: '', dims: [2], data_type: DataType.INT64, raw_data: raw }))]);
    expect(labelClassValues(classifier([argmax, constant, node('Gather', ['classes', 'position'], ['label'])], [['label', DataType.INT64]]))).toEqual({ label: ['9007199254740992', '9007199254740993'] });
    // A plain ArgMax returns positions; a float array is not a list of integer classes.
    expect(labelClassValues(classifier([node('ArgMax', ['x'], ['label'], [attr.int('axis', 1), attr.int('keepdims', 0)])], [['label', DataType.INT64]]))).toEqual({});
    expect(labelClassValues(classifier([argmax, lookup], [['label', DataType.INT64]], [float32Tensor('classes', [2], [0.5, 1.5])]))).toEqual({});
  });
});

describe('argMaxOutputs', () => {
  it('an ArgMax label through a Cast is positions; one looked up in a class array is not', () => {
    const argmax = node('ArgMax', ['x'], ['position'], [attr.int('axis', 1), attr.int('keepdims', 0)]);
    expect(argMaxOutputs(classifier([argmax, node('Cast', ['position'], ['label'], [attr.int('to', DataType.INT64)])], [['label', DataType.INT64]]))).toEqual(new Set(['label']));
    const lookup = node('ArrayFeatureExtractor', ['classes', 'position'], ['label'], [], ML);
    expect(argMaxOutputs(classifier([argmax, lookup], [['label', DataType.INT64]], [int64Tensor('classes', [2], [1, 2])]))).toEqual(new Set());
  });
});
