/**
 * TLS client and server fingerprints: JA3 and JA3S (Salesforce's published description) and JA4
 * (FoxIO's JA4 specification, technical_details/JA4.md). Computed once per connection.
 */
import * as crypto from 'node:crypto';
import { EXT_ALPN, EXT_SERVER_NAME, type ClientHello, type ServerHello } from './hello.js';
import { hex4, isGrease } from './names.js';

/**
 * Text of a fingerprint being built, as Latin-1 bytes: one string is made at the end instead of
 * one per value and separator (the strings are a few hundred characters, once per connection).
 */
let text = Buffer.alloc(1024);
let textLen = 0;

function textRoom(n: number): void {
  if (textLen + n <= text.length) return;
  const g = Buffer.alloc(Math.max(2 * text.length, textLen + n));
  text.copy(g, 0, 0, textLen);
  text = g;
}

/** Appends a non-negative integer below 2^31 (TLS values are 16-bit) in decimal. */
function textNum(v: number): void {
  textRoom(16);
  if (v === 0) {
    text[textLen++] = 0x30;
    return;
  }
  let len = 0;
  for (let x = v; x > 0; x = (x / 10) | 0) len++;
  let p = textLen + len;
  textLen = p;
  for (let x = v; x > 0; x = (x / 10) | 0) text[--p] = 0x30 + (x % 10);
}

function textByte(c: number): void {
  textRoom(1);
  text[textLen++] = c;
}

/** Appends the values of a list without GREASE, in decimal, joined by '-'. */
function textDecList(values: readonly number[]): void {
  let first = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (isGrease(v)) continue;
    if (!first) textByte(0x2d);
    first = false;
    textNum(v);
  }
}

function textDone(): string {
  const s = text.toString('latin1', 0, textLen);
  textLen = 0;
  return s;
}

/** One-shot hashing (Node 20.12+): no Hash object per call; createHash on older runtimes. */
type OneShot = (algorithm: string, data: string | Uint8Array, encoding: 'hex') => string;
const oneShot: OneShot | undefined = (crypto as unknown as { hash?: OneShot }).hash;

/** Lower-case hex digest of a string (UTF-8) or bytes. */
export function hexDigest(algorithm: 'md5' | 'sha1' | 'sha256', data: string | Uint8Array): string {
  if (oneShot !== undefined) return oneShot(algorithm, data, 'hex');
  return crypto.createHash(algorithm).update(data).digest('hex');
}

/** Lower-case hex MD5 of a string. */
export function md5Hex(s: string): string {
  return hexDigest('md5', s);
}

/**
 * JA3 string `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`: decimal
 * values, '-' within a field, GREASE removed; the version is the ClientHello's legacy_version.
 */
export function ja3String(ch: ClientHello): string {
  textLen = 0;
  textNum(ch.version);
  textByte(0x2c);
  textDecList(ch.ciphers);
  textByte(0x2c);
  textDecList(ch.extensions);
  textByte(0x2c);
  textDecList(ch.supportedGroups);
  textByte(0x2c);
  textDecList(ch.ecPointFormats);
  return textDone();
}

/** JA3S string `SSLVersion,Cipher,Extensions` of a ServerHello (legacy_version, GREASE removed). */
export function ja3sString(sh: ServerHello): string {
  textLen = 0;
  textNum(sh.version);
  textByte(0x2c);
  textNum(sh.cipher);
  textByte(0x2c);
  textDecList(sh.extensions);
  return textDone();
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
  return hexDigest('sha256', s).slice(0, 12);
}

/** Reused sort buffers of `ja4` (grown when a hello has more values). */
let sortCiphers = new Int32Array(128);
let sortExts = new Int32Array(128);

interface Ja4Entry { a: string; ciphers: Int32Array; exts: Int32Array; sigs: Int32Array; ja4: string }
/** JA4 by its inputs (sorted), for hellos seen recently; see FINGERPRINT_CACHE_ENTRIES. */
const ja4Cache = new Map<number, Ja4Entry>();

function mixInts(h: number, vs: Int32Array, n: number): number {
  h = Math.imul(h ^ n, 0x01000193);
  for (let i = 0; i < n; i++) h = Math.imul(h ^ vs[i]!, 0x01000193);
  return h;
}

function sameInts(a: Int32Array, b: Int32Array, n: number): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Comma-separated four-digit hex of vs[0, n). */
function hexJoin(vs: Int32Array, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s = i === 0 ? hex4(vs[i]!) : s + ',' + hex4(vs[i]!);
  return s;
}

/**
 * JA4 fingerprint, e.g. `t13d1516h2_8daaf6152771_e5627efa2ab1`. The same value as hashing
 * {@link ja4Parts}, computed with typed-array sorts and answered from a cache when the sorted
 * inputs were seen recently (clients that shuffle their extension order hit it too).
 */
export function ja4(ch: ClientHello, transport: Ja4Transport = 't'): string {
  let top = -1;
  for (const v of ch.supportedVersions) if (!isGrease(v) && v > top) top = v;
  const version = JA4_VERSIONS.get(top >= 0 ? top : ch.version) ?? '00';
  if (ch.ciphers.length > sortCiphers.length) sortCiphers = new Int32Array(ch.ciphers.length);
  if (ch.extensions.length > sortExts.length) sortExts = new Int32Array(ch.extensions.length);
  const cs = sortCiphers, es = sortExts;
  let nc = 0;
  for (const v of ch.ciphers) if (!isGrease(v)) cs[nc++] = v;
  let ne = 0, extCount = 0, sni = false;
  for (const v of ch.extensions) {
    if (isGrease(v)) continue;
    extCount++;
    if (v === EXT_SERVER_NAME) sni = true;
    else if (v !== EXT_ALPN) es[ne++] = v;
  }
  const a = `${transport}${version}${sni ? 'd' : 'i'}${count2(nc)}${count2(extCount)}${ja4Alpn(ch.alpnFirst)}`;
  cs.subarray(0, nc).sort();
  es.subarray(0, ne).sort();
  let h = 0x811c9dc5;
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a.charCodeAt(i), 0x01000193);
  h = mixInts(h, cs, nc);
  h = mixInts(h, es, ne);
  let ns = 0;
  for (const v of ch.signatureAlgorithms) {
    if (isGrease(v)) continue;
    ns++;
    h = Math.imul(h ^ v, 0x01000193);
  }
  const hit = ja4Cache.get(h);
  if (hit !== undefined && hit.a === a && sameInts(hit.ciphers, cs, nc) && sameInts(hit.exts, es, ne) && hit.sigs.length === ns) {
    let same = true;
    let j = 0;
    for (const v of ch.signatureAlgorithms) {
      if (isGrease(v)) continue;
      if (hit.sigs[j++] !== v) { same = false; break; }
    }
    if (same) return hit.ja4;
  }
  const sigs = new Int32Array(ns);
  let j = 0;
  for (const v of ch.signatureAlgorithms) if (!isGrease(v)) sigs[j++] = v;
  let extensions = hexJoin(es, ne);
  if (extensions.length > 0 && ns > 0) extensions += '_' + hexJoin(sigs, ns);
  const fp = `${a}_${hash12(hexJoin(cs, nc))}_${hash12(extensions)}`;
  if (ja4Cache.size >= FINGERPRINT_CACHE_ENTRIES) ja4Cache.clear();
  ja4Cache.set(h, { a, ciphers: cs.slice(0, nc), exts: es.slice(0, ne), sigs, ja4: fp });
  return fp;
}

/** JA4_r, the raw (unhashed, sorted) form: `a_ciphers_extensions[_sigalgs]`. */
export function ja4Raw(ch: ClientHello, transport: Ja4Transport = 't'): string {
  const p = ja4Parts(ch, transport);
  return `${p.a}_${p.ciphers}_${p.extensions}`;
}

/** The client fingerprints of one ClientHello, as the tls record carries them. */
export interface ClientFingerprints {
  ja3String: string;
  ja3: string;
  ja4: string;
}

/** The server fingerprints of one ServerHello. */
export interface ServerFingerprints {
  ja3sString: string;
  ja3s: string;
}

/**
 * Most distinct hellos remembered by the fingerprint caches; when full a cache starts over.
 * Most traffic repeats a few client and server stacks, so a small cache answers nearly every
 * connection without building and hashing the strings again.
 */
export const FINGERPRINT_CACHE_ENTRIES = 2048;

interface ServerEntry { sh: ServerHello; fp: ServerFingerprints }
const serverCache = new Map<number, ServerEntry>();

function mixList(h: number, vs: readonly number[]): number {
  h = Math.imul(h ^ vs.length, 0x01000193);
  for (let i = 0; i < vs.length; i++) h = Math.imul(h ^ vs[i]!, 0x01000193);
  return h;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * JA3 string, JA3 and JA4 of a ClientHello. Answered from a cache when a hello with the same
 * inputs in the same order was seen recently (GREASE aside); a client that shuffles its
 * extension order per connection misses it, and then JA4 still comes from its own cache.
 */
export function clientFingerprints(ch: ClientHello, transport: Ja4Transport = 't'): ClientFingerprints {
  const lists = [ch.ciphers, ch.extensions, ch.supportedGroups, ch.ecPointFormats, ch.signatureAlgorithms, ch.supportedVersions];
  let h = Math.imul(0x811c9dc5 ^ ch.version, 0x01000193);
  h = Math.imul(h ^ transport.charCodeAt(0), 0x01000193);
  for (let i = 0; i < lists.length; i++) h = mixNoGrease(h, lists[i]!);
  const alpn = ch.alpnFirst;
  if (alpn !== undefined) {
    h = Math.imul(h ^ alpn.length, 0x01000193);
    for (let i = 0; i < alpn.length; i++) h = Math.imul(h ^ alpn[i]!, 0x01000193);
  }
  const hit = clientCache.get(h);
  if (hit !== undefined && hit.version === ch.version && hit.transport === transport && sameBytes(hit.alpnFirst, alpn)) {
    let same = true;
    for (let i = 0; i < lists.length && same; i++) same = sameNoGrease(lists[i]!, hit.lists[i]!);
    if (same) return hit.fp;
  }
  const s = ja3String(ch);
  const fp: ClientFingerprints = { ja3String: s, ja3: md5Hex(s), ja4: ja4(ch, transport) };
  // Cached from the second sighting on: hellos whose extension order is shuffled per connection
  // rarely repeat, and caching each of them would only churn the heap (peak RSS +40 MB on the
  // benchmark capture).
  const slot = h & (CLIENT_SEEN_SLOTS - 1);
  if (clientSeen[slot] !== h) {
    clientSeen[slot] = h;
    return fp;
  }
  if (clientCache.size >= FINGERPRINT_CACHE_ENTRIES) clientCache.clear();
  // A copy of the ALPN bytes: the hello's may be a view that keeps a larger buffer alive.
  clientCache.set(h, { version: ch.version, transport, lists, alpnFirst: alpn === undefined ? undefined : new Uint8Array(alpn), fp });
  return fp;
}

/**
 * The fingerprints of a ClientHello and every input they depend on: legacy version, transport,
 * the hello's own lists in the order sent (GREASE values are skipped when comparing), the first
 * ALPN name's bytes.
 */
interface ClientEntry {
  version: number;
  transport: Ja4Transport;
  /** ciphers, extensions, supported groups, EC point formats, signature algorithms, supported versions. */
  lists: (readonly number[])[];
  alpnFirst: Uint8Array | undefined;
  fp: ClientFingerprints;
}
/** Client fingerprints by their inputs (in the order sent), for hellos seen recently; see FINGERPRINT_CACHE_ENTRIES. */
const clientCache = new Map<number, ClientEntry>();
/** Slots of the table of input hashes seen once (a power of two; 16 KiB, no objects). */
const CLIENT_SEEN_SLOTS = 4096;
/** Input hashes of client hellos seen once, by their low bits (a hash seen again is cached). */
const clientSeen = new Int32Array(CLIENT_SEEN_SLOTS);

/** FNV-style mix of a list without its GREASE values (and their count). */
function mixNoGrease(h: number, vs: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i]!;
    if ((v & 0x0f0f) === 0x0a0a && (v >> 8) === (v & 0xff)) continue; // GREASE (isGrease, inlined)
    h = Math.imul(h ^ v, 0x01000193);
    n++;
  }
  return Math.imul(h ^ n, 0x01000193);
}

/** The two lists are the same without their GREASE values. */
function sameNoGrease(a: readonly number[], b: readonly number[]): boolean {
  let i = 0, j = 0;
  for (;;) {
    while (i < a.length && isGrease(a[i]!)) i++;
    while (j < b.length && isGrease(b[j]!)) j++;
    if (i === a.length || j === b.length) return i === a.length && j === b.length;
    if (a[i++] !== b[j++]) return false;
  }
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** JA3S string and JA3S of a ServerHello, from a cache of recently seen hellos. */
export function serverFingerprints(sh: ServerHello): ServerFingerprints {
  const h = mixList(Math.imul(0x811c9dc5 ^ sh.version, 0x01000193) ^ sh.cipher, sh.extensions);
  const hit = serverCache.get(h);
  if (hit !== undefined && hit.sh.version === sh.version && hit.sh.cipher === sh.cipher && sameList(hit.sh.extensions, sh.extensions)) return hit.fp;
  const s = ja3sString(sh);
  const fp: ServerFingerprints = { ja3sString: s, ja3s: md5Hex(s) };
  if (serverCache.size >= FINGERPRINT_CACHE_ENTRIES) serverCache.clear();
  serverCache.set(h, { sh, fp });
  return fp;
}
