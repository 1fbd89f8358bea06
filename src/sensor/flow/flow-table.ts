/**
 * The flow table: bidirectional connections keyed by a symmetric numeric hash of the 5-tuple (no
 * string keys per packet), with intrusive doubly-linked lists ordered by last activity (one list
 * per inactivity timeout) and by next interim report, so expiry and interim reporting cost O(1)
 * per flow instead of a sweep of the whole table.
 */
import type { StreamAnalyzer } from '../apps/types.js';
import { History } from './conn-state.js';
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
}

export const DEFAULT_TIMEOUTS: Readonly<FlowTimeouts> = Object.freeze({ tcp: 300, udp: 60, other: 60, closed: 5 });

/** Activity lists, one per timeout. */
export const L_TCP = 0, L_UDP = 1, L_OTHER = 2, L_CLOSED = 3;
const N_LISTS = 4;

export class Flow {
  // Key: originator address words + port, responder address words + port, protocol.
  readonly a = new Uint32Array(4);
  readonly b = new Uint32Array(4);
  aPort = 0;
  bPort = 0;
  proto = 0;
  hash = 0;
  /** Next flow in the same hash bucket. */
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
  history = new History();
  /** TCP sequence trackers, created on first use. */
  origSeq: StreamDirection | null = null;
  respSeq: StreamDirection | null = null;
  /** Attached application analyzer, the service name, and which directions were probed. */
  app: StreamAnalyzer | null = null;
  service = '';
  probed = 0; // bit 1: originator's first payload probed, bit 2: responder's
  /** Per-direction delivery callbacks into the analyzer, made once when it attaches (no closures per packet). */
  deliverOrig: ((b: Uint8Array) => void) | null = null;
  deliverResp: ((b: Uint8Array) => void) | null = null;
  gapOrig: ((n: number) => void) | null = null;
  gapResp: ((n: number) => void) | null = null;
  /** Times an interim record was emitted. */
  interims = 0;
}

/** Symmetric 32-bit hash of a 5-tuple: the same for both directions. */
export function tupleHash(s: Uint32Array, sp: number, d: Uint32Array, dp: number, proto: number): number {
  let hs = Math.imul(s[0]! ^ s[1]!, 0x9e3779b1) ^ Math.imul(s[2]! ^ (s[3]! * 31), 0x85ebca6b) ^ Math.imul(sp + 0x632be5ab, 0xc2b2ae35);
  let hd = Math.imul(d[0]! ^ d[1]!, 0x9e3779b1) ^ Math.imul(d[2]! ^ (d[3]! * 31), 0x85ebca6b) ^ Math.imul(dp + 0x632be5ab, 0xc2b2ae35);
  hs ^= hs >>> 15;
  hd ^= hd >>> 15;
  let h = (hs + hd) ^ Math.imul(proto + 1, 0x27d4eb2d);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

function eq4(x: Uint32Array, y: Uint32Array): boolean {
  return x[3] === y[3] && x[2] === y[2] && x[1] === y[1] && x[0] === y[0];
}

export class FlowTable {
  private buckets = new Map<number, Flow>();
  private heads: (Flow | null)[] = new Array(N_LISTS).fill(null);
  private tails: (Flow | null)[] = new Array(N_LISTS).fill(null);
  private iHead: Flow | null = null;
  private iTail: Flow | null = null;
  size = 0;
  /** Direction of the last lookup hit: true when the packet came from the originator. */
  lastIsOrig = true;

  /** Find the flow of a packet; sets `lastIsOrig`. */
  find(h: number, s: Uint32Array, sp: number, d: Uint32Array, dp: number, proto: number): Flow | null {
    for (let f = this.buckets.get(h) ?? null; f !== null; f = f.chain) {
      if (f.proto !== proto) continue;
      if (f.aPort === sp && f.bPort === dp && eq4(f.a, s) && eq4(f.b, d)) { this.lastIsOrig = true; return f; }
      if (f.aPort === dp && f.bPort === sp && eq4(f.a, d) && eq4(f.b, s)) { this.lastIsOrig = false; return f; }
    }
    return null;
  }

  insert(f: Flow): void {
    f.chain = this.buckets.get(f.hash) ?? null;
    this.buckets.set(f.hash, f);
    this.size++;
  }

  remove(f: Flow): void {
    let p = this.buckets.get(f.hash) ?? null;
    if (p === f) {
      if (f.chain === null) this.buckets.delete(f.hash);
      else this.buckets.set(f.hash, f.chain);
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
    if (f.list === l && this.tails[l] === f) return;
    this.unlink(f);
    f.list = l;
    f.prev = this.tails[l]!;
    f.next = null;
    if (f.prev !== null) f.prev.next = f; else this.heads[l] = f;
    this.tails[l] = f;
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

  /** Every flow (for flushing at end of input), oldest activity first per list. */
  *all(): IterableIterator<Flow> {
    for (const head of this.buckets.values()) for (let f: Flow | null = head; f !== null; f = f.chain) yield f;
  }
}
