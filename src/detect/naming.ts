/**
 * How a dataset names connections and addresses from its DNS, TLS and HTTP records: passive DNS
 * (every name of an answer chain -> the addresses that follow it), the name each host resolved
 * an address to, and the name a connection announced itself (TLS server name, else HTTP Host).
 * Shared by the record-backed and the column-backed datasets (dataset.ts), so both name every
 * connection the same way.
 */
import type { DnsRecord, HttpRecord, TlsRecord } from '../records/schema.js';

export interface PdnsEntry { fqdn: string; ip: string; first: number; last: number; count: number }

/** Is this answer an address (A/AAAA) rather than a name (CNAME ...)? */
export function isAddress(a: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(a) || (a.includes(':') && /^[0-9a-f:.]+$/i.test(a));
}

export interface Naming {
  /** Passive DNS of the records: address -> name -> entry. */
  pdns: Map<string, Map<string, PdnsEntry>>;
  /** Names that resolved to an IP, most seen first. */
  namesOf(ip: string): PdnsEntry[];
  /**
   * The name of a connection: its TLS server name or HTTP Host (by uid), else the name its source
   * resolved to the address (the latest such lookup), else the address's only name in these
   * records, else `fallback` (a store-loaded dataset's history), else undefined.
   */
  nameOf(uid: string, orig_h: string, resp_h: string): string | undefined;
  /** Asked last by nameOf: the name of an address by other means (set by loadDataset). */
  fallback?: (resp_h: string) => string | undefined;
  /** Some connection announced a name (nameOf reads the uid only then). */
  readonly byUid: boolean;
  /** The names connections announced (TLS server name, else HTTP Host), by uid. */
  readonly announced: ReadonlyMap<string, string>;
  /** The addresses a host resolved and the (latest) name of each, if it resolved any. */
  resolvedBy(orig_h: string): ReadonlyMap<string, string> | undefined;
  /** An address's own name: its only name in these records, else `fallback`'s. */
  addressName(resp_h: string): string | undefined;
}

export function buildNaming(dns: readonly DnsRecord[], tls: readonly TlsRecord[], http: readonly HttpRecord[]): Naming {
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
  // Addresses that exactly one name resolved to (the last resort of nameOf), looked up once each.
  const onlyName = new Map<string, string>();
  for (const [ip, names] of pdns) if (names.size === 1) onlyName.set(ip, names.keys().next().value!);
  const nameByUid = new Map<string, string>();
  for (const t of tls) if (t.server_name) nameByUid.set(t.uid, t.server_name.toLowerCase());
  for (const h of http) if (h.host && !nameByUid.has(h.uid)) nameByUid.set(h.uid, h.host.toLowerCase().replace(/:\d+$/, ''));
  const naming: Naming = {
    pdns,
    byUid: nameByUid.size > 0,
    announced: nameByUid,
    resolvedBy: (orig_h) => resolvedBy.get(orig_h),
    addressName: (resp_h) => {
      const only = onlyName.get(resp_h);
      return only !== undefined || naming.fallback === undefined ? only : naming.fallback(resp_h);
    },
    namesOf: (ip) => [...(pdns.get(ip)?.values() ?? [])].sort((a, b) => b.count - a.count),
    nameOf: (uid, orig_h, resp_h) =>
      (nameByUid.size > 0 ? nameByUid.get(uid) : undefined) ?? resolvedBy.get(orig_h)?.get(resp_h) ?? naming.addressName(resp_h),
  };
  return naming;
}
