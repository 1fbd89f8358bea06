/**
 * Connection uids: 'C' + 17 base62 characters, as Zeek's look. Ours are derived from the flow's
 * first packet (time, endpoints) and a per-run counter, so decoding the same input twice gives
 * the same uids (golden tests, idempotent ingest) while distinct connections never share one.
 */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 32-bit mixing step (murmur3 finaliser). */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uid from a few 32-bit words (use different `prefix` letters for different record families). */
export function makeUid(words: ArrayLike<number>, prefix = 'C'): string {
  let h1 = 0x9747b28c, h2 = 0x1b873593, h3 = 0x3c6ef372;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]! >>> 0;
    h1 = mix(h1 ^ w);
    h2 = mix(h2 + w + i);
    h3 = mix(h3 ^ Math.imul(w, 0x27d4eb2f) ^ h1);
  }
  let s = prefix;
  const parts = [h1, h2, h3];
  for (let i = 0; i < 17; i++) {
    const k = i % 3;
    s += ALPHABET[parts[k]! % 62];
    parts[k] = (Math.floor(parts[k]! / 62) ^ mix(parts[k]! + i)) >>> 0;
  }
  return s;
}
