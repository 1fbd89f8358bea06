/**
 * Splitting analysis by source address: partition i of n holds the sources whose hash falls in
 * it, so several c2hunt processes (or one per ClickHouse shard) can each analyse a share of the
 * hosts over the same data and their findings together equal one run's (every finding belongs
 * to the partition of its `src`).
 *
 * The hash is ClickHouse's `halfMD5` of the address string (the first 8 bytes of its MD5 as a
 * big-endian unsigned 64-bit integer), and the partition of a source is `halfMD5(src) % count`:
 * the same number JavaScript (here), ClickHouse (`halfMD5(orig_h) % count`) and DuckDB
 * (`CAST('0x' || substr(md5(orig_h), 1, 16) AS UBIGINT) % count`) compute, so a store can filter a
 * partition's records in SQL, and the same placement ClickHouse ingest uses for shards: with
 * `count` equal to the number of (equally weighted) shards, partition i is exactly shard i+1's data.
 */
import { createHash } from 'node:crypto';
import type { Dataset } from './dataset.js';

/** Analyse only the sources of partition `index` (0-based) of `count`. */
export interface Partition {
  index: number;
  count: number;
}

/** Addresses whose partition is remembered per count (the cache is emptied when it reaches this size). */
const PARTITION_CACHE_MAX = 1_000_000;

/** FNV-1a (32 bit) of a string's UTF-16 code units: stable across runs, processes and platforms. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** ClickHouse's `halfMD5(s)` of a string (its UTF-8 bytes) as a bigint: the first 8 bytes of MD5, big-endian. */
export function halfMD5(s: string): bigint {
  return createHash('md5').update(s).digest().readBigUInt64BE(0);
}

/** `halfMD5(key) % n` as ClickHouse computes it, without bigint arithmetic (n up to 2^21). */
export function halfMD5Mod(key: string, n: number): number {
  const d = createHash('md5').update(key).digest();
  const hi = d.readUInt32BE(0), lo = d.readUInt32BE(4);
  const two32 = 4294967296 % n;
  return ((hi % n) * two32 + (lo % n)) % n;
}

/** Per count: address -> partition (it is asked once per connection, so every distinct address is hashed once). */
const cache = new Map<number, Map<string, number>>();

/** The partition (0..count-1) a source address belongs to: `halfMD5(src) % count` (memoised). */
export function partitionOf(src: string, count: number): number {
  if (count <= 1) return 0;
  let m = cache.get(count);
  if (m === undefined) cache.set(count, (m = new Map()));
  let p = m.get(src);
  if (p === undefined) {
    if (m.size >= PARTITION_CACHE_MAX) m.clear();
    m.set(src, (p = halfMD5Mod(src, count)));
  }
  return p;
}

/** Does `src` belong to partition `p` (always, without one)? */
export function inPartition(src: string, p: Partition | undefined): boolean {
  return p === undefined || p.count <= 1 || partitionOf(src, p.count) === p.index;
}

/** Throws "Cannot partition: ..." unless count is a positive integer and index in 0..count-1. */
export function checkPartition(p: Partition): void {
  if (!Number.isInteger(p.count) || p.count < 1) throw new RangeError(`Cannot partition: count must be a positive integer (got ${p.count})`);
  if (!Number.isInteger(p.index) || p.index < 0 || p.index >= p.count) {
    throw new RangeError(`Cannot partition: index must be an integer in 0..${p.count - 1} (got ${p.index})`);
  }
}

/** Largest partition count accepted (halfMD5Mod stays exact in doubles below 2^21). */
export const MAX_PARTITIONS = 1 << 20;

/**
 * Parse the command-line form `I/N` (1-based: `1/4` .. `4/4`) into a {@link Partition}
 * (0-based index). Throws "Cannot partition: ..." with the accepted form otherwise.
 */
export function parsePartition(text: string): Partition {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (m === null) throw new RangeError(`Cannot partition: '${text}' is not I/N (for example 1/4: the first of four partitions)`);
  const i = Number(m[1]), n = Number(m[2]);
  if (n < 1 || n > MAX_PARTITIONS) throw new RangeError(`Cannot partition: N must be 1..${MAX_PARTITIONS} (got ${n})`);
  if (i < 1 || i > n) throw new RangeError(`Cannot partition: I must be 1..${n} in I/N (got ${i}; partitions are numbered from 1)`);
  return { index: i - 1, count: n };
}

/** A partition's share of a dataset. */
export interface PartitionView {
  /** The dataset with only the partition's sources' records (conn, dns, tls, http, mining by orig_h); lookups as in the whole. */
  ds: Dataset;
  /** Does a source belong to the partition (memoised)? Absent without a partition. */
  sources?: (src: string) => boolean;
}

/**
 * The records of partition `p`'s sources, for detectors whose findings of a source depend only
 * on that source's records. Every lookup (names, prevalence, internal hosts) still answers over
 * the whole dataset: the view inherits them from `ds`.
 */
export function partitionView(ds: Dataset, p: Partition): PartitionView {
  if (p.count <= 1) return { ds };
  const sources = (src: string): boolean => partitionOf(src, p.count) === p.index;
  const view = Object.create(ds) as Dataset;
  // The connections on first use only (a column-backed dataset's records are made then; the
  // detectors that take the view read the mining records and look connections up by uid).
  let conns: Dataset['conns'] | undefined;
  Object.defineProperty(view, 'conns', { get: () => (conns ??= ds.conns.filter((c) => sources(c.orig_h))) });
  Object.assign(view, {
    dns: ds.dns.filter((d) => sources(d.orig_h)),
    tls: ds.tls.filter((t) => sources(t.orig_h)),
    http: ds.http.filter((h) => sources(h.orig_h)),
    mining: ds.mining.filter((m) => sources(m.orig_h)),
  });
  return { ds: view, sources };
}
