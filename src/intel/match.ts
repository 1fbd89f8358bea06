/**
 * Matching one record against the intelligence in force: usable while records are ingested (the
 * real-time alerts) and by the retro-hunt over a dataset (match-dataset.ts). Records that match
 * nothing cost a few filter reads (most answered from cache) and allocate nothing.
 */
import type { RecordKind, RecordMap } from '../records/schema.js';
import type { Indicator } from './indicator.js';
import type { Entry, IntelIndex } from './intel-index.js';

/** The record field a match was found in. */
export type MatchField =
  | 'resp_h' | 'orig_h' // conn: the responder (outbound contact) or the originator (a listed host connecting in)
  | 'query' | 'answer' // dns
  | 'server_name' | 'ja3' | 'ja4' | 'cert_sha1' // tls
  | 'host' | 'url'; // http

/**
 * How the value matched the indicator: `exact`; `network` (an address inside a listed CIDR);
 * `parent_domain` (a name under a listed domain); `url_without_query` (the listed URL has no query,
 * the request had one).
 */
export type MatchHow = 'exact' | 'network' | 'parent_domain' | 'url_without_query';

/** One indicator found in one record field. */
export interface Match {
  indicator: Indicator;
  field: MatchField;
  /** The value as the record had it (the name, address, URL, fingerprint). */
  observed: string;
  how: MatchHow;
}

/** The shared answer when nothing matched (never mutated). */
export const NO_MATCHES: readonly Match[] = Object.freeze([]);

/** Does the indicator still apply at time `ts` (epoch s)? Expired indicators do not match later traffic. */
function live(i: Indicator, ts: number): boolean {
  return i.expires === undefined || !(ts > i.expires);
}

function addEntry(e: Entry, field: MatchField, observed: string, how: MatchHow, ts: number, out: Match[] | undefined): Match[] | undefined {
  if (Array.isArray(e)) {
    for (const i of e) if (live(i, ts)) (out ??= []).push({ indicator: i, field, observed, how });
  } else if (live(e, ts)) (out ??= []).push({ indicator: e, field, observed, how });
  return out;
}

/** Scratch arrays of the lookups (empty between calls; JavaScript runs one match at a time). */
const netScratch: Indicator[] = [];
const suffixEntries: Entry[] = [];
const suffixExact: boolean[] = [];

/** Matches of an address (exact, then listed networks containing it). */
export function matchAddress(index: IntelIndex, addr: string, field: MatchField, ts: number, out?: Match[]): Match[] | undefined {
  const e = index.address(addr, netScratch);
  if (e !== undefined) out = addEntry(e, field, addr, 'exact', ts, out);
  if (netScratch.length > 0) {
    for (const i of netScratch) if (live(i, ts)) (out ??= []).push({ indicator: i, field, observed: addr, how: 'network' });
    netScratch.length = 0;
  }
  return out;
}

/** Matches of a domain name and each of its parents (not the top-level label alone). */
export function matchName(index: IntelIndex, name: string, field: MatchField, ts: number, out?: Match[]): Match[] | undefined {
  let n = name;
  if (n.length === 0) return out;
  if (n.charCodeAt(n.length - 1) === 46) n = n.slice(0, -1);
  const k = index.listedSuffixes(n, suffixEntries, suffixExact);
  if (k === 0) return out;
  if (hasUpper(n)) n = n.toLowerCase();
  for (let i = 0; i < k; i++) out = addEntry(suffixEntries[i]!, field, n, suffixExact[i] ? 'exact' : 'parent_domain', ts, out);
  return out;
}

function hasUpper(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

/** Could this text be an address (digits and dots, or a colon)? A cheap test before parsing. */
function looksLikeAddress(s: string): boolean {
  const c = s.charCodeAt(0);
  return (c >= 48 && c <= 57 && s.charCodeAt(s.length - 1) >= 48 && s.charCodeAt(s.length - 1) <= 57) || s.includes(':');
}

/** Could this text be a domain name (has a dot, no blank)? */
function looksLikeName(s: string): boolean {
  return s.includes('.') && !s.includes(' ');
}

const ADDR_RE = /^[0-9.]+$|^[0-9a-f:.]*:[0-9a-f:.]*$/i;

/** A host as written in an HTTP Host header or TLS SNI: port and IPv6 brackets removed. */
function bareHost(h: string): string {
  if (h.charCodeAt(0) === 91) {
    const e = h.indexOf(']');
    return e > 0 ? h.slice(1, e) : h;
  }
  const c = h.lastIndexOf(':');
  return c > 0 && h.indexOf(':') === c ? h.slice(0, c) : h;
}

function matchHostText(index: IntelIndex, h: string, field: MatchField, ts: number, out?: Match[]): Match[] | undefined {
  const b = bareHost(h);
  if (b.length > 0 && looksLikeAddress(b) && ADDR_RE.test(b)) return index.hasAddresses ? matchAddress(index, hasUpper(b) ? b.toLowerCase() : b, field, ts, out) : out;
  return index.hasDomains ? matchName(index, b, field, ts, out) : out;
}

/** The URL key of an HTTP request (`host[:port]/path?query`, as `urlKey` makes of listed URLs). */
export function requestUrlKey(host: string | undefined, uri: string | undefined, hostListed?: (h: string) => boolean): string | undefined {
  if (uri === undefined || uri === '') return undefined;
  let u = uri;
  let h = host ?? '';
  if (u.charCodeAt(0) !== 47) {
    const abs = /^https?:\/\/([^/?#]*)(.*)$/i.exec(u);
    if (abs !== null) { h = abs[1]!; u = abs[2] || '/'; }
  }
  if (h === '') return undefined;
  if (hasUpper(h)) h = h.toLowerCase();
  if (h.endsWith(':80')) h = h.slice(0, -3);
  if (hostListed !== undefined && !hostListed(h)) return undefined;
  if (u.includes('%')) u = u.replace(/%[0-9a-f]{2}/gi, (x) => x.toUpperCase());
  const hash = u.indexOf('#');
  if (hash >= 0) u = u.slice(0, hash);
  return `${h}${u}`;
}

/**
 * The indicators found in one record: conn (both addresses), dns (query, answers: addresses and
 * names), tls (server name, JA3, JA4, certificate SHA-1), http (Host, URL). Other kinds never
 * match. Indicators whose expiry is before the record's time are left out. Returns NO_MATCHES
 * (shared, empty) when nothing matched.
 */
export function matchRecord<K extends RecordKind>(index: IntelIndex, kind: K, rec: RecordMap[K]): readonly Match[] {
  let out: Match[] | undefined;
  switch (kind) {
    case 'conn': {
      if (!index.hasAddresses) break;
      const c = rec as RecordMap['conn'];
      out = matchAddress(index, c.resp_h, 'resp_h', c.ts, out);
      out = matchAddress(index, c.orig_h, 'orig_h', c.ts, out);
      break;
    }
    case 'dns': {
      const d = rec as RecordMap['dns'];
      if (index.hasDomains && d.query) out = matchName(index, d.query, 'query', d.ts, out);
      for (const a of d.answers) {
        if (a.length === 0) continue;
        if (looksLikeAddress(a)) { if (index.hasAddresses) out = matchAddress(index, a, 'answer', d.ts, out); }
        else if (index.hasDomains && looksLikeName(a)) out = matchName(index, a, 'answer', d.ts, out);
      }
      break;
    }
    case 'tls': {
      const t = rec as RecordMap['tls'];
      // A server name is a host name (RFC 6066), never with a port; some clients send an address anyway.
      const sn = t.server_name;
      if (sn) out = looksLikeAddress(sn) ? matchHostText(index, sn, 'server_name', t.ts, out) : matchName(index, sn, 'server_name', t.ts, out);
      if (index.hasTlsFingerprints) {
        let e: Entry | undefined;
        if (t.ja3 && (e = index.ja3(t.ja3)) !== undefined) out = addEntry(e, 'ja3', t.ja3, 'exact', t.ts, out);
        if (t.ja4 && (e = index.ja4(t.ja4)) !== undefined) out = addEntry(e, 'ja4', t.ja4, 'exact', t.ts, out);
        if (t.cert_sha1 && (e = index.cert(t.cert_sha1)) !== undefined) out = addEntry(e, 'cert_sha1', t.cert_sha1, 'exact', t.ts, out);
      }
      break;
    }
    case 'http': {
      const h = rec as RecordMap['http'];
      if (h.host) out = matchHostText(index, h.host, 'host', h.ts, out);
      if (index.hasUrls) {
        const key = requestUrlKey(h.host, h.uri, index.urlHostListed);
        if (key !== undefined) {
          const e = index.url(key);
          if (e !== undefined) out = addEntry(e, 'url', `http://${key}`, 'exact', h.ts, out);
          else {
            const q = key.indexOf('?');
            const e2 = q >= 0 ? index.url(key.slice(0, q)) : undefined;
            if (e2 !== undefined) out = addEntry(e2, 'url', `http://${key}`, 'url_without_query', h.ts, out);
          }
        }
      }
      break;
    }
    default:
      break;
  }
  return out ?? NO_MATCHES;
}
