/** Private test helpers of the DNS detectors: DnsRecords and datasets made by hand. */
import type { DnsRecord } from '../../records/schema.js';
import { buildDataset, type Dataset } from '../dataset.js';

const RCODES: Record<number, string> = { 0: 'NOERROR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 5: 'REFUSED' };
const QTYPES: Record<string, number> = { A: 1, NS: 2, CNAME: 5, NULL: 10, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, ANY: 255 };
let seq = 0;

/** A DNS record with ordinary defaults: an A query over UDP to 10.0.0.53, answered NOERROR. */
export function dnsRec(over: Partial<DnsRecord> & { query: string; ts: number; qt?: string }): DnsRecord {
  const qt = over.qt ?? 'A';
  const rcode = 'rcode' in over ? over.rcode : 0;
  const r: DnsRecord = {
    ts: over.ts, uid: over.uid ?? `C${(seq++).toString(36)}`, orig_h: '10.0.0.5', orig_p: 40000 + (seq % 20000),
    resp_h: '10.0.0.53', resp_p: 53, proto: 'udp', trans_id: seq & 0xffff, query: over.query,
    qclass: 1, qclass_name: 'C_INTERNET', qtype: QTYPES[qt] ?? 1, qtype_name: qt,
    AA: false, TC: false, RD: true, RA: true, Z: 0,
    answers: rcode === 0 && qt === 'A' ? ['198.51.100.7'] : [], TTLs: rcode === 0 && qt === 'A' ? [60] : [], rejected: rcode !== undefined && rcode !== 0 && rcode !== 3,
  };
  const rest: Partial<DnsRecord> & { qt?: string } = { ...over };
  delete rest.qt;
  Object.assign(r, rest);
  if (rcode !== undefined) { r.rcode = rcode; r.rcode_name = RCODES[rcode] ?? `RCODE${rcode}`; } else { delete r.rcode; delete r.rcode_name; }
  return r;
}

/** A dataset of DNS records only (default internal networks). */
export function dnsDataset(dns: DnsRecord[]): Dataset {
  return buildDataset({ dns: [...dns].sort((a, b) => a.ts - b.ts) });
}

/** A small deterministic PRNG (LCG), so generated names are the same on every run. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 0x100000000; };
}

/** `n` characters drawn from `alphabet`. */
export function randomString(rnd: () => number, alphabet: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[Math.floor(rnd() * alphabet.length)];
  return out;
}
