import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cardSummary, renderModelCard, type CardSections } from './card.js';
import { renderModelCardJson } from './card-json.js';
import { loadMetricsFixture, manyClasses } from './fixtures.test-helpers.js';
import { overallProportions, sliceProportions, wilson } from './intervals.js';

const binary = loadMetricsFixture('binary-head.json');
const card: CardSections = {
  overview: 'Predicts whether income exceeds 50K from census attributes.',
  owners: ['ML platform team'],
  license: 'apache-2.0',
  intended_use: 'Ranking leads for a marketing pilot.\n\nNot for credit decisions.',
  ethical_considerations: 'Sex and race are inputs; see the per-slice recall.',
  references: ['https://archive.ics.uci.edu/dataset/2/adult'],
};

function frontMatter(md: string): Record<string, unknown> {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(md);
  expect(match).not.toBeNull();
  return parse(match![1]!) as Record<string, unknown>;
}

describe('wilson', () => {
  it('matches published values', () => {
    const a = wilson(8, 10)!;
    expect(a.lower).toBeCloseTo(0.4902, 4);
    expect(a.upper).toBeCloseTo(0.9433, 4);
    const b = wilson(0, 10)!;
    expect(b.lower).toBe(0);
    expect(b.upper).toBeCloseTo(0.2775, 4);
    expect(wilson(0, 0)).toBeUndefined();
  });

  it('takes counts from the confusion matrix and recovers slice counts from rates', () => {
    const overall = overallProportions(binary);
    expect(overall.map((p) => [p.metric, p.successes, p.trials])).toEqual([
      ['accuracy', 856, 1000],
      ['precision', 149, 202],
      ['recall', 149, 240],
    ]);
    const female = sliceProportions(binary, binary.slices[0]!);
    expect(female.map((p) => [p.metric, p.successes, p.trials])).toEqual([
      ['accuracy', 301, 330],
      ['precision', 18, 26],
      ['recall', 18, 36],
    ]);
  });
});

describe('renderModelCard', () => {
  it('binary with card sections: HF front matter and every Mitchell et al. section', () => {
    const md = renderModelCard({ name: 'income', version: '1.4.0', metrics: binary, card, datasets: { train: 'adult-train', eval: 'adult-test' } });
    const meta = frontMatter(md);
    expect(meta.license).toBe('apache-2.0');
    const index = (meta['model-index'] as { name: string; results: { task: { type: string }; dataset: { name: string; type: string }; metrics: { type: string; value: number; name: string }[] }[] }[])[0]!;
    expect(index.name).toBe('income');
    expect(index.results[0]!.task.type).toBe('tabular-classification');
    expect(index.results[0]!.dataset).toEqual({ name: 'adult-test', type: 'adult-test' });
    expect(index.results[0]!.metrics[0]).toEqual({ type: 'accuracy', value: 0.8612, name: 'accuracy' });
    for (const heading of ['Model details', 'Intended use', 'Factors', 'Metrics', 'Evaluation data', 'Training data', 'Quantitative analyses', 'Ethical considerations', 'Caveats and recommendations']) {
      expect(md).toContain(`\n## ${heading}\n`);
    }
    expect(md).toContain('_Not provided: add `card.caveats` to modelgate.yml_');
    expect(md).toContain('Wilson score intervals');
    expect(md).toMatch(/\| `accuracy` +\| 0\.8612 +\| \[0\.8\d{3}, 0\.8\d{3}\] +\| 1000 \|/);
    expect(md).toMatchSnapshot();
  });

  it('without card sections every human section is marked, never invented', () => {
    const md = renderModelCard({ name: 'animals', metrics: loadMetricsFixture('multiclass.json') });
    for (const key of ['overview', 'owners', 'license', 'intended_use', 'out_of_scope_use', 'factors', 'evaluation_data', 'training_data', 'ethical_considerations', 'caveats']) {
      expect(md).toContain(`_Not provided: add \`card.${key}\` to modelgate.yml_`);
    }
    expect(frontMatter(md)).not.toHaveProperty('license');
    expect(md).toMatchSnapshot();
  });

  it('regression: no intervals, r2 as the HF metric id r_squared', () => {
    const md = renderModelCard({ name: 'price', metrics: loadMetricsFixture('regression-head.json') });
    expect(md).not.toContain('Wilson');
    expect(JSON.stringify(frontMatter(md))).toContain('"type":"r_squared"');
    expect(md).toMatchSnapshot();
  });

  it('many classes: per-class table limited with a notice', () => {
    const md = renderModelCard({ name: 'many', metrics: manyClasses(120) });
    expect(md).toContain('Showing 20 of 120 classes (the largest by support)');
  });
});

describe('cardSummary', () => {
  it("quotes the overview of a card renderModelCard wrote, not its front matter, title, boilerplate or details list", () => {
    const written = renderModelCard({ name: 'income', version: '1.0.0', metrics: binary, card: { ...card, overview: 'Predicts whether income > 50K (census data).\n\nTrained on 1994 data.' } });
    expect(written).toMatch(/^---\nlicense: apache-2.0\nlibrary_name: onnx\n/);
    expect(cardSummary(written)).toBe('Predicts whether income > 50K (census data).');
    expect(cardSummary(written.replace(/\n/g, '\r\n'))).toBe('Predicts whether income > 50K (census data).');
  });

  it('has nothing to quote from a written card without an overview', () => {
    expect(cardSummary(renderModelCard({ name: 'income', metrics: binary }))).toBeUndefined();
    expect(cardSummary(renderModelCard({ name: 'income', metrics: binary, card: { ...card, overview: undefined } }))).toBeUndefined();
  });

  it('quotes the first prose paragraph of a hand-written card, after its front matter', () => {
    expect(cardSummary('# income\n\nPredicts income \\> 50K.\n\n## Metrics\n')).toBe('Predicts income > 50K.');
    expect(cardSummary('---\nlicense: mit\ntags: [a]\n---\n\n# income\n\n<!-- summary -->\n\n[![ci](https://e.x/b.svg)](https://e.x)\n\n- a list\n\nScores &amp; ranks leads.\n')).toBe('Scores & ranks leads.');
    expect(cardSummary('# income\n\n| a | b |\n|---|---|\n')).toBeUndefined();
  });
});

describe('renderModelCardJson', () => {
  it('has the Model Card Toolkit shape', () => {
    const json = renderModelCardJson({ name: 'income', version: '1.4.0', metrics: binary, card });
    expect(Object.keys(json)).toEqual(['schema_version', 'model_details', 'model_parameters', 'quantitative_analysis', 'considerations']);
    expect(json.model_details).toMatchObject({ name: 'income', owners: [{ name: 'ML platform team' }], version: { name: '1.4.0' }, licenses: [{ identifier: 'apache-2.0' }] });
    const accuracy = json.quantitative_analysis.performance_metrics[0]!;
    expect(accuracy.type).toBe('accuracy');
    expect(accuracy.confidence_interval!.lower_bound).toBeLessThan(0.8612);
    expect(json.quantitative_analysis.performance_metrics.some((m) => m.slice === 'sex=Female' && m.type === 'recall' && m.confidence_interval)).toBe(true);
    expect(json.considerations.limitations).toEqual([]);
    expect(json).toMatchSnapshot();
  });
});
