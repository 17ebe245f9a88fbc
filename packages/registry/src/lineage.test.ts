import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@modelgate/core';
import { lineageEvent, schemaDigest, uuidV5, type LineageInput } from './lineage.js';

const sha = (c: string) => c.repeat(64);

const input = (): LineageInput => ({
  eventTime: '2024-05-01T12:00:00Z',
  job: { namespace: 'github://acme/income', name: 'release' },
  git: { commit: 'c'.repeat(40), repoUrl: 'https://github.com/acme/income', branch: 'main' },
  workflowRunUrl: 'https://github.com/acme/income/actions/runs/42',
  data: [
    { name: 'data/train.csv', sha256: sha('a'), bytes: 1000 },
    { name: 'data/eval.csv', sha256: `sha256:${sha('b')}` },
  ],
  schema: { digest: schemaDigest({ columns: [{ name: 'age', type: 'int' }] }), columns: [{ name: 'age', type: 'int' }] },
  model: {
    namespace: 'oci://ghcr.io/acme/income',
    name: 'income',
    version: '1.4.0',
    sha256: sha('d'),
    manifestDigest: `sha256:${sha('e')}`,
    parent: { version: '1.3.2', manifestDigest: `sha256:${sha('f')}` },
  },
});

describe('lineageEvent', () => {
  it('builds an OpenLineage COMPLETE RunEvent', () => {
    const event = lineageEvent(input());
    expect(event.eventType).toBe('COMPLETE');
    expect(event.schemaURL).toMatch(/OpenLineage\.json#\/\$defs\/RunEvent$/);
    expect(event.run.runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(event.job).toMatchObject({ namespace: 'github://acme/income', name: 'release' });
    expect(event.job.facets.sourceCodeLocation).toMatchObject({ type: 'git', version: 'c'.repeat(40), branch: 'main' });
    expect(event.run.facets.modelgate_ci).toMatchObject({ gitCommit: 'c'.repeat(40), workflowRunUrl: 'https://github.com/acme/income/actions/runs/42' });
    expect(event.inputs.map((dataset) => [dataset.name, dataset.facets.modelgate_sha256?.sha256])).toEqual([
      ['data/eval.csv', sha('b')],
      ['data/train.csv', sha('a')],
    ]);
    expect(event.inputs[0]!.namespace).toBe('https://github.com/acme/income');
    expect(event.inputs[0]!.facets.schema).toMatchObject({ fields: [{ name: 'age', type: 'int' }] });
    const output = event.outputs[0]!;
    expect(output).toMatchObject({ namespace: 'oci://ghcr.io/acme/income', name: 'income' });
    expect(output.facets.modelgate_release).toMatchObject({
      version: '1.4.0',
      sha256: sha('d'),
      manifestDigest: `sha256:${sha('e')}`,
      parentVersion: '1.3.2',
      parentManifestDigest: `sha256:${sha('f')}`,
      schemaDigest: input().schema!.digest,
    });
    for (const facets of [event.run.facets, event.job.facets, output.facets, ...event.inputs.map((d) => d.facets)]) {
      for (const value of Object.values(facets)) {
        expect(value._producer).toBe('https://github.com/modelgate/modelgate');
        expect(value._schemaURL).toMatch(/^https:\/\//);
      }
    }
  });

  it('runId is deterministic from the inputs, and changes with them', () => {
    const a = lineageEvent(input());
    const b = lineageEvent({ ...input(), eventTime: '2025-01-01T00:00:00Z', data: [...input().data].reverse() });
    expect(b.run.runId).toBe(a.run.runId);
    const other = input();
    other.model.sha256 = sha('0');
    expect(lineageEvent(other).run.runId).not.toBe(a.run.runId);
  });

  it('refuses malformed digests and times', () => {
    expect(() => lineageEvent({ ...input(), model: { ...input().model, sha256: 'abc' } })).toThrow(ConfigurationError);
    expect(() => lineageEvent({ ...input(), eventTime: 'yesterday' })).toThrow(/eventTime/);
  });
});

describe('uuidV5 and schemaDigest', () => {
  it('matches the RFC 9562 test vector', () => {
    // uuid5(NAMESPACE_DNS, 'www.example.com') from Python's uuid module.
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('ignores key order and whitespace', () => {
    expect(schemaDigest({ a: 1, b: [1, 2] })).toBe(schemaDigest(JSON.parse('{ "b": [1, 2], "a": 1 }')));
  });
});
