import { ConfigurationError, InputDataError } from '@modelgate/core';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';
import { defaultPositive, encodeLabels, sortLabels } from './labels.js';
import { METRIC_NAMES, metricDirection } from './names.js';

describe('labels', () => {
  it('sorts like sklearn: numerically for numeric columns, by code point otherwise', () => {
    expect(sortLabels(['10', '2', '-1', '2', '1.5'])).toEqual(['-1', '1.5', '2', '10']);
    expect(sortLabels(['1.0', '1', '0'])).toEqual(['0', '1', '1.0']);
    expect(sortLabels(['b', 'B', 'a', '10', '9'])).toEqual(['10', '9', 'B', 'a', 'b']);
    // U+FF5E sorts before U+1F600 by code point, although its UTF-16 unit is larger
    expect(sortLabels(['\u{1F600}', '\uFF5E'])).toEqual(['\uFF5E', '\u{1F600}']);
    expect(sortLabels(['<=50K', '>50K'])).toEqual(['<=50K', '>50K']);
  });

  it('orders integers past 2^53, which round to the same double, by their exact values', () => {
    expect(sortLabels(['-9007199254740992', '-9007199254740993', '9007199254740993', '9007199254740992', '1'])).toEqual([
      '-9007199254740993',
      '-9007199254740992',
      '1',
      '9007199254740992',
      '9007199254740993',
    ]);
  });

  it('encodes string columns as indices', () => {
    const e = encodeLabels(['dog', 'cat', 'dog'], ['cat', 'cat', 'bird']);
    expect(e.labels).toEqual(['bird', 'cat', 'dog']);
    expect(Array.from(e.yTrue)).toEqual([2, 1, 2]);
    expect(Array.from(e.yPred)).toEqual([1, 1, 0]);
    expect(encodeLabels(['y'], ['n'], ['y', 'n']).labels).toEqual(['y', 'n']);
    expect(() => encodeLabels(['y'], ['maybe'], ['y', 'n'])).toThrow(InputDataError);
    expect(() => encodeLabels(['y'], ['y'], ['y', 'y'])).toThrow(ConfigurationError);
  });

  it('defaults the positive class only where sklearn is unambiguous', () => {
    expect(defaultPositive(['0', '1'])).toBe(1);
    expect(defaultPositive(['1', '0'])).toBe(0);
    expect(defaultPositive(['-1', '1'])).toBe(1);
    expect(defaultPositive(['0.0', '1.0'])).toBe(1);
    expect(defaultPositive(['1', '2'])).toBeUndefined();
    expect(defaultPositive(['no', 'yes'])).toBeUndefined();
    expect(defaultPositive(['0', '1', '2'])).toBeUndefined();
  });
});

describe('metric names', () => {
  it('knows which way is better', () => {
    for (const name of ['accuracy', 'f1', 'f1_macro', 'roc_auc', 'pr_auc', 'r2', 'distinct_predictions', 'support']) {
      expect(metricDirection(name), name).toBe('higher');
    }
    for (const name of ['log_loss', 'brier', 'ece', 'mae', 'rmse', 'mape', 'max_error', 'majority_rate']) {
      expect(metricDirection(name), name).toBe('lower');
    }
    expect(metricDirection('latency.p95_ms')).toBeUndefined();
    expect(new Set(METRIC_NAMES).size).toBe(METRIC_NAMES.length);
  });

  it('exports the gate language from the package entry', () => {
    expect(Object.keys(api).filter((k) => /^(parse|evaluate)Gates?$/.test(k)).sort()).toEqual(['evaluateGates', 'parseGate']);
  });
});
