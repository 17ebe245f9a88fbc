import { describe, expect, it } from 'vitest';
import { ConfigurationError } from './errors.js';
import { input, inputMeta, parseInputs } from './inputs.js';

const shape = {
  'fail-on-drift': input.boolean({ description: 'x', default: 'true' }),
  'batch-size': input.number({ description: 'x', default: '512' }, { min: 1, integer: true }),
  gates: input.list({ description: 'x' }),
  mode: input.choice(['collect', 'publish'] as const, { description: 'x' }),
  model: input.requiredString({ description: 'x' }),
  note: input.string({ description: 'x' }),
};

const from = (values: Record<string, string>) => (name: string) => values[name];

describe('parseInputs', () => {
  it('applies declared defaults and parses each kind', () => {
    const parsed = parseInputs(shape, from({ model: 'm.onnx', gates: 'precision >= 0.8\n\n# comment\n  recall >= 0.1  \n', mode: 'publish' }));
    expect(parsed).toEqual({
      'fail-on-drift': true,
      'batch-size': 512,
      gates: ['precision >= 0.8', 'recall >= 0.1'],
      mode: 'publish',
      model: 'm.onnx',
      note: undefined,
    });
  });

  it('accepts exactly the YAML 1.2 core booleans, like getBooleanInput', () => {
    for (const [raw, value] of [['true', true], ['True', true], ['TRUE', true], ['false', false], ['False', false], ['FALSE', false]] as const) {
      expect(parseInputs(shape, from({ model: 'm', 'fail-on-drift': raw }))['fail-on-drift']).toBe(value);
    }
    expect(() => parseInputs(shape, from({ model: 'm', 'fail-on-drift': 'yes' }))).toThrow("input 'fail-on-drift' expected true or false, got 'yes'");
  });

  it('names the input and the expectation on bad values', () => {
    expect(() => parseInputs(shape, from({ model: 'm', 'batch-size': '0' }))).toThrow("input 'batch-size' expected an integer ≥ 1, got 0");
    expect(() => parseInputs(shape, from({ model: 'm', 'batch-size': '2.5' }))).toThrow("input 'batch-size' expected an integer, got '2.5'");
    expect(() => parseInputs(shape, from({ model: 'm', mode: 'both' }))).toThrow("input 'mode' expected one of collect, publish, got 'both'");
    expect(() => parseInputs(shape, from({}))).toThrow("input 'model' is required");
    const sized = { size: input.string({ description: 'x' }, { pattern: /^\d+MB$/, expected: 'a size like 50MB' }) };
    expect(parseInputs(sized, from({ size: '50MB' })).size).toBe('50MB');
    expect(parseInputs(sized, from({})).size).toBeUndefined();
    expect(() => parseInputs(sized, from({ size: 'fifty' }))).toThrow("input 'size' expected a size like 50MB, got 'fifty'");
    try {
      parseInputs(shape, from({}));
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).location?.field).toBe('model');
    }
  });

  it('marks required only when there is no default', () => {
    expect(inputMeta(shape.model).required).toBe(true);
    expect(inputMeta(input.requiredString({ description: 'x', default: 'modelgate.yml' })).required).toBe(false);
  });
});
