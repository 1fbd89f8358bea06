/**
 * The Internet checksum (RFC 1071) over bytes in place. Sums 32-bit big-endian words into a
 * float accumulator (exact below 2^53, i.e. for any packet) and folds at the end: summing 32-bit
 * words and folding equals the 16-bit ones' complement sum because 2^16 = 1 (mod 2^16 - 1).
 */

/** Adds the bytes `[off, off+len)` of `b` (read as big-endian 16-bit words) to `acc`. */
export function sumBytes(b: Uint8Array, dv: DataView, off: number, len: number, acc: number): number {
  let s = acc;
  let i = off;
  const end4 = off + (len & ~3);
  for (; i < end4; i += 4) s += dv.getUint32(i);
  if (len & 2) {
    s += (b[i] << 8) | b[i + 1];
    i += 2;
  }
  if (len & 1) s += b[i] << 8;
  return s;
}

/** Folds a sum to 16 bits and complements it: the value to store in a checksum field. */
export function finish(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s % 65536) + Math.floor(s / 65536);
  return ~s & 0xffff;
}

/** Checksum of a standalone buffer (tests and small headers). */
export function checksum(b: Uint8Array, off = 0, len = b.length - off): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return finish(sumBytes(b, dv, off, len, 0));
}
