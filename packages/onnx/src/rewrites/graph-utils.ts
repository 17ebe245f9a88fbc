/**
 * Small helpers shared by the graph rewrites: attribute access, value types, fresh names,
 * subgraph scopes and the structural invariants (SSA names, topological order) a rewrite must keep.
 *
 * Decoded protobufjs messages keep absent repeated fields as a shared frozen array on the
 * prototype, and plain objects may omit them entirely; `list()` reads either safely.
 */
import { AttributeType, DataType } from '../proto/types.js';
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto } from '../proto/types.js';
import { toInt } from '../dtypes.js';

/** A value's type as far as the rewrites care: a tensor or a sequence of tensors of `elem`. */
export interface ValueType {
  kind: 'tensor' | 'sequence';
  elem: number;
}

export const tensorOf = (elem: number): ValueType => ({ kind: 'tensor', elem });

export function isTensorOf(type: ValueType | undefined, elem: number): boolean {
  return type !== undefined && type.kind === 'tensor' && type.elem === elem;
}

export function list<T>(items: readonly T[] | undefined | null): readonly T[] {
  return items ?? [];
}

export function typeFromProto(type: TypeProto | undefined): ValueType | undefined {
  const tensor = type?.tensor_type;
  if (tensor?.elem_type) return tensorOf(tensor.elem_type);
  const element = type?.sequence_type?.elem_type?.tensor_type;
  if (element?.elem_type) return { kind: 'sequence', elem: element.elem_type };
  return undefined;
}

/** A ValueInfoProto (plain object) for a tensor, keeping `shape` when known. */
export function tensorValueInfo(name: string, elem: number, shape?: TensorShapeProto, docString?: string): ValueInfoProto {
  const tensorType: { elem_type: number; shape?: TensorShapeProto } = { elem_type: elem };
  if (shape) tensorType.shape = shape;
  const info: ValueInfoProto = { name, type: { tensor_type: tensorType }, metadata_props: [] };
  if (docString) info.doc_string = docString;
  return info;
}

/** Copy of a ValueInfoProto with a new name and/or tensor element type (other type kinds kept). */
export function retypeValueInfo(info: ValueInfoProto, name: string, type: ValueType | undefined): ValueInfoProto {
  const old = info.type;
  let newType: TypeProto | undefined = old;
  if (type && old?.tensor_type && type.kind === 'tensor') {
    newType = { ...ownFields(old), tensor_type: { ...ownFields(old.tensor_type), elem_type: type.elem } };
  } else if (type && old?.sequence_type?.elem_type?.tensor_type && type.kind === 'sequence') {
    const inner = old.sequence_type.elem_type;
    newType = {
      ...ownFields(old),
      sequence_type: { elem_type: { ...ownFields(inner), tensor_type: { ...ownFields(inner.tensor_type!), elem_type: type.elem } } },
    };
  }
  const copy: ValueInfoProto = { ...ownFields(info), name, metadata_props: [...list(info.metadata_props)] };
  if (newType) copy.type = newType;
  return copy;
}

/** The own enumerable fields of a decoded message or plain object (never its prototype defaults). */
export function ownFields<T extends object>(message: T): T {
  return { ...message };
}

// ---------------------------------------------------------------- attributes

export function getAttribute(node: NodeProto, name: string): AttributeProto | undefined {
  return list(node.attribute).find((attribute) => attribute.name === name);
}

export function intAttribute(node: NodeProto, name: string): number | undefined {
  const attribute = getAttribute(node, name);
  return attribute === undefined ? undefined : toInt(attribute.i);
}

export function stringAttribute(node: NodeProto, name: string): string | undefined {
  const attribute = getAttribute(node, name);
  return attribute?.s ? new TextDecoder().decode(attribute.s) : undefined;
}

export function makeIntAttribute(name: string, value: number): AttributeProto {
  return { name, type: AttributeType.INT, i: value } as AttributeProto;
}

export function makeTensorAttribute(name: string, tensor: TensorProto): AttributeProto {
  return { name, type: AttributeType.TENSOR, t: tensor } as AttributeProto;
}

/** The graphs a node carries (If branches, Loop/Scan bodies), with their attribute names. */
export function subgraphsOf(node: NodeProto): { attribute: string; graph: GraphProto }[] {
  const found: { attribute: string; graph: GraphProto }[] = [];
  for (const attribute of list(node.attribute)) {
    if (attribute.g) found.push({ attribute: attribute.name ?? '', graph: attribute.g });
    for (const graph of list(attribute.graphs)) found.push({ attribute: attribute.name ?? '', graph });
  }
  return found;
}

/** A plain NodeProto. */
export function makeNode(opType: string, inputs: string[], outputs: string[], name: string, attributes: AttributeProto[] = [], domain?: string): NodeProto {
  const node: NodeProto = { op_type: opType, input: inputs, output: outputs, name, attribute: attributes, metadata_props: [] };
  if (domain) node.domain = domain;
  return node;
}

// ---------------------------------------------------------------- names and scopes

/** Names defined in `graph` itself: inputs, initializers and node outputs. */
export function definedNames(graph: GraphProto): Set<string> {
  const names = new Set<string>();
  for (const input of list(graph.input)) if (input.name) names.add(input.name);
  for (const tensor of list(graph.initializer)) if (tensor.name) names.add(tensor.name);
  for (const node of list(graph.node)) for (const output of list(node.output)) if (output) names.add(output);
  return names;
}

/** Names a (sub)graph reads from enclosing scopes, including through nested subgraphs. */
export function freeNames(graph: GraphProto, cache = new WeakMap<GraphProto, Set<string>>()): Set<string> {
  const cached = cache.get(graph);
  if (cached) return cached;
  const defined = definedNames(graph);
  const free = new Set<string>();
  const use = (name: string) => {
    if (name && !defined.has(name)) free.add(name);
  };
  for (const node of list(graph.node)) {
    for (const input of list(node.input)) use(input);
    for (const { graph: inner } of subgraphsOf(node)) for (const name of freeNames(inner, cache)) use(name);
  }
  for (const output of list(graph.output)) use(output.name ?? '');
  cache.set(graph, free);
  return free;
}

/** Every value and node name in the model, all graphs included; new names must avoid them. */
export class NameAllocator {
  private readonly taken = new Set<string>();

  constructor(model: ModelProto) {
    if (model.graph) this.collect(model.graph);
  }

  private collect(graph: GraphProto): void {
    for (const name of definedNames(graph)) this.taken.add(name);
    for (const info of [...list(graph.output), ...list(graph.value_info)]) if (info.name) this.taken.add(info.name);
    for (const node of list(graph.node)) {
      if (node.name) this.taken.add(node.name);
      for (const input of list(node.input)) if (input) this.taken.add(input);
      for (const { graph: inner } of subgraphsOf(node)) this.collect(inner);
    }
  }

  /** `base`, or `base_1`, `base_2`, … whichever is still free; the name is then reserved. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i += 1) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }
}

/** A new ModelProto sharing `model`'s fields, with `graph` as its main graph. */
export function copyModel(model: ModelProto, graph: GraphProto): ModelProto {
  return {
    ...ownFields(model),
    opset_import: [...list(model.opset_import)],
    metadata_props: [...list(model.metadata_props)],
    training_info: [...list(model.training_info)],
    functions: [...list(model.functions)],
    graph,
  };
}

/** A readable label for a node in reports: its name, else `op_type#index`. */
export function nodeLabel(node: NodeProto, index: number): string {
  return node.name ? node.name : `${node.op_type ?? '?'}#${index}`;
}

/** Version of the default ("" / "ai.onnx") opset the model imports; 0 when absent. */
export function defaultOpsetVersion(model: ModelProto): number {
  const entry = list(model.opset_import).find((opset) => !opset.domain || opset.domain === 'ai.onnx');
  return entry ? toInt(entry.version) : 0;
}

/** Shapes declared for values of a graph (inputs, outputs, value_info). */
export function declaredShapes(graph: GraphProto): Map<string, TensorShapeProto> {
  const shapes = new Map<string, TensorShapeProto>();
  for (const info of [...list(graph.input), ...list(graph.output), ...list(graph.value_info)]) {
    const shape = info.type?.tensor_type?.shape;
    if (info.name && shape) shapes.set(info.name, shape);
  }
  return shapes;
}

// ---------------------------------------------------------------- invariants

/**
 * Structural problems a rewrite must never introduce: a value defined twice (SSA), a node
 * reading a value not yet defined in its scope (topological order), a graph output that is
 * never defined. Returns human-readable problems; empty when the model is well formed.
 */
export function structuralProblems(model: ModelProto): string[] {
  const problems: string[] = [];
  const visit = (graph: GraphProto, outer: ReadonlySet<string>, where: string) => {
    const visible = new Set(outer);
    const define = (name: string, what: string) => {
      if (!name) return;
      // Lexical scoping: a name may not shadow one visible from this graph or an enclosing one.
      if (visible.has(name)) problems.push(`${where}: '${name}' (${what}) is defined more than once`);
      visible.add(name);
    };
    for (const input of list(graph.input)) define(input.name ?? '', 'input');
    for (const tensor of list(graph.initializer)) if (!visible.has(tensor.name ?? '')) define(tensor.name ?? '', 'initializer');
    list(graph.node).forEach((node, index) => {
      const label = nodeLabel(node, index);
      for (const input of list(node.input)) {
        if (input && !visible.has(input)) problems.push(`${where}: node ${label} reads '${input}' before it is defined`);
      }
      for (const { attribute, graph: inner } of subgraphsOf(node)) visit(inner, visible, `${where}/${label}.${attribute}`);
      for (const output of list(node.output)) define(output, `output of ${label}`);
    });
    for (const output of list(graph.output)) {
      if (!visible.has(output.name ?? '')) problems.push(`${where}: graph output '${output.name}' is never defined`);
    }
  };
  if (model.graph) visit(model.graph, new Set(), 'main');
  return problems;
}

export const FLOAT = DataType.FLOAT;
export const FLOAT16 = DataType.FLOAT16;
