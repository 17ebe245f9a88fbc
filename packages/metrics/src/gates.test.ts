import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@modelgate/core';
import { evaluateGates, parseGate, type GateContext, type MetricView } from './gates.js';

const head: MetricView = {
  metrics: { accuracy: 0.84, precision: 0.71, recall: 0.62, f1: 0.662, distinct_predictions: 2, log_loss: 0.35, roc_auc: null, 'latency.p95_ms': 3.2 },
  perClass: { '>50K': { precision: 0.71, recall: 0.62, f1: 0.662 }, '<=50K': { precision: 0.88, recall: 0.92, f1: 0.9 } },
  slices: [
    { column: 'sex', value: 'Female', metrics: { recall: 0.41, f1: 0.5 } },
    { column: 'sex', value: 'Male', metrics: { recall: 0.66, f1: 0.7 } },
  ],
};
const baseline: MetricView = { metrics: { f1: 0.67, log_loss: 0.33, 'latency.p95_ms': 4, precision: 0.7 }, slices: [{ column: 'sex', value: 'Female', metrics: { recall: 0.45 } }] };
const direction = (name: string) => (/loss|latency|error|brier|ece|mae|mse|rmse/.test(name) ? 'lower' : 'higher') as 'higher' | 'lower';
const context: GateContext = { head, baseline, direction };
const run = (...gates: string[]) => evaluateGates(gates.map(parseGate), context).map(({ expr, actual, threshold, passed, skipped }) => ({ expr, actual, threshold, passed, ...(skipped ? { skipped } : {}) }));

describe('gate language', () => {
  it('parses the forms of the documentation', () => {
    expect(parseGate('recall[>50K] >= 0.10')).toMatchObject({ metric: { name: 'recall', className: '>50K' }, comparator: '>=', bound: { kind: 'number', value: 0.1 } });
    expect(parseGate('slice(sex=Female).recall >= 0.5')).toMatchObject({ metric: { name: 'recall', slice: { column: 'sex', value: 'Female' } } });
    // The slice of missing values is named as metrics.json names it; brackets in a value are fine.
    expect(parseGate('slice(sex=(missing)).recall >= 0.5')).toMatchObject({ metric: { name: 'recall', slice: { column: 'sex', value: '(missing)' } } });
    expect(evaluateGates([parseGate('slice(sex=(missing)).recall >= 0.5')], { head: { metrics: {}, slices: [{ column: 'sex', value: '(missing)', metrics: { recall: 0.6 } }] }, direction }).map((gate) => gate.passed)).toEqual([true]);
    expect(() => parseGate('slice(sex=Female)recall >= 0.5')).toThrow("missing ').' after slice condition");
    expect(parseGate('f1 >= baseline.f1 - 0.01')).toMatchObject({ bound: { kind: 'baseline', metric: { name: 'f1' }, offset: -0.01, factor: 1 } });
    expect(parseGate('latency.p95_ms <= 5ms')).toMatchObject({ metric: { name: 'latency.p95_ms' }, comparator: '<=', bound: { value: 5 } });
    expect(parseGate('precision >= 80%')).toMatchObject({ bound: { value: 0.8 } });
    expect(parseGate('f1 percent-max-degradation 2%')).toMatchObject({ goal: { kind: 'percent-max-degradation', amount: 0.02 } });
  });

  it('evaluates against head, classes, slices and the baseline', () => {
    expect(run('distinct_predictions >= 2', 'precision >= 0.8', 'recall[>50K] >= 0.10', 'slice(sex=Female).recall >= 0.5', 'f1 >= baseline.f1 - 0.01', 'latency.p95_ms <= 5')).toEqual([
      { expr: 'distinct_predictions >= 2', actual: 2, threshold: 2, passed: true },
      { expr: 'precision >= 0.8', actual: 0.71, threshold: 0.8, passed: false },
      { expr: 'recall[>50K] >= 0.10', actual: 0.62, threshold: 0.1, passed: true },
      { expr: 'slice(sex=Female).recall >= 0.5', actual: 0.41, threshold: 0.5, passed: false },
      { expr: 'f1 >= baseline.f1 - 0.01', actual: 0.662, threshold: 0.67 - 0.01, passed: true },
      { expr: 'latency.p95_ms <= 5', actual: 3.2, threshold: 5, passed: true },
    ]);
  });

  it('applies goals in each metric’s better direction', () => {
    const [f1, loss, latency, improve] = run('f1 max-degradation 0.005', 'log_loss max-degradation 0.01', 'latency.p95_ms percent-min-improvement 10%', 'precision min-improvement 0.02');
    expect(f1).toEqual({ expr: 'f1 max-degradation 0.005', actual: 0.662, threshold: 0.67 - 0.005, passed: false });
    expect(loss).toEqual({ expr: 'log_loss max-degradation 0.01', actual: 0.35, threshold: 0.33 + 0.01, passed: false });
    expect(latency?.threshold).toBeCloseTo(3.6, 12);
    expect(latency?.passed).toBe(true);
    expect(improve).toEqual({ expr: 'precision min-improvement 0.02', actual: 0.71, threshold: 0.72, passed: false });
  });

  it('skips baseline gates without a baseline, without failing', () => {
    expect(evaluateGates([parseGate('f1 >= baseline.f1 - 0.01')], { head, direction })).toEqual([
      { expr: 'f1 >= baseline.f1 - 0.01', metric: 'f1', actual: 0.662, threshold: null, passed: true, skipped: 'no baseline metrics available' },
    ]);
  });

  it('fails a gate whose metric is undefined for the data or whose slice has no rows', () => {
    expect(run('roc_auc >= 0.7', 'slice(sex=Other).recall >= 0.5')).toEqual([
      { expr: 'roc_auc >= 0.7', actual: null, threshold: 0.7, passed: false, skipped: 'roc_auc is undefined for this data' },
      { expr: 'slice(sex=Other).recall >= 0.5', actual: null, threshold: null, passed: false, skipped: 'no rows with sex=Other (values: Female, Male)' },
    ]);
  });

  it('names the valid metrics, classes and slices on mistakes', () => {
    expect(() => run('precison >= 0.8')).toThrow(
      "gate 'precison >= 0.8': unknown metric 'precison' (did you mean 'precision'?); valid metrics: accuracy, distinct_predictions, f1, latency.p95_ms, log_loss, precision, recall, roc_auc",
    );
    expect(() => run('recall[>50k] >= 0.1')).toThrow("gate 'recall[>50k] >= 0.1': unknown class '>50k'; classes: >50K, <=50K");
    expect(() => run('slice(race=White).f1 >= 0.5')).toThrow("gate 'slice(race=White).f1 >= 0.5': no slices by 'race' were computed; add 'race' to the slice columns");
  });

  it('takes a comment after the gate, as a YAML list or a `gates: |` block holds it, and a # inside brackets as text', () => {
    expect(parseGate('distinct_predictions >= 2     # not a majority classifier')).toEqual(parseGate('distinct_predictions >= 2'));
    expect(parseGate('f1 max-degradation 0.01 # vs the champion')).toEqual(parseGate('f1 max-degradation 0.01'));
    expect(parseGate('recall[#1 #x] >= 0.1 # per class').metric).toEqual({ name: 'recall', className: '#1 #x' });
    expect(() => parseGate('precision >= 0.8# no space')).toThrow("gate 'precision >= 0.8# no space': unexpected text at '# no space'");
  });

  it.each([
    ['precision >=', "gate 'precision >=': expected a number or 'baseline.<metric>' at the end"],
    ['precision => 0.8', "gate 'precision => 0.8': expected a comparison (>=, >, <=, <, ==, !=) or a goal (max-degradation, …) at '=> 0.8'"],
    ['0.8 <= precision', "gate '0.8 <= precision': expected a metric name at '0.8 <= preci'"],
    ['precision >= 0.8 and recall >= 0.1', "gate 'precision >= 0.8 and recall >= 0.1': unexpected text at 'and recall >'"],
    ['recall[>50K >= 0.1', "gate 'recall[>50K >= 0.1': missing ']' after class label at '>50K >= 0.1'"],
    ['f1 max-degradation -1', "gate 'f1 max-degradation -1': the amount must not be negative at the end"],
    ['process.exit(1) >= 0', "gate 'process.exit(1) >= 0': expected a comparison (>=, >, <=, <, ==, !=) or a goal (max-degradation, …) at '(1) >= 0'"],
  ])('rejects %s with a clear message', (expr, message) => {
    expect(() => parseGate(expr)).toThrow(ConfigurationError);
    expect(() => parseGate(expr)).toThrow(message);
  });
});
