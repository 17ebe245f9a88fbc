/**
 * Checker rules for the leaves of a model: tensors (initializers, attribute tensors), value
 * types (graph inputs/outputs) and the value fields of attributes. The rule list is in
 * ../checker.ts.
 */
import { dataTypeName, isKnownDataType, rawByteLength, toInt } from '../dtypes.js';
import { AttributeType, DATA_LOCATION_EXTERNAL, DataType } from '../proto/types.js';
import type { AttributeProto, Int64, SparseTensorProto, TensorProto, TypeProto, ValueInfoProto } from '../proto/types.js';
import { has, list, q, type Problems } from './problems.js';

type TypedField = 'float_data' | 'int32_data' | 'string_data' | 'int64_data' | 'double_data' | 'uint64_data';
const TYPED_FIELDS: readonly TypedField[] = ['float_data', 'int32_data', 'string_data', 'int64_data', 'double_data', 'uint64_data'];

const FOUR_BIT = new Set<number>([DataType.UINT4, DataType.INT4, DataType.FLOAT4E2M1]);
/** Types whose values go in int32_data (16-bit floats and float8 as their bit patterns). */
const INT32_FIELD = new Set<number>([
  DataType.INT32, DataType.INT16, DataType.INT8, DataType.UINT16, DataType.UINT8, DataType.BOOL, DataType.FLOAT16,
  DataType.BFLOAT16, DataType.FLOAT8E4M3FN, DataType.FLOAT8E4M3FNUZ, DataType.FLOAT8E5M2, DataType.FLOAT8E5M2FNUZ,
]);

/** Entries `field` must hold for `count` elements of `type`, or undefined when `field` is not for `type`. */
function expectedEntries(type: number, field: TypedField, count: number): number | undefined {
  switch (field) {
    case 'float_data':
      return type === DataType.FLOAT ? count : type === DataType.COMPLEX64 ? 2 * count : undefined;
    case 'double_data':
      return type === DataType.DOUBLE ? count : type === DataType.COMPLEX128 ? 2 * count : undefined;
    case 'int64_data':
      return type === DataType.INT64 ? count : undefined;
    case 'uint64_data':
      return type === DataType.UINT32 || type === DataType.UINT64 ? count : undefined;
    case 'string_data':
      return type === DataType.STRING ? count : undefined;
    case 'int32_data':
      return FOUR_BIT.has(type) ? Math.ceil(count / 2) : INT32_FIELD.has(type) ? count : undefined;
  }
}

function fieldsFor(type: number): string {
  if (type === DataType.STRING) return 'string_data';
  const typed = TYPED_FIELDS.find((field) => expectedEntries(type, field, 1) !== undefined);
  return typed ? `${typed} or raw_data` : 'raw_data';
}

/** Element count of a tensor's dims, or undefined (after reporting) when a dim is not a valid size. */
export function checkedElementCount(dims: readonly Int64[], where: string, problems: Problems): number | undefined {
  let count = 1;
  let valid = true;
  dims.forEach((dim, i) => {
    let value: number;
    try {
      value = toInt(dim);
    } catch {
      value = Number.NaN;
    }
    if (!Number.isSafeInteger(value) || value < 0) {
      problems.error(where, `dims[${i}] is ${String(dim)}; expected a non-negative integer`);
      valid = false;
    } else count *= value;
  });
  if (valid && !Number.isSafeInteger(count)) {
    problems.error(where, `dims [${dims.map(String).join(', ')}] describe more than 2^53 elements`);
    return undefined;
  }
  return valid ? count : undefined;
}

function populatedFields(tensor: TensorProto): string[] {
  const fields: string[] = [];
  if (tensor.raw_data && tensor.raw_data.byteLength > 0) fields.push('raw_data');
  for (const field of TYPED_FIELDS) if (list<unknown>(tensor[field]).length > 0) fields.push(field);
  return fields;
}

/** Rules T1–T8: data type, dims, data location, and data consistent with dims. */
export function checkTensor(tensor: TensorProto, where: string, problems: Problems): void {
  const type = tensor.data_type ?? 0;
  const typeKnown = isKnownDataType(type);
  if (!has(tensor, 'data_type') || type === DataType.UNDEFINED) problems.error(where, 'data_type is not set; expected a TensorProto.DataType such as 1 (float32)');
  else if (!typeKnown) problems.error(where, `data_type ${type} is not a known TensorProto.DataType (expected 1–${DataType.FLOAT4E2M1})`);
  const dims = list(tensor.dims);
  const count = checkedElementCount(dims, where, problems);
  const location = tensor.data_location ?? 0;
  if (location !== 0 && location !== DATA_LOCATION_EXTERNAL) {
    problems.error(where, `data_location is ${location}; expected 0 (DEFAULT) or 1 (EXTERNAL)`);
    return;
  }
  const fields = populatedFields(tensor);
  if (location === DATA_LOCATION_EXTERNAL) {
    if (fields.length > 0) problems.error(where, `is stored externally but also holds ${fields.join(', ')}; expected no inline data`);
    const entry = list(tensor.external_data).find((item) => item.key === 'location');
    if (!entry?.value) problems.error(where, "is stored externally (data_location EXTERNAL) but external_data has no 'location' entry");
    return;
  }
  if (fields.length > 1) {
    problems.error(where, `holds data in ${fields.join(' and ')}; expected exactly one data field`);
    return;
  }
  const field = fields[0];
  if (type === DataType.STRING && field === 'raw_data') {
    problems.error(where, 'is a string tensor with raw_data; strings must be stored in string_data');
    return;
  }
  if (!typeKnown || count === undefined) return;
  const dimsText = `[${dims.map(String).join(', ')}]`;
  if (count === 0) {
    if (field) problems.error(where, `has 0 elements (dims ${dimsText}) but ${field} holds data`);
    return;
  }
  if (field === undefined) {
    problems.error(where, `has no data: dims ${dimsText} need ${count} ${dataTypeName(type)} element(s) in ${fieldsFor(type)}`);
    return;
  }
  if (field === 'raw_data') {
    const expected = rawByteLength(type, count);
    const actual = tensor.raw_data!.byteLength;
    const packing = FOUR_BIT.has(type) ? ', two 4-bit values per byte' : '';
    if (actual !== expected) {
      problems.error(where, `raw_data has ${actual} bytes; expected ${expected} for dims ${dimsText} of ${dataTypeName(type)}${packing}`);
    }
    return;
  }
  const typed = field as TypedField;
  const expected = expectedEntries(type, typed, count);
  const actual = list<unknown>(tensor[typed]).length;
  if (expected === undefined) problems.error(where, `holds ${dataTypeName(type)} values in ${typed}; expected ${fieldsFor(type)}`);
  else if (actual !== expected) problems.error(where, `${typed} has ${actual} values; expected ${expected} for dims ${dimsText} of ${dataTypeName(type)}`);
}

/** A sparse tensor: values (rank 1) and indices (INT64) present and well-formed. */
export function checkSparseTensor(sparse: SparseTensorProto, where: string, problems: Problems): void {
  if (!sparse.values) {
    problems.error(where, 'sparse tensor has no values tensor');
    return;
  }
  checkTensor(sparse.values, `${where}.values`, problems);
  if (list(sparse.values.dims).length !== 1) problems.error(`${where}.values`, `has rank ${list(sparse.values.dims).length}; sparse values must have rank 1`);
  checkedElementCount(list(sparse.dims), where, problems);
  if (sparse.indices) {
    checkTensor(sparse.indices, `${where}.indices`, problems);
    if (sparse.indices.data_type !== DataType.INT64) problems.error(`${where}.indices`, `has data_type ${dataTypeName(sparse.indices.data_type)}; sparse indices must be int64`);
  }
}

function checkTypeProto(type: TypeProto, path: string, report: (message: string) => void): void {
  const elem = (holder: { elem_type?: number } | undefined, name: string): void => {
    if (!holder || !holder.elem_type) report(`${path}.${name}.elem_type is not set; expected the element data type`);
    else if (!isKnownDataType(holder.elem_type)) report(`${path}.${name}.elem_type ${holder.elem_type} is not a known data type`);
  };
  if (type.tensor_type) elem(type.tensor_type, 'tensor_type');
  else if (type.sparse_tensor_type) elem(type.sparse_tensor_type, 'sparse_tensor_type');
  else if (type.sequence_type) {
    if (!type.sequence_type.elem_type) report(`${path}.sequence_type.elem_type is not set`);
    else checkTypeProto(type.sequence_type.elem_type, `${path}.sequence_type.elem_type`, report);
  } else if (type.optional_type) {
    if (!type.optional_type.elem_type) report(`${path}.optional_type.elem_type is not set`);
    else checkTypeProto(type.optional_type.elem_type, `${path}.optional_type.elem_type`, report);
  } else if (type.map_type) {
    if (!type.map_type.key_type) report(`${path}.map_type.key_type is not set`);
    if (!type.map_type.value_type) report(`${path}.map_type.value_type is not set`);
    else checkTypeProto(type.map_type.value_type, `${path}.map_type.value_type`, report);
  } else if (!type.opaque_type) report(`${path} has no tensor_type, sequence_type, map_type, optional_type or sparse_tensor_type`);
}

/**
 * G2: a graph input/output's type. Required (errors) in the main graph; in subgraphs types
 * may be left to inference, so a malformed one is only a warning.
 */
export function checkValueType(info: ValueInfoProto, where: string, problems: Problems, required: boolean): void {
  const report = (message: string): void => (required ? problems.error(where, message) : problems.warning(where, message));
  if (!info.type) {
    if (required) problems.error(where, 'has no type; main-graph inputs and outputs need a type with elem_type set');
    return;
  }
  checkTypeProto(info.type, 'type', report);
}

const VALUE_FIELD: Record<number, keyof AttributeProto> = {
  [AttributeType.FLOAT]: 'f', [AttributeType.INT]: 'i', [AttributeType.STRING]: 's', [AttributeType.TENSOR]: 't',
  [AttributeType.GRAPH]: 'g', [AttributeType.SPARSE_TENSOR]: 'sparse_tensor', [AttributeType.TYPE_PROTO]: 'tp',
  [AttributeType.FLOATS]: 'floats', [AttributeType.INTS]: 'ints', [AttributeType.STRINGS]: 'strings',
  [AttributeType.TENSORS]: 'tensors', [AttributeType.GRAPHS]: 'graphs', [AttributeType.SPARSE_TENSORS]: 'sparse_tensors',
  [AttributeType.TYPE_PROTOS]: 'type_protos',
};
const SCALAR_FIELDS = ['f', 'i', 's', 't', 'g', 'sparse_tensor', 'tp'] as const;
const LIST_FIELDS = ['floats', 'ints', 'strings', 'tensors', 'graphs', 'sparse_tensors', 'type_protos'] as const;

/** A1/A3–A6: type set and matching the one populated value field; ref_attr_name only in functions. */
export function checkAttributeFields(attr: AttributeProto, where: string, problems: Problems, ir: number, inFunction: boolean): void {
  const populated: string[] = [];
  for (const field of SCALAR_FIELDS) if (has(attr, field)) populated.push(field);
  for (const field of LIST_FIELDS) if (list(attr[field] as readonly unknown[] | undefined).length > 0) populated.push(field);
  const type = attr.type ?? 0;
  const typed = has(attr, 'type') && type !== AttributeType.UNDEFINED;
  if (!attr.name) problems.error(where, 'has no name');
  if (!typed && ir >= 2) problems.error(where, `has no type (required since IR version 2)${populated.length === 1 ? `; its value is in '${populated[0]}'` : ''}`);
  if (attr.ref_attr_name) {
    if (!inFunction) problems.error(where, `refers to parent attribute ${q(attr.ref_attr_name)}, which only a node inside a function body may do`);
    else if (populated.length > 0) problems.error(where, `refers to parent attribute ${q(attr.ref_attr_name)} but also holds a value in '${populated[0]}'`);
    return;
  }
  const expected = typed ? VALUE_FIELD[type] : undefined;
  if (typed && expected === undefined) {
    problems.error(where, `has unknown type ${type}; expected an AttributeProto.AttributeType (1–14)`);
    return;
  }
  if (populated.length > 1) {
    problems.error(where, `holds values in ${populated.map((field) => `'${field}'`).join(', ')}; expected exactly one value field${expected ? ` ('${expected}')` : ''}`);
  } else if (expected && populated.length === 1 && populated[0] !== expected) {
    problems.error(where, `has type ${AttributeType[type]} but its value is in '${populated[0]}'; expected '${expected}'`);
  } else if (expected && populated.length === 0 && (SCALAR_FIELDS as readonly string[]).includes(expected)) {
    problems.warning(where, `has type ${AttributeType[type]} but no '${expected}' value (a proto3 writer may have dropped a default)`);
  }
}
