import { latin1Slice } from '../cursor.js';
/**
 * One decoded packet. A single instance is reused for every packet (no per-packet allocation):
 * the decoders overwrite its fields, and whoever needs something beyond the current packet copies
 * it. Addresses are kept as four 32-bit words (IPv4 as the IPv4-mapped IPv6 form ::ffff:a.b.c.d),
 * so flow lookup compares numbers, never strings.
 */
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export class Packet {
  /** Capture buffer and the packet's bounds in it. */
  buf: Uint8Array = new Uint8Array(0);
  ts = 0;
  /** 4 or 6; 0 when no IP layer was decoded. */
  ipVersion = 0;
  /** Source and destination address words (see class comment). */
  src = new Uint32Array(4);
  dst = new Uint32Array(4);
  /** Transport protocol number (IPPROTO_*); for IPv4 fragments after the first: the protocol, with `l4 = false`. */
  proto = 0;
  /** Offset of the IP header in buf. */
  ipOff = 0;
  /** IP total length from the header (IPv6: 40 + payload length + extension headers). */
  ipLen = 0;
  /** True when a transport header was decoded (ports, flags valid). */
  l4 = false;
  sport = 0;
  dport = 0;
  /** TCP fields. */
  flags = 0;
  seq = 0;
  ack = 0;
  win = 0;
  /** Transport payload: offset in buf, bytes captured, and length according to the headers. */
  payOff = 0;
  payCap = 0;
  payLen = 0;
  /** IPv4 fragment state: more fragments flag, offset in bytes, id. */
  fragMore = false;
  fragOffset = 0;
  fragId = 0;
  /** Outermost VLAN id or -1. */
  vlan = -1;
  /** Name of the first decoding problem of this packet, or '' (a weird to report). */
  weird = '';
  weirdAddl = '';

  reset(buf: Uint8Array, ts: number): void {
    this.buf = buf;
    this.ts = ts;
    this.ipVersion = 0;
    this.proto = 0;
    this.l4 = false;
    this.sport = 0;
    this.dport = 0;
    this.flags = 0;
    this.payOff = 0;
    this.payCap = 0;
    this.payLen = 0;
    this.fragMore = false;
    this.fragOffset = 0;
    this.vlan = -1;
    this.weird = '';
    this.weirdAddl = '';
  }

  fail(name: string, addl = ''): false {
    if (this.weird === '') {
      this.weird = name;
      this.weirdAddl = addl;
    }
    return false;
  }
}

/** A dotted quad being built (one flat string is made from it, not a chain of concatenations). */
const QUAD = Buffer.alloc(16);

function quadByte(n: number, p: number): number {
  if (n >= 100) {
    QUAD[p++] = 48 + ((n / 100) | 0);
    n %= 100;
    QUAD[p++] = 48 + ((n / 10) | 0);
  } else if (n >= 10) {
    QUAD[p++] = 48 + ((n / 10) | 0);
  }
  QUAD[p++] = 48 + (n % 10);
  return p;
}

/**
 * Most IPv4 address texts remembered by addrToString (a network's hosts and servers repeat; the
 * cache starts over when full). Entries: about 100 bytes each.
 */
export const IPV4_TEXT_CACHE_ENTRIES = 1 << 16;
const ipv4Text = new Map<number, string>();

/** Canonical text of an address held as four words (dotted quad for IPv4-mapped). */
export function addrToString(w: Uint32Array | readonly number[], o = 0): string {
  const a0 = w[o]!, a1 = w[o + 1]!, a2 = w[o + 2]!, a3 = w[o + 3]!;
  if (a0 === 0 && a1 === 0 && a2 === 0xffff) {
    const known = ipv4Text.get(a3);
    if (known !== undefined) return known;
    let p = quadByte(a3 >>> 24, 0);
    QUAD[p++] = 46;
    p = quadByte((a3 >>> 16) & 255, p);
    QUAD[p++] = 46;
    p = quadByte((a3 >>> 8) & 255, p);
    QUAD[p++] = 46;
    p = quadByte(a3 & 255, p);
    const text = latin1Slice.call(QUAD, 0, p);
    if (ipv4Text.size >= IPV4_TEXT_CACHE_ENTRIES) ipv4Text.clear();
    ipv4Text.set(a3, text);
    return text;
  }
  const g = [a0 >>> 16, a0 & 0xffff, a1 >>> 16, a1 & 0xffff, a2 >>> 16, a2 & 0xffff, a3 >>> 16, a3 & 0xffff];
  // RFC 5952: compress the longest run (>= 2) of zero groups, first one on ties.
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (x: number) => x.toString(16);
  if (bestStart < 0) return g.map(hex).join(':');
  const head = g.slice(0, bestStart).map(hex).join(':');
  const tail = g.slice(bestStart + bestLen).map(hex).join(':');
  return `${head}::${tail}`;
}

/** The 4 or 16 network-order bytes of an address held as four words. */
export function addrBytes(w: Uint32Array | readonly number[], o = 0): Uint8Array {
  const v4 = w[o] === 0 && w[o + 1] === 0 && w[o + 2] === 0xffff;
  const out = new Uint8Array(v4 ? 4 : 16);
  const dv = new DataView(out.buffer);
  if (v4) dv.setUint32(0, w[o + 3]!);
  else for (let i = 0; i < 4; i++) dv.setUint32(i * 4, w[o + i]!);
  return out;
}
