import { describe, expect, it } from 'vitest';
import { calibrationChart, chartLabel, interpolate, MAX_POINTS, perClassChart, prChart, renderCharts, rocChart } from './charts.js';
import { loadMetricsFixture, manyClasses } from './fixtures.test-helpers.js';

const binary = loadMetricsFixture('binary-head.json');

function lineValues(chart: string, kind: 'line' | 'bar'): number[][] {
  return chart
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith(`${kind} [`))
    .map((line) => JSON.parse(line.slice(kind.length + 1)) as number[]);
}

describe('charts', () => {
  it('ROC: resampled onto a uniform grid, at most 50 points, with the chance line', () => {
    const chart = rocChart(binary)!;
    expect(chart.startsWith('```mermaid\nxychart-beta\n')).toBe(true);
    const [curve, chance] = lineValues(chart, 'line');
    expect(curve!.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(curve![0]).toBe(0);
    expect(curve![curve!.length - 1]).toBe(1);
    expect(chance).toEqual(curve!.map((_, i) => Math.round((i / (curve!.length - 1)) * 1e4) / 1e4));
  });

  it('PR: interpolated precision never increases with recall', () => {
    const [values] = lineValues(prChart(binary)!, 'line');
    for (let i = 1; i < values!.length; i++) expect(values![i]!).toBeLessThanOrEqual(values![i - 1]!);
  });

  it('calibration: empty bins left out, the diagonal as the second line', () => {
    const [fraction, diagonal] = lineValues(calibrationChart(binary)!, 'line');
    expect(fraction).toHaveLength(9);
    expect(diagonal).toEqual([0.05, 0.15, 0.25, 0.35, 0.55, 0.65, 0.75, 0.85, 0.95]);
  });

  it('per-class bars are limited to the largest classes', () => {
    const result = perClassChart(manyClasses(120))!;
    expect(result).toMatchObject({ shown: 30, total: 120 });
    expect(lineValues(result.chart, 'bar')[0]).toHaveLength(30);
    expect(renderCharts(manyClasses(120))).toContain('Showing 30 of 120 classes');
  });

  it('interpolates linearly and takes the upper envelope at ties', () => {
    expect(interpolate([0, 0, 1], [0, 0.5, 1], 0)).toBe(0.5);
    expect(interpolate([0, 0.5, 1], [0, 0.8, 1], 0.25)).toBeCloseTo(0.4);
  });

  it('renders every chart that applies', () => {
    expect(renderCharts(binary)).toMatchSnapshot();
    expect(renderCharts(loadMetricsFixture('multiclass.json'))).toMatchSnapshot();
    expect(renderCharts(loadMetricsFixture('regression-head.json'))).toBe('');
  });

  it('labels cannot break out of the mermaid string or block', () => {
    for (const hostile of ['say "hi"', '```', '<img src=x onerror=alert(1)>', '@octocat #123', 'a\nb', '[x](javascript:alert(1))']) {
      const label = chartLabel(hostile);
      expect(label).toMatch(/^"[A-Za-z0-9 _.,:+\-=/()?…]*"$/);
    }
  });
});
