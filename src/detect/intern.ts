/**
 * Dense integer ids for the keys detectors group by, so grouping millions of connections costs
 * typed-array writes instead of string keys and Maps of arrays of objects.
 */

/** Dense ids (0, 1, 2 ... in first-seen order) for strings. */
export class StringIds {
  private readonly ids = new Map<string, number>();
  /** The strings, by id. */
  readonly values: string[] = [];
  /** The id of `s`, a new one when unseen. */
  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.values.length;
      this.ids.set(s, i);
      this.values.push(s);
    }
    return i;
  }
  /** The id of `s`, or -1 when unseen. */
  get(s: string): number {
    return this.ids.get(s) ?? -1;
  }
  get size(): number {
    return this.values.length;
  }
}

/** Initial slots of a PairIds table (a power of two; the table doubles at half full). */
const PAIR_IDS_INITIAL = 1 << 12;

/**
 * Dense ids (first-seen order) for pairs of non-negative 32-bit integers (a, b): an open-addressing
 * hash table with linear probing over typed arrays. No allocation per lookup.
 */
export class PairIds {
  private keyA: Int32Array;
  private keyB: Int32Array;
  private val: Int32Array;
  private mask: number;
  /** Pairs seen (the next new id). */
  size = 0;
  constructor(expected = 0) {
    let cap = PAIR_IDS_INITIAL;
    while (cap < 2 * expected) cap *= 2;
    this.keyA = new Int32Array(cap).fill(-1);
    this.keyB = new Int32Array(cap);
    this.val = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private static slot(a: number, b: number, mask: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 13;
    return h & mask;
  }

  /** The id of (a, b) (both in 0..2^31-1), a new one when unseen. */
  id(a: number, b: number): number {
    const mask = this.mask;
    const keyA = this.keyA;
    let i = PairIds.slot(a, b, mask);
    for (;;) {
      const k = keyA[i];
      if (k === -1) break;
      if (k === a && this.keyB[i] === b) return this.val[i];
      i = (i + 1) & mask;
    }
    const id = this.size++;
    keyA[i] = a;
    this.keyB[i] = b;
    this.val[i] = id;
    if (2 * this.size > mask + 1) this.grow();
    return id;
  }

  /** The id of (a, b), or -1 when unseen. */
  get(a: number, b: number): number {
    const mask = this.mask;
    let i = PairIds.slot(a, b, mask);
    for (;;) {
      const k = this.keyA[i];
      if (k === -1) return -1;
      if (k === a && this.keyB[i] === b) return this.val[i];
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const { keyA, keyB, val } = this;
    const cap = 2 * (this.mask + 1);
    const mask = cap - 1;
    const nA = new Int32Array(cap).fill(-1);
    const nB = new Int32Array(cap);
    const nV = new Int32Array(cap);
    for (let j = 0; j < keyA.length; j++) {
      const a = keyA[j];
      if (a === -1) continue;
      const b = keyB[j];
      let i = PairIds.slot(a, b, mask);
      while (nA[i] !== -1) i = (i + 1) & mask;
      nA[i] = a;
      nB[i] = b;
      nV[i] = val[j];
    }
    this.keyA = nA;
    this.keyB = nB;
    this.val = nV;
    this.mask = mask;
  }
}
