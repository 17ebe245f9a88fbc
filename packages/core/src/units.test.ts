import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, parseByteSize, parsePercent } from './units.js';

describe('sizes and percentages', () => {
  it('parses SI and IEC sizes', () => {
    expect(parseByteSize('50MB')).toBe(50_000_000);
    expect(parseByteSize('1.5GiB')).toBe(1_610_612_736);
    expect(parseByteSize('1024')).toBe(1024);
    expect(parseByteSize('12 kib')).toBe(12_288);
    expect(parseByteSize(7)).toBe(7);
  });
  it('rejects what is not a size, saying what is expected', () => {
    expect(() => parseByteSize('50 megs')).toThrow("expected a size like 50MB, 1.5GiB or 1024, got '50 megs'");
    expect(() => parseByteSize(-1)).toThrow('expected a size in bytes, got -1');
  });
  it('parses percentages as fractions', () => {
    expect(parsePercent('10%')).toBeCloseTo(0.1, 15);
    expect(parsePercent('-2.5 %')).toBeCloseTo(-0.025, 15);
    expect(() => parsePercent('10')).toThrow("expected a percentage like 10%, got '10'");
  });
  it('formats bytes in IEC units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(-52_428_800)).toBe('-50.0 MiB');
  });
  it('groups the digits of counts as ICU does for en-US', () => {
    const values = [0, -0, 7, -7, 999, 1000, -1000, 12_345, 999_999, 1_000_000, -1_234_567, 95_000_000_123, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
    // Every length of a safe integer (up to 16 digits: 10^16 - 1 is not one).
    for (let digits = 1; digits <= 16; digits += 1) values.push(10 ** (digits - 1), -(10 ** (digits - 1)), digits < 16 ? 10 ** digits - 1 : Number.MAX_SAFE_INTEGER - 1);
    for (const value of values) expect(formatCount(value)).toBe(value.toLocaleString('en-US'));
    expect(formatCount(1_234_567)).toBe('1,234,567');
    expect(formatCount(-0)).toBe('-0');
    // Fractions and values beyond 2^53 are left to ICU (String() would write these with an exponent).
    expect(formatCount(1234.5)).toBe('1,234.5');
    for (const value of [2 ** 70, 1e21]) expect(formatCount(value)).toBe(value.toLocaleString('en-US'));
  });
});
