/**
 * DNS message parser (RFC 1035 section 4): header, question section, answer section with rdata
 * rendered as a string the way Zeek's dns.log shows it. The authority and additional sections are
 * counted, not parsed (nothing downstream uses them yet).
 *
 * Rdata rendering, per type (names as in `names.ts`; a root name in rdata is shown as `<root>`):
 * - A, AAAA: the address (AAAA in RFC 5952 form: lower case, longest zero run as `::`,
 *   `::ffff:a.b.c.d` for IPv4-mapped addresses);
 * - CNAME, NS, PTR, DNAME, MB, MD, MF, MG, MR: the target name;
 * - MX: the exchange name only (as Zeek; the preference is dropped);
 * - SOA: the primary server (mname); SRV: the target; NSEC: `NSEC <next name>`;
 * - TXT, SPF: Zeek style, each character-string as `TXT <byte length> <text>`, joined by one
 *   space (the length keeps strings containing spaces unambiguous); text escaped as in
 *   presentation format (`\DDD` for bytes outside printable ASCII, `\\`);
 * - SVCB, HTTPS: `<priority> <target>` (SvcParams not rendered);
 * - CAA: `<flags> <tag> <value>`;
 * - RRSIG: `RRSIG <type covered> <signer>`; DNSKEY: `DNSKEY <algorithm>`;
 *   DS: `DS <algorithm> <digest type>`; NSEC3: `NSEC3`;
 * - NULL: RFC 3597 generic form `\# <length> <hex>`, the hex cut at NULL_RDATA_HEX_BYTES bytes
 *   and followed by `...` when longer (DNS tunnels such as iodine carry data in NULL records);
 * - anything else: `<unknown type=N>`.
 * Rdata that does not fit its type is rendered `<malformed TYPE>` with a `dns_rdata_bad_length`
 * weird (or the name's weird).
 */
import { Cursor, toHex } from '../../cursor.js';
import {
  HEADER_LEN, MAX_ANSWERS, MAX_QUESTIONS, NULL_RDATA_HEX_BYTES, typeName,
} from './constants.js';
import { escapeText, nameResult, readName } from './names.js';

/** One entry of the question section. */
export interface DnsQuestion {
  /** Query name, case as sent, no trailing dot ('' for the root). */
  name: string;
  qtype: number;
  qclass: number;
}

/** One resource record of the answer section. */
export interface DnsAnswer {
  /** Owner name. */
  name: string;
  type: number;
  class: number;
  /** Time to live, seconds (unsigned 32-bit as sent). */
  ttl: number;
  /** Rdata rendered as described at the top of this file. */
  rdata: string;
}

/** A malformation: the weird's name (`dns_...`) and detail. */
export interface DnsWeird {
  weird: string;
  addl: string;
}

/** A parsed DNS message. */
export interface DnsMessage {
  /** Message id (transaction id). */
  id: number;
  /** True for a response. */
  qr: boolean;
  /** Operation: 0 QUERY, 1 IQUERY, 2 STATUS, 4 NOTIFY, 5 UPDATE. */
  opcode: number;
  /** Authoritative answer. */
  aa: boolean;
  /** Truncated (the response did not fit; the client retries over TCP). */
  tc: boolean;
  /** Recursion desired. */
  rd: boolean;
  /** Recursion available. */
  ra: boolean;
  /** The three bits after RA as one number, as Zeek's `Z`: reserved Z (4), AD (2), CD (1). */
  z: number;
  /** Response code from the header (4 bits; the EDNS extension is not merged). */
  rcode: number;
  /** Section counts as the header states them. */
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
  /** Questions parsed (at most MAX_QUESTIONS). */
  questions: DnsQuestion[];
  /** Answer records parsed (at most MAX_ANSWERS; fewer when the section is malformed). */
  answers: DnsAnswer[];
  /**
   * Non-fatal problems met after the header and first question parsed: the message is usable
   * but incomplete past the problem (a truncated or malformed record ends the parse).
   */
  weirds: DnsWeird[];
}

/** Reused for every message: parsing is synchronous and not re-entrant. */
const cur = new Cursor(new Uint8Array(0));

/** Weird of the last `renderRdata` call, '' when the rdata was fine. */
let rdWeird = '';
let rdAddl = '';

/**
 * Parses one DNS message (`bytes` is exactly the message: a UDP payload, or a TCP frame without
 * its length prefix). Never throws. Returns the message, or a weird when not even the header and
 * the first question can be read.
 */
export function parseDnsMessage(bytes: Uint8Array): DnsMessage | DnsWeird {
  const m = bytes;
  const len = m.length;
  if (len < HEADER_LEN) return { weird: 'dns_truncated_header', addl: `${len} bytes` };
  const c = cur.reset(m);
  const id = c.u16();
  const flags = c.u16();
  const qdcount = c.u16();
  const ancount = c.u16();
  const nscount = c.u16();
  const arcount = c.u16();
  const msg: DnsMessage = {
    id,
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    z: (flags >> 4) & 0x7,
    rcode: flags & 0xf,
    qdcount, ancount, nscount, arcount,
    questions: [],
    answers: [],
    weirds: [],
  };

  let pos = HEADER_LEN;
  for (let i = 0; i < qdcount; i++) {
    if (i >= MAX_QUESTIONS) {
      msg.weirds.push({ weird: 'dns_too_many_questions', addl: `qdcount ${qdcount}, parsed ${MAX_QUESTIONS}` });
      return msg; // the answers follow the unparsed questions
    }
    const name = readName(m, pos, true);
    if (nameResult.weird !== '') {
      const w = { weird: nameResult.weird, addl: `question ${i + 1}: ${nameResult.addl}` };
      if (i === 0) return w;
      msg.weirds.push(w);
      return msg;
    }
    pos = nameResult.next;
    if (pos + 4 > len) {
      const w = { weird: 'dns_question_truncated', addl: `question ${i + 1} at ${pos}` };
      if (i === 0) return w;
      msg.weirds.push(w);
      return msg;
    }
    c.pos = pos;
    msg.questions.push({ name, qtype: c.u16(), qclass: c.u16() });
    pos += 4;
  }

  for (let i = 0; i < ancount; i++) {
    if (i >= MAX_ANSWERS) {
      msg.weirds.push({ weird: 'dns_too_many_answers', addl: `ancount ${ancount}, kept ${MAX_ANSWERS}` });
      break;
    }
    const name = readName(m, pos, true);
    if (nameResult.weird !== '') {
      msg.weirds.push({ weird: nameResult.weird, addl: `answer ${i + 1}: ${nameResult.addl}` });
      break;
    }
    pos = nameResult.next;
    c.pos = pos;
    const type = c.u16();
    const klass = c.u16();
    const ttl = c.u32();
    const rdlen = c.u16();
    if (!c.ok || c.pos + rdlen > len) {
      msg.weirds.push({ weird: 'dns_rr_truncated', addl: `answer ${i + 1} at ${pos}` });
      break;
    }
    pos = c.pos;
    const rdata = renderRdata(m, type, pos, rdlen);
    if (rdWeird !== '') msg.weirds.push({ weird: rdWeird, addl: `answer ${i + 1}: ${rdAddl}` });
    msg.answers.push({ name, type, class: klass, ttl, rdata });
    pos += rdlen;
  }
  return msg;
}

/** True when `r` (a `parseDnsMessage` result) is a message rather than a fatal weird. */
export function isDnsMessage(r: DnsMessage | DnsWeird): r is DnsMessage {
  return (r as DnsMessage).questions !== undefined;
}

function bad(type: number, weird = 'dns_rdata_bad_length', addl = ''): string {
  rdWeird = weird;
  rdAddl = addl !== '' ? addl : `${typeName(type)} rdata malformed`;
  return `<malformed ${typeName(type)}>`;
}

/** A name inside rdata at `off`, which must end within `end`; sets rdWeird on failure. */
function rdName(m: Uint8Array, type: number, off: number, end: number): string {
  if (off >= end) return bad(type);
  const n = readName(m, off, true);
  if (nameResult.weird !== '') return bad(type, nameResult.weird, nameResult.addl);
  if (nameResult.next > end) return bad(type, 'dns_rdata_bad_length', `${typeName(type)} name runs past rdata`);
  return n === '' ? '<root>' : n;
}

/** Renders the rdata of a record of `type` at m[off, off+rdlen). Sets rdWeird/rdAddl. */
function renderRdata(m: Uint8Array, type: number, off: number, rdlen: number): string {
  rdWeird = '';
  rdAddl = '';
  const end = off + rdlen;
  switch (type) {
    case 1: // A
      if (rdlen !== 4) return bad(type, 'dns_rdata_bad_length', `A rdata of ${rdlen} bytes`);
      return `${m[off]}.${m[off + 1]}.${m[off + 2]}.${m[off + 3]}`;
    case 28: // AAAA
      if (rdlen !== 16) return bad(type, 'dns_rdata_bad_length', `AAAA rdata of ${rdlen} bytes`);
      return formatIPv6(m, off);
    case 2: case 3: case 4: case 5: case 7: case 8: case 9: case 12: case 39: // NS MD MF CNAME MB MG MR PTR DNAME
    case 6: // SOA: the mname comes first
      return rdName(m, type, off, end);
    case 15: // MX: preference, exchange
      return rdName(m, type, off + 2, end);
    case 33: // SRV: priority, weight, port, target
      return rdName(m, type, off + 6, end);
    case 47: { // NSEC: next name, type bitmaps
      const n = rdName(m, type, off, end);
      return rdWeird !== '' ? n : `NSEC ${n}`;
    }
    case 64: case 65: { // SVCB, HTTPS: priority, target, params
      if (rdlen < 3) return bad(type);
      const n = rdName(m, type, off + 2, end);
      return rdWeird !== '' ? n : `${(m[off]! << 8) | m[off + 1]!} ${n}`;
    }
    case 16: case 99: { // TXT, SPF: character-strings
      let s = '';
      let p = off;
      while (p < end) { // each turn consumes at least one byte
        const l = m[p]!;
        if (p + 1 + l > end) return bad(type, 'dns_rdata_bad_length', `TXT string of ${l} bytes past rdata`);
        if (s !== '') s += ' ';
        s += `TXT ${l} ${escapeText(m, p + 1, p + 1 + l)}`;
        p += 1 + l;
      }
      return s;
    }
    case 257: { // CAA: flags, tag length, tag, value
      if (rdlen < 2 || 2 + m[off + 1]! > rdlen) return bad(type);
      const tagEnd = off + 2 + m[off + 1]!;
      return `${m[off]} ${escapeText(m, off + 2, tagEnd)} ${escapeText(m, tagEnd, end)}`;
    }
    case 46: { // RRSIG: type covered (2), algorithm, labels, original TTL (4), expiration (4), inception (4), key tag (2), signer
      if (rdlen < 19) return bad(type);
      const n = rdName(m, type, off + 18, end);
      return rdWeird !== '' ? n : `RRSIG ${typeName((m[off]! << 8) | m[off + 1]!)} ${n}`;
    }
    case 48: // DNSKEY: flags (2), protocol, algorithm
      if (rdlen < 4) return bad(type);
      return `DNSKEY ${m[off + 3]}`;
    case 43: // DS: key tag (2), algorithm, digest type
      if (rdlen < 4) return bad(type);
      return `DS ${m[off + 2]} ${m[off + 3]}`;
    case 50:
      return 'NSEC3';
    case 10: { // NULL
      const shown = Math.min(rdlen, NULL_RDATA_HEX_BYTES);
      return `\\# ${rdlen} ${toHex(m.subarray(off, off + shown))}${shown < rdlen ? '...' : ''}`;
    }
    default:
      return `<unknown type=${type}>`;
  }
}

/** Hex digits of a 16-bit group without leading zeros. */
function hex16(v: number): string {
  return v.toString(16);
}

/** RFC 5952 text of the 16 bytes at m[off]: lower case, no leading zeros, longest zero run as `::`. */
export function formatIPv6(m: Uint8Array, off: number): string {
  // Longest run of zero groups (length >= 2; the first on a tie).
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    const g = (m[off + 2 * i]! << 8) | m[off + 2 * i + 1]!;
    if (g === 0) {
      if (runStart < 0) runStart = i;
      const l = i - runStart + 1;
      if (l > bestLen) { bestLen = l; bestStart = runStart; }
    } else runStart = -1;
  }
  // IPv4-mapped (::ffff:0:0/96): mixed notation (RFC 5952 section 5).
  if (bestStart === 0 && bestLen === 5 && m[off + 10] === 0xff && m[off + 11] === 0xff) {
    return `::ffff:${m[off + 12]}.${m[off + 13]}.${m[off + 14]}.${m[off + 15]}`;
  }
  if (bestLen < 2) bestStart = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (s !== '' && !s.endsWith(':')) s += ':';
    s += hex16((m[off + 2 * i]! << 8) | m[off + 2 * i + 1]!);
  }
  return s;
}
