/** Helpers for the intel tests and benchmark: fixture files and record builders (every required field, sensible defaults). Private to src/intel. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConnRecord, DnsRecord, HttpRecord, TlsRecord } from '../records/schema.js';

/** The feed fixtures, in src/intel/testdata (code runs from dist/intel). */
export const TESTDATA = fileURLToPath(new URL('../../src/intel/testdata/', import.meta.url));
/** The text of a fixture. */
export const fixture = (name: string): string => readFileSync(TESTDATA + name, 'utf8');

let n = 0;
const uid = () => `C${(++n).toString(36).padStart(8, '0')}`;

export function conn(orig_h: string, resp_h: string, ts: number, o: Partial<ConnRecord> = {}): ConnRecord {
  return {
    ts, uid: uid(), community_id: '', orig_h, orig_p: 49152 + (n % 1000), resp_h, resp_p: 443, proto: 'tcp', service: '', duration: 1,
    orig_bytes: 100, resp_bytes: 200, conn_state: 'SF', missed_bytes: 0, history: 'ShADadFf', orig_pkts: 5, orig_ip_bytes: 400,
    resp_pkts: 5, resp_ip_bytes: 500, ...o,
  };
}

export function dns(orig_h: string, query: string, answers: string[], ts: number, o: Partial<DnsRecord> = {}): DnsRecord {
  return {
    ts, uid: uid(), orig_h, orig_p: 53000, resp_h: '10.0.0.53', resp_p: 53, proto: 'udp', trans_id: 1, query, qtype: 1, qtype_name: 'A',
    rcode: 0, rcode_name: 'NOERROR', AA: false, TC: false, RD: true, RA: true, Z: 0, answers, TTLs: answers.map(() => 60), rejected: false, ...o,
  };
}

export function tls(orig_h: string, resp_h: string, ts: number, o: Partial<TlsRecord> = {}): TlsRecord {
  return { ts, uid: uid(), orig_h, orig_p: 50000, resp_h, resp_p: 443, established: true, ...o };
}

export function http(orig_h: string, resp_h: string, ts: number, o: Partial<HttpRecord> = {}): HttpRecord {
  return { ts, uid: uid(), orig_h, orig_p: 50001, resp_h, resp_p: 80, trans_depth: 1, method: 'GET', request_body_len: 0, response_body_len: 10, status_code: 200, ...o };
}
