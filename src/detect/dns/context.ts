/** Private to the DNS detectors: what the three detectors share, computed once per run. */
import type { DnsRecord } from '../../records/schema.js';
import type { Dataset } from '../dataset.js';
import { judgedRecords } from './common.js';
import { labelScore } from './lexical.js';
import { NameCache, type NameParts } from './names.js';
import { PairIds, StringIds } from '../intern.js';
import { stableOrderBy } from '../conn-order.js';
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
  /**
   * Integer ids per record, so detectors group by numbers instead of building string keys:
   * the source (`srcId`, into `strs`), the name (`nameId`: parts.name) and the registered domain
   * (`regId`: parts.registered, -1 when undefined), all in one id space (`strs`).
   */
  srcId: Int32Array;
  nameId: Int32Array;
  regId: Int32Array;
  strs: StringIds;
  /** Per record: the id of its query string (distinct query strings in input order); `queries[q]` is its parts. */
  queryId: Int32Array;
  queries: readonly NameParts[];
}

/**
 * Filter, order and parse the records once; count hosts and the internal queriers of each domain.
 * Each distinct query string is parsed and given its ids once (`NameCache` and a Map by query),
 * each distinct source is checked against the internal networks once.
 */
export function dnsContext(ds: Dataset, s: Readonly<DnsSettings>): DnsContext {
  const judged = judgedRecords(ds.dns);
  const n = judged.length;
  const names = new NameCache();
  const scores = new Map<string, number>();
  const strs = new StringIds();
  // Per distinct query string: its parts and the ids of its name and registered domain. Taken in
  // input order (the order the records were made in: reading them in time order instead is a
  // cache miss per record), then put in time order with the records.
  const byQuery = new Map<string, number>();
  const qParts: NameParts[] = [], qName: number[] = [], qReg: number[] = [];
  const queryOf = new Int32Array(n), srcOf = new Int32Array(n);
  const ts = new Float64Array(n);
  let lastSrc = '', lastSrcId = -1, lastQuery = '', lastQ = -1;
  let ascending = true;
  for (let i = 0; i < n; i++) {
    const d = judged[i]!;
    let q = lastQ;
    if (d.query !== lastQuery || q < 0) {
      const found = byQuery.get(d.query);
      if (found !== undefined) q = found;
      else {
        const p = names.get(d.query);
        q = qParts.length;
        qParts.push(p);
        qName.push(strs.id(p.name));
        qReg.push(p.registered === undefined ? -1 : strs.id(p.registered));
        byQuery.set(d.query, q);
      }
      lastQuery = d.query;
      lastQ = q;
    }
    queryOf[i] = q;
    if (d.orig_h !== lastSrc || lastSrcId < 0) { lastSrc = d.orig_h; lastSrcId = strs.id(d.orig_h); }
    srcOf[i] = lastSrcId;
    ts[i] = d.ts;
    if (i > 0 && d.ts < ts[i - 1]!) ascending = false;
  }
  // Time order, stable (as Array.sort by ts is), without a comparator over scattered objects.
  const order = ascending ? null : stableOrderBy(ts);
  const records = new Array<DnsRecord>(n);
  const parts = new Array<NameParts>(n);
  const srcId = new Int32Array(n), nameId = new Int32Array(n), regId = new Int32Array(n), queryId = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = order === null ? i : order[i]!;
    const q = queryOf[k]!;
    queryId[i] = q;
    records[i] = judged[k]!;
    parts[i] = qParts[q]!;
    nameId[i] = qName[q]!;
    regId[i] = qReg[q]!;
    srcId[i] = srcOf[k]!;
  }
  // Internal sources (one check per distinct source) and the distinct internal queriers per domain.
  const internal = new Uint8Array(strs.size); // 0 not asked, 1 internal, 2 not
  const queriers = new Int32Array(strs.size);
  const pairs = new PairIds();
  const hosts = new Set(ds.internalHosts());
  for (let i = 0; i < n; i++) {
    const src = srcId[i]!;
    let v = internal[src]!;
    if (v === 0) {
      internal[src] = v = ds.internal.contains(strs.values[src]!) ? 1 : 2;
      if (v === 1) hosts.add(strs.values[src]!);
    }
    if (v !== 1) continue;
    const reg = regId[i]!;
    if (reg < 0) continue;
    const before = pairs.size;
    pairs.id(reg, src);
    if (pairs.size !== before) queriers[reg]++;
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
    queriersOf: (reg) => { const id = strs.get(reg); return id >= 0 && id < queriers.length ? queriers[id]! : 0; },
    srcId, nameId, regId, strs, queryId, queries: qParts,
  };
}
