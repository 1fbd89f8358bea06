/**
 * DNS numbers and names (RFC 1035 and the IANA "Domain Name System (DNS) Parameters" registry),
 * plus the analyzer's limits. Private to the dns folder; `index.ts` re-exports what is public.
 */

// ---- Limits (every loop the input controls has one; hitting it is a weird) ----

/** Maximum compression pointers followed in one name (Zeek: dns_max_compression_chain_depth). */
export const MAX_COMPRESSION_DEPTH = 32;
/** Maximum length of a name on the wire, in bytes, length bytes and final zero included (RFC 1035). */
export const MAX_NAME_WIRE_LEN = 255;
/** Maximum length of one label, in bytes (RFC 1035). */
export const MAX_LABEL_LEN = 63;
/** Questions parsed per message; beyond this the rest of the message is not parsed (weird). */
export const MAX_QUESTIONS = 32;
/** Answer records kept per message (AXFR answers can hold thousands; the rest are counted, not kept). */
export const MAX_ANSWERS = 100;
/** NULL rdata: bytes rendered as hex, beyond this the rendering ends with `...`. */
export const NULL_RDATA_HEX_BYTES = 64;
/** Queries awaiting a response per connection; when full, the oldest is emitted unanswered (weird). */
export const MAX_PENDING_QUERIES = 64;
/** Consecutive unparseable messages after which the analyzer stops looking at a connection. */
export const MAX_CONSECUTIVE_FAILURES = 8;
/** Largest DNS-over-TCP frame: the 2-byte length prefix plus a 65,535-byte message. */
export const MAX_TCP_FRAME = 65535 + 2;
/** Fixed DNS header size in bytes. */
export const HEADER_LEN = 12;

// ---- Names of numbers ----

/** RR type numbers to mnemonics (IANA registry; the obsolete and experimental ones that still show up). */
const TYPE_NAMES: Record<number, string> = {
  1: 'A', 2: 'NS', 3: 'MD', 4: 'MF', 5: 'CNAME', 6: 'SOA', 7: 'MB', 8: 'MG', 9: 'MR', 10: 'NULL',
  11: 'WKS', 12: 'PTR', 13: 'HINFO', 14: 'MINFO', 15: 'MX', 16: 'TXT', 17: 'RP', 18: 'AFSDB',
  19: 'X25', 20: 'ISDN', 21: 'RT', 22: 'NSAP', 23: 'NSAP-PTR', 24: 'SIG', 25: 'KEY', 26: 'PX',
  27: 'GPOS', 28: 'AAAA', 29: 'LOC', 30: 'NXT', 31: 'EID', 32: 'NIMLOC', 33: 'SRV', 34: 'ATMA',
  35: 'NAPTR', 36: 'KX', 37: 'CERT', 38: 'A6', 39: 'DNAME', 40: 'SINK', 41: 'OPT', 42: 'APL',
  43: 'DS', 44: 'SSHFP', 45: 'IPSECKEY', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 49: 'DHCID',
  50: 'NSEC3', 51: 'NSEC3PARAM', 52: 'TLSA', 53: 'SMIMEA', 55: 'HIP', 56: 'NINFO', 57: 'RKEY',
  58: 'TALINK', 59: 'CDS', 60: 'CDNSKEY', 61: 'OPENPGPKEY', 62: 'CSYNC', 63: 'ZONEMD', 64: 'SVCB',
  65: 'HTTPS', 99: 'SPF', 100: 'UINFO', 101: 'UID', 102: 'GID', 103: 'UNSPEC', 104: 'NID',
  105: 'L32', 106: 'L64', 107: 'LP', 108: 'EUI48', 109: 'EUI64', 249: 'TKEY', 250: 'TSIG',
  251: 'IXFR', 252: 'AXFR', 253: 'MAILB', 254: 'MAILA', 255: 'ANY', 256: 'URI', 257: 'CAA',
  258: 'AVC', 259: 'DOA', 260: 'AMTRELAY', 32768: 'TA', 32769: 'DLV',
};

/** Class numbers to Zeek's class names. */
const CLASS_NAMES: Record<number, string> = {
  1: 'C_INTERNET', 2: 'C_CSNET', 3: 'C_CHAOS', 4: 'C_HESIOD', 254: 'C_NONE', 255: 'C_ANY',
};

/** Response codes (4-bit header rcode; the extended ones only appear with EDNS, which we do not merge). */
const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED',
  6: 'YXDOMAIN', 7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE', 11: 'DSOTYPENI',
  16: 'BADVERS', 17: 'BADKEY', 18: 'BADTIME', 19: 'BADMODE', 20: 'BADNAME', 21: 'BADALG',
  22: 'BADTRUNC', 23: 'BADCOOKIE',
};

/** Mnemonic of an RR type (`A`, `AAAA` ...); unknown types in RFC 3597 form (`TYPE65280`). */
export function typeName(t: number): string {
  return TYPE_NAMES[t] ?? `TYPE${t}`;
}

/** Zeek's name of a class (`C_INTERNET` ...); unknown classes in RFC 3597 form (`CLASS32769`). */
export function className(c: number): string {
  return CLASS_NAMES[c] ?? `CLASS${c}`;
}

/** Name of a response code (`NOERROR`, `NXDOMAIN` ...); unknown codes as `RCODE<n>`. */
export function rcodeName(r: number): string {
  return RCODE_NAMES[r] ?? `RCODE${r}`;
}

/** Opcodes that carry DNS in practice: QUERY 0, IQUERY 1, STATUS 2, NOTIFY 4, UPDATE 5. */
export function isKnownOpcode(op: number): boolean {
  return op === 0 || op === 1 || op === 2 || op === 4 || op === 5;
}
