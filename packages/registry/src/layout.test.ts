import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, InputDataError } from '@modelgate/core';
import { OciLayout } from './layout.js';
import { buildArtifact, canonicalJson, EMPTY_DIGEST, mediaTypeFor, sha256Digest, type ArtifactInput } from './oci.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const temp = () => mkdtempSync(join(tmpdir(), 'modelgate-layout-'));

function sampleInput(version = '1.0.0', model = 'ONNX-MODEL-BYTES'): ArtifactInput {
  return {
    version,
    revision: '0123456789abcdef0123456789abcdef01234567',
    source: 'https://github.com/acme/income',
    created: '2024-05-01T12:00:00Z',
    files: [
      { title: 'model.onnx', content: bytes(model) },
      { title: 'metrics.json', content: bytes('{"kind":"metrics"}') },
    ],
  };
}

describe('buildArtifact', () => {
  it('is deterministic and canonical', () => {
    const a = buildArtifact(sampleInput());
    const b = buildArtifact({ ...sampleInput(), files: [...sampleInput().files].reverse() });
    expect(a.manifestDescriptor.digest).toBe(b.manifestDescriptor.digest);
    expect(new TextDecoder().decode(a.manifestBytes)).toBe(canonicalJson(JSON.parse(new TextDecoder().decode(a.manifestBytes))));
    expect(a.manifest.config).toEqual({ mediaType: 'application/vnd.oci.empty.v1+json', digest: EMPTY_DIGEST, size: 2, data: 'e30=' });
    expect(sha256Digest(bytes('{}'))).toBe(EMPTY_DIGEST);
    expect(a.manifest.artifactType).toBe('application/vnd.modelgate.model.v1+json');
    expect(a.manifest.layers.map((layer) => [layer.annotations?.['org.opencontainers.image.title'], layer.mediaType])).toEqual([
      ['metrics.json', 'application/vnd.modelgate.metrics.v1+json'],
      ['model.onnx', 'application/vnd.onnx.model'],
    ]);
    expect(a.manifest.annotations).toEqual({
      'org.opencontainers.image.version': '1.0.0',
      'org.opencontainers.image.created': '2024-05-01T12:00:00Z',
      'org.opencontainers.image.revision': '0123456789abcdef0123456789abcdef01234567',
      'org.opencontainers.image.source': 'https://github.com/acme/income',
    });
  });

  it('refuses paths as titles and duplicate titles', () => {
    expect(() => buildArtifact({ ...sampleInput(), files: [{ title: '../x', content: bytes('') }] })).toThrow(ConfigurationError);
    expect(() => buildArtifact({ ...sampleInput(), files: [{ title: 'a', content: bytes('') }, { title: 'a', content: bytes('') }] })).toThrow(/given twice/);
  });

  it('chooses media types by file name', () => {
    expect(mediaTypeFor('model.onnx.data')).toBe('application/vnd.onnx.model.external-data');
    expect(mediaTypeFor('lineage.json')).toBe('application/vnd.openlineage.run-event.v1+json');
    expect(mediaTypeFor('notes.json')).toBe('application/json');
    expect(mediaTypeFor('model.pkl')).toBe('application/octet-stream');
  });
});

describe('OciLayout', () => {
  it('writes a valid layout and pulls verified files back', async () => {
    const dir = temp();
    const layout = new OciLayout(dir);
    const artifact = buildArtifact(sampleInput());
    const pushed = await layout.push(artifact, { tag: '1.0.0', aliases: ['latest'] });
    expect(pushed).toMatchObject({ digest: artifact.manifestDescriptor.digest, unchanged: false, blobsWritten: 4, aliases: ['latest'] });
    expect(JSON.parse(readFileSync(join(dir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    expect(index.schemaVersion).toBe(2);
    expect(index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations['org.opencontainers.image.ref.name'])).toEqual(['1.0.0', 'latest']);
    expect(readdirSync(join(dir, 'blobs', 'sha256')).sort()).toHaveLength(4);
    expect(readdirSync(join(dir, 'blobs', 'sha256')).some((name) => name.endsWith('.tmp'))).toBe(false);

    const out = temp();
    const pulled = await layout.pull('latest', out);
    expect(pulled.digest).toBe(artifact.manifestDescriptor.digest);
    expect(readFileSync(join(out, 'model.onnx'), 'utf8')).toBe('ONNX-MODEL-BYTES');
    expect(pulled.files.map((file) => file.title)).toEqual(['metrics.json', 'model.onnx']);
  });

  it('re-pushing the same version is a no-op; a different manifest is refused', async () => {
    const layout = new OciLayout(temp());
    await layout.push(buildArtifact(sampleInput()), { tag: '1.0.0' });
    const again = await layout.push(buildArtifact(sampleInput()), { tag: '1.0.0' });
    expect(again).toMatchObject({ unchanged: true, blobsWritten: 0, bytesWritten: 0 });
    await expect(layout.push(buildArtifact(sampleInput('1.0.0', 'OTHER')), { tag: '1.0.0' })).rejects.toThrow(
      /version 1\.0\.0 already exists with manifest sha256:[0-9a-f]{64}; refusing to replace it/,
    );
  });

  it('aliases move only onto existing versions, and never look like versions', async () => {
    const layout = new OciLayout(temp());
    const first = await layout.push(buildArtifact(sampleInput('1.0.0')), { tag: '1.0.0', aliases: ['champion'] });
    const second = await layout.push(buildArtifact(sampleInput('1.1.0', 'NEW')), { tag: '1.1.0' });
    expect((await layout.resolve('champion'))?.digest).toBe(first.digest);
    await layout.tag('champion', '1.1.0');
    expect((await layout.resolve('champion'))?.digest).toBe(second.digest);
    await expect(layout.tag('latest', '9.9.9')).rejects.toThrow(/version 9\.9\.9 does not exist/);
    await expect(layout.tag('2.0.0', '1.1.0')).rejects.toThrow(/looks like a version/);
    expect(await layout.tags()).toEqual(['1.0.0', '1.1.0', 'champion']);
  });

  it('detects tampered blobs on pull', async () => {
    const layout = new OciLayout(temp());
    const artifact = buildArtifact(sampleInput());
    await layout.push(artifact, { tag: '1.0.0' });
    const model = artifact.manifest.layers.find((layer) => layer.annotations?.['org.opencontainers.image.title'] === 'model.onnx')!;
    writeFileSync(layout.blobPath(model.digest), 'ONNX-MODEL-BYTEZ');
    const out = temp();
    await expect(layout.pull('1.0.0', out)).rejects.toThrow(InputDataError);
    expect(readdirSync(out)).toEqual([]);
    await expect(layout.pull('nope', out)).rejects.toThrow(/no tag 'nope' \(tags: 1\.0\.0\)/);
    // Re-pushing repairs the corrupted blob.
    writeFileSync(layout.blobPath(model.digest), 'short');
    expect((await layout.push(artifact, { tag: '1.0.1' })).bytesWritten).toBe(model.size);
  });

  it('refuses invalid tags', async () => {
    const layout = new OciLayout(temp());
    await expect(layout.push(buildArtifact(sampleInput()), { tag: '1.0.0+build' })).rejects.toThrow(/not a valid tag/);
  });
});
