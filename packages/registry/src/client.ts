/**
 * OCI distribution-spec v1.1 client (fetch-based; fetch is injectable for tests and counting).
 * Push order: every blob (HEAD first and skip what exists; cross-repository mount when a source
 * repository is given; monolithic POST+PUT, or chunked PATCH with resume for large blobs), then
 * the manifest under the version tag, then aliases. Same immutability rules as the layout: a
 * version tag that exists with the same manifest is a no-op, with another manifest a refusal.
 * The registry API has no conditional PUT, so two pushers racing on one new version can still
 * both succeed (last wins); the check catches every sequential case.
 */
import { ConfigurationError } from '@modelgate/core';
import { Authenticator, isLoopbackHost, type Credentials } from './auth.js';
import {
  type Blob,
  type BuiltArtifact,
  assertTag,
  type Descriptor,
  immutableVersionError,
  isVersionTag,
  type Manifest,
  MANIFEST_MEDIA_TYPE,
  parseManifest,
  sha256Digest,
  verifyBlob,
} from './oci.js';
import { pullLayers, type PullResult, type PushResult } from './layout.js';

export interface RegistryClientOptions {
  /** `host[:port]`, e.g. `ghcr.io` or `127.0.0.1:5000`. */
  registry: string;
  /** Repository name, e.g. `acme/income`. */
  repository: string;
  credentials?: Credentials | undefined;
  /** Added to "credentials needed" errors: how to supply them where this client is used. */
  credentialsHint?: string | undefined;
  /** Speak plain HTTP: refused unless the registry is a loopback host. */
  plainHttp?: boolean | undefined;
  fetch?: typeof fetch | undefined;
  /** Blobs larger than this are uploaded in chunks (default 16 MiB). */
  monolithicLimit?: number | undefined;
  /** Chunk size of chunked uploads (default 8 MiB). */
  chunkSize?: number | undefined;
  /** Retries of a failed chunk before giving up (default 3). */
  chunkRetries?: number | undefined;
}

export interface ClientPushOptions {
  tag: string;
  aliases?: readonly string[] | undefined;
  /** Repository on the same registry to mount existing blobs from (e.g. the previous model's). */
  mountFrom?: string | undefined;
}

export interface ClientPushResult extends PushResult {
  blobsSkipped: number;
  blobsMounted: number;
}

export class RegistryError extends ConfigurationError {}

const NETWORK_FAILURES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
};

/**
 * fetch whose network failures (refused, unknown host, TLS, reset) are one line naming the host
 * and the cause: undici's own error says only "fetch failed".
 */
function namingNetworkFailures(fetchImpl: typeof fetch, where: string): typeof fetch {
  return async (input, init) => {
    try {
      return await fetchImpl(input, init);
    } catch (error) {
      const host = new URL(input instanceof Request ? input.url : String(input)).host;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = (cause?.code && NETWORK_FAILURES[cause.code]) ?? cause?.message ?? (error as Error).message;
      throw new RegistryError(`${where}: cannot reach ${host}: ${reason}${cause?.code && NETWORK_FAILURES[cause.code] ? ` (${cause.code})` : ''}`, undefined, { cause: error });
    }
  };
}

const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export class RegistryClient {
  readonly base: string;
  readonly repository: string;
  private readonly fetchImpl: typeof fetch;
  private readonly auth: Authenticator;
  private readonly monolithicLimit: number;
  private readonly chunkSize: number;
  private readonly chunkRetries: number;

  constructor(options: RegistryClientOptions) {
    const host = options.registry.replace(/\/+$/, '');
    const hostname = new URL(`http://${host}`).hostname;
    if (options.plainHttp && !isLoopbackHost(hostname)) {
      throw new ConfigurationError(`refusing plain HTTP to ${host}: only loopback registries (localhost, 127.0.0.1, ::1) may be used without TLS`);
    }
    if (!REPOSITORY.test(options.repository)) throw new ConfigurationError(`'${options.repository}' is not a valid repository name`);
    this.base = `${options.plainHttp ? 'http' : 'https'}://${host}`;
    this.repository = options.repository;
    this.fetchImpl = namingNetworkFailures(options.fetch ?? fetch, `${host}/${options.repository}`);
    this.auth = new Authenticator(this.fetchImpl, options.credentials, `${host}/${options.repository}`, options.credentialsHint);
    this.monolithicLimit = options.monolithicLimit ?? 16 * 1024 * 1024;
    this.chunkSize = options.chunkSize ?? 8 * 1024 * 1024;
    this.chunkRetries = options.chunkRetries ?? 3;
  }

  get where(): string {
    return `${this.base.replace(/^https?:\/\//, '')}/${this.repository}`;
  }

  private scope(repository = this.repository, actions = 'pull,push'): string {
    return `repository:${repository}:${actions}`;
  }

  /** One request with the auth dance: send, on 401 answer the challenge and send again. */
  private async request(method: string, pathOrUrl: string, init: { headers?: Record<string, string>; body?: Uint8Array } = {}, scope = this.scope()): Promise<Response> {
    const url = new URL(pathOrUrl, this.base);
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { ...init.headers };
      const authorization = this.auth.header(scope);
      if (authorization) headers.authorization = authorization;
      const response = await this.fetchImpl(url, { method, headers, ...(init.body ? { body: init.body } : {}), redirect: 'follow' });
      if (response.status !== 401 || attempt > 1) return response;
      await response.body?.cancel();
      // A second 401 makes the authenticator throw a clear "credentials refused" error.
      await this.auth.challenge(response, scope);
    }
  }

  private async fail(response: Response, what: string): Promise<never> {
    let detail = '';
    try {
      const body = (await response.json()) as { errors?: Array<{ code?: string; message?: string }> };
      detail = (body.errors ?? []).map((error) => `${error.code ?? ''} ${error.message ?? ''}`.trim()).join('; ');
    } catch {
      // not a JSON error body
    }
    throw new RegistryError(`${this.where}: ${what} failed: HTTP ${response.status}${detail ? ` (${detail})` : ''}`);
  }

  async hasBlob(digest: string): Promise<boolean> {
    const response = await this.request('HEAD', `/v2/${this.repository}/blobs/${digest}`);
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    return this.fail(response, `HEAD blob ${digest}`);
  }

  /** GET a manifest by tag or digest; undefined when absent. */
  async getManifest(reference: string): Promise<{ bytes: Uint8Array; digest: string; mediaType: string } | undefined> {
    const response = await this.request('GET', `/v2/${this.repository}/manifests/${reference}`, {
      headers: { accept: `${MANIFEST_MEDIA_TYPE}, application/vnd.oci.image.index.v1+json` },
    });
    if (response.status === 404) return undefined;
    if (!response.ok) return this.fail(response, `GET manifest ${reference}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const digest = sha256Digest(bytes);
    const claimed = response.headers.get('docker-content-digest');
    if ((reference.startsWith('sha256:') && reference !== digest) || (claimed && claimed !== digest)) {
      throw new RegistryError(`${this.where}: manifest ${reference} does not match its digest (${claimed ?? reference} vs ${digest})`);
    }
    return { bytes, digest, mediaType: response.headers.get('content-type') ?? MANIFEST_MEDIA_TYPE };
  }

  private async putManifest(tag: string, bytes: Uint8Array, mediaType: string, digest: string): Promise<void> {
    const response = await this.request('PUT', `/v2/${this.repository}/manifests/${tag}`, { headers: { 'content-type': mediaType }, body: bytes });
    if (response.status !== 201 && response.status !== 200) return this.fail(response, `PUT manifest ${tag}`);
    await response.body?.cancel();
    const returned = response.headers.get('docker-content-digest');
    if (returned && returned !== digest) throw new RegistryError(`${this.where}: registry stored manifest ${tag} as ${returned}, expected ${digest}`);
  }

  private withDigest(location: string, digest: string): string {
    const url = new URL(location, this.base);
    url.searchParams.set('digest', digest);
    return url.toString();
  }

  /** Upload one blob; returns 'skipped' | 'mounted' | bytes sent. */
  async pushBlob(blob: Blob, mountFrom?: string): Promise<'skipped' | 'mounted' | number> {
    const { digest } = blob.descriptor;
    if (await this.hasBlob(digest)) return 'skipped';
    let response: Response;
    if (mountFrom) {
      const scope = `${this.scope()} ${this.scope(mountFrom, 'pull')}`;
      await this.auth.ensure(scope);
      response = await this.request('POST', `/v2/${this.repository}/blobs/uploads/?mount=${digest}&from=${encodeURIComponent(mountFrom)}`, {}, scope);
      if (response.status === 201) {
        await response.body?.cancel();
        return 'mounted';
      }
    } else {
      response = await this.request('POST', `/v2/${this.repository}/blobs/uploads/`, {});
    }
    const location = await this.uploadLocation(response, digest);
    if (blob.content.byteLength <= this.monolithicLimit) {
      const put = await this.request('PUT', this.withDigest(location, digest), {
        headers: { 'content-type': 'application/octet-stream' },
        body: blob.content,
      });
      if (put.status !== 201) return this.fail(put, `upload of ${digest}`);
      await put.body?.cancel();
      return blob.content.byteLength;
    }
    return this.pushChunked(blob, location);
  }

  private async uploadLocation(response: Response, digest: string): Promise<string> {
    if (response.status !== 202) return this.fail(response, `start upload of ${digest}`);
    await response.body?.cancel();
    const location = response.headers.get('location');
    if (!location) throw new RegistryError(`${this.where}: upload of ${digest} started without a Location`);
    return location;
  }

  /** The offset the registry has, from a `Range: 0-<last>` header (no header: nothing yet). */
  private static offsetOf(response: Response): number | undefined {
    const range = response.headers.get('range');
    if (!range) return undefined;
    const match = /^(?:bytes=)?0-(\d+)$/.exec(range.trim());
    return match ? Number(match[1]) + 1 : undefined;
  }

  /**
   * Where an interrupted upload stands. CNCF distribution 2.8 ties each Location to an offset and
   * cancels the session when asked with a stale one (404 BLOB_UPLOAD_INVALID): then start over.
   */
  private async uploadStatus(location: string, digest: string): Promise<{ offset: number; location: string }> {
    const response = await this.request('GET', location);
    if (response.status === 404) {
      await response.body?.cancel();
      const restarted = await this.request('POST', `/v2/${this.repository}/blobs/uploads/`, {});
      return { offset: 0, location: await this.uploadLocation(restarted, digest) };
    }
    if (response.status !== 204 && response.status !== 200) return this.fail(response, 'upload status');
    await response.body?.cancel();
    return { offset: RegistryClient.offsetOf(response) ?? 0, location: response.headers.get('location') ?? location };
  }

  private async pushChunked(blob: Blob, start: string): Promise<number> {
    const { content, descriptor } = blob;
    let location = start;
    let offset = 0;
    let sent = 0;
    let failures = 0;
    while (offset < content.byteLength) {
      const end = Math.min(offset + this.chunkSize, content.byteLength);
      const chunk = content.subarray(offset, end);
      let response: Response | undefined;
      try {
        response = await this.request('PATCH', location, {
          headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${end - 1}` },
          body: chunk,
        });
      } catch (error) {
        if (++failures > this.chunkRetries) throw new RegistryError(`${this.where}: chunked upload of ${descriptor.digest} failed: ${(error as Error).message}`);
      }
      if (response && response.status === 202) {
        await response.body?.cancel();
        sent += chunk.byteLength;
        location = response.headers.get('location') ?? location;
        offset = RegistryClient.offsetOf(response) ?? end;
        continue;
      }
      if (response && response.status === 404 && failures < this.chunkRetries) {
        // The registry dropped the session (distribution invalidates it after a broken PATCH): start the blob over.
        failures += 1;
        await response.body?.cancel();
        const restarted = await this.request('POST', `/v2/${this.repository}/blobs/uploads/`, {});
        location = await this.uploadLocation(restarted, descriptor.digest);
        offset = 0;
        continue;
      }
      if (response && response.status !== 416) return this.fail(response, `chunk ${offset}-${end - 1} of ${descriptor.digest}`);
      // 416 (the registry has a different offset) or a broken connection: ask where it stands and resume.
      if (response && ++failures > this.chunkRetries) return this.fail(response, `chunk ${offset}-${end - 1} of ${descriptor.digest}`);
      const known = response ? RegistryClient.offsetOf(response) : undefined;
      await response?.body?.cancel();
      const status = known !== undefined ? { offset: known, location } : await this.uploadStatus(location, descriptor.digest);
      offset = status.offset;
      location = status.location;
    }
    const put = await this.request('PUT', this.withDigest(location, descriptor.digest), {});
    if (put.status !== 201) return this.fail(put, `finish upload of ${descriptor.digest}`);
    await put.body?.cancel();
    return sent;
  }

  /** Push blobs, then the manifest under `tag`, then aliases. */
  async push(artifact: BuiltArtifact, options: ClientPushOptions): Promise<ClientPushResult> {
    const tag = assertTag(options.tag);
    const aliases = [...new Set(options.aliases ?? [])].map(assertTag);
    for (const alias of aliases) {
      if (isVersionTag(alias)) throw new ConfigurationError(`alias '${alias}' looks like a version: versions are immutable tags, not aliases`);
    }
    const digest = artifact.manifestDescriptor.digest;
    const existing = await this.getManifest(tag);
    if (existing && existing.digest !== digest) throw immutableVersionError(this.where, tag, existing.digest, digest);
    const result: ClientPushResult = { digest, unchanged: !!existing, blobsWritten: 0, bytesWritten: 0, blobsSkipped: 0, blobsMounted: 0, aliases };
    if (!existing) {
      for (const blob of artifact.blobs) {
        const outcome = await this.pushBlob(blob, options.mountFrom);
        if (outcome === 'skipped') result.blobsSkipped++;
        else if (outcome === 'mounted') result.blobsMounted++;
        else {
          result.blobsWritten++;
          result.bytesWritten += outcome;
        }
      }
      await this.putManifest(tag, artifact.manifestBytes, MANIFEST_MEDIA_TYPE, digest);
    }
    // The version tag now holds exactly these bytes: aliases get them without fetching the manifest back.
    for (const alias of aliases) await this.putManifest(alias, artifact.manifestBytes, MANIFEST_MEDIA_TYPE, digest);
    return result;
  }

  /** Point a floating alias at an existing version tag. */
  async tag(alias: string, version: string): Promise<void> {
    assertTag(alias);
    if (isVersionTag(alias)) throw new ConfigurationError(`alias '${alias}' looks like a version: versions are immutable tags, not aliases`);
    const target = await this.getManifest(version);
    if (!target) throw new ConfigurationError(`cannot move '${alias}' to ${version}: version ${version} does not exist in ${this.where}`);
    await this.putManifest(alias, target.bytes, target.mediaType, target.digest);
  }

  /** All tags, following `Link` pagination. */
  async tags(): Promise<string[]> {
    const tags: string[] = [];
    let next: string | undefined = `/v2/${this.repository}/tags/list?n=1000`;
    while (next) {
      const response = await this.request('GET', next);
      if (response.status === 404) return [];
      if (!response.ok) return this.fail(response, 'GET tags');
      const body = (await response.json()) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.headers.get('link') ?? '')?.[1];
    }
    return tags.sort();
  }

  async getBlob(descriptor: Pick<Descriptor, 'digest' | 'size'>, what: string): Promise<Uint8Array> {
    const response = await this.request('GET', `/v2/${this.repository}/blobs/${descriptor.digest}`);
    if (!response.ok) return this.fail(response, `GET ${what}`);
    const content = new Uint8Array(await response.arrayBuffer());
    verifyBlob(what, descriptor, content);
    return content;
  }

  /** Verify every digest, then write the artifact's files into `outDir`. */
  async pull(tag: string, outDir: string): Promise<PullResult> {
    const found = await this.getManifest(tag);
    if (!found) throw new ConfigurationError(`${this.where}: no tag '${tag}'`);
    const manifest: Manifest = parseManifest(found.bytes, `${this.where}:${tag}`);
    if (manifest.config.size > 0) await this.getBlob(manifest.config, `config of ${tag}`);
    return { digest: found.digest, manifest, files: await pullLayers(manifest, tag, outDir, (blob, what) => this.getBlob(blob, what)) };
  }
}
