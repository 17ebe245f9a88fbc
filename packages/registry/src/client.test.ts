import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@modelgate/core';
import { parseChallenges } from './auth.js';
import { RegistryClient } from './client.js';
import { buildArtifact, sha256Digest } from './oci.js';

/** A minimal in-memory distribution registry with Bearer tokens and a 416 on the first chunk. */
function fakeRegistry(options: { misalignFirstPatch?: boolean } = {}) {
  const blobs = new Map<string, Uint8Array>();
  const manifests = new Map<string, Uint8Array>();
  const uploads = new Map<string, number[]>();
  const log: string[] = [];
  let next = 0;
  let misaligned = false;
  const token = 'tok-123';
  const fake: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const headers = new Headers(init?.headers as Record<string, string>);
    log.push(`${method} ${url.pathname}${url.search}`);
    if (url.hostname === 'auth.example') {
      expect(url.searchParams.get('service')).toBe('registry.example');
      expect(headers.get('authorization')).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
      return Response.json({ token });
    }
    if (headers.get('authorization') !== `Bearer ${token}`) {
      return new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:acme/m:pull"' } });
    }
    const body = init?.body instanceof Uint8Array ? init.body : new Uint8Array();
    let m: RegExpExecArray | null;
    if ((m = /\/blobs\/(sha256:\w+)$/.exec(url.pathname))) {
      const blob = blobs.get(m[1]!);
      if (!blob) return new Response(null, { status: 404 });
      return new Response(method === 'HEAD' ? null : blob, { status: 200 });
    }
    if (url.pathname.endsWith('/blobs/uploads/') && method === 'POST') {
      const id = `u${next++}`;
      uploads.set(id, []);
      return new Response(null, { status: 202, headers: { location: `/v2/acme/m/blobs/uploads/${id}` } });
    }
    if ((m = /\/blobs\/uploads\/(u\d+)$/.exec(url.pathname))) {
      const data = uploads.get(m[1]!)!;
      if (method === 'PATCH') {
        const [start] = headers.get('content-range')!.split('-').map(Number);
        if (options.misalignFirstPatch && !misaligned && data.length === 0) {
          // Pretend an earlier attempt already stored the first 3 bytes.
          misaligned = true;
          data.push(...body.subarray(0, 3));
          return new Response(null, { status: 416, headers: { range: '0-2' } });
        }
        if (start !== data.length) return new Response(null, { status: 416, headers: { range: `0-${data.length - 1}` } });
        data.push(...body);
        return new Response(null, { status: 202, headers: { range: `0-${data.length - 1}`, location: url.pathname } });
      }
      if (method === 'PUT') {
        data.push(...body);
        const bytes = new Uint8Array(data);
        if (sha256Digest(bytes) !== url.searchParams.get('digest')) return new Response(null, { status: 400 });
        blobs.set(url.searchParams.get('digest')!, bytes);
        return new Response(null, { status: 201 });
      }
    }
    if ((m = /\/manifests\/([\w.:-]+)$/.exec(url.pathname))) {
      if (method === 'PUT') {
        manifests.set(m[1]!, body);
        return new Response(null, { status: 201, headers: { 'docker-content-digest': sha256Digest(body) } });
      }
      const manifest = manifests.get(m[1]!);
      return manifest ? new Response(manifest, { status: 200, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } }) : new Response(null, { status: 404 });
    }
    if (url.pathname.endsWith('/tags/list')) {
      const all = [...manifests.keys()].sort();
      const last = url.searchParams.get('last');
      const page = all.filter((tag) => !last || tag > last).slice(0, 1);
      const more = all.indexOf(page[0]!) < all.length - 1;
      return Response.json({ name: 'acme/m', tags: page }, { headers: more ? { link: `</v2/acme/m/tags/list?n=1&last=${page[0]}>; rel="next"` } : {} });
    }
    return new Response(null, { status: 500 });
  };
  return { fake, blobs, log };
}

const artifact = (model: string, version = '1.0.0') =>
  buildArtifact({ version, created: '2024-05-01T12:00:00Z', files: [{ title: 'model.onnx', content: new TextEncoder().encode(model) }] });

describe('RegistryClient', () => {
  it('runs the Bearer challenge flow, resumes chunked uploads on 416 and paginates tags', async () => {
    const { fake, log } = fakeRegistry({ misalignFirstPatch: true });
    const client = new RegistryClient({ registry: 'registry.example', repository: 'acme/m', credentials: { username: 'u', password: 'p' }, fetch: fake, monolithicLimit: 4, chunkSize: 5 });
    const pushed = await client.push(artifact('0123456789abcdefghij'), { tag: '1.0.0', aliases: ['latest'] });
    expect(pushed).toMatchObject({ unchanged: false, blobsWritten: 2 });
    expect(log.filter((line) => line.startsWith('GET /token')).length).toBeGreaterThanOrEqual(1);
    expect(log.filter((line) => line.startsWith('PATCH')).length).toBeGreaterThan(4);
    expect(await client.tags()).toEqual(['1.0.0', 'latest']);
    const again = await client.push(artifact('0123456789abcdefghij'), { tag: '1.0.0' });
    expect(again.unchanged).toBe(true);
    await expect(client.push(artifact('changed'), { tag: '1.0.0' })).rejects.toThrow(/immutable/);
  });

  it('refuses plain HTTP to anything but loopback', () => {
    expect(() => new RegistryClient({ registry: 'registry.example:5000', repository: 'a/b', plainHttp: true })).toThrow(ConfigurationError);
    for (const registry of ['127.0.0.1:5000', 'localhost:5000', '[::1]:5000']) {
      expect(new RegistryClient({ registry, repository: 'a/b', plainHttp: true }).base).toBe(`http://${registry}`);
    }
    expect(() => new RegistryClient({ registry: 'r.example', repository: 'A/B' })).toThrow(/not a valid repository/);
  });
});

describe('missing credentials', () => {
  it('says how to supply them when the registry asks for Basic auth', async () => {
    const basicOnly: typeof fetch = async () => new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="Registry Realm"' } });
    const bare = new RegistryClient({ registry: 'r.example', repository: 'acme/m', fetch: basicOnly });
    await expect(bare.tags()).rejects.toThrow(/^r\.example\/acme\/m: the registry requires a username and password$/);
    const hinted = new RegistryClient({ registry: 'r.example', repository: 'acme/m', fetch: basicOnly, credentialsHint: 'set registry-username and registry-password' });
    await expect(hinted.tags()).rejects.toThrow(/^r\.example\/acme\/m: the registry requires a username and password; set registry-username and registry-password$/);
  });
});

describe('parseChallenges', () => {
  it('parses Bearer and Basic challenges', () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/ubuntu:pull,push' } },
    ]);
    expect(parseChallenges('Basic realm="Registry Realm"')).toEqual([{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
    expect(parseChallenges('Basic realm=x, Bearer realm="y"').map((c) => c.scheme)).toEqual(['basic', 'bearer']);
  });
});
