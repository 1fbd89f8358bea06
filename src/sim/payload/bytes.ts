/** Small byte-building helpers shared by the payload builders. */
import type { Rng } from '../rng.js';

const enc = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(s: string): Uint8Array {
  return enc.encode(s);
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Big-endian unsigned integer of `n` bytes. */
export function be(v: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = v & 0xff;
    v = Math.floor(v / 256);
  }
  return out;
}

/** Little-endian unsigned integer of `n` bytes. */
export function le(v: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = v & 0xff;
    v = Math.floor(v / 256);
  }
  return out;
}

/** Bytes of high-entropy filler (the content of encrypted records, compressed bodies). */
export const POOL_BYTES = 1 << 20;

/**
 * A fixed block of seeded random bytes; bulk "encrypted" payload is taken as views into it, so
 * large transfers cost no allocation and no random-number work.
 */
export class BytePool {
  readonly pool: Uint8Array;
  constructor(rng: Rng) {
    this.pool = rng.bytes(POOL_BYTES);
  }

  /** `n` random-looking bytes as chunks (views of the pool), appended to `out`. */
  views(rng: Rng, n: number, out: Uint8Array[] = []): Uint8Array[] {
    while (n > 0) {
      const k = Math.min(n, POOL_BYTES >> 2);
      const o = rng.int(0, POOL_BYTES - k);
      out.push(this.pool.subarray(o, o + k));
      n -= k;
    }
    return out;
  }

  /** `n` random-looking bytes as one copied array (small items: keys, nonces). */
  copy(rng: Rng, n: number): Uint8Array {
    const o = rng.int(0, POOL_BYTES - n);
    return this.pool.slice(o, o + n);
  }
}
