import { createTensor } from './proto/codec.js';
import { DATA_LOCATION_EXTERNAL, DataType, type TensorProto } from './proto/types.js';
import { dataTypeName, rawByteLength, toInt } from './dtypes.js';

export function tensorDims(tensor: TensorProto): number[] {
  return tensor.dims.map((dim) => toInt(dim));
}

export function elementCount(dims: readonly number[]): number {
  let count = 1;
  for (const dim of dims) count *= dim;
  return count;
}

export function isExternal(tensor: TensorProto): boolean {
  return tensor.data_location === DATA_LOCATION_EXTERNAL;
}

/**
 * Bytes the tensor's values take when materialised (raw layout), whatever field or
 * external file holds them. Strings count their UTF-8 bytes.
 */
export function tensorDataBytes(tensor: TensorProto): number {
  const type = tensor.data_type ?? 0;
  if (type === DataType.STRING) return tensor.string_data.reduce((sum, value) => sum + value.byteLength, 0);
  return rawByteLength(type, elementCount(tensorDims(tensor)));
}

/** The tensor's values as float32 (FLOAT, DOUBLE, FLOAT16 and integer types); throws for others. */
export function tensorToFloat32(tensor: TensorProto): Float32Array {
  const type = tensor.data_type ?? 0;
  const count = elementCount(tensorDims(tensor));
  const raw = tensor.raw_data && tensor.raw_data.byteLength > 0 ? tensor.raw_data : undefined;
  if (isExternal(tensor)) throw new Error(`tensor '${tensor.name}' keeps its data in an external file; load it first`);
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : undefined;
  const out = new Float32Array(count);
  switch (type) {
    case DataType.FLOAT:
      if (view) for (let i = 0; i < count; i += 1) out[i] = view.getFloat32(i * 4, true);
      else out.set(tensor.float_data);
      return out;
    case DataType.DOUBLE:
      if (view) for (let i = 0; i < count; i += 1) out[i] = view.getFloat64(i * 8, true);
      else out.set(tensor.double_data);
      return out;
    case DataType.FLOAT16:
      for (let i = 0; i < count; i += 1) out[i] = float16BitsToNumber(view ? view.getUint16(i * 2, true) : tensor.int32_data[i]!);
      return out;
    case DataType.INT8:
      for (let i = 0; i < count; i += 1) out[i] = view ? view.getInt8(i) : tensor.int32_data[i]!;
      return out;
    case DataType.UINT8:
      for (let i = 0; i < count; i += 1) out[i] = view ? view.getUint8(i) : tensor.int32_data[i]!;
      return out;
    case DataType.INT32:
      for (let i = 0; i < count; i += 1) out[i] = view ? view.getInt32(i * 4, true) : tensor.int32_data[i]!;
      return out;
    case DataType.INT64:
      for (let i = 0; i < count; i += 1) out[i] = view ? Number(view.getBigInt64(i * 8, true)) : toInt(tensor.int64_data[i]);
      return out;
    default:
      throw new Error(`tensor '${tensor.name}' has type ${dataTypeName(type)}, not convertible to float32`);
  }
}

/** A FLOAT tensor with little-endian raw_data (how exporters write weights). */
export function float32Tensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const data = Float32Array.from(values);
  return createTensor({ name, dims: [...dims], data_type: DataType.FLOAT, raw_data: littleEndianBytes(data) });
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((value, i) => view.setBigInt64(i * 8, BigInt(value), true));
  return createTensor({ name, dims: [...dims], data_type: DataType.INT64, raw_data: raw });
}

/** Bytes of a typed array in little-endian order, whatever the host's byte order. */
export function littleEndianBytes(data: Float32Array | Float64Array | Int32Array | Uint16Array | Int8Array | Uint8Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  if (data.BYTES_PER_ELEMENT > 1 && new Uint8Array(new Uint16Array([1]).buffer)[0] === 0) {
    for (let i = 0; i < bytes.length; i += data.BYTES_PER_ELEMENT) bytes.subarray(i, i + data.BYTES_PER_ELEMENT).reverse();
  }
  return bytes;
}

/** IEEE 754 binary16 bits → number. */
export function float16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
