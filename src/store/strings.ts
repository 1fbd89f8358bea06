/**
 * A direct-mapped cache from short byte strings to JavaScript strings, for the read path: the
 * columns of records repeat the same few thousand values (addresses, protocols, states, names)
 * millions of times, and decoding each occurrence (Buffer.toString, TextDecoder) costs more than
 * hashing its bytes and comparing them with the cached copy. A hit returns the same string
 * without allocating; a miss decodes and replaces the slot's entry (no probing, no growth).
 */

/** Longest string the cache keeps, bytes (longer ones are decoded every time). */
export const STRING_CACHE_MAX_BYTES = 24;
/** Slots of a cache (a power of two): 64 Ki entries, about 1.6 MB of key bytes. */
export const STRING_CACHE_SLOTS = 1 << 16;

/** See the file comment. One per reader; not shared between threads. */
export class StringCache {
  private readonly strs: (string | undefined)[] = new Array<string | undefined>(STRING_CACHE_SLOTS);
  private readonly lens = new Uint8Array(STRING_CACHE_SLOTS);
  private readonly keys = new Uint8Array(STRING_CACHE_SLOTS * STRING_CACHE_MAX_BYTES);

  /** The string of `buf[start .. start + len)` (UTF-8; ASCII decoded as latin1, which is cheaper). */
  get(buf: Uint8Array, start: number, len: number): string {
    if (len > STRING_CACHE_MAX_BYTES) return decode(buf, start, len);
    let h = 0x811c9dc5 ^ len;
    for (let i = start; i < start + len; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const slot = (h ^ (h >>> 16)) & (STRING_CACHE_SLOTS - 1);
    const s = this.strs[slot];
    const k = slot * STRING_CACHE_MAX_BYTES;
    if (s !== undefined && this.lens[slot] === len) {
      let same = true;
      for (let i = 0; i < len; i++) if (this.keys[k + i] !== buf[start + i]) { same = false; break; }
      if (same) return s;
    }
    const v = decode(buf, start, len);
    this.strs[slot] = v;
    this.lens[slot] = len;
    for (let i = 0; i < len; i++) this.keys[k + i] = buf[start + i]!;
    return v;
  }
}

const utf8 = new TextDecoder();

/** UTF-8 bytes as a string; pure ASCII through String.fromCharCode (short) or latin1. */
function decode(buf: Uint8Array, start: number, len: number): string {
  let ascii = true;
  for (let i = start; i < start + len; i++) if (buf[i]! >= 0x80) { ascii = false; break; }
  if (!ascii) return utf8.decode(buf.subarray(start, start + len));
  if (len <= 16) {
    let s = '';
    for (let i = start; i < start + len; i++) s += String.fromCharCode(buf[i]!);
    return s;
  }
  return Buffer.from(buf.buffer, buf.byteOffset + start, len).toString('latin1');
}
