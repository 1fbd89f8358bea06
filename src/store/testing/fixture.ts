/**
 * A small handmade data set with hand-computed answers, for the store contract and lookback
 * tests. Times are offsets from T0 (2024-05-01 00:00:00 UTC).
 *
 * - 10.0.0.5 resolves c2.evil.example (twice) and connects to 203.0.113.10:443 five times at
 *   T0 + 0, 60, 120, 185, 240 (gaps 60 60 65 55: median 60, MAD 2.5), durations 1 2 3 4 10,
 *   100 bytes out and 1000 back each; 203.0.113.10 connects back once to 10.0.0.5:22.
 * - 10.0.0.6 resolves www.evil.example (CNAME cdn.evil.example -> .10 and .11) and
 *   x1.evil.example (NXDOMAIN); connects to .10 three times (443 tcp twice, 8080 udp once;
 *   gaps 100 50: median 75, MAD 25).
 * - 10.0.0.8 connects to 203.0.113.11 once without a lookup we saw.
 * - 198.51.100.1 (external) connects to .10 once.
 * - fd00::7 resolves v6.example.org (AAAA 2001:db8::99) and connects to it twice.
 */
import { createHash } from 'node:crypto';
import type { ConnRecord, DnsRecord, TlsRecord } from '../../records/schema.js';

/** 2024-05-01 00:00:00 UTC. */
export const T0 = 1714521600;

/** A fake but well-formed content hash for test ingests. */
export function fakeSha(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

let uidSeq = 0;
/** A conn record with defaults for everything not given. */
export function conn(p: Partial<ConnRecord> & Pick<ConnRecord, 'ts' | 'orig_h' | 'resp_h' | 'resp_p'>): ConnRecord {
  return {
    uid: `Cfix${(uidSeq++).toString(36).padStart(6, '0')}`, community_id: '1:fixture', orig_p: 40000, proto: 'tcp', service: '',
    duration: 0, orig_bytes: 0, resp_bytes: 0, conn_state: 'SF', missed_bytes: 0, history: 'ShADadFf', orig_pkts: 1,
    orig_ip_bytes: 60, resp_pkts: 1, resp_ip_bytes: 60, ...p,
  };
}

/** A DNS record with defaults for everything not given. */
export function dns(p: Partial<DnsRecord> & Pick<DnsRecord, 'ts' | 'orig_h' | 'query'>): DnsRecord {
  return {
    uid: `Dfix${(uidSeq++).toString(36).padStart(6, '0')}`, orig_p: 50000, resp_h: '10.0.0.53', resp_p: 53, proto: 'udp', trans_id: 1,
    qclass: 1, qclass_name: 'C_INTERNET', qtype: 1, qtype_name: 'A', rcode: 0, rcode_name: 'NOERROR',
    AA: false, TC: false, RD: true, RA: true, Z: 0, answers: [], TTLs: [], rejected: false, ...p,
  };
}

/** A TLS record with defaults for everything not given. */
export function tls(p: Partial<TlsRecord> & Pick<TlsRecord, 'ts' | 'orig_h' | 'resp_h'>): TlsRecord {
  return { uid: `Tfix${(uidSeq++).toString(36).padStart(6, '0')}`, orig_p: 40000, resp_p: 443, established: true, ...p };
}

/** The fixture's records. */
export function fixture(): { conn: ConnRecord[]; dns: DnsRecord[]; tls: TlsRecord[] } {
  const c2 = '203.0.113.10';
  const conns: ConnRecord[] = [
    ...[0, 60, 120, 185, 240].map((o, i) => conn({ ts: T0 + o, orig_h: '10.0.0.5', resp_h: c2, resp_p: 443, duration: [1, 2, 3, 4, 10][i]!, orig_bytes: 100, resp_bytes: 1000, service: 'ssl' })),
    conn({ ts: T0 + 500, orig_h: c2, orig_p: 51000, resp_h: '10.0.0.5', resp_p: 22, duration: 30, orig_bytes: 300, resp_bytes: 400 }),
    conn({ ts: T0 + 1000, orig_h: '10.0.0.6', resp_h: c2, resp_p: 443, duration: 0.5, orig_bytes: 10, resp_bytes: 20 }),
    conn({ ts: T0 + 1100, orig_h: '10.0.0.6', resp_h: c2, resp_p: 8080, proto: 'udp', conn_state: 'S0', history: 'D', orig_bytes: 5 }),
    conn({ ts: T0 + 1150, orig_h: '10.0.0.6', resp_h: c2, resp_p: 443, duration: 0.5, orig_bytes: 10, resp_bytes: 20 }),
    conn({ ts: T0 + 1200, orig_h: '10.0.0.8', resp_h: '203.0.113.11', resp_p: 443, duration: 2, orig_bytes: 50, resp_bytes: 60 }),
    conn({ ts: T0 + 1300, orig_h: '198.51.100.1', resp_h: c2, resp_p: 443, duration: 1, orig_bytes: 1, resp_bytes: 1 }),
    conn({ ts: T0 + 10, orig_h: 'fd00::7', resp_h: '2001:db8::99', resp_p: 443, duration: 1, orig_bytes: 7, resp_bytes: 70 }),
    conn({ ts: T0 + 70, orig_h: 'fd00::7', resp_h: '2001:db8::99', resp_p: 443, duration: 1, orig_bytes: 7, resp_bytes: 70 }),
  ];
  const dnsRecs: DnsRecord[] = [
    dns({ ts: T0 - 5, orig_h: '10.0.0.5', query: 'c2.evil.example', answers: [c2], TTLs: [60] }),
    dns({ ts: T0 + 100, orig_h: '10.0.0.5', query: 'c2.evil.example', answers: [c2], TTLs: [60] }),
    dns({ ts: T0 + 900, orig_h: '10.0.0.6', query: 'www.evil.example', answers: ['cdn.evil.example', c2, '203.0.113.11'], TTLs: [300, 60, 60] }),
    dns({ ts: T0 + 950, orig_h: '10.0.0.6', query: 'x1.evil.example', rcode: 3, rcode_name: 'NXDOMAIN' }),
    dns({ ts: T0 + 5, orig_h: 'fd00::7', resp_h: 'fd00::53', query: 'v6.example.org', qtype: 28, qtype_name: 'AAAA', answers: ['2001:db8::99'], TTLs: [30] }),
  ];
  const tlsRecs: TlsRecord[] = [
    tls({ ts: T0 + 0.01, orig_h: '10.0.0.5', resp_h: c2, server_name: 'c2.evil.example', ja3: 'abc', ja4: 't13d', version: 'TLSv12', self_signed: true, subject: 'CN=c2', issuer: 'CN=c2' }),
    tls({ ts: T0 + 60.01, orig_h: '10.0.0.5', resp_h: c2, server_name: 'c2.evil.example', ja3: 'abc', ja4: 't13d', version: 'TLSv12' }),
    tls({ ts: T0 + 1000.01, orig_h: '10.0.0.6', resp_h: c2 }),
  ];
  return { conn: conns, dns: dnsRecs, tls: tlsRecs };
}
