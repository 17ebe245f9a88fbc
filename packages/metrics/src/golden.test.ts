/**
 * Golden tests against scikit-learn 1.2.1 / numpy 1.24.2 outputs written by
 * fixtures/oracles/metrics_oracle.py into fixtures/metrics/*.json.
 *
 * Tolerance: |actual − expected| ≤ 1e-9 · max(1, |expected|) — absolute for metrics in [0, 1],
 * relative for larger values (log loss, regression errors). Counts, per-class supports and
 * confusion matrices are compared exactly; null (sklearn raised / nan) must be null.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classificationMetrics } from './classification.js';
import { CLASSIFICATION_METRICS, REGRESSION_METRICS } from './names.js';
import { regressionMetrics } from './regression.js';
import type { ClassificationInput } from './types.js';

interface Golden<C> {
  generated_by: Record<string, string>;
  cases: C[];
}

interface ClfCase {
  name: string;
  task: 'binary' | 'multiclass';
  labels: string[];
  positive?: number;
  y_true: number[];
  y_pred: number[];
  proba_dtype?: 'float32' | 'float64';
  proba?: number[];
  expected: Record<string, number | null>;
  per_class: { label: string; precision: number; recall: number; f1: number; support: number }[];
  confusion_matrix: number[][];
  curves?: {
    roc?: { fpr: number[]; tpr: number[] };
    pr?: { recall: number[]; precision: number[] };
    calibration?: { mean_predicted: number[]; fraction_positive: number[]; count: number[] };
  };
}

interface RegCase {
  name: string;
  y_true: number[];
  y_pred: number[];
  expected: Record<string, number | null>;
  overrides?: Record<string, number>;
}

function loadGolden<C>(file: string): Golden<C> {
  return JSON.parse(readFileSync(new URL(`../../../fixtures/metrics/${file}`, import.meta.url), 'utf8')) as Golden<C>;
}

function clfInput(c: ClfCase): ClassificationInput {
  const input: ClassificationInput = { labels: c.labels, yTrue: Int32Array.from(c.y_true), yPred: Int32Array.from(c.y_pred) };
  if (c.proba) input.proba = c.proba_dtype === 'float32' ? Float32Array.from(c.proba) : Float64Array.from(c.proba);
  if (c.positive !== undefined && c.task === 'binary') input.positive = c.positive;
  return input;
}

function close(actual: number | null | undefined, expected: number | null, tol = 1e-9): boolean {
  if (expected === null || actual === null || actual === undefined) return expected === null && actual === null;
  return Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected));
}

function expectClose(actual: number | null | undefined, expected: number | null, what: string, tol = 1e-9): void {
  if (!close(actual, expected, tol)) expect.fail(`${what}: expected ${expected}, got ${actual}`);
}

function expectSeriesClose(actual: number[] | undefined, expected: number[], what: string): void {
  expect(actual, what).toBeDefined();
  expect(actual!.length, `${what} length`).toBe(expected.length);
  expected.forEach((e, i) => expectClose(actual![i], e, `${what}[${i}]`));
}

/** Downsampled curve: ≤ max points, ends exact, every point one of the oracle's, in order. */
function expectSubsequence(ax: number[], ay: number[], ex: number[], ey: number[], what: string): void {
  expect(ax.length).toBeLessThanOrEqual(200);
  expect(ax.length).toBe(Math.min(200, ex.length));
  expectClose(ax[0], ex[0]!, `${what} first x`);
  expectClose(ay[0], ey[0]!, `${what} first y`);
  expectClose(ax.at(-1), ex.at(-1)!, `${what} last x`);
  expectClose(ay.at(-1), ey.at(-1)!, `${what} last y`);
  let j = 0;
  for (let i = 0; i < ax.length; i++) {
    while (j < ex.length && !(close(ax[i], ex[j]!) && close(ay[i], ey[j]!))) j++;
    if (j === ex.length) expect.fail(`${what}: point ${i} (${ax[i]}, ${ay[i]}) is not on the oracle's curve in order`);
    j++;
  }
}

const classificationFiles = ['binary.json', 'multiclass.json', 'edge.json', 'curves.json'];

describe.each(classificationFiles)('classification goldens: %s', (file) => {
  const golden = loadGolden<ClfCase>(file);

  it('was written by scikit-learn 1.2', () => {
    // Provenance: written by the oracle script with scikit-learn 1.2 and a released numpy.
    expect(golden.generated_by).toMatchObject({
      script: 'fixtures/oracles/metrics_oracle.py',
      sklearn: expect.stringMatching(/^1\.2\.\d+$/),
      numpy: expect.stringMatching(/^\d+\.\d+\.\d+$/),
    });
  });

  it.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = classificationMetrics(clfInput(c));
    expect(r.task).toBe(c.task);
    expect(r.rows).toBe(c.y_true.length);
    expect(Object.keys(r.metrics)).toEqual([...CLASSIFICATION_METRICS]);
    for (const [key, value] of Object.entries(c.expected)) {
      if (key === 'log_loss_sklearn_float32') expectClose(r.metrics.log_loss, value, `${key} (float32 arithmetic)`, 1e-6);
      else expectClose(r.metrics[key as keyof typeof r.metrics], value, key);
    }
    expect(r.confusion_matrix).toEqual({ labels: c.labels, matrix: c.confusion_matrix });
    expect(r.per_class.map((p) => [p.label, p.support])).toEqual(c.per_class.map((p) => [p.label, p.support]));
    c.per_class.forEach((e, i) => {
      for (const k of ['precision', 'recall', 'f1'] as const) expectClose(r.per_class[i]![k], e[k], `per_class[${e.label}].${k}`);
    });

    const roc = c.curves?.roc;
    const pr = c.curves?.pr;
    const cal = c.curves?.calibration;
    expect(Boolean(r.curves?.roc)).toBe(Boolean(roc));
    expect(Boolean(r.curves?.pr)).toBe(Boolean(pr));
    expect(Boolean(r.curves?.calibration)).toBe(Boolean(cal));
    if (roc) {
      if (roc.fpr.length <= 200) {
        expectSeriesClose(r.curves!.roc!.fpr, roc.fpr, 'roc.fpr');
        expectSeriesClose(r.curves!.roc!.tpr, roc.tpr, 'roc.tpr');
      } else expectSubsequence(r.curves!.roc!.fpr, r.curves!.roc!.tpr, roc.fpr, roc.tpr, 'roc');
    }
    if (pr) {
      if (pr.recall.length <= 200) {
        expectSeriesClose(r.curves!.pr!.recall, pr.recall, 'pr.recall');
        expectSeriesClose(r.curves!.pr!.precision, pr.precision, 'pr.precision');
      } else expectSubsequence(r.curves!.pr!.recall, r.curves!.pr!.precision, pr.recall, pr.precision, 'pr');
    }
    if (cal) {
      expectSeriesClose(r.curves!.calibration!.mean_predicted, cal.mean_predicted, 'calibration.mean_predicted');
      expectSeriesClose(r.curves!.calibration!.fraction_positive, cal.fraction_positive, 'calibration.fraction_positive');
      expect(r.curves!.calibration!.count).toEqual(cal.count);
    }
  });
});

describe('regression goldens', () => {
  const golden = loadGolden<RegCase>('regression.json');
  it.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = regressionMetrics(Float64Array.from(c.y_true), Float64Array.from(c.y_pred));
    expect(Object.keys(r.metrics)).toEqual([...REGRESSION_METRICS]);
    for (const [key, sklearnValue] of Object.entries(c.expected)) {
      const expected = c.overrides?.[key] ?? sklearnValue;
      expectClose(r.metrics[key as keyof typeof r.metrics], expected, key);
    }
  });

  it('matches sklearn bit for bit where no difference is documented', () => {
    for (const c of golden.cases) {
      const r = regressionMetrics(c.y_true, c.y_pred);
      for (const [key, value] of Object.entries(c.expected)) {
        if (c.overrides?.[key] === undefined) expect(r.metrics[key as keyof typeof r.metrics], `${c.name} ${key}`).toBe(value);
      }
    }
  });
});
