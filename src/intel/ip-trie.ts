/**
 * A binary prefix trie over 32-bit words (IPv4: one word, IPv6: four), nodes and values in typed
 * arrays and one flat value array, so a large list of networks costs a few arrays rather than an
 * object per node or per prefix. Lookup walks one bit per step and collects the values of every
 * prefix that contains the address. Also the allocation-free address parsers of the matcher.
 */

/** Initial node capacity; arrays double when full. */
const INITIAL_NODES = 1024;
/** Initial value capacity; arrays double when full. */
const INITIAL_VALUES = 256;

/** A binary trie of prefixes with values; lookups return every containing prefix's values. */
export class PrefixTrie<T> {
  private c0 = new Int32Array(INITIAL_NODES);
  private c1 = new Int32Array(INITIAL_NODES);
  /** First value (index into `values`) of nodes that end a prefix, else -1. */
  private first = new Int32Array(INITIAL_NODES).fill(-1);
  /** Last value of the node's list (appends keep insertion order). */
  private last = new Int32Array(INITIAL_NODES);
  private nodes = 1;
  private readonly values: T[] = [];
  /** Next value of the same prefix, else -1. */
  private nextValue = new Int32Array(INITIAL_VALUES);
  /** Longest prefix inserted, to stop walking early. */
  private maxLen = -1;

  /** @param width key length in bits: 32 (IPv4) or 128 (IPv6). */
  constructor(readonly width: 32 | 128) {}

  /** Number of prefixes inserted. */
  get size(): number {
    return this.values.length;
  }

  /** Nodes in use (memory: 16 bytes each). */
  get nodeCount(): number {
    return this.nodes;
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
    this.first = g(this.first, -1);
    this.last = g(this.last, 0);
  }

  /** Gives back the spare capacity of the node and value arrays (after the last insert; inserting again grows them again). */
  trim(): void {
    this.c0 = this.c0.slice(0, this.nodes);
    this.c1 = this.c1.slice(0, this.nodes);
    this.first = this.first.slice(0, this.nodes);
    this.last = this.last.slice(0, this.nodes);
    this.nextValue = this.nextValue.slice(0, Math.max(1, this.values.length));
  }

  /** Adds `v` under the first `bits` bits of `words` (network order, most significant bit first). */
  insert(words: ArrayLike<number>, bits: number, v: T): void {
    if (bits < 0 || bits > this.width) throw new RangeError(`prefix length ${bits} outside 0..${this.width}`);
    let node = 0;
    for (let i = 0; i < bits; i++) {
      const bit = (words[i >>> 5]! >>> (31 - (i & 31))) & 1;
      let next = (bit === 0 ? this.c0 : this.c1)[node]!;
      if (next === 0) {
        if (this.nodes >= this.c0.length) this.grow();
        next = this.nodes++;
        (bit === 0 ? this.c0 : this.c1)[node] = next;
      }
      node = next;
    }
    const vi = this.values.length;
    this.values.push(v);
    if (vi >= this.nextValue.length) {
      const b = new Int32Array(this.nextValue.length * 2);
      b.set(this.nextValue);
      this.nextValue = b;
    }
    this.nextValue[vi] = -1;
    if (this.first[node]! < 0) this.first[node] = vi;
    else this.nextValue[this.last[node]!] = vi;
    this.last[node] = vi;
    if (bits > this.maxLen) this.maxLen = bits;
  }

  /** Pushes into `out` the values of every prefix containing the address, shortest first; returns how many. */
  lookup(words: ArrayLike<number>, out: T[]): number {
    let node = 0, n = 0;
    const c0 = this.c0, c1 = this.c1, first = this.first;
    for (let i = 0; ; i++) {
      for (let vi = first[node]!; vi >= 0; vi = this.nextValue[vi]!) {
        out.push(this.values[vi]!);
        n++;
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
  return parseV4Range(s, 0, s.length);
}

/** parseV4 of `s[start, end)`. */
function parseV4Range(s: string, start: number, end: number): number {
  let v = 0, part = 0, digits = 0, dots = 0;
  for (let i = start; i < end; i++) {
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

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

const groups = new Uint16Array(8);

/**
 * Reads IPv6 text (`2001:db8::1`, `::ffff:192.0.2.1`, either case) into four 32-bit words (network
 * order) without allocating; false when it is not an IPv6 address (`out` is then undefined).
 */
export function parseV6(s: string, out: Uint32Array | number[]): boolean {
  const len = s.length;
  if (len < 2 || len > 45) return false;
  let n = 0, gap = -1, i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < len) {
    let v = 0, d = 0, j = i;
    for (; j < len; j++) {
      const h = hexDigit(s.charCodeAt(j));
      if (h < 0) break;
      v = v * 16 + h;
      d++;
    }
    if (j < len && s.charCodeAt(j) === 46) {
      // An embedded IPv4 address ends the text and stands for the last two groups.
      if (n > 6) return false;
      const a = parseV4Range(s, i, len);
      if (a < 0) return false;
      groups[n++] = a >>> 16;
      groups[n++] = a & 0xffff;
      break;
    }
    if (d === 0 || d > 4 || n >= 8) return false;
    groups[n++] = v;
    if (j === len) break;
    if (s.charCodeAt(j) !== 58) return false;
    j++;
    if (j < len && s.charCodeAt(j) === 58) {
      if (gap >= 0) return false;
      gap = n;
      j++;
    } else if (j === len) return false;
    i = j;
  }
  if (gap < 0 ? n !== 8 : n > 8) return false;
  // Expand the gap: the groups after it move to the end.
  const fill = 8 - n;
  for (let k = 0; k < 4; k++) {
    const hi = groupAt(2 * k, gap, fill), lo = groupAt(2 * k + 1, gap, fill);
    out[k] = ((hi << 16) | lo) >>> 0;
  }
  return true;
}

/** Group `g` (0..7) of the expanded address. */
function groupAt(g: number, gap: number, fill: number): number {
  if (gap < 0 || g < gap) return groups[g]!;
  if (g < gap + fill) return 0;
  return groups[g - fill]!;
}
