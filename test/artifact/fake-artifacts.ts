/**
 * The artifact side of GitHub Actions, for tests, layered on the fake GitHub REST API without
 * changing it:
 *
 * - `apiUrl` fronts the fake GitHub: every request is passed through, except the artifact
 *   download `GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/zip`
 *   (operationId `actions/download-artifact`), which is answered like GitHub: 302 to a
 *   short-lived signed blob URL on another host (which needs no Authorization, and must not
 *   receive it);
 * - `resultsUrl` is the Actions results service @actions/artifact uploads to: Twirp JSON
 *   `github.actions.results.api.v1.ArtifactService/{CreateArtifact,FinalizeArtifact}`, with
 *   the zip going to a signed Azure blob URL (the BlobStore of the fake cache service).
 *   A finalized upload becomes an artifact of the configured run in the fake GitHub's state,
 *   so collect → publish runs end to end.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BlobStore, type Blob } from '../cache/blob-store.js';
import type { FakeGitHub } from '../github/fake-github.js';

export const ARTIFACT_TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.ArtifactService/';

export interface ArtifactRequest {
  host: 'api' | 'results';
  method: string;
  path: string;
  operation: string | null;
  authorization: boolean;
  body: unknown;
  status: number;
}

export interface FakeArtifacts {
  /** Use as the Octokit baseUrl instead of `github.url`. */
  apiUrl: string;
  /** ACTIONS_RESULTS_URL. */
  resultsUrl: string;
  requests: ArtifactRequest[];
  /** Artifact id → its blob. */
  blobs: Map<number, Blob>;
  /** Store a finished artifact (a zip) for a run, as if a job had uploaded it. */
  putArtifact(input: { owner: string; repo: string; runId: number; name: string; zip: Buffer; sizeInBytes?: number }): number;
  /** Environment for @actions/artifact's uploadArtifact (undefined = unset). */
  env(): Record<string, string | undefined>;
  close(): Promise<void>;
}

export interface FakeArtifactsOptions {
  /** Where uploads through the results service land. */
  owner: string;
  repo: string;
  runId: number;
}

/** A JWT-shaped, unsigned ACTIONS_RUNTIME_TOKEN with the results scope @actions/artifact reads backend ids from. */
export function artifactRuntimeToken(runBackendId = 'run-backend-1', jobBackendId = 'job-backend-1'): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ typ: 'JWT', alg: 'none' })}.${encode({ scp: `Actions.GenericRead Actions.Results:${runBackendId}:${jobBackendId}`, exp: 4_102_444_800 })}.sig`;
}

const listen = (server: Server) =>
  new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, value: unknown): number {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
  return status;
}

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'content-encoding']);

export async function startFakeArtifacts(github: FakeGitHub, options: FakeArtifactsOptions): Promise<FakeArtifacts> {
  let resultsBase = '';
  const store = new BlobStore(() => resultsBase);
  const blobs = new Map<number, Blob>();
  const requests: ArtifactRequest[] = [];
  /** Uploads between CreateArtifact and FinalizeArtifact, by `runBackend/name`. */
  const pending = new Map<string, Blob>();
  let blobCounter = 0;

  const putArtifact: FakeArtifacts['putArtifact'] = ({ owner, repo, runId, name, zip, sizeInBytes }) => {
    const artifact = github.state.addArtifact({ owner, repo, run_id: runId, name, size_in_bytes: sizeInBytes ?? zip.length });
    const blob = store.create(`artifact-${artifact.id}.zip`);
    blob.data = zip;
    blobs.set(artifact.id, blob);
    return artifact.id;
  };

  const api = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const record: ArtifactRequest = { host: 'api', method: req.method ?? 'GET', path: url.pathname, operation: null, authorization: Boolean(req.headers.authorization), body: undefined, status: 0 };
      requests.push(record);
      const download = /^\/repos\/[^/]+\/[^/]+\/actions\/artifacts\/(\d+)\/([^/]+)$/.exec(url.pathname);
      if (download && record.method === 'GET') {
        record.operation = 'actions/download-artifact';
        const blob = blobs.get(Number(download[1]));
        if (!req.headers.authorization) record.status = sendJson(res, 401, { message: 'Requires authentication' });
        else if (download[2] !== 'zip') record.status = sendJson(res, 404, { message: 'Not Found' });
        else if (!blob) record.status = sendJson(res, 404, { message: 'Not Found' }); // GitHub's answer for unknown and expired artifacts alike
        else {
          res.writeHead(302, { location: store.signedUrl(blob, 'read'), 'content-length': '0' });
          res.end();
          record.status = 302;
        }
        return;
      }
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([key]) => !HOP_BY_HOP.has(key)).map(([key, value]) => [key, String(value)]));
      const upstream = await fetch(new URL(req.url ?? '/', github.url), { method: record.method, headers, ...(body.length ? { body } : {}), redirect: 'manual' });
      const bytes = Buffer.from(await upstream.arrayBuffer());
      const outHeaders: Record<string, string> = {};
      upstream.headers.forEach((value, key) => {
        if (!HOP_BY_HOP.has(key)) outHeaders[key] = value;
      });
      res.writeHead(upstream.status, { ...outHeaders, 'content-length': String(bytes.length) });
      res.end(bytes);
      record.operation = 'proxied';
      record.status = upstream.status;
    })().catch((error: unknown) => {
      res.destroy(error as Error);
    });
  });

  const results = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const record: ArtifactRequest = { host: 'results', method: req.method ?? 'GET', path: url.pathname, operation: null, authorization: Boolean(req.headers.authorization), body: undefined, status: 0 };
      requests.push(record);
      if (BlobStore.matches(url.pathname)) {
        record.operation = BlobStore.operation(record.method, url.searchParams);
        record.status = store.handle(req, res, url.pathname, url.searchParams, body);
        return;
      }
      if (!url.pathname.startsWith(ARTIFACT_TWIRP_PREFIX)) {
        record.status = sendJson(res, 404, { code: 'bad_route', msg: `no route for ${url.pathname}` });
        return;
      }
      record.operation = url.pathname.slice(ARTIFACT_TWIRP_PREFIX.length);
      record.status = twirp(req, res, record, body);
    })().catch((error: unknown) => {
      res.destroy(error as Error);
    });
  });

  function twirp(req: IncomingMessage, res: ServerResponse, record: ArtifactRequest, raw: Buffer): number {
    const error = (status: number, code: string, msg: string) => sendJson(res, status, { code, msg });
    if (record.method !== 'POST' || !String(req.headers['content-type']).startsWith('application/json')) return error(404, 'bad_route', 'expected a JSON POST');
    if (!/^Bearer \S+$/.test(String(req.headers.authorization ?? ''))) return error(401, 'unauthenticated', 'missing bearer token');
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return error(400, 'malformed', 'the request body is not JSON');
    }
    record.body = json;
    const { workflow_run_backend_id: run, workflow_job_run_backend_id: job, name } = json;
    if (typeof run !== 'string' || typeof job !== 'string' || typeof name !== 'string' || !name) return error(400, 'invalid_argument', 'workflow_run_backend_id, workflow_job_run_backend_id and name are required');
    const key = `${run}/${name}`;
    switch (record.operation) {
      case 'CreateArtifact': {
        if (json.version !== 7) return error(400, 'invalid_argument', `unsupported artifact version ${String(json.version)}`);
        if (pending.has(key) || github.state.listArtifacts(options.owner, options.repo, options.runId).some((a) => a.name === name)) {
          return error(409, 'already_exists', 'an artifact with this name already exists on the workflow run');
        }
        const blob = store.create(`upload-${++blobCounter}.zip`);
        pending.set(key, blob);
        return sendJson(res, 200, { ok: true, signed_upload_url: store.signedUrl(blob, 'write') });
      }
      case 'FinalizeArtifact': {
        const blob = pending.get(key);
        if (!blob) return error(404, 'not_found', 'no artifact is being uploaded with this name');
        const size = Number(json.size ?? 0);
        if (!blob.data || blob.data.length !== size) return sendJson(res, 200, { ok: false, artifact_id: '0' });
        pending.delete(key);
        const artifact = github.state.addArtifact({ owner: options.owner, repo: options.repo, run_id: options.runId, name, size_in_bytes: size });
        blobs.set(artifact.id, blob);
        return sendJson(res, 200, { ok: true, artifact_id: String(artifact.id) });
      }
      default:
        return error(404, 'bad_route', `no handler for ${record.operation}`);
    }
  }

  const apiUrl = await listen(api);
  resultsBase = await listen(results);
  const close = (server: Server) =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return {
    apiUrl,
    resultsUrl: `${resultsBase}/`,
    requests,
    blobs,
    putArtifact,
    env: () => ({ ACTIONS_RUNTIME_TOKEN: artifactRuntimeToken(), ACTIONS_RESULTS_URL: `${resultsBase}/`, GITHUB_SERVER_URL: 'https://github.com' }),
    close: async () => {
      await Promise.all([close(api), close(results)]);
    },
  };
}
