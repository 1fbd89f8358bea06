/**
 * Connection uids: 'C' + 17 base62 characters, as Zeek's look. Ours are derived from the flow's
 * first packet (time, endpoints) and that packet's number in the input, so decoding the same
 * input twice gives the same uids (golden tests, idempotent ingest), with one thread or flows
 * sharded across several, while distinct connections never share one (a packet opens at most
 * one connection).
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

const CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0));
/** Character codes of one uid being built (reused). */
const OUT: number[] = new Array<number>(18).fill(0);

/** A uid from a few 32-bit words (use different `prefix` letters for different record families). */
export function makeUid(words: ArrayLike<number>, prefix = 'C'): string {
  let h1 = 0x9747b28c, h2 = 0x1b873593, h3 = 0x3c6ef372;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]! >>> 0;
    h1 = mix(h1 ^ w);
    h2 = mix(h2 + w + i);
    h3 = mix(h3 ^ Math.imul(w, 0x27d4eb2f) ^ h1);
  }
  // 17 base62 digits drawn in turn from h1, h2, h3, each re-mixed after use.
  for (let i = 0; i < 17; i++) {
    const k = i % 3;
    const v = k === 0 ? h1 : k === 1 ? h2 : h3;
    OUT[i + 1] = CODES[v % 62]!;
    const nv = (Math.floor(v / 62) ^ mix(v + i)) >>> 0;
    if (k === 0) h1 = nv; else if (k === 1) h2 = nv; else h3 = nv;
  }
  OUT[0] = prefix.charCodeAt(0);
  if (prefix.length === 1) return String.fromCharCode.apply(null, OUT);
  return prefix + String.fromCharCode.apply(null, OUT.slice(1));
}
