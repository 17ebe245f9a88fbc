import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { errorMessage, oneLine, type Logger } from '@modelgate/core';
import { RuntimeUnavailableError } from './types.js';

export interface DownloadOptions {
  url: string;
  /** File to write (its directory must exist). */
  dest: string;
  /** Subresource-integrity string, `sha512-<base64>`. */
  integrity: string;
  fetch: typeof fetch;
  logger: Logger;
  /** Appended to every error: how to get by without the registry. */
  hint: string;
  attempts?: number;
  retryDelayMs?: number;
  timeoutMs?: number;
}

export interface Downloaded {
  bytes: number;
  integrity: string;
}

/** Thrown for failures worth another attempt (network errors, 5xx, 429). */
class Retryable extends Error {}

/**
 * Download `url` to `dest`, hashing while streaming, and refuse it unless its sha512 equals
 * `integrity`. Network failures and 5xx are retried; a 4xx or a mismatch is final.
 */
export async function downloadVerified(options: DownloadOptions): Promise<Downloaded> {
  const attempts = options.attempts ?? 3;
  const expected = parseSha512(options.integrity);
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const result = await downloadOnce(options);
      if (result.integrity !== expected) {
        throw new RuntimeUnavailableError(
          `integrity check failed for ${options.url}: expected ${expected}, got ${result.integrity} (${result.bytes} bytes); refusing to use it. ${options.hint}`,
        );
      }
      return result;
    } catch (error) {
      if (!(error instanceof Retryable)) throw error;
      lastError = error.message;
      if (attempt < attempts) {
        options.logger.warning(`download of ${options.url} failed (${lastError}); retrying (${attempt + 1}/${attempts})`);
        await new Promise((resolve) => setTimeout(resolve, (options.retryDelayMs ?? 2000) * attempt));
      }
    }
  }
  throw new RuntimeUnavailableError(`cannot download ${options.url}: ${lastError}. ${options.hint}`);
}

async function downloadOnce(options: DownloadOptions): Promise<Downloaded> {
  let response: Response;
  try {
    response = await options.fetch(options.url, { redirect: 'follow', signal: AbortSignal.timeout(options.timeoutMs ?? 600_000) });
  } catch (error) {
    throw new Retryable(describeNetworkError(error));
  }
  if (!response.ok || !response.body) {
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 500 || response.status === 429) throw new Retryable(status);
    throw new RuntimeUnavailableError(`cannot download ${options.url}: ${status}. ${options.hint}`);
  }
  const hash = createHash('sha512');
  let bytes = 0;
  const hasher = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), hasher, createWriteStream(options.dest));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Local disk problems are not worth retrying; everything else is the connection.
    if (code === 'ENOSPC' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new RuntimeUnavailableError(`cannot write ${options.dest}: ${code}`);
    }
    throw new Retryable(`${describeNetworkError(error)} after ${bytes} bytes`);
  }
  return { bytes, integrity: `sha512-${hash.digest('base64')}` };
}

/** The sha512 entry of an SRI string (which may list several hashes). */
export function parseSha512(integrity: string): string {
  const entry = integrity
    .trim()
    .split(/\s+/)
    .find((part) => part.startsWith('sha512-'));
  if (!entry) throw new Error(`integrity '${integrity}' has no sha512 entry`);
  return entry.replace(/\?.*$/, '');
}

/** undici wraps the real reason in `cause` ("fetch failed" ← ECONNREFUSED). */
function describeNetworkError(error: unknown): string {
  let message = errorMessage(error);
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined) {
    const code = (cause as NodeJS.ErrnoException).code;
    message += ` (${code ?? errorMessage(cause)})`;
  }
  if ((error as Error).name === 'TimeoutError') message = 'timed out';
  return oneLine(message);
}
