/**
 * Passive DNS from DNS records: every name of an answer chain (the query, then each CNAME
 * target) maps to the addresses that follow it, as in detect/dataset.ts. Backends accumulate
 * the pairs of an ingest here and merge them into their history in one step at commit.
 */
import type { DnsRecord } from '../records/schema.js';
import type { PdnsEntry } from '../detect/dataset.js';

/** Is this answer an address (A/AAAA) rather than a name (CNAME ...)? */
export function isAddressAnswer(a: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(a) || (a.includes(':') && /^[0-9a-f:.]+$/i.test(a));
}

/** A DNS name as stored: lower case, without the trailing dot. */
export function normalizeName(n: string): string {
  const l = n.toLowerCase();
  return l.endsWith('.') ? l.slice(0, -1) : l;
}

/** Call `emit(name, ip)` for every (name, address) pair of a DNS answer chain. */
export function forEachPdnsPair(d: DnsRecord, emit: (name: string, ip: string) => void): void {
  const answers = d.answers;
  if (answers === undefined || answers.length === 0 || !d.query) return;
  const names = [normalizeName(d.query)];
  for (const a of answers) {
    if (typeof a !== 'string' || a.length === 0) continue;
    if (!isAddressAnswer(a)) { names.push(normalizeName(a)); continue; }
    for (const n of names) emit(n, a);
  }
}

/**
 * Passive-DNS entries of one ingest, keyed by (name, address). Bounded: `drain` hands the
 * entries out and empties the map (the caller stages them and merges at commit).
 */
export class PdnsAccumulator {
  private readonly map = new Map<string, PdnsEntry>();

  /** Entries held. */
  get size(): number {
    return this.map.size;
  }

  add(d: DnsRecord): void {
    const ts = d.ts;
    forEachPdnsPair(d, (fqdn, ip) => {
      const key = `${fqdn}\u0000${ip}`;
      const e = this.map.get(key);
      if (e === undefined) this.map.set(key, { fqdn, ip, first: ts, last: ts, count: 1 });
      else {
        e.count++;
        if (ts < e.first) e.first = ts;
        if (ts > e.last) e.last = ts;
      }
    });
  }

  /** The entries so far; the accumulator is empty afterwards. */
  drain(): PdnsEntry[] {
    const out = [...this.map.values()];
    this.map.clear();
    return out;
  }
}
