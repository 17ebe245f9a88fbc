import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { InputDataError } from '@modelgate/core';
import { assertValidModel, checkModel, type CheckProblem } from './checker.js';
import { createModel, decodeModelProto, encodeModelProto } from './proto/codec.js';
import { AttributeType, DataType, type AttributeProto, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto/types.js';
import { float32Tensor } from './tensor.js';

const value = (name: string, elem_type: number = DataType.FLOAT, dims: number[] = [2]): ValueInfoProto =>
  ({ name, type: { tensor_type: { elem_type, shape: { dim: dims.map((dim_value) => ({ dim_value })) } } } }) as ValueInfoProto;
const node = (op_type: string, input: string[], output: string[], extra: Partial<NodeProto> = {}): NodeProto =>
  ({ op_type, input, output, name: `${op_type}_${output[0] ?? 'x'}`, attribute: [], ...extra }) as NodeProto;
const attr = (fields: Partial<AttributeProto>): AttributeProto => fields as AttributeProto;
const graph = (fields: Partial<GraphProto>): GraphProto => ({ name: 'g', node: [], initializer: [], input: [], output: [], ...fields }) as GraphProto;

function model(g: Partial<GraphProto>, extra: Partial<ModelProto> = {}): ModelProto {
  return createModel({ ir_version: 8, opset_import: [{ domain: '', version: 13 }], graph: graph(g), ...extra });
}

/** x[2] → Add(x, b) → Relu → y[2]: valid. */
function valid(extra: Partial<ModelProto> = {}): ModelProto {
  return model(
    { node: [node('Add', ['x', 'b'], ['s']), node('Relu', ['s'], ['y'])], initializer: [float32Tensor('b', [2], [1, 2])], input: [value('x')], output: [value('y')] },
    extra,
  );
}

const errors = (problems: CheckProblem[]): string[] => problems.filter((p) => p.severity === 'error').map((p) => `${p.where}: ${p.message}`);
const warnings = (problems: CheckProblem[]): string[] => problems.filter((p) => p.severity === 'warning').map((p) => `${p.where}: ${p.message}`);

describe('checkModel: model level', () => {
  it('accepts a valid model, also after an encode/decode round trip, and onnxruntime runs it', async () => {
    expect(checkModel(valid())).toEqual([]);
    const bytes = encodeModelProto(valid());
    expect(checkModel(decodeModelProto(bytes))).toEqual([]);
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([-5, 1]), [2]) });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([0, 3]);
  });

  it('requires a known ir_version', () => {
    expect(errors(checkModel(valid({ ir_version: undefined })))).toEqual(['model: ir_version is missing; expected the IR version the model was written for (e.g. 8)']);
    expect(errors(checkModel(valid({ ir_version: 99 })))).toEqual(['model: ir_version 99 is not a known IR version (expected 1–11)']);
  });

  it('requires the default domain from IR 3 and refuses duplicate domains (ai.onnx = "")', () => {
    expect(errors(checkModel(valid({ opset_import: [{ domain: 'ai.onnx.ml', version: 3 }] })))).toEqual([
      "model.opset_import: has no entry for the default domain ('' or 'ai.onnx'); IR version 3 and later models must import it",
    ]);
    expect(errors(checkModel(valid({ opset_import: [{ domain: '', version: 13 }, { domain: 'ai.onnx', version: 13 }] })))).toEqual([
      "model.opset_import[1]: imports domain '' (ai.onnx) again (first at model.opset_import[0]); each domain may be imported once ('' and 'ai.onnx' are the same domain)",
    ]);
    expect(errors(checkModel(valid({ opset_import: [{ domain: 'ai.onnx', version: 13 }] })))).toEqual([]);
    expect(errors(checkModel(valid({ opset_import: [{ domain: '', version: 0 }] })))).toEqual([
      "model.opset_import[0]: domain '' (ai.onnx) has version 0; expected a positive integer",
    ]);
  });

  it('refuses opset_import before IR 3 and duplicate metadata keys', () => {
    const ir2 = valid({ ir_version: 2 });
    ir2.graph!.input.push(value('b'));
    expect(errors(checkModel(ir2))).toEqual(['model.opset_import: is set, but IR version 2 models cannot import opsets (opset_import came with IR 3)']);
    ir2.opset_import = [];
    expect(checkModel(ir2)).toEqual([]);
    const meta = valid({ metadata_props: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] });
    expect(errors(checkModel(meta))).toEqual(["model.metadata_props[1]: repeats the key 'a'; metadata keys must be unique"]);
  });

  it('requires an opset import for every domain a node uses, once per domain', () => {
    const m = model({ node: [node('Foo', ['x'], ['a'], { domain: 'com.acme' }), node('Foo', ['a'], ['y'], { domain: 'com.acme' })], input: [value('x')], output: [value('y')] });
    expect(errors(checkModel(m))).toEqual([
      "graph.node[0] 'Foo_a' (Foo): uses domain 'com.acme', which the model's opset_import does not import (reported once per domain)",
    ]);
  });

  it('assertValidModel throws the first error as one InputDataError line; warnings pass', () => {
    const broken = model({ node: [node('Relu', ['nope'], ['y'])], input: [value('x')], output: [value('y')] });
    let thrown: unknown;
    try {
      assertValidModel(broken, 'models/m.onnx');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputDataError);
    expect((thrown as InputDataError).message).toBe(
      "graph.node[0] 'Relu_y' (Relu): input 'nope' is not a graph input, an initializer, an outer-scope value or the output of an earlier node",
    );
    expect((thrown as InputDataError).location).toEqual({ file: 'models/m.onnx', field: "graph.node[0] 'Relu_y' (Relu)" });
    const twins = model({ node: [node('Relu', ['x'], ['a'], { name: 'n' }), node('Relu', ['a'], ['y'], { name: 'n' })], input: [value('x')], output: [value('y')] });
    expect(warnings(checkModel(twins))).toEqual(["graph.node[1] 'n' (Relu): node name 'n' is also used by graph.node[0]; node names should be unique"]);
    expect(() => assertValidModel(twins, 'm.onnx')).not.toThrow();
  });
});

describe('checkModel: graph structure', () => {
  it('names the later producer when nodes are not topologically sorted', () => {
    const m = model({ node: [node('Relu', ['s'], ['y']), node('Neg', ['x'], ['s'])], input: [value('x')], output: [value('y')] });
    expect(errors(checkModel(m))).toEqual(["graph.node[0] 'Relu_y' (Relu): input 's' is produced by a later node graph.node[1]; nodes must be sorted topologically"]);
  });

  it('accepts an empty input name (omitted optional input) and reports a self-loop', () => {
    const clip = model({ node: [node('Clip', ['x', '', ''], ['y'])], input: [value('x')], output: [value('y')] });
    expect(checkModel(clip)).toEqual([]);
    const loop = model({ node: [node('Add', ['x', 'y'], ['y'])], input: [value('x')], output: [value('y')] });
    expect(errors(checkModel(loop))).toEqual(["graph.node[0] 'Add_y' (Add): consumes its own output 'y'; the graph must be free of cycles"]);
  });

  it('requires every graph output to be produced', () => {
    const m = model({ node: [node('Relu', ['x'], ['y'])], input: [value('x')], output: [value('y'), value('z')] });
    expect(errors(checkModel(m))).toEqual(["graph.output[1] 'z': is not produced: no node outputs 'z' and it is not a graph input or initializer"]);
  });

  it('enforces SSA: a value is defined once', () => {
    const twice = model({ node: [node('Relu', ['x'], ['y']), node('Neg', ['x'], ['y'])], input: [value('x')], output: [value('y')] });
    expect(errors(checkModel(twice))).toEqual(["graph.node[1] 'Neg_y' (Neg): defines 'y', already defined by graph.node[0]; every value must be assigned exactly once (SSA)"]);
    const overInput = model({ node: [node('Relu', ['x'], ['x'])], input: [value('x')], output: [value('x')] });
    expect(errors(checkModel(overInput))).toEqual(["graph.node[0] 'Relu_x' (Relu): defines 'x', already defined by graph.input[0]; every value must be assigned exactly once (SSA)"]);
    const dupInputs = model({ node: [node('Relu', ['x'], ['y'])], input: [value('x'), value('x')], output: [value('y')] });
    expect(errors(checkModel(dupInputs))).toEqual(["graph.input[1] 'x': defines 'x', already defined by graph.input[0]; every value must be assigned exactly once (SSA)"]);
  });

  it('lets IR ≥ 4 initializers also be inputs, and requires that before IR 4', () => {
    const both = valid();
    both.graph!.input.push(value('b'));
    expect(checkModel(both)).toEqual([]);
    expect(errors(checkModel(valid({ ir_version: 3 })))).toEqual([
      "graph.initializer[0] 'b': is not listed in graph.input; before IR version 4 every initializer must also be a graph input",
    ]);
    const ir3 = valid({ ir_version: 3 });
    ir3.graph!.input.push(value('b'));
    expect(checkModel(ir3)).toEqual([]);
  });

  it('requires unique initializer names and typed main-graph inputs/outputs', () => {
    const m = valid();
    m.graph!.initializer.push(float32Tensor('b', [2], [3, 4]));
    m.graph!.input[0] = { name: 'x', metadata_props: [] };
    m.graph!.output[0] = { name: 'y', type: { tensor_type: { elem_type: 0 } }, metadata_props: [] };
    expect(errors(checkModel(m))).toEqual([
      "graph.input[0] 'x': has no type; main-graph inputs and outputs need a type with elem_type set",
      "graph.initializer[1] 'b': initializer name 'b' is not unique (also graph.initializer[0])",
      "graph.output[0] 'y': type.tensor_type.elem_type is not set; expected the element data type",
    ]);
  });
});

describe('checkModel: tensors', () => {
  const withInitializer = (tensor: Partial<TensorProto>): ModelProto =>
    model({ node: [node('Identity', ['t'], ['y'])], initializer: [{ name: 't', dims: [2], ...tensor } as TensorProto], output: [value('y')] });
  const raw = (n: number) => new Uint8Array(n);

  it.each<[string, Partial<TensorProto>, string]>([
    ['unknown data type', { data_type: 99, raw_data: raw(8) }, 'data_type 99 is not a known TensorProto.DataType (expected 1–23)'],
    ['unset data type', { float_data: [1, 2] }, 'data_type is not set; expected a TensorProto.DataType such as 1 (float32)'],
    ['raw_data too short', { data_type: DataType.FLOAT, raw_data: raw(7) }, 'raw_data has 7 bytes; expected 8 for dims [2] of float32'],
    ['typed field too long', { data_type: DataType.FLOAT, float_data: [1, 2, 3] }, 'float_data has 3 values; expected 2 for dims [2] of float32'],
    ['wrong typed field', { data_type: DataType.INT64, float_data: [1, 2] }, 'holds int64 values in float_data; expected int64_data or raw_data'],
    ['two data fields', { data_type: DataType.FLOAT, float_data: [1, 2], raw_data: raw(8) }, 'holds data in raw_data and float_data; expected exactly one data field'],
    ['no data', { data_type: DataType.FLOAT }, 'has no data: dims [2] need 2 float32 element(s) in float_data or raw_data'],
    ['string in raw_data', { data_type: DataType.STRING, raw_data: raw(2) }, 'is a string tensor with raw_data; strings must be stored in string_data'],
    ['external without location', { data_type: DataType.FLOAT, data_location: 1, external_data: [{ key: 'offset', value: '0' }] }, "is stored externally (data_location EXTERNAL) but external_data has no 'location' entry"],
    ['negative dim', { data_type: DataType.FLOAT, dims: [-1], float_data: [] }, 'dims[0] is -1; expected a non-negative integer'],
    ['0 elements with data', { data_type: DataType.FLOAT, dims: [0], float_data: [1] }, 'has 0 elements (dims [0]) but float_data holds data'],
  ])('refuses an initializer with %s', (_, tensor, message) => {
    expect(errors(checkModel(withInitializer(tensor)))).toEqual([`graph.initializer[0] 't': ${message}`]);
  });

  it('packs 4-bit types two per byte and counts complex values twice', () => {
    expect(checkModel(withInitializer({ data_type: DataType.INT4, dims: [3], raw_data: raw(2) }))).toEqual([]);
    expect(errors(checkModel(withInitializer({ data_type: DataType.UINT4, dims: [3], raw_data: raw(3) })))).toEqual([
      "graph.initializer[0] 't': raw_data has 3 bytes; expected 2 for dims [3] of uint4, two 4-bit values per byte",
    ]);
    expect(checkModel(withInitializer({ data_type: DataType.COMPLEX64, float_data: [1, 0, 2, 0] }))).toEqual([]);
    expect(checkModel(withInitializer({ data_type: DataType.FLOAT16, int32_data: [15360, 0] }))).toEqual([]);
    expect(checkModel(withInitializer({ data_type: DataType.STRING, string_data: [raw(1), raw(0)] }))).toEqual([]);
  });
});

describe('checkModel: attributes and subgraphs', () => {
  const withAttributes = (attributes: AttributeProto[], ir = 8): ModelProto =>
    model({ node: [node('LeakyRelu', ['x'], ['y'], { attribute: attributes })], input: [value('x')], output: [value('y')] }, { ir_version: ir });

  it('checks attribute names, types and value fields', () => {
    expect(checkModel(withAttributes([attr({ name: 'alpha', type: AttributeType.FLOAT, f: 0.1 })]))).toEqual([]);
    expect(errors(checkModel(withAttributes([attr({ name: 'alpha', f: 0.1 })])))).toEqual([
      "graph.node[0] 'LeakyRelu_y' (LeakyRelu) attribute 'alpha': has no type (required since IR version 2); its value is in 'f'",
    ]);
    const ir1 = withAttributes([attr({ name: 'alpha', f: 0.1 })], 1);
    ir1.opset_import = [];
    expect(checkModel(ir1)).toEqual([]);
    expect(errors(checkModel(withAttributes([attr({ name: 'alpha', type: AttributeType.INT, f: 0.1 })])))).toEqual([
      "graph.node[0] 'LeakyRelu_y' (LeakyRelu) attribute 'alpha': has type INT but its value is in 'f'; expected 'i'",
    ]);
    expect(errors(checkModel(withAttributes([attr({ name: 'alpha', type: AttributeType.FLOAT, f: 0.1 }), attr({ name: 'alpha', type: AttributeType.FLOAT, f: 0.2 })])))).toEqual([
      "graph.node[0] 'LeakyRelu_y' (LeakyRelu) attribute 'alpha': repeats attribute 'alpha'; attribute names must be unique within a node",
    ]);
    expect(errors(checkModel(withAttributes([attr({ type: AttributeType.FLOAT, f: 0.1 })])))).toEqual(["graph.node[0] 'LeakyRelu_y' (LeakyRelu) attribute [0]: has no name"]);
    expect(errors(checkModel(withAttributes([attr({ name: 'alpha', type: AttributeType.FLOAT, ref_attr_name: 'a' })])))).toEqual([
      "graph.node[0] 'LeakyRelu_y' (LeakyRelu) attribute 'alpha': refers to parent attribute 'a', which only a node inside a function body may do",
    ]);
    expect(warnings(checkModel(withAttributes([attr({ name: 'alpha', type: AttributeType.FLOAT })])))).toEqual([
      "graph.node[0] 'LeakyRelu_y' (LeakyRelu) attribute 'alpha': has type FLOAT but no 'f' value (a proto3 writer may have dropped a default)",
    ]);
  });

  /** If(cond) then: Add(x, outer) else: Neg(x); `outer` comes from the outer graph. */
  function ifModel(thenInput: string, outerLast = false, thenOutput = 't'): ModelProto {
    const branch = (nodes: NodeProto[], out: string): GraphProto => graph({ node: nodes, output: [value(out)] });
    const outer = node('Relu', ['x'], ['outer']);
    const ifNode = node('If', ['cond'], ['y'], {
      attribute: [
        attr({ name: 'then_branch', type: AttributeType.GRAPH, g: branch([node('Add', ['x', thenInput], [thenOutput])], thenOutput) }),
        attr({ name: 'else_branch', type: AttributeType.GRAPH, g: branch([node('Neg', ['x'], ['e'])], 'e') }),
      ],
    });
    return model({ node: outerLast ? [ifNode, outer] : [outer, ifNode], input: [value('cond', DataType.BOOL, []), value('x')], output: [value('y')] });
  }

  it('checks subgraphs with outer-scope visibility (onnxruntime agrees it is valid)', async () => {
    const m = ifModel('outer');
    expect(checkModel(m)).toEqual([]);
    const session = await ort.InferenceSession.create(encodeModelProto(m));
    const out = await session.run({ cond: new ort.Tensor('bool', [true], []), x: new ort.Tensor('float32', Float32Array.from([1, -2]), [2]) });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([2, -2]);
  });

  it('warns when a subgraph initializer shadows an outer name (onnx.checker allows it; onnxruntime then uses the OUTER value)', async () => {
    const m = ifModel('outer');
    m.graph!.node[1]!.attribute[0]!.g!.initializer.push(float32Tensor('x', [2], [10, 20]));
    expect(checkModel(m)).toEqual([
      {
        severity: 'warning',
        where: "graph.node[1].then_branch.initializer[0] 'x'",
        message: "shadows 'x' of the enclosing graph.input[1]; runtimes disagree about which value the subgraph's nodes see",
      },
    ]);
    const session = await ort.InferenceSession.create(encodeModelProto(m));
    const out = await session.run({ cond: new ort.Tensor('bool', [true], []), x: new ort.Tensor('float32', Float32Array.from([1, -2]), [2]) });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([2, -2]); // x + Relu(x) with the outer x, not [11, 20]
  });

  it('reports subgraph inputs that are undefined, outer values defined later, and shadowing', () => {
    expect(errors(checkModel(ifModel('nope')))).toEqual([
      "graph.node[1].then_branch.node[0] 'Add_t' (Add): input 'nope' is not a graph input, an initializer, an outer-scope value or the output of an earlier node",
    ]);
    expect(errors(checkModel(ifModel('outer', true)))).toEqual([
      "graph.node[0].then_branch.node[0] 'Add_t' (Add): input 'outer' is not a graph input, an initializer, an outer-scope value or the output of an earlier node",
    ]);
    expect(errors(checkModel(ifModel('outer', false, 'outer')))).toEqual([
      "graph.node[1].then_branch.node[0] 'Add_outer' (Add): defines 'outer', which the enclosing graph.node[0] already defines; subgraphs must not reuse outer names (SSA)",
    ]);
  });
});

describe('checkModel: functions', () => {
  const fnModel = (fn: Record<string, unknown>, opsets = [{ domain: '', version: 13 }, { domain: 'custom', version: 1 }]): ModelProto =>
    model(
      { node: [node('Twice', ['x'], ['y'], { domain: 'custom', attribute: [attr({ name: 'k', type: AttributeType.FLOAT, f: 2 })] })], input: [value('x')], output: [value('y')] },
      { opset_import: opsets, functions: [{ name: 'Twice', domain: 'custom', input: ['a'], output: ['b'], attribute: ['k'], opset_import: [{ domain: '', version: 13 }], node: [node('Add', ['a', 'a'], ['b'])], ...fn }] } as Partial<ModelProto>,
    );

  it('accepts a valid local function (onnxruntime runs it)', async () => {
    const m = fnModel({});
    expect(checkModel(m)).toEqual([]);
    const session = await ort.InferenceSession.create(encodeModelProto(m));
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2]), [2]) });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([2, 4]);
  });

  it('checks name, domain, opset imports, body order, outputs and ref_attr_name', () => {
    expect(errors(checkModel(fnModel({ domain: '' })))).toEqual(["functions[0] 'Twice': has no domain; expected the domain its callers use (e.g. 'custom')"]);
    expect(errors(checkModel(fnModel({ opset_import: [] })))).toEqual([
      "functions[0].node[0] 'Add_b' (Add): uses domain '' (ai.onnx), which the function 'Twice''s opset_import does not import (reported once per domain)",
    ]);
    expect(errors(checkModel(fnModel({ node: [node('Add', ['a', 'z'], ['b'])] })))).toEqual([
      "functions[0].node[0] 'Add_b' (Add): input 'z' is not a graph input, an initializer, an outer-scope value or the output of an earlier node",
    ]);
    expect(errors(checkModel(fnModel({ output: ['c'] })))).toEqual(["functions[0] 'Twice': output 'c' is not produced by any node of the function and is not a function input"]);
    const ref = [node('Constant', [], ['b'], { attribute: [attr({ name: 'value_float', type: AttributeType.FLOAT, ref_attr_name: 'nope' })] })];
    expect(errors(checkModel(fnModel({ node: ref })))).toEqual([
      "functions[0].node[0] 'Constant_b' (Constant) attribute 'value_float': refers to 'nope', which the function does not declare as an attribute",
    ]);
    const ir7 = fnModel({});
    ir7.ir_version = 7;
    expect(errors(checkModel(ir7))).toEqual([
      'model.functions: model-local functions need IR version 8 or later; the model declares IR 7',
    ]);
    expect(warnings(checkModel(fnModel({ opset_import: [{ domain: '', version: 12 }] })))).toEqual([
      "functions[0] 'Twice': imports domain '' (ai.onnx) version 12 but the model imports version 13; runtimes may reject the mismatch",
    ]);
  });
});

describe('checkModel: scale', () => {
  it('checks a 1M-node chain (speed: bench/scale.bench.ts)', () => {
    const count = 1_000_000;
    const nodes: NodeProto[] = new Array(count);
    for (let i = 0; i < count; i += 1) nodes[i] = { op_type: 'Relu', input: [i === 0 ? 'x' : `v${i - 1}`], output: [i === count - 1 ? 'y' : `v${i}`], attribute: [] } as unknown as NodeProto;
    const big = { ir_version: 8, opset_import: [{ domain: '', version: 13 }], graph: graph({ node: nodes, input: [value('x')], output: [value('y')] }) } as unknown as ModelProto;
    expect(checkModel(big)).toEqual([]);
  });

  it('lists at most 10,000 problems and counts the rest in one last entry', () => {
    const nodes = Array.from({ length: 12_000 }, (_, i) => ({ op_type: 'Relu', input: [`missing${i}`], output: [`v${i}`], attribute: [] }) as unknown as NodeProto);
    const problems = checkModel(model({ node: nodes, input: [value('x')], output: [value('v0')] }));
    expect(problems).toHaveLength(10_001);
    expect(problems.at(-1)).toEqual({ severity: 'error', where: 'model', message: '2000 more problems (2000 errors) were found but not listed' });
  });
});
