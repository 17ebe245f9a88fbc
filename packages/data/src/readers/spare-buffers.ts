/**
 * Spare ArrayBuffers, per thread, for the CSV reader's fixed-size working memory (read buffer,
 * cell cache, codes).
 *
 * A validation reads dozens of chunks one after another, each with a fresh reader. Their buffers
 * live outside the JavaScript heap, which stays small, so the garbage collector frees them late:
 * before this, each chunk's few MB piled up until the next full collection (tens of MB at 4M
 * rows). A finished reader gives its buffers back here and the next one takes them.
 */

/**
 * Buffers kept per size: one reader at a time per thread is the common case, and it takes two read
 * buffers; the sample-bound estimate reads two windows at a time, each with one.
 */
const KEEP = 2;
/** Bytes kept in all: readers of files of other widths, or a read buffer grown for a long row, are not kept forever. */
const KEEP_BYTES = 16 << 20;
const spare = new Map<number, ArrayBuffer[]>();
let kept = 0;

/** A buffer of exactly `bytes` bytes: a spare one (old contents) or a new one (zeros). */
export function takeBuffer(bytes: number): ArrayBuffer {
  const buffer = spare.get(bytes)?.pop();
  if (buffer === undefined) return new ArrayBuffer(bytes);
  kept -= bytes;
  return buffer;
}

/** Gives a buffer back; the caller must hold no view of it any more. */
export function giveBack(buffer: ArrayBuffer): void {
  let list = spare.get(buffer.byteLength);
  if (list === undefined) spare.set(buffer.byteLength, (list = []));
  if (list.length < KEEP && kept + buffer.byteLength <= KEEP_BYTES && !list.includes(buffer)) {
    list.push(buffer);
    kept += buffer.byteLength;
  }
}
