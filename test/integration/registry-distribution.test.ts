/**
 * The distribution client against a real registry: Debian's `docker-registry` (CNCF distribution
 * 2.8) on 127.0.0.1 with htpasswd Basic auth (`htpasswd` from apache2-utils), and skopeo reading
 * what was pushed. CI needs: apt-get install -y docker-registry apache2-utils skopeo.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useDockerRegistry } from './docker-registry.js';
import { describe, expect, it } from 'vitest';
import { buildArtifact, RegistryClient, type ArtifactInput } from '@modelgate/registry';

const SKOPEO = '/usr/bin/skopeo';
const USER = 'modelgate';
const PASSWORD = 'secret-pass';

const docker = useDockerRegistry(USER, PASSWORD);

/** fetch that counts blob bytes sent and can lose one PATCH response after the registry got it. */
function countingFetch() {
  const counter = { blobBytes: 0, patches: 0, loseResponseOfPatch: 0 };
  const wrapped: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const body = init?.body;
    if (url.includes('/blobs/uploads') && body instanceof Uint8Array) counter.blobBytes += body.byteLength;
    const response = await fetch(input, init);
    if (init?.method === 'PATCH' && response.status === 202 && ++counter.patches === counter.loseResponseOfPatch) {
      await response.body?.cancel();
      throw new TypeError('fetch failed: socket hang up (simulated)');
    }
    return response;
  };
  return { counter, fetch: wrapped };
}

const model = randomBytes(3 * 1024 * 1024 + 123);

function input(version: string, metrics = '{"kind":"metrics","f1":0.8}', modelBytes: Uint8Array = model): ArtifactInput {
  return {
    version,
    revision: 'b'.repeat(40),
    source: 'https://github.com/acme/income',
    created: '2024-05-01T12:00:00Z',
    files: [
      { title: 'model.onnx', content: modelBytes },
      { title: 'metrics.json', content: new TextEncoder().encode(metrics) },
    ],
  };
}

function client(repository: string, fetchImpl: typeof fetch, password = PASSWORD) {
  return new RegistryClient({
    registry: docker.host,
    repository,
    plainHttp: true,
    credentials: { username: USER, password },
    fetch: fetchImpl,
    monolithicLimit: 1024 * 1024,
    chunkSize: 512 * 1024,
  });
}

describe('RegistryClient against docker-registry', () => {
  it('pushes (chunked, recovering from a lost PATCH response), re-pushes as a no-op, refuses a changed version, pulls verified', async () => {
    const { counter, fetch: counted } = countingFetch();
    counter.loseResponseOfPatch = 3;
    const registry = client('acme/income', counted);
    const artifact = buildArtifact(input('1.0.0'));
    const first = await registry.push(artifact, { tag: '1.0.0', aliases: ['latest'] });
    expect(first).toMatchObject({ digest: artifact.manifestDescriptor.digest, unchanged: false, blobsWritten: 3, blobsSkipped: 0 });
    expect(counter.patches).toBeGreaterThanOrEqual(7);
    expect(await registry.tags()).toEqual(['1.0.0', 'latest']);

    counter.blobBytes = 0;
    const again = await registry.push(buildArtifact(input('1.0.0')), { tag: '1.0.0', aliases: ['latest'] });
    expect(again).toMatchObject({ unchanged: true, blobsWritten: 0, bytesWritten: 0 });
    expect(counter.blobBytes).toBe(0);

    await expect(registry.push(buildArtifact(input('1.0.0', '{"kind":"metrics","f1":0.9}')), { tag: '1.0.0' })).rejects.toThrow(
      /version 1\.0\.0 already exists with manifest sha256:[0-9a-f]{64}; refusing to replace it/,
    );

    // A new version sharing the model uploads only what changed.
    counter.blobBytes = 0;
    const next = await registry.push(buildArtifact(input('1.1.0', '{"kind":"metrics","f1":0.9}')), { tag: '1.1.0', aliases: ['latest'] });
    expect(next).toMatchObject({ blobsSkipped: 2, blobsWritten: 1 });
    expect(counter.blobBytes).toBe('{"kind":"metrics","f1":0.9}'.length);
    expect((await registry.getManifest('latest'))?.digest).toBe(next.digest);
    await expect(registry.tag('champion', '9.9.9')).rejects.toThrow(/version 9\.9\.9 does not exist/);

    const out = mkdtempSync(join(tmpdir(), 'modelgate-pull-'));
    const pulled = await registry.pull('1.0.0', out);
    expect(pulled.digest).toBe(artifact.manifestDescriptor.digest);
    expect(readFileSync(join(out, 'model.onnx')).equals(model)).toBe(true);
  });

  it('mounts blobs across repositories instead of uploading them', async () => {
    const { counter, fetch: counted } = countingFetch();
    await client('acme/source', counted).push(buildArtifact(input('2.0.0')), { tag: '2.0.0' });
    counter.blobBytes = 0;
    const mounted = await client('acme/target', counted).push(buildArtifact(input('2.0.0')), { tag: '2.0.0', mountFrom: 'acme/source' });
    expect(mounted).toMatchObject({ blobsMounted: 3, blobsWritten: 0 });
    expect(counter.blobBytes).toBe(0);
    const out = mkdtempSync(join(tmpdir(), 'modelgate-pull-'));
    expect((await client('acme/target', fetch).pull('2.0.0', out)).files.map((file) => file.title)).toEqual(['metrics.json', 'model.onnx']);
  });

  it('skopeo reads the pushed manifest byte for byte', async () => {
    const probe = spawnSync(SKOPEO, ['--version'], { encoding: 'utf8' });
    expect(probe.error, 'skopeo is needed: apt-get install -y skopeo').toBeUndefined();
    const artifact = buildArtifact(input('3.0.0'));
    await client('acme/skopeo', fetch).push(artifact, { tag: '3.0.0' });
    const raw = spawnSync(SKOPEO, ['inspect', '--raw', '--tls-verify=false', '--creds', `${USER}:${PASSWORD}`, `docker://${docker.host}/acme/skopeo:3.0.0`], {
      encoding: 'utf8',
    });
    expect(raw.status, raw.stderr).toBe(0);
    expect(raw.stdout).toBe(new TextDecoder().decode(artifact.manifestBytes));

    // skopeo copies it out of the registry into an OCI layout without changing a digest or a title.
    const copy = mkdtempSync(join(tmpdir(), 'modelgate-skopeo-copy-'));
    const copied = spawnSync(SKOPEO, ['copy', '--preserve-digests', '--src-tls-verify=false', '--src-creds', `${USER}:${PASSWORD}`, `docker://${docker.host}/acme/skopeo:3.0.0`, `oci:${copy}:3.0.0`], {
      encoding: 'utf8',
    });
    expect(copied.status, copied.stderr).toBe(0);
    const index = JSON.parse(readFileSync(join(copy, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    expect(index.manifests.map((entry) => entry.digest)).toEqual([artifact.manifestDescriptor.digest]);
    const copiedManifest = readFileSync(join(copy, 'blobs', ...artifact.manifestDescriptor.digest.split(':')));
    expect(copiedManifest.equals(Buffer.from(artifact.manifestBytes))).toBe(true);
    for (const layer of artifact.manifest.layers) {
      const blob = readFileSync(join(copy, 'blobs', ...layer.digest.split(':')));
      expect(`sha256:${createHash('sha256').update(blob).digest('hex')}`).toBe(layer.digest);
    }
    expect(artifact.manifest.layers.map((layer) => layer.annotations?.['org.opencontainers.image.title'])).toEqual(['metrics.json', 'model.onnx']);
    expect(readFileSync(join(copy, 'blobs', ...artifact.manifest.layers[1]!.digest.split(':'))).equals(model)).toBe(true);
  });

  it('reports wrong credentials clearly', async () => {
    await expect(client('acme/income', fetch, 'wrong').tags()).rejects.toThrow(/refused the username and password/);
  });
});
