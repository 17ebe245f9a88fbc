/**
 * The Bearer token flow against a real registry: docker-registry (distribution 2.8) with
 * `auth.token`, a loopback token service signing ES256 JWTs (./token-server.ts), and skopeo
 * reading back with the same flow. CI needs: apt-get install -y docker-registry openssl skopeo.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArtifact, RegistryClient, type ArtifactInput } from '@modelgate/registry';
import { startDockerRegistry, type DockerRegistry } from './docker-registry.js';
import { startTokenServer, type TokenServer } from './token-server.js';

const USER = 'ml-bot';
const PASSWORD = 'token-pass';
let tokens: TokenServer | undefined;
let registry: DockerRegistry | undefined;

beforeAll(async () => {
  tokens = await startTokenServer(mkdtempSync(join(tmpdir(), 'modelgate-token-')), USER, PASSWORD);
  registry = await startDockerRegistry(USER, PASSWORD, tokens);
}, 30_000);

afterAll(async () => {
  registry?.stop();
  await tokens?.stop();
});

const model = randomBytes(2 * 1024 * 1024 + 7);

function input(version: string): ArtifactInput {
  return {
    version,
    revision: 'c'.repeat(40),
    source: 'https://github.com/acme/churn',
    created: '2024-06-01T12:00:00Z',
    files: [
      { title: 'model.onnx', content: model },
      { title: 'metrics.json', content: new TextEncoder().encode('{"kind":"metrics","f1":0.81}') },
    ],
  };
}

function client(repository: string, credentials?: { username: string; password: string }) {
  return new RegistryClient({ registry: registry!.host, repository, plainHttp: true, credentials, monolithicLimit: 1024 * 1024, chunkSize: 512 * 1024 });
}

describe('RegistryClient with Bearer tokens from a token service', () => {
  it('pushes chunked, mounts across repositories with a two-repository scope, and pulls verified', async () => {
    const artifact = buildArtifact(input('1.0.0'));
    const pushed = await client('acme/churn', { username: USER, password: PASSWORD }).push(artifact, { tag: '1.0.0', aliases: ['latest'] });
    expect(pushed).toMatchObject({ digest: artifact.manifestDescriptor.digest, blobsWritten: 3 });
    const pushScopes = tokens!.requests.filter((request) => request.user === USER);
    expect(pushScopes.length).toBeGreaterThan(0);
    expect(pushScopes.every((request) => request.service === tokens!.service)).toBe(true);
    expect(pushScopes.flatMap((request) => request.scopes)).toContain('repository:acme/churn:pull,push');

    tokens!.requests.length = 0;
    const mounted = await client('acme/churn-mirror', { username: USER, password: PASSWORD }).push(buildArtifact(input('1.0.0')), {
      tag: '1.0.0',
      mountFrom: 'acme/churn',
    });
    expect(mounted).toMatchObject({ blobsMounted: 3, blobsWritten: 0 });
    expect(tokens!.requests.some((request) => request.scopes.includes('repository:acme/churn-mirror:pull,push') && request.scopes.includes('repository:acme/churn:pull'))).toBe(true);

    const out = mkdtempSync(join(tmpdir(), 'modelgate-pull-'));
    const pulled = await client('acme/churn-mirror').pull('1.0.0', out);
    expect(pulled.digest).toBe(artifact.manifestDescriptor.digest);
    expect(readFileSync(join(out, 'model.onnx')).equals(model)).toBe(true);
  });

  it('anonymous callers get pull-only tokens: a push is refused with a clear message', async () => {
    await expect(client('acme/anonymous').push(buildArtifact(input('1.0.0')), { tag: '1.0.0' })).rejects.toThrow(/refused the token for repository:acme\/anonymous:pull,push \(credentials needed\)/);
  });

  it('wrong credentials stop at the token service', async () => {
    await expect(client('acme/churn', { username: USER, password: 'wrong' }).tags()).rejects.toThrow(/token service http:\/\/127\.0\.0\.1:\d+\/token answered 401/);
  });

  it('skopeo reads the pushed manifest through the same token flow', async () => {
    const artifact = buildArtifact(input('2.0.0'));
    await client('acme/churn', { username: USER, password: PASSWORD }).push(artifact, { tag: '2.0.0' });
    // Asynchronously: the token service answering skopeo lives in this process.
    const raw = await promisify(execFile)('/usr/bin/skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', `${USER}:${PASSWORD}`, `docker://${registry!.host}/acme/churn:2.0.0`], {
      encoding: 'utf8',
    }).catch((error: NodeJS.ErrnoException & { stderr?: string }) => {
      throw new Error(error.code === 'ENOENT' ? 'skopeo is needed: apt-get install -y skopeo' : `skopeo failed: ${error.stderr ?? error.message}`);
    });
    expect(raw.stdout).toBe(new TextDecoder().decode(artifact.manifestBytes));
  });
});
