import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ARTIFACTS, serializeArtifact } from '@modelgate/core';
import { cardSummary, renderModelCard } from './card.js';
import { renderCharts } from './charts.js';
import { renderMetricDiff } from './diff.js';
import { renderInspectSummary } from './inspect.js';
import type { Metrics } from './cells.js';

const HOSTILE = ['<img src=x onerror=alert(1)>', '@octocat', '[x](javascript:alert(1))', 'a|b', 'tick`s``', '#123', 'line\nbreak', '<script>alert(1)</script>', '![i](http://e.vil/x.png)', 'cr\r\r# Heading\r<img src=x>\r\r[l](http://e.vil)', '<!-- hidden', '-->', 'fixes #1'];
const evil = (i: number) => HOSTILE[i % HOSTILE.length]!;

function hostileMetrics(): Metrics {
  const labels = HOSTILE.slice(0, 4);
  return ARTIFACTS.metrics.parse({
    kind: 'metrics',
    version: 1,
    task: 'multiclass',
    rows: 40,
    model: { path: evil(0) },
    data: { path: evil(2), label: evil(1) },
    metrics: { accuracy: 0.5, [evil(0)]: 0.1, [evil(3)]: 0.2 },
    per_class: labels.map((label) => ({ label, precision: 0.5, recall: 0.5, f1: 0.5, support: 10 })),
    confusion_matrix: { labels, matrix: labels.map((_, i) => labels.map((__, j) => (i === j ? 5 : 2))) },
    slices: HOSTILE.map((value, i) => ({ column: evil(i + 1), value, rows: 10, metrics: { accuracy: 0.5 } })),
    baseline: { source: evil(2), version: evil(1) },
    gates: HOSTILE.map((expr, i) => ({ expr, metric: evil(i), actual: 0.5, threshold: 0.4, passed: i % 2 === 0, ...(i === 3 ? { skipped: evil(0) } : {}) })),
    passed: false,
  });
}

/** The markdown with every code span replaced by a placeholder: what remains is interpreted. */
function outsideCode(md: string): string {
  return md.replace(/^```mermaid[\s\S]*?^```$/gm, 'CHART').replace(/(?<![\\`])(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, 'CODE');
}

function assertInert(md: string): void {
  // A lone carriage return ends a line in CommonMark as \n does (a heading, an HTML block could follow it).
  expect(md).not.toContain('\r');
  const live = outsideCode(md);
  expect(live).not.toMatch(/<(img|script|a|details\b(?!>)|!--)/i); // only our own <details><summary>
  expect(live).not.toMatch(/-->/);
  expect(live).not.toMatch(/<summary>(?!\d+ unchanged metric|Confusion matrix)/);
  expect(live).not.toMatch(/@octocat/);
  expect(live).not.toMatch(/\]\(/);
  expect(live).not.toMatch(/(^|[^\\])#1/);
  expect(live).not.toMatch(/(^|[^\\])!\[/);
  // Table rows: every row of a table has as many unescaped pipes as its header.
  let width: number | undefined;
  for (const line of md.split('\n')) {
    if (!line.startsWith('|')) {
      width = undefined;
      continue;
    }
    const pipes = (line.match(/(?<!\\)\|/g) ?? []).length;
    width ??= pipes;
    expect(pipes, line).toBe(width);
  }
}

describe('hostile strings', () => {
  const metrics = hostileMetrics();

  it('cannot inject into the metric diff', () => {
    const md = renderMetricDiff(metrics, metrics, { baseName: '@octocat <b>x</b> [l](javascript:x)' });
    assertInert(md);
    expect(md).toContain('`` tick`s`` ``');
    expect(md).toContain('`a\\|b`');
    expect(md).not.toContain('line\nbreak');
    expect(renderMetricDiff(metrics, undefined)).not.toContain('line\nbreak');
    assertInert(renderMetricDiff(metrics, undefined));
  });

  it('cannot inject into the model card, its prose or its front matter', () => {
    const card = {
      overview: HOSTILE.join(' '),
      owners: HOSTILE,
      license: '<img src=x onerror=alert(1)>',
      intended_use: '# Heading\n\n[x](javascript:alert(1)) @octocat\n\n<details><summary>hi</summary>\r\r# Heading',
      caveats: '---\nlicense: mit\n---',
      references: ['javascript:alert(1)', '[x](http://e.vil)'],
    };
    const name = 'evil\n---\nlicense: mit\n<img src=x>';
    const md = renderModelCard({ name, metrics, card, datasets: { train: evil(0), eval: evil(1) } });
    const front = /^---\n([\s\S]*?)\n---\n/.exec(md)!;
    const meta = parse(front[1]!) as { license: string; 'model-index': { name: string }[] };
    expect(meta.license).toBe('<img src=x onerror=alert(1)>');
    expect(meta['model-index'][0]!.name).toBe(name);
    assertInert(md.slice(front[0].length));
    expect(md).not.toMatch(/^# Heading/m);
    expect(md).toContain('\\# Heading');
    expect(md).toContain('@\u2060octocat');
  });

  it('cannot inject into the charts', () => {
    const charts = renderCharts(hostileMetrics());
    const chart = /```mermaid\n([\s\S]*?)\n```/.exec(charts)![1]!;
    const axis = chart.split('\n').find((line) => line.includes('x-axis'))!;
    const labels = axis.match(/"[^"]*"/g)!;
    expect(labels).toHaveLength(4);
    for (const label of labels) expect(label).toMatch(/^"[A-Za-z0-9 _.,:+\-=/()?…]*"$/);
    expect(axis.replace(/"[^"]*"/g, 'L')).toBe('    x-axis [L, L, L, L]');
    expect(chart).not.toMatch(/[<`@#]/);
    expect(chart.split('\n').every((line) => line === 'xychart-beta' || line.startsWith('    '))).toBe(true);
    assertInert(charts);
  });

  it('cannot inject into the ONNX model summary: opset domains, dtypes, symbolic dimensions, names', () => {
    const figures = (i: number) => ({
      model: { path: evil(i) },
      bytes: { file: 100, external: 0, total: 100 },
      initializer_bytes_by_dtype: {},
      parameters: 10,
      excluded_shape_tensors: { tensors: 0, elements: 0 },
      nodes: 1,
      ops: [{ domain: evil(i), op_type: evil(i + 1), count: 1 }],
      opsets: HOSTILE.map((domain, version) => ({ domain, version })),
      ir_version: 8,
      producer: { name: evil(i), version: evil(i + 1) },
      inputs: HOSTILE.map((name, j) => ({ name, dtype: evil(j + 1), shape: [evil(j + 2), 4, null] })),
      outputs: [{ name: evil(i), dtype: evil(i + 5), shape: null }],
      metadata: {},
    });
    // Through the artifact's own schema, as model-report reads inspect.json (in publish mode, a PR's).
    const inspect = ARTIFACTS.inspect.parse(
      JSON.parse(
        serializeArtifact(
          'inspect',
          {
            ...figures(0),
            base: figures(3),
            ops_added: HOSTILE,
            budgets: [{ name: 'allowed_ops', limit: HOSTILE, actual: HOSTILE, passed: false, message: HOSTILE.join(' ') }],
            passed: false,
          },
          '0.1.0',
        ),
      ),
    );
    const md = renderInspectSummary(inspect);
    assertInert(md);
    expect(md).toMatch(/^\| opsets +\| `<img src=x onerror=alert\(1\)> 0`, `@octocat 1`, .*, `a\\\|b 3`, /m);
    expect(md).toContain('Inputs: `<img src=x onerror=alert(1)>: @octocat[[x](javascript:alert(1)), 4, ?]`, ');
    expect(md).toContain(', ```tick`s``: #123[line break, 4, ?]```, ');
    expect(md).toContain(', `<!-- hidden: -->[fixes #1, 4, ?]`, ');
    expect(md).not.toContain('line\nbreak');
  });

  it('cannot inject through the card summary the release notes quote', () => {
    const card = { overview: HOSTILE.join(' ') };
    const summary = cardSummary(renderModelCard({ name: 'income', metrics, card }))!;
    // Plain text again, as written in modelgate.yml (line breaks folded): the release notes escape it.
    expect(summary).toBe(HOSTILE.join(' ').replace(/\r\n?|\n/g, ' '));
  });
});
