import { describe, expect, it } from 'vitest';
import { InputDataError } from '../errors.js';
import { parseArtifact, serializeArtifact, serializeArtifactParts, type ArtifactBody } from './index.js';

const sha = 'a'.repeat(64);

const metrics: ArtifactBody<'metrics'> = {
  task: 'binary',
  rows: 1000,
  model: { path: 'models/income.onnx', sha256: sha },
  data: { path: 'data/holdout.csv', sha256: sha, label: 'income', positive: '>50K' },
  metrics: { accuracy: 0.85, precision: 0.74, roc_auc: null },
  confusion_matrix: { labels: ['<=50K', '>50K'], matrix: [[700, 50], [100, 150]] },
  gates: [{ expr: 'precision >= 0.8', metric: 'precision', actual: 0.74, threshold: 0.8, passed: false }],
  passed: false,
};

describe('artifact contracts', () => {
  it('serializes with the envelope and parses back', () => {
    const text = serializeArtifact('metrics', metrics, '0.1.0');
    const parsed = parseArtifact('metrics', text, 'metrics.json');
    expect(parsed.kind).toBe('metrics');
    expect(parsed.version).toBe(1);
    expect(parsed.$schema).toBe('https://raw.githubusercontent.com/modelgate/modelgate/v1/schemas/metrics.schema.json');
    expect(parsed.generated_by).toEqual({ tool: 'modelgate', version: '0.1.0' });
    expect(parsed.slices).toEqual([]);
    expect(parsed.gates[0]?.passed).toBe(false);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('refuses to write an invalid artifact (a producer bug)', () => {
    expect(() => serializeArtifact('metrics', { ...metrics, rows: -1 }, '0.1.0')).toThrow(/^refusing to write an invalid metrics.json: rows: /);
    // In parts too, when asked for them (not only once they are taken).
    expect(() => serializeArtifactParts('metrics', { ...metrics, rows: -1 }, '0.1.0')).toThrow(/^refusing to write an invalid metrics.json: rows: /);
  });

  it('renders the same text in parts as in one string, on every pass', () => {
    const parts = serializeArtifactParts('metrics', metrics, '0.1.0');
    expect([...parts].join('')).toBe(serializeArtifact('metrics', metrics, '0.1.0'));
    expect([...parts].join('')).toBe(serializeArtifact('metrics', metrics, '0.1.0'));
  });

  it('names the file and field of a malformed artifact', () => {
    const text = serializeArtifact('metrics', metrics, '0.1.0').replace('"passed": false\n}', '"passed": "no"\n}');
    expect(() => parseArtifact('metrics', text, 'base/metrics.json')).toThrow('passed: Invalid input: expected boolean, received string');
    try {
      parseArtifact('metrics', text, 'base/metrics.json');
    } catch (error) {
      expect(error).toBeInstanceOf(InputDataError);
      expect((error as InputDataError).location).toEqual({ file: 'base/metrics.json' });
    }
  });

  it('refuses a schema that lists a column twice, naming the second one', () => {
    const column = (name: string, type: string) => ({ name, type, presence: { min_fraction: 1 } });
    const text = JSON.stringify({ kind: 'schema', version: 1, columns: [column('b', 'int'), column('a', 'int'), column('b', 'float')] });
    expect(() => parseArtifact('schema', text, 'schema.json')).toThrow("columns[2].name: column 'b' is listed twice (also columns[0])");
  });

  it('reports the line of a JSON syntax error and the wrong kind', () => {
    try {
      parseArtifact('metrics', '{\n  "kind": "metrics",\n  "rows": ,\n}', 'm.json');
      expect.unreachable();
    } catch (error) {
      expect((error as InputDataError).location).toEqual({ file: 'm.json', line: 3 });
      expect((error as Error).message).toMatch(/^not valid JSON/);
    }
    expect(() => parseArtifact('metrics', '{"kind":"drift"}', 'm.json')).toThrow('expected a modelgate metrics.json (kind: "metrics"), found kind "drift"');
  });

  it('accepts every artifact kind in a minimal realistic form', () => {
    const samples = {
      schema: { columns: [{ name: 'age', type: 'int', presence: { min_fraction: 1 }, domain: { min: 17, max: 90 } }] },
      profile: { source: { files: [{ path: 'train.csv' }] }, rows: 0, columns: [] },
      validation: { data: [{ path: 'new.csv', rows: 10 }], anomalies: [], errors: 0, warnings: 0, passed: true },
      drift: {
        reference: { path: 'train.csv', rows: 10 },
        current: { path: 'new.csv', rows: 10 },
        columns: [{ column: 'age', kind: 'numeric', test: 'ks', statistic: 0.2, p_value: 0.3, threshold: 0.05, drifted: false, reference_rows: 10, current_rows: 10 }],
        drifted_columns: 0,
        drift_share: 0,
        share_threshold: 0.5,
        dataset_drift: false,
      },
      inspect: {
        model: { path: 'm.onnx' },
        bytes: { file: 10, external: 0, total: 10 },
        initializer_bytes_by_dtype: {},
        parameters: 0,
        excluded_shape_tensors: { tensors: 0, elements: 0 },
        nodes: 1,
        ops: [{ domain: 'ai.onnx', op_type: 'Gemm', count: 1 }],
        opsets: [{ domain: 'ai.onnx', version: 15 }],
        ir_version: 8,
        producer: { name: 'pytorch', version: '2.1' },
        inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 4] }],
        outputs: [],
        metadata: {},
        passed: true,
      },
      convert: { source: { path: 'm.json', format: 'xgboost' }, output: { path: 'm.onnx' }, target_opset: { 'ai.onnx': 15, 'ai.onnx.ml': 3 }, passed: true },
      release: {
        name: 'income',
        version: '1.0.0',
        bump: 'initial',
        bump_reason: 'first release',
        artifact_type: 'application/vnd.modelgate.model.v1+json',
        manifest_digest: `sha256:${sha}`,
        files: [],
        refs: [{ kind: 'dir', ref: 'dir:./registry' }],
        unchanged: false,
      },
    } as const;
    for (const [kind, body] of Object.entries(samples)) {
      const text = serializeArtifact(kind as 'schema', body as unknown as ArtifactBody<'schema'>, '0.1.0');
      expect(parseArtifact(kind as 'schema', text, `${kind}.json`).kind).toBe(kind);
    }
  });
});
