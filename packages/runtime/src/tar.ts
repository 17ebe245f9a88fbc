/**
 * A small streaming tar reader: enough for npm tarballs (ustar, with pax `x`/`g` headers and
 * GNU `L`/`K` long names). Entries are handed to a callback with their body as an async
 * iterable; whatever the callback leaves unread is skipped. Memory stays at one chunk.
 */

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  /** Path as stored (pax/GNU long names applied), `/`-separated. */
  path: string;
  type: TarEntryType;
  size: number;
  mode: number;
  linkName: string;
}

export class TarFormatError extends Error {
  override readonly name = 'TarFormatError';
}

const BLOCK = 512;

/** Buffered reader over an async byte source. */
class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Buffer at least `n` bytes; false when the source ends first. */
  async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.done) {
      const next = await this.iterator.next();
      if (next.done) this.done = true;
      else if (next.value.length > 0) {
        const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
        this.chunks.push(chunk);
        this.buffered += chunk.length;
      }
    }
    return this.buffered >= n;
  }

  /** Up to `n` already-buffered bytes (at least one when anything is buffered). */
  private takeSome(n: number): Buffer {
    const first = this.chunks[0];
    if (!first) return Buffer.alloc(0);
    if (first.length <= n) {
      this.chunks.shift();
      this.buffered -= first.length;
      return first;
    }
    this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return first.subarray(0, n);
  }

  async read(n: number, what: string): Promise<Buffer> {
    if (!(await this.fill(n))) throw new TarFormatError(`truncated archive: ${what} ends early`);
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const part = this.takeSome(left);
      parts.push(part);
      left -= part.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Yield exactly `n` bytes as they arrive. */
  async *stream(n: number, what: string): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (!(await this.fill(1))) throw new TarFormatError(`truncated archive: ${what} ends early`);
      const part = this.takeSome(left);
      left -= part.length;
      yield part;
    }
  }

  async skip(n: number, what: string): Promise<void> {
    for await (const _ of this.stream(n, what)) {
      // discard
    }
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill(1));
  }
}

function field(header: Buffer, offset: number, length: number): string {
  const slice = header.subarray(offset, offset + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end === -1 ? length : end).toString('utf8');
}

function octal(header: Buffer, offset: number, length: number, what: string): number {
  const first = header[offset] ?? 0;
  if (first & 0x80) {
    // GNU base-256: big-endian binary in the remaining bytes (positive sizes only).
    let value = first & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + (header[offset + i] ?? 0);
    return value;
  }
  const text = field(header, offset, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`bad ${what} field '${text}' in tar header`);
  return parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  const stored = octal(header, 148, 8, 'checksum');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum === stored;
}

/** `"27 path=some/long/name\n"` records. */
export function parsePax(body: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let position = 0;
  while (position < body.length) {
    const space = body.indexOf(0x20, position);
    if (space === -1) break;
    const length = Number(body.subarray(position, space).toString('ascii'));
    if (!Number.isInteger(length) || length <= 0 || position + length > body.length) throw new TarFormatError('bad pax extended header');
    const record = body.subarray(space + 1, position + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    position += length;
  }
  return records;
}

const TYPES: Record<string, TarEntryType> = { '0': 'file', '\0': 'file', '': 'file', '7': 'file', '5': 'directory', '2': 'symlink', '1': 'hardlink' };

/**
 * Read a tar stream, calling `onEntry` for every file, directory and link (metadata headers
 * are consumed here). Throws TarFormatError on a corrupt or truncated archive.
 */
export async function readTar(source: AsyncIterable<Uint8Array>, onEntry: (entry: TarEntry, body: AsyncIterable<Buffer>) => Promise<void>): Promise<void> {
  const reader = new ByteReader(source);
  let globalPax: Record<string, string> = {};
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  let sawEntry = false;
  for (;;) {
    if (await reader.atEnd()) {
      // Some writers omit the two zero blocks; an empty stream is not an archive.
      if (!sawEntry) throw new TarFormatError('truncated archive: no entries');
      return;
    }
    const header = await reader.read(BLOCK, 'header');
    if (header.every((byte) => byte === 0)) return; // end-of-archive marker
    if (!checksumOk(header)) throw new TarFormatError('corrupt tar header (checksum mismatch)');
    const typeflag = String.fromCharCode(header[156] ?? 0);
    const size = octal(header, 124, 12, 'size');
    const padded = Math.ceil(size / BLOCK) * BLOCK;

    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      const body = await reader.read(padded, 'extended header');
      const content = body.subarray(0, size);
      if (typeflag === 'x') pax = parsePax(content);
      else if (typeflag === 'g') globalPax = { ...globalPax, ...parsePax(content) };
      else if (typeflag === 'L') longName = field(content, 0, content.length);
      else longLink = field(content, 0, content.length);
      continue;
    }

    const attributes = { ...globalPax, ...pax };
    const magic = field(header, 257, 6);
    const prefix = magic.startsWith('ustar') ? field(header, 345, 155) : '';
    const name = field(header, 0, 100);
    const entrySize = attributes.size !== undefined ? Number(attributes.size) : size;
    const entry: TarEntry = {
      path: attributes.path ?? longName ?? (prefix ? `${prefix}/${name}` : name),
      type: TYPES[typeflag] ?? 'other',
      size: entrySize,
      mode: octal(header, 100, 8, 'mode'),
      linkName: attributes.linkpath ?? longLink ?? field(header, 157, 100),
    };
    pax = {};
    longName = undefined;
    longLink = undefined;
    sawEntry = true;

    const dataSize = entry.type === 'file' ? entrySize : size;
    const dataPadded = Math.ceil(dataSize / BLOCK) * BLOCK;
    let consumed = 0;
    const body: AsyncIterable<Buffer> = {
      async *[Symbol.asyncIterator]() {
        for await (const part of reader.stream(dataSize - consumed, entry.path)) {
          consumed += part.length;
          yield part;
        }
      },
    };
    await onEntry(entry, body);
    // Whatever the callback did not read (or stopped reading) is skipped.
    await reader.skip(dataPadded - consumed, entry.path);
  }
}
