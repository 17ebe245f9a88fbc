import { describe, expect, it } from 'vitest';
import { formatSigned, formatValue } from './cells.js';
import { formatMetric } from './eval.js';

describe('number formats', () => {
  it('formatValue: fixed decimals, integers as they are, missing and non-finite values as signs', () => {
    expect([0.123456, 2, 2.5, null, undefined, Number.NaN, Infinity, -Infinity].map((value) => formatValue(value))).toEqual(['0.1235', '2', '2.5000', '—', '—', '—', '∞', '-∞']);
    expect(formatValue(3, 2, false)).toBe('3.00');
  });

  it('formatMetric: formatValue, but one decimal from 1000 on', () => {
    expect([0.123456, 1234.5678, -2500.25, 4096, null, Number.NaN, Infinity].map((value) => formatMetric(value))).toEqual(['0.1235', '1234.6', '-2500.3', '4096', '—', '—', '∞']);
    expect(formatMetric(0.5, 2)).toBe('0.50');
  });

  it('formatSigned: a sign unless it rounds to nothing', () => {
    expect([0.012, -0.01, 0.00001, 3].map((value) => formatSigned(value))).toEqual(['+0.0120', '-0.0100', '0.0000', '+3']);
  });
});
