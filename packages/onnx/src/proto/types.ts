/**
 * TypeScript shapes of the decoded ONNX messages. Absent proto2 fields are absent (or hold the
 * protobufjs default on the prototype); int64 values arrive as `Long` or `number`, so read
 * them through `toInt` in ../numbers.ts.
 */
import type Long from 'long';

export type Int64 = number | Long;

export interface StringStringEntryProto {
  key?: string;
  value?: string;
}

export interface OperatorSetIdProto {
  domain?: string;
  version?: Int64;
}

export interface TensorProto {
  dims: Int64[];
  data_type?: number;
  segment?: { begin?: Int64; end?: Int64 };
  float_data: number[];
  int32_data: number[];
  string_data: Uint8Array[];
  int64_data: Int64[];
  name?: string;
  doc_string?: string;
  raw_data?: Uint8Array;
  external_data: StringStringEntryProto[];
  data_location?: number;
  double_data: number[];
  uint64_data: Int64[];
  metadata_props: StringStringEntryProto[];
}

export interface SparseTensorProto {
  values?: TensorProto;
  indices?: TensorProto;
  dims: Int64[];
}

export interface DimensionProto {
  dim_value?: Int64;
  dim_param?: string;
  denotation?: string;
}

export interface TensorShapeProto {
  dim: DimensionProto[];
}

export interface TypeProto {
  tensor_type?: { elem_type?: number; shape?: TensorShapeProto };
  sequence_type?: { elem_type?: TypeProto };
  map_type?: { key_type?: number; value_type?: TypeProto };
  optional_type?: { elem_type?: TypeProto };
  sparse_tensor_type?: { elem_type?: number; shape?: TensorShapeProto };
  opaque_type?: { domain?: string; name?: string };
  denotation?: string;
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  doc_string?: string;
  metadata_props: StringStringEntryProto[];
}

export interface AttributeProto {
  name?: string;
  ref_attr_name?: string;
  doc_string?: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  sparse_tensor?: SparseTensorProto;
  tp?: TypeProto;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  tensors: TensorProto[];
  graphs: GraphProto[];
  sparse_tensors: SparseTensorProto[];
  type_protos: TypeProto[];
}

export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  overload?: string;
  attribute: AttributeProto[];
  doc_string?: string;
  metadata_props: StringStringEntryProto[];
}

export interface TensorAnnotation {
  tensor_name?: string;
  quant_parameter_tensor_names: StringStringEntryProto[];
}

export interface GraphProto {
  node: NodeProto[];
  name?: string;
  initializer: TensorProto[];
  sparse_initializer: SparseTensorProto[];
  doc_string?: string;
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  value_info: ValueInfoProto[];
  quantization_annotation: TensorAnnotation[];
  metadata_props: StringStringEntryProto[];
}

export interface FunctionProto {
  name?: string;
  input: string[];
  output: string[];
  attribute: string[];
  attribute_proto: AttributeProto[];
  node: NodeProto[];
  doc_string?: string;
  opset_import: OperatorSetIdProto[];
  domain?: string;
  overload?: string;
  value_info: ValueInfoProto[];
  metadata_props: StringStringEntryProto[];
}

export interface TrainingInfoProto {
  initialization?: GraphProto;
  algorithm?: GraphProto;
  initialization_binding: StringStringEntryProto[];
  update_binding: StringStringEntryProto[];
}

export interface ModelProto {
  ir_version?: Int64;
  opset_import: OperatorSetIdProto[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: Int64;
  doc_string?: string;
  graph?: GraphProto;
  metadata_props: StringStringEntryProto[];
  training_info: TrainingInfoProto[];
  functions: FunctionProto[];
}

/** TensorProto.DataType */
export enum DataType {
  UNDEFINED = 0,
  FLOAT = 1,
  UINT8 = 2,
  INT8 = 3,
  UINT16 = 4,
  INT16 = 5,
  INT32 = 6,
  INT64 = 7,
  STRING = 8,
  BOOL = 9,
  FLOAT16 = 10,
  DOUBLE = 11,
  UINT32 = 12,
  UINT64 = 13,
  COMPLEX64 = 14,
  COMPLEX128 = 15,
  BFLOAT16 = 16,
  FLOAT8E4M3FN = 17,
  FLOAT8E4M3FNUZ = 18,
  FLOAT8E5M2 = 19,
  FLOAT8E5M2FNUZ = 20,
  UINT4 = 21,
  INT4 = 22,
  FLOAT4E2M1 = 23,
}

/** AttributeProto.AttributeType */
export enum AttributeType {
  UNDEFINED = 0,
  FLOAT = 1,
  INT = 2,
  STRING = 3,
  TENSOR = 4,
  GRAPH = 5,
  FLOATS = 6,
  INTS = 7,
  STRINGS = 8,
  TENSORS = 9,
  GRAPHS = 10,
  SPARSE_TENSOR = 11,
  SPARSE_TENSORS = 12,
  TYPE_PROTO = 13,
  TYPE_PROTOS = 14,
}

export const DATA_LOCATION_EXTERNAL = 1;
