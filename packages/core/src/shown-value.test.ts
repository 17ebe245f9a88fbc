import { describe, expect, it } from 'vitest';
import { shownValue } from './shown-value.js';

describe('shownValue', () => {
  it('quotes up to 120 characters whole, a longer value by its first 120 and its length', () => {
    expect(shownValue('x'.repeat(120))).toBe('x'.repeat(120));
    expect(shownValue(42)).toBe('42');
    expect(shownValue('y'.repeat(121))).toBe(`${'y'.repeat(120)}… (121 characters)`);
  });

  it('never cuts between the two halves of a surrogate pair', () => {
    // '😀' is two UTF-16 units: at 120 and 121 the cut would leave a lone high surrogate.
    expect(shownValue(`${'e'.repeat(119)}😀tail`)).toBe(`${'e'.repeat(119)}… (125 characters)`);
    expect(shownValue(`${'e'.repeat(118)}😀tail`)).toBe(`${'e'.repeat(118)}😀… (124 characters)`);
  });
});
