/**
 * Splitting analysis by source address: partition i of n holds the sources whose hash falls in
 * it, so several c2hunt processes (or one per ClickHouse shard) can each analyse a share of the
 * hosts over the same data and their findings together equal one run's (every finding belongs
 * to the partition of its `src`).
 */
import type { Dataset } from './dataset.js';

/** Analyse only the sources of partition `index` (0-based) of `count`. */
export interface Partition {
  index: number;
  count: number;
}

/** FNV-1a (32 bit) of a string's UTF-16 code units: stable across runs, processes and platforms. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The partition (0..count-1) a source address belongs to. */
export function partitionOf(src: string, count: number): number {
  return count <= 1 ? 0 : fnv1a(src) % count;
}

/** Does `src` belong to partition `p` (always, without one)? */
export function inPartition(src: string, p: Partition | undefined): boolean {
  return p === undefined || p.count <= 1 || fnv1a(src) % p.count === p.index;
}

/** Throws "Cannot partition: ..." unless count is a positive integer and index in 0..count-1. */
export function checkPartition(p: Partition): void {
  if (!Number.isInteger(p.count) || p.count < 1) throw new RangeError(`Cannot partition: count must be a positive integer (got ${p.count})`);
  if (!Number.isInteger(p.index) || p.index < 0 || p.index >= p.count) {
    throw new RangeError(`Cannot partition: index must be an integer in 0..${p.count - 1} (got ${p.index})`);
  }
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
  const memo = new Map<string, boolean>();
  const sources = (src: string): boolean => {
    let v = memo.get(src);
    if (v === undefined) memo.set(src, (v = fnv1a(src) % p.count === p.index));
    return v;
  };
  const view = Object.create(ds) as Dataset;
  Object.assign(view, {
    conns: ds.conns.filter((c) => sources(c.orig_h)),
    dns: ds.dns.filter((d) => sources(d.orig_h)),
    tls: ds.tls.filter((t) => sources(t.orig_h)),
    http: ds.http.filter((h) => sources(h.orig_h)),
    mining: ds.mining.filter((m) => sources(m.orig_h)),
  });
  return { ds: view, sources };
}
