/**
 * The records a detection run looks at, with the lookups detectors need (passive DNS, the name a
 * connection was made to, the hosts seen). Built in memory from records today; the store will
 * answer the same questions with queries (the detectors only use this interface).
 */
import type { ConnRecord, DnsRecord, HttpRecord, MiningRecord, RecordKind, RecordMap, TlsRecord } from '../records/schema.js';
import { connList } from './conn-order.js';
import { internalSources, talkersIndex } from './conn-table.js';
import { Networks } from './networks.js';
import type { Partition } from './partition.js';

export interface PdnsEntry { fqdn: string; ip: string; first: number; last: number; count: number }

export interface Dataset {
  /** Final connection records; a connection seen only in interim records appears once, with `interim: true`. */
  conns: ConnRecord[];
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

/** Is this answer an address (A/AAAA) rather than a name (CNAME ...)? */
function isAddress(a: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(a) || (a.includes(':') && /^[0-9a-f:.]+$/i.test(a));
}

export function buildDataset(records: { [K in RecordKind]?: RecordMap[K][] }, internal = new Networks()): Dataset {
  // Final records supersede interim ones of the same uid; keep the latest interim of open
  // connections; in time order (typed-array dedup and radix sort: see conn-order.ts).
  const list = connList(records.conn ?? []);
  const conns = list.conns;
  const dns = records.dns ?? [];
  const tls = records.tls ?? [];
  const http = records.http ?? [];

  // Passive DNS: every name in an answer chain (query, CNAMEs) maps to the addresses that follow.
  const pdns = new Map<string, Map<string, PdnsEntry>>();
  // Per resolving host: ip -> name it resolved (latest), for naming that host's connections.
  const resolvedBy = new Map<string, Map<string, string>>();
  for (const d of dns) {
    if (d.answers.length === 0) continue;
    const names = [d.query.toLowerCase()];
    for (const a of d.answers) {
      if (!isAddress(a)) { names.push(a.toLowerCase()); continue; }
      for (const n of names) {
        let m = pdns.get(a);
        if (m === undefined) pdns.set(a, (m = new Map()));
        const e = m.get(n);
        if (e === undefined) m.set(n, { fqdn: n, ip: a, first: d.ts, last: d.ts, count: 1 });
        else { e.count++; if (d.ts < e.first) e.first = d.ts; if (d.ts > e.last) e.last = d.ts; }
      }
      let r = resolvedBy.get(d.orig_h);
      if (r === undefined) resolvedBy.set(d.orig_h, (r = new Map()));
      r.set(a, names[0]!);
    }
  }
  // Addresses that exactly one name resolved to (the last resort of nameOfConn), looked up once each.
  const onlyName = new Map<string, string>();
  for (const [ip, names] of pdns) if (names.size === 1) onlyName.set(ip, names.keys().next().value!);
  const nameByUid = new Map<string, string>();
  for (const t of tls) if (t.server_name) nameByUid.set(t.uid, t.server_name.toLowerCase());
  for (const h of http) if (h.host && !nameByUid.has(h.uid)) nameByUid.set(h.uid, h.host.toLowerCase().replace(/:\d+$/, ''));

  let { start, end } = list; // earliest start, latest end (computed with the list: one pass fewer over the records)
  if (!Number.isFinite(start)) { start = 0; end = 0; }
  let hosts: Set<string> | undefined;
  let talkers: ((key: string) => ReadonlySet<string>) | undefined;
  const ds: Dataset = {
    conns, dns, tls, http, mining: records.mining ?? [], internal, start, end,
    namesOf: (ip) => [...(pdns.get(ip)?.values() ?? [])].sort((a, b) => b.count - a.count),
    nameOfConn: (c) => {
      const n = (nameByUid.size > 0 ? nameByUid.get(c.uid) : undefined) ?? resolvedBy.get(c.orig_h)?.get(c.resp_h);
      return n !== undefined ? n : onlyName.get(c.resp_h);
    },
    // Both over the shared connection columns (conn-table.ts), built once per dataset.
    internalHosts: () => (hosts ??= internalSources(conns, internal, ds.nameOfConn)),
    talkersOf: (key) => (talkers ??= talkersIndex(conns, internal, ds.nameOfConn))(key),
  };
  return ds;
}
