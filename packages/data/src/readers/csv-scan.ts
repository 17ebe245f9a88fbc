/**
 * Byte-level CSV row scanner (RFC 4180) over a file read in chunks into a reusable buffer (and a
 * second one, which the next read goes into while the first is scanned).
 *
 * `scanRow()` finds the fields of the next row and records their byte ranges (no strings are made
 * here); `fill()` reads more when a row is cut by the end of the buffer. A cut row is scanned again
 * from its start after the fill; each fill reads at least as many new bytes as it carries over, and
 * the buffer doubles when a row outgrows half of it, so a long row costs linear time, not quadratic.
 *
 * Rules: `\n` and `\r\n` end rows (a bare `\r` inside a field is data); `"` opens a quoted field only
 * as the field's first byte (elsewhere it is kept literally: `5'10"` reads as is); in a quoted field
 * `""` is a quote and newlines are data (lines keep counting); after the closing quote only the
 * delimiter or the end of the row may follow. Lines are counted by `\n`.
 */
import { isAscii } from 'node:buffer';
import type { FileHandle } from 'node:fs/promises';
import { InputDataError } from '@modelgate/core';
import { formatBytes } from './common.js';
import { giveBack, takeBuffer } from './spare-buffers.js';

export const ROW = 0;
export const NEED_MORE = 1;
export const END = 2;

const LF = 10;
const CR = 13;
const QUOTE = 34;
/** Bytes kept after the data: a sentinel `\n` plus room for 4-byte reads past a field's end. */
const SLACK = 16;

/** Field flags. */
export const PLAIN = 0;
export const QUOTED = 1;
export const ESCAPED = 2;

export interface ScannerOptions {
  delimiter: number;
  chunkSize: number;
  maxRowBytes: number;
  /** Byte offset in the file where scanning starts, and the line number there. */
  start: number;
  line: number;
  /**
   * Where the caller stops wanting rows (the first row starting at or after it is the last one
   * scanned; default: the end of the file). Reads stop short of a whole `chunkSize` near it.
   */
  end?: number;
  /** Make the next read as soon as a fill is done (default true; false for a header, read once). */
  readAhead?: boolean;
}

/** Bytes a read near the `end` goes past it at least (reads are never longer than `chunkSize`, though). */
const NEAR_END = 64 << 10;
/**
 * Bytes left free in front of a read made ahead: the row cut by the end of the buffer (when it is
 * no longer than this) is copied there, right before the new bytes, so they need no copy.
 */
const RESERVE = 64 << 10;

export class CsvScanner {
  buf: Buffer;
  view: DataView;
  /** Valid bytes in `buf`; `buf[n]` is a `\n` sentinel. */
  n = 0;
  pos = 0;
  line: number;
  eof = false;
  /** Where the bytes of the last fill start in `buf` (the row carried over, then the new bytes). */
  fillStart = 0;
  /** Whether `buf[fillStart, n)` is pure ASCII (then every field can be decoded as latin1). */
  ascii = true;
  /** `buf[fillStart, n)` as a latin1 string, made on demand by the cell decoder. */
  text: string | undefined;
  /** Byte offset in the file of `buf[0]`. */
  base: number;

  /** The row found by the last `scanRow()`: its fields' byte ranges and flags, count and line. */
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  flags = new Uint8Array(64);
  fieldCount = 0;
  rowLine = 0;
  /** File offset where that row starts. */
  rowStart = 0;
  /** Names used in messages (set once the header is known). */
  names: readonly string[] = [];

  private readonly delimiter: number;
  private readonly chunkSize: number;
  private readonly maxRowBytes: number;
  private readonly end: number;
  /** Size of the read buffer as taken (it grows for long rows). */
  private readonly initialBytes: number;
  /** File offset of the byte after `buf[n)`: where the next read starts. */
  private filePos: number;
  /**
   * The next read, made as soon as a fill is done (the thread parses while the file is read), into
   * `spare` at RESERVE; resolves to the bytes read from `filePos`. Awaiting a read only when the
   * buffer is used up left the thread idle about 0.8 ms per 1 MiB read (the 1M-row benchmark file:
   * 70-100 ms on one thread).
   */
  private ahead: Promise<number> | undefined;
  /** Bytes `ahead` asked for: it stands in for a fill only if that is at least the row carried over. */
  private aheadBytes = 0;
  private spare: Buffer | undefined;
  private readonly readsAhead: boolean;
  /** Line where a quote opened in the row that was cut by the end of the buffer (0: none). */
  private openQuoteLine = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly file: string,
    options: ScannerOptions,
  ) {
    this.delimiter = options.delimiter;
    this.chunkSize = options.chunkSize;
    this.maxRowBytes = options.maxRowBytes;
    this.end = options.end ?? Infinity;
    this.readsAhead = options.readAhead ?? true;
    this.filePos = options.start;
    this.base = options.start;
    this.line = options.line;
    this.initialBytes = RESERVE + Math.min(options.chunkSize, 1 << 24) + SLACK;
    this.buf = Buffer.from(takeBuffer(this.initialBytes));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.buf[0] = LF;
  }

  /** File offset of the next unscanned byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Keeps the unscanned tail (the cut row), reads more after it. Sets `eof` when the file ends. */
  async fill(): Promise<void> {
    const carry = this.n - this.pos;
    if (carry > this.maxRowBytes) throw this.tooLong(this.line, this.openQuoteLine);
    const ahead = this.ahead;
    let bytesRead: number;
    // As a direct read, the read made ahead must take at least as many bytes as the row carries
    // over (so a long row costs linear time), and the row must fit in front of it.
    if (ahead !== undefined && carry <= RESERVE && carry <= this.aheadBytes) {
      // The read made ahead is in `spare` at RESERVE: the cut row goes right before it.
      bytesRead = await ahead;
      this.ahead = undefined;
      const next = this.spare!;
      const start = RESERVE - carry;
      this.buf.copy(next, start, this.pos, this.n);
      this.spare = this.buf;
      this.use(next);
      this.base += this.pos - start;
      this.pos = start;
      this.n = RESERVE + bytesRead;
    } else {
      // The first fill, one past the range's end, or a cut row too long for the read made ahead:
      // that read (if any) is dropped, and this one takes at least as many bytes as the row
      // carries over (a long row costs linear time).
      if (ahead !== undefined) await ahead;
      this.ahead = undefined;
      // A short range (a window read to estimate something) or a chunk's last read takes little
      // more than the rest of the range, not a whole `chunkSize`.
      const want = Math.max(this.readSize(), carry);
      if (carry + want + SLACK > this.buf.length) {
        const grown = Buffer.allocUnsafeSlow(Math.max(2 * this.buf.length, carry + want + SLACK));
        this.buf.copy(grown, 0, this.pos, this.n);
        this.use(grown);
      } else if (carry > 0 && this.pos > 0) {
        this.buf.copy(this.buf, 0, this.pos, this.n);
      }
      this.base += this.pos;
      this.pos = 0;
      bytesRead = (await this.fh.read(this.buf, carry, want, this.filePos)).bytesRead;
      this.n = carry + bytesRead;
    }
    this.filePos += bytesRead;
    if (bytesRead === 0) this.eof = true;
    this.buf[this.n] = LF;
    this.fillStart = this.pos;
    this.text = undefined;
    this.ascii = isAscii(this.buf.subarray(this.pos, this.n));
    this.readAhead();
  }

  /** Bytes the next read asks for: `chunkSize`, or near the `end` the rest of the range and NEAR_END. */
  private readSize(): number {
    return Math.min(this.chunkSize, Math.max(NEAR_END, this.end - this.filePos + NEAR_END));
  }

  /**
   * Starts the next read, unless the file has ended or the range's bytes are all in (a row that
   * crosses the range's end is then completed by a read on demand).
   */
  private readAhead(): void {
    if (!this.readsAhead || this.eof || this.filePos >= this.end) return;
    const spare = (this.spare ??= Buffer.from(takeBuffer(this.initialBytes)));
    const want = Math.min(this.readSize(), spare.length - RESERVE - SLACK);
    this.aheadBytes = want;
    const ahead = this.fh.read(spare, RESERVE, want, this.filePos).then(({ bytesRead }) => bytesRead);
    // A failed read is thrown by the fill that awaits it (or dropped, with the scanner).
    ahead.catch(() => undefined);
    this.ahead = ahead;
  }

  private use(buf: Buffer): void {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }

  /**
   * Gives the read buffers back for the next scanner (see spare-buffers.ts); this scanner is done.
   * Not while a fill() is under way (readers release once their last fill has returned).
   */
  release(): void {
    // A buffer grown for a long row is left to the collector: the next scanner asks for the usual size.
    if (this.buf.length === this.initialBytes) giveBack(this.buf.buffer as ArrayBuffer);
    const spare = this.spare;
    if (spare !== undefined && spare.length === this.initialBytes) {
      // Not while a read into it is under way.
      if (this.ahead === undefined) giveBack(spare.buffer as ArrayBuffer);
      else this.ahead.then(() => giveBack(spare.buffer as ArrayBuffer), () => undefined);
    }
    this.ahead = undefined;
    this.spare = undefined;
    this.buf = Buffer.alloc(0);
    this.view = new DataView(this.buf.buffer, 0, 0);
    this.n = 0;
    this.pos = 0;
  }

  /** Skips `count` bytes at the current position (a BOM). */
  skip(count: number): void {
    this.pos += count;
  }

  /**
   * Scans the next row: ROW (fields recorded, position after the row), NEED_MORE (the row is cut by
   * the end of the buffer: call `fill()` and scan again) or END. Blank lines are skipped.
   */
  scanRow(): number {
    const buf = this.buf;
    const view = this.view;
    const delimiterWord = Math.imul(this.delimiter, 0x01010101);
    const n = this.n;
    const delimiter = this.delimiter;
    const eof = this.eof;
    let pos = this.pos;
    let line = this.line;
    let starts = this.starts;
    let ends = this.ends;
    let flags = this.flags;
    for (;;) {
      if (pos >= n) {
        if (!eof) return this.needMore(pos, line, 0);
        this.pos = pos;
        return END;
      }
      const rowPos = pos;
      const rowLine = line;
      let count = 0;
      for (;;) {
        let start = pos;
        let end: number;
        let flag = PLAIN;
        let c = buf[pos]!;
        if (c === QUOTE) {
          const quoteLine = line;
          start = ++pos;
          for (;;) {
            while (pos < n && (c = buf[pos]!) !== QUOTE) {
              if (c === LF) line += 1;
              pos += 1;
            }
            if (pos >= n) {
              if (!eof) return this.needMore(rowPos, rowLine, quoteLine);
              throw this.error(`unterminated quoted field: the quote opened on line ${quoteLine} is never closed`, quoteLine, count);
            }
            if (pos + 1 >= n && !eof) return this.needMore(rowPos, rowLine, quoteLine);
            if (buf[pos + 1] !== QUOTE) break;
            flag = ESCAPED;
            pos += 2;
          }
          end = pos++;
          if (flag === PLAIN) flag = QUOTED;
          c = buf[pos]!;
          if (pos < n && c !== delimiter && c !== LF) {
            if (c !== CR) throw this.afterQuote(c, line, count);
            if (pos + 1 >= n) {
              if (!eof) return this.needMore(rowPos, rowLine, 0);
            } else if (buf[pos + 1] !== LF) throw this.afterQuote(c, line, count);
          }
        } else {
          // Four bytes at a time: flags the delimiter and every byte below 14 (LF, CR, other controls);
          // the lowest flagged byte is exact (higher ones may be false positives, never looked at).
          for (;;) {
            const word = view.getInt32(pos, true);
            const x = word ^ delimiterWord;
            const found = (((x - 0x01010101) & ~x) | ((word - 0x0e0e0e0e) & ~word)) & 0x80808080;
            if (found === 0) {
              pos += 4;
              continue;
            }
            pos += (31 - Math.clz32(found & -found)) >> 3;
            c = buf[pos]!;
            if (c === delimiter || c === LF) break;
            // A bare CR (not before LF) is data; a CR at the end of the buffer is decided after a fill.
            if (c === CR && (pos + 1 >= n || buf[pos + 1] === LF)) break;
            pos += 1; // another control byte, or a bare CR: data
          }
          end = pos;
        }
        if (count === starts.length) {
          this.growFields();
          starts = this.starts;
          ends = this.ends;
          flags = this.flags;
        }
        starts[count] = start;
        ends[count] = end;
        flags[count] = flag;
        count += 1;
        if (pos >= n) {
          if (!eof) return this.needMore(rowPos, rowLine, 0);
          break;
        }
        c = buf[pos]!;
        if (c === delimiter) {
          pos += 1;
          continue;
        }
        if (c === LF) {
          pos += 1;
        } else if (pos + 1 < n) {
          pos += 2; // CR LF
        } else {
          if (!eof) return this.needMore(rowPos, rowLine, 0);
          pos += 1; // a final bare CR ends the last row
        }
        line += 1;
        break;
      }
      if (count === 1 && flags[0] === PLAIN && starts[0] === ends[0]) continue; // blank line
      // The limit holds for every row, not only for rows a buffer refill happens to cut (fill()
      // stops those early): whether a row is refused must not depend on where reads fall.
      if (pos - rowPos > this.maxRowBytes) throw this.tooLong(rowLine);
      this.pos = pos;
      this.line = line;
      this.fieldCount = count;
      this.rowLine = rowLine;
      this.rowStart = this.base + rowPos;
      return ROW;
    }
  }

  /** `buf[fillStart, n)` as latin1 (valid for the byte ranges of ASCII fields, less `fillStart`). */
  latin1(): string {
    const text = this.buf.toString('latin1', this.fillStart, this.n);
    this.text = text;
    return text;
  }

  private needMore(rowPos: number, rowLine: number, quoteLine: number): number {
    this.pos = rowPos;
    this.line = rowLine;
    this.openQuoteLine = quoteLine;
    return NEED_MORE;
  }

  private growFields(): void {
    const size = this.starts.length * 2;
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const flags = new Uint8Array(size);
    starts.set(this.starts);
    ends.set(this.ends);
    flags.set(this.flags);
    this.starts = starts;
    this.ends = ends;
    this.flags = flags;
  }

  private tooLong(line: number, openQuoteLine = 0): InputDataError {
    const where = openQuoteLine ? `; the quoted field opened on line ${openQuoteLine} may be missing its closing quote` : '';
    return new InputDataError(`row is longer than ${formatBytes(this.maxRowBytes)} (the limit)${where}`, { file: this.file, line });
  }

  private afterQuote(byte: number, line: number, field: number): InputDataError {
    const shown = byte >= 32 && byte < 127 ? `'${String.fromCharCode(byte)}'` : `byte 0x${byte.toString(16).padStart(2, '0')}`;
    return this.error(`unexpected ${shown} after the closing quote of a quoted field; expected the delimiter or the end of the line`, line, field);
  }

  error(message: string, line: number, field: number): InputDataError {
    const name = this.names[field];
    const column = name === undefined ? '' : `column '${name}': `;
    return new InputDataError(`${column}${message}`, { file: this.file, line, ...(name === undefined ? {} : { field: name }) });
  }
}
