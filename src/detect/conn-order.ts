/**
 * The connection list a dataset starts from: one record per uid (a final record supersedes the
 * interim ones of its connection; of interim records only, the longest), in time order. Written
 * for ten million records: uids are deduplicated through a typed-array hash table instead of a
 * Map, and the order comes from a stable radix sort of the start times instead of a comparator
 * sort of objects. The result is the same as `[...Map by uid].sort((a, b) => a.ts - b.ts)`.
 */
import type { ConnRecord } from '../records/schema.js';
import { noteInputOrder } from './conn-table.js';

/** 32-bit FNV-1a of a string's UTF-16 code units. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** Most slots of the uid table in use (the table doubles past it; linear probing stays short). */
const UID_TABLE_LOAD = 0.6;

/** One record per uid: records[keep[k]], k = 0, 1 ...; with the start time and end (ts + duration) of each. */
interface Uniq {
  keep: Int32Array;
  ts: Float64Array;
  end: Float64Array;
}

/**
 * One record per uid in order of each uid's first appearance: the first record, replaced by a
 * later one while the kept one is interim and the later one is final or lasts at least as long.
 */
export function latestPerUid(records: readonly ConnRecord[]): ConnRecord[] {
  return Array.from(uniqueByUid(records).keep, (i) => records[i]!);
}

function uniqueByUid(records: readonly ConnRecord[]): Uniq {
  const n = records.length;
  let cap = 16;
  while (cap * UID_TABLE_LOAD < n) cap *= 2;
  const mask = cap - 1;
  // Slot j: table[2j] = index into keep (-1: empty), table[2j + 1] = the uid's hash (one cache line per probe).
  const table = new Int32Array(2 * cap);
  for (let j = 0; j < cap; j++) table[2 * j] = -1;
  const keep = new Int32Array(n); // record index kept per distinct uid
  // The kept record's time and end, taken while it is at hand (one pass fewer over the records).
  const ts = new Float64Array(n);
  const end = new Float64Array(n);
  let u = 0;
  for (let i = 0; i < n; i++) {
    const c = records[i]!;
    const h = hashString(c.uid);
    let j = h & mask;
    for (;;) {
      const k = table[2 * j]!;
      if (k === -1) {
        table[2 * j] = u;
        table[2 * j + 1] = h;
        keep[u] = i;
        ts[u] = c.ts;
        end[u] = c.ts + c.duration;
        u++;
        break;
      }
      if (table[2 * j + 1] === h) {
        const prev = records[keep[k]!]!;
        if (prev.uid === c.uid) {
          if (prev.interim && (!c.interim || c.duration >= prev.duration)) {
            keep[k] = i;
            ts[k] = c.ts;
            end[k] = c.ts + c.duration;
          }
          break;
        }
      }
      j = (j + 1) & mask;
    }
  }
  return { keep: keep.subarray(0, u), ts: ts.subarray(0, u), end: end.subarray(0, u) };
}

/** Radix digit width (bits) of the stable sort: 2,048 buckets stay in cache. */
const RADIX_BITS = 11;

/**
 * Indices 0..n-1 ordered by keys ascending, ties in index order (a stable LSD radix sort of the
 * keys' IEEE-754 bits, mapped so unsigned order is numeric order; -0 counts as +0, NaN last).
 * Digits that are the same for every key (the high bits of timestamps of one day) are skipped.
 */
export function stableOrderBy(keys: Float64Array): Int32Array {
  const n = keys.length;
  let idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (n < 2) return idx;
  let ascending = true;
  for (let i = 1; i < n && ascending; i++) if (!(keys[i - 1]! <= keys[i]!)) ascending = false;
  if (ascending) return idx;
  // Sortable 64-bit keys as two 32-bit halves: flip every bit of negatives, the sign bit of the rest.
  const f = new Float64Array(1);
  const w = new Uint32Array(f.buffer);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const LO = little ? 0 : 1;
  const HI = little ? 1 : 0;
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    f[0] = keys[i]! + 0; // -0 + 0 is +0
    const h = w[HI]!;
    const l = w[LO]!;
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  let idx2 = new Int32Array(n);
  let hi2 = new Uint32Array(n);
  let lo2 = new Uint32Array(n);
  const buckets = 1 << RADIX_BITS;
  const count = new Int32Array(buckets);
  for (let shift = 0; shift < 64; shift += RADIX_BITS) {
    // The digit: bits shift .. shift + RADIX_BITS of the 64-bit key (may straddle the halves).
    count.fill(0);
    for (let i = 0; i < n; i++) count[digit(hi[i]!, lo[i]!, shift)]++;
    let constant = false;
    for (let b = 0; b < buckets; b++) if (count[b] === n) constant = true;
    if (constant) continue;
    let sum = 0;
    for (let b = 0; b < buckets; b++) {
      const c = count[b]!;
      count[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const h = hi[i]!;
      const l = lo[i]!;
      const p = count[digit(h, l, shift)]++;
      idx2[p] = idx[i]!;
      hi2[p] = h;
      lo2[p] = l;
    }
    [idx, idx2] = [idx2, idx];
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
  }
  return idx;
}

function digit(hi: number, lo: number, shift: number): number {
  const mask = (1 << RADIX_BITS) - 1;
  if (shift >= 32) return (hi >>> (shift - 32)) & mask;
  if (shift + RADIX_BITS <= 32) return (lo >>> shift) & mask;
  // Straddles: low part from lo, the rest from hi.
  const fromLo = 32 - shift;
  return ((lo >>> shift) | (hi << fromLo)) & mask;
}

/** A dataset's connection list and the time it spans. */
export interface ConnList {
  /** One record per uid (see latestPerUid), in stable time order. */
  conns: ConnRecord[];
  /** Earliest start and latest end (ts + duration) over them; Infinity and -Infinity when empty. */
  start: number;
  end: number;
}

/**
 * One record per uid in stable time order, and its span. The span is taken in input order:
 * records sorted by time lie scattered in memory, so every pass over them costs cache misses.
 */
export function connList(records: readonly ConnRecord[]): ConnList {
  const uniq = uniqueByUid(records);
  let start = Infinity, end = -Infinity;
  for (let i = 0; i < uniq.ts.length; i++) {
    if (uniq.ts[i]! < start) start = uniq.ts[i]!;
    if (uniq.end[i]! > end) end = uniq.end[i]!;
  }
  const order = stableOrderBy(uniq.ts);
  const keep = uniq.keep;
  const conns = new Array<ConnRecord>(order.length);
  for (let i = 0; i < order.length; i++) conns[i] = records[keep[order[i]!]!]!;
  // The records were created in about input order: the columns read them in that order.
  noteInputOrder(conns, records, order, keep);
  return { conns, start, end };
}
