/**
 * IEEE 754 binary32 → binary16 conversion (round to nearest, ties to even) and the tensor
 * conversion the fp16 rewrite uses. Works on the float32 bit pattern with integer arithmetic,
 * so results are exact and NaN payloads/signs survive.
 */
import { createTensor } from '../proto/codec.js';
import { DataType, type TensorProto } from '../proto/types.js';
import { elementCount, isExternal, littleEndianBytes, tensorDims, tensorToFloat32 } from '../tensor.js';

/** Largest finite float16 value. */
export const FLOAT16_MAX = 65504;
const FLOAT16_MAX_BITS = 0x7bff;
const FLOAT16_INFINITY_BITS = 0x7c00;

const scratch = new DataView(new ArrayBuffer(4));

/** float32 bit pattern (uint32) → float16 bit pattern. Overflow gives ±Infinity (IEEE). */
export function float32BitsToFloat16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;

  if (exponent === 0xff) {
    // Inf stays Inf; NaN stays a (quiet) NaN keeping the top payload bits.
    return mantissa === 0 ? sign | FLOAT16_INFINITY_BITS : sign | FLOAT16_INFINITY_BITS | 0x200 | (mantissa >>> 13);
  }
  // float16 normal exponents are 2^-14 … 2^15, i.e. float32 biased exponents 113 … 142.
  if (exponent >= 143) return sign | FLOAT16_INFINITY_BITS;
  if (exponent >= 113) {
    let half = ((exponent - 112) << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    // A carry out of the fraction correctly bumps the exponent (and reaches Infinity at the top).
    if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  // Below 2^-25 everything rounds to zero (2^-25 itself is a tie with 0, and 0 is even).
  if (exponent < 102) return sign;
  // Subnormal float16: the unit is 2^-24. The full 24-bit significand is shifted into place.
  const significand = mantissa | 0x800000;
  const shift = 126 - exponent; // 14 … 24
  let half = significand >>> shift;
  const rest = significand & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  if (rest > halfway || (rest === halfway && (half & 1) === 1)) half += 1;
  return sign | half;
}

/**
 * A number → float16 bits. The value is first rounded to float32 (tensor data is float32), then
 * to float16. With `saturate`, finite values beyond ±65504 become ±65504 instead of ±Infinity.
 */
export function float32ToFloat16Bits(value: number, saturate = false): number {
  scratch.setFloat32(0, value);
  const half = float32BitsToFloat16Bits(scratch.getUint32(0));
  if (saturate && (half & 0x7fff) === FLOAT16_INFINITY_BITS && Number.isFinite(value)) {
    return (half & 0x8000) | FLOAT16_MAX_BITS;
  }
  return half;
}

/** Float32 values → float16 bits, saturating finite overflow to ±65504. */
export function float32ArrayToFloat16Bits(values: Float32Array): { bits: Uint16Array; saturated: number } {
  const bits = new Uint16Array(values.length);
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let saturated = 0;
  for (let i = 0; i < values.length; i += 1) {
    let half = float32BitsToFloat16Bits(words[i]!);
    if ((half & 0x7fff) === FLOAT16_INFINITY_BITS && Number.isFinite(values[i]!)) {
      half = (half & 0x8000) | FLOAT16_MAX_BITS;
      saturated += 1;
    }
    bits[i] = half;
  }
  return { bits, saturated };
}

/**
 * A new FLOAT16 tensor holding `tensor`'s FLOAT values (raw_data, little-endian). Returns
 * undefined for tensors whose data lives in an external file (the caller keeps them fp32).
 */
export function tensorToFloat16(tensor: TensorProto): { tensor: TensorProto; saturated: number } | undefined {
  if (isExternal(tensor)) return undefined;
  const dims = tensorDims(tensor);
  const values = tensorToFloat32(tensor);
  if (values.length !== elementCount(dims)) throw new Error(`tensor '${tensor.name ?? ''}' holds ${values.length} values for dims [${dims.join(', ')}]`);
  const { bits, saturated } = float32ArrayToFloat16Bits(values);
  const fields: Partial<TensorProto> = { dims: [...dims], data_type: DataType.FLOAT16, raw_data: littleEndianBytes(bits) };
  if (tensor.name) fields.name = tensor.name;
  if (tensor.doc_string) fields.doc_string = tensor.doc_string;
  return { tensor: createTensor(fields), saturated };
}
