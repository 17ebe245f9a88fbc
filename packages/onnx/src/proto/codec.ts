import protobuf from 'protobufjs';
import { ONNX_DESCRIPTOR } from './descriptor.js';
import type { ModelProto, TensorProto, GraphProto, NodeProto, AttributeProto, ValueInfoProto } from './types.js';

const root = protobuf.Root.fromJSON(ONNX_DESCRIPTOR);

export const ModelType = root.lookupType('onnx.ModelProto');
const TensorType = root.lookupType('onnx.TensorProto');

/**
 * Decode a ModelProto. `bytes` fields (raw_data) are views into `buffer`, not copies, so a
 * model is held in memory once.
 */
export function decodeModelProto(buffer: Uint8Array): ModelProto {
  return ModelType.decode(buffer) as unknown as ModelProto;
}

export function encodeModelProto(model: ModelProto): Uint8Array {
  return ModelType.encode(model as unknown as protobuf.Message).finish();
}

/** Build messages with the right prototype (defaults for absent fields) from plain objects. */
export function createModel(fields: Partial<ModelProto>): ModelProto {
  return ModelType.fromObject(fields) as unknown as ModelProto;
}

export function createTensor(fields: Partial<TensorProto>): TensorProto {
  return TensorType.create(fields) as unknown as TensorProto;
}

export function createMessage<T extends GraphProto | NodeProto | AttributeProto | ValueInfoProto>(
  type: 'GraphProto' | 'NodeProto' | 'AttributeProto' | 'ValueInfoProto',
  fields: Partial<T>,
): T {
  return root.lookupType(`onnx.${type}`).create(fields) as unknown as T;
}
