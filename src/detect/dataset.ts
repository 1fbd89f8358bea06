/**
 * The records a detection run looks at, with the lookups detectors need (passive DNS, the name a
 * connection was made to, the hosts seen). Two kinds, one interface: buildDataset over records
 * (a decoded capture), columnDataset over column-backed connections (what loadDataset reads from
 * a store: no record object per connection until one is asked for). Detectors read connections
 * through the columns (conn-table.ts datasetColumns), `conn(i)` and the helpers at the end.
 */
import type { ConnRecord, DnsRecord, HttpRecord, MiningRecord, RecordKind, RecordMap, TlsRecord } from '../records/schema.js';
import { connList } from './conn-order.js';
import { datasetNames, internalSources, internalSourcesOf, rowColumns, talkersIndex, talkersIndexOf, type ConnColumns } from './conn-table.js';
import type { ConnRows } from './conn-rows.js';
import { buildNaming, type Naming, type PdnsEntry } from './naming.js';
import { Networks } from './networks.js';
import type { Partition } from './partition.js';

export type { PdnsEntry } from './naming.js';

export interface Dataset {
  /**
   * Final connection records; a connection seen only in interim records appears once, with
   * `interim: true`. On a column-backed dataset (columnDataset) the records are made on first
   * use, all of them: code that may run on millions of connections reads `connCount`, `conn(i)`,
   * the columns (conn-table.ts datasetColumns) or the helpers below instead.
   */
  conns: ConnRecord[];
  /** How many connections (conns.length, without making them). */
  connCount: number;
  /** The i-th connection (conns[i]; made on demand on a column-backed dataset). */
  conn(i: number): ConnRecord;
  /** Column-backed datasets: their connection columns (with this dataset's names). */
  columns?: () => ConnColumns;
  /** Column-backed datasets: the index of the connection with this uid, -1 when none. */
  indexOfUid?: (uid: string) => number;
  dns: DnsRecord[];
  tls: TlsRecord[];
  http: HttpRecord[];
  mining: MiningRecord[];
  internal: Networks;
  /** Observation window (epoch s). */
  start: number;
  end: number;
  /** Names that resolved to an IP, with first/last seen and count. */
  namesOf(ip: string): PdnsEntry[];
  /** The name a connection was made to: TLS server name, HTTP Host, else the name `src` resolved to this IP. */
  nameOfConn(c: ConnRecord): string | undefined;
  /** Internal hosts that sent at least one connection. */
  internalHosts(): Set<string>;
  /**
   * Internal hosts that talked to a destination, by address or by name (the name of the
   * connection, see nameOfConn). The prevalence modifier divides this by internalHosts().
   */
  talkersOf(ipOrName: string): ReadonlySet<string>;
  /**
   * When each destination address was first contacted in all stored history (epoch s), for the
   * first-seen modifier (`first-seen.ts`); absent when the dataset is all the history there is
   * (the modifier then reads the dataset's own connections).
   */
  firstSeen?: ReadonlyMap<string, number>;
  /** Start of the stored history (epoch s) when it reaches before `start`. */
  historyStart?: number;
  /**
   * Set when the dataset holds only this partition's sources' connections, TLS, HTTP and mining
   * records (loadDataset with a partition; DNS of every source). Lookups (names, internal hosts,
   * talkers, `start`/`end`) still answer for the whole window.
   */
  partition?: Partition;
}

/** `naming`: how to name connections (default: from the records' DNS, TLS and HTTP; loadDataset passes one with the stored history). */
export function buildDataset(records: { [K in RecordKind]?: RecordMap[K][] }, internal = new Networks(),
  naming = buildNaming(records.dns ?? [], records.tls ?? [], records.http ?? [])): Dataset {
  // Final records supersede interim ones of the same uid; keep the latest interim of open
  // connections; in time order (typed-array dedup and radix sort: see conn-order.ts).
  const list = connList(records.conn ?? []);
  const conns = list.conns;
  const dns = records.dns ?? [];
  const tls = records.tls ?? [];
  const http = records.http ?? [];

  let { start, end } = list; // earliest start, latest end (computed with the list: one pass fewer over the records)
  if (!Number.isFinite(start)) { start = 0; end = 0; }
  let hosts: Set<string> | undefined;
  let talkers: ((key: string) => ReadonlySet<string>) | undefined;
  const ds: Dataset = {
    // conn(i) reads this.conns, so a copy with other conns ({ ...ds, conns }) answers from its own.
    conns, connCount: conns.length, conn(i) { return this.conns[i]!; },
    dns, tls, http, mining: records.mining ?? [], internal, start, end,
    namesOf: naming.namesOf,
    nameOfConn: (c) => naming.nameOf(c.uid, c.orig_h, c.resp_h),
    // Both over the shared connection columns (conn-table.ts), built once per dataset.
    internalHosts: () => (hosts ??= internalSources(conns, internal, ds.nameOfConn)),
    talkersOf: (key) => (talkers ??= talkersIndex(conns, internal, ds.nameOfConn))(key),
  };
  return ds;
}

/**
 * A dataset over column-backed connections (conn-rows.ts: what a store reads at scale) and the
 * other records: the same lookups and the same answers as buildDataset over the same records,
 * without a record object per connection. `conns` is made on first use (all of them, once):
 * detectors read `columns()`, `conn(i)` and `indexOfUid` instead. `naming` is the dataset's
 * naming (its `fallback` may be set until the columns are first asked for).
 */
export function columnDataset(rows: ConnRows, records: { dns?: DnsRecord[]; tls?: TlsRecord[]; http?: HttpRecord[]; mining?: MiningRecord[] },
  internal: Networks, naming: Naming): Dataset {
  let conns: ConnRecord[] | undefined;
  let cols: ConnColumns | undefined;
  let hosts: Set<string> | undefined;
  let talkers: ((key: string) => ReadonlySet<string>) | undefined;
  const nameOfConn = (c: Pick<ConnRecord, 'uid' | 'orig_h' | 'resp_h'>): string | undefined => naming.nameOf(c.uid, c.orig_h, c.resp_h);
  const columns = (): ConnColumns => (cols ??= rowColumns(rows, nameOfConn, naming));
  const ds: Dataset = {
    get conns(): ConnRecord[] {
      return (conns ??= Array.from({ length: rows.n }, (_, i) => rows.record(i)));
    },
    connCount: rows.n,
    conn: (i) => (conns !== undefined ? conns[i]! : rows.record(i)),
    columns,
    indexOfUid: (uid) => rows.indexOfUid(uid),
    dns: records.dns ?? [], tls: records.tls ?? [], http: records.http ?? [], mining: records.mining ?? [],
    internal, start: rows.start, end: rows.end,
    namesOf: naming.namesOf,
    nameOfConn,
    internalHosts: () => (hosts ??= internalSourcesOf(columns(), internal)),
    talkersOf: (key) => (talkers ??= talkersIndexOf(columns(), datasetNames(ds), internal))(key),
  };
  return ds;
}

/** The connections of these sources, per source in list (time) order; without reading the others on a column-backed dataset. */
export function connsFrom(ds: Dataset, srcs: ReadonlySet<string>): Map<string, ConnRecord[]> {
  const out = new Map<string, ConnRecord[]>();
  if (srcs.size === 0) return out;
  if (ds.columns === undefined) {
    for (const c of ds.conns) if (srcs.has(c.orig_h)) (out.get(c.orig_h) ?? out.set(c.orig_h, []).get(c.orig_h)!).push(c);
    return out;
  }
  const cols = ds.columns();
  for (const src of srcs) {
    const s = cols.strs.get(src);
    if (s < 0 || s + 1 >= cols.blockStart.length || cols.blockStart[s] === cols.blockStart[s + 1]) continue;
    const list: ConnRecord[] = [];
    for (let p = cols.blockStart[s]!; p < cols.blockStart[s + 1]!; p++) list.push(ds.conn(cols.conn[p]!));
    out.set(src, list);
  }
  return out;
}

/** The connections with these uids (those the dataset has). */
export function connsWithUids(ds: Dataset, uids: ReadonlySet<string>): Map<string, ConnRecord> {
  const out = new Map<string, ConnRecord>();
  if (uids.size === 0) return out;
  if (ds.indexOfUid === undefined) {
    for (const c of ds.conns) if (uids.has(c.uid)) out.set(c.uid, c);
    return out;
  }
  for (const u of uids) {
    const i = ds.indexOfUid(u);
    if (i >= 0) out.set(u, ds.conn(i));
  }
  return out;
}

/** Every connection in list order as an iterable (a column-backed dataset makes each record as it is reached). */
export function connIterable(ds: Dataset): Iterable<ConnRecord> {
  if (ds.columns === undefined) return ds.conns;
  return { *[Symbol.iterator]() { for (let i = 0; i < ds.connCount; i++) yield ds.conn(i); } };
}

/** Every connection in list order, one at a time (a column-backed dataset makes each record for the call only). */
export function forEachConn(ds: Dataset, fn: (c: ConnRecord) => void): void {
  if (ds.columns === undefined) { for (const c of ds.conns) fn(c); return; }
  for (let i = 0; i < ds.connCount; i++) fn(ds.conn(i));
}
