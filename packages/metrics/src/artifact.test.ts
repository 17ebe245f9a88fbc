/** Results drop into metrics.json (MetricsFile of @modelgate/core) without reshaping. */
import { MetricsFile } from '@modelgate/core';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { classificationMetrics } from './classification.js';
import { regressionMetrics } from './regression.js';
import { classificationBySlice } from './slices.js';

type Metrics = z.input<typeof MetricsFile>;

describe('results fit MetricsFile', () => {
  it('classification', () => {
    const input = {
      labels: ['no', 'yes'],
      positive: 1,
      yTrue: Int32Array.of(0, 1, 1, 0, 1),
      yPred: Int32Array.of(0, 1, 0, 0, 1),
      proba: Float32Array.of(0.8, 0.2, 0.1, 0.9, 0.6, 0.4, 0.7, 0.3, 0.35, 0.65),
    };
    const { task, rows, positive, metrics, per_class, confusion_matrix, curves } = classificationMetrics(input);
    const slices: Metrics['slices'] = classificationBySlice(input, ['a', 'b', 'a', 'b', 'b']).map((s) => ({
      column: 'group',
      value: s.value ?? '(missing)',
      rows: s.rows,
      metrics: s.result.metrics,
      per_class: s.result.per_class,
    }));
    const file: Metrics = {
      kind: 'metrics',
      version: 1,
      task,
      rows,
      model: { path: 'model.onnx' },
      data: { path: 'holdout.csv', label: 'income', ...(positive === undefined ? {} : { positive }) },
      metrics,
      per_class,
      confusion_matrix,
      curves,
      slices,
      passed: true,
    };
    expect(() => MetricsFile.parse(JSON.parse(JSON.stringify(file)))).not.toThrow();
  });

  it('regression', () => {
    const { task, rows, metrics } = regressionMetrics([1, 2, 3], [1, 2, 4]);
    const file: Metrics = { kind: 'metrics', version: 1, task, rows, model: { path: 'm.onnx' }, data: { path: 'd.csv', label: 'y' }, metrics, passed: true };
    expect(MetricsFile.parse(file).metrics.r2).toBe(0.5);
  });
});
