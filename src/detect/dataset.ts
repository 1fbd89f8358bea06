/**
 * The records a detection run looks at, with the lookups detectors need (passive DNS, the name a
 * connection was made to, the hosts seen). Built in memory from records today; the store will
 * answer the same questions with queries (the detectors only use this interface).
 */
import type { ConnRecord, DnsRecord, HttpRecord, MiningRecord, RecordKind, RecordMap, TlsRecord } from '../records/schema.js';
import { Networks } from './networks.js';

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
}

/** Is this answer an address (A/AAAA) rather than a name (CNAME ...)? */
function isAddress(a: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(a) || (a.includes(':') && /^[0-9a-f:.]+$/i.test(a));
}

export function buildDataset(records: { [K in RecordKind]?: RecordMap[K][] }, internal = new Networks()): Dataset {
  // Final records supersede interim ones of the same uid; keep the latest interim of open connections.
  const byUid = new Map<string, ConnRecord>();
  for (const c of records.conn ?? []) {
    const prev = byUid.get(c.uid);
    if (prev === undefined || (prev.interim && (!c.interim || c.duration >= prev.duration))) byUid.set(c.uid, c);
  }
  const conns = [...byUid.values()].sort((a, b) => a.ts - b.ts);
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
  const nameByUid = new Map<string, string>();
  for (const t of tls) if (t.server_name) nameByUid.set(t.uid, t.server_name.toLowerCase());
  for (const h of http) if (h.host && !nameByUid.has(h.uid)) nameByUid.set(h.uid, h.host.toLowerCase().replace(/:\d+$/, ''));

  let start = Infinity, end = -Infinity;
  for (const c of conns) {
    if (c.ts < start) start = c.ts;
    if (c.ts + c.duration > end) end = c.ts + c.duration;
  }
  if (!Number.isFinite(start)) { start = 0; end = 0; }
  let hosts: Set<string> | undefined;
  let talkers: Map<string, Set<string>> | undefined;
  const EMPTY: ReadonlySet<string> = new Set();
  const ds: Dataset = {
    conns, dns, tls, http, mining: records.mining ?? [], internal, start, end,
    namesOf: (ip) => [...(pdns.get(ip)?.values() ?? [])].sort((a, b) => b.count - a.count),
    nameOfConn: (c) => {
      const n = nameByUid.get(c.uid) ?? resolvedBy.get(c.orig_h)?.get(c.resp_h);
      if (n !== undefined) return n;
      const all = pdns.get(c.resp_h);
      return all !== undefined && all.size === 1 ? [...all.keys()][0] : undefined;
    },
    internalHosts: () => {
      if (hosts === undefined) {
        hosts = new Set();
        for (const c of conns) if (internal.contains(c.orig_h)) hosts.add(c.orig_h);
      }
      return hosts;
    },
    talkersOf: (key) => {
      if (talkers === undefined) {
        const t = new Map<string, Set<string>>();
        const add = (k: string, src: string) => {
          let set = t.get(k);
          if (set === undefined) t.set(k, (set = new Set()));
          set.add(src);
        };
        for (const c of conns) {
          if (!internal.contains(c.orig_h)) continue;
          add(c.resp_h, c.orig_h);
          const n = ds.nameOfConn(c);
          if (n !== undefined) add(n, c.orig_h);
        }
        talkers = t;
      }
      return talkers.get(key) ?? EMPTY;
    },
  };
  return ds;
}
