/** Private to the DNS detectors: what the three detectors share, computed once per run. */
import type { DnsRecord } from '../../records/schema.js';
import type { Dataset } from '../dataset.js';
import { judgedRecords } from './common.js';
import { labelScore } from './lexical.js';
import { NameCache, type NameParts } from './names.js';
import type { DnsSettings } from './settings.js';

/** The inputs of one DNS detection run, shared by the three detectors. */
export interface DnsContext {
  ds: Dataset;
  /** Effective settings (defaults merged with overrides, validated). */
  s: Readonly<DnsSettings>;
  /** Records judged (no multicast DNS, no reverse lookups), in time order. */
  records: DnsRecord[];
  /** The parts of each record's query name, same index as `records`. */
  parts: NameParts[];
  /** Parser of any other name (memoised). */
  names: NameCache;
  /** DGA score of a name's owner label under ICANN rules (memoised); 0 when it has none. */
  ownerScore(p: NameParts): number;
  /** Internal hosts seen (connections or DNS sources), at least 1. */
  nHosts: number;
  /** Distinct internal sources that queried each registered domain. */
  queriersOf(registered: string): number;
}

/** Filter, order and parse the records once; count hosts and the internal queriers of each domain. */
export function dnsContext(ds: Dataset, s: Readonly<DnsSettings>): DnsContext {
  const records = judgedRecords(ds.dns);
  if (records.some((d, i) => i > 0 && d.ts < records[i - 1]!.ts)) records.sort((a, b) => a.ts - b.ts);
  const names = new NameCache();
  const scores = new Map<string, number>();
  const hosts = new Set(ds.internalHosts());
  const queriers = new Map<string, Set<string>>();
  const parts = records.map((d) => names.get(d.query));
  for (let i = 0; i < records.length; i++) {
    const d = records[i]!;
    if (!ds.internal.contains(d.orig_h)) continue;
    hosts.add(d.orig_h);
    const reg = parts[i]!.registered;
    if (reg === undefined) continue;
    let q = queriers.get(reg);
    if (q === undefined) queriers.set(reg, (q = new Set()));
    q.add(d.orig_h);
  }
  return {
    ds, s, records, parts, names,
    ownerScore: (p) => {
      if (p.icannOwner === undefined) return 0;
      let v = scores.get(p.icannOwner);
      if (v === undefined) scores.set(p.icannOwner, (v = labelScore(p.icannOwner)));
      return v;
    },
    nHosts: Math.max(1, hosts.size),
    queriersOf: (reg) => queriers.get(reg)?.size ?? 0,
  };
}
