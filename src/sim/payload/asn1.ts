/** A minimal DER encoder (X.690) for the ASN.1 structures the simulator emits: X.509, Kerberos, LDAP. */
import { concat, utf8 } from './bytes.js';

/** Encodes a DER length. */
function lenBytes(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const out: number[] = [];
  while (n > 0) {
    out.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return Uint8Array.of(0x80 | out.length, ...out);
}

/** A TLV with the given identifier octet. */
export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = content.length === 1 ? content[0] : concat(content);
  return concat([Uint8Array.of(tag), lenBytes(body.length), body]);
}

/** SEQUENCE. */
export const seq = (...c: Uint8Array[]): Uint8Array => tlv(0x30, ...c);
/** SET. */
export const set = (...c: Uint8Array[]): Uint8Array => tlv(0x31, ...c);
/** Context-specific constructed tag [n] (explicit tagging). */
export const ctx = (n: number, ...c: Uint8Array[]): Uint8Array => tlv(0xa0 | n, ...c);
/** Context-specific primitive tag [n] (implicit tagging of a primitive). */
export const ctxPrim = (n: number, c: Uint8Array): Uint8Array => tlv(0x80 | n, c);
/** Application constructed tag [APPLICATION n]. */
export const app = (n: number, ...c: Uint8Array[]): Uint8Array => tlv(0x60 | n, ...c);

/** INTEGER from a non-negative number (up to 2^53). */
export function int(v: number): Uint8Array {
  const bytes: number[] = [];
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return tlv(0x02, Uint8Array.from(bytes));
}

/** INTEGER from big-endian magnitude bytes (serial numbers, RSA moduli): made positive and minimal. */
export function intBytes(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && !(b[i + 1] & 0x80)) i++;
  const m = b.subarray(i);
  return m[0] & 0x80 ? tlv(0x02, Uint8Array.of(0), m) : tlv(0x02, m);
}

/** ENUMERATED. */
export const enumerated = (v: number): Uint8Array => tlv(0x0a, int(v).subarray(2));
/** BOOLEAN. */
export const bool = (v: boolean): Uint8Array => tlv(0x01, Uint8Array.of(v ? 0xff : 0));
/** NULL. */
export const nul = (): Uint8Array => Uint8Array.of(0x05, 0x00);
/** OCTET STRING of bytes. */
export const octets = (b: Uint8Array): Uint8Array => tlv(0x04, b);
/** OCTET STRING of UTF-8 text. */
export const octetStr = (s: string): Uint8Array => tlv(0x04, utf8(s));
/** UTF8String. */
export const utf8Str = (s: string): Uint8Array => tlv(0x0c, utf8(s));
/** PrintableString. */
export const printable = (s: string): Uint8Array => tlv(0x13, utf8(s));
/** IA5String. */
export const ia5 = (s: string): Uint8Array => tlv(0x16, utf8(s));
/** GeneralString (Kerberos strings). */
export const generalString = (s: string): Uint8Array => tlv(0x1b, utf8(s));
/** BIT STRING with no unused bits. */
export const bitString = (b: Uint8Array): Uint8Array => tlv(0x03, Uint8Array.of(0), b);

/** OBJECT IDENTIFIER from dotted form. */
export function oid(s: string): Uint8Array {
  const arcs = s.split('.').map(Number);
  const out: number[] = [arcs[0] * 40 + arcs[1]];
  for (let i = 2; i < arcs.length; i++) {
    let v = arcs[i];
    const tmp: number[] = [v & 0x7f];
    v = Math.floor(v / 128);
    while (v > 0) {
      tmp.unshift(0x80 | (v & 0x7f));
      v = Math.floor(v / 128);
    }
    out.push(...tmp);
  }
  return tlv(0x06, Uint8Array.from(out));
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** UTCTime (YYMMDDHHMMSSZ) from epoch seconds. */
export function utcTime(sec: number): Uint8Array {
  const d = new Date(sec * 1000);
  const s = pad2(d.getUTCFullYear() % 100) + pad2(d.getUTCMonth() + 1) + pad2(d.getUTCDate()) +
    pad2(d.getUTCHours()) + pad2(d.getUTCMinutes()) + pad2(d.getUTCSeconds()) + 'Z';
  return tlv(0x17, utf8(s));
}

/** GeneralizedTime (YYYYMMDDHHMMSSZ) from epoch seconds. */
export function generalizedTime(sec: number): Uint8Array {
  const d = new Date(Math.floor(sec) * 1000);
  const s = String(d.getUTCFullYear()) + pad2(d.getUTCMonth() + 1) + pad2(d.getUTCDate()) +
    pad2(d.getUTCHours()) + pad2(d.getUTCMinutes()) + pad2(d.getUTCSeconds()) + 'Z';
  return tlv(0x18, utf8(s));
}
