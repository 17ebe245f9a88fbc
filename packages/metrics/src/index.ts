/**
 * @modelgate/metrics: model metrics exactly as scikit-learn 1.2 computes them, report curves,
 * slices and mergeable partials for sharded evaluation. Pure: no I/O, no environment. Key names,
 * conventions and every deliberate difference from sklearn: README.md in this directory.
 */
export { classificationMetrics, perClassByLabel } from './classification.js';
export { ClassificationAccumulator, type ClassificationBatch, type ClassificationPartial, type ClassificationSpec } from './accumulator.js';
export { regressionMetrics } from './regression.js';
export {
  CLASSIFICATION_METRICS,
  REGRESSION_METRICS,
  PER_CLASS_METRICS,
  METRIC_NAMES,
  isMetricName,
  metricDirection,
  type MetricName,
  type ClassificationMetricName,
  type RegressionMetricName,
} from './names.js';
export { defaultPositive, encodeLabels, isNumericLabelSet, sortLabels, type EncodedLabels } from './labels.js';
export {
  classificationBySlice,
  regressionBySlice,
  selectClassification,
  selectMatrixRows,
  selectRows,
  sliceRows,
  type SliceGroup,
  type SliceResult,
} from './slices.js';
export { CALIBRATION_BINS, CALIBRATION_EDGES, calibrationBin } from './calibration.js';
export { downsampleCurve, lttbIndices } from './curves.js';
export { averagePrecision, prCurve, rocAuc, rocCurve, RankingPartial, type ScoreRuns } from './ranking.js';
export { ExactSum, pairwiseSum } from './sums.js';
export type {
  ClassificationInput,
  ClassificationResult,
  ClassMetrics,
  ConfusionMatrix,
  Curves,
  MetricValue,
  Probabilities,
  RegressionResult,
  ResultOptions,
} from './types.js';
export * from './gates.js';
