/**
 * The ONNX protobuf messages (onnx-ml flavour, through IR version 10) as a protobufjs JSON
 * descriptor: field names, numbers and types as the ONNX IR specification defines them.
 * proto2 semantics: repeated scalars are unpacked unless marked packed — this matters for
 * byte-identical re-serialisation, so `packed` follows the specification exactly.
 */
type Field = { type: string; id: number; rule?: 'repeated'; options?: { packed: boolean } };
type Message = { fields: Record<string, Field>; nested?: Record<string, Message> };

const opt = (type: string, id: number): Field => ({ type, id });
const rep = (type: string, id: number): Field => ({ type, id, rule: 'repeated', options: { packed: false } });
const packed = (type: string, id: number): Field => ({ type, id, rule: 'repeated', options: { packed: true } });

const messages: Record<string, Message> = {
  AttributeProto: {
    fields: {
      name: opt('string', 1),
      ref_attr_name: opt('string', 21),
      doc_string: opt('string', 13),
      type: opt('int32', 20),
      f: opt('float', 2),
      i: opt('int64', 3),
      s: opt('bytes', 4),
      t: opt('TensorProto', 5),
      g: opt('GraphProto', 6),
      sparse_tensor: opt('SparseTensorProto', 22),
      tp: opt('TypeProto', 14),
      floats: rep('float', 7),
      ints: rep('int64', 8),
      strings: rep('bytes', 9),
      tensors: rep('TensorProto', 10),
      graphs: rep('GraphProto', 11),
      sparse_tensors: rep('SparseTensorProto', 23),
      type_protos: rep('TypeProto', 15),
    },
  },
  ValueInfoProto: {
    fields: { name: opt('string', 1), type: opt('TypeProto', 2), doc_string: opt('string', 3), metadata_props: rep('StringStringEntryProto', 4) },
  },
  NodeProto: {
    fields: {
      input: rep('string', 1),
      output: rep('string', 2),
      name: opt('string', 3),
      op_type: opt('string', 4),
      domain: opt('string', 7),
      overload: opt('string', 8),
      attribute: rep('AttributeProto', 5),
      doc_string: opt('string', 6),
      metadata_props: rep('StringStringEntryProto', 9),
    },
  },
  TrainingInfoProto: {
    fields: {
      initialization: opt('GraphProto', 1),
      algorithm: opt('GraphProto', 2),
      initialization_binding: rep('StringStringEntryProto', 3),
      update_binding: rep('StringStringEntryProto', 4),
    },
  },
  ModelProto: {
    fields: {
      ir_version: opt('int64', 1),
      opset_import: rep('OperatorSetIdProto', 8),
      producer_name: opt('string', 2),
      producer_version: opt('string', 3),
      domain: opt('string', 4),
      model_version: opt('int64', 5),
      doc_string: opt('string', 6),
      graph: opt('GraphProto', 7),
      metadata_props: rep('StringStringEntryProto', 14),
      training_info: rep('TrainingInfoProto', 20),
      functions: rep('FunctionProto', 25),
    },
  },
  StringStringEntryProto: { fields: { key: opt('string', 1), value: opt('string', 2) } },
  TensorAnnotation: { fields: { tensor_name: opt('string', 1), quant_parameter_tensor_names: rep('StringStringEntryProto', 2) } },
  GraphProto: {
    fields: {
      node: rep('NodeProto', 1),
      name: opt('string', 2),
      initializer: rep('TensorProto', 5),
      sparse_initializer: rep('SparseTensorProto', 15),
      doc_string: opt('string', 10),
      input: rep('ValueInfoProto', 11),
      output: rep('ValueInfoProto', 12),
      value_info: rep('ValueInfoProto', 13),
      quantization_annotation: rep('TensorAnnotation', 14),
      metadata_props: rep('StringStringEntryProto', 16),
    },
  },
  TensorProto: {
    fields: {
      dims: rep('int64', 1),
      data_type: opt('int32', 2),
      segment: opt('Segment', 3),
      float_data: packed('float', 4),
      int32_data: packed('int32', 5),
      string_data: rep('bytes', 6),
      int64_data: packed('int64', 7),
      name: opt('string', 8),
      doc_string: opt('string', 12),
      raw_data: opt('bytes', 9),
      external_data: rep('StringStringEntryProto', 13),
      data_location: opt('int32', 14),
      double_data: packed('double', 10),
      uint64_data: packed('uint64', 11),
      metadata_props: rep('StringStringEntryProto', 16),
    },
    nested: { Segment: { fields: { begin: opt('int64', 1), end: opt('int64', 2) } } },
  },
  SparseTensorProto: { fields: { values: opt('TensorProto', 1), indices: opt('TensorProto', 2), dims: rep('int64', 3) } },
  TensorShapeProto: {
    fields: { dim: rep('Dimension', 1) },
    nested: { Dimension: { fields: { dim_value: opt('int64', 1), dim_param: opt('string', 2), denotation: opt('string', 3) } } },
  },
  TypeProto: {
    fields: {
      tensor_type: opt('Tensor', 1),
      sequence_type: opt('Sequence', 4),
      map_type: opt('Map', 5),
      optional_type: opt('Optional', 9),
      sparse_tensor_type: opt('SparseTensor', 8),
      opaque_type: opt('Opaque', 7),
      denotation: opt('string', 6),
    },
    nested: {
      Tensor: { fields: { elem_type: opt('int32', 1), shape: opt('TensorShapeProto', 2) } },
      Sequence: { fields: { elem_type: opt('TypeProto', 1) } },
      Map: { fields: { key_type: opt('int32', 1), value_type: opt('TypeProto', 2) } },
      Optional: { fields: { elem_type: opt('TypeProto', 1) } },
      SparseTensor: { fields: { elem_type: opt('int32', 1), shape: opt('TensorShapeProto', 2) } },
      Opaque: { fields: { domain: opt('string', 1), name: opt('string', 2) } },
    },
  },
  OperatorSetIdProto: { fields: { domain: opt('string', 1), version: opt('int64', 2) } },
  FunctionProto: {
    fields: {
      name: opt('string', 1),
      input: rep('string', 4),
      output: rep('string', 5),
      attribute: rep('string', 6),
      attribute_proto: rep('AttributeProto', 11),
      node: rep('NodeProto', 7),
      doc_string: opt('string', 8),
      opset_import: rep('OperatorSetIdProto', 9),
      domain: opt('string', 10),
      overload: opt('string', 13),
      value_info: rep('ValueInfoProto', 12),
      metadata_props: rep('StringStringEntryProto', 14),
    },
  },
};

export const ONNX_DESCRIPTOR = { nested: { onnx: { nested: messages } } };
