/**
 * 1M-row binary classification incl. ROC-AUC, AP, curves and calibration: the large case works
 * and curves stay downsampled. Its speed is measured in bench/scale.bench.ts.
 */
import { expect, it } from 'vitest';
import { classificationMetrics } from './classification.js';

it('computes 1M binary rows with probabilities, curves downsampled', () => {
  const n = 1_000_000;
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const yTrue = new Int32Array(n);
  const yPred = new Int32Array(n);
  const proba = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = rnd() < 0.3 ? 1 : 0;
    const s = Math.fround(Math.min(1, 0.3 * t + 0.7 * rnd()));
    yTrue[i] = t;
    yPred[i] = s >= 0.5 ? 1 : 0;
    proba[2 * i] = 1 - s;
    proba[2 * i + 1] = s;
  }
  const r = classificationMetrics({ labels: ['0', '1'], yTrue, yPred, proba });
  expect(r.metrics.roc_auc).toBeGreaterThan(0.5);
  expect(r.curves?.roc?.fpr.length).toBeLessThanOrEqual(200);
});
