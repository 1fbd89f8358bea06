/**
 * An independent checker for simulated captures (used by tests and `bench`): walks a pcap
 * buffer and verifies framing, Ethernet/IPv4/IPv6 headers, IPv4 header checksums, TCP, UDP,
 * ICMP and ICMPv6 checksums, timestamp order, and per-connection TCP sequence/acknowledgement consistency
 * (every data segment continues its direction's stream exactly; no ACK covers bytes not yet sent).
 * Returns per-flow statistics so tests can check what was generated.
 */
import { finish, sumBytes } from './checksum.js';
import { ipStr } from './addr.js';

/** One direction-agnostic flow as seen in the capture. */
export interface FlowStat {
  proto: 'tcp' | 'udp' | 'icmp';
  /**
   * Originator (first packet's source) and responder. ICMP query exchanges (request and reply
   * share the identifier) are one flow: `sport` is the identifier, `dport` the first message's type.
   */
  src: string;
  sport: number;
  dst: string;
  dport: number;
  packets: number;
  /** Frame bytes. */
  bytes: number;
  /** Payload bytes per direction (0 = originator). */
  payload: [number, number];
  first: number;
  last: number;
  /** TCP: SYN seen, SYN/ACK seen, FIN count, RST seen. */
  syn: number;
  synAck: boolean;
  fins: number;
  rst: boolean;
  /** First payload bytes of each direction (up to 64), for content checks. */
  head: [Uint8Array | null, Uint8Array | null];
}

/** A DNS response seen in the capture (kept when `keepDns` is set). */
export interface DnsSeen {
  ts: number;
  /** The client the answer went to. */
  client: string;
  payload: Uint8Array;
}

/** What `verifyPcap` found. */
export interface VerifyResult {
  packets: number;
  /** DNS responses (UDP from port 53), when asked for. */
  dns: DnsSeen[];
  /** Problems found, one line each (empty when the capture is valid). */
  errors: string[];
  flows: Map<string, FlowStat>;
}

interface TcpDir {
  isn: number;
  next: number;
  maxAcked: number;
}

const MAX_ERRORS = 50;

function add32(a: number, b: number): number {
  return (a + b) >>> 0;
}
function lt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** Verifies a whole pcap file held in memory. */
export function verifyPcap(buf: Uint8Array, opts: { keepDns?: boolean } = {}): VerifyResult {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const errors: string[] = [];
  const err = (m: string): void => { if (errors.length < MAX_ERRORS) errors.push(m); };
  const flows = new Map<string, FlowStat>();
  const dns: DnsSeen[] = [];
  /** 5-tuple -> key of its latest connection (keys differ after port reuse). */
  const current = new Map<string, string>();
  let reuse = 0;
  const tcpState = new Map<string, [TcpDir | null, TcpDir | null]>();
  if (buf.length < 24 || dv.getUint32(0, true) !== 0xa1b2c3d4) {
    return { packets: 0, dns, errors: ['bad pcap magic'], flows };
  }
  if (dv.getUint32(20, true) !== 1) err('link type is not Ethernet');
  let off = 24;
  let n = 0;
  let lastTs = -1;
  while (off < buf.length) {
    if (off + 16 > buf.length) { err(`truncated record header at ${off}`); break; }
    const ts = dv.getUint32(off, true) * 1e6 + dv.getUint32(off + 4, true);
    const usec = dv.getUint32(off + 4, true);
    const incl = dv.getUint32(off + 8, true);
    const orig = dv.getUint32(off + 12, true);
    n++;
    const where = `packet ${n}`;
    if (usec >= 1e6) err(`${where}: usec out of range`);
    if (incl !== orig) err(`${where}: truncated frame`);
    if (ts < lastTs) err(`${where}: timestamp goes backwards`);
    lastTs = ts;
    const p = off + 16;
    off = p + incl;
    if (off > buf.length) { err(`${where}: frame past end of file`); break; }
    if (incl < 60) err(`${where}: frame shorter than 60 bytes`);
    const et = dv.getUint16(p + 12);
    let l4: number, l4Len: number, proto: number, src: Uint8Array, dst: Uint8Array, pseudo: number;
    if (et === 0x0800) {
      const ip = p + 14;
      if ((buf[ip] >> 4) !== 4 || (buf[ip] & 15) !== 5) { err(`${where}: unexpected IPv4 header`); continue; }
      const tot = dv.getUint16(ip + 2);
      if (ip + tot > off) { err(`${where}: IPv4 total length past frame`); continue; }
      if (finish(sumBytes(buf, dv, ip, 20, 0)) !== 0) err(`${where}: bad IPv4 header checksum`);
      proto = buf[ip + 9];
      src = buf.subarray(ip + 12, ip + 16);
      dst = buf.subarray(ip + 16, ip + 20);
      l4 = ip + 20;
      l4Len = tot - 20;
      pseudo = sumBytes(buf, dv, ip + 12, 8, proto + l4Len);
    } else if (et === 0x86dd) {
      const ip = p + 14;
      l4Len = dv.getUint16(ip + 4);
      proto = buf[ip + 6];
      src = buf.subarray(ip + 8, ip + 24);
      dst = buf.subarray(ip + 24, ip + 40);
      l4 = ip + 40;
      if (l4 + l4Len > off) { err(`${where}: IPv6 payload length past frame`); continue; }
      pseudo = sumBytes(buf, dv, ip + 8, 32, proto + l4Len);
    } else {
      err(`${where}: unexpected ethertype ${et.toString(16)}`);
      continue;
    }
    const icmp = (proto === 1 && et === 0x0800) || (proto === 58 && et === 0x86dd);
    if (proto !== 6 && proto !== 17 && !icmp) { err(`${where}: unexpected IP protocol ${proto}`); continue; }
    // The ICMPv4 checksum covers the message only; TCP, UDP and ICMPv6 include the pseudo-header.
    const sum = finish(sumBytes(buf, dv, l4, l4Len, proto === 1 ? 0 : pseudo));
    if (sum !== 0) err(`${where}: bad ${proto === 6 ? 'TCP' : proto === 17 ? 'UDP' : proto === 1 ? 'ICMP' : 'ICMPv6'} checksum`);
    if (icmp) {
      if (l4Len < 8) { err(`${where}: ICMP message shorter than 8 bytes`); continue; }
      const ident = dv.getUint16(l4 + 4);
      const a = ipStr(src), b = ipStr(dst);
      const key = `${proto}|${a < b ? a : b}|${a < b ? b : a}|${ident}`;
      let f = flows.get(key);
      if (!f) {
        f = { proto: 'icmp', src: a, sport: ident, dst: b, dport: buf[l4], packets: 0, bytes: 0, payload: [0, 0],
          first: ts, last: ts, syn: 0, synAck: false, fins: 0, rst: false, head: [null, null] };
        flows.set(key, f);
      }
      const dir = f.src === a ? 0 : 1;
      f.packets++;
      f.bytes += incl;
      f.last = ts;
      f.payload[dir] += l4Len - 8;
      if (!f.head[dir] && l4Len > 8) f.head[dir] = buf.slice(l4 + 8, l4 + Math.min(l4Len, 72));
      continue;
    }
    const sport = dv.getUint16(l4), dport = dv.getUint16(l4 + 2);
    const a = `${ipStr(src)}:${sport}`, b = `${ipStr(dst)}:${dport}`;
    const base = `${proto}|${a < b ? a : b}|${a < b ? b : a}`;
    let key = current.get(base) ?? base;
    if (proto === 6) {
      // A fresh SYN (new ISN) on a 5-tuple already used starts a new connection (port reuse).
      const st0 = tcpState.get(key);
      const fl = buf[l4 + 13];
      if (st0 && (fl & 0x12) === 0x02) {
        const d0 = st0[0] && flows.get(key)!.src === ipStr(src) && flows.get(key)!.sport === sport ? st0[0] : st0[1];
        if (d0 && d0.isn !== dv.getUint32(l4 + 4)) {
          key = `${base}#${++reuse}`;
          current.set(base, key);
        }
      }
    }
    let f = flows.get(key);
    if (!f) {
      f = { proto: proto === 6 ? 'tcp' : 'udp', src: ipStr(src), sport, dst: ipStr(dst), dport, packets: 0, bytes: 0, payload: [0, 0],
        first: ts, last: ts, syn: 0, synAck: false, fins: 0, rst: false, head: [null, null] };
      flows.set(key, f);
    }
    const dir = f.src === ipStr(src) && f.sport === sport ? 0 : 1;
    f.packets++;
    f.bytes += incl;
    f.last = ts;
    let dataOff: number, dataLen: number;
    if (proto === 17) {
      if (dv.getUint16(l4 + 4) !== l4Len) err(`${where}: UDP length mismatch`);
      dataOff = l4 + 8;
      dataLen = l4Len - 8;
      if (opts.keepDns && sport === 53) dns.push({ ts, client: ipStr(dst), payload: buf.slice(dataOff, dataOff + dataLen) });
    } else {
      const hl = (buf[l4 + 12] >> 4) * 4;
      const flags = buf[l4 + 13];
      const seq = dv.getUint32(l4 + 4), ack = dv.getUint32(l4 + 8);
      dataOff = l4 + hl;
      dataLen = l4Len - hl;
      let st = tcpState.get(key);
      if (!st) { st = [null, null]; tcpState.set(key, st); }
      const me = st[dir], other = st[dir ^ 1];
      if (flags & 0x02) {
        if (flags & 0x10) f.synAck = true; else f.syn++;
        if (me && me.isn !== seq) err(`${where}: SYN with a different ISN`);
        if (!me) st[dir] = { isn: seq, next: add32(seq, 1), maxAcked: 0 };
      } else if (!(flags & 0x04)) {
        if (!me) { err(`${where}: TCP data before SYN in ${key}`); }
        else {
          if (dataLen > 0 || flags & 0x01) {
            if (seq !== me.next) err(`${where}: sequence gap/overlap in ${key} (seq ${seq - me.isn}, expected ${me.next - me.isn})`);
            me.next = add32(seq, dataLen + (flags & 0x01 ? 1 : 0));
          } else if (seq !== me.next) err(`${where}: pure ACK with stale sequence in ${key}`);
        }
      }
      if (flags & 0x04) f.rst = true;
      if (flags & 0x01) f.fins++;
      if (flags & 0x10 && other && !(flags & 0x04)) {
        if (lt(other.next, ack)) err(`${where}: ACK of unseen data in ${key}`);
      }
    }
    if (dataLen > 0) {
      f.payload[dir] += dataLen;
      if (!f.head[dir]) f.head[dir] = buf.slice(dataOff, dataOff + Math.min(64, dataLen));
    }
  }
  return { packets: n, dns, errors, flows };
}
