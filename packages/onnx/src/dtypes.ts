import { DataType } from './proto/types.js';
import type { Int64 } from './proto/types.js';

/** Names as numpy/onnxruntime print them; used in reports and signatures. */
const NAMES: Record<number, string> = {
  [DataType.UNDEFINED]: 'undefined',
  [DataType.FLOAT]: 'float32',
  [DataType.UINT8]: 'uint8',
  [DataType.INT8]: 'int8',
  [DataType.UINT16]: 'uint16',
  [DataType.INT16]: 'int16',
  [DataType.INT32]: 'int32',
  [DataType.INT64]: 'int64',
  [DataType.STRING]: 'string',
  [DataType.BOOL]: 'bool',
  [DataType.FLOAT16]: 'float16',
  [DataType.DOUBLE]: 'float64',
  [DataType.UINT32]: 'uint32',
  [DataType.UINT64]: 'uint64',
  [DataType.COMPLEX64]: 'complex64',
  [DataType.COMPLEX128]: 'complex128',
  [DataType.BFLOAT16]: 'bfloat16',
  [DataType.FLOAT8E4M3FN]: 'float8e4m3fn',
  [DataType.FLOAT8E4M3FNUZ]: 'float8e4m3fnuz',
  [DataType.FLOAT8E5M2]: 'float8e5m2',
  [DataType.FLOAT8E5M2FNUZ]: 'float8e5m2fnuz',
  [DataType.UINT4]: 'uint4',
  [DataType.INT4]: 'int4',
  [DataType.FLOAT4E2M1]: 'float4e2m1',
};

/** Bits per element in raw_data; 0 for strings (variable). */
const BITS: Record<number, number> = {
  [DataType.FLOAT]: 32,
  [DataType.UINT8]: 8,
  [DataType.INT8]: 8,
  [DataType.UINT16]: 16,
  [DataType.INT16]: 16,
  [DataType.INT32]: 32,
  [DataType.INT64]: 64,
  [DataType.STRING]: 0,
  [DataType.BOOL]: 8,
  [DataType.FLOAT16]: 16,
  [DataType.DOUBLE]: 64,
  [DataType.UINT32]: 32,
  [DataType.UINT64]: 64,
  [DataType.COMPLEX64]: 64,
  [DataType.COMPLEX128]: 128,
  [DataType.BFLOAT16]: 16,
  [DataType.FLOAT8E4M3FN]: 8,
  [DataType.FLOAT8E4M3FNUZ]: 8,
  [DataType.FLOAT8E5M2]: 8,
  [DataType.FLOAT8E5M2FNUZ]: 8,
  [DataType.UINT4]: 4,
  [DataType.INT4]: 4,
  [DataType.FLOAT4E2M1]: 4,
};

export function dataTypeName(type: number | undefined): string {
  return NAMES[type ?? 0] ?? `unknown(${type})`;
}

export function isKnownDataType(type: number | undefined): boolean {
  return type !== undefined && type !== DataType.UNDEFINED && type in BITS;
}

/** Bytes that `count` elements take in raw_data (sub-byte types are packed, rounded up). */
export function rawByteLength(type: number, count: number): number {
  const bits = BITS[type];
  if (bits === undefined || bits === 0) return Number.NaN;
  return Math.ceil((bits * count) / 8);
}

/** Exact integer from an int64 field; refuses silently rounding past 2^53. */
export function toInt(value: Int64 | undefined | null): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  const n = value.toNumber();
  if (!Number.isSafeInteger(n)) throw new RangeError(`int64 value ${value.toString()} does not fit a JavaScript number`);
  return n;
}

/** Like toInt but keeps out-of-range values as ±Infinity-free approximations (for reports). */
export function toApproximateNumber(value: Int64 | undefined | null): number {
  if (value === undefined || value === null) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}
