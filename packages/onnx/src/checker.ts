/**
 * Structural validation of a decoded ONNX model, in the spirit of `onnx.checker` (facts from
 * the ONNX IR specification, docs/IR.md and docs/ExternalData.md). It checks structure only:
 * no operator schemas, no shape inference, no file access (external files: ./external-data.ts).
 *
 * One pass over every graph, linear in the size of the model (hash sets, no quadratic scans).
 * Every problem names where it is ("graph.node[3] 'Gemm_0' (Gemm)") and what was expected.
 *
 * Rules (E = error, W = warning):
 *  Model
 *   M1 E  ir_version is present and a known IR version (1–MAX_IR_VERSION).
 *   M2 E  opset_import: versions are positive integers; no domain is imported twice ('' and
 *         'ai.onnx' are the same domain).
 *   M3 E  IR ≥ 3 imports the default domain; IR < 3 has no opset_import (it implies ai.onnx v1).
 *   M4 E  metadata_props keys are unique.
 *   M5 E  the model has a graph.
 *   M6 E  every node's domain (graph, subgraphs) has an opset_import (function bodies: the
 *         function's own opset_import); reported once per domain.
 *  Graph (main graph and, recursively, every subgraph of an If/Loop/Scan/… attribute)
 *   G1 E  inputs, outputs and initializers have a non-empty name.
 *   G2 E  main-graph inputs/outputs have a type with elem_type set (sequence/optional/map
 *         element types too); in subgraphs a malformed type is only a warning.
 *   G3 E  SSA: every value name is defined once — graph inputs, initializers, sparse
 *         initializers and node outputs — and no node output in a subgraph reuses a name of an
 *         enclosing graph. From IR 4 an initializer may also be a graph input (a default).
 *      W  a subgraph input or initializer shadowing an outer name (onnx.checker allows it, but
 *         onnxruntime resolves a shadowed initializer to the outer value).
 *   G4 E  IR < 4: every initializer is listed as a graph input.
 *   G5 E  initializer names are unique across initializer and sparse_initializer.
 *   G6 E  topological order: every non-empty node input is a graph input, an initializer, an
 *         output of an earlier node or an outer-scope value ('' is an omitted optional input).
 *   G7 E  every graph output is produced (by a node, an input, an initializer or the outer scope).
 *   G8 E  nodes have an op_type, and at least one input or output.
 *   G9 W  node names, when present, are unique within their graph.
 *  Tensors (initializers, sparse initializers, attribute tensors)
 *   T1 E  data_type is set and a known TensorProto.DataType.
 *   T2 E  dims are non-negative integers and their product fits 2^53.
 *   T3 E  data_location is DEFAULT (0) or EXTERNAL (1).
 *   T4 E  external tensors have a non-empty 'location' and no inline data.
 *   T5 E  at most one data field; a 0-element tensor holds no data, any other tensor has data.
 *   T6 E  string tensors do not use raw_data.
 *   T7 E  raw_data length = element count × element size (4-bit types packed two per byte).
 *   T8 E  a typed field is the right one for the data type and holds element count values
 *         (×2 for complex types, ceil(n/2) int32 entries for 4-bit types).
 *  Attributes
 *   A1 E  a non-empty name; A2 E  no two attributes of a node share a name.
 *   A3 E  IR ≥ 2: type is set; A4 E  type is a known AttributeType.
 *   A5 E  at most one value field, and it is the one `type` names.
 *         W  a scalar type with no value field (proto3 writers drop defaults).
 *   A6 E  ref_attr_name only inside function bodies, naming a declared function attribute,
 *         and then with no value of its own.
 *   A7    attribute tensors follow T1–T8; attribute graphs follow G1–G9 with outer-scope values.
 *  Functions (model.functions)
 *   F1 E  IR ≥ 8; a non-empty name and domain; (domain, name, overload) unique.
 *   F2 E  the function's opset_import has no duplicate domain and covers its nodes' domains.
 *         W  a domain imported at a different version than the model's.
 *   F3 E  inputs, outputs and attribute names unique; the body follows G6–G9 and SSA; every
 *         output is produced.
 */
import { InputDataError } from '@modelgate/core';
import { toApproximateNumber } from './dtypes.js';
import { MAX_IR_VERSION } from './model-io.js';
import type { AttributeProto, FunctionProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto } from './proto/types.js';
import { domainLabel, has, list, normalizeDomain, Problems, q } from './check/problems.js';
import { checkAttributeFields, checkSparseTensor, checkTensor, checkValueType } from './check/values.js';

export interface CheckProblem {
  severity: 'error' | 'warning';
  message: string;
  /** e.g. "graph.node[3] 'Gemm_0' (Gemm)" */
  where: string;
}

/** Kinds of value definitions; a definition is stored as index * 4 + kind. */
const NODE = 0;
const INPUT = 1;
const INITIALIZER = 2;
const SPARSE_INITIALIZER = 3;
const KIND_NAMES = ['node', 'input', 'initializer', 'sparse_initializer'];

interface Scope {
  defined: Map<string, number>;
  parent: Scope | undefined;
  prefix: string;
}

interface Context {
  problems: Problems;
  ir: number;
  /** Normalised domain → version visible to the nodes being checked. */
  opsets: Map<string, number>;
  /** Whose opset_import `opsets` is, for messages. */
  opsetOwner: string;
  missingDomains: Set<string>;
  /** Declared attribute names of the function being checked; undefined outside functions. */
  functionAttributes: Set<string> | undefined;
}

/** Every problem found, errors and warnings, in model order. */
export function checkModel(model: ModelProto): CheckProblem[] {
  const problems = new Problems();
  const declaredIr = toApproximateNumber(model.ir_version);
  const irKnown = Number.isInteger(declaredIr) && declaredIr >= 1 && declaredIr <= MAX_IR_VERSION;
  if (!has(model, 'ir_version') || declaredIr === 0) problems.error('model', 'ir_version is missing; expected the IR version the model was written for (e.g. 8)');
  else if (!irKnown) problems.error('model', `ir_version ${String(model.ir_version)} is not a known IR version (expected 1–${MAX_IR_VERSION})`);
  const ir = irKnown ? declaredIr : MAX_IR_VERSION;

  const imports = list(model.opset_import);
  const opsets = readOpsets(imports, 'model.opset_import', problems);
  if (irKnown && ir < 3) {
    if (imports.length > 0) problems.error('model.opset_import', `is set, but IR version ${ir} models cannot import opsets (opset_import came with IR 3)`);
    opsets.set('', 1);
  } else if (!opsets.has('')) {
    problems.error('model.opset_import', "has no entry for the default domain ('' or 'ai.onnx'); IR version 3 and later models must import it");
  }
  const metadataKeys = new Set<string>();
  list(model.metadata_props).forEach((entry, i) => {
    const key = entry.key ?? '';
    if (metadataKeys.has(key)) problems.error(`model.metadata_props[${i}]`, `repeats the key ${q(key)}; metadata keys must be unique`);
    metadataKeys.add(key);
  });

  // A missing default domain is reported above, once, not again at every node.
  const context: Context = { problems, ir, opsets, opsetOwner: 'model', missingDomains: new Set(opsets.has('') ? [] : ['']), functionAttributes: undefined };
  if (!model.graph) problems.error('model', 'has no graph; expected ModelProto.graph');
  else checkGraph(model.graph, 'graph', undefined, context, true);
  checkFunctions(list(model.functions), context);
  return problems.finish();
}

/** Throws an InputDataError with the first error ("<where>: <message>"); warnings pass. */
export function assertValidModel(model: ModelProto, file: string): void {
  const first = checkModel(model).find((problem) => problem.severity === 'error');
  if (first) throw new InputDataError(`${first.where}: ${first.message}`, { file, field: first.where });
}

function readOpsets(imports: readonly OperatorSetIdProto[], where: string, problems: Problems): Map<string, number> {
  const opsets = new Map<string, number>();
  const index = new Map<string, number>();
  imports.forEach((entry, i) => {
    const domain = normalizeDomain(entry.domain);
    const version = toApproximateNumber(entry.version);
    if (!Number.isSafeInteger(version) || version < 1) {
      problems.error(`${where}[${i}]`, `domain ${domainLabel(domain)} has version ${String(entry.version ?? 'unset')}; expected a positive integer`);
    }
    const previous = index.get(domain);
    if (previous !== undefined) {
      problems.error(`${where}[${i}]`, `imports domain ${domainLabel(domain)} again (first at ${where}[${previous}]); each domain may be imported once ('' and 'ai.onnx' are the same domain)`);
      return;
    }
    index.set(domain, i);
    opsets.set(domain, version);
  });
  return opsets;
}

function lookup(scope: Scope | undefined, name: string): boolean {
  for (let current = scope; current; current = current.parent) if (current.defined.has(name)) return true;
  return false;
}

function describe(scope: Scope, definition: number): string {
  return `${scope.prefix}.${KIND_NAMES[definition % 4]}[${Math.floor(definition / 4)}]`;
}

/** G3: define `name` once in `scope`; node outputs (`mayShadow` false) must not reuse an enclosing graph's names. */
function define(scope: Scope, name: string, definition: number, where: () => string, problems: Problems, mayShadow = false): void {
  const previous = scope.defined.get(name);
  if (previous !== undefined) {
    problems.error(where(), `defines ${q(name)}, already defined by ${describe(scope, previous)}; every value must be assigned exactly once (SSA)`);
    return;
  }
  for (let outer = scope.parent; outer; outer = outer.parent) {
    const shadowed = outer.defined.get(name);
    if (shadowed === undefined) continue;
    if (!mayShadow) {
      problems.error(where(), `defines ${q(name)}, which the enclosing ${describe(outer, shadowed)} already defines; subgraphs must not reuse outer names (SSA)`);
      return;
    }
    problems.warning(where(), `shadows ${q(name)} of the enclosing ${describe(outer, shadowed)}; runtimes disagree about which value the subgraph's nodes see`);
    break;
  }
  scope.defined.set(name, definition);
}

function nodeWhere(prefix: string, index: number, node: NodeProto): string {
  return `${prefix}.node[${index}]${node.name ? ` ${q(node.name)}` : ''} (${node.op_type || '?'})`;
}

function checkGraph(graph: GraphProto, prefix: string, parent: Scope | undefined, context: Context, isMain: boolean): void {
  const { problems, ir } = context;
  const scope: Scope = { defined: new Map(), parent, prefix };
  list(graph.input).forEach((info, i) => {
    const where = `${prefix}.input[${i}] ${q(info.name)}`;
    if (!info.name) return problems.error(where, 'has no name');
    checkValueType(info, where, problems, isMain);
    define(scope, info.name, i * 4 + INPUT, () => where, problems, true);
  });

  const initializerNames = new Map<string, string>();
  const claimInitializerName = (name: string, where: string, path: string): boolean => {
    const previous = initializerNames.get(name);
    if (previous !== undefined) problems.error(where, `initializer name ${q(name)} is not unique (also ${previous})`);
    else initializerNames.set(name, path);
    return previous === undefined;
  };
  list(graph.initializer).forEach((tensor, i) => {
    const where = `${prefix}.initializer[${i}] ${q(tensor.name)}`;
    checkTensor(tensor, where, problems);
    if (!tensor.name) return problems.error(where, 'has no name; initializers are referenced by name');
    if (!claimInitializerName(tensor.name, where, `${prefix}.initializer[${i}]`)) return;
    const existing = scope.defined.get(tensor.name);
    const listedAsInput = existing !== undefined && existing % 4 === INPUT;
    if (ir < 4 && !listedAsInput) problems.error(where, `is not listed in ${prefix}.input; before IR version 4 every initializer must also be a graph input`);
    if (!listedAsInput) define(scope, tensor.name, i * 4 + INITIALIZER, () => where, problems, true);
  });
  list(graph.sparse_initializer).forEach((sparse, i) => {
    const name = sparse.values?.name;
    const where = `${prefix}.sparse_initializer[${i}] ${q(name)}`;
    checkSparseTensor(sparse, where, problems);
    if (!name) return problems.error(where, 'has no name (values.name); sparse initializers are referenced by name');
    if (!claimInitializerName(name, where, `${prefix}.sparse_initializer[${i}]`)) return;
    const existing = scope.defined.get(name);
    if (existing === undefined || existing % 4 !== INPUT) define(scope, name, i * 4 + SPARSE_INITIALIZER, () => where, problems, true);
  });

  checkNodes(list(graph.node), prefix, scope, context);

  list(graph.output).forEach((info, i) => {
    const where = `${prefix}.output[${i}] ${q(info.name)}`;
    if (!info.name) return problems.error(where, 'has no name');
    checkValueType(info, where, problems, isMain);
    if (!lookup(scope, info.name)) problems.error(where, `is not produced: no node outputs ${q(info.name)} and it is not a graph input or initializer`);
  });
}

/** G6, G8, G9, M6, A1–A7 and the SSA part of G3 over a node list (graph or function body). */
function checkNodes(nodes: readonly NodeProto[], prefix: string, scope: Scope, context: Context): void {
  const { problems } = context;
  const nodeNames = new Map<string, number>();
  let producers: Map<string, number> | undefined;
  for (let k = 0; k < nodes.length; k += 1) {
    const node = nodes[k]!;
    let cachedWhere: string | undefined;
    const where = (): string => (cachedWhere ??= nodeWhere(prefix, k, node));
    const inputs = list(node.input);
    const outputs = list(node.output);
    if (!node.op_type) problems.error(where(), 'has no op_type');
    if (inputs.length === 0 && outputs.length === 0) problems.error(where(), 'has no inputs and no outputs');
    const domain = normalizeDomain(node.domain);
    if (!context.opsets.has(domain) && !context.missingDomains.has(domain)) {
      context.missingDomains.add(domain);
      problems.error(where(), `uses domain ${domainLabel(domain)}, which the ${context.opsetOwner}'s opset_import does not import (reported once per domain)`);
    }
    if (node.name) {
      const previous = nodeNames.get(node.name);
      if (previous !== undefined) problems.warning(where(), `node name ${q(node.name)} is also used by ${prefix}.node[${previous}]; node names should be unique`);
      else nodeNames.set(node.name, k);
    }
    for (const input of inputs) {
      if (input === '' || lookup(scope, input)) continue;
      producers ??= firstProducers(nodes);
      const producer = producers.get(input);
      if (producer === k) problems.error(where(), `consumes its own output ${q(input)}; the graph must be free of cycles`);
      else if (producer !== undefined && producer > k) {
        problems.error(where(), `input ${q(input)} is produced by a later node ${prefix}.node[${producer}]; nodes must be sorted topologically`);
      } else problems.error(where(), `input ${q(input)} is not a graph input, an initializer, an outer-scope value or the output of an earlier node`);
    }
    checkAttributes(list(node.attribute), k, where, prefix, scope, context);
    for (const output of outputs) if (output !== '') define(scope, output, k * 4 + NODE, where, problems);
  }
}

function firstProducers(nodes: readonly NodeProto[]): Map<string, number> {
  const producers = new Map<string, number>();
  nodes.forEach((node, k) => {
    for (const output of list(node.output)) if (output !== '' && !producers.has(output)) producers.set(output, k);
  });
  return producers;
}

function checkAttributes(attributes: readonly AttributeProto[], k: number, nodeWhereText: () => string, prefix: string, scope: Scope, context: Context): void {
  const { problems } = context;
  const names = new Set<string>();
  attributes.forEach((attr, a) => {
    const where = `${nodeWhereText()} attribute ${attr.name ? q(attr.name) : `[${a}]`}`;
    if (attr.name && names.has(attr.name)) problems.error(where, `repeats attribute ${q(attr.name)}; attribute names must be unique within a node`);
    if (attr.name) names.add(attr.name);
    checkAttributeFields(attr, where, problems, context.ir, context.functionAttributes !== undefined);
    if (attr.ref_attr_name && context.functionAttributes && !context.functionAttributes.has(attr.ref_attr_name)) {
      problems.error(where, `refers to ${q(attr.ref_attr_name)}, which the function does not declare as an attribute`);
    }
    if (attr.t) checkTensor(attr.t, `${where}.t`, problems);
    list(attr.tensors).forEach((tensor, i) => checkTensor(tensor, `${where}.tensors[${i}]`, problems));
    if (attr.sparse_tensor) checkSparseTensor(attr.sparse_tensor, `${where}.sparse_tensor`, problems);
    list(attr.sparse_tensors).forEach((sparse, i) => checkSparseTensor(sparse, `${where}.sparse_tensors[${i}]`, problems));
    const label = attr.name || `attribute[${a}]`;
    if (attr.g) checkGraph(attr.g, `${prefix}.node[${k}].${label}`, scope, context, false);
    list(attr.graphs).forEach((graph, i) => checkGraph(graph, `${prefix}.node[${k}].${label}[${i}]`, scope, context, false));
  });
}

function checkFunctions(functions: readonly FunctionProto[], model: Context): void {
  const { problems } = model;
  if (functions.length > 0 && model.ir < 8) problems.error('model.functions', `model-local functions need IR version 8 or later; the model declares IR ${model.ir}`);
  const seen = new Map<string, number>();
  functions.forEach((fn, i) => {
    const prefix = `functions[${i}]`;
    const where = `${prefix} ${q(fn.name)}`;
    if (!fn.name) problems.error(where, 'has no name; nodes call a function by domain and name');
    if (!fn.domain) problems.error(where, "has no domain; expected the domain its callers use (e.g. 'custom')");
    const key = `${fn.domain ?? ''}\u0000${fn.name ?? ''}\u0000${fn.overload ?? ''}`;
    const previous = seen.get(key);
    if (previous !== undefined) problems.error(where, `is defined twice (also functions[${previous}]); (domain, name, overload) must be unique`);
    else seen.set(key, i);

    const opsets = readOpsets(list(fn.opset_import), `${prefix}.opset_import`, problems);
    for (const [domain, version] of opsets) {
      const modelVersion = model.opsets.get(domain);
      if (modelVersion !== undefined && modelVersion !== version) {
        problems.warning(where, `imports domain ${domainLabel(domain)} version ${version} but the model imports version ${modelVersion}; runtimes may reject the mismatch`);
      }
    }
    const unique = (names: readonly string[], what: string): void => {
      const set = new Set<string>();
      for (const name of names) {
        if (set.has(name)) problems.error(where, `lists ${what} ${q(name)} twice; function ${what}s must be unique`);
        set.add(name);
      }
    };
    const attributeNames = [...list(fn.attribute), ...list(fn.attribute_proto).map((attr) => attr.name ?? '')];
    unique(list(fn.output), 'output');
    unique(attributeNames, 'attribute');

    const scope: Scope = { defined: new Map(), parent: undefined, prefix };
    list(fn.input).forEach((name, j) => {
      if (!name) problems.error(where, `input[${j}] has no name`);
      else define(scope, name, j * 4 + INPUT, () => where, problems);
    });
    const context: Context = {
      problems, ir: model.ir, opsets, opsetOwner: `function ${q(fn.name)}`, missingDomains: new Set(), functionAttributes: new Set(attributeNames),
    };
    checkNodes(list(fn.node), prefix, scope, context);
    list(fn.output).forEach((name, j) => {
      if (!name) problems.error(where, `output[${j}] has no name`);
      else if (!scope.defined.has(name)) problems.error(where, `output ${q(name)} is not produced by any node of the function and is not a function input`);
    });
  });
}
