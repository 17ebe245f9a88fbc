import { describe, expect, it } from 'vitest';
import { classifyChange, renderMetricDiff } from './diff.js';
import { loadMetricsFixture, manyClasses } from './fixtures.test-helpers.js';

const binaryHead = loadMetricsFixture('binary-head.json');
const binaryBase = loadMetricsFixture('binary-base.json');

describe('renderMetricDiff', () => {
  it('binary with a base: improvements, regressions, a failing gate', () => {
    const md = renderMetricDiff(binaryHead, binaryBase, { baseName: 'main @ 1a2b3c4' });
    expect(md.split('\n')[0]).toBe('❌ 1 of 4 gates failed');
    expect(md).toMatch(/\| `ece` +\| 0\.0213 +\| 0\.0313 +\| \+0\.0100 ⚠️ +\| \+46\.9% +\| ❌ +\|/);
    expect(md).toMatch(/\| `accuracy` +\| 0\.8512 +\| 0\.8612 +\| \+0\.0100 🟢/);
    expect(md).toContain('<details><summary>14 unchanged metrics</summary>');
    expect(md).toMatchSnapshot();
  });

  it('without folding, every metric is in the main table', () => {
    const md = renderMetricDiff(binaryHead, binaryBase, { foldUnchanged: false });
    expect(md).not.toContain('<details>');
    expect(md).toContain('| Metric                 | `v1.3.0`');
  });

  it('precision sets both the decimals and what counts as unchanged', () => {
    const md = renderMetricDiff(binaryHead, binaryBase, { precision: 1 });
    expect(md).toContain('unchanged = |Δ| < 0.05');
    expect(md).not.toMatch(/\| `accuracy` /.source + '.*🟢');
  });

  it('without a base: head values only', () => {
    const md = renderMetricDiff(binaryHead, undefined);
    expect(md).toContain('No base metrics to compare with.');
    expect(md).not.toContain('Δ');
    expect(md).toMatchSnapshot();
  });

  it('multiclass', () => {
    expect(renderMetricDiff(loadMetricsFixture('multiclass.json'), undefined)).toMatchSnapshot();
  });

  it('regression: lower errors are improvements; skipped gates are counted', () => {
    const md = renderMetricDiff(loadMetricsFixture('regression-head.json'), loadMetricsFixture('regression-base.json'), { baseName: 'v2.0.0' });
    expect(md.split('\n')[0]).toBe('✅ 2 of 2 gates passed (1 not evaluated)');
    expect(md).toMatch(/\| `mae` +\| 12\.5000 +\| 12\.0000 +\| -0\.5000 🟢 +\| -4\.0% /);
    expect(md).not.toContain('Confusion matrix');
    expect(md).toMatchSnapshot();
  });

  it('huge tables are limited with a notice', () => {
    const md = renderMetricDiff(manyClasses(120), undefined);
    expect(md).toContain('Showing 20 of 120 classes (the largest by support)');
    expect(md).toContain('… 20 more slices in metrics.json.');
    const header = md.split('\n').find((line) => line.startsWith('| true'))!;
    expect(header.split(' | ')).toHaveLength(21);
    expect(md).toMatchSnapshot();
  });

  it('classifies changes by direction', () => {
    expect(classifyChange('log_loss', 0.3, 0.2)).toBe('better');
    expect(classifyChange('latency.p95_ms', 1, 2)).toBe('worse');
    expect(classifyChange('custom_thing', 1, 2)).toBe('changed');
    expect(classifyChange('f1', 0.5, 0.50004)).toBe('same');
    expect(classifyChange('f1', null, 0.5)).toBe('changed');
  });
});
