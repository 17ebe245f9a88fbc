import { describe, expect, it } from 'vitest';
import {
  BOOL,
  classifyCell,
  classifyString,
  daysFromCivil,
  FLOAT,
  INT,
  keyOf,
  keyOfText,
  keyText,
  parsed,
  STRING,
  TIMESTAMP,
  typeOfMask,
} from './classify.js';
import { Xoshiro128 } from '../synthetic/prng.js';

function kindAndValue(text: string): [string, number] {
  const kind = classifyString(text);
  return [['int', 'float', 'bool', 'timestamp', 'string'][kind]!, parsed[0]!];
}

describe('classifyString', () => {
  it.each([
    ['0', 'int', 0],
    ['42', 'int', 42],
    ['-17', 'int', -17],
    ['+5', 'int', 5],
    ['007', 'int', 7],
    ['-0', 'int', -0],
    ['123456789012345', 'int', 123456789012345],
    ['12345678901234567890', 'int', 12345678901234567890],
    ['1.5', 'float', 1.5],
    ['-0.25', 'float', -0.25],
    ['.5', 'float', 0.5],
    ['-.5', 'float', -0.5],
    ['1.', 'float', 1],
    ['1e3', 'float', 1000],
    ['1.5E-3', 'float', 0.0015],
    ['2e+2', 'float', 200],
    ['inf', 'float', Infinity],
    ['-Infinity', 'float', -Infinity],
    ['+INF', 'float', Infinity],
    ['true', 'bool', 1],
    ['False', 'bool', 0],
    ['TRUE', 'bool', 1],
    ['2024-02-29', 'timestamp', Date.UTC(2024, 1, 29)],
    ['1969-12-31', 'timestamp', -86_400_000],
    ['2024-01-02T03:04:05Z', 'timestamp', Date.UTC(2024, 0, 2, 3, 4, 5)],
    ['2024-01-02 03:04', 'timestamp', Date.UTC(2024, 0, 2, 3, 4)],
    ['2024-01-02T03:04:05.123', 'timestamp', Date.UTC(2024, 0, 2, 3, 4, 5, 123)],
    ['2024-01-02T03:04:05.5+02:00', 'timestamp', Date.UTC(2024, 0, 2, 1, 4, 5, 500)],
    ['2024-01-02T03:04:05-0130', 'timestamp', Date.UTC(2024, 0, 2, 4, 34, 5)],
    ['2024-01-02T03:04+05', 'timestamp', Date.UTC(2024, 0, 1, 22, 4)],
  ])('%s → %s %d', (text, kind, value) => {
    expect(kindAndValue(text)).toEqual([kind, value]);
  });

  it('reads every int and float as Number() does, to the bit', () => {
    // Numbers written the ways files write them (fixed decimals, leading zeros, exponents around
    // the fast path's limits of 15 digits and 10^±22) and a few known hard cases for rounding.
    const rng = new Xoshiro128(7, 3);
    const digits = (n: number) => Array.from({ length: n }, () => String(rng.intBetween(0, 9))).join('');
    const texts = [
      // At the fast path's edges (15 digits, 10^±22), where it computes the value itself.
      '123456789012345e22', '123456789012345e-22', '999999999999999e22', '.123456789012345e-7', '1e-22', '1e22', '1e0000000000000000000000022',
      '-0.0', '-0e5', '0.1', '0.3', '4.35', '8.41e21', '999999999999999', '0.00000000000001',
      // Just past them, and out of range: Number() reads these.
      '9007199254740993', '1234567890123456', '123456789012345e23', '1e23', '1e-23', '9.999999999999999e22', '0.000000000000000000001',
      '999999999999999.9', '1.7976931348623157e308', '2.2250738585072014e-308', '5e-324', '1e400', '1e-400', '-0e-400', '1e99999999999999999999',
    ];
    for (let n = 0; n < 200_000; n += 1) {
      const sign = ['', '-', '+'][rng.intBetween(0, 2)]!;
      const whole = digits(rng.intBetween(0, 18));
      const fraction = rng.nextFloat() < 0.9 ? `.${digits(rng.intBetween(whole === '' ? 1 : 0, 18))}` : '';
      const exponent = rng.nextFloat() < 0.3 ? `${rng.nextFloat() < 0.5 ? 'e' : 'E'}${['', '-', '+'][rng.intBetween(0, 2)]}${'0'.repeat(rng.intBetween(0, 2))}${rng.intBetween(0, 40)}` : '';
      if (whole === '' && fraction === '') continue;
      texts.push(`${sign}${whole}${fraction}${exponent}`);
    }
    const wrong = texts.filter((text) => {
      const kind = classifyString(text);
      return (kind !== INT && kind !== FLOAT) || !Object.is(parsed[0], Number(text));
    });
    expect(wrong).toEqual([]);
  });

  it('reads NaN in any case as a float', () => {
    for (const text of ['nan', 'NaN', 'NAN', '-nan']) {
      expect(classifyString(text)).toBe(FLOAT);
      expect(parsed[0]).toBeNaN();
    }
  });

  it.each([
    '',
    '-',
    '+',
    '.',
    'e5',
    '1e',
    '1e+',
    '1.2.3',
    ' 42',
    '42 ',
    '0x1F',
    '1_000',
    '1,5',
    'yes',
    'tru',
    'null',
    'nano',
    'infinite',
    'Private',
    '2023-02-29',
    '2024-13-01',
    '2024-00-10',
    '2024-04-31',
    '2024-1-01',
    '2024-01-01T',
    '2024-01-01T25:00',
    '2024-01-01T10:60',
    '2024-01-01T10:00:61',
    '2024-01-01T10:00:00.',
    '2024-01-01T10:00Zx',
    '2024-01-01T10:00+2',
    '2024-01-01X10:00',
    '+2024-01-01',
    '<=50K',
  ])('%j is a string', (text) => {
    expect(classifyString(text)).toBe(STRING);
  });
});

describe('typed cells and keys', () => {
  it('classifies typed values', () => {
    expect(classifyCell(3)).toBe(INT);
    expect(classifyCell(3.5)).toBe(FLOAT);
    expect(classifyCell(true)).toBe(BOOL);
    expect(classifyCell(12n)).toBe(INT);
    expect(parsed[0]).toBe(12);
    expect(classifyCell('2024-05-06')).toBe(TIMESTAMP);
  });

  it('normalizes numeric keys and round-trips them through text', () => {
    const key = (cell: string | number | boolean) => keyOf(cell, classifyCell(cell));
    expect(key('1')).toBe(1);
    expect(key('1.0')).toBe(1);
    expect(key('01')).toBe(1);
    expect(Object.is(key('-0'), 0)).toBe(true);
    expect(key('True')).toBe(true);
    expect(key('Private')).toBe('Private');
    expect(key('2024-01-01')).toBe('2024-01-01');
    for (const k of [0, -5, 1.5, 1e21, -3e25, 1.5e-7, 2 ** 60, Infinity, -Infinity, true, false, 'x', '2024-01-01', 'Infinity!']) {
      expect(keyOfText(keyText(k))).toEqual(k);
    }
    expect(keyText(1e21)).toBe('1000000000000000000000');
    expect(keyOfText('NaN')).toBeNaN();
  });

  it('derives a column type from the kinds present', () => {
    expect(typeOfMask(0)).toBe('string');
    expect(typeOfMask(1 << INT)).toBe('int');
    expect(typeOfMask((1 << INT) | (1 << FLOAT))).toBe('float');
    expect(typeOfMask(1 << BOOL)).toBe('bool');
    expect(typeOfMask(1 << TIMESTAMP)).toBe('timestamp');
    expect(typeOfMask((1 << BOOL) | (1 << INT))).toBe('string');
    expect(typeOfMask((1 << TIMESTAMP) | (1 << INT))).toBe('string');
    expect(typeOfMask((1 << STRING) | (1 << FLOAT))).toBe('string');
  });

  it('counts days like Date.UTC, including years before 100 and BC', () => {
    for (const [y, m, d] of [[1970, 1, 1], [2000, 2, 29], [1900, 3, 1], [1, 1, 1], [99, 12, 31], [-1, 6, 15], [9999, 12, 31]] as const) {
      const date = new Date(0);
      date.setUTCFullYear(y, m - 1, d);
      expect(daysFromCivil(y, m, d) * 86_400_000).toBe(date.getTime());
    }
  });
});
