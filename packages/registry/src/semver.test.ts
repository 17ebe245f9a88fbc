import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@modelgate/core';
import { compareVersions, nextVersion, prereleaseVersion, type SchemaLike, type SignatureLike } from './semver.js';

const schema = (): SchemaLike => ({
  label: 'income',
  columns: [
    { name: 'age', type: 'int', presence: { min_fraction: 1 }, domain: { min: 17, max: 90 } },
    { name: 'workclass', type: 'string', presence: { min_fraction: 0.9 }, values: ['Private', 'State-gov', 'Self-emp'] },
    { name: 'hours', type: 'float', presence: { min_fraction: 1 }, domain: { min: 0, max: 99 } },
    { name: 'income', type: 'string', presence: { min_fraction: 1 }, values: ['<=50K', '>50K'], environments: { not_in: ['SERVING'] } },
  ],
});

const signature = (): SignatureLike => ({
  inputs: [{ name: 'features', dtype: 'float32', shape: ['N', 14] }],
  outputs: [
    { name: 'label', dtype: 'int64', shape: ['N'] },
    { name: 'probabilities', dtype: 'float32', shape: ['N', 2] },
  ],
});

const metrics = (f1: number, logLoss = 0.3) => ({ metrics: { f1, log_loss: logLoss, accuracy: 0.85 }, gates: [{ metric: 'f1' }, { metric: 'log_loss' }] });

interface MutableColumn {
  name: string;
  type: string;
  values?: string[];
  domain?: { min?: number; max?: number };
  presence?: { min_fraction: number };
}
interface MutableSchema {
  label?: string;
  columns: MutableColumn[];
}

function edit(change: (value: MutableSchema) => void): SchemaLike {
  const value = structuredClone(schema()) as unknown as MutableSchema;
  change(value);
  return value as unknown as SchemaLike;
}

const previous = { version: '1.3.2', schema: schema(), signature: signature(), metrics: metrics(0.8) };

describe('nextVersion', () => {
  it('first release is 1.0.0', () => {
    expect(nextVersion({ current: { schema: schema() } })).toEqual({ version: '1.0.0', bump: 'initial', reason: 'first release' });
  });

  it('patch when nothing changed', () => {
    const result = nextVersion({ previous, current: { schema: schema(), signature: signature(), metrics: metrics(0.802) } });
    expect(result).toMatchObject({ version: '1.3.3', bump: 'patch' });
    expect(result.reason).toContain('no gated metric improved beyond ±0.005');
  });

  it('minor when a gated metric improves beyond the noise margin', () => {
    const result = nextVersion({ previous, current: { schema: schema(), signature: signature(), metrics: metrics(0.81) } });
    expect(result).toMatchObject({ version: '1.4.0', bump: 'minor' });
    expect(result.reason).toBe('gated metrics improved beyond ±0.005: f1 0.8 → 0.81');
  });

  it('is direction-aware: a lower log_loss is an improvement, a higher one a regression', () => {
    expect(nextVersion({ previous, current: { metrics: metrics(0.8, 0.2) } })).toMatchObject({ bump: 'minor' });
    const regressed = nextVersion({ previous, current: { metrics: metrics(0.85, 0.4) } });
    expect(regressed.bump).toBe('patch');
    expect(regressed.reason).toContain('log_loss 0.3 → 0.4');
  });

  it('respects gatedMetrics and the noise margin', () => {
    const current = { metrics: { metrics: { f1: 0.8, accuracy: 0.9 } } };
    expect(nextVersion({ previous, current, gatedMetrics: ['accuracy'] }).bump).toBe('minor');
    expect(nextVersion({ previous, current, gatedMetrics: ['accuracy'], noiseMargin: 0.1 }).bump).toBe('patch');
    expect(nextVersion({ previous, current }).reason).toContain('no gated metrics');
  });

  it('major when a column is removed', () => {
    const result = nextVersion({ previous, current: { schema: edit((s) => void s.columns.splice(1, 1)), metrics: metrics(0.9) } });
    expect(result).toMatchObject({ version: '2.0.0', bump: 'major' });
    expect(result.reason).toBe("incompatible change: column 'workclass' removed");
  });

  it('major when a column is retyped, but int → float is a compatible widening', () => {
    const retyped = nextVersion({ previous, current: { schema: edit((s) => void (s.columns[0]!.type = 'string')) } });
    expect(retyped.reason).toBe("incompatible change: column 'age' retyped int → string");
    const widened = nextVersion({ previous, current: { schema: edit((s) => void (s.columns[0]!.type = 'float')) } });
    expect(widened.bump).toBe('patch');
    expect(widened.reason).toContain("column 'age' widened int → float");
    const narrowed = nextVersion({ previous, current: { schema: edit((s) => void (s.columns[2]!.type = 'int')) } });
    expect(narrowed.reason).toContain("column 'hours' retyped float → int");
  });

  it('major when the label set changes', () => {
    const result = nextVersion({ previous, current: { schema: edit((s) => void (s.columns[3]!.values = ['<=50K', '>50K', 'unknown'])) } });
    expect(result.reason).toBe("incompatible change: label 'income' classes changed: added 'unknown'");
    const renamed = nextVersion({ previous, current: { schema: edit((s) => void (s.label = 'target')) } });
    expect(renamed.reason).toContain("label column changed 'income' → 'target'");
  });

  it('major when a string domain narrows; widening is compatible', () => {
    const narrowed = nextVersion({ previous, current: { schema: edit((s) => void (s.columns[1]!.values = ['Private', 'Self-emp'])) } });
    expect(narrowed.reason).toBe("incompatible change: column 'workclass' domain narrowed: 'State-gov' no longer allowed");
    const widened = nextVersion({ previous, current: { schema: edit((s) => void (s.columns[1]!.values!.push('Never-worked'))) } });
    expect(widened.bump).toBe('patch');
    expect(widened.reason).toContain("domain widened: 'Never-worked' allowed");
  });

  it('major when a numeric domain narrows; widening is compatible', () => {
    const narrowed = nextVersion({ previous, current: { schema: edit((s) => void (s.columns[0]!.domain = { min: 18, max: 90 })) } });
    expect(narrowed.reason).toBe("incompatible change: column 'age' domain narrowed: min 17 → 18");
    const bounded = nextVersion({ previous: { ...previous, schema: edit((s) => void delete s.columns[2]!.domain) }, current: { schema: schema() } });
    expect(bounded.reason).toContain("column 'hours' domain narrowed: min unbounded → 0");
    const widened = nextVersion({ previous, current: { schema: edit((s) => void (s.columns[0]!.domain = { min: 16, max: 100 })) } });
    expect(widened.bump).toBe('patch');
  });

  it('a new column required at serving is major, an optional one is not', () => {
    const required = nextVersion({ previous, current: { schema: edit((s) => void s.columns.push({ name: 'zip', type: 'string', presence: { min_fraction: 1 } })) } });
    expect(required.reason).toContain("column 'zip' added and required at serving time");
    const optional = nextVersion({ previous, current: { schema: edit((s) => void s.columns.push({ name: 'zip', type: 'string', presence: { min_fraction: 0.5 } })) } });
    expect(optional.bump).toBe('patch');
  });

  it('major when the model signature changes', () => {
    const dtype = signature();
    dtype.inputs = [{ name: 'features', dtype: 'float64', shape: ['N', 14] }];
    expect(nextVersion({ previous, current: { signature: dtype } }).reason).toBe("incompatible change: input 'features' dtype float32 → float64");
    const shape = signature();
    shape.inputs = [{ name: 'features', dtype: 'float32', shape: ['N', 15] }];
    expect(nextVersion({ previous, current: { signature: shape } }).reason).toBe("incompatible change: input 'features' shape [N, 14] → [N, 15]");
    const renamed = signature();
    renamed.outputs = [{ name: 'label', dtype: 'int64', shape: ['N'] }];
    expect(nextVersion({ previous, current: { signature: renamed } }).reason).toBe("incompatible change: output 'probabilities' removed");
    const dynamic = signature();
    dynamic.inputs = [{ name: 'features', dtype: 'float32', shape: ['batch', null] }];
    expect(nextVersion({ previous, current: { signature: dynamic } }).bump).toBe('patch');
    const fixed = signature();
    fixed.inputs = [{ name: 'features', dtype: 'float32', shape: [1, 14] }];
    expect(nextVersion({ previous, current: { signature: fixed } }).bump).toBe('major');
  });

  it('breaking changes win over metric improvements', () => {
    const result = nextVersion({ previous, current: { schema: edit((s) => void s.columns.splice(0, 1)), metrics: metrics(0.95) } });
    expect(result.bump).toBe('major');
  });

  it('explicit overrides', () => {
    expect(nextVersion({ previous, current: {}, override: '2.5.0' })).toEqual({ version: '2.5.0', bump: 'explicit', reason: 'version set explicitly to 2.5.0' });
    expect(nextVersion({ previous, current: {}, override: 'minor' })).toMatchObject({ version: '1.4.0', bump: 'explicit' });
    expect(() => nextVersion({ previous, current: {}, override: '1.3.2' })).toThrow(/not greater than the previous release 1.3.2/);
    expect(() => nextVersion({ previous, current: {}, override: 'v2' })).toThrow(ConfigurationError);
  });

  it('pre-release for pull-request builds', () => {
    const result = nextVersion({ previous, current: { metrics: metrics(0.9) }, prerelease: { pr: 123, sha: 'ABCDEF0123456789' } });
    expect(result).toMatchObject({ version: '1.4.0-pr.123.abcdef0', bump: 'prerelease' });
    expect(result.reason).toContain('pull request #123 build of 1.4.0 (minor:');
    expect(prereleaseVersion('1.0.0', 7, '0123456789')).toBe('1.0.0-pr.7.g0123456');
    expect(() => prereleaseVersion('1.0.0', 7, 'xyz')).toThrow(ConfigurationError);
  });

  it('a previous pre-release is released by the next bump', () => {
    expect(nextVersion({ previous: { version: '2.0.0-rc.1' }, current: {} }).version).toBe('2.0.0');
  });
});

describe('compareVersions', () => {
  it('orders by semver precedence', () => {
    const sorted = ['1.0.0', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-beta', '1.0.0-alpha.beta', '0.9.9', '1.0.0-pr.2.abc', '1.0.0-pr.10.abc', '1.0.1'].sort(compareVersions);
    expect(sorted).toEqual(['0.9.9', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-pr.2.abc', '1.0.0-pr.10.abc', '1.0.0', '1.0.1']);
  });
});
