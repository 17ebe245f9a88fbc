import { describe, expect, it } from 'vitest';
import { CALIBRATION_EDGES, calibrationBin } from './calibration.js';
import { downsampleCurve, lttbIndices } from './curves.js';
import { ExactSum, pairwiseSum } from './sums.js';

describe('curve downsampling (LTTB)', () => {
  it('keeps short curves as they are', () => {
    expect(downsampleCurve([0, 0.5, 1], [0, 0.7, 1], 200)).toEqual([
      [0, 0.5, 1],
      [0, 0.7, 1],
    ]);
  });

  it('keeps at most max points, the ends exact and the corner of an L-shaped curve', () => {
    const n = 5001;
    const x = Array.from({ length: n }, (_, i) => (i <= 2500 ? 0 : (i - 2500) / 2500));
    const y = Array.from({ length: n }, (_, i) => (i <= 2500 ? i / 2500 : 1));
    const idx = lttbIndices(x, y, 200);
    expect(idx).toHaveLength(200);
    expect(idx[0]).toBe(0);
    expect(idx.at(-1)).toBe(n - 1);
    expect(idx.every((v, i) => i === 0 || v > idx[i - 1]!)).toBe(true);
    const [dx, dy] = downsampleCurve(x, y, 200);
    expect(dx.some((v, i) => v === 0 && dy[i] === 1)).toBe(true);
    expect(() => lttbIndices(x, y, 2)).toThrow(RangeError);
  });
});

describe('calibration bins', () => {
  it('uses np.linspace(0, 1, 16) edges; a score on an inner edge goes to the lower bin', () => {
    expect(CALIBRATION_EDGES[0]).toBe(0);
    expect(CALIBRATION_EDGES[15]).toBe(1);
    expect(CALIBRATION_EDGES[3]).toBe(3 * (1 / 15));
    expect(calibrationBin(0)).toBe(0);
    expect(calibrationBin(1)).toBe(14);
    for (let b = 1; b < 15; b++) {
      const edge = CALIBRATION_EDGES[b]!;
      expect(calibrationBin(edge)).toBe(b - 1);
      expect(calibrationBin(edge + Number.EPSILON)).toBe(b);
    }
  });
});

describe('sums', () => {
  it('ExactSum is exact and order-free', () => {
    const s = new ExactSum();
    for (const v of [1e100, 1, -1e100, 1e-100]) s.add(v);
    expect(s.value()).toBe(1);
    const tenth = new ExactSum();
    for (let i = 0; i < 10; i++) tenth.add(0.1);
    expect(tenth.value()).toBe(1); // math.fsum([0.1] * 10) == 1.0
    const a = new ExactSum();
    const b = new ExactSum();
    [0.3, 1e16, -7.5].forEach((v) => a.add(v));
    [2.25, -1e16, 1e-9].forEach((v) => b.add(v));
    const whole = new ExactSum();
    [0.3, 1e16, -7.5, 2.25, -1e16, 1e-9].forEach((v) => whole.add(v));
    a.merge(b);
    expect(a.value()).toBe(whole.value());
    expect(new ExactSum().value()).toBe(0);
  });

  it('pairwiseSum follows numpy: 8-way unrolled blocks of <= 128, halves above', () => {
    const x = Array.from({ length: 1000 }, (_, i) => 0.1 * ((i % 7) - 3) + 1e-3 * i);
    let naive = 0;
    for (const v of x) naive += v;
    expect(pairwiseSum(x)).toBeCloseTo(naive, 10);
    expect(pairwiseSum([0.1, 0.1, 0.1])).toBe(0.1 + 0.1 + 0.1);
    expect(pairwiseSum([])).toBe(0);
  });
});
