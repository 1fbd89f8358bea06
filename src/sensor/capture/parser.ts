/**
 * Push parser for pcap and pcapng capture files. Feed it chunks of any size, in order; it calls
 * the packet handler synchronously for every packet, with a view into the chunk (no copy) when
 * the record lies inside one chunk, which is the common case with big reads. Records that straddle
 * chunks go through one reusable carry buffer; pcapng blocks the parser does not use are skipped
 * by length without being buffered.
 *
 * Formats (facts from the pcap and pcapng specifications, draft-ietf-opsawg-pcap and
 * draft-ietf-opsawg-pcapng):
 * - pcap: magic a1b2c3d4 (microsecond timestamps) or a1b23c4d (nanosecond), either byte order;
 *   24-byte file header, then 16-byte record headers (sec, frac, caplen, origlen).
 * - pcapng: blocks of (type, total length, body, total length) in the byte order of the last
 *   Section Header Block; Interface Description Blocks give each interface its link type, snap
 *   length and timestamp resolution; packets come in Enhanced, Simple or (obsolete) Packet Blocks.
 *
 * Timestamps are epoch seconds as a double: exact to the microsecond for present-day dates,
 * within about 0.25 microsecond for nanosecond captures (the double cannot hold more).
 *
 * Malformed but survivable input (an unknown interface, caplen above snaplen, a bad option) is a
 * named weird, reported once per name per parser; input that makes the rest of the stream
 * untrustworthy (impossible lengths, a trailing length copy that differs) throws CaptureError.
 */
import { CaptureError, describeLeadingBytes } from './capture-error.js';

/**
 * Called once per packet. `buf[off .. off+caplen)` holds the captured bytes; valid only during
 * the call (copy what you keep). `origlen`: length on the wire. `ts`: epoch seconds (float).
 * `linktype`: LINKTYPE_* of the packet's interface. `ifIndex`: the interface's number in the
 * file (pcapng: counted across sections, so it is unique in the file; pcap: always 0).
 */
export type PacketHandler = (
  buf: Uint8Array, off: number, caplen: number, origlen: number,
  ts: number, linktype: number, ifIndex: number,
) => void;

/** Receives named weirds (`pcapng_unknown_interface`) with a detail text; once per name per parser. */
export type WeirdHandler = (name: string, addl: string) => void;

/** Options of {@link CaptureParser}. */
export interface CaptureParserOptions {
  /** Malformed but survivable input. Each weird name is reported once per parser. */
  onWeird?: WeirdHandler;
}

/** What the parser knows about one capture interface (pcap: the file header). */
export interface CaptureInterface {
  /** Interface number in the file, as passed to the packet handler. */
  readonly index: number;
  /** LINKTYPE_* value. */
  readonly linktype: number;
  /** Snap length in bytes; 0 = unknown/unlimited. */
  readonly snaplen: number;
  /** Bytes of frame check sequence at the end of each packet; -1 = unknown. */
  readonly fcsLen: number;
  /** Timestamp units per second (1e6 unless the file says otherwise). */
  readonly tsUnitsPerSecond: number;
  /** Seconds added to every timestamp (pcapng if_tsoffset). */
  readonly tsOffset: number;
  /** Interface name (pcapng if_name), or ''. */
  readonly name: string;
}

/** Largest captured length accepted for one packet, bytes (libpcap's maximum snap length). */
export const MAX_CAPLEN = 262144;
/**
 * A pcap record may exceed the file's snap length by up to this many bytes before it counts as
 * corrupt (some writers store a wrong snap length; that case is a weird, not an error).
 */
export const SNAPLEN_SLACK = 65536;
/**
 * Largest pcapng block the parser holds in memory, bytes: packet blocks, section and interface
 * headers. Any other block type is skipped by length whatever its size, without buffering.
 */
export const MAX_BUFFERED_BLOCK = 16 * 1024 * 1024;
/** Interfaces per pcapng section; further Interface Description Blocks are ignored (a weird). */
export const MAX_INTERFACES = 65536;

const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 1;
const BLOCK_PB = 2;
const BLOCK_SPB = 3;
const BLOCK_EPB = 6;

const OPT_ENDOFOPT = 0;
const IF_NAME = 2;
const IF_TSRESOL = 9;
const IF_FCSLEN = 13;
const IF_TSOFFSET = 14;

const TWO32 = 4294967296;
/** hi * 2^32 + lo is an exact double while hi is below this (2^21). */
const EXACT_HI = 2097152;

// Parser states.
const ST_MAGIC = 0; // before the first bytes: detect the format
const ST_PCAP = 1; // pcap records
const ST_PCAPNG = 2; // pcapng blocks
const ST_SKIP = 3; // skipping the body of an unbuffered pcapng block
const ST_TRAILER = 4; // expecting the trailing length copy of a skipped block

/** One interface: fields used per packet, kept on one monomorphic object. */
class Iface implements CaptureInterface {
  name = '';
  fcsLen = -1;
  tsUnitsPerSecond = 1e6;
  tsOffset = 0;
  /** floor(2^32 / units) and 2^32 mod units, to split 64-bit timestamps without losing precision. */
  q = 0;
  r = 0;
  constructor(readonly index: number, readonly linktype: number, readonly snaplen: number) {
    this.setUnits(1e6);
  }
  setUnits(units: number): void {
    this.tsUnitsPerSecond = units;
    if (units <= TWO32) {
      this.q = Math.floor(TWO32 / units);
      this.r = TWO32 - this.q * units;
    } else {
      this.q = 0;
      this.r = TWO32;
    }
  }
}

/** Seconds of a 64-bit pcapng timestamp (hi:lo in units of the interface). */
function pcapngTime(ifc: Iface, hi: number, lo: number): number {
  const div = ifc.tsUnitsPerSecond;
  let sec: number;
  let rem: number;
  if (hi < EXACT_HI) {
    // hi:lo fits a double exactly: split into whole seconds and a remainder, so microsecond
    // timestamps give the same double as pcap's sec + usec / 1e6.
    const v = hi * TWO32 + lo;
    sec = Math.floor(v / div);
    rem = v - sec * div;
  } else if (div <= TWO32) {
    // hi * 2^32 = hi * (q * div + r). With hi = hh * 2^16 + hl, every partial product below
    // stays under 2^53, so seconds and remainder are exact: nanosecond timestamps give the same
    // double as pcap's sec + nsec / 1e9.
    const r = ifc.r;
    const hh = Math.floor(hi / 65536);
    const hl = hi - hh * 65536;
    const a = hh * r;
    let a1 = Math.floor(a / div);
    let a0 = a - a1 * div;
    if (a0 < 0) { a1 -= 1; a0 += div; } else if (a0 >= div) { a1 += 1; a0 -= div; }
    const b = a0 * 65536 + hl * r + lo;
    const s = Math.floor(b / div);
    sec = hi * ifc.q + a1 * 65536 + s;
    rem = b - s * div;
  } else {
    // Units finer than 2^-32 s: approximate (a double cannot hold such precision anyway).
    return (hi * TWO32 + lo) / div + ifc.tsOffset;
  }
  if (rem < 0) { sec -= 1; rem += div; } else if (rem >= div) { sec += 1; rem -= div; }
  return sec + rem / div + ifc.tsOffset;
}

/**
 * Push parser for pcap and pcapng. Not re-entrant; if `onPacket` throws, the exception leaves
 * `push` and the parser is unusable afterwards.
 */
export class CaptureParser {
  private readonly onPacket: PacketHandler;
  private readonly onWeird: WeirdHandler | undefined;
  private readonly reported = new Set<string>();

  private state = ST_MAGIC;
  private fmt: 'pcap' | 'pcapng' | undefined = undefined;
  /** Byte order of the pcap file or the current pcapng section. */
  private le = true;
  /** pcap: frac units per second. */
  private tsDiv = 1e6;
  /** pcap: caplen above this is a weird; above `maxCaplen` an error. */
  private warnCaplen = MAX_CAPLEN;
  private maxCaplen = MAX_CAPLEN;

  /** Interfaces of the current section (pcap: one). */
  private ifaces: Iface[] = [];
  /** Interfaces of the previous sections, for file-wide interface numbers. */
  private ifaceBase = 0;
  /** Timestamp of the last packet that had one (for Simple Packet Blocks). */
  private lastTs = 0;

  /** Bytes needed from the first unconsumed byte before the parser can make progress. */
  private need = 4;
  private carry = new Uint8Array(0);
  private carryView = new DataView(this.carry.buffer);
  private carryLen = 0;
  /** Skipped-block state: bytes of body left, stream offset and length of the block. */
  private skipLeft = 0;
  private skipStart = 0;
  private skipTotal = 0;

  /** Stream offset of index 0 of the buffer being parsed. */
  private base = 0;
  private consumed = 0;
  private delivered = 0;
  private dropped = 0;
  private failed: CaptureError | undefined = undefined;
  private busy = false;
  private finished = false;

  constructor(onPacket: PacketHandler, opts?: CaptureParserOptions) {
    this.onPacket = onPacket;
    this.onWeird = opts?.onWeird;
  }

  /** Format detected from the first bytes, or undefined before them. */
  get format(): 'pcap' | 'pcapng' | undefined {
    return this.fmt;
  }
  /** Packets delivered to the handler. */
  get packets(): number {
    return this.delivered;
  }
  /** Packets in the stream that were not delivered (unknown interface: a weird says so). */
  get skipped(): number {
    return this.dropped;
  }
  /** Bytes of the stream consumed so far (complete records, headers and skipped blocks). */
  get bytes(): number {
    return this.consumed;
  }
  /** Interfaces of the current pcapng section, or the pcap file's single interface. */
  get interfaces(): readonly CaptureInterface[] {
    return this.ifaces;
  }

  /**
   * Parse the next chunk of the stream. Throws CaptureError only for unrecoverable input (bad
   * magic, impossible lengths); after that every call throws the same error.
   */
  push(chunk: Uint8Array): void {
    this.enter('push');
    const len = chunk.length;
    let pos = 0;
    let view: DataView | undefined;
    while (pos < len) {
      if (this.state === ST_SKIP) {
        const take = Math.min(this.skipLeft, len - pos);
        this.skipLeft -= take;
        this.consumed += take;
        pos += take;
        if (this.skipLeft === 0) { this.state = ST_TRAILER; this.need = 4; }
        continue;
      }
      if (this.carryLen > 0) {
        const take = Math.min(this.need - this.carryLen, len - pos);
        this.appendCarry(chunk, pos, take);
        pos += take;
        if (this.carryLen < this.need) break;
        const carryLen = this.carryLen;
        const used = this.parse(this.carry, this.carryView, 0, carryLen);
        if (used === carryLen) {
          this.carryLen = 0;
        } else if (used > 0) {
          this.carry.copyWithin(0, used, carryLen);
          this.carryLen = carryLen - used;
        }
        if (this.carryLen > 0 && this.need <= this.carryLen && this.state !== ST_SKIP) {
          // Cannot happen: the parser either consumes a complete record or asks for more bytes.
          this.busy = false;
          throw new Error(`Cannot parse capture: internal error, no progress at byte ${this.consumed}`);
        }
        continue;
      }
      view ??= new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      pos = this.parse(chunk, view, pos, len);
      if (pos < len && this.state !== ST_SKIP) {
        this.appendCarry(chunk, pos, len - pos);
        pos = len;
      }
    }
    this.busy = false;
  }

  /**
   * The stream ended. Throws CaptureError CAPTURE_TRUNCATED when it ended inside a header,
   * record or block (every packet before it was delivered), CAPTURE_EMPTY when it held nothing.
   */
  finish(): void {
    this.enter('finish');
    this.busy = false;
    this.finished = true;
    if (this.state === ST_SKIP || this.state === ST_TRAILER) {
      const more = this.skipLeft + 4 - this.carryLen;
      throw this.fail('CAPTURE_TRUNCATED', this.skipStart,
        `truncated record at byte ${this.skipStart} (need ${more} more bytes)`);
    }
    if (this.state === ST_MAGIC) {
      if (this.carryLen === 0) throw this.fail('CAPTURE_EMPTY', 0, 'the input is empty');
      if (!couldBeMagic(this.carry, this.carryLen)) {
        throw this.fail('CAPTURE_BAD_MAGIC', 0, `not a pcap or pcapng file (${describeLeadingBytes(this.carry.subarray(0, this.carryLen))})`);
      }
      throw this.fail('CAPTURE_TRUNCATED', 0, `truncated file header at byte 0 (need ${this.need - this.carryLen} more bytes)`);
    }
    if (this.carryLen > 0) {
      const at = this.consumed;
      throw this.fail('CAPTURE_TRUNCATED', at, `truncated record at byte ${at} (need ${this.need - this.carryLen} more bytes)`);
    }
  }

  private enter(what: string): void {
    if (this.failed) throw this.failed;
    if (this.busy) throw new Error(`Cannot ${what}: the capture parser is busy (re-entrant call, or the packet handler threw)`);
    if (this.finished) throw new Error(`Cannot ${what}: finish() was already called`);
    this.busy = true;
  }

  private fail(code: CaptureError['code'], offset: number, reason: string): CaptureError {
    this.failed = new CaptureError(code, offset, reason);
    this.busy = false;
    return this.failed;
  }

  /** Report a weird once per name (build `addl` lazily on hot paths: guard with {@link fresh}). */
  private weird(name: string, addl: string): void {
    if (!this.fresh(name)) return;
    this.reported.add(name);
    this.onWeird?.(name, addl);
  }

  /** True when the weird `name` has not been reported yet (cheap guard before building its text). */
  private fresh(name: string): boolean {
    return !this.reported.has(name);
  }

  private appendCarry(src: Uint8Array, from: number, n: number): void {
    const want = this.carryLen + n;
    if (want > this.carry.length) {
      let cap = Math.max(256, this.carry.length * 2);
      while (cap < want) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.carry.subarray(0, this.carryLen));
      this.carry = next;
      this.carryView = new DataView(next.buffer);
    }
    this.carry.set(src.subarray(from, from + n), this.carryLen);
    this.carryLen = want;
  }

  /**
   * Parse complete records in buf[p, end). Returns the first unconsumed position and leaves in
   * `need` how many bytes from there the next step needs. In ST_SKIP it has consumed all it may.
   */
  private parse(buf: Uint8Array, dv: DataView, p: number, end: number): number {
    this.base = this.consumed - p;
    for (;;) {
      const s = this.state;
      if (s === ST_PCAP) {
        p = this.pcapRecords(buf, dv, p, end);
        break;
      }
      if (s === ST_PCAPNG) {
        p = this.pcapngBlocks(buf, dv, p, end);
        if (this.state === ST_TRAILER) continue;
        break;
      }
      if (s === ST_TRAILER) {
        if (end - p < 4) { this.need = 4; break; }
        const copy = dv.getUint32(p, this.le);
        if (copy !== this.skipTotal) {
          this.consumed = this.base + p;
          throw this.fail('CAPTURE_CORRUPT', this.skipStart,
            `block at byte ${this.skipStart} has length ${this.skipTotal} but its trailing copy says ${copy}`);
        }
        p += 4;
        this.state = ST_PCAPNG;
        this.need = 12;
        continue;
      }
      if (s === ST_MAGIC) {
        p = this.fileHeader(buf, dv, p, end);
        if (this.state === ST_MAGIC) break;
        continue;
      }
      break; // ST_SKIP
    }
    this.consumed = this.base + p;
    return p;
  }

  private fileHeader(buf: Uint8Array, dv: DataView, p: number, end: number): number {
    if (end - p < 4) { this.need = 4; return p; }
    const m = dv.getUint32(p, false);
    let le: boolean;
    let div: number;
    switch (m) {
      case 0xa1b2c3d4: le = false; div = 1e6; break;
      case 0xd4c3b2a1: le = true; div = 1e6; break;
      case 0xa1b23c4d: le = false; div = 1e9; break;
      case 0x4d3cb2a1: le = true; div = 1e9; break;
      case BLOCK_SHB:
        this.fmt = 'pcapng';
        this.state = ST_PCAPNG;
        this.need = 12;
        return p;
      default:
        throw this.fail('CAPTURE_BAD_MAGIC', this.base + p,
          `not a pcap or pcapng file (${describeLeadingBytes(buf.subarray(p, Math.min(end, p + 64)))})`);
    }
    if (end - p < 24) { this.need = 24; return p; }
    this.fmt = 'pcap';
    this.le = le;
    this.tsDiv = div;
    const major = dv.getUint16(p + 4, le);
    const minor = dv.getUint16(p + 6, le);
    if (major !== 2 || minor !== 4) this.weird('pcap_unusual_version', `version ${major}.${minor}`);
    const snaplen = dv.getUint32(p + 16, le);
    const field = dv.getUint32(p + 20, le);
    const ifc = new Iface(0, field & 0xffff, snaplen);
    ifc.setUnits(div);
    // Upper bits of the link type field: P bit (FCS length present), FCS length in 16-bit words.
    if (field & 0x04000000) ifc.fcsLen = (field >>> 28) * 2;
    this.ifaces = [ifc];
    if (snaplen > 0 && snaplen < MAX_CAPLEN) {
      this.warnCaplen = snaplen;
      this.maxCaplen = Math.min(MAX_CAPLEN, snaplen + SNAPLEN_SLACK);
    }
    this.state = ST_PCAP;
    this.need = 16;
    return p + 24;
  }

  /** The hot loop for pcap records. */
  private pcapRecords(buf: Uint8Array, dv: DataView, p: number, end: number): number {
    const le = this.le;
    const div = this.tsDiv;
    const warnCaplen = this.warnCaplen;
    const linktype = this.ifaces[0]!.linktype;
    const cb = this.onPacket;
    for (;;) {
      const avail = end - p;
      if (avail < 16) { this.need = 16; return p; }
      const caplen = dv.getUint32(p + 8, le);
      if (caplen > warnCaplen) this.checkCaplen(caplen, p);
      if (avail - 16 < caplen) { this.need = 16 + caplen; return p; }
      const origlen = dv.getUint32(p + 12, le);
      const frac = dv.getUint32(p + 4, le);
      if (frac >= div && this.fresh('pcap_bad_timestamp_fraction')) this.weird('pcap_bad_timestamp_fraction', `fraction ${frac} of ${div} at byte ${this.base + p}`);
      if (origlen < caplen && this.fresh('capture_origlen_lt_caplen')) this.weird('capture_origlen_lt_caplen', `caplen ${caplen} origlen ${origlen} at byte ${this.base + p}`);
      this.delivered++;
      cb(buf, p + 16, caplen, origlen, dv.getUint32(p, le) + frac / div, linktype, 0);
      p += 16 + caplen;
    }
  }

  private checkCaplen(caplen: number, p: number): void {
    const at = this.base + p;
    if (caplen > this.maxCaplen) {
      this.consumed = at;
      throw this.fail('CAPTURE_CORRUPT', at,
        `impossible record length ${caplen} at byte ${at} (snap length ${this.ifaces[0]!.snaplen}, limit ${this.maxCaplen})`);
    }
    if (this.fresh('capture_caplen_gt_snaplen')) this.weird('capture_caplen_gt_snaplen', `caplen ${caplen} snaplen ${this.ifaces[0]!.snaplen} at byte ${at}`);
  }

  private corrupt(p: number, reason: string): CaptureError {
    const at = this.base + p;
    this.consumed = at;
    return this.fail('CAPTURE_CORRUPT', at, `${reason} in block at byte ${at}`);
  }

  /** pcapng blocks. */
  private pcapngBlocks(buf: Uint8Array, dv: DataView, p: number, end: number): number {
    const cb = this.onPacket;
    for (;;) {
      const avail = end - p;
      if (avail < 12) { this.need = 12; return p; }
      let le = this.le;
      const type = dv.getUint32(p, le);
      if (type === BLOCK_SHB) {
        // The section's byte order comes from its byte-order magic; the type reads the same either way.
        const bom = dv.getUint32(p + 8, false);
        if (bom === 0x1a2b3c4d) le = false;
        else if (bom === 0x4d3c2b1a) le = true;
        else if (this.base + p === 0) {
          throw this.fail('CAPTURE_BAD_MAGIC', 0, `pcapng section header with a bad byte-order mark (${describeLeadingBytes(buf.subarray(p, Math.min(end, p + 16)))})`);
        } else {
          throw this.corrupt(p, `bad byte-order mark ${bom.toString(16)}`);
        }
      }
      const total = dv.getUint32(p + 4, le);
      if (total < 12 || (total & 3) !== 0) throw this.corrupt(p, `impossible block length ${total}`);
      const buffered = type === BLOCK_EPB || type === BLOCK_SPB || type === BLOCK_PB || type === BLOCK_IDB || type === BLOCK_SHB;
      if (avail < total) {
        if (buffered) {
          if (total > MAX_BUFFERED_BLOCK) throw this.corrupt(p, `impossible block length ${total} (type ${type})`);
          this.need = total;
          return p;
        }
        // Skip a block we do not use without buffering it, then check its trailing length copy.
        const take = Math.min(avail, total - 4);
        this.skipStart = this.base + p;
        this.skipTotal = total;
        this.skipLeft = total - 4 - take;
        this.state = this.skipLeft > 0 ? ST_SKIP : ST_TRAILER;
        this.need = 4;
        return p + take;
      }
      const copy = dv.getUint32(p + total - 4, le);
      if (copy !== total) throw this.corrupt(p, `block length ${total} but trailing copy ${copy}`);
      switch (type) {
        case BLOCK_EPB: {
          if (total < 32) throw this.corrupt(p, `enhanced packet block too short (${total})`);
          const caplen = dv.getUint32(p + 20, le);
          if (caplen > total - 32 || caplen > MAX_CAPLEN) throw this.corrupt(p, `impossible captured length ${caplen}`);
          const ifc = this.ifaces[dv.getUint32(p + 8, le)];
          if (ifc === undefined) {
            this.unknownInterface(dv.getUint32(p + 8, le), p);
            break;
          }
          const origlen = dv.getUint32(p + 24, le);
          if (origlen < caplen && this.fresh('capture_origlen_lt_caplen')) this.weird('capture_origlen_lt_caplen', `caplen ${caplen} origlen ${origlen} at byte ${this.base + p}`);
          const ts = pcapngTime(ifc, dv.getUint32(p + 12, le), dv.getUint32(p + 16, le));
          this.lastTs = ts;
          this.delivered++;
          cb(buf, p + 28, caplen, origlen, ts, ifc.linktype, ifc.index);
          break;
        }
        case BLOCK_SPB: {
          if (total < 16) throw this.corrupt(p, `simple packet block too short (${total})`);
          const ifc = this.ifaces[0];
          if (ifc === undefined) {
            this.unknownInterface(0, p);
            break;
          }
          const origlen = dv.getUint32(p + 8, le);
          let caplen = Math.min(origlen, total - 16);
          if (ifc.snaplen > 0 && caplen > ifc.snaplen) caplen = ifc.snaplen;
          if (caplen > MAX_CAPLEN) throw this.corrupt(p, `impossible captured length ${caplen}`);
          this.delivered++;
          cb(buf, p + 12, caplen, origlen, this.lastTs, ifc.linktype, ifc.index);
          break;
        }
        case BLOCK_PB: {
          if (total < 32) throw this.corrupt(p, `packet block too short (${total})`);
          const caplen = dv.getUint32(p + 20, le);
          if (caplen > total - 32 || caplen > MAX_CAPLEN) throw this.corrupt(p, `impossible captured length ${caplen}`);
          const id = dv.getUint16(p + 8, le);
          const ifc = this.ifaces[id];
          if (ifc === undefined) {
            this.unknownInterface(id, p);
            break;
          }
          const origlen = dv.getUint32(p + 24, le);
          const ts = pcapngTime(ifc, dv.getUint32(p + 12, le), dv.getUint32(p + 16, le));
          this.lastTs = ts;
          this.delivered++;
          cb(buf, p + 28, caplen, origlen, ts, ifc.linktype, ifc.index);
          break;
        }
        case BLOCK_IDB:
          if (total < 20) throw this.corrupt(p, `interface description block too short (${total})`);
          this.interfaceBlock(buf, dv, p, total, le);
          break;
        case BLOCK_SHB: {
          if (total < 28) throw this.corrupt(p, `section header block too short (${total})`);
          this.le = le;
          const major = dv.getUint16(p + 12, le);
          const minor = dv.getUint16(p + 14, le);
          if (major !== 1) this.weird('pcapng_unsupported_version', `version ${major}.${minor} at byte ${this.base + p}`);
          this.ifaceBase += this.ifaces.length;
          this.ifaces = [];
          break;
        }
        default:
          break; // Name resolution, statistics, decryption secrets, custom ...: not needed.
      }
      p += total;
    }
  }

  private unknownInterface(id: number, p: number): void {
    this.dropped++;
    if (this.fresh('pcapng_unknown_interface')) this.weird('pcapng_unknown_interface', `packet for interface ${id} of ${this.ifaces.length} at byte ${this.base + p}`);
  }

  private interfaceBlock(buf: Uint8Array, dv: DataView, p: number, total: number, le: boolean): void {
    if (this.ifaces.length >= MAX_INTERFACES) {
      this.weird('pcapng_too_many_interfaces', `more than ${MAX_INTERFACES} interfaces in one section`);
      return;
    }
    const ifc = new Iface(this.ifaceBase + this.ifaces.length, dv.getUint16(p + 8, le), dv.getUint32(p + 12, le));
    // Options: code (2), length (2), value padded to 4 bytes; each step moves at least 4 bytes.
    const optEnd = p + total - 4;
    let o = p + 16;
    while (o + 4 <= optEnd) {
      const code = dv.getUint16(o, le);
      const olen = dv.getUint16(o + 2, le);
      if (code === OPT_ENDOFOPT) break;
      const v = o + 4;
      if (v + olen > optEnd) {
        this.weird('pcapng_bad_option', `option ${code} length ${olen} overruns the interface block at byte ${this.base + p}`);
        break;
      }
      if (code === IF_TSRESOL && olen >= 1) {
        const r = buf[v]!;
        const units = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
        ifc.setUnits(units);
      } else if (code === IF_TSOFFSET && olen >= 8) {
        ifc.tsOffset = le
          ? dv.getInt32(v + 4, true) * TWO32 + dv.getUint32(v, true)
          : dv.getInt32(v, false) * TWO32 + dv.getUint32(v + 4, false);
      } else if (code === IF_FCSLEN && olen >= 1) {
        ifc.fcsLen = buf[v]!;
      } else if (code === IF_NAME) {
        ifc.name = Buffer.from(buf.buffer, buf.byteOffset + v, olen).toString('utf8').replace(/\0+$/, '');
      }
      o = v + ((olen + 3) & ~3);
    }
    this.ifaces.push(ifc);
  }
}

/** Could these few leading bytes (fewer than 4) be the start of a capture magic? */
function couldBeMagic(b: Uint8Array, n: number): boolean {
  const magics = [[0xa1, 0xb2, 0xc3, 0xd4], [0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0x3c, 0x4d], [0x4d, 0x3c, 0xb2, 0xa1], [0x0a, 0x0d, 0x0d, 0x0a]];
  return magics.some((m) => {
    for (let i = 0; i < n && i < 4; i++) if (b[i] !== m[i]) return false;
    return true;
  });
}
