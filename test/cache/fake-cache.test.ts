import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as cache from '@actions/cache';
// @azure/storage-blob is @actions/cache's own client for the blob side (a transitive dependency).
import { BlockBlobClient } from '@azure/storage-blob';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeRuntimeToken, READ, TWIRP_PREFIX, WRITE } from './fake-cache.js';
import { openCacheTest, type CacheTestContext } from './harness.js';

let context: CacheTestContext;
beforeEach(async () => {
  context = await openCacheTest();
});
afterEach(async () => {
  await context.close();
});

async function twirp(method: string, body: unknown, token: string | null = 'fake-runtime-token'): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${context.fake.url}${TWIRP_PREFIX.slice(1)}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** Reserve, upload and finalize an entry through the raw protocol. */
async function put(key: string, version: string, data: string, token?: string): Promise<void> {
  const created = await twirp('CreateCacheEntry', { key, version }, token);
  expect(created.json['ok']).toBe(true);
  const upload = await fetch(String(created.json['signed_upload_url']), { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: data });
  expect(upload.status).toBe(201);
  expect((await twirp('FinalizeCacheEntryUpload', { key, version, size_bytes: String(data.length) }, token)).json['ok']).toBe(true);
}

async function get(keys: string[], version = 'v', token?: string): Promise<string | undefined> {
  const { json } = await twirp('GetCacheEntryDownloadURL', { key: keys[0], restore_keys: keys.slice(1), version }, token);
  if (!json['ok']) return undefined;
  return `${json['matched_key']}=${await (await fetch(String(json['signed_download_url']))).text()}`;
}

describe('twirp cache service (v2)', () => {
  it('matches keys exactly first, then by prefix, newest first, within the same version', async () => {
    await put('deps-linux-aaa', 'v', 'one');
    await put('deps-linux-bbb', 'v', 'two');
    await put('deps-linux-ccc', 'other-version', 'three');
    expect(await get(['deps-linux-aaa'])).toBe('deps-linux-aaa=one');
    expect(await get(['deps-linux-zzz', 'deps-linux-'])).toBe('deps-linux-bbb=two');
    expect(await get(['deps-'])).toBe('deps-linux-bbb=two');
    expect(await get(['deps-linux-ccc'])).toBeUndefined();
    expect(await get(['deps-linux-ccc'], 'other-version')).toBe('deps-linux-ccc=three');
    expect(await get(['nothing', 'deps-mac-'])).toBeUndefined();
  });

  it('searches the token scopes in order and writes to the first writable one', async () => {
    const main = fakeRuntimeToken([{ scope: 'refs/heads/main', permission: READ | WRITE }]);
    const pr = fakeRuntimeToken([{ scope: 'refs/pull/1/merge', permission: READ | WRITE }, { scope: 'refs/heads/main', permission: READ }]);
    await put('k-main', 'v', 'from main', main);
    expect(await get(['k-'], 'v', pr)).toBe('k-main=from main');
    await put('k-pr', 'v', 'from pr', pr);
    expect(await get(['k-'], 'v', pr)).toBe('k-pr=from pr');
    expect(await get(['k-'], 'v', main)).toBe('k-main=from main');
    expect(context.fake.entries.map((entry) => [entry.key, entry.scope])).toEqual([
      ['k-main', 'refs/heads/main'],
      ['k-pr', 'refs/pull/1/merge'],
    ]);
  });

  it('answers like the service to duplicates, unfinished entries, bad requests and missing tokens', async () => {
    const created = await twirp('CreateCacheEntry', { key: 'k', version: 'v' });
    expect(await get(['k'])).toBeUndefined();
    expect(await twirp('CreateCacheEntry', { key: 'k', version: 'v' })).toMatchObject({ status: 409, json: { code: 'already_exists' } });
    expect((await twirp('FinalizeCacheEntryUpload', { key: 'k', version: 'v', size_bytes: '3' })).json).toMatchObject({ ok: false });
    await fetch(String(created.json['signed_upload_url']), { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'abcd' });
    expect((await twirp('FinalizeCacheEntryUpload', { key: 'k', version: 'v', size_bytes: '3' })).json).toMatchObject({ ok: false, message: expect.stringContaining('does not match') });
    expect(await twirp('FinalizeCacheEntryUpload', { key: 'k', version: 'v', size_bytes: '4' })).toMatchObject({ status: 200, json: { ok: true, entry_id: '1' } });

    expect(await twirp('CreateCacheEntry', { key: 'k' })).toMatchObject({ status: 400, json: { code: 'invalid_argument' } });
    expect(await twirp('CreateCacheEntry', { key: 'a,b', version: 'v' })).toMatchObject({ status: 400, json: { code: 'invalid_argument' } });
    expect(await twirp('DeleteCacheEntry', { key: 'k', version: 'v' })).toMatchObject({ status: 404, json: { code: 'bad_route' } });
    expect(await twirp('CreateCacheEntry', { key: 'k2', version: 'v' }, null)).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
    expect((await twirp('CreateCacheEntry', { key: 'k2', version: 'v' }, fakeRuntimeToken([{ scope: 'refs/heads/main', permission: READ }]))).json).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^cache write denied:/),
    });
    expect(await twirp('GetCacheEntryDownloadURL', { key: 'k', version: 'v' }, fakeRuntimeToken([]))).toMatchObject({ status: 403, json: { msg: expect.stringMatching(/^cache read denied:/) } });
  });

  it('applies faults to the named operation only, as many times as asked, and records them', async () => {
    context.fake.addFault({ operation: 'CreateCacheEntry', times: 2, kind: { type: 'status', status: 503 } });
    expect((await twirp('GetCacheEntryDownloadURL', { key: 'k', version: 'v' })).status).toBe(200);
    expect(await twirp('CreateCacheEntry', { key: 'k', version: 'v' })).toMatchObject({ status: 503, json: { code: 'unavailable' } });
    expect((await twirp('CreateCacheEntry', { key: 'k', version: 'v' })).status).toBe(503);
    expect((await twirp('CreateCacheEntry', { key: 'k', version: 'v' })).status).toBe(200);
    context.fake.addFault({ operation: 'CreateCacheEntry', kind: { type: 'drop-connection' } });
    await expect(twirp('CreateCacheEntry', { key: 'k', version: 'v' })).rejects.toThrow();
    expect(context.fake.requests.map((request) => request.status)).toEqual([200, 503, 503, 200, 'dropped']);
    expect(context.fake.requests[1]).toMatchObject({ operation: 'CreateCacheEntry', body: { key: 'k', version: 'v' }, scope: 'refs/heads/main' });
  });
});

describe('blob endpoint', () => {
  it('serves what the Azure SDK does for large archives: staged blocks, ranged reads, properties', async () => {
    const created = await twirp('CreateCacheEntry', { key: 'big', version: 'v' });
    const writer = new BlockBlobClient(String(created.json['signed_upload_url']));
    const ids = ['AAAA', 'AAAB'].map((id) => Buffer.from(id).toString('base64'));
    await writer.stageBlock(ids[1]!, Buffer.from('world'), 5);
    await writer.stageBlock(ids[0]!, Buffer.from('hello '), 6);
    await writer.commitBlockList([ids[0]!, ids[1]!]);
    await twirp('FinalizeCacheEntryUpload', { key: 'big', version: 'v', size_bytes: '11' });

    const { json } = await twirp('GetCacheEntryDownloadURL', { key: 'big', version: 'v' });
    const reader = new BlockBlobClient(String(json['signed_download_url']));
    expect((await reader.getProperties()).contentLength).toBe(11);
    expect((await reader.downloadToBuffer(6, 5)).toString()).toBe('world');
    expect((await reader.downloadToBuffer()).toString()).toBe('hello world');
    await expect(writer.commitBlockList(['bm9wZQ=='])).rejects.toMatchObject({ statusCode: 400, code: 'InvalidBlockList' });
  });

  it('refuses a wrong signature, and writes with a read URL', async () => {
    const created = await twirp('CreateCacheEntry', { key: 'k', version: 'v' });
    const upload = new URL(String(created.json['signed_upload_url']));
    upload.searchParams.set('sig', 'forged');
    expect((await fetch(upload, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'x' })).status).toBe(403);
    await put('k2', 'v', 'data');
    const { json } = await twirp('GetCacheEntryDownloadURL', { key: 'k2', version: 'v' });
    expect((await fetch(String(json['signed_download_url']), { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'x' })).status).toBe(403);
    expect((await fetch(String(json['signed_download_url']), { headers: { range: 'bytes=99-' } })).status).toBe(416);
  });
});

describe('legacy REST service (v1)', () => {
  const v1 = (path: string, init: RequestInit = {}) =>
    fetch(`${context.fake.url}_apis/artifactcache/${path}`, { ...init, headers: { authorization: 'Bearer t', 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });

  it('reserves, takes chunks in any order, commits with the total size and lists', async () => {
    const reserved = (await (await v1('caches', { method: 'POST', body: JSON.stringify({ key: 'k-1', version: 'v', cacheSize: 10 }) })).json()) as { cacheId: number };
    expect((await v1('caches', { method: 'POST', body: JSON.stringify({ key: 'k-1', version: 'v' }) })).status).toBe(409);
    const chunk = (start: number, text: string) => v1(`caches/${reserved.cacheId}`, { method: 'PATCH', headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes ${start}-${start + text.length - 1}/*` }, body: text });
    expect((await chunk(5, 'fghij')).status).toBe(204);
    expect((await v1('cache?keys=k-&version=v')).status).toBe(204);
    expect((await v1(`caches/${reserved.cacheId}`, { method: 'POST', body: JSON.stringify({ size: 10 }) })).status).toBe(400);
    expect((await chunk(0, 'abcde')).status).toBe(204);
    expect((await v1(`caches/${reserved.cacheId}`, { method: 'POST', body: JSON.stringify({ size: 10 }) })).status).toBe(204);

    const found = (await (await v1('cache?keys=nope,k-&version=v')).json()) as { cacheKey: string; archiveLocation: string; scope: string };
    expect(found).toMatchObject({ cacheKey: 'k-1', scope: 'refs/heads/main' });
    expect(await (await fetch(found.archiveLocation)).text()).toBe('abcdefghij');
    expect(await (await v1('caches?key=k-1')).json()).toMatchObject({ totalCount: 1, artifactCaches: [{ cacheKey: 'k-1', cacheVersion: 'v' }] });
  });
});

describe('@actions/cache against the fake', () => {
  async function fixture(name: string): Promise<string> {
    const dir = join(context.root, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'file.txt'), name);
    return dir;
  }

  it.each(['v2', 'v1'] as const)('round-trips over %s and resolves restore keys to the newest entry', async (service) => {
    context.useEnv({ service });
    const dir = await fixture('work');
    expect(await cache.saveCache([dir], 'build-1')).toBeGreaterThan(0);
    await writeFile(join(dir, 'file.txt'), 'second');
    expect(await cache.saveCache([dir], 'build-2')).toBeGreaterThan(0);
    await rm(dir, { recursive: true });
    expect(await cache.restoreCache([dir], 'build-3', ['build-'])).toBe('build-2');
    expect(await readFile(join(dir, 'file.txt'), 'utf8')).toBe('second');
    expect(await cache.restoreCache([dir], 'build-1')).toBe('build-1');
    expect(await readFile(join(dir, 'file.txt'), 'utf8')).toBe('work');
    const operations = new Set(context.fake.requests.map((request) => request.operation));
    expect(operations).toEqual(
      service === 'v2'
        ? new Set(['CreateCacheEntry', 'blob:upload', 'FinalizeCacheEntryUpload', 'GetCacheEntryDownloadURL', 'blob:download'])
        : new Set(['v1:reserveCache', 'v1:uploadChunk', 'v1:commitCache', 'v1:getCacheEntry', 'blob:download']),
    );
  });

  it('reports any CreateCacheEntry failure as a reservation conflict (info), as the library does', async () => {
    context.fake.addFault({ operation: 'CreateCacheEntry', kind: { type: 'status', status: 400, message: 'bad' } });
    expect(await cache.saveCache([await fixture('x')], 'k')).toBe(-1);
    expect(context.commands('warning')).toEqual([]);
    expect(context.stdout.some((line) => line.includes('another job may be creating this cache'))).toBe(true);
  });

  it('v1 quirk: a failed commit still returns the reserved cache id (the library only warns)', async () => {
    context.useEnv({ service: 'v1' });
    context.fake.addFault({ operation: 'v1:commitCache', kind: { type: 'status', status: 400 } });
    expect(await cache.saveCache([await fixture('y')], 'k')).toBe(1);
    expect(context.commands('warning')).toEqual([expect.stringContaining('Failed to save')]);
    expect(context.fake.entries[0]?.finalized).toBe(false);
  });
});
