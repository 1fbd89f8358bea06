/** Minimal but well-formed X.509 v3 certificates (DER) for simulated TLS 1.2 servers. */
import type { Rng } from '../rng.js';
import { bitString, ctx, int, intBytes, nul, octets, oid, printable, seq, set, utcTime, utf8Str, ia5, tlv, bool } from './asn1.js';

const SHA256_RSA = '1.2.840.113549.1.1.11';
const RSA = '1.2.840.113549.1.1.1';

/** A distinguished name: common name, optional organisation and country. */
export interface DnSpec { cn: string; o?: string; c?: string }

function name(dn: DnSpec): Uint8Array {
  const rdns: Uint8Array[] = [];
  if (dn.c) rdns.push(set(seq(oid('2.5.4.6'), printable(dn.c))));
  if (dn.o) rdns.push(set(seq(oid('2.5.4.10'), utf8Str(dn.o))));
  rdns.push(set(seq(oid('2.5.4.3'), utf8Str(dn.cn))));
  return seq(...rdns);
}

/** What a certificate says. */
export interface CertSpec {
  subject: DnSpec;
  /** Issuer; equal to subject for a self-signed certificate. */
  issuer: DnSpec;
  /** DNS names for subjectAltName (none: no extension). */
  san: string[];
  notBefore: number;
  notAfter: number;
  /** RSA modulus size in bytes (256 = 2048 bits). */
  keyBytes?: number;
  /** Marks the certificate as a CA (basicConstraints cA=TRUE). */
  ca?: boolean;
}

/** A DER certificate whose key and signature are random bytes of the right shape. */
export function makeCert(spec: CertSpec, rng: Rng): Uint8Array {
  const kb = spec.keyBytes ?? 256;
  const modulus = rng.bytes(kb);
  modulus[0] |= 0x80;
  const spki = seq(seq(oid(RSA), nul()), bitString(seq(intBytes(modulus), int(65537))));
  const serial = rng.bytes(16);
  serial[0] &= 0x7f;
  const exts: Uint8Array[] = [];
  if (spec.san.length) {
    exts.push(seq(oid('2.5.29.17'), octets(seq(...spec.san.map((d) => tlv(0x82, ia5(d).subarray(2)))))));
  }
  exts.push(seq(oid('2.5.29.19'), bool(true), octets(spec.ca ? seq(bool(true)) : seq())));
  exts.push(seq(oid('2.5.29.15'), bool(true), octets(spec.ca ? tlv(0x03, Uint8Array.of(1, 0x06)) : tlv(0x03, Uint8Array.of(5, 0xa0)))));
  const tbs = seq(
    ctx(0, int(2)),
    intBytes(serial),
    seq(oid(SHA256_RSA), nul()),
    name(spec.issuer),
    seq(utcTime(spec.notBefore), utcTime(spec.notAfter)),
    name(spec.subject),
    spki,
    ctx(3, seq(...exts)),
  );
  return seq(tbs, seq(oid(SHA256_RSA), nul()), bitString(rng.bytes(kb)));
}
