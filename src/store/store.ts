/**
 * The store: where every record is kept for detection and lookback. This file is the contract
 * that everything outside `src/store` uses (detectors, lookback, intel, the CLI); the backends
 * (DuckDB today, ClickHouse later) implement it and are the only places that build SQL.
 *
 * Conventions shared by every backend:
 * - Times are epoch seconds as floating point numbers (microsecond precision), as in the records.
 * - Addresses are strings in canonical form (dotted quad, RFC 5952 IPv6); IPv4 and IPv6 alike.
 * - A {@link TimeWindow} selects records by their `ts`: `since` inclusive, `until` exclusive.
 * - Passive DNS entries overlap a window when `last >= since` and `first < until`.
 * - Interim connection records (still-open connections) are kept only until the final record
 *   of the same uid arrives; of several interim records of one uid only the latest is kept.
 */
import type { ConnRecord, RecordKind, RecordMap, RecordSink } from '../records/schema.js';
import type { Finding } from '../detect/finding.js';
import { buildDataset, columnDataset, type Dataset, type PdnsEntry } from '../detect/dataset.js';
import type { ConnRows } from '../detect/conn-rows.js';
import { buildNaming, type Naming } from '../detect/naming.js';
import { StringIds } from '../detect/intern.js';
import { Networks } from '../detect/networks.js';
import { checkPartition, type Partition } from '../detect/partition.js';
import { stableOrderBy } from '../detect/conn-order.js';

export type { PdnsEntry };

/** A time range in epoch seconds; either end may be open. `since` inclusive, `until` exclusive. */
export interface TimeWindow {
  since?: number;
  until?: number;
}

/** Record counts per kind. */
export type RecordCounts = Record<RecordKind, number>;

/** Describes a file about to be ingested. */
export interface IngestSource {
  /** SHA-256 of the file's content, lower-case hex: the file's identity (names are reused by rotation). */
  sha256: string;
  /** Path as given (for the analyst; not an identity). */
  path: string;
  /** File size in bytes. */
  bytes: number;
  /** Detected format (`pcap`, `pcapng`, `zeek-tsv`, `suricata-eve` ...). */
  format: string;
}

/** What the store remembers of one ingested file. */
export interface IngestEntry extends IngestSource {
  /** Store-assigned id; every raw record of the file carries it. */
  id: number;
  /** Epoch seconds when the ingest started and when it committed. */
  started: number;
  finished: number;
  /** Records stored, per kind. */
  records: RecordCounts;
  /** Input lines the reader could not parse (logs; 0 for captures). */
  bad_lines: number;
  /** First and last record `ts` of the file, when it had records. */
  first_ts?: number;
  last_ts?: number;
}

/** Extra facts reported by the reader when an ingest commits. */
export interface IngestCommitInfo {
  bad_lines?: number;
  /** The format, when the reader only knew it after reading (overrides the one given at begin). */
  format?: string;
  /**
   * Kinds whose rows may repeat rows of an earlier ingest (Zeek open_ssl/open_http then
   * ssl/http logs of the same connection): rows with the same uid and ts keep only the latest.
   */
  dedupe?: readonly ('tls' | 'http')[];
}

/**
 * An open ingest: a {@link RecordSink} whose records become visible all at once when `commit`
 * resolves, or never (after `abort`, a crash, or a kill). `write` is synchronous and buffers;
 * implementations write out in big batches.
 */
export interface IngestBatch extends RecordSink {
  /** The id the file's records carry (also the {@link IngestEntry} id after commit). */
  readonly id: number;
  /** Records written so far, per kind. */
  readonly counts: RecordCounts;
  /** Make everything visible in one step and record the file as ingested. */
  commit(info?: IngestCommitInfo): Promise<IngestEntry>;
  /** Discard everything written. */
  abort(): Promise<void>;
  /**
   * Backpressure: a promise to wait for before writing more when the batch holds more than it
   * should (a server behind or down while the ingest retries), else undefined. Readers of
   * captures and logs call it between chunks, so an outage holds the reading, not the memory.
   */
  pace?(): Promise<void> | undefined;
}

/** Selects connections by address; several fields combine with AND. Lists mean "any of". */
export interface ConnFilter {
  orig_h?: string | readonly string[];
  resp_h?: string | readonly string[];
  /** Either side. */
  any_h?: string;
}

/** Connections grouped by one address (the originator or the responder), with their statistics. */
export interface ConnGroup {
  /** The grouped address. */
  key: string;
  /** Connections (final records plus the latest interim record of still-open ones). */
  conns: number;
  /** Distinct addresses on the other side. */
  peers: number;
  /** Responder ports, most used first (at most {@link GROUP_LIST_MAX}). */
  ports: number[];
  /** Transport protocols seen, sorted. */
  protos: string[];
  /** Start of the first connection and end (ts + duration) of the last, epoch seconds. */
  first: number;
  last: number;
  /**
   * Median seconds between the starts of consecutive connections of the group, and its median
   * absolute deviation (spread); null with fewer than 2 connections.
   */
  median_interval: number | null;
  interval_mad: number | null;
  /** Payload bytes sent by the originators and by the responders. */
  orig_bytes: number;
  resp_bytes: number;
  /** Longest and total connection duration, seconds. */
  max_duration: number;
  total_duration: number;
}

/** DNS lookups grouped by querying host or by query name. */
export interface DnsGroup {
  /** The querying host or the query name. */
  key: string;
  lookups: number;
  /** Distinct query names (when grouped by host) or distinct querying hosts (by name). */
  distinct: number;
  first: number;
  last: number;
  /** Lookups answered NXDOMAIN. */
  nxdomain: number;
  /** Distinct answers, sorted (at most {@link GROUP_LIST_MAX}). */
  answers: string[];
}

/** TLS handshakes of a host grouped by server name (SNI; empty string when none was sent). */
export interface TlsGroup {
  server_name: string;
  handshakes: number;
  first: number;
  last: number;
  /** Distinct server addresses. */
  servers: number;
  /** Distinct JA3 and JA4 fingerprints, sorted (at most {@link GROUP_LIST_MAX} each). */
  ja3: string[];
  ja4: string[];
  /** Some handshake showed a self-signed certificate. */
  self_signed: boolean;
}

/** Options of {@link Store.records}. */
export interface RecordsOptions {
  /**
   * Only the records whose originator (`orig_h`) is in this partition of the sources:
   * `halfMD5(orig_h) % count == index` (detect/partition.ts), computed by the store in SQL.
   * Records without an originator (some weirds) count as the empty string.
   */
  partition?: Partition;
  /**
   * The records in any order, when the caller orders them itself (loadDataset: the connection
   * list is deduplicated and sorted by time in memory): the store skips its sort. Without it,
   * records come ordered by ts.
   */
  unordered?: boolean;
}

/**
 * One (source, destination, connection name) of the connections of a window, with the start of
 * the first and the end (ts + duration) of the last connection of that triple. The name is the
 * one the connection announced itself: the TLS server name (lower case; the last of the uid's
 * handshakes in the window) else the HTTP Host of the uid's first request in the window (lower
 * case, port removed); absent when neither. What prevalence needs from every source without
 * reading every connection (see {@link loadDataset}).
 */
export interface ConnPair {
  orig_h: string;
  resp_h: string;
  name?: string;
  first: number;
  last: number;
}

/** Options of the grouped queries. */
export interface QueryOptions {
  window?: TimeWindow;
  /** Most rows returned (largest first). Default {@link DEFAULT_QUERY_LIMIT}. */
  limit?: number;
}

/** Rows deleted by retention, per table. */
export interface RetentionResult {
  /** Records older than this epoch second were deleted (undefined: the store was empty). */
  cutoff?: number;
  deleted: Partial<RecordCounts>;
}

/** Default number of rows of grouped queries and connection lists. */
export const DEFAULT_QUERY_LIMIT = 50;
/** Longest list inside one group (ports, answers, fingerprints). */
export const GROUP_LIST_MAX = 10;

/**
 * The store contract. One process writes at a time (one open ingest per store); reads may run
 * while an ingest is open and do not see its records until it commits.
 */
export interface Store {
  /** Backend name (`duckdb`) and where it keeps its data (a path, a URL without credentials). */
  readonly backend: string;
  readonly location: string;

  // -- ingest bookkeeping ---------------------------------------------------------------------
  /** The ingest of a file with this content hash, if it was ingested. */
  ingestOf(sha256: string): Promise<IngestEntry | undefined>;
  /** Every ingest, oldest first. */
  ingests(): Promise<IngestEntry[]>;
  /** Open an ingest for a file not ingested yet (rejects when its hash is already stored). */
  beginIngest(source: IngestSource): Promise<IngestBatch>;

  // -- records ----------------------------------------------------------------------------------
  /** Stored records of one kind in a window, ordered by ts (only a partition's sources with `opts.partition`). */
  records<K extends RecordKind>(kind: K, window?: TimeWindow, opts?: RecordsOptions): Promise<RecordMap[K][]>;
  /**
   * The conn records of records('conn', window, opts) as column-backed rows (conn-rows.ts) in a
   * dataset's order, read without a record object each: what loadDataset reads connections
   * through when the store has it (`unordered` does not apply). Undefined when a row cannot be
   * held in columns (a field stored as NULL: its record leaves the field out); read records then.
   */
  connRows?(window?: TimeWindow, opts?: RecordsOptions): Promise<ConnRows | undefined>;
  /**
   * The distinct (source, destination, name) triples of the connections of a window
   * ({@link ConnPair}), aggregated by the store: the prevalence and naming context of every source
   * that a partitioned analysis needs without reading every connection. Unordered.
   */
  connPairs(window?: TimeWindow): Promise<ConnPair[]>;
  /** Rows per raw table. */
  counts(): Promise<RecordCounts>;
  /** First and last record time (conn and dns), or undefined when empty. */
  dataRange(): Promise<{ first: number; last: number } | undefined>;

  // -- passive DNS ------------------------------------------------------------------------------
  /** Names that resolved to this address, most frequent first. */
  pdnsByIp(ip: string, window?: TimeWindow): Promise<PdnsEntry[]>;
  /** Every passive-DNS entry of these addresses (any time), most frequent first per address. */
  pdnsForIps(ips: readonly string[]): Promise<PdnsEntry[]>;
  /** Addresses a name resolved to (with `subdomains`, also its subdomains), by first seen. */
  pdnsByName(name: string, opts?: { window?: TimeWindow; subdomains?: boolean }): Promise<PdnsEntry[]>;

  // -- history ---------------------------------------------------------------------------------
  /**
   * When each of these responder addresses was first contacted in all stored history (the
   * earliest `ts` of a connection to it, any originator), for the "first seen" modifier: a
   * destination nobody talked to before this week is more suspicious than one contacted daily
   * for a year. Addresses never seen are absent from the map. Raw records removed by retention
   * are forgotten, so the answer is bounded by the retention period.
   */
  firstSeen(ips: readonly string[]): Promise<Map<string, number>>;

  // -- lookback queries -------------------------------------------------------------------------
  /** Connections matching a filter grouped by originator or responder, most connections first. */
  connGroups(filter: ConnFilter, by: 'orig_h' | 'resp_h', opts?: QueryOptions): Promise<ConnGroup[]>;
  /** Connections matching a filter, oldest first. */
  conns(filter: ConnFilter, opts?: QueryOptions): Promise<ConnRecord[]>;
  /**
   * DNS lookups by a host and/or of a name (the name itself and its subdomains), grouped by
   * querying host or by query name, most lookups first.
   */
  dnsGroups(filter: { host?: string; name?: string }, by: 'host' | 'query', opts?: QueryOptions): Promise<DnsGroup[]>;
  /** TLS handshakes of a host grouped by server name, most handshakes first. */
  tlsGroups(host: string, opts?: QueryOptions): Promise<TlsGroup[]>;

  // -- findings ---------------------------------------------------------------------------------
  /** Store findings; a finding with the id of a stored one replaces it (first/last widened). */
  saveFindings(findings: readonly Finding[]): Promise<void>;
  /** Findings whose source or destination is `host` (all without a host), ranked. */
  findings(filter?: { host?: string; window?: TimeWindow; limit?: number }): Promise<Finding[]>;

  // -- maintenance ------------------------------------------------------------------------------
  /** Delete raw records older than the newest record minus `seconds`; passive DNS, findings and ingests stay. */
  retain(seconds: number): Promise<RetentionResult>;
  close(): Promise<void>;
}

/** Options of {@link loadDataset}. */
export interface LoadOptions {
  /**
   * Load only this partition of the sources (detect/partition.ts): their connections, TLS, HTTP
   * and mining records, filtered by the store in SQL. Several processes, each with its own
   * partition and the same window and settings, together find what one run over everything finds
   * (pass the same partition to runDetectors).
   */
  partition?: Partition;
  /**
   * Called after each step with its name (`conn`, `dns`, ..., `buildDataset`, `connPairs`,
   * `pdns`, `context`, `firstSeen`), wall seconds and CPU seconds of this process (bench-load.ts).
   */
  timings?: (step: string, seconds: number, cpuSeconds: number) => void;
  /**
   * Read connections as column-backed rows when the store can (Store.connRows; default true):
   * at millions of connections the record objects, not the work, were most of the load time and
   * memory. false reads records (tests compare both; the findings are the same).
   */
  columns?: boolean;
}

/** CPU seconds of this process so far (user and system). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * The {@link Dataset} the in-memory detectors run on, built from the records stored in a window.
 *
 * With `opts.partition` (count > 1) the dataset holds the partition's sources' connections, TLS,
 * HTTP and mining records, and what the detectors need from every source comes from the store
 * instead of every record:
 * - DNS records of every source (the DNS detectors judge a domain by all its queriers, and the
 *   names of connections come from the lookups; DNS is about a twelfth of the connections);
 * - prevalence (internal hosts, internal hosts per destination address and per name) and the
 *   window's start and end, from {@link Store.connPairs};
 * - first contacts and passive DNS from the store's history, for every destination of the window.
 * The partition's findings are then exactly the whole run's findings of its sources.
 */
export async function loadDataset(store: Store, window?: TimeWindow, internal?: Networks, opts: LoadOptions = {}): Promise<Dataset> {
  const part = opts.partition !== undefined && opts.partition.count > 1 ? opts.partition : undefined;
  if (part !== undefined) checkPartition(part);
  const ro = part !== undefined ? { partition: part } : undefined;
  const timings = opts.timings;
  let wall = performance.now(), cpu = timings !== undefined ? cpuSeconds() : 0;
  const lap = (step: string): void => {
    if (timings === undefined) return;
    const w = performance.now(), c = cpuSeconds();
    timings(step, (w - wall) / 1000, c - cpu);
    wall = w;
    cpu = c;
  };
  const useRows = store.connRows !== undefined && opts.columns !== false;
  let conn: ConnRecord[] | undefined;
  let rows: ConnRows | undefined;
  if (useRows) rows = await store.connRows!(window, ro);
  if (rows !== undefined) lap('conn');
  else {
    // Unordered: buildDataset's connection list sorts by time (a stable radix sort) anyway; ties
    // are put in uid order here, so the list is as from ORDER BY ts, uid on every backend.
    conn = await store.records('conn', window, { ...ro, unordered: true });
    lap('conn');
    tiesByUid(conn);
    lap('conn ties');
  }
  const dns = await store.records('dns', window);
  lap('dns');
  const tls = await store.records('tls', window, ro);
  lap('tls');
  const http = await store.records('http', window, ro);
  lap('http');
  const mining = await store.records('mining', window, ro);
  lap('mining');
  const nets = internal ?? new Networks();
  // Both kinds of dataset name connections through `naming`, whose fallback (the stored history
  // below) is set before anything asks for a name.
  const naming = buildNaming(dns, tls, http);
  const ds = rows !== undefined ? columnDataset(rows, { dns, tls, http, mining }, nets, naming) : buildDataset({ conn: conn!, dns, tls, http, mining }, nets, naming);
  lap('buildDataset');
  const pairs = part !== undefined ? await store.connPairs(window) : undefined;
  if (part !== undefined) lap('connPairs');
  // Passive DNS from every ingest, not only this window: an address seen now is tied to a name
  // resolved last month.
  const history = new Map<string, PdnsEntry[]>();
  // The window's destinations (one pass over the connections, no intermediate array).
  let own: string[] | undefined;
  const ownDsts = (): string[] => {
    if (own !== undefined) return own;
    if (rows !== undefined) return (own = rows.destinations());
    const set = new Set<string>();
    for (const c of ds.conns) set.add(c.resp_h);
    return (own = [...set]);
  };
  const dsts = pairs !== undefined ? [...new Set(pairs.map((p) => p.resp_h))] : ownDsts();
  for (const e of await store.pdnsForIps(dsts)) {
    let l = history.get(e.ip);
    if (l === undefined) history.set(e.ip, (l = []));
    l.push(e);
  }
  lap('pdns');
  const onlyInHistory = (ip: string): string | undefined => {
    const all = history.get(ip);
    return all !== undefined && all.length === 1 ? all[0]!.fqdn : undefined;
  };
  // One naming for everything: the window's own records, else the address's only name in the
  // stored history. Beacon groups, talkers per name (prevalence) and the partition triples all
  // name a connection the same way.
  naming.fallback = onlyInHistory;
  const context = pairs !== undefined ? everyone(pairs, nets, naming) : undefined;
  if (context !== undefined) lap('context');
  const ownNames = ds.namesOf;
  const namesOf = (ip: string): PdnsEntry[] => history.get(ip) ?? ownNames(ip);
  // First contacts in all stored history, for the first-seen modifier. Without a window start
  // the dataset holds all of the history and the modifier reads its connections instead (a
  // partition holds only its sources' connections: it always asks the store).
  // (Without a window start, the window's own first contacts are in the triples.)
  const earlier = ds.connCount > 0 && (window?.since !== undefined || part !== undefined);
  const firstSeen = !earlier ? undefined
    : window?.since === undefined && context !== undefined ? context.firstSeen
      : await store.firstSeen(ownDsts());
  const historyStart = earlier && window?.since !== undefined ? (await store.dataRange())?.first : undefined;
  lap('firstSeen');
  const overrides = {
    ...(context !== undefined ? { start: context.start, end: context.end, partition: part } : {}),
    ...(firstSeen !== undefined ? { firstSeen } : {}),
    ...(historyStart !== undefined ? { historyStart } : {}),
    namesOf,
    // A partition's own connections do not say who else talks to a destination: the triples do.
    ...(context !== undefined ? {
      internalHosts: () => context.hosts,
      talkersOf: context.talkers,
    } : {}),
  };
  return Object.assign(ds, overrides);
}

/**
 * Connections of any order rearranged so that a stable sort by ts orders them by ts, then uid
 * (as `ORDER BY ts, uid`): only records with the same ts trade places, among the positions they
 * hold, so the array keeps its (memory) order otherwise. In place; returns `recs`.
 */
export function tiesByUid(recs: ConnRecord[]): ConnRecord[] {
  const n = recs.length;
  const ts = new Float64Array(n);
  for (let i = 0; i < n; i++) ts[i] = recs[i]!.ts;
  const order = stableOrderBy(ts);
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && ts[order[j]!] === ts[order[i]!]) j++;
    if (j - i > 1) {
      // order[i..j) are ascending positions (the sort is stable): deal the run out again by uid.
      const run = Array.from(order.subarray(i, j), (p) => recs[p]!).sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
      for (let k = 0; k < run.length; k++) recs[order[i + k]!] = run[k]!;
    }
    i = j;
  }
  return recs;
}

const NO_TALKERS: ReadonlySet<string> = new Set();

/**
 * The whole window's prevalence context from the store's (source, destination, name) triples:
 * what a dataset computes from every connection (internal hosts in order of their first
 * connection; internal talkers per destination address and per connection name, where a
 * connection without an announced name is named as the dataset names it: the name its source
 * resolved to the address, else the address's own name), plus every destination and the
 * window's earliest start and latest end, and each destination's first contact in the window.
 * Millions of triples: talkers are kept as (key, source) id pairs and made into sets only for
 * the keys asked for (a Set per key for every triple cost 8 s at 2.9 M triples).
 */
function everyone(pairs: readonly ConnPair[], nets: Networks, naming: Naming): {
  hosts: Set<string>; talkers: (key: string) => ReadonlySet<string>; dsts: string[]; firstSeen: Map<string, number>; start: number; end: number;
} {
  // Per id (sources, destinations and names share one id space): grown arrays instead of string-keyed maps.
  const ids = new StringIds();
  let firstAsDst = new Float64Array(1024).fill(Infinity); // destination id -> first contact
  let firstAsSrc = new Float64Array(1024).fill(Infinity); // internal source id -> first connection
  let kind = new Uint8Array(1024); // bit 1: internal asked, bit 2: internal, bit 4: own name asked
  let own = new Int32Array(1024); // destination id -> its own name's id, -1 none
  const resolved: (ReadonlyMap<string, string> | null)[] = []; // source id -> names it resolved (null: none; a hole: not asked)
  const idOf = (x: string): number => {
    const k = ids.id(x);
    if (k >= kind.length) {
      const cap = 2 * kind.length;
      const f = new Float64Array(cap).fill(Infinity); f.set(firstAsDst); firstAsDst = f;
      const g = new Float64Array(cap).fill(Infinity); g.set(firstAsSrc); firstAsSrc = g;
      const b = new Uint8Array(cap); b.set(kind); kind = b;
      const o = new Int32Array(cap); o.set(own); own = o;
    }
    return k;
  };
  let keys = new Int32Array(1024), srcs = new Int32Array(1024), m = 0;
  const add = (key: number, src: number): void => {
    if (m === keys.length) {
      const k = new Int32Array(2 * m); k.set(keys); keys = k;
      const v = new Int32Array(2 * m); v.set(srcs); srcs = v;
    }
    keys[m] = key;
    srcs[m++] = src;
  };
  const dstOrder: number[] = []; // destinations in order of first appearance
  let start = Infinity, end = -Infinity;
  for (const p of pairs) {
    const d = idOf(p.resp_h);
    if (firstAsDst[d] === Infinity) dstOrder.push(d);
    if (p.first < firstAsDst[d]!) firstAsDst[d] = p.first;
    if (p.first < start) start = p.first;
    if (p.last > end) end = p.last;
    const s = idOf(p.orig_h);
    if ((kind[s]! & 1) === 0) kind[s] = kind[s]! | 1 | (nets.contains(p.orig_h) ? 2 : 0);
    if ((kind[s]! & 2) === 0) continue;
    if (p.first < firstAsSrc[s]!) firstAsSrc[s] = p.first;
    add(d, s);
    // A triple without an announced name: named by address, as Naming.nameOf names it.
    if (p.name !== undefined) { add(idOf(p.name), s); continue; }
    let r = resolved[s];
    if (r === undefined) resolved[s] = r = naming.resolvedBy(p.orig_h) ?? null;
    const byLookup = r === null ? undefined : r.get(p.resp_h);
    if (byLookup !== undefined) { add(idOf(byLookup), s); continue; }
    if ((kind[d]! & 4) === 0) {
      const a = naming.addressName(p.resp_h);
      const nameId = a === undefined ? -1 : idOf(a);
      kind[d] = kind[d]! | 4;
      own[d] = nameId;
    }
    if (own[d]! >= 0) add(own[d]!, s);
  }
  const firstOf = new Map<string, number>();
  for (let k = 0; k < ids.size; k++) if (firstAsSrc[k] !== Infinity) firstOf.set(ids.values[k]!, firstAsSrc[k]!);
  const dsts = new Map<string, number>(dstOrder.map((d) => [ids.values[d]!, firstAsDst[d]!]));
  if (!Number.isFinite(start)) { start = 0; end = 0; }
  const hosts = new Set([...firstOf].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([h]) => h));
  // Talkers per key on first use: a counting sort of the (key, source) pairs by key.
  let index: { start: Int32Array; list: Int32Array } | undefined;
  const sets = new Map<number, ReadonlySet<string>>();
  const talkers = (key: string): ReadonlySet<string> => {
    const k = ids.get(key);
    if (k < 0) return NO_TALKERS;
    if (index === undefined) {
      const start = new Int32Array(ids.size + 1);
      for (let j = 0; j < m; j++) start[keys[j]! + 1]++;
      for (let x = 0; x < ids.size; x++) start[x + 1] += start[x]!;
      const next = start.slice(0, ids.size);
      const list = new Int32Array(m);
      for (let j = 0; j < m; j++) list[next[keys[j]!]!++] = srcs[j]!;
      index = { start, list };
    }
    let set = sets.get(k);
    if (set === undefined) {
      const t = new Set<string>();
      for (let j = index.start[k]!; j < index.start[k + 1]!; j++) t.add(ids.values[index.list[j]!]!);
      sets.set(k, (set = t.size > 0 ? t : NO_TALKERS));
    }
    return set;
  };
  return { hosts, talkers, dsts: [...dsts.keys()], firstSeen: dsts, start, end };
}

/** Zero counts for every record kind. */
export function emptyCounts(): RecordCounts {
  return { conn: 0, dns: 0, tls: 0, http: 0, mining: 0, ssh: 0, weird: 0 };
}

/** Stable error codes of the store. */
export type StoreErrorCode =
  /** The store cannot be opened (path, permissions, damaged file). */
  | 'STORE_OPEN'
  /** Another process holds the store. */
  | 'STORE_LOCKED'
  /** The store was written by a newer c2hunt (schema version unknown here). */
  | 'STORE_SCHEMA_NEWER'
  /** A file with this content hash is already stored. */
  | 'STORE_ALREADY_INGESTED'
  /** An ingest is already open on this store object. */
  | 'STORE_INGEST_OPEN'
  /** An argument is malformed (address, name, window, duration). */
  | 'STORE_BAD_ARGUMENT'
  /** The store was closed. */
  | 'STORE_CLOSED';

/** An error of the store, with a stable code; messages read "Cannot X: reason". */
export class StoreError extends Error {
  constructor(readonly code: StoreErrorCode, message: string) {
    super(message);
    this.name = 'StoreError';
  }
}
