/** Private to the DNS detectors: small scoring and record helpers they share. */
import type { DnsRecord } from '../../records/schema.js';
import { excludedQuery } from './names.js';

/** 0 at or below `low`, 1 at or above `high`, linear between. */
export function ramp(x: number, low: number, high: number): number {
  if (!(high > low)) return x >= high ? 1 : 0;
  return Math.max(0, Math.min(1, (x - low) / (high - low)));
}

/** `ramp` on a log scale (for counts and bytes that span orders of magnitude). */
export function logRamp(x: number, low: number, high: number): number {
  if (x <= low || low <= 0) return x <= low ? 0 : ramp(x, low, high);
  return ramp(Math.log(x), Math.log(low), Math.log(high));
}

/** Round for evidence. */
export const r3 = (x: number): number => Number(x.toFixed(3));

/** Query types that carry data in their answers (tunnels use them); numbers per the IANA registry. */
const DATA_QTYPES = new Set([5 /* CNAME */, 10 /* NULL */, 15 /* MX */, 16 /* TXT */, 255 /* ANY */]);
const DATA_QTYPE_NAMES = new Set(['CNAME', 'NULL', 'MX', 'TXT', 'ANY', '*']);
/** Is this query of a data-carrying type (including the private-use range 65280-65534)? */
export function isDataQtype(d: DnsRecord): boolean {
  if (d.qtype !== undefined) return DATA_QTYPES.has(d.qtype) || (d.qtype >= 65280 && d.qtype <= 65534);
  return d.qtype_name !== undefined && DATA_QTYPE_NAMES.has(d.qtype_name.toUpperCase());
}

/** The records every DNS detector judges: a query name, not multicast DNS nor a reverse lookup. */
export function judgedRecords(dns: readonly DnsRecord[]): DnsRecord[] {
  return dns.filter((d) => excludedQuery(d.query, d.resp_h, d.resp_p) === undefined);
}

/** Group a list by a key, keeping order. */
export function groupBy<T>(xs: Iterable<T>, key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const g = m.get(k);
    if (g === undefined) m.set(k, [x]); else g.push(x);
  }
  return m;
}
