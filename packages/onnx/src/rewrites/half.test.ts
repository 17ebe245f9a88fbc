import { describe, expect, it } from 'vitest';
import { createTensor } from '../proto/codec.js';
import { DataType } from '../proto/types.js';
import { float16BitsToNumber, float32Tensor, tensorToFloat32 } from '../tensor.js';
import { FLOAT16_MAX, float32ToFloat16Bits, tensorToFloat16 } from './half.js';

const isNaNBits = (bits: number) => (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;
/** The float32 value one ulp above (direction 1) or below (-1) a positive float32 `value`. */
function float32Neighbour(value: number, direction: 1 | -1): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value);
  view.setUint32(0, view.getUint32(0) + direction);
  return view.getFloat32(0);
}

describe('float32 → float16 bits', () => {
  it('round-trips all 65536 float16 bit patterns (NaNs stay NaN with their sign)', () => {
    const mismatches: string[] = [];
    for (let bits = 0; bits < 0x10000; bits += 1) {
      const value = float16BitsToNumber(bits);
      const back = float32ToFloat16Bits(value);
      const ok = Number.isNaN(value) ? isNaNBits(back) : back === bits;
      if (!ok) mismatches.push(`${bits.toString(16)} → ${value} → ${back.toString(16)}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('rounds exact midpoints to even and everything else to nearest, for every pair of neighbours', () => {
    const problems: string[] = [];
    for (let low = 0; low < 0x7bff; low += 1) {
      const high = low + 1;
      const middle = (float16BitsToNumber(low) + float16BitsToNumber(high)) / 2; // exact in float32
      const even = low % 2 === 0 ? low : high;
      for (const sign of [0, 0x8000]) {
        const s = sign ? -1 : 1;
        const cases: [number, number][] = [
          [s * middle, even | sign],
          [s * float32Neighbour(middle, -1), low | sign],
          [s * float32Neighbour(middle, 1), high | sign],
        ];
        for (const [input, expected] of cases) {
          const got = float32ToFloat16Bits(input);
          if (got !== expected) problems.push(`${input}: got ${got.toString(16)}, expected ${expected.toString(16)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('handles the boundary values', () => {
    const cases: [number, number, number][] = [
      // value, IEEE bits, saturating bits
      [FLOAT16_MAX, 0x7bff, 0x7bff],
      [65519.99609375, 0x7bff, 0x7bff], // just below the 65504/65536 midpoint
      [65520, 0x7c00, 0x7bff], // the midpoint: ties to even = Infinity in IEEE
      [1e5, 0x7c00, 0x7bff],
      [-1e5, 0xfc00, 0xfbff],
      [3.4e38, 0x7c00, 0x7bff],
      [Number.POSITIVE_INFINITY, 0x7c00, 0x7c00],
      [Number.NEGATIVE_INFINITY, 0xfc00, 0xfc00],
      [0, 0x0000, 0x0000],
      [-0, 0x8000, 0x8000],
      [1, 0x3c00, 0x3c00],
      [-2, 0xc000, 0xc000],
      [2 ** -14, 0x0400, 0x0400], // smallest normal
      [2 ** -14 - 2 ** -25, 0x0400, 0x0400], // rounds up into the normals
      [2 ** -24, 0x0001, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000, 0x0000], // half of it: tie, rounds to even (zero)
      [float32Neighbour(2 ** -25, 1), 0x0001, 0x0001],
      [3 * 2 ** -25, 0x0002, 0x0002], // tie between 1 and 2 units → 2
      [-(2 ** -26), 0x8000, 0x8000], // underflow keeps the sign
      [1e-8, 0x0000, 0x0000],
      [1e-7, 0x0002, 0x0002], // 1e-7 / 2^-24 ≈ 1.68
    ];
    for (const [value, ieee, saturated] of cases) {
      expect(float32ToFloat16Bits(value).toString(16), `${value}`).toBe(ieee.toString(16));
      expect(float32ToFloat16Bits(value, true).toString(16), `${value} saturating`).toBe(saturated.toString(16));
    }
    expect(isNaNBits(float32ToFloat16Bits(Number.NaN))).toBe(true);
    expect(isNaNBits(float32ToFloat16Bits(Number.NaN, true))).toBe(true);
  });
});

describe('tensorToFloat16', () => {
  it('converts raw_data and float_data tensors, saturating at ±65504 (not 1e4)', () => {
    const values = [0.1, -2.5, 70000, -1e9, 1e-9, 12345.678, Number.POSITIVE_INFINITY];
    const fromRaw = tensorToFloat16(float32Tensor('w', [7], values))!;
    const fromFloats = tensorToFloat16(createTensor({ name: 'w', dims: [7], data_type: DataType.FLOAT, float_data: values }))!;
    for (const result of [fromRaw, fromFloats]) {
      expect(result.tensor.data_type).toBe(DataType.FLOAT16);
      expect(result.tensor.raw_data?.byteLength).toBe(14);
      expect(result.saturated).toBe(2);
      const back = Array.from(tensorToFloat32(result.tensor));
      expect(back[0]).toBeCloseTo(0.1, 3);
      expect(back.slice(1)).toEqual([-2.5, 65504, -65504, 0, 12344, Number.POSITIVE_INFINITY]);
    }
  });

  it('leaves external tensors alone (returns undefined)', () => {
    const external = createTensor({ name: 'w', dims: [2], data_type: DataType.FLOAT, data_location: 1, external_data: [{ key: 'location', value: 'w.bin' }] });
    expect(tensorToFloat16(external)).toBeUndefined();
  });
});
