/**
 * Routing packets to worker shards: the decoding thread's sensor (shard 0) hands every packet it
 * does not own to a RouteBuilder, which lists them per worker as numbers (one Float64Array per
 * worker per chunk, transferred without a copy). The worker hands the list back with its `free`
 * message (transferred again) and it is filled anew: lists circulate, none is copied or allocated
 * per chunk. See protocol.ts for the entry layout.
 */
import type { PacketRouter } from '../sensor.js';

/** Entry kinds. */
export const ROUTE_SLOT = 1;
export const ROUTE_SWEEP = 2;
export const ROUTE_EXTRA = 3;
/** Numbers in a packet entry. */
export const ROUTE_ENTRY = 9;
/** Initial length of a route list, numbers (it doubles when a chunk needs more). */
const ROUTE_LIST_NUMBERS = 1 << 16;

/** Collects one chunk's routed packets for workers 1 .. count - 1. */
export class RouteBuilder implements PacketRouter {
  private readonly lists: Float64Array[];
  private readonly lens: number[];
  /** Per worker: lists handed back by the worker, ready to be filled again. */
  private readonly spare: Float64Array[][];
  private readonly extras: Uint8Array[];
  private readonly extraLens: number[];
  /** The chunk being parsed: packets inside it are sent as offsets into its slot. */
  chunk: Uint8Array | null = null;

  constructor(private readonly workers: number) {
    this.lists = Array.from({ length: workers }, () => new Float64Array(ROUTE_LIST_NUMBERS));
    this.lens = new Array<number>(workers).fill(0);
    this.spare = Array.from({ length: workers }, () => []);
    this.extras = Array.from({ length: workers }, () => new Uint8Array(0));
    this.extraLens = new Array<number>(workers).fill(0);
  }

  packet(owner: number, buf: Uint8Array, off: number, caplen: number, origlen: number, ts: number, linktype: number,
    index: number, now: number, fragKnown: boolean): void {
    const w = owner - 1;
    let kind = ROUTE_SLOT;
    if (buf !== this.chunk) {
      // The parser's carry buffer (a packet split across two chunks): copy it.
      kind = ROUTE_EXTRA;
      const at = this.extraLens[w]!;
      if (at + caplen > this.extras[w]!.length) {
        const g = new Uint8Array(Math.max(2 * (at + caplen), 65536));
        g.set(this.extras[w]!.subarray(0, at));
        this.extras[w] = g;
      }
      this.extras[w]!.set(buf.subarray(off, off + caplen), at);
      this.extraLens[w] = at + caplen;
      off = at;
    }
    const l = this.room(w, ROUTE_ENTRY);
    let n = this.lens[w]!;
    l[n++] = kind; l[n++] = off; l[n++] = caplen; l[n++] = origlen; l[n++] = linktype;
    l[n++] = index; l[n++] = ts; l[n++] = now; l[n++] = fragKnown ? 1 : 0;
    this.lens[w] = n;
  }

  sweep(now: number): void {
    for (let w = 0; w < this.workers; w++) {
      const l = this.room(w, 2);
      const n = this.lens[w]!;
      l[n] = ROUTE_SWEEP;
      l[n + 1] = now;
      this.lens[w] = n + 2;
    }
  }

  /**
   * Worker w's entries (`route[0 .. length)`, the list itself: it is to be transferred) and
   * copied bytes so far; worker w's list starts over with a spare one.
   */
  take(w: number): { route: Float64Array; length: number; extra: Uint8Array | null } {
    const route = this.lists[w]!;
    const length = this.lens[w]!;
    const extra = this.extraLens[w]! > 0 ? this.extras[w]!.slice(0, this.extraLens[w]) : null;
    this.lists[w] = this.spare[w]!.pop() ?? new Float64Array(route.length);
    this.lens[w] = 0;
    this.extraLens[w] = 0;
    return { route, length, extra };
  }

  /** A list worker w is done with (from its `free` message), to be filled again. */
  giveBack(w: number, list: Float64Array): void {
    this.spare[w]!.push(list);
  }

  private room(w: number, n: number): Float64Array {
    let l = this.lists[w]!;
    if (this.lens[w]! + n > l.length) {
      const g = new Float64Array(l.length * 2);
      g.set(l.subarray(0, this.lens[w]));
      this.lists[w] = l = g;
    }
    return l;
  }
}
