import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from './model-io.js';
import { createModel } from './proto/codec.js';
import { nonTensorOutputs, PROBABILITY_LABELS_KEY, stripZipMap } from './zipmap.js';

const fixtures = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'onnx');
const bytes = readFileSync(join(fixtures, 'income_linear_zipmap.onnx'));
interface Column {
  dtype: 'float32' | 'string';
  shape: number[];
  data: (number | string)[][];
}
const expected = JSON.parse(readFileSync(join(fixtures, 'income_linear_zipmap.expected.json'), 'utf8')) as {
  inputs: Record<string, Column>;
  outputs: { output_label: { data: string[] }; output_probability: { data: Record<string, number>[] } };
};

function feeds(): Record<string, ort.Tensor> {
  return Object.fromEntries(
    Object.entries(expected.inputs).map(([name, column]) => {
      const flat = column.data.map((row) => row[0]!);
      return [name, column.dtype === 'string' ? new ort.Tensor('string', flat as string[], column.shape) : new ort.Tensor('float32', Float32Array.from(flat as number[]), column.shape)];
    }),
  );
}

describe('stripZipMap', () => {
  it('the skl2onnx-style model cannot return its probabilities in onnxruntime-node as is', async () => {
    const model = decodeModel(bytes, 'income_linear_zipmap.onnx');
    expect(nonTensorOutputs(model).map((output) => output.name)).toEqual(['output_probability']);
    const session = await ort.InferenceSession.create(bytes);
    await expect(session.run(feeds(), ['output_probability'])).rejects.toThrow(/Non tensor type is temporarily not supported/);
  });

  it('exposes the probability tensor under the same output name, labels recorded, and matches the oracle', async () => {
    const original = decodeModel(bytes, 'income_linear_zipmap.onnx');
    const before = encodeModel(original);
    const { model, stripped } = stripZipMap(original);
    expect(Buffer.compare(Buffer.from(encodeModel(original)), Buffer.from(before))).toBe(0); // input untouched
    expect(stripped).toEqual({ output_probability: ['<=50K', '>50K'] });
    expect(model.graph!.node.some((node) => node.op_type === 'ZipMap')).toBe(false);
    expect(nonTensorOutputs(model)).toEqual([]);
    expect(model.metadata_props.find((entry) => entry.key === PROBABILITY_LABELS_KEY)?.value).toBe('{"output_probability":["<=50K",">50K"]}');

    const session = await ort.InferenceSession.create(encodeModel(model));
    const out = await session.run(feeds());
    expect(out['output_probability']!.dims).toEqual([50, 2]);
    expect(out['output_label']!.data).toEqual(expected.outputs.output_label.data);
    const probabilities = out['output_probability']!.data as Float32Array;
    let maxDiff = 0;
    expected.outputs.output_probability.data.forEach((row, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(probabilities[i * 2]! - row['<=50K']!), Math.abs(probabilities[i * 2 + 1]! - row['>50K']!));
    });
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it('records integer class keys exactly, past 2^53 too', () => {
    const keys = ['1', '9007199254740992', '9007199254740993'];
    const zipMap = { op_type: 'ZipMap', domain: 'ai.onnx.ml', input: ['p'], output: ['output_probability'], attribute: [{ name: 'classlabels_int64s', type: 7, ints: keys }] };
    const proto = createModel({
      ir_version: 8,
      opset_import: [{ domain: '', version: 15 }, { domain: 'ai.onnx.ml', version: 1 }],
      graph: {
        name: 'g',
        node: [{ op_type: 'Identity', input: ['x'], output: ['p'] }, zipMap],
        input: [{ name: 'x', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'N' }, { dim_value: 3 }] } } } }],
        output: [{ name: 'output_probability', type: { sequence_type: { elem_type: { map_type: { key_type: 7, value_type: { tensor_type: { elem_type: 1 } } } } } } }],
      },
    } as never);
    expect(stripZipMap(decodeModel(encodeModel(proto), 'int64-keys.onnx')).stripped).toEqual({ output_probability: keys });
  });

  it('leaves a model without ZipMap unchanged', () => {
    const mlp = decodeModel(readFileSync(join(fixtures, 'income_mlp.onnx')), 'income_mlp.onnx');
    const { model, stripped } = stripZipMap(mlp);
    expect(stripped).toEqual({});
    expect(Buffer.compare(Buffer.from(encodeModel(model)), Buffer.from(encodeModel(mlp)))).toBe(0);
  });
});
