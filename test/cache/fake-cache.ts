/**
 * A fake GitHub Actions cache service on loopback, so the real @actions/cache client runs end
 * to end in tests. It speaks both protocols of @actions/cache 6.x:
 *
 * - cache service v2 (github.com; chosen by ACTIONS_CACHE_SERVICE_V2): a Twirp JSON API under
 *   ACTIONS_RESULTS_URL, `twirp/github.actions.results.api.v1.CacheService/{GetCacheEntryDownloadURL,
 *   CreateCacheEntry,FinalizeCacheEntryUpload}`, with archives moved through signed blob URLs;
 * - the legacy v1 REST API (GHES) under ACTIONS_CACHE_URL, `_apis/artifactcache/{cache,caches,caches/:id}`,
 *   uploads as PATCH chunks with Content-Range and a commit.
 *
 * Matching follows GitHub's documented rules: entries are visible only with the same `version`
 * (a hash of the paths and compression the client sends) and a readable scope; scopes are
 * searched in the order the token lists them (the run's ref first, then base/default branch);
 * within a scope each key in order is tried exactly, then as a prefix, newest entry first.
 * Scopes come from the `ac` claim of a JWT runtime token (see fakeRuntimeToken); any other
 * token gets `options.scopes`. State is in memory; every request is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BlobStore, type Blob } from './blob-store.js';
import { handleV1, isV1Path } from './v1.js';

export const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.CacheService/';

export type CacheOperation =
  | 'GetCacheEntryDownloadURL'
  | 'CreateCacheEntry'
  | 'FinalizeCacheEntryUpload'
  | 'v1:getCacheEntry'
  | 'v1:listCaches'
  | 'v1:reserveCache'
  | 'v1:uploadChunk'
  | 'v1:commitCache'
  | 'blob:upload'
  | 'blob:download';

export type CacheFaultKind =
  /** Answer with this HTTP status (a Twirp error, storage XML error or v1 JSON error, as fits). */
  | { type: 'status'; status: number; message?: string }
  /** Twirp only: HTTP 200 with `ok: false` (and a message, e.g. `cache write denied: …`). */
  | { type: 'not-ok'; message?: string }
  /** Destroy the socket without answering (the client sees ECONNRESET). */
  | { type: 'drop-connection' }
  /** Downloads only: announce the full length, send half, then end the connection. */
  | { type: 'truncate' };

export interface CacheFault {
  operation: CacheOperation;
  /** How many matching requests fail before the fault is used up. Default 1; Infinity for all. */
  times?: number;
  kind: CacheFaultKind;
}

export interface CacheScope {
  scope: string;
  /** Bit 1 = read, bit 2 = write (as in the runtime token's `ac` claim). */
  permission: number;
}

export interface CacheEntry {
  id: number;
  key: string;
  version: string;
  scope: string;
  api: 'v1' | 'v2';
  /** Reserved entries are invisible to lookups until finalized (v2) / committed (v1). */
  finalized: boolean;
  size?: number;
  /** Creation order; "newest" means the highest. */
  sequence: number;
  createdAt: Date;
  blob: Blob;
}

export interface RecordedCacheRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  operation: CacheOperation | null;
  /** Parsed JSON body; undefined for empty or binary bodies. */
  body: unknown;
  bodyLength: number;
  /** The write scope of the caller's token, if any. */
  scope?: string;
  status: number | 'dropped';
}

export interface FakeCacheOptions {
  /** Scopes of a runtime token that is not a JWT. Default: refs/heads/main, read+write. */
  scopes?: CacheScope[];
}

export interface FakeCache {
  /** Base URL, with a trailing slash (use as ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL). */
  url: string;
  entries: CacheEntry[];
  blobs: BlobStore;
  requests: RecordedCacheRequest[];
  faults: CacheFault[];
  addFault(fault: CacheFault): void;
  /** Entries a lookup with these keys would see from these scopes (newest wins), as the service resolves them. */
  lookup(keys: string[], version: string, scopes: CacheScope[]): CacheEntry | undefined;
  /** Environment variables that point @actions/cache at the fake (undefined = unset the variable). */
  env(options?: { service?: 'v1' | 'v2'; token?: string }): Record<string, string | undefined>;
  close(): Promise<void>;
}

export const READ = 1;
export const WRITE = 2;

/** A JWT-shaped runtime token whose `ac` claim lists cache scopes, like ACTIONS_RUNTIME_TOKEN. Unsigned. */
export function fakeRuntimeToken(scopes: CacheScope[]): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const ac = JSON.stringify(scopes.map((entry) => ({ Scope: entry.scope, Permission: entry.permission })));
  return `${encode({ typ: 'JWT', alg: 'none' })}.${encode({ ac, scp: 'Actions.Results:1:1', exp: 4_102_444_800 })}.sig`;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  query: URLSearchParams;
  body: Buffer;
  json: unknown;
  scopes: CacheScope[];
  fake: FakeCache;
  newEntry(key: string, version: string, scope: string, api: 'v1' | 'v2'): CacheEntry;
}

export async function startFakeCache(options: FakeCacheOptions = {}): Promise<FakeCache> {
  const defaultScopes = options.scopes ?? [{ scope: 'refs/heads/main', permission: READ | WRITE }];
  let baseUrl = '';
  let nextId = 1;
  const fake: FakeCache = {
    url: '',
    entries: [],
    blobs: new BlobStore(() => baseUrl),
    requests: [],
    faults: [],
    addFault: (fault) => fake.faults.push(fault),
    lookup: (keys, version, scopes) => lookup(fake.entries, keys, version, scopes),
    env: ({ service = 'v2', token = 'fake-runtime-token' } = {}) => ({
      ACTIONS_RUNTIME_TOKEN: token,
      ACTIONS_RESULTS_URL: fake.url,
      ACTIONS_CACHE_URL: service === 'v1' ? fake.url : undefined,
      ACTIONS_CACHE_SERVICE_V2: service === 'v2' ? 'True' : undefined,
      // Any other host counts as GHES, where @actions/cache always uses v1.
      GITHUB_SERVER_URL: 'https://github.com',
      ACTIONS_CACHE_MODE: undefined,
    }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  const newEntry = (key: string, version: string, scope: string, api: 'v1' | 'v2'): CacheEntry => {
    const id = nextId++;
    const entry: CacheEntry = { id, key, version, scope, api, finalized: false, sequence: id, createdAt: new Date(), blob: fake.blobs.create(`cache-${id}.tar`) };
    fake.entries.push(entry);
    return entry;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const record: RecordedCacheRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        operation: operationOf(req.method ?? 'GET', url),
        body: parseJson(body, req.headers['content-type']),
        bodyLength: body.length,
        status: 0,
      };
      fake.requests.push(record);
      const scopes = scopesOf(req.headers.authorization, defaultScopes);
      const writeScope = scopes?.find((entry) => entry.permission & WRITE)?.scope;
      if (writeScope) record.scope = writeScope;
      try {
        const fault = record.operation ? takeFault(fake.faults, record.operation) : undefined;
        if (fault) {
          record.status = injectFault(fault.kind, record.operation!, res, url, fake);
          return;
        }
        const context: RequestContext = { req, res, path: url.pathname, query: url.searchParams, body, json: record.body, scopes: scopes ?? [], fake, newEntry };
        if (BlobStore.matches(url.pathname)) {
          record.status = fake.blobs.handle(req, res, url.pathname, url.searchParams, body);
        } else if (!scopes) {
          record.status = url.pathname.startsWith(TWIRP_PREFIX) ? twirpError(res, 401, 'unauthenticated', 'missing bearer token') : sendJson(res, 401, { message: 'missing bearer token' });
        } else if (url.pathname.startsWith(TWIRP_PREFIX)) {
          record.status = handleTwirp(context, url.pathname.slice(TWIRP_PREFIX.length));
        } else if (isV1Path(url.pathname)) {
          record.status = handleV1(context);
        } else {
          record.status = sendJson(res, 404, { message: `no route for ${req.method} ${url.pathname}` });
        }
      } catch (error) {
        record.status = sendJson(res, 500, { message: error instanceof Error ? error.message : String(error) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.url = `${baseUrl}/`;
  return fake;
}

function handleTwirp(context: RequestContext, method: string): number {
  const { req, res, json, scopes, fake } = context;
  if (req.method !== 'POST') return twirpError(res, 404, 'bad_route', `unsupported method ${req.method}`);
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return twirpError(res, 404, 'bad_route', 'unexpected Content-Type');
  if (typeof json !== 'object' || json === null) return twirpError(res, 400, 'malformed', 'the request body is not a JSON object');
  const request = json as Record<string, unknown>;
  const key = typeof request['key'] === 'string' ? request['key'] : '';
  const version = typeof request['version'] === 'string' ? request['version'] : '';
  if (!key || !version) return twirpError(res, 400, 'invalid_argument', `${key ? 'version' : 'key'} is required`);
  const writeScope = scopes.find((entry) => entry.permission & WRITE)?.scope;

  switch (method) {
    case 'GetCacheEntryDownloadURL': {
      const restoreKeys = Array.isArray(request['restore_keys']) ? request['restore_keys'].filter((entry): entry is string => typeof entry === 'string') : [];
      if (!scopes.some((entry) => entry.permission & READ)) return twirpError(res, 403, 'permission_denied', 'cache read denied: the token has no readable cache scope');
      const entry = fake.lookup([key, ...restoreKeys], version, scopes);
      if (!entry) return sendJson(res, 200, { ok: false, signed_download_url: '', matched_key: '' });
      return sendJson(res, 200, { ok: true, signed_download_url: fake.blobs.signedUrl(entry.blob, 'read'), matched_key: entry.key });
    }
    case 'CreateCacheEntry': {
      if (!writeScope) return sendJson(res, 200, { ok: false, signed_upload_url: '', message: 'cache write denied: the token has no writable cache scope' });
      const keyProblem = invalidKey(key);
      if (keyProblem) return twirpError(res, 400, 'invalid_argument', keyProblem);
      if (fake.entries.some((entry) => entry.key === key && entry.version === version && entry.scope === writeScope)) {
        return twirpError(res, 409, 'already_exists', 'cache entry with the same key, version, and scope already exists');
      }
      const entry = context.newEntry(key, version, writeScope, 'v2');
      return sendJson(res, 200, { ok: true, signed_upload_url: fake.blobs.signedUrl(entry.blob, 'write') });
    }
    case 'FinalizeCacheEntryUpload': {
      const entry = fake.entries.find((candidate) => candidate.key === key && candidate.version === version && candidate.scope === writeScope && candidate.api === 'v2');
      if (!entry || entry.finalized) return twirpError(res, 404, 'not_found', 'no cache entry reserved with this key and version');
      const size = Number(request['size_bytes'] ?? 0);
      const uploaded = entry.blob.data?.length;
      if (uploaded === undefined) return sendJson(res, 200, { ok: false, entry_id: '0', message: 'the cache archive was not uploaded' });
      if (uploaded !== size) return sendJson(res, 200, { ok: false, entry_id: '0', message: `size_bytes ${size} does not match the uploaded ${uploaded} bytes` });
      entry.finalized = true;
      entry.size = size;
      return sendJson(res, 200, { ok: true, entry_id: String(entry.id) });
    }
    default:
      return twirpError(res, 404, 'bad_route', `no handler for ${method}`);
  }
}

function lookup(entries: CacheEntry[], keys: string[], version: string, scopes: CacheScope[]): CacheEntry | undefined {
  const newest = (matches: CacheEntry[]) => matches.reduce<CacheEntry | undefined>((best, entry) => (!best || entry.sequence > best.sequence ? entry : best), undefined);
  for (const { scope, permission } of scopes) {
    if (!(permission & READ)) continue;
    const visible = entries.filter((entry) => entry.finalized && entry.scope === scope && entry.version === version);
    for (const key of keys) {
      const found = newest(visible.filter((entry) => entry.key === key)) ?? newest(visible.filter((entry) => entry.key.startsWith(key)));
      if (found) return found;
    }
  }
  return undefined;
}

export function invalidKey(key: string): string | undefined {
  if (key.length > 512) return `key is longer than 512 characters`;
  if (key.includes(',')) return 'key cannot contain commas';
  return undefined;
}

function scopesOf(authorization: string | undefined, defaults: CacheScope[]): CacheScope[] | undefined {
  const match = /^Bearer (\S+)$/.exec(authorization ?? '');
  if (!match) return undefined;
  const parts = match[1]!.split('.');
  if (parts.length !== 3) return defaults;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { ac?: string };
    if (typeof payload.ac !== 'string') return [];
    return (JSON.parse(payload.ac) as { Scope: string; Permission: number }[]).map((entry) => ({ scope: entry.Scope, permission: entry.Permission }));
  } catch {
    return defaults;
  }
}

function operationOf(method: string, url: URL): CacheOperation | null {
  const path = url.pathname;
  if (path.startsWith(TWIRP_PREFIX)) {
    const name = path.slice(TWIRP_PREFIX.length);
    return name === 'GetCacheEntryDownloadURL' || name === 'CreateCacheEntry' || name === 'FinalizeCacheEntryUpload' ? name : null;
  }
  if (BlobStore.matches(path)) return BlobStore.operation(method, url.searchParams);
  if (!isV1Path(path)) return null;
  const resource = path.slice(path.indexOf('_apis/artifactcache/') + '_apis/artifactcache/'.length);
  if (resource === 'cache' && method === 'GET') return 'v1:getCacheEntry';
  if (resource === 'caches' && method === 'GET') return 'v1:listCaches';
  if (resource === 'caches' && method === 'POST') return 'v1:reserveCache';
  if (/^caches\/\d+$/.test(resource)) return method === 'PATCH' ? 'v1:uploadChunk' : method === 'POST' ? 'v1:commitCache' : null;
  return null;
}

function takeFault(faults: CacheFault[], operation: CacheOperation): CacheFault | undefined {
  const fault = faults.find((candidate) => candidate.operation === operation && (candidate.times ?? 1) > 0);
  if (fault) fault.times = (fault.times ?? 1) - 1;
  return fault;
}

function injectFault(kind: CacheFaultKind, operation: CacheOperation, res: ServerResponse, url: URL, fake: FakeCache): number | 'dropped' {
  if (kind.type === 'drop-connection') {
    res.socket?.destroy();
    return 'dropped';
  }
  if (kind.type === 'not-ok') {
    const urlField = operation === 'CreateCacheEntry' ? { signed_upload_url: '' } : operation === 'GetCacheEntryDownloadURL' ? { signed_download_url: '', matched_key: '' } : {};
    return sendJson(res, 200, { ok: false, ...urlField, message: kind.message ?? 'injected failure' });
  }
  if (kind.type === 'truncate') {
    const name = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    const data = fake.blobs.blobs.get(name)?.data ?? Buffer.alloc(64);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(data.length) });
    res.write(data.subarray(0, Math.floor(data.length / 2)));
    setTimeout(() => res.socket?.destroy(), 20);
    return 'dropped';
  }
  const message = kind.message ?? `injected ${kind.status}`;
  if (operation.startsWith('blob:')) {
    const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>InjectedFailure</Code><Message>${message}</Message></Error>`;
    res.writeHead(kind.status, { 'content-type': 'application/xml', 'x-ms-error-code': 'InjectedFailure' });
    res.end(xml);
    return kind.status;
  }
  if (operation.startsWith('v1:')) return sendJson(res, kind.status, { message });
  return twirpError(res, kind.status, twirpCode(kind.status), message);
}

function twirpCode(status: number): string {
  const codes: Record<number, string> = { 400: 'invalid_argument', 401: 'unauthenticated', 403: 'permission_denied', 404: 'not_found', 409: 'already_exists', 412: 'failed_precondition', 429: 'resource_exhausted', 503: 'unavailable' };
  return codes[status] ?? 'internal';
}

export function twirpError(res: ServerResponse, status: number, code: string, msg: string): number {
  return sendJson(res, status, { code, msg });
}

export function sendJson(res: ServerResponse, status: number, value: unknown): number {
  if (status === 204) {
    res.writeHead(204);
    res.end();
    return 204;
  }
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
  return status;
}

function parseJson(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0 || !String(contentType ?? '').includes('json')) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
