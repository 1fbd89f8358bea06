/**
 * Packet sources and the heap that merges them. Every flow is a lazy source of packets in
 * non-decreasing time order; the engine keeps active flows in a binary min-heap keyed by the time
 * of their next packet (ties broken by creation order, so output is deterministic).
 */
import type { PcapWriter } from './pcap-writer.js';

/** A flow that emits its packets one at a time, in time order. */
export interface PacketSource {
  /** Time of the next packet, integer microseconds since the epoch; Infinity when finished. */
  ts: number;
  /** Creation order (tie-break). Set by the engine. */
  order: number;
  /** Writes the next packet and advances `ts`. */
  emit(w: PcapWriter): void;
}

/** Binary min-heap of packet sources by (ts, order). */
export class SourceHeap {
  private a: PacketSource[] = [];

  get size(): number {
    return this.a.length;
  }

  /** The source with the earliest next packet (undefined when empty). */
  top(): PacketSource | undefined {
    return this.a[0];
  }

  push(s: PacketSource): void {
    const a = this.a;
    let i = a.length;
    a.push(s);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(s, a[p])) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = s;
  }

  /** Restores order after the top's `ts` grew (or removes it when finished). */
  updateTop(): void {
    const a = this.a;
    if (a[0].ts === Infinity) {
      const last = a.pop()!;
      if (a.length === 0) return;
      a[0] = last;
    }
    const n = a.length;
    const s = a[0];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(a[r], a[l]) ? r : l;
      if (!less(a[c], s)) break;
      a[i] = a[c];
      i = c;
    }
    a[i] = s;
  }

  /** Drops every source (end of capture). */
  clear(): void {
    this.a.length = 0;
  }
}

function less(x: PacketSource, y: PacketSource): boolean {
  return x.ts < y.ts || (x.ts === y.ts && x.order < y.order);
}
