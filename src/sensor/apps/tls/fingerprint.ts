/**
 * TLS client and server fingerprints: JA3 and JA3S (Salesforce's published description) and JA4
 * (FoxIO's JA4 specification, technical_details/JA4.md). Computed once per connection.
 */
import { createHash } from 'node:crypto';
import { EXT_ALPN, EXT_SERVER_NAME, type ClientHello, type ServerHello } from './hello.js';
import { hex4, isGrease } from './names.js';

/** Values of a list without GREASE, as decimal strings joined by '-'. */
function decList(values: readonly number[]): string {
  let s = '';
  for (const v of values) {
    if (isGrease(v)) continue;
    s += s.length === 0 ? String(v) : `-${v}`;
  }
  return s;
}

/** Lower-case hex MD5 of a string. */
export function md5Hex(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

/**
 * JA3 string `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`: decimal
 * values, '-' within a field, GREASE removed; the version is the ClientHello's legacy_version.
 */
export function ja3String(ch: ClientHello): string {
  return `${ch.version},${decList(ch.ciphers)},${decList(ch.extensions)},${decList(ch.supportedGroups)},${decList(ch.ecPointFormats)}`;
}

/** JA3S string `SSLVersion,Cipher,Extensions` of a ServerHello (legacy_version, GREASE removed). */
export function ja3sString(sh: ServerHello): string {
  return `${sh.version},${sh.cipher},${decList(sh.extensions)}`;
}

/** JA4 two-character version codes (spec: "TLS and DTLS Version"); anything else is `00`. */
const JA4_VERSIONS: ReadonlyMap<number, string> = new Map([
  [0x0304, '13'],
  [0x0303, '12'],
  [0x0302, '11'],
  [0x0301, '10'],
  [0x0300, 's3'],
  [0x0002, 's2'],
  [0xfeff, 'd1'],
  [0xfefd, 'd2'],
  [0xfefc, 'd3'],
]);

/** JA4 transport letter: TLS over TCP, QUIC, DTLS. */
export type Ja4Transport = 't' | 'q' | 'd';

/** Two-digit count, capped at 99 as the spec says. */
function count2(n: number): string {
  return n > 99 ? '99' : n < 10 ? `0${n}` : String(n);
}

/** ASCII letter or digit. */
function isAlnum(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/**
 * The ALPN part of JA4_a: first and last character of the first ALPN value; `00` when absent or
 * empty; when either end byte is not alphanumeric, the first and last hex digit of the value.
 */
function ja4Alpn(first: Uint8Array | undefined): string {
  if (first === undefined || first.length === 0) return '00';
  const a = first[0]!;
  const z = first[first.length - 1]!;
  if (isAlnum(a) && isAlnum(z)) return String.fromCharCode(a, z);
  return (a >> 4).toString(16) + (z & 0x0f).toString(16);
}

/** The parts JA4 is made of, before hashing (`JA4_r` joins them with '_'). */
export interface Ja4Parts {
  /** JA4_a, e.g. `t13d1516h2`. */
  a: string;
  /** Sorted cipher hex list, comma-separated (input of JA4_b). */
  ciphers: string;
  /** Sorted extensions without SNI and ALPN, then '_' and signature algorithms in order (input of JA4_c). */
  extensions: string;
}

/** Computes the unhashed parts of JA4 for a ClientHello. */
export function ja4Parts(ch: ClientHello, transport: Ja4Transport = 't'): Ja4Parts {
  let top = -1;
  for (const v of ch.supportedVersions) if (!isGrease(v) && v > top) top = v;
  const version = JA4_VERSIONS.get(top >= 0 ? top : ch.version) ?? '00';
  const ciphers = ch.ciphers.filter((v) => !isGrease(v));
  const exts = ch.extensions.filter((v) => !isGrease(v));
  const sni = exts.includes(EXT_SERVER_NAME) ? 'd' : 'i';
  const a = `${transport}${version}${sni}${count2(ciphers.length)}${count2(exts.length)}${ja4Alpn(ch.alpnFirst)}`;
  const sortedHex = (vs: number[]): string => vs.sort((x, y) => x - y).map(hex4).join(',');
  let extensions = sortedHex(exts.filter((v) => v !== EXT_SERVER_NAME && v !== EXT_ALPN));
  const sigs = ch.signatureAlgorithms.filter((v) => !isGrease(v));
  if (extensions.length > 0 && sigs.length > 0) extensions += `_${sigs.map(hex4).join(',')}`;
  return { a, ciphers: sortedHex(ciphers), extensions };
}

/** First 12 hex digits of SHA-256, or twelve zeros for an empty list (as the spec asks). */
function hash12(s: string): string {
  if (s.length === 0) return '000000000000';
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}

/** JA4 fingerprint, e.g. `t13d1516h2_8daaf6152771_e5627efa2ab1`. */
export function ja4(ch: ClientHello, transport: Ja4Transport = 't'): string {
  const p = ja4Parts(ch, transport);
  return `${p.a}_${hash12(p.ciphers)}_${hash12(p.extensions)}`;
}

/** JA4_r, the raw (unhashed, sorted) form: `a_ciphers_extensions[_sigalgs]`. */
export function ja4Raw(ch: ClientHello, transport: Ja4Transport = 't'): string {
  const p = ja4Parts(ch, transport);
  return `${p.a}_${p.ciphers}_${p.extensions}`;
}
