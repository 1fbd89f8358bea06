/**
 * One direction of a TCP stream: sequence tracking (payload bytes from sequence numbers, as Zeek
 * counts them: retransmissions once), holes for `missed_bytes`, and, when an application analyzer
 * is attached, in-order delivery with bounded buffering of out-of-order segments.
 *
 * Sequence numbers are 32-bit and wrap; positions here are unwrapped offsets relative to the first
 * payload byte, computed from signed 32-bit distances to the last position (so streams over 4 GiB
 * work).
 */

/** Most out-of-order bytes kept per direction for an analyzer; beyond it the hole is given up as a gap. */
export const MAX_REASSEMBLY_BYTES = 256 * 1024;
/** Most out-of-order segments kept per direction. */
export const MAX_REASSEMBLY_SEGMENTS = 64;
/** Most distinct holes tracked for missed_bytes; beyond it the oldest hole is counted as missed. */
export const MAX_HOLES = 16;

/**
 * Receives a direction's payload in order, for an attached analyzer. One object serves every
 * flow (the caller knows which flow and direction it is working on), so nothing is made per flow.
 */
export interface SegmentSink {
  /** In-order payload bytes (a view valid only during the call). */
  deliver(bytes: Uint8Array): void;
  /** `len` bytes of the stream were never seen. */
  gap(len: number): void;
}

export class StreamDirection {
  /** Unwrapped offset of the next expected byte, relative to the stream start. */
  next = 0;
  /** Highest offset seen (payload end), for orig_bytes/resp_bytes. */
  maxEnd = 0;
  /** Bytes of holes that were never filled (final when the flow ends). */
  missed = 0;
  /** Times a segment re-sent bytes already seen (history 't'). */
  retrans = 0;
  private started = false;
  private nextAbs = 0; // sequence number of `next`, mod 2^32
  private holes: number[] | null = null; // [start, end) pairs, unwrapped
  private pend: { at: number; data: Uint8Array }[] | null = null;
  private pendBytes = 0;

  /** Set the stream start from a SYN (payload starts at ISN + 1). */
  syn(isn: number): void {
    if (this.started) return;
    this.started = true;
    this.nextAbs = (isn + 1) >>> 0;
  }

  /**
   * Account one segment of `len` bytes (by the headers) at sequence number `seq`, of which `cap`
   * bytes were captured at `buf[off, off + cap)`. When `sink` is given (an analyzer is attached),
   * in-order payload is handed to it, out-of-order payload is buffered (copied, bounded), and
   * skipped bytes are reported as gaps. Returns a classification: 0 in order or new,
   * 1 retransmission (nothing new), 2 created a hole.
   */
  segment(seq: number, buf: Uint8Array | null, off: number, cap: number, len: number, sink: SegmentSink | null): number {
    if (len <= 0) return 0;
    if (!this.started) {
      this.started = true;
      this.nextAbs = seq >>> 0;
    }
    const at = this.next + ((seq - this.nextAbs) | 0);
    const end = at + len;
    let kind = 0;
    if (end <= this.next) {
      // Entirely old: retransmission, or filling a hole we recorded.
      if (!this.fillHole(at, end)) { this.retrans++; kind = 1; }
      return kind;
    }
    if (at > this.next) {
      // A hole opens between next and at.
      kind = 2;
      if (sink !== null && buf !== null) {
        const copy = new Uint8Array(cap);
        copy.set(buf.subarray(off, off + cap));
        this.buffer(at, copy, sink);
      } else {
        this.addHole(this.next, at);
        this.advance(end);
      }
      if (end > this.maxEnd) this.maxEnd = end;
      return kind;
    }
    // Overlaps next: deliver the new part.
    const skip = this.next - at;
    if (skip > 0) this.retrans++;
    if (sink !== null && buf !== null) {
      if (skip === 0) sink.deliver(buf.subarray(off, off + cap));
      else if (skip < cap) sink.deliver(buf.subarray(off + skip, off + cap));
      const capturedEnd = at + cap;
      if (capturedEnd < end) sink.gap(end - Math.max(capturedEnd, this.next)); // snap length cut
    }
    this.advance(end);
    if (end > this.maxEnd) this.maxEnd = end;
    if (this.pend !== null && sink !== null) this.drain(sink);
    return kind;
  }

  /** End of stream: buffered data after holes is delivered after a gap; holes count as missed. */
  finish(sink: SegmentSink | null): void {
    if (this.pend !== null) {
      const segs = this.pend;
      this.pend = null;
      this.pendBytes = 0;
      for (const s of segs) {
        if (s.at > this.next) {
          this.missed += s.at - this.next;
          sink?.gap(s.at - this.next);
          this.advance(s.at);
        }
        const skip = this.next - s.at;
        if (skip < s.data.length) sink?.deliver(s.data.subarray(Math.max(0, skip)));
        this.advance(s.at + s.data.length);
      }
    }
    if (this.holes !== null) {
      for (let i = 0; i < this.holes.length; i += 2) this.missed += this.holes[i + 1]! - this.holes[i]!;
      this.holes = null;
    }
  }

  private advance(to: number): void {
    if (to <= this.next) return;
    this.nextAbs = (this.nextAbs + (to - this.next)) >>> 0;
    this.next = to;
  }

  private addHole(a: number, b: number): void {
    if (this.holes === null) this.holes = [];
    if (this.holes.length >= MAX_HOLES * 2) {
      this.missed += this.holes[1]! - this.holes[0]!;
      this.holes.splice(0, 2);
    }
    this.holes.push(a, b);
  }

  /** Remove [a, b) from recorded holes; true when it filled any. */
  private fillHole(a: number, b: number): boolean {
    const h = this.holes;
    if (h === null) return false;
    let filled = false;
    for (let i = 0; i < h.length; i += 2) {
      const s = h[i]!, e = h[i + 1]!;
      if (b <= s || a >= e) continue;
      filled = true;
      const parts: number[] = [];
      if (a > s) parts.push(s, a);
      if (b < e) parts.push(b, e);
      h.splice(i, 2, ...parts);
      i += parts.length - 2;
    }
    if (h.length === 0) this.holes = null;
    return filled;
  }

  /** Keep an out-of-order segment (already a copy) until the hole before it fills, within limits. */
  private buffer(at: number, data: Uint8Array, sink: SegmentSink): void {
    if (this.pend === null) this.pend = [];
    if (this.pend.length >= MAX_REASSEMBLY_SEGMENTS || this.pendBytes + data.length > MAX_REASSEMBLY_BYTES) {
      // Give up on the hole: report it, then deliver what we buffered.
      this.pend.push({ at, data });
      this.pend.sort((x, y) => x.at - y.at);
      this.finish(sink);
      return;
    }
    this.pend.push({ at, data });
    this.pendBytes += data.length;
    this.pend.sort((x, y) => x.at - y.at);
  }

  private drain(sink: SegmentSink): void {
    const p = this.pend!;
    while (p.length > 0 && p[0]!.at <= this.next) {
      const s = p.shift()!;
      this.pendBytes -= s.data.length;
      const skip = this.next - s.at;
      if (skip < s.data.length) sink.deliver(s.data.subarray(skip));
      this.advance(s.at + s.data.length);
    }
    if (p.length === 0) this.pend = null;
  }
}
