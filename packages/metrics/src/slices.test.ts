import { describe, expect, it } from 'vitest';
import { classificationMetrics, perClassByLabel } from './classification.js';
import { regressionMetrics } from './regression.js';
import { classificationBySlice, regressionBySlice, selectClassification, selectMatrixRows, sliceRows } from './slices.js';

describe('slices', () => {
  it('groups rows by value, ordered by value, missing last', () => {
    const groups = sliceRows(['b', null, 'a', 'b', undefined, 'a', 'B']);
    expect(groups.map((g) => [g.value, Array.from(g.rows)])).toEqual([
      ['B', [6]],
      ['a', [2, 5]],
      ['b', [0, 3]],
      [null, [1, 4]],
    ]);
    expect(sliceRows(['x', null], { includeMissing: false }).map((g) => g.value)).toEqual(['x']);
  });

  it('selects matrix rows keeping the float type', () => {
    const m = Float32Array.of(1, 2, 3, 4, 5, 6);
    const s = selectMatrixRows(m, 2, Int32Array.of(2, 0));
    expect(s).toBeInstanceOf(Float32Array);
    expect(Array.from(s)).toEqual([5, 6, 1, 2]);
  });

  it('computes per-slice metrics; a single-class slice gives nulls, not errors', () => {
    const input = {
      labels: ['<=50K', '>50K'],
      positive: 1,
      yTrue: Int32Array.of(0, 1, 0, 0, 1, 1),
      yPred: Int32Array.of(0, 1, 1, 0, 0, 1),
      proba: Float64Array.of(0.9, 0.1, 0.2, 0.8, 0.4, 0.6, 0.7, 0.3, 0.6, 0.4, 0.1, 0.9),
    };
    const keys = ['F', 'M', 'F', 'F', 'M', 'M'];
    const bySlice = classificationBySlice(input, keys);
    expect(bySlice.map((s) => [s.value, s.rows])).toEqual([
      ['F', 3],
      ['M', 3],
    ]);
    const female = bySlice[0]!.result;
    expect(female.metrics.roc_auc).toBeNull(); // y_true all "<=50K"
    expect(female.metrics.recall).toBe(0); // sklearn zero_division: 0/0 → 0
    expect(female.metrics.pr_auc).toBe(0);
    expect(female.metrics.accuracy).toBeCloseTo(2 / 3, 15);
    expect(female.curves).toBeUndefined();
    expect(bySlice[1]!.result.metrics.precision).toBe(1);
    expect(bySlice[1]!.result).toEqual(classificationMetrics(selectClassification(input, Int32Array.of(1, 4, 5)), { curves: false }));
  });

  it('computes per-slice regression metrics', () => {
    const yTrue = [1, 2, 3, 4];
    const yPred = [1, 2.5, 3, 3];
    const [a, b] = regressionBySlice(yTrue, yPred, ['x', 'y', 'x', 'y']);
    expect(a!.result).toEqual(regressionMetrics([1, 3], [1, 3]));
    expect(b!.result.metrics.max_error).toBe(1);
  });
});

describe('perClassByLabel', () => {
  it('keys per-class values by label', () => {
    const r = classificationMetrics({ labels: ['a', 'b', 'c'], yTrue: [0, 1, 2], yPred: [0, 1, 1] });
    expect(perClassByLabel(r.per_class)).toEqual({
      a: { precision: 1, recall: 1, f1: 1, support: 1 },
      b: { precision: 0.5, recall: 1, f1: 2 / 3, support: 1 },
      c: { precision: 0, recall: 0, f1: 0, support: 1 },
    });
  });
});
