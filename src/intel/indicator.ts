/**
 * The normalised indicator every feed format produces, and the normalisers that make values from
 * different feeds comparable with what the sensor writes (canonical addresses, lower-case names
 * without the trailing dot, URLs with lower-case scheme and host and without default ports).
 */
import { domainToASCII } from 'node:url';
import { ipWords } from '../detect/networks.js';
import { addrToString } from '../sensor/packet/packet.js';
import { parseV4 } from './ip-trie.js';

/**
 * What an indicator's value is. `ip`, `cidr`, `domain`, `url`, `ja3`, `ja4`, `cert_sha1` are
 * matched against traffic; `md5`, `sha1`, `sha256` (file hashes) are kept and counted but the
 * records carry no file hashes, so they never match.
 */
export type IndicatorType = 'ip' | 'cidr' | 'domain' | 'url' | 'ja3' | 'ja4' | 'cert_sha1' | 'md5' | 'sha1' | 'sha256';

/** Every indicator type, in display order. */
export const INDICATOR_TYPES: readonly IndicatorType[] = ['ip', 'cidr', 'domain', 'url', 'ja3', 'ja4', 'cert_sha1', 'md5', 'sha1', 'sha256'];

/** The types matched against traffic. */
export const MATCHED_TYPES: ReadonlySet<IndicatorType> = new Set(['ip', 'cidr', 'domain', 'url', 'ja3', 'ja4', 'cert_sha1']);

/** One indicator, as every feed format normalises it. */
export interface Indicator {
  /**
   * Normalised value: canonical address (dotted quad, RFC 5952); `cidr` as network/length with host
   * bits cleared; domain lower-case ASCII (punycode) without trailing dot; URL as
   * `scheme://host[:port]/path[?query]` with lower-case scheme and host, no default port, no
   * fragment; fingerprints and hashes lower-case hex (JA4 lower-case).
   */
  value: string;
  type: IndicatorType;
  /** Name of the feed that listed it (as added with `intel add --name`). */
  feed: string;
  /** 0..100: how sure the feed is (its own figure when it has one, else the format's default). */
  confidence: number;
  /** Malware family, when the feed names one (`Emotet`, `Cobalt Strike`). */
  family?: string;
  /** The feed's tags (threat type, status, galaxy names ...), lower-case, de-duplicated. */
  tags: readonly string[];
  /** Epoch seconds: when the feed first and last saw it. */
  first_seen?: number;
  last_seen?: number;
  /** Epoch seconds after which the feed no longer vouches for it; traffic after this does not match. */
  expires?: number;
  /** Port the feed lists with an address (ThreatFox `ip:port`, Feodo `dst_port`); the address matches on any port. */
  port?: number;
  /** Link to the feed's page about it. */
  reference?: string;
  /** Free text from the feed (MISP comment, STIX name, Zeek meta.desc). */
  description?: string;
  /** STIX: the other conditions of the pattern, which are not checked (the value is necessary, not sufficient). */
  condition?: string;
}

/** A value classified and normalised, with a port when the text carried one. */
export interface Normalised { type: IndicatorType; value: string; port?: number }

/** A result or the reason why not (stable, readable: "not an IP address"). */
export type Parsed<T> = T | { error: string };

/** True when `p` is an error. */
export function isError<T>(p: Parsed<T>): p is { error: string } {
  return typeof p === 'object' && p !== null && 'error' in p;
}

/** Longest value accepted (characters): longer text is not an indicator but damage. */
export const MAX_VALUE_CHARS = 8192;

const V4_RE = /^\d{1,3}(\.\d{1,3}){3}$/;
const HEX_RE = /^[0-9a-f]+$/;

/** Canonical text of an IPv4 or IPv6 address, or undefined. */
export function canonicalIp(s: string): string | undefined {
  if (s.length > 45 || s.length < 2) return undefined;
  // Fast path: a dotted quad without leading zeros is already canonical.
  if (s.length <= 15 && parseV4(s) >= 0) return /(^|\.)0\d/.test(s) ? addrToString([0, 0, 0xffff, parseV4(s)]) : s;
  if (!s.includes(':') && !V4_RE.test(s)) return undefined;
  const w = ipWords(s.toLowerCase());
  if (w === undefined) return undefined;
  return addrToString(w);
}

/** An address or network: `ip` for a host address (also `/32`, `/128`), else `cidr` with host bits cleared. */
export function normaliseNetwork(s: string): Parsed<Normalised> {
  const slash = s.indexOf('/');
  if (slash < 0) {
    const ip = canonicalIp(s);
    return ip === undefined ? { error: `'${clip(s)}' is not an IP address` } : { type: 'ip', value: ip };
  }
  const addr = s.slice(0, slash), lenText = s.slice(slash + 1);
  const w = addr.includes(':') || V4_RE.test(addr) ? ipWords(addr.toLowerCase()) : undefined;
  if (w === undefined) return { error: `'${clip(s)}' is not a network (address part)` };
  const v6 = addr.includes(':');
  const max = v6 ? 128 : 32;
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) return { error: `'${clip(s)}' is not a network (prefix length must be 0..${max})` };
  const len = Number(lenText);
  if (len === max) return { type: 'ip', value: addrToString(w) };
  const bits = v6 ? len : len + 96;
  const masked = w.map((word, i) => {
    const take = Math.max(0, Math.min(32, bits - i * 32));
    const mask = take === 0 ? 0 : take === 32 ? 0xffffffff : (0xffffffff << (32 - take)) >>> 0;
    return (word & mask) >>> 0;
  });
  return { type: 'cidr', value: `${addrToString(masked)}/${len}` };
}

/** Domain name normalised (lower-case ASCII, no trailing dot, `*.` wildcard removed), or why not. */
export function normaliseDomain(s: string): Parsed<string> {
  let d = s.trim().toLowerCase();
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (d.startsWith('*.')) d = d.slice(2);
  if (d.length === 0 || d.length > 253) return { error: `'${clip(s)}' is not a domain name (length)` };
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(d)) {
    const a = domainToASCII(d);
    if (a === '') return { error: `'${clip(s)}' is not a domain name (invalid international name)` };
    d = a;
  }
  const labels = d.split('.');
  if (labels.length < 2) return { error: `'${clip(s)}' is not a domain name (single label)` };
  for (const l of labels) {
    if (l.length === 0 || l.length > 63 || !/^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/.test(l)) {
      return { error: `'${clip(s)}' is not a domain name (label '${clip(l, 20)}')` };
    }
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) return { error: `'${clip(s)}' is not a domain name (numeric top-level label)` };
  return d;
}

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', ftp: '21', ws: '80', wss: '443' };

/** URL normalised: lower-case scheme and host, canonical address hosts, no default port, no fragment. */
export function normaliseUrl(s: string): Parsed<string> {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/i.exec(s.trim());
  if (m === null) return { error: `'${clip(s)}' is not a URL` };
  const scheme = m[1]!.toLowerCase();
  let authority = m[2]!;
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  let host: string, port = '';
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end < 0) return { error: `'${clip(s)}' is not a URL (bracketed host)` };
    const ip = canonicalIp(authority.slice(1, end));
    if (ip === undefined) return { error: `'${clip(s)}' is not a URL (IPv6 host)` };
    host = `[${ip}]`;
    port = authority.slice(end + 1).replace(/^:/, '');
  } else {
    const colon = authority.lastIndexOf(':');
    const h = colon >= 0 ? authority.slice(0, colon) : authority;
    port = colon >= 0 ? authority.slice(colon + 1) : '';
    const ip = canonicalIp(h);
    if (ip !== undefined) host = ip;
    else {
      const d = normaliseDomain(h);
      if (isError(d)) return { error: `'${clip(s)}' is not a URL (host: ${d.error})` };
      host = d;
    }
  }
  if (port !== '' && (!/^\d{1,5}$/.test(port) || Number(port) > 65535)) return { error: `'${clip(s)}' is not a URL (port)` };
  if (port === DEFAULT_PORTS[scheme]) port = '';
  let rest = m[3]!;
  if (rest === '' || rest.startsWith('?')) rest = `/${rest}`;
  rest = rest.replace(/%[0-9a-f]{2}/gi, (x) => x.toUpperCase());
  return `${scheme}://${host}${port ? `:${port}` : ''}${rest}`;
}

/**
 * The key URLs are matched by: `host[:port]/path[?query]` (the scheme is dropped: an HTTP record
 * cannot tell http from https-through-a-proxy, and Zeek Intel URLs carry no scheme).
 */
export function urlKey(normalisedUrl: string): string {
  const i = normalisedUrl.indexOf('://');
  return i < 0 ? normalisedUrl : normalisedUrl.slice(i + 3);
}

/** Hex digest of an exact length, lower-cased, or why not. */
export function normaliseHex(s: string, len: number, what: string): Parsed<string> {
  const h = s.trim().toLowerCase();
  if (h.length !== len || !HEX_RE.test(h)) return { error: `'${clip(s)}' is not a ${what} (${len} hex digits)` };
  return h;
}

/** A JA4 fingerprint (`t13d1516h2_8daaf6152771_b186095e22b6`), lower-cased, or why not. */
export function normaliseJa4(s: string): Parsed<string> {
  const v = s.trim().toLowerCase();
  if (!/^[tqd][0-9a-z]{2}[di][0-9]{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/.test(v)) return { error: `'${clip(s)}' is not a JA4 fingerprint` };
  return v;
}

/** File hash type by digest length. */
export function hashType(hex: string): 'md5' | 'sha1' | 'sha256' | undefined {
  if (!HEX_RE.test(hex)) return undefined;
  return hex.length === 32 ? 'md5' : hex.length === 40 ? 'sha1' : hex.length === 64 ? 'sha256' : undefined;
}

/** Undo common defanging: `hxxp://`, `[.]`, `(.)`, `[:]`, `[://]`. */
export function refang(s: string): string {
  if (!/[[(]|^hxxp/i.test(s)) return s;
  return s.replace(/^hxxp/i, 'http').replace(/\[\.\]|\(\.\)|\{\.\}/g, '.').replace(/\[:\]/g, ':').replace(/\[:\/\/\]/g, '://');
}

/**
 * A bare value as a plain list holds it: IP, CIDR, domain or URL, optionally `host:port`
 * (`[v6]:port`). Defanged values are refanged. Hashes are refused: a plain list cannot say whether
 * 32 hex digits are a JA3 or a file MD5.
 */
export function classifyValue(raw: string): Parsed<Normalised> {
  const s = refang(raw.trim());
  if (s.length === 0) return { error: 'empty value' };
  if (s.length > MAX_VALUE_CHARS) return { error: `value longer than ${MAX_VALUE_CHARS} characters` };
  if (s.length <= 15 && parseV4(s) >= 0) return { type: 'ip', value: canonicalIp(s)! };
  const lc = s.lastIndexOf(':');
  if (lc > 6 && lc <= 15 && s.length - lc <= 6 && parseV4(s.slice(0, lc)) >= 0) {
    const port = Number(s.slice(lc + 1));
    if (Number.isInteger(port) && port >= 0 && port <= 65535 && /^\d+$/.test(s.slice(lc + 1))) return { type: 'ip', value: canonicalIp(s.slice(0, lc))!, port };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    const u = normaliseUrl(s);
    return isError(u) ? u : { type: 'url', value: u };
  }
  if (/^[0-9a-f]{32}$|^[0-9a-f]{40}$|^[0-9a-f]{64}$/i.test(s)) return { error: `'${clip(s)}' is a bare hash: a plain list cannot say what it fingerprints` };
  // [v6]:port, v4:port, name:port
  let host = s, port: number | undefined;
  const br = /^\[([0-9a-f:.]+)\]:(\d{1,5})$/i.exec(s);
  const hp = /^([^:]+):(\d{1,5})$/.exec(s);
  if (br !== null) { host = br[1]!; port = Number(br[2]); }
  else if (hp !== null) { host = hp[1]!; port = Number(hp[2]); }
  if (port !== undefined && port > 65535) return { error: `'${clip(s)}': port out of range` };
  if (/^[0-9.]+(\/\d+)?$/.test(host) || (host.includes(':') && /^[0-9a-f:.]+(\/\d+)?$/i.test(host))) {
    const n = normaliseNetwork(host);
    if (isError(n)) return n;
    return port === undefined ? n : { ...n, port };
  }
  const d = normaliseDomain(host);
  if (isError(d)) return { error: `'${clip(s)}' is not an IP, CIDR, domain or URL (${d.error.replace(/^'[^']*' is /, '')})` };
  return port === undefined ? { type: 'domain', value: d } : { type: 'domain', value: d, port };
}

/**
 * Epoch seconds of a feed's time stamp: `2024-01-17 07:44:46` (UTC, as abuse.ch writes it, with
 * or without ` UTC`), ISO 8601 with zone, a date, or epoch seconds. Undefined when unreadable.
 */
export function parseTime(s: unknown): number | undefined {
  if (typeof s === 'number') return Number.isFinite(s) && s > 0 ? (s > 1e12 ? s / 1000 : s) : undefined;
  if (typeof s !== 'string') return undefined;
  const fast = fastTime(s);
  if (fast !== undefined) return fast;
  const t = s.trim();
  if (t === '' || t === '-' || t === 'None' || t === 'null') return undefined;
  if (/^\d{9,10}(\.\d+)?$/.test(t)) return Number(t);
  let iso = t.replace(/\s*\(?UTC\)?$/i, 'Z');
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?$/.test(iso)) iso = iso.replace(' ', 'T');
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) iso += 'T00:00:00Z';
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(iso)) iso += 'Z';
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

/** `YYYY-MM-DD HH:MM:SS` (UTC), optionally with ` UTC`, without regular expressions or Date parsing; undefined otherwise. */
function fastTime(s: string): number | undefined {
  if (s.length !== 19 && !(s.length === 23 && s.endsWith(' UTC'))) return undefined;
  const d = (i: number) => s.charCodeAt(i) - 48;
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]) if (d(i) < 0 || d(i) > 9) return undefined;
  if (s[4] !== '-' || s[7] !== '-' || (s[10] !== ' ' && s[10] !== 'T') || s[13] !== ':' || s[16] !== ':') return undefined;
  const y = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3), mo = d(5) * 10 + d(6), da = d(8) * 10 + d(9);
  const h = d(11) * 10 + d(12), mi = d(14) * 10 + d(15), se = d(17) * 10 + d(18);
  if (mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59 || se > 60) return undefined;
  return Date.UTC(y, mo - 1, da, h, mi, se) / 1000;
}

/** Tags normalised: trimmed, lower-case, non-empty, de-duplicated, at most MAX_TAGS. */
export function normaliseTags(tags: Iterable<unknown>): string[] {
  const out: string[] = [];
  for (const t of tags) {
    if (typeof t !== 'string') continue;
    const v = t.trim().toLowerCase();
    if (v !== '' && v.length <= 200 && !out.includes(v)) out.push(v);
    if (out.length >= MAX_TAGS) break;
  }
  return out;
}

/** Most tags kept per indicator. */
export const MAX_TAGS = 32;

/** Confidence clamped to 0..100 (NaN becomes the fallback). */
export function clampConfidence(c: unknown, fallback: number): number {
  const n = typeof c === 'string' && c.trim() !== '' ? Number(c) : typeof c === 'number' ? c : NaN;
  return Number.isFinite(n) ? Math.max(0, Math.min(100, Math.round(n))) : fallback;
}

/** Text shortened for messages. */
export function clip(s: string, n = 60): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
