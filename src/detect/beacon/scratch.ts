/**
 * Internal to detect/beacon: a bump allocator of typed-array views over reusable buffers, for
 * the temporaries of one scoring call. A detection run scores hundreds of thousands of groups;
 * giving each of them two dozen fresh typed arrays (each its own off-heap backing store) kept
 * the young-generation collector busy for a third of the run. Views of a few big buffers cost a
 * small object each.
 *
 * Contract: `reset()` at the start of a call invalidates every view handed out before, so the
 * views must not outlive the call (scoreBeacon's result holds none). Views are NOT zeroed:
 * callers fill what they read before writing it. The functions that take a Scratch allocate
 * fresh arrays without one, so their public behaviour is unchanged.
 */

/** Initial elements per buffer (they double when a call needs more). */
const INITIAL = 1 << 14;

/** One buffer per element type, handed out front to back. */
class Pool<T extends Float64Array | Int32Array | Uint32Array | Uint8Array> {
  private buf: T;
  private top = 0;
  constructor(private readonly make: (n: number) => T) {
    this.buf = make(INITIAL);
  }
  take(n: number): T {
    if (this.top + n > this.buf.length) {
      // A bigger buffer; views into the old one stay valid until the call ends (they keep it alive).
      let cap = this.buf.length * 2;
      while (cap < n) cap *= 2;
      this.buf = this.make(cap);
      this.top = 0;
    }
    const v = this.buf.subarray(this.top, this.top + n) as T;
    this.top += n;
    return v;
  }
  reset(): void {
    this.top = 0;
  }
}

/** Scratch memory of one scoring call (see the file comment for the contract). */
export class Scratch {
  private readonly f64 = new Pool((n) => new Float64Array(n));
  private readonly i32 = new Pool((n) => new Int32Array(n));
  private readonly u32 = new Pool((n) => new Uint32Array(n));
  private readonly u8 = new Pool((n) => new Uint8Array(n));
  /** Invalidate every view handed out so far. */
  reset(): void {
    this.f64.reset();
    this.i32.reset();
    this.u32.reset();
    this.u8.reset();
  }
  float64(n: number): Float64Array {
    return this.f64.take(n);
  }
  int32(n: number): Int32Array {
    return this.i32.take(n);
  }
  uint32(n: number): Uint32Array {
    return this.u32.take(n);
  }
  uint8(n: number): Uint8Array {
    return this.u8.take(n);
  }
}

/** Fresh zeroed arrays (when no Scratch is given). */
export const FRESH = {
  float64: (n: number): Float64Array => new Float64Array(n),
  int32: (n: number): Int32Array => new Int32Array(n),
  uint32: (n: number): Uint32Array => new Uint32Array(n),
  uint8: (n: number): Uint8Array => new Uint8Array(n),
};

/** What the scoring functions allocate their temporaries from: a Scratch, or FRESH. */
export type Alloc = Pick<Scratch, 'float64' | 'int32' | 'uint32' | 'uint8'>;
