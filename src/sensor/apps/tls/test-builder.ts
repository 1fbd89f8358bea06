/**
 * Test support (not used by the analyzer): builds TLS handshakes and DER certificates byte by
 * byte, and a fake AppContext that collects what an analyzer emits.
 */
import type { FlowId, RecordKind, RecordMap, TlsRecord, Transport } from '../../../records/schema.js';
import type { AppContext, StreamAnalyzer } from '../types.js';

/** Concatenates byte arrays. */
export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Big-endian integers and Latin-1 text as bytes. */
export const u8 = (v: number): Uint8Array => Uint8Array.of(v & 0xff);
export const u16 = (v: number): Uint8Array => Uint8Array.of((v >> 8) & 0xff, v & 0xff);
export const u24 = (v: number): Uint8Array => Uint8Array.of((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
export const ascii = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
const u16s = (vs: readonly number[]): Uint8Array => cat(...vs.map(u16));

/** One extension: type, length, body. */
export function ext(type: number, body: Uint8Array): Uint8Array {
  return cat(u16(type), u16(body.length), body);
}
/** server_name with one host_name entry. */
export const sniExt = (name: string): Uint8Array => {
  const n = ascii(name);
  return ext(0x0000, cat(u16(n.length + 3), u8(0), u16(n.length), n));
};
/** ClientHello ALPN list (names as text or raw bytes). */
export const alpnExt = (names: readonly (string | Uint8Array)[]): Uint8Array => {
  const list = cat(...names.map((s) => (typeof s === 'string' ? ascii(s) : s)).map((b) => cat(u8(b.length), b)));
  return ext(0x0010, cat(u16(list.length), list));
};
/** supported_groups, ec_point_formats, signature_algorithms, supported_versions (client form). */
export const groupsExt = (vs: readonly number[]): Uint8Array => ext(0x000a, cat(u16(vs.length * 2), u16s(vs)));
export const pointFormatsExt = (vs: readonly number[]): Uint8Array => ext(0x000b, cat(u8(vs.length), Uint8Array.from(vs)));
export const sigAlgsExt = (vs: readonly number[]): Uint8Array => ext(0x000d, cat(u16(vs.length * 2), u16s(vs)));
export const versionsExt = (vs: readonly number[]): Uint8Array => ext(0x002b, cat(u8(vs.length * 2), u16s(vs)));
/** ServerHello supported_versions and ALPN (one name). */
export const serverVersionExt = (v: number): Uint8Array => ext(0x002b, u16(v));
export const serverAlpnExt = (name: string): Uint8Array => {
  const n = ascii(name);
  return ext(0x0010, cat(u16(n.length + 1), u8(n.length), n));
};
/** An extension with an empty or opaque body (e.g. 0x0017 extended_master_secret). */
export const rawExt = (type: number, len = 0): Uint8Array => ext(type, new Uint8Array(len));

/** ClientHello body (after the handshake header). `extensions` undefined: no extensions block. */
export function clientHelloBody(o: { version?: number; ciphers: readonly number[]; extensions?: readonly Uint8Array[]; sessionId?: number }): Uint8Array {
  const sid = new Uint8Array(o.sessionId ?? 32).fill(7);
  const parts = [u16(o.version ?? 0x0303), new Uint8Array(32).fill(1), u8(sid.length), sid, u16(o.ciphers.length * 2), u16s(o.ciphers), u8(1), u8(0)];
  if (o.extensions !== undefined) {
    const exts = cat(...o.extensions);
    parts.push(u16(exts.length), exts);
  }
  return cat(...parts);
}

/** The special random of a HelloRetryRequest (RFC 8446 4.1.3). */
export const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

/** ServerHello body. */
export function serverHelloBody(o: { version?: number; cipher: number; extensions?: readonly Uint8Array[]; helloRetry?: boolean }): Uint8Array {
  const random = o.helloRetry ? Uint8Array.from(HRR_RANDOM) : new Uint8Array(32).fill(2);
  const parts = [u16(o.version ?? 0x0303), random, u8(32), new Uint8Array(32).fill(3), u16(o.cipher), u8(0)];
  if (o.extensions !== undefined) {
    const exts = cat(...o.extensions);
    parts.push(u16(exts.length), exts);
  }
  return cat(...parts);
}

/** Certificate message body (TLS 1.2): list of DER certificates. */
export function certificateBody(ders: readonly Uint8Array[]): Uint8Array {
  const list = cat(...ders.map((d) => cat(u24(d.length), d)));
  return cat(u24(list.length), list);
}

/** A handshake message: type, 24-bit length, body. */
export function hsMsg(type: number, body: Uint8Array): Uint8Array {
  return cat(u8(type), u24(body.length), body);
}

/** Records of one content type carrying `payload`, cut into fragments of at most `maxFragment`. */
export function records(type: number, payload: Uint8Array, maxFragment = 16384, version = 0x0303): Uint8Array {
  const out: Uint8Array[] = [];
  for (let o = 0; o < payload.length || (o === 0 && payload.length === 0); o += maxFragment) {
    const frag = payload.subarray(o, Math.min(payload.length, o + maxFragment));
    out.push(cat(u8(type), u16(version), u16(frag.length), frag));
    if (payload.length === 0) break;
  }
  return cat(...out);
}

// ---- DER ----

/** A DER TLV with definite length. */
export function tlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const len = n < 0x80 ? u8(n) : n < 0x100 ? Uint8Array.of(0x81, n) : n < 0x10000 ? Uint8Array.of(0x82, n >> 8, n & 0xff) : Uint8Array.of(0x83, n >> 16, (n >> 8) & 0xff, n & 0xff);
  return cat(u8(tag), len, content);
}
/** SEQUENCE and SET of the given encoded elements. */
export const seq = (...c: Uint8Array[]): Uint8Array => tlv(0x30, cat(...c));
export const set = (...c: Uint8Array[]): Uint8Array => tlv(0x31, cat(...c));

/** DER OID from dotted text. */
export function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map(Number);
  const bytes: number[] = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const stack = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) stack.unshift((v & 0x7f) | 0x80);
    bytes.push(...stack);
  }
  return tlv(0x06, Uint8Array.from(bytes));
}

/** An attribute: [oid, string tag, value] (UTF8String 0x0c, PrintableString 0x13 ...). */
export type Attr = [string, number, string];

/** A Name: a list of RDNs, each a list of attributes (most general first, as encoded). */
export function name(rdns: readonly (readonly Attr[])[]): Uint8Array {
  return seq(...rdns.map((rdn) => set(...rdn.map(([o, tag, v]) => seq(oid(o), tlv(tag, Buffer.from(v, 'utf8')))))));
}

/** UTCTime (years 1950-2049) or GeneralizedTime of an epoch-seconds time. */
export function derTime(epoch: number, forceGeneralized = false): Uint8Array {
  const iso = new Date(epoch * 1000).toISOString(); // 2024-01-02T03:04:05.000Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = Number(iso.slice(0, 4));
  if (!forceGeneralized && year >= 1950 && year < 2050) return tlv(0x17, ascii(`${digits.slice(2)}Z`));
  return tlv(0x18, ascii(`${digits}Z`));
}

/** A certificate-shaped DER (structure only; key and signature are placeholders). */
export function certificateDer(o: { subject: Uint8Array; issuer: Uint8Array; notBefore: Uint8Array; notAfter: Uint8Array }): Uint8Array {
  const algo = seq(oid('1.2.840.10045.4.3.2'));
  const tbs = seq(tlv(0xa0, tlv(0x02, u8(2))), tlv(0x02, u16(0x1234)), algo, o.issuer, seq(o.notBefore, o.notAfter), o.subject, seq(seq(oid('1.2.840.10045.2.1')), tlv(0x03, Uint8Array.of(0, 4, 1, 2))));
  return seq(tbs, algo, tlv(0x03, Uint8Array.of(0, 0x30, 0)));
}

// ---- fake context ----

/** An AppContext that keeps what the analyzer emits. */
export class FakeContext implements AppContext {
  readonly uid = 'Ctest';
  readonly proto: Transport = 'tcp';
  readonly tls: TlsRecord[] = [];
  readonly weirds: { name: string; addl?: string }[] = [];
  constructor(readonly id: FlowId = { orig_h: '10.0.0.1', orig_p: 50000, resp_h: '192.0.2.1', resp_p: 443 }) {}
  emit<K extends RecordKind>(kind: K, rec: RecordMap[K]): void {
    if (kind === 'tls') this.tls.push(rec as TlsRecord);
  }
  weird(name: string, addl?: string): void {
    this.weirds.push(addl === undefined ? { name } : { name, addl });
  }
  weirdNames(): string[] {
    return this.weirds.map((w) => w.name);
  }
  /** Times `handOver` was called. */
  handOvers = 0;
  /** Counts the hand-over; the returned analyzer drops what it is given. */
  handOver(): StreamAnalyzer {
    this.handOvers++;
    return { done: true, data() {}, gap() {}, end() {} };
  }
}
