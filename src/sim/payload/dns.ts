/** DNS messages (RFC 1035) with name compression: queries and answers for the simulator. */
import { ip } from '../addr.js';

/** Query/record types used. */
export const QTYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33 } as const;
/** Response codes used. */
export const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

/** One resource record. `data`: address string (A/AAAA), name (CNAME/NS/PTR), strings (TXT). */
export interface DnsRR {
  name: string;
  type: number;
  ttl: number;
  data: string | string[] | SoaData | SrvData;
}
/** SOA record data. */
export interface SoaData { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }
/** SRV record data. */
export interface SrvData { priority: number; weight: number; port: number; target: string }

const ENC = new TextEncoder();

/** Growable big-endian byte writer with a name-compression table. */
class Writer {
  buf = new Uint8Array(512);
  n = 0;
  private names = new Map<string, number>();
  private ensure(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  u8(v: number): void { this.ensure(1); this.buf[this.n++] = v & 0xff; }
  u16(v: number): void { this.ensure(2); this.buf[this.n++] = (v >>> 8) & 0xff; this.buf[this.n++] = v & 0xff; }
  u32(v: number): void { this.u16(Math.floor(v / 65536) & 0xffff); this.u16(v & 0xffff); }
  bytes(b: Uint8Array): void { this.ensure(b.length); this.buf.set(b, this.n); this.n += b.length; }
  /** A domain name, compressed against earlier names when `compress`. */
  name(fqdn: string, compress = true): void {
    const labels = fqdn.replace(/\.$/, '').split('.').filter((l) => l.length > 0);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = compress ? this.names.get(suffix) : undefined;
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.n < 0x3fff) this.names.set(suffix, this.n);
      const l = ENC.encode(labels[i].slice(0, 63));
      this.u8(l.length);
      this.bytes(l);
    }
    this.u8(0);
  }
  done(): Uint8Array { return this.buf.slice(0, this.n); }
}

function header(w: Writer, id: number, flags: number, qd: number, an: number, ns: number, ar: number): void {
  w.u16(id); w.u16(flags); w.u16(qd); w.u16(an); w.u16(ns); w.u16(ar);
}

function rr(w: Writer, r: DnsRR): void {
  w.name(r.name);
  w.u16(r.type);
  w.u16(1);
  w.u32(r.ttl >>> 0);
  const lenAt = w.n;
  w.u16(0);
  const start = w.n;
  switch (r.type) {
    case QTYPE.A:
    case QTYPE.AAAA:
      w.bytes(ip(r.data as string));
      break;
    case QTYPE.CNAME:
    case QTYPE.NS:
    case QTYPE.PTR:
      w.name(r.data as string);
      break;
    case QTYPE.TXT:
      for (const s of r.data as string[]) {
        const b = ENC.encode(s).subarray(0, 255);
        w.u8(b.length);
        w.bytes(b);
      }
      break;
    case QTYPE.SOA: {
      const s = r.data as SoaData;
      w.name(s.mname); w.name(s.rname);
      w.u32(s.serial); w.u32(s.refresh); w.u32(s.retry); w.u32(s.expire); w.u32(s.minimum);
      break;
    }
    case QTYPE.SRV: {
      const s = r.data as SrvData;
      w.u16(s.priority); w.u16(s.weight); w.u16(s.port); w.name(s.target, false);
      break;
    }
    default:
      throw new Error(`Cannot encode DNS record: type ${r.type}`);
  }
  const len = w.n - start;
  w.buf[lenAt] = len >>> 8;
  w.buf[lenAt + 1] = len & 0xff;
}

/** A recursive query (RD set) for `name`. */
export function dnsQuery(id: number, name: string, qtype: number): Uint8Array {
  const w = new Writer();
  header(w, id, 0x0100, 1, 0, 0, 0);
  w.name(name);
  w.u16(qtype);
  w.u16(1);
  return w.done();
}

/** A response from a recursive resolver (QR, RD, RA) echoing the question. */
export function dnsResponse(id: number, name: string, qtype: number, rcode: number, answers: readonly DnsRR[],
  authority: readonly DnsRR[] = []): Uint8Array {
  const w = new Writer();
  header(w, id, 0x8180 | (rcode & 0xf), 1, answers.length, authority.length, 0);
  w.name(name);
  w.u16(qtype);
  w.u16(1);
  for (const a of answers) rr(w, a);
  for (const a of authority) rr(w, a);
  return w.done();
}
