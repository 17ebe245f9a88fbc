/**
 * A push whose connection dies in the middle of a blob upload, through a TCP proxy on loopback
 * that cuts the connection after a given number of request bytes: the push fails cleanly, the
 * version tag never points at a missing blob, and a rerun completes with every digest verified.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildArtifact, RegistryClient } from '@modelgate/registry';
import { startDockerRegistry, type DockerRegistry } from './docker-registry.js';

let registry: DockerRegistry;
let proxy: Server;
let proxyHost = '';
/** Client→registry bytes after which the proxy kills every open connection (Infinity = pass through). */
let cutAfter = Number.POSITIVE_INFINITY;
/** Kill each connection after this many request bytes of its own, as a flaky network would. */
let cutEachAfter = Number.POSITIVE_INFINITY;
let forwarded = 0;
let cuts = 0;

beforeAll(async () => {
  registry = await startDockerRegistry();
  const [host, port] = registry.host.split(':') as [string, string];
  const open = new Set<Socket>();
  proxy = createServer((client) => {
    const upstream = connect(Number(port), host);
    let own = 0;
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('data', (chunk: Buffer) => {
      forwarded += chunk.length;
      own += chunk.length;
      if (own > cutEachAfter) {
        cuts += 1;
        client.destroy();
        upstream.destroy();
        return;
      }
      if (forwarded > cutAfter) {
        cuts += 1;
        cutAfter = Number.POSITIVE_INFINITY;
        for (const socket of open) socket.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  proxyHost = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 30_000);

afterAll(() => {
  proxy?.close();
  registry?.stop();
});

const client = (host: string) =>
  new RegistryClient({ registry: host, repository: 'acme/interrupted', plainHttp: true, credentials: { username: registry.user, password: registry.password }, monolithicLimit: 1024 * 1024, chunkSize: 512 * 1024 });

it('survives connections killed mid-blob: recovers in place, never tags a missing blob, reruns complete', async () => {
  const model = randomBytes(4 * 1024 * 1024 + 7);
  const artifact = () =>
    buildArtifact({
      version: '1.0.0',
      revision: 'c'.repeat(40),
      source: 'https://github.com/acme/income',
      created: '2024-05-01T12:00:00Z',
      files: [
        { title: 'model.onnx', content: model },
        { title: 'metrics.json', content: new TextEncoder().encode('{"kind":"metrics","f1":0.8}') },
      ],
    });

  const direct = client(registry.host);

  // A network that keeps failing: every connection dies after 256 KiB. The push gives up, and since
  // the manifest goes last, nothing is tagged while a blob is missing.
  cutEachAfter = 256 * 1024;
  await expect(client(proxyHost).push(artifact(), { tag: '1.0.0', aliases: ['latest'] })).rejects.toThrow();
  expect(cuts).toBeGreaterThan(1);
  expect(await direct.tags()).toEqual([]);
  cutEachAfter = Number.POSITIVE_INFINITY;

  // One cut inside the 4 MiB model blob's chunked upload: the client restarts that blob and finishes.
  cuts = 0;
  forwarded = 0;
  cutAfter = 1.5 * 1024 * 1024;
  const rerun = await client(proxyHost).push(artifact(), { tag: '1.0.0', aliases: ['latest'] });
  expect(cuts).toBe(1);
  expect(rerun.bytesWritten).toBeGreaterThan(model.length);
  expect(await direct.tags()).toEqual(['1.0.0', 'latest']);
  const out = mkdtempSync(join(tmpdir(), 'modelgate-interrupted-'));
  const pulled = await direct.pull('1.0.0', out);
  expect(pulled.digest).toBe(rerun.digest);
  expect(Buffer.compare(readFileSync(join(out, 'model.onnx')), model)).toBe(0);
}, 120_000);
