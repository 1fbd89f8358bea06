/**
 * The flow table: bidirectional connections keyed by a symmetric numeric hash of the 5-tuple (no
 * string keys per packet) in an array of hash chains, with intrusive doubly-linked lists ordered
 * by last activity (one list per inactivity timeout) and by next interim report, so expiry and
 * interim reporting cost O(1) per flow instead of a sweep of the whole table.
 *
 * A flow is one plain object with number fields (addresses as four int32 words each, history
 * bits and counters inline): nothing is allocated per packet, and a flow without an application
 * analyzer costs one object plus its TCP sequence trackers.
 */
import type { StreamAnalyzer } from '../apps/types.js';
import type { FlowId } from '../../records/schema.js';
import type { StreamDirection } from './reassembly.js';

/** Inactivity timeouts in seconds (Zeek's defaults). */
export interface FlowTimeouts {
  /** TCP connection idle for this long is ended (Zeek tcp_inactivity_timeout: 5 min). */
  tcp: number;
  /** UDP (Zeek udp_inactivity_timeout: 1 min). */
  udp: number;
  /** ICMP and other IP protocols (Zeek icmp_inactivity_timeout: 1 min). */
  other: number;
  /** A TCP connection closed by FIN from both sides or by RST is ended after this (Zeek tcp_close_delay: 5 s). */
  closed: number;
  /**
   * A TCP connection whose handshake was seen and that was not closed is ended after this much
   * idle time (default 1 h). Zeek applies its 5-minute TCP timeout here too and so splits an idle
   * reverse shell or C&C session into several connections, the later ones midstream and often
   * with the direction flipped; c2hunt keeps the session whole, because a long connection is a
   * behaviour it looks for. The flow table's bound still applies.
   */
  established: number;
}

export const DEFAULT_TIMEOUTS: Readonly<FlowTimeouts> = Object.freeze({ tcp: 300, udp: 60, other: 60, closed: 5, established: 3600 });

/** Activity lists, one per timeout. */
export const L_TCP = 0, L_UDP = 1, L_OTHER = 2, L_CLOSED = 3, L_ESTABLISHED = 4;
const N_LISTS = 5;
/** Initial number of hash chains (a power of two); the array doubles when flows outnumber it. */
const INITIAL_BUCKETS = 4096;

export class Flow {
  // Key: originator address words + port, responder address words + port, protocol. Address
  // words are int32 (`| 0`) so they stay small integers in V8.
  a0 = 0;
  a1 = 0;
  a2 = 0;
  a3 = 0;
  b0 = 0;
  b1 = 0;
  b2 = 0;
  b3 = 0;
  aPort = 0;
  bPort = 0;
  proto = 0;
  /** tupleHash of the key, as int32. */
  hash = 0;
  /** Next flow in the same hash chain. */
  chain: Flow | null = null;
  // Activity list links.
  prev: Flow | null = null;
  next: Flow | null = null;
  list = -1;
  // Interim list links.
  iPrev: Flow | null = null;
  iNext: Flow | null = null;
  inInterim = false;
  nextInterim = 0;

  uid = '';
  start = 0;
  last = 0;
  vlan = -1;
  flipped = false;
  origPkts = 0;
  respPkts = 0;
  origIpBytes = 0;
  respIpBytes = 0;
  /** Sum of payload lengths (UDP/ICMP byte counts; TCP uses the sequence trackers). */
  origPay = 0;
  respPay = 0;
  /** Endpoint fact bits (EP_*). */
  origEp = 0;
  respEp = 0;
  firstRst = 0;
  /** Zeek history string, and its state (see conn-state.ts: histOnce, histRepeat). */
  history = '';
  /** Once-per-direction letters seen: bits 0..7 originator, 8..15 responder. */
  histSeen = 0;
  /** Counts of the repeating letters g, t, w per direction (originator, responder). */
  gapsO = 0;
  gapsR = 0;
  retransO = 0;
  retransR = 0;
  zeroWinO = 0;
  zeroWinR = 0;
  /** TCP sequence trackers, created on first use. */
  origSeq: StreamDirection | null = null;
  respSeq: StreamDirection | null = null;
  /** Attached application analyzer, the service name, and which directions were probed. */
  app: StreamAnalyzer | null = null;
  service = '';
  probed = 0; // bit 1: originator's first payload probed, bit 2: responder's
  /** Endpoints as text, made once when first needed (probe, weird, conn record). */
  id: FlowId | null = null;
  /** Times an interim record was emitted. */
  interims = 0;
}

/** Symmetric 32-bit hash of a 5-tuple given as address words: the same for both directions. */
export function tupleHash(
  s0: number, s1: number, s2: number, s3: number, sp: number,
  d0: number, d1: number, d2: number, d3: number, dp: number, proto: number,
): number {
  let hs = Math.imul(s0 ^ s1, 0x9e3779b1) ^ Math.imul(s2 ^ Math.imul(s3, 31), 0x85ebca6b) ^ Math.imul(sp + 0x632be5ab, 0xc2b2ae35);
  let hd = Math.imul(d0 ^ d1, 0x9e3779b1) ^ Math.imul(d2 ^ Math.imul(d3, 31), 0x85ebca6b) ^ Math.imul(dp + 0x632be5ab, 0xc2b2ae35);
  hs ^= hs >>> 15;
  hd ^= hd >>> 15;
  let h = ((hs + hd) | 0) ^ Math.imul(proto + 1, 0x27d4eb2d);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h | 0;
}

export class FlowTable {
  private buckets: (Flow | null)[] = new Array<Flow | null>(INITIAL_BUCKETS).fill(null);
  private mask = INITIAL_BUCKETS - 1;
  private heads: (Flow | null)[] = new Array<Flow | null>(N_LISTS).fill(null);
  private tails: (Flow | null)[] = new Array<Flow | null>(N_LISTS).fill(null);
  private iHead: Flow | null = null;
  private iTail: Flow | null = null;
  size = 0;
  /** Direction of the last lookup hit: true when the packet came from the originator. */
  lastIsOrig = true;

  /** Find the flow of a packet (int32 address words); sets `lastIsOrig`. */
  find(h: number, s0: number, s1: number, s2: number, s3: number, sp: number,
    d0: number, d1: number, d2: number, d3: number, dp: number, proto: number): Flow | null {
    for (let f: Flow | null = this.buckets[h & this.mask]!; f !== null; f = f.chain) {
      if (f.hash !== h || f.proto !== proto) continue;
      if (f.aPort === sp && f.bPort === dp && f.a3 === s3 && f.b3 === d3 && f.a2 === s2 && f.b2 === d2
        && f.a1 === s1 && f.b1 === d1 && f.a0 === s0 && f.b0 === d0) { this.lastIsOrig = true; return f; }
      if (f.aPort === dp && f.bPort === sp && f.a3 === d3 && f.b3 === s3 && f.a2 === d2 && f.b2 === s2
        && f.a1 === d1 && f.b1 === s1 && f.a0 === d0 && f.b0 === s0) { this.lastIsOrig = false; return f; }
    }
    return null;
  }

  insert(f: Flow): void {
    if (this.size >= this.buckets.length) this.grow();
    const i = f.hash & this.mask;
    f.chain = this.buckets[i]!;
    this.buckets[i] = f;
    this.size++;
  }

  /** Double the chain array and redistribute (amortised O(1) per insert). */
  private grow(): void {
    const old = this.buckets;
    const n = old.length * 2;
    const next = new Array<Flow | null>(n).fill(null);
    const mask = n - 1;
    for (let i = 0; i < old.length; i++) {
      for (let f: Flow | null = old[i]!; f !== null;) {
        const after: Flow | null = f.chain;
        const j = f.hash & mask;
        f.chain = next[j]!;
        next[j] = f;
        f = after;
      }
    }
    this.buckets = next;
    this.mask = mask;
  }

  remove(f: Flow): void {
    const i = f.hash & this.mask;
    let p: Flow | null = this.buckets[i]!;
    if (p === f) {
      this.buckets[i] = f.chain;
    } else {
      while (p !== null && p.chain !== f) p = p.chain;
      if (p !== null) p.chain = f.chain;
    }
    f.chain = null;
    this.unlink(f);
    this.iUnlink(f);
    this.size--;
  }

  /** Move a flow to the tail of activity list `l` (it is now the most recently active there). */
  touch(f: Flow, l: number): void {
    const tails = this.tails;
    if (tails[l] === f) return; // already the tail of list l
    this.unlink(f);
    f.list = l;
    const t = tails[l]!;
    f.prev = t;
    f.next = null;
    if (t !== null) t.next = f; else this.heads[l] = f;
    tails[l] = f;
  }

  /** The least recently active flow of list l. */
  head(l: number): Flow | null {
    return this.heads[l]!;
  }

  /** The least recently active flow of any list (for eviction when the table is full). */
  oldest(): Flow | null {
    let best: Flow | null = null;
    for (let l = 0; l < N_LISTS; l++) {
      const h = this.heads[l]!;
      if (h !== null && (best === null || h.last < best.last)) best = h;
    }
    return best;
  }

  private unlink(f: Flow): void {
    if (f.list < 0) return;
    const l = f.list;
    if (f.prev !== null) f.prev.next = f.next; else this.heads[l] = f.next;
    if (f.next !== null) f.next.prev = f.prev; else this.tails[l] = f.prev;
    f.prev = f.next = null;
    f.list = -1;
  }

  /** Append to the interim list (flows there are in order of nextInterim). */
  iPush(f: Flow, at: number): void {
    this.iUnlink(f);
    f.nextInterim = at;
    f.inInterim = true;
    f.iPrev = this.iTail;
    f.iNext = null;
    if (this.iTail !== null) this.iTail.iNext = f; else this.iHead = f;
    this.iTail = f;
  }

  iFirst(): Flow | null {
    return this.iHead;
  }

  private iUnlink(f: Flow): void {
    if (!f.inInterim) return;
    if (f.iPrev !== null) f.iPrev.iNext = f.iNext; else this.iHead = f.iNext;
    if (f.iNext !== null) f.iNext.iPrev = f.iPrev; else this.iTail = f.iPrev;
    f.iPrev = f.iNext = null;
    f.inInterim = false;
  }

  /** Every flow (for flushing at end of input). */
  all(): Flow[] {
    const out: Flow[] = [];
    for (const head of this.buckets) for (let f: Flow | null = head; f !== null; f = f.chain) out.push(f);
    return out;
  }
}
