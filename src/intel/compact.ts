/**
 * Compact building blocks of the intelligence index: text kept in one byte array instead of one
 * string per value, open-addressing hash tables in typed arrays, and bit filters. A million
 * indicators then cost a few dozen large arrays (outside the JavaScript heap, never traced by the
 * garbage collector) instead of millions of objects that every major collection during ingest
 * would have to mark.
 */
import { Buffer } from 'node:buffer';
import { parseV4 } from './ip-trie.js';

/** Initial byte capacity of a TextStore; it doubles when full. */
const INITIAL_TEXT_BYTES = 1 << 16;
/** Initial entry capacity of a TextStore; it doubles when full. */
const INITIAL_TEXTS = 1 << 10;

/**
 * Append-only text: entry `id` (0, 1, 2, ... in order of `add`) is kept as one byte per character
 * (Latin-1: every normalised domain, address, fingerprint and almost every URL) or, when it has a
 * character above U+00FF, two bytes per character (UTF-16LE). Read back with `get`, compared in
 * place with `equals`.
 */
export class TextStore {
  private bytes = new Uint8Array(INITIAL_TEXT_BYTES);
  /** Byte offset of entry i (offs[count] is the end of the last one). */
  private offs = new Uint32Array(INITIAL_TEXTS + 1);
  /** 1 when entry i is two bytes per character. */
  private wide = new Uint8Array(INITIAL_TEXTS);
  private n = 0;

  /** Entries added. */
  get count(): number {
    return this.n;
  }

  /** Bytes in use (text plus the 5-byte entry table), for memory reports. */
  get byteSize(): number {
    return this.offs[this.n]! + this.n * 5;
  }

  /** Stores `s`; returns its id. */
  add(s: string): number {
    const len = s.length;
    let w = 0;
    for (let k = 0; k < len; k++) if (s.charCodeAt(k) > 0xff) { w = 1; break; }
    const need = w === 1 ? len * 2 : len;
    const at = this.offs[this.n]!;
    if (at + need > 0xffffffff) throw new RangeError('intelligence text over 4 GB');
    if (at + need > this.bytes.length) {
      let cap = this.bytes.length * 2;
      while (cap < at + need) cap *= 2;
      const b = new Uint8Array(Math.min(cap, 0xffffffff));
      b.set(this.bytes.subarray(0, at));
      this.bytes = b;
    }
    if (this.n + 1 >= this.offs.length) {
      const o = new Uint32Array(this.offs.length * 2);
      o.set(this.offs);
      this.offs = o;
      const f = new Uint8Array(this.wide.length * 2);
      f.set(this.wide);
      this.wide = f;
    }
    const b = this.bytes;
    if (w === 0) for (let k = 0; k < len; k++) b[at + k] = s.charCodeAt(k);
    else {
      for (let k = 0; k < len; k++) {
        const c = s.charCodeAt(k);
        b[at + 2 * k] = c & 0xff;
        b[at + 2 * k + 1] = c >>> 8;
      }
    }
    this.wide[this.n] = w;
    this.offs[++this.n] = at + need;
    return this.n - 1;
  }

  /** Characters of entry `id`. */
  length(id: number): number {
    const bytes = this.offs[id + 1]! - this.offs[id]!;
    return this.wide[id] === 1 ? bytes / 2 : bytes;
  }

  /** Character `k` of entry `id`. */
  charCodeAt(id: number, k: number): number {
    const o = this.offs[id]!;
    return this.wide[id] === 1 ? this.bytes[o + 2 * k]! | (this.bytes[o + 2 * k + 1]! << 8) : this.bytes[o + k]!;
  }

  /** Entry `id` as a string. */
  get(id: number): string {
    const o = this.offs[id]!, e = this.offs[id + 1]!;
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + o, e - o).toString(this.wide[id] === 1 ? 'utf16le' : 'latin1');
  }

  /**
   * Is entry `id` from character `skip` on equal to `s[start, end)`? With `fold`, upper-case ASCII
   * letters of `s` count as lower case (the stored text is lower case).
   */
  equals(id: number, skip: number, s: string, start: number, end: number, fold: boolean): boolean {
    const o = this.offs[id]!, b = this.bytes;
    if (this.wide[id] === 1) {
      if ((this.offs[id + 1]! - o) / 2 - skip !== end - start) return false;
      for (let k = 0, p = o + 2 * skip; k < end - start; k++, p += 2) {
        let c = s.charCodeAt(start + k);
        if (fold && c >= 65 && c <= 90) c += 32;
        if ((b[p]! | (b[p + 1]! << 8)) !== c) return false;
      }
      return true;
    }
    if (this.offs[id + 1]! - o - skip !== end - start) return false;
    for (let k = 0, p = o + skip; k < end - start; k++, p++) {
      let c = s.charCodeAt(start + k);
      if (fold && c >= 65 && c <= 90) c += 32;
      if (b[p] !== c) return false;
    }
    return true;
  }

  /** Gives back the spare capacity (after the last `add`). */
  trim(): void {
    this.bytes = this.bytes.slice(0, this.offs[this.n]!);
    this.offs = this.offs.slice(0, this.n + 1);
    this.wide = this.wide.slice(0, this.n);
  }
}

/** FNV-1a step; the index hashes text right to left, so every suffix of a name is a prefix of the walk. */
export function fnv(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}
/** FNV-1a offset basis. */
export const FNV_SEED = 0x811c9dc5;

/** The right-to-left FNV-1a hash of `s[start, end)` (unsigned 32 bits). */
export function textHash(s: string, start = 0, end = s.length): number {
  let h = FNV_SEED;
  for (let j = end - 1; j >= start; j--) h = fnv(h, s.charCodeAt(j));
  return h >>> 0;
}

/**
 * An open-addressing hash table (linear probing) from a 32-bit key to a positive 31-bit value, in
 * one Int32Array of (key, value) pairs so a probe reads one cache line. Value 0 marks an empty
 * slot. Callers walk the probe sequence themselves (`slot`, `next`), so a key that is only a hash
 * of text can be confirmed by comparing the text.
 */
export class PairTable {
  /** [key, value] per slot. */
  readonly pairs: Int32Array;
  readonly mask: number;
  private readonly shift: number;
  /** Keys stored. */
  size = 0;

  /** A table for at most `keys` keys, at most half full. */
  constructor(keys: number) {
    let bits = 4;
    while (1 << bits < keys * 2) bits++;
    if (bits > 30) throw new RangeError(`too many keys for one table: ${keys}`);
    this.pairs = new Int32Array(2 << bits);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
  }

  /** First slot of the probe sequence of `key`. */
  slot(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  /** Slot after `s`. */
  next(s: number): number {
    return (s + 1) & this.mask;
  }

  /** Stores `value` (> 0) in the empty slot `s` under `key`. */
  fill(s: number, key: number, value: number): void {
    if (this.size * 2 >= this.mask + 1) throw new RangeError('PairTable over its capacity');
    this.pairs[2 * s] = key;
    this.pairs[2 * s + 1] = value;
    this.size++;
  }

  /** Bytes the table takes. */
  get byteSize(): number {
    return this.pairs.byteLength;
  }
}

/**
 * A bit set over hashes, answering "certainly not present" with one memory read: most record
 * values are not listed, and a miss in a multi-megabyte table costs a cache miss or more, a miss
 * here (a small array that stays in cache) usually none.
 */
export class BitFilter {
  readonly words: Uint32Array;
  constructor(readonly bits: number) {
    this.words = new Uint32Array(1 << Math.max(0, bits - 5));
  }
  /** Sets bit `i` (0 <= i < 2^bits). */
  set(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }
  /** Sets bits [from, from + n). */
  setRange(from: number, n: number): void {
    let i = from;
    const end = from + n;
    while (i < end && (i & 31) !== 0) this.set(i++);
    while (i + 32 <= end) { this.words[i >>> 5] = 0xffffffff; i += 32; }
    while (i < end) this.set(i++);
  }
  /** Is bit `i` set? */
  has(i: number): boolean {
    return (this.words[i >>> 5]! & (1 << (i & 31))) !== 0;
  }
}

/** Strings interned to small numbers (feed names, families, tag sets: few distinct values). */
export class Interner<T> {
  private readonly ids = new Map<string, number>();
  readonly values: T[] = [];
  /**
   * The id of `value` under `key`; `same` confirms a key hit (keys of different values may
   * collide); `own` makes the copy kept when the value is new (the caller's may change later).
   */
  id(key: string, value: T, same?: (a: T, b: T) => boolean, own?: (v: T) => T): number {
    const id = this.ids.get(key);
    if (id !== undefined && (same === undefined || same(this.values[id]!, value))) return id;
    this.values.push(own === undefined ? value : own(value));
    if (id === undefined) this.ids.set(key, this.values.length - 1);
    return this.values.length - 1;
  }
}

/** Initial slots of an AddressSet; it doubles at half full. */
const INITIAL_ADDRESS_SLOTS = 1024;

/**
 * Distinct addresses, IPv4 kept by number in an open-addressing table so that adding one costs a
 * parse and a probe of a small typed array, not the hashing of a string and a probe of a hash
 * set; the text of each address's first occurrence is kept. Other text (IPv6) goes to a Set.
 */
export class AddressSet {
  private keys = new Int32Array(INITIAL_ADDRESS_SLOTS);
  /** Index + 1 into `texts` of the slot's address; 0: empty slot. */
  private refs = new Int32Array(INITIAL_ADDRESS_SLOTS);
  private readonly texts: string[] = [];
  private readonly other = new Set<string>();

  /** Distinct addresses added. */
  get size(): number {
    return this.texts.length + this.other.size;
  }

  /** Adds an address (canonical text as records have it). */
  add(s: string): void {
    const a = parseV4(s);
    if (a < 0) { this.other.add(s); return; }
    const mask = this.keys.length - 1, key = a | 0;
    let k = Math.imul(a, 0x9e3779b1) & mask;
    while (this.refs[k] !== 0) {
      if (this.keys[k] === key) return;
      k = (k + 1) & mask;
    }
    this.keys[k] = key;
    this.refs[k] = this.texts.push(s);
    if (this.texts.length * 2 > this.keys.length) this.grow();
  }

  private grow(): void {
    const keys = new Int32Array(this.keys.length * 2), refs = new Int32Array(this.keys.length * 2);
    const mask = keys.length - 1;
    for (let j = 0; j < this.keys.length; j++) {
      if (this.refs[j] === 0) continue;
      let k = Math.imul(this.keys[j]!, 0x9e3779b1) & mask;
      while (refs[k] !== 0) k = (k + 1) & mask;
      keys[k] = this.keys[j]!;
      refs[k] = this.refs[j]!;
    }
    this.keys = keys;
    this.refs = refs;
  }

  /** The distinct addresses: IPv4 in order of first occurrence, then the others. */
  values(): string[] {
    return [...this.texts, ...this.other];
  }
}
