/**
 * Buffered pcap writer with in-place packet builders. Packets are built directly in a large
 * output buffer (Ethernet II, IPv4 or IPv6, TCP, UDP or ICMP, checksums computed over the bytes just
 * written); when the buffer passes FLUSH_AT_BYTES it is handed to an asynchronous write while
 * the next one fills (double buffering), so generation and disk I/O overlap.
 *
 * Output: classic pcap, microsecond timestamps, LINKTYPE_ETHERNET, little-endian.
 */
import type { FileHandle } from 'node:fs/promises';
import { finish, sumBytes } from './checksum.js';
import type { IpBytes } from './addr.js';

/** Flush threshold of the output buffer, bytes. */
export const FLUSH_AT_BYTES = 4 * 1024 * 1024;
/** Largest record the builders write: pcap header + Ethernet + IPv6 + TCP with options + MSS payload. */
const MAX_RECORD_BYTES = 16 + 14 + 40 + 60 + 9000;
/** Snapshot length announced in the file header, bytes. */
export const SNAPLEN = 262144;
/** Ethernet frames shorter than this (without FCS) are zero-padded, as on a SPAN port. */
export const ETH_MIN_FRAME = 60;

/** TCP flag bits. */
export const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

/** One end of a flow as it appears in frames. `ipId` is advanced for every IPv4 packet it sends. */
export interface Side {
  /** MAC on the captured segment (the gateway's MAC for remote endpoints). */
  mac: Uint8Array;
  ip: IpBytes;
  /** TTL / hop limit as seen at the sensor. */
  ttl: number;
  /** Next IPv4 identification value. */
  ipId: number;
}

/** Payload as a list of byte chunks (headers built per message, bulk bytes as views of a pool). */
export type Chunks = readonly Uint8Array[];

/** The 24-byte pcap file header. */
export function pcapFileHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeInt32LE(0, 8);
  h.writeUInt32LE(0, 12);
  h.writeUInt32LE(SNAPLEN, 16);
  h.writeUInt32LE(1, 20);
  return h;
}

/** Writes packets to a file handle. Call `flush()` when `needsFlush`, and `close()` at the end. */
export class PcapWriter {
  private bufs: [Buffer, Buffer];
  private cur = 0;
  buf: Buffer;
  private dv: DataView;
  pos = 0;
  /** Packets written so far. */
  packets = 0;
  /** File bytes written so far (including headers and pending buffer). */
  bytes = 24;
  private pending: Promise<unknown> | null = null;

  constructor(private readonly fh: FileHandle) {
    this.bufs = [Buffer.allocUnsafe(FLUSH_AT_BYTES + MAX_RECORD_BYTES), Buffer.allocUnsafe(FLUSH_AT_BYTES + MAX_RECORD_BYTES)];
    this.buf = this.bufs[0];
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    pcapFileHeader().copy(this.buf, 0);
    this.pos = 24;
  }

  /** True when the buffer should be flushed before the next packet. */
  get needsFlush(): boolean {
    return this.pos >= FLUSH_AT_BYTES;
  }

  /** Hands the filled buffer to the file and switches to the other one. */
  async flush(): Promise<void> {
    if (this.pos === 0) return;
    const full = this.buf.subarray(0, this.pos);
    if (this.pending) await this.pending;
    this.pending = this.fh.write(full, 0, full.length);
    this.cur ^= 1;
    this.buf = this.bufs[this.cur];
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = 0;
  }

  /** Flushes everything; the caller closes the handle. */
  async close(): Promise<void> {
    await this.flush();
    if (this.pending) await this.pending;
    this.pending = null;
  }

  /** Writes the pcap record header and the Ethernet header; returns the offset of the L3 header. */
  private frame(tsUs: number, l3Len: number, src: Side, dst: Side, v6: boolean): number {
    const b = this.buf;
    const p = this.pos;
    const frameLen = Math.max(14 + l3Len, ETH_MIN_FRAME);
    const sec = Math.floor(tsUs / 1e6);
    this.dv.setUint32(p, sec, true);
    this.dv.setUint32(p + 4, tsUs - sec * 1e6, true);
    this.dv.setUint32(p + 8, frameLen, true);
    this.dv.setUint32(p + 12, frameLen, true);
    b.set(dst.mac, p + 16);
    b.set(src.mac, p + 22);
    b[p + 28] = v6 ? 0x86 : 0x08;
    b[p + 29] = v6 ? 0xdd : 0x00;
    if (14 + l3Len < ETH_MIN_FRAME) b.fill(0, p + 30 + l3Len, p + 16 + ETH_MIN_FRAME);
    this.pos = p + 16 + frameLen;
    this.packets++;
    this.bytes += 16 + frameLen;
    return p + 30;
  }

  /** Writes the IP header at `o`; returns the pseudo-header sum for the transport checksum. */
  private ipHeader(o: number, src: Side, dst: Side, proto: number, l4Len: number, df: boolean, flowLabel: number): number {
    const b = this.buf;
    const dv = this.dv;
    if (src.ip.length === 4) {
      dv.setUint32(o, 0x45000000 | (20 + l4Len));
      dv.setUint16(o + 4, src.ipId);
      src.ipId = (src.ipId + 1) & 0xffff;
      dv.setUint16(o + 6, df ? 0x4000 : 0);
      b[o + 8] = src.ttl;
      b[o + 9] = proto;
      dv.setUint16(o + 10, 0);
      b.set(src.ip, o + 12);
      b.set(dst.ip, o + 16);
      dv.setUint16(o + 10, finish(sumBytes(b, dv, o, 20, 0)));
      return sumBytes(b, dv, o + 12, 8, proto + l4Len);
    }
    dv.setUint32(o, 0x60000000 | (flowLabel & 0xfffff));
    dv.setUint16(o + 4, l4Len);
    b[o + 6] = proto;
    b[o + 7] = src.ttl;
    b.set(src.ip, o + 8);
    b.set(dst.ip, o + 24);
    return sumBytes(b, dv, o + 8, 32, proto + l4Len);
  }

  /**
   * One TCP segment. Payload: `len` bytes of `chunks` starting at chunk `ci`, offset `co`.
   * `opts` (a multiple of 4 bytes) goes after the fixed header.
   */
  tcp(tsUs: number, src: Side, dst: Side, sport: number, dport: number, seq: number, ack: number, flags: number,
    win: number, opts: Uint8Array | null, chunks: Chunks | null, ci: number, co: number, len: number, flowLabel: number): void {
    const v6 = src.ip.length === 16;
    const optLen = opts ? opts.length : 0;
    const l4Len = 20 + optLen + len;
    const l3 = this.frame(tsUs, (v6 ? 40 : 20) + l4Len, src, dst, v6);
    const pseudo = this.ipHeader(l3, src, dst, 6, l4Len, true, flowLabel);
    const o = l3 + (v6 ? 40 : 20);
    const b = this.buf;
    const dv = this.dv;
    dv.setUint16(o, sport);
    dv.setUint16(o + 2, dport);
    dv.setUint32(o + 4, seq >>> 0);
    dv.setUint32(o + 8, flags & ACK ? ack >>> 0 : 0);
    dv.setUint16(o + 12, (((20 + optLen) >> 2) << 12) | flags);
    dv.setUint16(o + 14, win);
    dv.setUint32(o + 16, 0);
    if (opts) b.set(opts, o + 20);
    let d = o + 20 + optLen;
    let left = len;
    while (left > 0 && chunks) {
      const c = chunks[ci];
      const n = Math.min(left, c.length - co);
      b.set(n === c.length ? c : c.subarray(co, co + n), d);
      d += n;
      left -= n;
      ci++;
      co = 0;
    }
    dv.setUint16(o + 16, finish(sumBytes(b, dv, o, l4Len, pseudo)));
  }

  /** One UDP datagram carrying `payload`. */
  udp(tsUs: number, src: Side, dst: Side, sport: number, dport: number, payload: Uint8Array, flowLabel: number): void {
    const v6 = src.ip.length === 16;
    const l4Len = 8 + payload.length;
    const l3 = this.frame(tsUs, (v6 ? 40 : 20) + l4Len, src, dst, v6);
    const pseudo = this.ipHeader(l3, src, dst, 17, l4Len, false, flowLabel);
    const o = l3 + (v6 ? 40 : 20);
    const dv = this.dv;
    dv.setUint16(o, sport);
    dv.setUint16(o + 2, dport);
    dv.setUint16(o + 4, l4Len);
    dv.setUint16(o + 6, 0);
    this.buf.set(payload, o + 8);
    const c = finish(sumBytes(this.buf, dv, o, l4Len, pseudo));
    dv.setUint16(o + 6, c === 0 ? 0xffff : c);
  }

  /**
   * One ICMP (over IPv4) or ICMPv6 (over IPv6) query message: type, code, identifier, sequence
   * number, then `payload` (echo data). The ICMPv4 checksum covers the message only; the ICMPv6
   * one also covers the IPv6 pseudo-header (RFC 4443 section 2.3).
   */
  icmp(tsUs: number, src: Side, dst: Side, type: number, code: number, ident: number, seq: number, payload: Uint8Array, flowLabel: number): void {
    const v6 = src.ip.length === 16;
    const l4Len = 8 + payload.length;
    const l3 = this.frame(tsUs, (v6 ? 40 : 20) + l4Len, src, dst, v6);
    const pseudo = this.ipHeader(l3, src, dst, v6 ? 58 : 1, l4Len, false, flowLabel);
    const o = l3 + (v6 ? 40 : 20);
    const b = this.buf;
    const dv = this.dv;
    b[o] = type;
    b[o + 1] = code;
    dv.setUint16(o + 2, 0);
    dv.setUint16(o + 4, ident);
    dv.setUint16(o + 6, seq);
    b.set(payload, o + 8);
    dv.setUint16(o + 2, finish(sumBytes(b, dv, o, l4Len, v6 ? pseudo : 0)));
  }
}
