import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ARTIFACTS } from '@modelgate/core';
import type { Metrics } from './cells.js';

/** Report fixtures (fixtures/report/), validated against the metrics.json contract. */
export function loadMetricsFixture(name: string): Metrics {
  const url = new URL(`../../../fixtures/report/${name}`, import.meta.url);
  return ARTIFACTS.metrics.parse(JSON.parse(readFileSync(fileURLToPath(url), 'utf8')));
}

/** A multiclass evaluation with `classes` classes: for the huge-table limits. */
export function manyClasses(classes: number): Metrics {
  const labels = Array.from({ length: classes }, (_, i) => `class_${String(i).padStart(3, '0')}`);
  const matrix = labels.map((_, i) => labels.map((__, j) => (i === j ? 50 + i : (i + j) % 3)));
  const rows = matrix.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
  return ARTIFACTS.metrics.parse({
    kind: 'metrics',
    version: 1,
    task: 'multiclass',
    rows,
    model: { path: 'models/many.onnx' },
    data: { path: 'data/many.csv', label: 'y' },
    metrics: { accuracy: 0.9, f1_macro: 0.88 },
    per_class: labels.map((label, i) => ({ label, precision: 0.9, recall: 0.88, f1: Math.round((0.5 + (i % 50) / 100) * 1e4) / 1e4, support: matrix[i]!.reduce((a, b) => a + b, 0) })),
    confusion_matrix: { labels, matrix },
    slices: Array.from({ length: 70 }, (_, i) => ({ column: 'shard', value: String(i), rows: 10, metrics: { accuracy: 0.9 } })),
    gates: [],
    passed: true,
  });
}
