/**
 * Suricata EVE JSON (one event per line) to c2hunt records.
 *
 * Common fields, every event:
 * | record field              | EVE                                                                      |
 * |---------------------------|--------------------------------------------------------------------------|
 * | ts                        | `timestamp` (ISO 8601; no zone = UTC); conn: `flow.start`                |
 * | uid                       | `E` + `flow_id` in decimal (read from the text: flow ids exceed 2^53)    |
 * | orig_h/p, resp_h/p        | `src_ip`, `src_port`, `dest_ip`, `dest_port` (ICMP: `icmp_type`, `icmp_code`); IPv6 made canonical |
 * | proto                     | `proto` (TCP, UDP, ICMP, IPv6-ICMP; others unknown_transport)           |
 * | community_id              | `community_id`, else computed (v1, seed 0)                               |
 *
 * event_type flow -> conn:
 * | conn field                | EVE flow                                                                 |
 * |---------------------------|--------------------------------------------------------------------------|
 * | duration                  | `flow.end` - `flow.start`                                                |
 * | orig_pkts, resp_pkts      | `flow.pkts_toserver`, `flow.pkts_toclient`                               |
 * | orig_ip_bytes, resp_ip_bytes | `flow.bytes_toserver`, `flow.bytes_toclient`: Suricata counts whole frames (link header included, e.g. 14 bytes per packet on Ethernet); kept as they are since the link type is not logged |
 * | orig_bytes, resp_bytes    | estimate: frame bytes - packets x (14 + IP header 20/40 + TCP 20 / UDP 8 / ICMP 8), at least 0 (an upper bound: options are not counted) |
 * | service                   | `app_proto` (`tls` -> `ssl` as Zeek names it; `failed` -> '')             |
 * | conn_state                | from `tcp.tcp_flags_ts` (originator) and `tcp.tcp_flags_tc` (responder), table below |
 * | history, missed_bytes     | '' and 0 (not logged)                                                    |
 * | vlan                      | `vlan[0]`                                                                |
 *
 * conn_state (S = originator SYN, H = responder SYN, R/r = originator/responder RST, F/f = FIN):
 * | flags seen                 | state  |   | flags seen                 | state  |
 * |----------------------------|--------|---|----------------------------|--------|
 * | S, no H, r                 | REJ    |   | S H, R                     | RSTO   |
 * | S, no H, R                 | RSTOS0 |   | S H, r                     | RSTR   |
 * | S, no H, F                 | SH     |   | S H, F f                   | SF     |
 * | S, no H, nothing else      | S0     |   | S H, F only / f only       | S2 / S3 |
 * | no S, H, r                 | RSTRH  |   | S H, neither               | S1     |
 * | no S, H, f                 | SHR    |   | no S, no H                 | OTH    |
 * | UDP/ICMP/other: reply packets ? SF : S0 | | | TCP without `tcp` flags: flow.state new S0, established S1, closed SF, else OTH |
 *
 * event_type dns -> dns (v1, v2 and v3 formats): `dns.id` -> trans_id; query name and type from
 * the query event's `rrname`/`rrtype` (v3: `queries[0]`); `rcode`, `aa tc rd ra z` from the
 * response; answers from `answers[].rdata` with `ttl` (detailed) or the `grouped` lists (TTLs 0:
 * the grouped format has none); v1 logs one event per answer and they are gathered. A query
 * and its response are paired by (`flow_id`, `id`) when both are in the file (rtt = their time
 * difference), within DNS_PAIR_WINDOW_S seconds and MAX_PENDING_DNS open queries; otherwise
 * each becomes a record on its own (a query without response has no rcode). A response without
 * its query whose source port is 53 (Suricata logs UDP responses in packet direction) has its
 * endpoints swapped so the client is the originator. qclass is not logged by Suricata.
 *
 * event_type tls -> tls: `sni` server_name; `version` (TLSv1 -> TLSv10, `TLS 1.2` -> TLSv12 ...;
 * UNDETERMINED unset); `server_handshake.cipher` cipher; `ja3.hash`/`ja3.string`, `ja3s.*`,
 * `ja4`; `client_alpns` alpn; `server_alpns[0]` next_protocol; `subject`; `issuerdn` issuer;
 * `notbefore`/`notafter` validity; `fingerprint` (SHA-1 with colons) cert_sha1; self_signed =
 * subject equals issuer. established = a ServerHello was evidently seen (ja3s, a certificate,
 * `server_handshake`, a server ALPN, or `session_resumed`); a ClientHello alone is not.
 *
 * event_type http -> http: `hostname` host, `url` uri, `http_user_agent` user_agent,
 * `http_method` method, `http_refer` referrer, `protocol` (HTTP/1.1 -> 1.1) version, `status`
 * status_code (a status that is not a number, or `status_string`, goes to status_msg), `length`
 * response_body_len; trans_depth = `tx_id` + 1; request_body_len 0 (not logged).
 *
 * event_type ssh -> ssh: client/server = `SSH-<proto_version>-<software_version>`.
 *
 * event_type alert: counted in the result's `alerts`, not stored yet (alerts will become intel
 * findings; the record schema has no place for them today). Other event types (stats, fileinfo,
 * anomaly, netflow ...) are counted under `ignored` as `eve:<type>`.
 */
import type { ConnRecord, DnsRecord, HttpRecord, SshRecord, TlsRecord, Transport } from '../records/schema.js';
import { rcodeName, typeName } from '../sensor/apps/dns/index.js';
import { cipherName } from '../sensor/apps/tls/index.js';
import type { LineReader, ReadContext } from './types.js';
import { canonicalAddr, LineError, parseIsoTime, quote, textCommunityId } from './values.js';

/** Seconds a DNS query waits for its response event before it is emitted alone. */
export const DNS_PAIR_WINDOW_S = 60;
/** DNS queries awaiting their response at most; beyond it the oldest is emitted alone. */
export const MAX_PENDING_DNS = 100_000;
/** Answers kept per DNS record (as the packet sensor's MAX_ANSWERS); the rest are dropped. */
export const MAX_DNS_ANSWERS = 100;

/** Per-packet header bytes assumed when estimating payload from frame bytes: Ethernet. */
const LINK_HEADER = 14;
const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const TCP_HEADER = 20;
const UDP_HEADER = 8;
const ICMP_HEADER = 8;

/** Event types parsed; the others are counted without parsing the line. */
const HANDLED = new Set(['flow', 'dns', 'tls', 'http', 'ssh']);

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(o: Obj, key: string): Obj {
  const v = o[key];
  if (!isObj(v)) throw new LineError(`missing ${key} object`);
  return v;
}

function optNum(o: Obj, key: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.length > 0) {
    const n = Number(v);
    if (n === n) return n;
  }
  throw new LineError(`bad number in ${key}: ${quote(v)}`);
}

function optStr(o: Obj, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new LineError(`bad string in ${key}: ${quote(v)}`);
}

function time(v: unknown, key: string): number {
  const t = typeof v === 'string' ? parseIsoTime(v) : NaN;
  if (t !== t) throw new LineError(`bad time in ${key}: ${quote(v)}`);
  return t;
}

/** Protocol numbers of Suricata's protocol names. */
const PROTO_NUMBERS: Record<string, number> = {
  TCP: 6, UDP: 17, ICMP: 1, 'IPV6-ICMP': 58, ICMPV6: 58, SCTP: 132, GRE: 47, ESP: 50, AH: 51,
};

function protoNumber(p: unknown): number {
  if (typeof p === 'number') return p;
  if (typeof p !== 'string') return 0;
  const n = PROTO_NUMBERS[p.toUpperCase()];
  if (n !== undefined) return n;
  const d = Number(p);
  return Number.isInteger(d) ? d : 0;
}

function transportOfNumber(n: number): Transport {
  return n === 6 ? 'tcp' : n === 17 ? 'udp' : n === 1 || n === 58 ? 'icmp' : 'unknown_transport';
}

/** The event's endpoints and protocol. */
interface Tuple {
  orig_h: string;
  orig_p: number;
  resp_h: string;
  resp_p: number;
  protoNum: number;
  proto: Transport;
}

function addr(o: Obj, key: string): string {
  const v = o[key];
  const a = typeof v === 'string' ? canonicalAddr(v) : undefined;
  if (a === undefined) throw new LineError(`bad address in ${key}: ${quote(v)}`);
  return a;
}

function tuple(o: Obj): Tuple {
  const protoNum = protoNumber(o['proto']);
  const proto = transportOfNumber(protoNum);
  const icmp = proto === 'icmp';
  return {
    orig_h: addr(o, 'src_ip'),
    orig_p: (icmp ? optNum(o, 'icmp_type') : optNum(o, 'src_port')) ?? 0,
    resp_h: addr(o, 'dest_ip'),
    resp_p: (icmp ? optNum(o, 'icmp_code') : optNum(o, 'dest_port')) ?? 0,
    protoNum,
    proto,
  };
}

/** `E` + the flow id's digits as written (JSON numbers above 2^53 would lose digits). */
function flowUid(text: string, o: Obj): string {
  const at = text.indexOf('"flow_id"');
  if (at >= 0) {
    let i = at + 9;
    while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 58) i++;
    let j = i;
    while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
    if (j > i) return 'E' + text.slice(i, j);
  }
  const f = o['flow_id'];
  return typeof f === 'number' || typeof f === 'string' ? 'E' + String(f) : '';
}

/** The event_type of a compact EVE line without parsing it (undefined when not found so). */
function quickEventType(text: string): string | undefined {
  const at = text.indexOf('"event_type":"');
  if (at < 0) return undefined;
  const end = text.indexOf('"', at + 14);
  return end < 0 ? undefined : text.slice(at + 14, end);
}

/** Zeek's spelling of Suricata's TLS version names. */
export function tlsVersion(v: string | undefined): string | undefined {
  if (v === undefined || v === 'UNDETERMINED' || v === '') return undefined;
  if (v === 'TLSv1' || v === 'TLS 1.0' || v === 'TLSv1.0') return 'TLSv10';
  const m = /^TLS ?v?1\.([0-3])/.exec(v);
  if (m !== null) return 'TLSv1' + m[1];
  return v.replace(/\s+/g, '');
}

/** TCP flag bits in Suricata's hex strings. */
const FIN = 0x01, SYN = 0x02, RST = 0x04;

function hexFlags(v: unknown): number {
  if (typeof v !== 'string') return 0;
  const n = parseInt(v, 16);
  return Number.isNaN(n) ? 0 : n;
}

/** Zeek conn_state from the flags each side sent (see the table above). */
export function connStateFromFlags(ts: number, tc: number): string {
  const s = (ts & SYN) !== 0;
  const h = (tc & SYN) !== 0;
  const R = (ts & RST) !== 0, r = (tc & RST) !== 0, F = (ts & FIN) !== 0, f = (tc & FIN) !== 0;
  if (s && !h) return r ? 'REJ' : R ? 'RSTOS0' : F ? 'SH' : 'S0';
  if (s && h) return R ? 'RSTO' : r ? 'RSTR' : F && f ? 'SF' : F ? 'S2' : f ? 'S3' : 'S1';
  if (h) return r ? 'RSTRH' : f ? 'SHR' : 'OTH';
  return 'OTH';
}

function payloadEstimate(bytes: number, pkts: number, tp: Tuple, v6: boolean): number {
  const l4 = tp.proto === 'tcp' ? TCP_HEADER : tp.proto === 'udp' ? UDP_HEADER : tp.proto === 'icmp' ? ICMP_HEADER : 0;
  const per = LINK_HEADER + (v6 ? IPV6_HEADER : IPV4_HEADER) + l4;
  return Math.max(0, bytes - pkts * per);
}

function service(app: string | undefined): string {
  if (app === undefined || app === 'failed' || app === 'unknown') return '';
  return app === 'tls' ? 'ssl' : app;
}

// ---- DNS pairing ----

/** What one DNS event contributes, extracted (and checked) when its line is read. */
interface DnsEvent {
  ts: number;
  uid: string;
  tp: Tuple;
  id: number;
  qname?: string;
  qtype?: string;
  rcode?: string;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  z: boolean;
}

interface PendingDns {
  query?: DnsEvent;
  resp?: DnsEvent;
  /** Answers of the response (v1: gathered from one event per answer). */
  answers: string[];
  ttls: number[];
  /** Time of the latest event, for the pairing window. */
  last: number;
}

const QTYPE_NUMBERS = new Map<string, number>();
const RCODE_NUMBERS = new Map<string, number>();
function initNames(): void {
  if (QTYPE_NUMBERS.size > 0) return;
  for (let t = 0; t < 65536; t++) {
    const n = typeName(t);
    if (!n.startsWith('TYPE')) QTYPE_NUMBERS.set(n, t);
  }
  for (let r = 0; r < 4096; r++) {
    const n = rcodeName(r);
    if (!n.startsWith('RCODE')) RCODE_NUMBERS.set(n, r);
  }
}

function nameNumber(map: Map<string, number>, prefix: string, name: string): number | undefined {
  const n = map.get(name.toUpperCase());
  if (n !== undefined) return n;
  if (name.startsWith(prefix)) {
    const d = Number(name.slice(prefix.length));
    if (Number.isInteger(d)) return d;
  }
  return undefined;
}

/** Text of one answer value: a string, or the main name of SOA/SRV/SSHFP objects. */
function rdataText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (isObj(v)) {
    for (const k of ['mname', 'name', 'fingerprint']) if (typeof v[k] === 'string') return v[k] as string;
  }
  return undefined;
}

/** Answers of a v2/v3 response: detailed `answers` with TTLs, else `grouped` (TTL 0). */
function responseAnswers(dns: Obj, answers: string[], ttls: number[]): void {
  const a = dns['answers'];
  if (Array.isArray(a)) {
    for (const x of a) {
      if (!isObj(x)) continue;
      const text = rdataText(x['rdata']) ?? rdataText(x['soa']) ?? rdataText(x['srv']) ?? rdataText(x['sshfp']);
      if (text === undefined || answers.length >= MAX_DNS_ANSWERS) continue;
      answers.push(text);
      ttls.push(typeof x['ttl'] === 'number' ? x['ttl'] : 0);
    }
    return;
  }
  const g = dns['grouped'];
  if (isObj(g)) {
    for (const k in g) {
      const list = g[k];
      if (!Array.isArray(list)) continue;
      for (const x of list) {
        const text = rdataText(x);
        if (text === undefined || answers.length >= MAX_DNS_ANSWERS) continue;
        answers.push(text);
        ttls.push(0);
      }
    }
  }
}

/** Query name and type: v3 `queries[0]`, else the event's own `rrname`/`rrtype`. */
function queryOf(dns: Obj): { name?: string; type?: string } {
  const qs = dns['queries'];
  if (Array.isArray(qs) && isObj(qs[0])) return { name: optStr(qs[0], 'rrname'), type: optStr(qs[0], 'rrtype') };
  return { name: optStr(dns, 'rrname'), type: optStr(dns, 'rrtype') };
}

/** DNS server ports: a response from one of these to another port is in packet direction. */
const DNS_PORTS = new Set([53, 5353, 5355, 853]);

/** Reads one EVE file. */
export class SuricataEveReader implements LineReader {
  private readonly pending = new Map<string, PendingDns>();

  constructor(private readonly ctx: ReadContext) {
    initNames();
  }

  line(text: string): void {
    if (text.length === 0) return;
    const quick = quickEventType(text);
    if (quick !== undefined && !HANDLED.has(quick)) {
      this.other(quick);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new LineError(`not JSON (${(e as Error).message})`);
    }
    if (!isObj(parsed)) throw new LineError('not a JSON object');
    const o = parsed;
    const type = o['event_type'];
    if (typeof type !== 'string') throw new LineError('no event_type');
    switch (type) {
      case 'flow':
        this.flow(o, text);
        break;
      case 'dns':
        this.dns(o, text);
        break;
      case 'tls':
        this.tls(o, text);
        break;
      case 'http':
        this.http(o, text);
        break;
      case 'ssh':
        this.ssh(o, text);
        break;
      default:
        this.other(type);
    }
  }

  private other(type: string): void {
    if (type === 'alert') this.ctx.result.alerts++;
    else this.ctx.ignore('eve:' + type);
  }

  private communityId(o: Obj, tp: Tuple): string {
    const c = o['community_id'];
    if (typeof c === 'string') return c;
    return textCommunityId(tp.orig_h, tp.resp_h, tp.protoNum, tp.orig_p, tp.resp_p);
  }

  private flow(o: Obj, text: string): void {
    const f = obj(o, 'flow');
    const tp = tuple(o);
    const ts = f['start'] !== undefined ? time(f['start'], 'flow.start') : time(o['timestamp'], 'timestamp');
    const end = f['end'] !== undefined ? time(f['end'], 'flow.end') : ts;
    const op = optNum(f, 'pkts_toserver') ?? 0, rp = optNum(f, 'pkts_toclient') ?? 0;
    const ob = optNum(f, 'bytes_toserver') ?? 0, rb = optNum(f, 'bytes_toclient') ?? 0;
    const v6 = tp.orig_h.indexOf(':') >= 0;
    let state: string;
    const tcp = o['tcp'];
    if (tp.proto === 'tcp') {
      if (isObj(tcp) && (tcp['tcp_flags_ts'] !== undefined || tcp['tcp_flags_tc'] !== undefined)) {
        state = connStateFromFlags(hexFlags(tcp['tcp_flags_ts']), hexFlags(tcp['tcp_flags_tc']));
      } else {
        const st = f['state'];
        state = st === 'new' ? 'S0' : st === 'established' ? 'S1' : st === 'closed' ? 'SF' : 'OTH';
      }
    } else state = rp > 0 ? 'SF' : 'S0';
    const rec: ConnRecord = {
      ts,
      uid: flowUid(text, o),
      community_id: this.communityId(o, tp),
      orig_h: tp.orig_h,
      orig_p: tp.orig_p,
      resp_h: tp.resp_h,
      resp_p: tp.resp_p,
      proto: tp.proto,
      service: service(optStr(o, 'app_proto')),
      duration: Math.max(0, Math.round((end - ts) * 1e6) / 1e6),
      orig_bytes: payloadEstimate(ob, op, tp, v6),
      resp_bytes: payloadEstimate(rb, rp, tp, v6),
      conn_state: state,
      missed_bytes: 0,
      history: '',
      orig_pkts: op,
      orig_ip_bytes: ob,
      resp_pkts: rp,
      resp_ip_bytes: rb,
    };
    const vlan = o['vlan'];
    if (Array.isArray(vlan) && typeof vlan[0] === 'number') rec.vlan = vlan[0];
    else if (typeof vlan === 'number') rec.vlan = vlan;
    this.ctx.emit('conn', rec);
  }

  private tls(o: Obj, text: string): void {
    const t = obj(o, 'tls');
    const tp = tuple(o);
    const rec: TlsRecord = {
      ts: time(o['timestamp'], 'timestamp'),
      uid: flowUid(text, o),
      orig_h: tp.orig_h,
      orig_p: tp.orig_p,
      resp_h: tp.resp_h,
      resp_p: tp.resp_p,
      established: false,
    };
    const sh = isObj(t['server_handshake']) ? t['server_handshake'] : undefined;
    const version = tlsVersion(optStr(t, 'version') ?? (sh !== undefined ? optStr(sh, 'version') : undefined));
    if (version !== undefined) rec.version = version;
    const cipher = sh !== undefined ? optNum(sh, 'cipher') : undefined;
    if (cipher !== undefined) rec.cipher = cipherName(cipher);
    const sni = optStr(t, 'sni');
    if (sni !== undefined) rec.server_name = sni;
    const ca = t['client_alpns'];
    if (Array.isArray(ca)) rec.alpn = ca.filter((x): x is string => typeof x === 'string');
    const sa = t['server_alpns'];
    if (Array.isArray(sa) && typeof sa[0] === 'string') rec.next_protocol = sa[0];
    if (isObj(t['ja3'])) {
      const h = optStr(t['ja3'], 'hash'), s = optStr(t['ja3'], 'string');
      if (h !== undefined) rec.ja3 = h;
      if (s !== undefined) rec.ja3_string = s;
    }
    if (isObj(t['ja3s'])) {
      const h = optStr(t['ja3s'], 'hash'), s = optStr(t['ja3s'], 'string');
      if (h !== undefined) rec.ja3s = h;
      if (s !== undefined) rec.ja3s_string = s;
    }
    const ja4 = optStr(t, 'ja4');
    if (ja4 !== undefined) rec.ja4 = ja4;
    const subject = optStr(t, 'subject'), issuer = optStr(t, 'issuerdn');
    if (subject !== undefined) rec.subject = subject;
    if (issuer !== undefined) rec.issuer = issuer;
    if (subject !== undefined && issuer !== undefined) rec.self_signed = subject === issuer;
    if (t['notbefore'] !== undefined) rec.not_valid_before = time(t['notbefore'], 'tls.notbefore');
    if (t['notafter'] !== undefined) rec.not_valid_after = time(t['notafter'], 'tls.notafter');
    const fp = optStr(t, 'fingerprint');
    if (fp !== undefined) rec.cert_sha1 = fp.replace(/:/g, '').toLowerCase();
    rec.established = rec.ja3s !== undefined || subject !== undefined || fp !== undefined || sh !== undefined
      || t['session_resumed'] === true || rec.next_protocol !== undefined;
    this.ctx.emit('tls', rec);
  }

  private http(o: Obj, text: string): void {
    const h = obj(o, 'http');
    const tp = tuple(o);
    const tx = optNum(o, 'tx_id');
    const rec: HttpRecord = {
      ts: time(o['timestamp'], 'timestamp'),
      uid: flowUid(text, o),
      orig_h: tp.orig_h,
      orig_p: tp.orig_p,
      resp_h: tp.resp_h,
      resp_p: tp.resp_p,
      trans_depth: tx !== undefined ? tx + 1 : 1,
      request_body_len: 0,
      response_body_len: optNum(h, 'length') ?? 0,
    };
    const method = optStr(h, 'http_method');
    if (method !== undefined) rec.method = method;
    const host = optStr(h, 'hostname');
    if (host !== undefined) rec.host = host;
    const uri = optStr(h, 'url');
    if (uri !== undefined) rec.uri = uri;
    const ref = optStr(h, 'http_refer');
    if (ref !== undefined) rec.referrer = ref;
    const proto = optStr(h, 'protocol');
    if (proto !== undefined) rec.version = proto.startsWith('HTTP/') ? proto.slice(5) : proto;
    const ua = optStr(h, 'http_user_agent');
    if (ua !== undefined) rec.user_agent = ua;
    const st = h['status'];
    if (st !== undefined && st !== null) {
      const n = typeof st === 'number' ? st : Number(st);
      if (Number.isInteger(n)) rec.status_code = n;
      else rec.status_msg = String(st);
    }
    const ss = optStr(h, 'status_string');
    if (ss !== undefined && rec.status_msg === undefined) rec.status_msg = ss;
    this.ctx.emit('http', rec);
  }

  private ssh(o: Obj, text: string): void {
    const s = obj(o, 'ssh');
    const tp = tuple(o);
    const rec: SshRecord = {
      ts: time(o['timestamp'], 'timestamp'),
      uid: flowUid(text, o),
      orig_h: tp.orig_h,
      orig_p: tp.orig_p,
      resp_h: tp.resp_h,
      resp_p: tp.resp_p,
    };
    const banner = (side: unknown): string | undefined => {
      if (!isObj(side)) return undefined;
      const p = optStr(side, 'proto_version'), sw = optStr(side, 'software_version');
      if (p === undefined && sw === undefined) return undefined;
      return `SSH-${p ?? ''}-${sw ?? ''}`;
    };
    const c = banner(s['client']), sv = banner(s['server']);
    if (c !== undefined) rec.client = c;
    if (sv !== undefined) rec.server = sv;
    this.ctx.emit('ssh', rec);
  }

  private dns(o: Obj, text: string): void {
    const dns = obj(o, 'dns');
    const kind = dns['type'];
    const q = queryOf(dns);
    const ev: DnsEvent = {
      ts: time(o['timestamp'], 'timestamp'), uid: flowUid(text, o), tp: tuple(o), id: optNum(dns, 'id') ?? 0,
      qname: q.name, qtype: q.type, rcode: optStr(dns, 'rcode'),
      aa: dns['aa'] === true, tc: dns['tc'] === true, rd: dns['rd'] === true, ra: dns['ra'] === true, z: dns['z'] === true,
    };
    const key = `${ev.uid || `${ev.tp.orig_h}|${ev.tp.orig_p}|${ev.tp.resp_h}|${ev.tp.resp_p}`}:${ev.id}`;
    this.expire(ev.ts);
    if (kind === 'query' || kind === 'request') {
      const p = this.pending.get(key);
      if (p !== undefined) {
        this.pending.delete(key);
        this.emitDns(p);
      }
      this.pending.set(key, { query: ev, answers: [], ttls: [], last: ev.ts });
      this.evictOverflow();
      return;
    }
    if (kind !== 'answer' && kind !== 'response') throw new LineError(`bad dns.type: ${quote(kind)}`);
    const v1 = dns['version'] === undefined && !Array.isArray(dns['answers']) && dns['grouped'] === undefined
      && dns['queries'] === undefined;
    let p = this.pending.get(key);
    if (v1) {
      // One event per answer record: gather them; emitted when the window closes or at the end.
      if (p === undefined) {
        p = { answers: [], ttls: [], last: ev.ts };
        this.pending.set(key, p);
        this.evictOverflow();
      }
      if (p.resp === undefined) p.resp = ev;
      p.last = ev.ts;
      const rd = rdataText(dns['rdata']);
      if (rd !== undefined && p.answers.length < MAX_DNS_ANSWERS) {
        p.answers.push(rd);
        p.ttls.push(typeof dns['ttl'] === 'number' ? dns['ttl'] : 0);
      }
      return;
    }
    if (p !== undefined && p.resp === undefined) this.pending.delete(key);
    else p = { answers: [], ttls: [], last: ev.ts };
    p.resp = ev;
    responseAnswers(dns, p.answers, p.ttls);
    this.emitDns(p);
  }

  /** Emit queries whose response did not come within the window. */
  private expire(now: number): void {
    for (const [k, p] of this.pending) {
      if (p.last >= now - DNS_PAIR_WINDOW_S) break;
      this.pending.delete(k);
      this.emitDns(p);
    }
  }

  private evictOverflow(): void {
    while (this.pending.size > MAX_PENDING_DNS) {
      const [k, p] = this.pending.entries().next().value as [string, PendingDns];
      this.pending.delete(k);
      this.emitDns(p);
    }
  }

  private emitDns(p: PendingDns): void {
    const q = p.query, r = p.resp;
    const first = (q ?? r)!;
    let tp = first.tp;
    if (q === undefined && DNS_PORTS.has(tp.orig_p) && !DNS_PORTS.has(tp.resp_p)) {
      tp = { ...tp, orig_h: tp.resp_h, orig_p: tp.resp_p, resp_h: tp.orig_h, resp_p: tp.orig_p };
    }
    const flags = (r ?? q)!;
    const rec: DnsRecord = {
      ts: first.ts,
      uid: first.uid,
      orig_h: tp.orig_h,
      orig_p: tp.orig_p,
      resp_h: tp.resp_h,
      resp_p: tp.resp_p,
      proto: tp.proto,
      trans_id: first.id,
      query: (q?.qname ?? r?.qname ?? '').replace(/\.$/, ''),
      AA: flags.aa,
      TC: flags.tc,
      RD: flags.rd,
      RA: flags.ra,
      Z: flags.z ? 1 : 0,
      answers: p.answers,
      TTLs: p.ttls,
      rejected: false,
    };
    const qtype = q?.qtype ?? r?.qtype;
    if (qtype !== undefined) {
      rec.qtype_name = qtype;
      const n = nameNumber(QTYPE_NUMBERS, 'TYPE', qtype);
      if (n !== undefined) rec.qtype = n;
    }
    if (r !== undefined) {
      const rc = r.rcode;
      if (rc !== undefined) {
        rec.rcode_name = rc;
        const n = nameNumber(RCODE_NUMBERS, 'RCODE', rc);
        if (n !== undefined) rec.rcode = n;
        rec.rejected = rc !== 'NOERROR' && rc !== 'NXDOMAIN';
      }
      if (q !== undefined && r.ts >= q.ts) rec.rtt = Math.round((r.ts - q.ts) * 1e6) / 1e6;
    }
    this.ctx.emit('dns', rec);
  }

  end(): void {
    for (const p of this.pending.values()) this.emitDns(p);
    this.pending.clear();
  }
}
