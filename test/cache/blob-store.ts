/**
 * The Azure Blob Storage side of the fake cache service: cache archives are uploaded to and
 * downloaded from "signed" blob URLs, as with the real service. Only what @actions/cache (and
 * the @azure/storage-blob BlockBlobClient it uses) needs: Put Blob, Put Block, Put Block List,
 * Get Blob with ranges, Get Blob Properties (HEAD). URLs are path style, like Azurite:
 * `http://127.0.0.1:<port>/devstoreaccount1/actions-cache/<blob>?sv=…&sp=…&sig=…`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const ACCOUNT = 'devstoreaccount1';
export const CONTAINER = 'actions-cache';
const API_VERSION = '2025-01-05';

export interface Blob {
  name: string;
  /** Committed content; undefined until Put Blob or Put Block List. */
  data?: Buffer;
  /** Staged, uncommitted blocks by block id (base64, as sent). */
  blocks: Map<string, Buffer>;
  etag: string;
  lastModified: Date;
  /** Signature of the read (r) and write (cw) URLs handed out for this blob. */
  sig: { read: string; write: string };
}

export class BlobStore {
  readonly blobs = new Map<string, Blob>();

  constructor(private readonly baseUrl: () => string) {}

  create(name: string): Blob {
    const blob: Blob = { name, blocks: new Map(), etag: newEtag(), lastModified: new Date(), sig: { read: token(), write: token() } };
    this.blobs.set(name, blob);
    return blob;
  }

  /** A signed URL like the service hands out; `write` URLs allow create+write, read URLs read only. */
  signedUrl(blob: Blob, access: 'read' | 'write'): string {
    const params = new URLSearchParams({
      sv: API_VERSION,
      sr: 'b',
      sp: access === 'read' ? 'r' : 'cw',
      se: new Date(Date.now() + 3_600_000).toISOString(),
      sig: access === 'read' ? blob.sig.read : blob.sig.write,
    });
    return `${this.baseUrl()}/${ACCOUNT}/${CONTAINER}/${encodeURIComponent(blob.name)}?${params}`;
  }

  /** Whether a request path belongs to the blob endpoint. */
  static matches(path: string): boolean {
    return path.startsWith(`/${ACCOUNT}/`);
  }

  /** The blob operation a request is (for faults and records), or null if it is none. */
  static operation(method: string, query: URLSearchParams): 'blob:upload' | 'blob:download' | null {
    if (method === 'PUT') return 'blob:upload';
    if (method === 'GET' || method === 'HEAD') return query.has('comp') ? null : 'blob:download';
    return null;
  }

  handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, body: Buffer): number {
    const prefix = `/${ACCOUNT}/${CONTAINER}/`;
    if (!path.startsWith(prefix)) return storageError(res, 404, 'ContainerNotFound', 'The specified container does not exist.');
    const blob = this.blobs.get(decodeURIComponent(path.slice(prefix.length)));
    const method = req.method ?? 'GET';
    const wantsWrite = method === 'PUT';
    const sig = query.get('sig');
    if (!blob || !sig) return storageError(res, 403, 'AuthenticationFailed', 'Server failed to authenticate the request.');
    if (sig !== (wantsWrite ? blob.sig.write : blob.sig.read)) {
      return storageError(res, 403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.');
    }
    if (wantsWrite) return this.write(req, res, blob, query, body);
    if (method === 'GET' || method === 'HEAD') return this.read(req, res, blob, method === 'HEAD');
    return storageError(res, 405, 'UnsupportedHttpVerb', `The resource doesn't support the specified HTTP verb ${method}.`);
  }

  private write(req: IncomingMessage, res: ServerResponse, blob: Blob, query: URLSearchParams, body: Buffer): number {
    const comp = query.get('comp');
    if (comp === 'block') {
      const id = query.get('blockid');
      if (!id) return storageError(res, 400, 'MissingRequiredQueryParameter', 'blockid is required.');
      blob.blocks.set(id, body);
      return created(res, undefined);
    }
    if (comp === 'blocklist') {
      const ids = [...body.toString('utf8').matchAll(/<(Latest|Committed|Uncommitted)>([^<]*)<\/\1>/g)].map((match) => match[2] ?? '');
      const parts: Buffer[] = [];
      for (const id of ids) {
        const block = blob.blocks.get(id);
        if (!block) return storageError(res, 400, 'InvalidBlockList', 'The specified block list is invalid.');
        parts.push(block);
      }
      blob.data = Buffer.concat(parts);
      blob.blocks.clear();
      return created(res, blob);
    }
    if (comp !== null) return storageError(res, 400, 'InvalidQueryParameterValue', `comp=${comp} is not supported by the fake.`);
    if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
      return storageError(res, 400, 'MissingRequiredHeader', 'An HTTP header that is mandatory for this request is not specified (x-ms-blob-type).');
    }
    blob.data = body;
    blob.blocks.clear();
    return created(res, blob);
  }

  private read(req: IncomingMessage, res: ServerResponse, blob: Blob, head: boolean): number {
    const data = blob.data;
    if (!data) return storageError(res, 404, 'BlobNotFound', 'The specified blob does not exist.', head);
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      etag: blob.etag,
      'last-modified': blob.lastModified.toUTCString(),
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-version': API_VERSION,
    };
    const range = (req.headers['x-ms-range'] ?? req.headers['range']) as string | undefined;
    const parsed = range === undefined ? undefined : parseRange(range, data.length);
    if (parsed === null) {
      res.writeHead(416, { 'content-range': `bytes */${data.length}`, 'x-ms-error-code': 'InvalidRange' });
      res.end();
      return 416;
    }
    const [start, end] = parsed ?? [0, data.length - 1];
    const status = parsed ? 206 : 200;
    const slice = data.subarray(start, end + 1);
    res.writeHead(status, { ...headers, 'content-length': String(slice.length), ...(parsed ? { 'content-range': `bytes ${start}-${end}/${data.length}` } : {}) });
    res.end(head ? undefined : slice);
    return status;
  }
}

/** `bytes=a-b` or `bytes=a-` → inclusive [start, end]; null when unsatisfiable. */
function parseRange(header: string, size: number): [number, number] | null {
  const match = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const start = Number(match[1]);
  const end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  return start > end || start >= size ? null : [start, end];
}

function created(res: ServerResponse, blob: Blob | undefined): number {
  if (blob) {
    blob.etag = newEtag();
    blob.lastModified = new Date();
  }
  res.writeHead(201, {
    'content-length': '0',
    'x-ms-request-server-encrypted': 'true',
    'x-ms-version': API_VERSION,
    ...(blob ? { etag: blob.etag, 'last-modified': blob.lastModified.toUTCString() } : {}),
  });
  res.end();
  return 201;
}

export function storageError(res: ServerResponse, status: number, code: string, message: string, head = false): number {
  const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'x-ms-error-code': code, 'content-length': String(Buffer.byteLength(xml)) });
  res.end(head ? undefined : xml);
  return status;
}

function token(): string {
  return randomBytes(18).toString('base64url');
}

function newEtag(): string {
  return `"0x${randomBytes(8).toString('hex').toUpperCase()}"`;
}
