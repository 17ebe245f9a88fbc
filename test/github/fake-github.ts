/**
 * A fake GitHub REST API for end-to-end tests of the bundled actions. Point
 * `GITHUB_API_URL` at `fake.url`. Every request is matched and validated against
 * GitHub's own OpenAPI description (see openapi.ts); anything GitHub would reject
 * or that no documented operation matches is answered like GitHub and also
 * recorded in `violations`, so a happy-path test can assert the list is empty.
 *
 * Release uploads are served on a second listener (`uploadUrl`), mirroring
 * uploads.github.com: uploading through the API URL is a violation, as it would
 * fail against the real service.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleGraphql } from './graphql.js';
import { handlers, type Reply } from './handlers.js';
import { loadSubset, type FieldError } from './openapi.js';
import { Renderer } from './render.js';
import { ApiError, FakeState, GITHUB_ACTIONS_BOT, type User } from './state.js';

export type PermissionScope = 'issues' | 'pull_requests' | 'contents' | 'checks' | 'actions' | 'metadata';
export type PermissionLevel = 'none' | 'read' | 'write';
/** One level for every scope, or per scope (unlisted scopes are `write`). */
export type Permissions = PermissionLevel | Partial<Record<PermissionScope, PermissionLevel>>;

export interface FakeGitHubOptions {
  /** Identity of the token; default `github-actions[bot]` (type Bot). */
  viewer?: { login: string; type?: 'User' | 'Bot' };
  /** `forbidden` mimics a GITHUB_TOKEN installation token, which gets 403 on `GET /user`. Default `ok`. */
  userEndpoint?: 'ok' | 'forbidden';
  /** Default `write`. `read` mimics the token of a pull request from a fork. */
  permissions?: Permissions;
  /** Base of html_url / browser_download_url links. Default: the fake itself, which serves release downloads. */
  serverUrl?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Matched OpenAPI operation, `graphql`, `web/release-download`, or null for unknown routes. */
  operationId: string | null;
  host: 'api' | 'uploads';
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined for empty or binary bodies. */
  body: unknown;
  bodyLength: number;
  /** Response status, or `dropped` when a fault destroyed the connection. */
  status: number | 'dropped';
}

export type FaultKind =
  | { type: 'rate-limit-429'; retryAfter?: number }
  | { type: 'server-error'; status?: 500 | 502 | 503 }
  | { type: 'secondary-rate-limit'; retryAfter?: number }
  | { type: 'primary-rate-limit'; resetInSeconds?: number }
  /** An error GitHub's application answers (404 for what the token cannot see, 422, 410), as JSON. */
  | { type: 'api-error'; status: 404 | 410 | 422; message: string; errors?: unknown[] }
  | { type: 'drop-connection' };

export interface Fault {
  /** All given criteria must match; omitted = every request. */
  match?: { method?: string; operationId?: string; pathIncludes?: string };
  /** How many matching requests fail before the fault is used up. Default 1. */
  times?: number;
  kind: FaultKind;
}

export interface FakeGitHub {
  /** REST base URL (use as GITHUB_API_URL / octokit baseUrl). */
  url: string;
  /** The uploads.github.com equivalent; release `upload_url`s point here. */
  uploadUrl: string;
  /** Base of html_url links (GITHUB_SERVER_URL equivalent). */
  serverUrl: string;
  state: FakeState;
  requests: RecordedRequest[];
  violations: string[];
  injectFault(fault: Fault): void;
  setViewer(login: string, type?: 'User' | 'Bot'): void;
  setPermissions(permissions: Permissions): void;
  setUserEndpoint(mode: 'ok' | 'forbidden'): void;
  /** Recorded requests for one operationId, in order. */
  requestsFor(operationId: string): RecordedRequest[];
  close(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';
const SECONDARY_RATE_LIMIT_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
  'If you reach out to GitHub Support for help, please include the request ID ';
const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

function scopeOf(operationId: string): PermissionScope | undefined {
  const [group, name] = operationId.split('/');
  if (group === 'issues') return 'issues';
  if (group === 'pulls') return 'pull_requests';
  if (group === 'checks') return 'checks';
  if (group === 'actions') return 'actions';
  if (group === 'git') return 'contents';
  if (group === 'repos') return name === 'get' ? 'metadata' : 'contents';
  return undefined; // users/*, apps/*: identity endpoints, not repository permissions
}

function allows(permissions: Permissions, scope: PermissionScope | undefined, write: boolean): boolean {
  if (!scope) return true;
  const level = typeof permissions === 'string' ? permissions : (permissions[scope] ?? 'write');
  // Every installation token can read metadata.
  if (scope === 'metadata' && !write) return true;
  return write ? level === 'write' : level !== 'none';
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function errorBody(status: number, message: string, docs = DOCS, errors?: unknown[]) {
  return { message, ...(errors ? { errors } : {}), documentation_url: docs, status: String(status) };
}

const listen = (server: Server) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const subset = loadSubset();
  // Fail fast when an operation was added to scripts/extract-openapi.mjs without a handler here.
  const unhandled = subset.operations.filter((op) => !handlers[op.operationId]).map((op) => op.operationId);
  if (unhandled.length > 0) throw new Error(`fake GitHub has no handler for: ${unhandled.join(', ')}`);
  const state = new FakeState();
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const faults: Array<Fault & { remaining: number }> = [];
  let viewer: User = options.viewer ? state.user(options.viewer.login, options.viewer.type) : GITHUB_ACTIONS_BOT;
  let permissions: Permissions = options.permissions ?? 'write';
  let userEndpoint = options.userEndpoint ?? 'ok';
  let requestCount = 0;

  const serve = (host: 'api' | 'uploads') => (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res, host).catch((error: unknown) => {
      // e.g. the client aborted mid-body; nothing sensible to answer, but keep it visible.
      violations.push(`${req.method} ${req.url}: fake GitHub failed: ${String(error)}`);
      res.destroy();
    });
  };
  const apiServer = createServer(serve('api'));
  const uploadServer = createServer(serve('uploads'));
  const url = `http://127.0.0.1:${await listen(apiServer)}`;
  const uploadUrl = `http://127.0.0.1:${await listen(uploadServer)}`;
  const serverUrl = options.serverUrl ?? url;
  const render = new Renderer({ api: url, uploads: uploadUrl, web: serverUrl }, state);

  function takeFault(record: RecordedRequest): FaultKind | undefined {
    const index = faults.findIndex(
      ({ match = {} }) =>
        (!match.method || match.method.toUpperCase() === record.method) &&
        (!match.operationId || match.operationId === record.operationId) &&
        (!match.pathIncludes || record.path.includes(match.pathIncludes)),
    );
    if (index === -1) return undefined;
    const fault = faults[index]!;
    if (--fault.remaining <= 0) faults.splice(index, 1);
    return fault.kind;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, host: 'api' | 'uploads'): Promise<void> {
    const requestId = `FAKE:${(++requestCount).toString(16).toUpperCase().padStart(6, '0')}`;
    const raw = await readBody(req);
    const target = new URL(req.url ?? '/', host === 'api' ? url : uploadUrl);
    const method = (req.method ?? 'GET').toUpperCase();
    const record: RecordedRequest = {
      method,
      path: target.pathname,
      query: Object.fromEntries(target.searchParams),
      operationId: null,
      host,
      headers: req.headers,
      body: undefined,
      bodyLength: raw.length,
      status: 'dropped',
    };
    requests.push(record);

    const send = (status: number, reply: Omit<Reply, 'status'> = {}) => {
      record.status = status;
      const payload =
        reply.bytes ?? (reply.json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(reply.json)));
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-request-id': requestId,
        'x-github-api-version-selected': '2022-11-28',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': String(Math.max(5000 - requestCount, 0)),
        'x-ratelimit-used': String(requestCount),
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
        'x-ratelimit-resource': 'core',
        ...reply.headers,
        'content-length': String(payload.length),
      });
      res.end(payload);
    };
    const violation = (text: string) => violations.push(`${method} ${target.pathname}: ${text}`);

    const isGraphql = host === 'api' && target.pathname === '/graphql';
    const download =
      host === 'api' && /^\/([^/]+)\/([^/]+)\/releases\/download\/([^/]+)\/([^/]+)$/.exec(target.pathname);
    const matched = isGraphql || download ? undefined : subset.match(method, target.pathname);
    const route = matched && 'op' in matched ? matched : undefined;
    const op = route?.op;
    record.operationId = isGraphql ? 'graphql' : download ? 'web/release-download' : (op?.operationId ?? null);
    let malformedJson = false;
    if (raw.length > 0 && op?.operationId !== 'repos/upload-release-asset') {
      try {
        record.body = JSON.parse(raw.toString('utf8'));
      } catch {
        malformedJson = true;
      }
    }

    // Faults model failures in front of the application (edge, rate limiter), so they win over everything.
    const fault = takeFault(record);
    if (fault) return applyFault(fault, req, send, requestId, op?.docs);
    if (malformedJson) {
      violation('request body is not valid JSON');
      return send(400, { json: errorBody(400, 'Problems parsing JSON') });
    }

    if (download) return serveDownload(download, send);
    if (!req.headers.authorization) return send(401, { json: errorBody(401, 'Requires authentication') });

    if (isGraphql) {
      if (method !== 'POST') return send(404, { json: errorBody(404, 'Not Found') });
      const outcome = handleGraphql(record.body, state, allows(permissions, 'issues', true));
      if (outcome.violation) violation(outcome.violation);
      return send(200, { json: outcome.json });
    }
    if (!route || !op) {
      const why =
        matched && 'pathOnly' in matched && matched.pathOnly ? 'method not allowed for this path' : 'no such route';
      violation(`${why} in the OpenAPI subset (${subset.version})`);
      return send(404, { json: errorBody(404, 'Not Found') });
    }
    const wantsUploadHost = op.servers?.some((s) => s.includes('uploads.')) ?? false;
    if (wantsUploadHost !== (host === 'uploads')) {
      violation(
        `${op.operationId} must be sent to ${wantsUploadHost ? 'the upload URL (uploads.github.com)' : 'the API URL'}`,
      );
      return send(404, { json: errorBody(404, 'Not Found') });
    }

    const params = subset.validateParameters(op, route.pathParams, target.searchParams);
    for (const key of params.unknownQuery)
      violation(`${op.operationId}: unknown query parameter "${key}" (GitHub ignores it)`);
    const errors: FieldError[] = [...params.errors];
    if (op.operationId !== 'repos/upload-release-asset') errors.push(...subset.validateJsonBody(op, record.body));
    if (errors.length > 0) {
      for (const e of errors) violation(`${op.operationId}: ${e.field}: ${e.message}`);
      const details = errors.map((e) => `${e.field}: ${e.message}`).join('\n');
      const list = errors.map((e) => ({ resource: op.operationId, field: e.field, code: e.code, message: e.message }));
      return send(422, { json: errorBody(422, `Invalid request.\n\n${details}`, op.docs, list) });
    }

    if (!allows(permissions, scopeOf(op.operationId), WRITE_METHODS.has(method))) {
      return send(403, { json: errorBody(403, 'Resource not accessible by integration', op.docs) });
    }

    let reply: Reply;
    try {
      reply = handlers[op.operationId]!({
        owner: String(params.values.owner ?? ''),
        repo: String(params.values.repo ?? ''),
        params: params.values,
        body: record.body,
        raw,
        headers: req.headers,
        viewer,
        state,
        render,
        url: target,
        userEndpointAllowed: userEndpoint === 'ok',
      });
    } catch (error) {
      if (error instanceof ApiError) {
        return send(error.status, { json: errorBody(error.status, error.message, op.docs, error.errors) });
      }
      violation(`fake GitHub crashed in ${op.operationId}: ${(error as Error).stack ?? String(error)}`);
      return send(500, { json: errorBody(500, 'Server Error') });
    }
    if (reply.bytes === undefined) {
      for (const problem of subset.validateResponse(op, reply.status, reply.json)) {
        violation(`fake response for ${op.operationId} does not match the OpenAPI schema: ${problem}`);
      }
    }
    return send(reply.status, reply);
  }

  /** `GET {serverUrl}/{owner}/{repo}/releases/download/{tag}/{name}`: the browser_download_url of a published asset. */
  function serveDownload(m: RegExpExecArray, send: (status: number, reply?: Omit<Reply, 'status'>) => void): void {
    const [, owner, repo, tag, name] = m.map((s) => decodeURIComponent(s));
    try {
      const release = state.getReleaseByTag(owner!, repo!, tag!);
      const asset = release.assets.find((a) => a.name === name);
      if (!asset) throw new ApiError(404, 'Not Found');
      asset.download_count++;
      send(200, { bytes: asset.data, headers: { 'content-type': 'application/octet-stream' } });
    } catch {
      send(404, { bytes: Buffer.from('Not Found'), headers: { 'content-type': 'text/plain' } });
    }
  }

  function applyFault(
    kind: FaultKind,
    req: IncomingMessage,
    send: (status: number, reply?: Omit<Reply, 'status'>) => void,
    requestId: string,
    docs: string | undefined,
  ): void {
    switch (kind.type) {
      case 'api-error':
        return send(kind.status, { json: errorBody(kind.status, kind.message, docs, kind.errors) });
      case 'drop-connection':
        req.socket.destroy();
        return;
      case 'server-error': {
        const status = kind.status ?? 500;
        // 502/503 come from GitHub's edge as HTML, not JSON: clients must not assume a JSON error body.
        if (status === 500) return send(500, { json: errorBody(500, 'Server Error') });
        const text = status === 502 ? 'Bad Gateway' : 'Service Unavailable';
        return send(status, {
          bytes: Buffer.from(`<html><body><h1>${status} ${text}</h1></body></html>`),
          headers: { 'content-type': 'text/html' },
        });
      }
      case 'rate-limit-429':
        return send(429, {
          json: errorBody(
            429,
            SECONDARY_RATE_LIMIT_MESSAGE + requestId + '.',
            `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
          ),
          headers: { 'retry-after': String(kind.retryAfter ?? 60) },
        });
      case 'secondary-rate-limit':
        return send(403, {
          json: errorBody(
            403,
            SECONDARY_RATE_LIMIT_MESSAGE + requestId + '.',
            `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
          ),
          headers: { 'retry-after': String(kind.retryAfter ?? 60) },
        });
      case 'primary-rate-limit': {
        const reset = Math.floor(Date.now() / 1000) + (kind.resetInSeconds ?? 60);
        return send(403, {
          json: errorBody(
            403,
            'API rate limit exceeded for installation ID 1.',
            `${DOCS}/overview/rate-limits-for-the-rest-api`,
          ),
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '5000', 'x-ratelimit-reset': String(reset) },
        });
      }
    }
  }

  let closing: Promise<void> | undefined;
  const closeServer = (server: Server) =>
    new Promise<void>((resolve, reject) => {
      // Keep-alive sockets from undici would otherwise hold close() open.
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });

  return {
    url,
    uploadUrl,
    serverUrl,
    state,
    requests,
    violations,
    injectFault: (fault) => faults.push({ ...fault, remaining: fault.times ?? 1 }),
    setViewer: (login, type) => {
      viewer = state.user(login, type);
    },
    setPermissions: (next) => {
      permissions = next;
    },
    setUserEndpoint: (mode) => {
      userEndpoint = mode;
    },
    requestsFor: (operationId) => requests.filter((r) => r.operationId === operationId),
    // Idempotent, so a test's afterEach can close a fake the test already closed.
    close: () => (closing ??= Promise.all([closeServer(apiServer), closeServer(uploadServer)]).then(() => undefined)),
  };
}
