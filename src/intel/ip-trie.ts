/**
 * A binary prefix trie over 32-bit words (IPv4: one word, IPv6: four), nodes in typed arrays so a
 * large list of networks costs a few arrays rather than an object per node. Lookup walks one bit
 * per step and collects the values of every prefix that contains the address.
 */

/** Initial node capacity; arrays double when full. */
const INITIAL_NODES = 1024;

/** A binary trie of prefixes with values; lookups return every containing prefix's values. */
export class PrefixTrie<T> {
  private c0 = new Int32Array(INITIAL_NODES);
  private c1 = new Int32Array(INITIAL_NODES);
  /** Index into `values` for nodes that end a prefix, else -1. */
  private val = new Int32Array(INITIAL_NODES).fill(-1);
  private nodes = 1;
  private readonly values: T[][] = [];
  /** Prefix lengths present (bit i set: some prefix of length i), to stop walking early. */
  private maxLen = -1;
  private count = 0;

  /** @param width key length in bits: 32 (IPv4) or 128 (IPv6). */
  constructor(readonly width: 32 | 128) {}

  /** Number of prefixes inserted. */
  get size(): number {
    return this.count;
  }

  private grow(): void {
    const n = this.c0.length * 2;
    const g = (a: Int32Array, fill: number) => {
      const b = new Int32Array(n);
      if (fill !== 0) b.fill(fill, a.length);
      b.set(a);
      return b;
    };
    this.c0 = g(this.c0, 0);
    this.c1 = g(this.c1, 0);
    this.val = g(this.val, -1);
  }

  /** Adds `v` under the first `bits` bits of `words` (network order, most significant bit first). */
  insert(words: ArrayLike<number>, bits: number, v: T): void {
    if (bits < 0 || bits > this.width) throw new RangeError(`prefix length ${bits} outside 0..${this.width}`);
    let node = 0;
    for (let i = 0; i < bits; i++) {
      const bit = (words[i >>> 5]! >>> (31 - (i & 31))) & 1;
      const arr = bit === 0 ? this.c0 : this.c1;
      let next = arr[node]!;
      if (next === 0) {
        if (this.nodes >= this.c0.length) this.grow();
        next = this.nodes++;
        (bit === 0 ? this.c0 : this.c1)[node] = next;
      }
      node = next;
    }
    let vi = this.val[node]!;
    if (vi < 0) {
      vi = this.values.length;
      this.values.push([]);
      this.val[node] = vi;
    }
    this.values[vi]!.push(v);
    if (bits > this.maxLen) this.maxLen = bits;
    this.count++;
  }

  /** Pushes into `out` the values of every prefix containing the address, shortest first; returns how many. */
  lookup(words: ArrayLike<number>, out: T[]): number {
    let node = 0, n = 0;
    const c0 = this.c0, c1 = this.c1, val = this.val;
    for (let i = 0; ; i++) {
      const vi = val[node]!;
      if (vi >= 0) {
        for (const v of this.values[vi]!) out.push(v);
        n += this.values[vi]!.length;
      }
      if (i >= this.maxLen) break;
      const bit = (words[i >>> 5]! >>> (31 - (i & 31))) & 1;
      node = bit === 0 ? c0[node]! : c1[node]!;
      if (node === 0) break;
    }
    return n;
  }
}

/** The IPv4 address of dotted-quad text as an unsigned 32-bit number, or -1 (no allocation). */
export function parseV4(s: string): number {
  let v = 0, part = 0, digits = 0, dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      v = v * 256 + part;
      part = 0;
      digits = 0;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return v * 256 + part;
}
