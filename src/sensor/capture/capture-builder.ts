/**
 * Builds pcap and pcapng files byte by byte, with the packets a correct reader must deliver.
 * For tests (and simulators): it writes exactly what the specifications describe, including
 * cases real writers rarely produce (several sections in both byte orders, odd resolutions).
 */

/** A packet as a reader must deliver it. */
export interface ExpectedPacket {
  data: Uint8Array;
  origlen: number;
  ts: number;
  linktype: number;
  ifIndex: number;
}

/** A built capture: its bytes, the packets in it, and where each record or block starts. */
export interface BuiltCapture {
  bytes: Uint8Array;
  packets: ExpectedPacket[];
  /** Start offsets of every record/block after the file header (pcap) or of every block (pcapng). */
  recordStarts: number[];
  /** For each packet, the end offset of the record that holds it. */
  packetEnds: number[];
  /** Offset where the first record starts (pcap: 24; pcapng: 0). */
  headerEnd: number;
}

/** A growable little/big-endian byte writer. */
export class ByteWriter {
  private buf = new Uint8Array(1024);
  private dv = new DataView(this.buf.buffer);
  length = 0;
  constructor(public le = true) {}

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }
  u8(v: number): this { this.room(1); this.buf[this.length++] = v; return this; }
  u16(v: number): this { this.room(2); this.dv.setUint16(this.length, v, this.le); this.length += 2; return this; }
  u32(v: number): this { this.room(4); this.dv.setUint32(this.length, v >>> 0, this.le); this.length += 4; return this; }
  /** Signed 64-bit (as hi/lo in the writer's byte order). */
  i64(v: bigint): this {
    const u = BigInt.asUintN(64, v);
    const hi = Number(u >> 32n);
    const lo = Number(u & 0xffffffffn);
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  bytes(b: Uint8Array): this { this.room(b.length); this.buf.set(b, this.length); this.length += b.length; return this; }
  pad4(): this { while (this.length & 3) this.u8(0); return this; }
  /** Overwrite a u32 at `at`. */
  setU32(at: number, v: number): this { this.dv.setUint32(at, v >>> 0, this.le); return this; }
  result(): Uint8Array { return this.buf.slice(0, this.length); }
}

/** One packet for {@link buildPcap}: `frac` in microseconds or nanoseconds per the file. */
export interface PcapPacketSpec {
  sec: number;
  frac: number;
  data: Uint8Array;
  /** Length on the wire (default: data length). */
  origlen?: number;
}

/** Build a classic pcap file. */
export function buildPcap(opts: { le: boolean; nano: boolean; linktype: number; snaplen?: number; linktypeField?: number; packets: PcapPacketSpec[] }): BuiltCapture {
  const w = new ByteWriter(opts.le);
  w.u32(opts.nano ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(opts.snaplen ?? 262144);
  w.u32(opts.linktypeField ?? opts.linktype);
  const div = opts.nano ? 1e9 : 1e6;
  const out: BuiltCapture = { bytes: new Uint8Array(0), packets: [], recordStarts: [], packetEnds: [], headerEnd: 24 };
  for (const p of opts.packets) {
    out.recordStarts.push(w.length);
    const origlen = p.origlen ?? p.data.length;
    w.u32(p.sec).u32(p.frac).u32(p.data.length).u32(origlen).bytes(p.data);
    out.packetEnds.push(w.length);
    out.packets.push({ data: p.data, origlen, ts: p.sec + p.frac / div, linktype: opts.linktype, ifIndex: 0 });
  }
  out.bytes = w.result();
  return out;
}

/** Interface settings for {@link PcapngBuilder.interface}. */
export interface PcapngInterfaceSpec {
  linktype: number;
  snaplen?: number;
  /** Raw if_tsresol byte (default: absent, i.e. microseconds). */
  tsresol?: number;
  /** if_tsoffset in seconds (default absent). */
  tsoffset?: bigint;
  name?: string;
}

interface BuiltIface { linktype: number; snaplen: number; units: bigint; offset: bigint; index: number }

/** Exact seconds of a 64-bit timestamp, as the nearest double of the exact rational value. */
export function exactSeconds(v: bigint, units: bigint, offset: bigint): number {
  const sec = v / units + offset;
  const rem = v % units;
  return Number(sec) + Number(rem) / Number(units);
}

/** Writes pcapng blocks one by one and tracks what a reader must deliver. */
export class PcapngBuilder {
  private w = new ByteWriter(true);
  private ifaces: BuiltIface[] = [];
  private base = 0;
  private lastTs = 0;
  private out: BuiltCapture = { bytes: new Uint8Array(0), packets: [], recordStarts: [], packetEnds: [], headerEnd: 0 };

  /** Start a section (Section Header Block) in the given byte order. */
  section(le: boolean, options?: Uint8Array): this {
    this.base += this.ifaces.length;
    this.ifaces = [];
    this.w.le = le;
    return this.block(0x0a0d0d0a, (w) => {
      w.u32(0x1a2b3c4d).u16(1).u16(0).i64(-1n);
      if (options) w.bytes(options);
    });
  }

  /** Interface Description Block. */
  interface(spec: PcapngInterfaceSpec): this {
    const snaplen = spec.snaplen ?? 0;
    const r = spec.tsresol;
    const units = r === undefined ? 1000000n : r & 0x80 ? 1n << BigInt(r & 0x7f) : 10n ** BigInt(r);
    this.ifaces.push({ linktype: spec.linktype, snaplen, units, offset: spec.tsoffset ?? 0n, index: this.base + this.ifaces.length });
    return this.block(1, (w) => {
      w.u16(spec.linktype).u16(0).u32(snaplen);
      if (spec.name !== undefined) {
        const b = new TextEncoder().encode(spec.name);
        w.u16(2).u16(b.length).bytes(b).pad4();
      }
      if (r !== undefined) w.u16(9).u16(1).u8(r).pad4();
      if (spec.tsoffset !== undefined) w.u16(14).u16(8).i64(spec.tsoffset);
      w.u16(0).u16(0);
    });
  }

  /** Enhanced Packet Block; `ts` in the interface's units. Options (e.g. a comment) are written and must be ignored. */
  epb(iface: number, ts: bigint, data: Uint8Array, origlen = data.length, comment?: string): this {
    const ifc = this.ifaces[iface];
    return this.packetBlock(6, ts, data, origlen, ifc, (w) => {
      w.u32(iface);
    }, comment);
  }

  /** Obsolete Packet Block (type 2); `ts` in the interface's units. */
  pb(iface: number, ts: bigint, data: Uint8Array, origlen = data.length): this {
    const ifc = this.ifaces[iface];
    return this.packetBlock(2, ts, data, origlen, ifc, (w) => {
      w.u16(iface).u16(0);
    });
  }

  private packetBlock(type: number, ts: bigint, data: Uint8Array, origlen: number, ifc: BuiltIface | undefined,
    head: (w: ByteWriter) => void, comment?: string): this {
    this.block(type, (w) => {
      head(w);
      w.u32(Number(ts >> 32n)).u32(Number(ts & 0xffffffffn)).u32(data.length).u32(origlen).bytes(data).pad4();
      if (comment !== undefined) {
        const b = new TextEncoder().encode(comment);
        w.u16(1).u16(b.length).bytes(b).pad4().u16(0).u16(0);
      }
    });
    if (ifc !== undefined) {
      const t = exactSeconds(ts, ifc.units, ifc.offset);
      this.lastTs = t;
      this.expect(data, origlen, t, ifc);
    }
    return this;
  }

  /** Simple Packet Block: interface 0, the last timestamp, caplen = min(origlen, snaplen, data). */
  spb(data: Uint8Array, origlen = data.length): this {
    this.block(3, (w) => { w.u32(origlen).bytes(data).pad4(); });
    const ifc = this.ifaces[0];
    if (ifc !== undefined) {
      const space = (data.length + 3) & ~3;
      let caplen = Math.min(origlen, space);
      if (ifc.snaplen > 0) caplen = Math.min(caplen, ifc.snaplen);
      const delivered = new Uint8Array(caplen);
      delivered.set(data.subarray(0, caplen));
      this.expect(delivered, origlen, this.lastTs, ifc);
    }
    return this;
  }

  /** Any other block type (skipped by readers) with the given body. */
  other(type: number, body: Uint8Array): this {
    return this.block(type, (w) => { w.bytes(body).pad4(); });
  }

  /** Generic block: type, length, body, length. */
  block(type: number, body: (w: ByteWriter) => void): this {
    const w = this.w;
    const start = w.length;
    this.out.recordStarts.push(start);
    w.u32(type).u32(0);
    body(w);
    w.pad4();
    const total = w.length - start + 4;
    w.u32(total);
    w.setU32(start + 4, total);
    return this;
  }

  private expect(data: Uint8Array, origlen: number, ts: number, ifc: BuiltIface): void {
    this.out.packets.push({ data, origlen, ts, linktype: ifc.linktype, ifIndex: ifc.index });
    this.out.packetEnds.push(this.w.length);
  }

  /** The file and what a reader must deliver. */
  build(): BuiltCapture {
    return { ...this.out, bytes: this.w.result(), packets: [...this.out.packets] };
  }
}
