/** canonicalLabel: one spelling per class, exact for integers of any size. */
import { describe, expect, it } from 'vitest';
import { canonicalLabel } from './evaluate.js';

describe('canonicalLabel', () => {
  it("reads integer spellings as one class, exactly: ' 1', '+1', '01' and '1.00' are 1, and 2^53 + 1 is not 2^53", () => {
    expect([' 1', '+1', '01', '1.00', 1, 1n].map(canonicalLabel)).toEqual(['1', '1', '1', '1', '1', '1']);
    expect(['-0', '-07.0', ' >50K ', '1.5'].map(canonicalLabel)).toEqual(['0', '-7', '>50K', '1.5']);
    // As pandas reads an int64 column.
    expect(['9007199254740992', '9007199254740993', '+9007199254740993.0', '-9007199254740993'].map(canonicalLabel)).toEqual([
      '9007199254740992',
      '9007199254740993',
      '9007199254740993',
      '-9007199254740993',
    ]);
  });
});
