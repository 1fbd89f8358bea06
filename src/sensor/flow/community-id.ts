/**
 * Community ID flow hashing, version 1 (the published Community ID specification): a SHA-1 over
 * seed, the ordered endpoint addresses, the protocol, a zero pad byte and the ordered ports,
 * rendered as `1:` + base64. Endpoints are ordered so that both directions give the same value;
 * ICMP types with a request/reply counterpart are mapped so that request and reply agree, other
 * ICMP messages are "one-way" and keep their direction.
 */
import { createHash } from 'node:crypto';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../packet/packet.js';

const IPPROTO_SCTP = 132;

/** ICMPv4 request/reply counterparts (echo, timestamp, info, router, address mask). */
const ICMP4_PAIR: Record<number, number> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17 };
/** ICMPv6 counterparts (echo, multicast listener, router, neighbor, home agent). */
const ICMP6_PAIR: Record<number, number> = {
  128: 129, 129: 128, 130: 131, 131: 130, 133: 134, 134: 133, 135: 136, 136: 135, 144: 145, 145: 144,
};

function cmpBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * Community ID v1 of a flow. Addresses are network-order bytes (4 or 16). For ICMP/ICMPv6 pass
 * the type as `sport` and the code as `dport`.
 */
export function communityId(src: Uint8Array, dst: Uint8Array, proto: number, sport: number, dport: number, seed = 0): string {
  let hasPorts = proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP;
  let oneWay = false;
  if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
    hasPorts = true;
    const pair = (proto === IPPROTO_ICMP ? ICMP4_PAIR : ICMP6_PAIR)[sport];
    if (pair === undefined) oneWay = true;
    else dport = pair;
  }
  const c = cmpBytes(src, dst);
  const ordered = c < 0 || (c === 0 && (!hasPorts || sport <= dport));
  if (!oneWay && !ordered) {
    [src, dst] = [dst, src];
    [sport, dport] = [dport, sport];
  }
  const n = 2 + src.length + dst.length + 2 + (hasPorts ? 4 : 0);
  const buf = Buffer.alloc(n);
  buf.writeUInt16BE(seed & 0xffff, 0);
  buf.set(src, 2);
  buf.set(dst, 2 + src.length);
  let o = 2 + src.length + dst.length;
  buf[o++] = proto;
  buf[o++] = 0;
  if (hasPorts) {
    buf.writeUInt16BE(sport & 0xffff, o);
    buf.writeUInt16BE(dport & 0xffff, o + 2);
  }
  return '1:' + createHash('sha1').update(buf).digest('base64');
}
