/**
 * 1M-row binary classification incl. ROC-AUC, AP, curves and calibration: the large case works
 * and curves stay downsampled. Its speed is measured in bench/scale.bench.ts.
 */
import { expect, it } from 'vitest';
import { classificationMetrics } from './classification.js';
import { binaryRows } from './testing.js';

it('computes 1M binary rows with probabilities, curves downsampled', () => {
  const r = classificationMetrics({ labels: ['0', '1'], ...binaryRows(1_000_000) });
  expect(r.metrics.roc_auc).toBeGreaterThan(0.5);
  expect(r.curves?.roc?.fpr.length).toBeLessThanOrEqual(200);
});
