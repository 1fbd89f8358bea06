/**
 * Community ID flow hashing, version 1 (the published Community ID specification): a SHA-1 over
 * seed, the ordered endpoint addresses, the protocol, a zero pad byte and the ordered ports,
 * rendered as `1:` + base64. Endpoints are ordered so that both directions give the same value;
 * ICMP types with a request/reply counterpart are mapped so that request and reply agree, other
 * ICMP messages are "one-way" and keep their direction.
 */
import * as crypto from 'node:crypto';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, addrBytes } from '../packet/packet.js';

const IPPROTO_SCTP = 132;

/** ICMPv4 request/reply counterparts (echo, timestamp, info, router, address mask). */
const ICMP4_PAIR: Record<number, number> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17 };
/** ICMPv6 counterparts (echo, multicast listener, router, neighbor, home agent). */
const ICMP6_PAIR: Record<number, number> = {
  128: 129, 129: 128, 130: 131, 131: 130, 133: 134, 134: 133, 135: 136, 136: 135, 144: 145, 145: 144,
};

/** One-shot hashing (Node 20.12+): no Hash object per call; createHash on older runtimes. */
type OneShot = (algorithm: string, data: Uint8Array, encoding: 'base64' | 'hex') => string;
const oneShot: OneShot | undefined = (crypto as unknown as { hash?: OneShot }).hash;

/** `algorithm` digest of `data` in `encoding`, the fastest way this runtime offers. */
export function digest(algorithm: string, data: Uint8Array | string, encoding: 'base64' | 'hex'): string {
  if (oneShot !== undefined) return oneShot(algorithm, data as Uint8Array, encoding);
  return crypto.createHash(algorithm).update(data).digest(encoding);
}

const HAS_PORTS = 1, ONE_WAY = 2;

/**
 * The specification's port rules, packed in one number (no allocation on the hot path): bit 0
 * the protocol has ports, bit 1 the flow is one-way (an ICMP type without counterpart), bits 2+
 * the destination port to hash (ICMP: the counterpart type of a request/reply, else the code).
 */
function portRule(proto: number, sport: number, dport: number): number {
  if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
    const pair = (proto === IPPROTO_ICMP ? ICMP4_PAIR : ICMP6_PAIR)[sport];
    return pair === undefined ? HAS_PORTS | ONE_WAY | (dport << 2) : HAS_PORTS | (pair << 2);
  }
  const ports = proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP;
  return (ports ? HAS_PORTS : 0) | (dport << 2);
}

function cmpBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Scratch input of the hash: 2 seed + 16 + 16 address + proto + pad + 4 ports. */
const SCRATCH = new Uint8Array(40);
/** Views of SCRATCH for each possible input length (made once). */
const VIEWS: Uint8Array[] = [];
for (let n = 0; n <= SCRATCH.length; n++) VIEWS.push(SCRATCH.subarray(0, n));

/**
 * Community ID v1 of a flow given as address words (four 32-bit words per address, IPv4 in the
 * IPv4-mapped form ::ffff:a.b.c.d, as the sensor keeps them). Same result as {@link communityId}
 * on the addresses' bytes, without allocating anything but the result.
 */
export function communityIdWords(
  a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, b2: number, b3: number,
  proto: number, sport: number, dport: number, seed = 0,
): string {
  const v4a = a0 === 0 && a1 === 0 && a2 === 0xffff;
  const v4 = v4a && b0 === 0 && b1 === 0 && b2 === 0xffff;
  if (!v4 && v4a !== (b0 === 0 && b1 === 0 && b2 === 0xffff)) {
    // One IPv4-mapped address beside a real IPv6 one (an odd IPv6 packet): the byte form handles it.
    return communityId(addrBytes([a0, a1, a2, a3]), addrBytes([b0, b1, b2, b3]), proto, sport, dport, seed);
  }
  const rule = portRule(proto, sport, dport);
  const hasPorts = (rule & HAS_PORTS) !== 0;
  const oneWay = (rule & ONE_WAY) !== 0;
  dport = rule >>> 2;
  // Compare the addresses as unsigned big-endian words (the byte order of the specification).
  let c = (a0 >>> 0) - (b0 >>> 0);
  if (c === 0) c = (a1 >>> 0) - (b1 >>> 0);
  if (c === 0) c = (a2 >>> 0) - (b2 >>> 0);
  if (c === 0) c = (a3 >>> 0) - (b3 >>> 0);
  const ordered = c < 0 || (c === 0 && (!hasPorts || sport <= dport));
  const b = SCRATCH;
  b[0] = (seed >>> 8) & 0xff;
  b[1] = seed & 0xff;
  let o = 2;
  const swap = !oneWay && !ordered;
  const x0 = swap ? b0 : a0, x1 = swap ? b1 : a1, x2 = swap ? b2 : a2, x3 = swap ? b3 : a3;
  const y0 = swap ? a0 : b0, y1 = swap ? a1 : b1, y2 = swap ? a2 : b2, y3 = swap ? a3 : b3;
  if (!v4) {
    o = putWord(b, o, x0); o = putWord(b, o, x1); o = putWord(b, o, x2);
  }
  o = putWord(b, o, x3);
  if (!v4) {
    o = putWord(b, o, y0); o = putWord(b, o, y1); o = putWord(b, o, y2);
  }
  o = putWord(b, o, y3);
  b[o++] = proto;
  b[o++] = 0;
  if (hasPorts) {
    const sp = swap ? dport : sport, dp = swap ? sport : dport;
    b[o++] = (sp >>> 8) & 0xff;
    b[o++] = sp & 0xff;
    b[o++] = (dp >>> 8) & 0xff;
    b[o++] = dp & 0xff;
  }
  return '1:' + digest('sha1', VIEWS[o]!, 'base64');
}

function putWord(b: Uint8Array, o: number, w: number): number {
  b[o] = w >>> 24;
  b[o + 1] = (w >>> 16) & 0xff;
  b[o + 2] = (w >>> 8) & 0xff;
  b[o + 3] = w & 0xff;
  return o + 4;
}
/**
 * Community ID v1 of a flow. Addresses are network-order bytes (4 or 16). For ICMP/ICMPv6 pass
 * the type as `sport` and the code as `dport`.
 */
export function communityId(src: Uint8Array, dst: Uint8Array, proto: number, sport: number, dport: number, seed = 0): string {
  const rule = portRule(proto, sport, dport);
  const hasPorts = (rule & HAS_PORTS) !== 0;
  const oneWay = (rule & ONE_WAY) !== 0;
  dport = rule >>> 2;
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
  return '1:' + digest('sha1', buf, 'base64');
}
