/**
 * Value conversions shared by the log readers: addresses to canonical text and bytes, ISO 8601
 * times to epoch seconds, Zeek's `\xNN` escapes, transport names to protocol numbers, and the
 * Community ID of a flow given as text. Private to the formats folder.
 */
import { communityId } from '../sensor/flow/community-id.js';
import { addrToString, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../sensor/packet/packet.js';
import type { Transport } from '../records/schema.js';

/** A line a reader cannot turn into a record; its message becomes the bad line's reason. */
export class LineError extends Error {}

/** Longest value quoted in a bad line's reason, in characters. */
const QUOTE_CHARS = 40;

/** A value quoted for a reason: JSON-escaped and shortened. */
export function quote(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  if (s.length > QUOTE_CHARS) s = s.slice(0, QUOTE_CHARS) + '...';
  return JSON.stringify(s);
}

// ---- Addresses ----

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parse a dotted quad at s[from, to) into out[at..at+3]; false when it is not one. */
function parseV4(s: string, from: number, to: number, out: Uint8Array, at: number): boolean {
  let part = 0, digits = 0, val = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part === 3) return false;
      out[at + part++] = val;
      val = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      val = val * 10 + (c - 48);
      if (++digits > 3 || val > 255) return false;
    } else return false;
  }
  if (digits === 0 || part !== 3) return false;
  out[at + 3] = val;
  return true;
}

/**
 * Parse an IPv4 or IPv6 address (RFC 4291 text forms: `::` compression, embedded dotted quad,
 * a `%zone` suffix is ignored) into `out` (at least 16 bytes). Returns 4 or 16 (bytes written),
 * or 0 when the text is not an address. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) returns 4, as the
 * packet sensor treats it.
 */
export function parseAddrBytes(s: string, out: Uint8Array): 0 | 4 | 16 {
  const n = s.length;
  if (n === 0 || n > 64) return 0;
  if (s.indexOf(':') < 0) return parseV4(s, 0, n, out, 0) ? 4 : 0;
  let end = s.indexOf('%');
  if (end < 0) end = n;
  // Groups before and after '::'.
  const groups: number[] = [];
  let gap = -1;
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return 0;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    // Read one group (or a trailing dotted quad).
    let j = i, val = 0;
    while (j < end && s.charCodeAt(j) !== 58 && s.charCodeAt(j) !== 46) j++;
    if (j < end && s.charCodeAt(j) === 46) {
      // Embedded IPv4 must be the last element.
      if (groups.length > 6) return 0;
      const tmp = new Uint8Array(4);
      if (!parseV4(s, i, end, tmp, 0)) return 0;
      groups.push((tmp[0]! << 8) | tmp[1]!, (tmp[2]! << 8) | tmp[3]!);
      i = end;
      break;
    }
    const len = j - i;
    if (len === 0 || len > 4) return 0;
    for (let k = i; k < j; k++) {
      const h = hexVal(s.charCodeAt(k));
      if (h < 0) return 0;
      val = (val << 4) | h;
    }
    groups.push(val);
    if (groups.length > 8) return 0;
    if (j === end) {
      i = end;
      break;
    }
    // s[j] is ':'
    if (s.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return 0;
      gap = groups.length;
      i = j + 2;
    } else {
      i = j + 1;
      if (i === end) return 0; // trailing single ':'
    }
  }
  if (gap < 0) {
    if (groups.length !== 8) return 0;
  } else if (groups.length > 7) return 0;
  const fill = 8 - groups.length;
  let g = 0;
  for (let k = 0; k < 8; k++) {
    let val = 0;
    if (gap >= 0 && k >= gap && k < gap + fill) val = 0;
    else val = groups[g++]!;
    out[k * 2] = val >> 8;
    out[k * 2 + 1] = val & 0xff;
  }
  // IPv4-mapped: ::ffff:a.b.c.d
  let mapped = out[10] === 0xff && out[11] === 0xff;
  for (let k = 0; k < 10 && mapped; k++) if (out[k] !== 0) mapped = false;
  if (mapped) {
    out[0] = out[12]!;
    out[1] = out[13]!;
    out[2] = out[14]!;
    out[3] = out[15]!;
    return 4;
  }
  return 16;
}

/** True when a part of a dotted quad has a leading zero (`010.1.1.1`). */
function hasLeadingZero(s: string): boolean {
  for (let i = 0; i < s.length - 1; i++) {
    if (s.charCodeAt(i) === 48 && (i === 0 || s.charCodeAt(i - 1) === 46) && s.charCodeAt(i + 1) !== 46) return true;
  }
  return false;
}

const scratchBytes = new Uint8Array(16);
const scratchWords = new Uint32Array(4);

/**
 * The canonical text of an address (dotted quad; RFC 5952 IPv6, as the packet sensor prints),
 * or undefined when the text is not an address. Suricata's uncompressed IPv6 becomes canonical.
 */
export function canonicalAddr(s: string): string | undefined {
  const len = parseAddrBytes(s, scratchBytes);
  if (len === 0) return undefined;
  if (len === 4) {
    // Already canonical unless a part had leading zeros or the text was IPv6-mapped.
    if (s.indexOf(':') < 0 && !hasLeadingZero(s)) return s;
    return `${scratchBytes[0]}.${scratchBytes[1]}.${scratchBytes[2]}.${scratchBytes[3]}`;
  }
  const dv = new DataView(scratchBytes.buffer);
  for (let k = 0; k < 4; k++) scratchWords[k] = dv.getUint32(k * 4);
  return addrToString(scratchWords);
}

// ---- Protocols and Community ID ----

/** Zeek's transport names (`tcp`, `udp`, `icmp`) as the record's Transport; others unknown. */
export function transportName(s: string): Transport {
  return s === 'tcp' || s === 'udp' || s === 'icmp' ? s : 'unknown_transport';
}

const srcBytes = new Uint8Array(16);
const dstBytes = new Uint8Array(16);

/**
 * Community ID v1 of a flow given as text, or '' when an address does not parse or the protocol
 * is unknown (`proto` 0). ICMP over IPv6 is protocol 58 whatever the caller passes as ICMP.
 */
export function textCommunityId(orig: string, resp: string, proto: number, sport: number, dport: number): string {
  if (proto <= 0) return '';
  const a = parseAddrBytes(orig, srcBytes);
  const b = parseAddrBytes(resp, dstBytes);
  if (a === 0 || b === 0 || a !== b) return '';
  if (proto === IPPROTO_ICMP && a === 16) proto = IPPROTO_ICMPV6;
  return communityId(srcBytes.subarray(0, a), dstBytes.subarray(0, b), proto, sport, dport);
}

/** Protocol number of a Zeek transport name (0 when unknown). ICMP is 1 (58 chosen for IPv6 later). */
export function zeekProtoNumber(t: Transport): number {
  return t === 'tcp' ? IPPROTO_TCP : t === 'udp' ? IPPROTO_UDP : t === 'icmp' ? IPPROTO_ICMP : 0;
}

// ---- Times ----

function digits(s: string, from: number, count: number): number {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Seconds since the epoch of an ISO 8601 date-time: `YYYY-MM-DDTHH:MM:SS[.frac][Z|±HH[:]MM]`
 * (a space may replace the `T`; a date alone is midnight). Without a zone the time is taken as
 * UTC. Microsecond precision (further digits are rounded). NaN when the text is not one.
 */
export function parseIsoTime(s: string): number {
  const n = s.length;
  if (n < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return NaN;
  const y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31) return NaN;
  let h = 0, mi = 0, sec = 0, micros = 0, off = 0;
  let i = 10;
  if (i < n) {
    const t = s.charCodeAt(i);
    if (t !== 84 && t !== 116 && t !== 32) return NaN;
    if (n < i + 9 || s.charCodeAt(i + 3) !== 58 || s.charCodeAt(i + 6) !== 58) return NaN;
    h = digits(s, i + 1, 2);
    mi = digits(s, i + 4, 2);
    sec = digits(s, i + 7, 2);
    if (h < 0 || h > 24 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return NaN;
    i += 9;
    if (i < n && (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44)) {
      i++;
      let scale = 100000, any = false, extra = -1;
      while (i < n) {
        const c = s.charCodeAt(i) - 48;
        if (c < 0 || c > 9) break;
        any = true;
        if (scale >= 1) {
          micros += c * scale;
          scale /= 10;
        } else if (extra < 0) extra = c;
        i++;
      }
      if (!any) return NaN;
      if (extra >= 5) micros += 1;
    }
    if (i < n) {
      const z = s.charCodeAt(i);
      if (z === 90 || z === 122) i++;
      else if (z === 43 || z === 45) {
        const sign = z === 43 ? 1 : -1;
        const oh = digits(s, i + 1, 2);
        let om = 0;
        if (oh < 0) return NaN;
        i += 3;
        if (i < n) {
          if (s.charCodeAt(i) === 58) i++;
          om = digits(s, i, 2);
          if (om < 0) return NaN;
          i += 2;
        }
        off = sign * (oh * 3600 + om * 60);
      } else return NaN;
    }
    if (i !== n) return NaN;
  }
  const whole = Date.UTC(y, mo - 1, d, h, mi, sec) / 1000 - off;
  if (!Number.isFinite(whole)) return NaN;
  return (whole * 1e6 + micros) / 1e6;
}

// ---- Zeek escapes ----

/** Undo Zeek's `\xNN` escapes (a backslash not followed by `xNN` is kept as it is). */
export function zeekUnescape(s: string): string {
  let i = s.indexOf('\\');
  if (i < 0) return s;
  let out = '';
  let from = 0;
  while (i >= 0) {
    if (s.charCodeAt(i + 1) === 120 /* x */) {
      const hi = hexVal(s.charCodeAt(i + 2)), lo = hexVal(s.charCodeAt(i + 3));
      if (hi >= 0 && lo >= 0) {
        out += s.slice(from, i) + String.fromCharCode((hi << 4) | lo);
        from = i + 4;
        i = s.indexOf('\\', from);
        continue;
      }
    }
    i = s.indexOf('\\', i + 1);
  }
  return out + s.slice(from);
}
