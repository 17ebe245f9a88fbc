/**
 * The legacy cache service REST API (`_apis/artifactcache/…`), which @actions/cache uses when
 * ACTIONS_CACHE_SERVICE_V2 is unset or the server is GHES. Archives are uploaded to the service
 * itself (PATCH chunks with `Content-Range: bytes a-b/*`, then a commit with the total size) and
 * downloaded from a signed blob URL (`archiveLocation`).
 */
import { invalidKey, READ, sendJson, WRITE, type CacheEntry, type RequestContext } from './fake-cache.js';

const PREFIX = '/_apis/artifactcache/';

const chunks = new WeakMap<CacheEntry, { start: number; data: Buffer }[]>();

export function isV1Path(path: string): boolean {
  return path.startsWith(PREFIX);
}

export function handleV1(context: RequestContext): number {
  const { req, res, query, json, scopes, fake } = context;
  const resource = context.path.slice(PREFIX.length);
  const method = req.method ?? 'GET';
  const writeScope = scopes.find((entry) => entry.permission & WRITE)?.scope;

  if (resource === 'cache' && method === 'GET') {
    const keys = (query.get('keys') ?? '').split(',').filter((key) => key !== '');
    const version = query.get('version') ?? '';
    if (keys.length === 0 || !version) return sendJson(res, 400, { message: 'keys and version are required' });
    if (!scopes.some((entry) => entry.permission & READ)) return sendJson(res, 403, { message: 'cache read denied: the token has no readable cache scope' });
    const entry = fake.lookup(keys, version, scopes);
    if (!entry) return sendJson(res, 204, undefined);
    return sendJson(res, 200, {
      scope: entry.scope,
      cacheKey: entry.key,
      cacheVersion: entry.version,
      creationTime: entry.createdAt.toISOString(),
      archiveLocation: fake.blobs.signedUrl(entry.blob, 'read'),
    });
  }

  if (resource === 'caches' && method === 'GET') {
    const key = query.get('key') ?? '';
    const readable = new Set(scopes.filter((entry) => entry.permission & READ).map((entry) => entry.scope));
    const found = fake.entries.filter((entry) => entry.finalized && entry.key === key && readable.has(entry.scope));
    return sendJson(res, 200, {
      totalCount: found.length,
      artifactCaches: found.map((entry) => ({ cacheKey: entry.key, cacheVersion: entry.version, scope: entry.scope, creationTime: entry.createdAt.toISOString() })),
    });
  }

  if (resource === 'caches' && method === 'POST') {
    const request = (json ?? {}) as { key?: unknown; version?: unknown; cacheSize?: unknown };
    if (typeof request.key !== 'string' || typeof request.version !== 'string') return sendJson(res, 400, { message: 'key and version are required' });
    if (!writeScope) return sendJson(res, 403, { message: 'cache write denied: the token has no writable cache scope' });
    const problem = invalidKey(request.key);
    if (problem) return sendJson(res, 400, { message: problem });
    const { key, version } = request;
    if (fake.entries.some((entry) => entry.key === key && entry.version === version && entry.scope === writeScope)) {
      return sendJson(res, 409, { message: `Cache already exists. Scope: ${writeScope}, Key: ${key}, Version: ${version}` });
    }
    const entry = context.newEntry(key, version, writeScope, 'v1');
    chunks.set(entry, []);
    return sendJson(res, 201, { cacheId: entry.id });
  }

  const idMatch = /^caches\/(\d+)$/.exec(resource);
  if (idMatch) {
    const entry = fake.entries.find((candidate) => candidate.id === Number(idMatch[1]) && candidate.api === 'v1');
    if (!entry || entry.finalized || entry.scope !== writeScope) return sendJson(res, 404, { message: `no reserved cache ${idMatch[1]}` });
    const parts = chunks.get(entry) ?? [];
    if (method === 'PATCH') {
      const range = /^bytes (\d+)-(\d+)\/\*$/.exec(String(req.headers['content-range'] ?? ''));
      if (!range) return sendJson(res, 400, { message: 'Content-Range must be bytes start-end/*' });
      const start = Number(range[1]);
      if (Number(range[2]) - start + 1 !== context.body.length) return sendJson(res, 400, { message: 'Content-Range does not match the body length' });
      parts.push({ start, data: context.body });
      chunks.set(entry, parts);
      return sendJson(res, 204, undefined);
    }
    if (method === 'POST') {
      const size = Number((json as { size?: unknown } | undefined)?.size);
      const sorted = [...parts].sort((a, b) => a.start - b.start);
      let offset = 0;
      for (const part of sorted) {
        if (part.start !== offset) return sendJson(res, 400, { message: `missing bytes at offset ${offset}` });
        offset += part.data.length;
      }
      if (offset !== size) return sendJson(res, 400, { message: `size ${size} does not match the ${offset} uploaded bytes` });
      entry.blob.data = Buffer.concat(sorted.map((part) => part.data));
      entry.finalized = true;
      entry.size = size;
      chunks.delete(entry);
      return sendJson(res, 204, undefined);
    }
  }
  return sendJson(res, 404, { message: `no route for ${method} ${context.path}` });
}
