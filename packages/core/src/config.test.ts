import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { ConfigurationError } from './errors.js';

const EXAMPLE = `name: income
model: models/income.onnx
data: { train: data/train.csv, holdout: data/holdout.csv, label: income, positive: ">50K" }
schema: data/schema.json
gates:
  - distinct_predictions >= 2          # not a majority classifier
  - precision >= 0.80
  - recall[>50K] >= 0.10
  - f1 >= baseline.f1 - 0.01
  - latency.p95_ms <= 5
  - slice(sex=Female).recall >= 0.5
size: { max_bytes: 50MB, max_growth: 10% }
registry: oci://ghcr.io/acme/income
`;

function failure(text: string): ConfigurationError {
  try {
    parseConfig(text, 'modelgate.yml');
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('parseConfig', () => {
  it('reads the documented example', () => {
    const config = parseConfig(EXAMPLE, 'modelgate.yml');
    expect(config.name).toBe('income');
    expect(config.data?.positive).toBe('>50K');
    expect(config.gates).toHaveLength(6);
    expect(config.gates?.[5]).toBe('slice(sex=Female).recall >= 0.5');
    expect(config.size).toEqual({ max_bytes: '50MB', max_growth: '10%' });
  });

  it('points at the line of an unknown key and suggests the near name', () => {
    const error = failure('name: income\ndata:\n  train: t.csv\n  lable: income\n');
    expect(error.message).toBe("data.lable: unknown key 'lable' (did you mean 'label'?)");
    expect(error.location).toEqual({ file: 'modelgate.yml', line: 4, field: 'data.lable' });
  });

  it('points at the line of a wrong value inside a list', () => {
    const error = failure('name: income\ngates:\n  - precision >= 0.8\n  - 3\n');
    expect(error.message).toBe('gates[1]: Invalid input: expected string, received number');
    expect(error.location?.line).toBe(4);
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    const syntax = failure('name: income\ngates: [a, b\n');
    expect(syntax.message).toMatch(/^invalid YAML: /);
    expect(syntax.location?.file).toBe('modelgate.yml');
    const duplicate = failure('name: a\nmodel: x.onnx\nmodel: y.onnx\n');
    expect(duplicate.message).toMatch(/^invalid YAML: Map keys must be unique/);
    expect(duplicate.location?.line).toBe(3);
  });

  it('takes a file without a name (the model file name stands in), an empty one, and sizes in any case', () => {
    expect(parseConfig('model: m.onnx\n', 'modelgate.yml')).toEqual({ model: 'm.onnx' });
    expect(parseConfig('', 'modelgate.yml')).toEqual({});
    expect(parseConfig('size: { max_bytes: 50MB }\n', 'modelgate.yml').size?.max_bytes).toBe('50MB');
    expect(parseConfig('size: { max_bytes: 1.5gib }\n', 'modelgate.yml').size?.max_bytes).toBe('1.5gib');
    expect(failure('name: Income Model\n').message).toBe('name: expected a lower-case name (letters, digits, . _ -), used in tags and registry paths');
  });

  it('checks drift.columns: a known test, a finite threshold, at the entry\'s line', () => {
    const spec = (value: string) => `drift:\n  columns:\n    age: ${value}\n`;
    for (const good of ['psi', 'psi:0.2', 'ks:0.05', ':0.3', 'jensen_shannon:1e-2', 'linf:.5']) expect(parseConfig(spec(good), 'modelgate.yml').drift?.columns?.['age']).toBe(good);
    const expected = 'drift.columns.age: expected <test>, <test>:<threshold> or :<threshold>, the test one of ks, chi2, z, wasserstein, jensen_shannon, psi, linf';
    for (const bad of ['foo:1', 'PSI:0.2', 'psi:abc', 'psi:0.1:junk', 'psi:0x10', 'psi:-1', "''"]) {
      const error = failure(spec(bad));
      expect(error.message, bad).toBe(expected);
      expect(error.location, bad).toMatchObject({ file: 'modelgate.yml', line: 3 });
    }
    expect(failure(spec('psi:1e400')).message).toBe('drift.columns.age: expected a finite threshold');
  });

  it('rejects a bad size', () => {
    const size = failure('name: a\nsize:\n  max_bytes: huge\n');
    expect(size.message).toBe('size.max_bytes: expected a size like 50MB, 1.5GiB or a number of bytes');
    expect(size.location?.line).toBe(3);
  });
});

describe('configLine', () => {
  it('finds the line of a list entry', async () => {
    const { configLine } = await import('./config.js');
    const text = 'name: income\ngates:\n  - precision >= 0.8\n  # comment\n  - recall >= 0.1\n';
    expect(configLine(text, ['gates', 1])).toBe(5);
    expect(configLine(text, ['gates', 0])).toBe(3);
    expect(configLine(text, ['missing'])).toBe(1);
  });
});
