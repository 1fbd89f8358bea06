/**
 * Link, network and transport decoding into the reusable Packet. Layers forward to each other
 * through registration tables (link type -> decoder, ethertype -> decoder, IP protocol -> decoder)
 * instead of hard-wired calls, so adding a layer is one table entry.
 *
 * Every read is bounds-checked against the captured length; a problem sets `pkt.weird` to a named
 * weird (`ipv4_truncated_header` ...) and returns false. Nothing here throws.
 */
import {
  IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, Packet,
} from './packet.js';

/** Nesting limit for encapsulation (VLAN stacks, GRE, VXLAN, IP-in-IP); hitting it is a weird. */
export const MAX_ENCAP_DEPTH = 8;
/** Limit on IPv6 extension headers per packet; hitting it is a weird. */
export const MAX_IPV6_EXT_HEADERS = 8;
/** UDP port of VXLAN (RFC 7348). */
export const VXLAN_PORT = 4789;

type LayerDecoder = (p: Packet, off: number, end: number, depth: number) => boolean;

const linkDecoders = new Map<number, LayerDecoder>();
/** Ethertype -> decoder, as a table indexed by ethertype (filled from `etherDecoders` registrations). */
const etherDecoders = new Map<number, LayerDecoder>();
const etherTable: (LayerDecoder | undefined)[] = new Array<LayerDecoder | undefined>(65536).fill(undefined);
/** The link decoder of the last link type seen (captures rarely mix link types). */
let lastLinktype = -1;
let lastLinkDecoder: LayerDecoder | undefined;

/** Names of the link types we decode, for summaries and errors. */
export const LINK_NAMES: Record<number, string> = {
  0: 'NULL (BSD loopback)', 1: 'ETHERNET', 12: 'RAW', 14: 'RAW', 101: 'RAW', 108: 'LOOP',
  113: 'LINUX_SLL', 228: 'IPV4', 229: 'IPV6', 276: 'LINUX_SLL2',
};

/**
 * Decode one captured packet: buf[off, off+caplen). Returns true when an IP layer was decoded.
 * Non-IP frames (ARP, LLDP ...) return false with no weird; malformed ones set `p.weird`.
 */
export function decodePacket(p: Packet, buf: Uint8Array, off: number, caplen: number, ts: number, linktype: number): boolean {
  p.reset(buf, ts);
  if (linktype !== lastLinktype) {
    lastLinktype = linktype;
    lastLinkDecoder = linkDecoders.get(linktype);
  }
  const dec = lastLinkDecoder;
  if (dec === undefined) return p.fail('link_unknown_type', `linktype ${linktype}`);
  return dec(p, off, off + caplen, 0);
}

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function ethertype(p: Packet, type: number, off: number, end: number, depth: number): boolean {
  const dec = etherTable[type];
  if (dec === undefined) return false; // not IP: ARP, LLDP, ... (not malformed)
  if (depth > MAX_ENCAP_DEPTH) return p.fail('encap_too_deep', `depth ${depth}`);
  return dec(p, off, end, depth + 1);
}

// ---- link layers ----
function ethernet(p: Packet, off: number, end: number, depth: number): boolean {
  if (end - off < 14) return p.fail('ethernet_truncated', `${end - off} bytes`);
  const type = u16(p.buf, off + 12);
  if (type <= 1500) return false; // 802.3 length field: LLC frames (STP ...), not IP
  return ethertype(p, type, off + 14, end, depth);
}

function vlan(p: Packet, off: number, end: number, depth: number): boolean {
  if (end - off < 4) return p.fail('vlan_truncated');
  if (p.vlan < 0) p.vlan = u16(p.buf, off) & 0x0fff;
  return ethertype(p, u16(p.buf, off + 2), off + 4, end, depth);
}

function pppoe(p: Packet, off: number, end: number, depth: number): boolean {
  if (end - off < 8) return p.fail('pppoe_truncated');
  const proto = u16(p.buf, off + 6);
  if (proto === 0x0021) return ethertype(p, 0x0800, off + 8, end, depth);
  if (proto === 0x0057) return ethertype(p, 0x86dd, off + 8, end, depth);
  return false;
}

function mpls(p: Packet, off: number, end: number, depth: number): boolean {
  // Label stack entries until bottom-of-stack, then guess IPv4/IPv6 from the version nibble.
  for (let i = 0; i < MAX_ENCAP_DEPTH; i++) {
    if (end - off < 4) return p.fail('mpls_truncated');
    const bos = p.buf[off + 2]! & 1;
    off += 4;
    if (bos) {
      if (off >= end) return p.fail('mpls_truncated');
      const v = p.buf[off]! >> 4;
      if (v === 4) return ethertype(p, 0x0800, off, end, depth);
      if (v === 6) return ethertype(p, 0x86dd, off, end, depth);
      return false;
    }
  }
  return p.fail('mpls_too_many_labels');
}

function rawIp(p: Packet, off: number, end: number, depth: number): boolean {
  if (end - off < 1) return p.fail('ip_truncated_header');
  const v = p.buf[off]! >> 4;
  if (v === 4) return ipv4(p, off, end, depth);
  if (v === 6) return ipv6(p, off, end, depth);
  return p.fail('ip_bad_version', `version ${v}`);
}

function bsdNull(p: Packet, off: number, end: number, depth: number): boolean {
  if (end - off < 4) return p.fail('loopback_truncated');
  // The family is in the writer's host byte order: accept either order.
  const b = p.buf;
  const le = b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24);
  const be = u32(b, off);
  const fam = le < 256 ? le : be;
  if (fam === 2) return ipv4(p, off + 4, end, depth);
  if (fam === 24 || fam === 28 || fam === 30 || fam === 10) return ipv6(p, off + 4, end, depth);
  return false;
}

function bsdLoop(p: Packet, off: number, end: number, depth: number): boolean {
  if (end - off < 4) return p.fail('loopback_truncated');
  const fam = u32(p.buf, off);
  if (fam === 2) return ipv4(p, off + 4, end, depth);
  if (fam === 24 || fam === 28 || fam === 30 || fam === 10) return ipv6(p, off + 4, end, depth);
  return false;
}

function sll(p: Packet, off: number, end: number, depth: number): boolean {
  if (end - off < 16) return p.fail('sll_truncated');
  return ethertype(p, u16(p.buf, off + 14), off + 16, end, depth);
}

function sll2(p: Packet, off: number, end: number, depth: number): boolean {
  if (end - off < 20) return p.fail('sll2_truncated');
  return ethertype(p, u16(p.buf, off), off + 20, end, depth);
}

// ---- network layers ----
function ipv4(p: Packet, off: number, end: number, depth: number): boolean {
  const b = p.buf;
  if (end - off < 20) return p.fail('ipv4_truncated_header', `${end - off} bytes`);
  const vihl = b[off]!;
  if (vihl >> 4 !== 4) return p.fail('ipv4_bad_version', `version ${vihl >> 4}`);
  const hl = (vihl & 15) * 4;
  if (hl < 20) return p.fail('ipv4_bad_header_len', `${hl}`);
  if (end - off < hl) return p.fail('ipv4_truncated_header', `options: ${hl} > ${end - off}`);
  let total = u16(b, off + 2);
  // Total length 0 is what a sender's capture shows for TCP segmentation offload: the NIC fills
  // it in later. Use the captured length (as Wireshark does), without a weird.
  if (total === 0) total = end - off;
  if (total < hl) return p.fail('ipv4_bad_total_len', `total ${total} < header ${hl}`);
  // Trailing Ethernet padding is not part of the datagram; a shorter capture is a snap length cut.
  const ipEnd = Math.min(end, off + total);
  const fo = u16(b, off + 6);
  p.ipVersion = 4;
  p.ipOff = off;
  p.ipLen = total;
  p.src[0] = 0; p.src[1] = 0; p.src[2] = 0xffff; p.src[3] = u32(b, off + 12);
  p.dst[0] = 0; p.dst[1] = 0; p.dst[2] = 0xffff; p.dst[3] = u32(b, off + 16);
  p.proto = b[off + 9]!;
  p.fragMore = (fo & 0x2000) !== 0;
  p.fragOffset = (fo & 0x1fff) * 8;
  p.fragId = u16(b, off + 4);
  if (p.fragOffset > 0) return true; // later fragment: no transport header here
  return transport(p, p.proto, off + hl, ipEnd, off + total, depth);
}

function ipv6(p: Packet, off: number, end: number, depth: number): boolean {
  const b = p.buf;
  if (end - off < 40) return p.fail('ipv6_truncated_header', `${end - off} bytes`);
  if (b[off]! >> 4 !== 6) return p.fail('ipv6_bad_version', `version ${b[off]! >> 4}`);
  const plen = u16(b, off + 4);
  let next = b[off + 6]!;
  p.ipVersion = 6;
  p.ipOff = off;
  p.ipLen = 40 + plen;
  for (let i = 0; i < 4; i++) {
    p.src[i] = u32(b, off + 8 + 4 * i);
    p.dst[i] = u32(b, off + 24 + 4 * i);
  }
  const dgEnd = off + 40 + plen;
  const ipEnd = Math.min(end, dgEnd);
  let o = off + 40;
  for (let n = 0; ; n++) {
    if (n > MAX_IPV6_EXT_HEADERS) return p.fail('ipv6_too_many_ext_headers');
    if (next === 0 || next === 43 || next === 60) {
      if (ipEnd - o < 8) return p.fail('ipv6_truncated_ext_header');
      const nh = b[o]!;
      o += (b[o + 1]! + 1) * 8;
      next = nh;
    } else if (next === 44) {
      if (ipEnd - o < 8) return p.fail('ipv6_truncated_ext_header');
      const fo = u16(b, o + 2);
      p.fragOffset = fo & 0xfff8;
      p.fragMore = (fo & 1) !== 0;
      p.fragId = u32(b, o + 4);
      next = b[o]!;
      o += 8;
      if (p.fragOffset > 0) { p.proto = next; return true; }
    } else if (next === 51) {
      if (ipEnd - o < 8) return p.fail('ipv6_truncated_ext_header');
      const nh = b[o]!;
      o += (b[o + 1]! + 2) * 4;
      next = nh;
    } else break;
    if (o > ipEnd) return p.fail('ipv6_truncated_ext_header');
  }
  p.proto = next;
  return transport(p, next, o, ipEnd, dgEnd, depth);
}

/**
 * Transport header at off; `end` is the end of captured bytes of this datagram, `dgEnd` where the
 * datagram ends according to the IP header (larger when the capture was cut by the snap length).
 */
function transport(p: Packet, proto: number, off: number, end: number, dgEnd: number, depth: number): boolean {
  const b = p.buf;
  switch (proto) {
    case IPPROTO_TCP: {
      if (end - off < 20) return p.fail('tcp_truncated_header', `${end - off} bytes`), true;
      const doff = (b[off + 12]! >> 4) * 4;
      if (doff < 20) return p.fail('tcp_bad_header_len', `${doff}`), true;
      if (end - off < doff) return p.fail('tcp_truncated_options', `${doff} > ${end - off}`), true;
      p.sport = u16(b, off);
      p.dport = u16(b, off + 2);
      p.seq = u32(b, off + 4);
      p.ack = u32(b, off + 8);
      p.flags = b[off + 13]!;
      p.win = u16(b, off + 14);
      p.l4 = true;
      p.payOff = off + doff;
      p.payLen = Math.max(0, dgEnd - p.payOff);
      p.payCap = Math.max(0, Math.min(end, dgEnd) - p.payOff);
      return true;
    }
    case IPPROTO_UDP: {
      if (end - off < 8) return p.fail('udp_truncated_header', `${end - off} bytes`), true;
      p.sport = u16(b, off);
      p.dport = u16(b, off + 2);
      const ulen = u16(b, off + 4);
      p.l4 = true;
      p.payOff = off + 8;
      // UDP length 0 is legal for IPv6 jumbograms; otherwise trust the smaller of UDP and IP lengths.
      let pend = dgEnd;
      if (ulen >= 8 && off + ulen < dgEnd) pend = off + ulen;
      else if (ulen !== 0 && ulen < 8) p.fail('udp_bad_length', `${ulen}`);
      p.payLen = Math.max(0, pend - p.payOff);
      p.payCap = Math.max(0, Math.min(end, pend) - p.payOff);
      if ((p.dport === VXLAN_PORT || p.sport === VXLAN_PORT) && depth < MAX_ENCAP_DEPTH && p.payCap >= 8 + 14 && (b[p.payOff]! & 0x08) !== 0) {
        // VXLAN: decode the inner Ethernet frame; the inner flow is what we track.
        const save = p.payOff, saveCap = p.payCap;
        const inner = ethernet(p, save + 8, save + saveCap, depth + 1);
        if (inner && p.ipVersion !== 0) return true;
      }
      return true;
    }
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6: {
      if (end - off < 4) return p.fail('icmp_truncated_header'), true;
      p.sport = b[off]!; // type
      p.dport = b[off + 1]!; // code
      p.l4 = true;
      p.payOff = off + 4;
      p.payLen = Math.max(0, dgEnd - p.payOff);
      p.payCap = Math.max(0, Math.min(end, dgEnd) - p.payOff);
      return true;
    }
    case 4: // IPv4 in IP
      if (depth >= MAX_ENCAP_DEPTH) return p.fail('encap_too_deep'), true;
      return ipv4(p, off, end, depth + 1) || true;
    case 41: // IPv6 in IP
      if (depth >= MAX_ENCAP_DEPTH) return p.fail('encap_too_deep'), true;
      return ipv6(p, off, end, depth + 1) || true;
    case 47: { // GRE (RFC 2784/2890): flags, protocol type, optional checksum/key/sequence
      if (depth >= MAX_ENCAP_DEPTH) return p.fail('encap_too_deep'), true;
      if (end - off < 4) return p.fail('gre_truncated'), true;
      const fl = u16(b, off);
      if ((fl & 7) !== 0) return true; // GRE version 1 (PPTP) or other: keep the outer flow
      const type = u16(b, off + 2);
      let o = off + 4;
      if (fl & 0x8000) o += 4;
      if (fl & 0x2000) o += 4;
      if (fl & 0x1000) o += 4;
      if (o > end) return p.fail('gre_truncated'), true;
      const save = saveOuter(p);
      const inner = type === 0x6558 ? ethernet(p, o, end, depth + 1) : ethertype(p, type, o, end, depth + 1);
      if (!inner || p.ipVersion === 0 || !p.l4) restoreOuter(p, save);
      return true;
    }
    default:
      return true; // IP without a transport we track (ESP, OSPF ...): counted as an IP flow
  }
}

// GRE that holds something we cannot decode falls back to the outer GRE "flow".
interface Outer { v: number; s: number[]; d: number[]; proto: number; ipOff: number; ipLen: number }
function saveOuter(p: Packet): Outer {
  return { v: p.ipVersion, s: Array.from(p.src), d: Array.from(p.dst), proto: p.proto, ipOff: p.ipOff, ipLen: p.ipLen };
}
function restoreOuter(p: Packet, o: Outer): void {
  p.ipVersion = o.v; p.src.set(o.s); p.dst.set(o.d); p.proto = o.proto; p.ipOff = o.ipOff; p.ipLen = o.ipLen;
  p.l4 = false; p.sport = 0; p.dport = 0;
}

linkDecoders.set(0, bsdNull);
linkDecoders.set(1, ethernet);
linkDecoders.set(12, rawIp);
linkDecoders.set(14, rawIp);
linkDecoders.set(101, rawIp);
linkDecoders.set(108, bsdLoop);
linkDecoders.set(113, sll);
linkDecoders.set(228, (p, o, e, d) => ipv4(p, o, e, d));
linkDecoders.set(229, (p, o, e, d) => ipv6(p, o, e, d));
linkDecoders.set(276, sll2);

etherDecoders.set(0x0800, ipv4);
etherDecoders.set(0x86dd, ipv6);
etherDecoders.set(0x8100, vlan);
etherDecoders.set(0x88a8, vlan);
etherDecoders.set(0x9100, vlan);
etherDecoders.set(0x8864, pppoe);
etherDecoders.set(0x8847, mpls);
for (const [type, dec] of etherDecoders) etherTable[type] = dec;

/**
 * The flow hash of a common packet without decoding it: Ethernet (up to two VLAN tags), IPv4
 * without fragmentation or IPv6 without extension headers, then a complete TCP or UDP header
 * (not VXLAN). Returns the same value as `tupleHash` over the key that full decoding gives
 * (unsigned), or -1 when the packet is anything else or anything in it would make full decoding
 * see it differently: then only full decoding can tell. Sharded sensors use it to skip packets
 * of other shards cheaply.
 */
export function quickFlowHash(b: Uint8Array, off: number, caplen: number, linktype: number, hash: QuickHash): number {
  if (linktype !== 1) return -1;
  const end = off + caplen;
  if (caplen < 14) return -1;
  let o = off + 14;
  let type = u16(b, off + 12);
  for (let tags = 0; tags < 2 && (type === 0x8100 || type === 0x88a8 || type === 0x9100); tags++) {
    if (end - o < 4) return -1;
    type = u16(b, o + 2);
    o += 4;
  }
  let ipEnd: number, proto: number, t: number;
  let s0 = 0, s1 = 0, s2 = 0xffff, s3: number, d0 = 0, d1 = 0, d2 = 0xffff, d3: number;
  if (type === 0x0800) {
    if (end - o < 20) return -1;
    const vihl = b[o]!;
    const hl = (vihl & 15) * 4;
    if (vihl >> 4 !== 4 || hl < 20 || end - o < hl) return -1;
    let total = u16(b, o + 2);
    if (total === 0) total = end - o;
    if (total < hl || (u16(b, o + 6) & 0x3fff) !== 0) return -1; // fragments: full decoding
    proto = b[o + 9]!;
    s3 = u32(b, o + 12) | 0;
    d3 = u32(b, o + 16) | 0;
    ipEnd = Math.min(end, o + total);
    t = o + hl;
  } else if (type === 0x86dd) {
    if (end - o < 40 || b[o]! >> 4 !== 6) return -1;
    proto = b[o + 6]!;
    s0 = u32(b, o + 8) | 0; s1 = u32(b, o + 12) | 0; s2 = u32(b, o + 16) | 0; s3 = u32(b, o + 20) | 0;
    d0 = u32(b, o + 24) | 0; d1 = u32(b, o + 28) | 0; d2 = u32(b, o + 32) | 0; d3 = u32(b, o + 36) | 0;
    ipEnd = Math.min(end, o + 40 + u16(b, o + 4));
    t = o + 40;
  } else {
    return -1;
  }
  let sp: number, dp: number;
  if (proto === IPPROTO_TCP) {
    if (ipEnd - t < 20) return -1;
    const doff = (b[t + 12]! >> 4) * 4;
    if (doff < 20 || ipEnd - t < doff) return -1;
  } else if (proto === IPPROTO_UDP) {
    if (ipEnd - t < 8) return -1;
  } else {
    return -1;
  }
  sp = u16(b, t);
  dp = u16(b, t + 2);
  if (proto === IPPROTO_UDP && (sp === VXLAN_PORT || dp === VXLAN_PORT)) return -1;
  return hash(s0, s1, s2, s3, sp, d0, d1, d2, d3, dp, proto) >>> 0;
}

/** The 5-tuple hash `quickFlowHash` computes with (the flow table's, passed in to keep layers apart). */
export type QuickHash = (s0: number, s1: number, s2: number, s3: number, sp: number,
  d0: number, d1: number, d2: number, d3: number, dp: number, proto: number) => number;
