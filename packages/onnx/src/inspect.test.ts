import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { diffFigures, evaluateBudgets, runtimeLimits } from './budgets.js';
import { inspectModel } from './inspect.js';
import { encodeModelProto } from './proto/codec.js';
import { float32Tensor } from './tensor.js';
import { info, linearModel } from './test-models.js';

const source = { path: 'm.onnx', sha256: 'a'.repeat(64), fileBytes: 1000, externalBytes: 0 };

describe('inspectModel', () => {
  it('counts parameters once per stored tensor and leaves out shape arguments', async () => {
    const model = linearModel();
    // The model is real: onnxruntime runs it.
    const session = await ort.InferenceSession.create(encodeModelProto(model));
    const out = await session.run({ x: new ort.Tensor('float32', new Float32Array(8).fill(1), [2, 4]) });
    expect(out['y']!.dims).toEqual([2, 3]);

    const figures = inspectModel(model, source);
    expect(figures.parameters).toBe(12 + 3 + 3); // W, b, the Constant's tensor
    expect(figures.excluded_shape_tensors).toEqual({ tensors: 1, elements: 2 }); // Reshape's shape
    expect(figures.initializer_bytes_by_dtype).toEqual({ float32: 18 * 4, int64: 16 });
    expect(figures.nodes).toBe(5);
    expect(figures.ops).toEqual([
      { domain: 'ai.onnx', op_type: 'Add', count: 1 },
      { domain: 'ai.onnx', op_type: 'Constant', count: 1 },
      { domain: 'ai.onnx', op_type: 'MatMul', count: 1 },
      { domain: 'ai.onnx', op_type: 'Mul', count: 1 },
      { domain: 'ai.onnx', op_type: 'Reshape', count: 1 },
    ]);
    expect(figures.opsets).toEqual([{ domain: 'ai.onnx', version: 15 }]);
    expect(figures.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['N', 4] }]);
    expect(figures.bytes).toEqual({ file: 1000, external: 0, total: 1000 });
    expect(figures.producer).toEqual({ name: 'modelgate-tests', version: '' });
  });

  it('does not list initializers that are also graph inputs as inputs (IR ≥ 4)', () => {
    const model = linearModel();
    model.graph!.input = [...model.graph!.input, info('W', 1, [4, 3])];
    expect(inspectModel(model, source).inputs.map((value) => value.name)).toEqual(['x']);
  });
});

describe('budgets', () => {
  const head = inspectModel(linearModel(), { ...source, fileBytes: 1100 });
  const base = inspectModel(linearModel(), source);

  it('reports every figure with Δ and Δ% against the base', () => {
    const bigger = linearModel();
    bigger.graph!.initializer = [...bigger.graph!.initializer, float32Tensor('extra', [10], new Array(10).fill(0))];
    bigger.graph!.node = [...bigger.graph!.node];
    bigger.opset_import = [{ domain: '', version: 17 }, { domain: 'ai.onnx.ml', version: 3 }];
    const { diff, opsAdded, opsRemoved } = diffFigures(base, inspectModel(bigger, { ...source, fileBytes: 1100 }));
    expect(diff.find((row) => row.figure === 'bytes.total')).toEqual({ figure: 'bytes.total', base: 1000, head: 1100, delta: 100, delta_pct: 0.1 });
    expect(diff.find((row) => row.figure === 'parameters')).toEqual({ figure: 'parameters', base: 18, head: 28, delta: 10, delta_pct: 10 / 18 });
    expect(diff.find((row) => row.figure === 'opset.ai.onnx.ml')).toEqual({ figure: 'opset.ai.onnx.ml', base: null, head: 3, delta: null, delta_pct: null });
    expect(opsAdded).toEqual([]);
    expect(opsRemoved).toEqual([]);
  });

  it('fails each budget with the numbers that decided it', () => {
    const results = evaluateBudgets(head, base, { maxBytes: 1050, maxParameters: 17, maxGrowth: 0.05, allowedOps: ['MatMul', 'Add', 'Reshape', 'Constant'], maxOpset: 13 });
    expect(results.map((result) => [result.name, result.passed, result.message])).toEqual([
      ['max_bytes', false, 'model is 1.07 KiB (1100 bytes), budget 1.03 KiB (1050 bytes)'],
      ['max_parameters', false, '18 parameters, budget 17'],
      ['max_growth', false, 'model grew 10.0% (1000 B → 1.07 KiB), budget 5.0%'],
      ['allowed_ops', false, 'operators not allowed: ai.onnx:Mul'],
      ['max_opset', false, 'ai.onnx opset 15, budget 13'],
    ]);
    const passing = evaluateBudgets(head, base, { maxBytes: 1100, maxParameters: 18, maxGrowth: 0.1, allowedOps: ['MatMul', 'Add', 'Reshape', 'Constant', 'ai.onnx:Mul'], maxOpset: 15 });
    expect(passing.every((result) => result.passed)).toBe(true);
  });

  it('skips growth without a base instead of failing', () => {
    expect(evaluateBudgets(head, undefined, { maxGrowth: 0.1 })).toEqual([
      { name: 'max_growth', limit: '10.0%', actual: '', passed: true, skipped: 'no base model to compare with', message: 'growth not checked: no base model' },
    ]);
  });

  it('checks a target runtime against the limits probed from real onnxruntime releases', () => {
    const limits = runtimeLimits('onnxruntime 1.14');
    expect(limits.version).toMatch(/^1\.14\./);
    const old = { ...head, ir_version: limits.max_ir_version + 1 };
    const [result] = evaluateBudgets(old, undefined, { targetRuntime: 'onnxruntime 1.14' });
    expect(result?.passed).toBe(false);
    expect(result?.message).toBe(`onnxruntime ${limits.version} cannot load it: IR version ${limits.max_ir_version + 1} > ${limits.max_ir_version}`);
    expect(evaluateBudgets(head, undefined, { targetRuntime: 'ort 1.30' })[0]?.passed).toBe(true);
    expect(() => runtimeLimits('onnxruntime 1.2')).toThrow(/target-runtime 'onnxruntime 1.2': modelgate knows onnxruntime 1.14/);
    expect(() => runtimeLimits('tensorrt 8')).toThrow("target-runtime 'tensorrt 8' is not understood; expected e.g. 'onnxruntime 1.17'");
  });
});
