/**
 * Log lines built as bytes in one reusable buffer: the values of JSON lines (exactly as
 * JSON.stringify writes them) and of Zeek TSV fields (exactly as records/writers.ts documents
 * them), without making a string per value. Joining many small strings costs V8 more than the
 * formatting itself, and turning a double into a string costs about 0.4 µs, so the common cases
 * are written digit by digit and everything else goes through the standard conversions.
 *
 * Fast paths and why they give the same bytes:
 * - Integers 0 .. 2^31 - 1: their decimal digits.
 * - Doubles 1 <= v < 2^33 that are a decimal with at most six fraction digits (capture
 *   timestamps: seconds + microseconds): Number::toString writes the fewest significant digits
 *   that read back as v. The double spacing (ulp) below 2^33 is under 10^-6, so no other decimal
 *   with six or fewer fraction digits reads back as v: the shortest is m / 10^6 without its
 *   trailing zeros, where m = round(v * 10^6) and m / 10^6 === v (one correctly rounded division
 *   of exact integers, so the decimal m * 10^-6 reads back as v).
 * - Zeek's toFixed(6) of 0 <= v < 2^33: m = round(v * 10^6) when v * 10^6 (rounded, error at most
 *   0.125 below 2^51) is within 0.37 of m, so the exact value is within 0.5 of m and m is the
 *   integer toFixed picks.
 * - Other doubles 10^-5 <= v < 2^33 (durations, round-trip times: 16 or 17 digits): the shortest
 *   digits that read back as v, generated exactly (the "free-format" digit generation of Steele
 *   and White, 1990): v = M * 2^-k; the remainder after q fraction digits, in units of half an
 *   ulp scaled by 10^q, is an integer below 2^(k+1) < 2^71 kept in two limbs; digits stop at the
 *   first q where truncating (remainder < 10^q) or rounding up (2^(k+1) - remainder < 10^q)
 *   stays within half an ulp of v, which is the fewest significant digits; when both do, the
 *   nearer one, or the even one when both are as near (Number::toString's rule). A carry into
 *   earlier digits cannot happen (that shorter candidate would have stopped the digits earlier);
 *   it and the rare comparisons closer than the limbs can tell go to Number::toString. Tests
 *   compare with Number::toString on millions of values.
 * - Strings: printable ASCII without the characters a format escapes is copied as is.
 */

/** Initial size of a line buffer, bytes (it grows when a single record needs more). */
export const LINE_BUFFER_BYTES = (1 << 20) + (64 << 10);

/** Largest double that takes the decimal fast paths (ulp below 10^-6 under it). */
const DEC_MAX = 2 ** 33;
/** v * 10^6 below this has a rounding error of at most 0.125 (fixed6). */
const FIXED_R_MAX = 2 ** 51;
/** |v * 10^6 - m| under this decides toFixed(6) without ties (see the header). */
const FIXED_MARGIN = 0.37;
const TWO31 = 2 ** 31;
const TWO32 = 2 ** 32;
/** Smallest double given to the shortest-digits generation (Number::toString writes fixed notation from 10^-6). */
const SHORTEST_MIN = 1e-5;
/** Most fraction digits the shortest-digits generation makes before giving up (17 significant + 5 leading zeros). */
const SHORTEST_MAX_DIGITS = 22;
/** Relative guard of the two-limb comparisons (their values carry a relative error up to 2^-53). */
const LIMB_GUARD = 2 ** -50;
/** 2^i and 2^-i for i < 128 (exact; a table lookup instead of Math.pow). The shortest-digits generation needs i <= 70. */
const POW2 = Array.from({ length: 128 }, (_, i) => 2 ** i);
const POW2_NEG = Array.from({ length: 128 }, (_, i) => 2 ** -i);
const INV32 = 2 ** -32;
/** 10^q, exact as doubles for q <= 22. */
const POW10 = Array.from({ length: SHORTEST_MAX_DIGITS + 1 }, (_, q) => 10 ** q);
/** The bits of one double (little-endian words on every platform Node runs on; checked below). */
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
F64[0] = 1;
const LITTLE = U32[1] === 0x3ff00000;
/**
 * Strings at least this long are checked with a regular expression and copied natively (faster
 * than a character loop from about 24 characters on; shorter ones are copied in the loop).
 */
const NATIVE_COPY_CHARS = 24;
/** A character JSON escapes or that is not printable ASCII. */
const JSON_SPECIAL = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;
/** A character a Zeek field escapes (not printable ASCII, or `\`); in a set also `,`. */
const ZEEK_SPECIAL = /[^\x20-\x5b\x5d-\x7e]/;
const ZEEK_SET_SPECIAL = /[^\x20-\x2b\x2d-\x5b\x5d-\x7e]/;
/** Fraction digits of the shortest-digits generation (reused). */
const DIG = new Uint8Array(SHORTEST_MAX_DIGITS + 1);

/**
 * Buffer's own string copiers (on Buffer.prototype since Node's early days, used by
 * Buffer#write): called directly they skip Buffer#write's argument and encoding parsing, which
 * costs more than copying a short string.
 */
interface NativeWrite { latin1Write(s: string, offset: number): number; utf8Write(s: string, offset: number): number }
const nativeWrite = (b: Buffer): NativeWrite => b as unknown as NativeWrite;

/** Byte values of an ASCII string. */
export function asciiBytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/**
 * The stop test of the shortest-digits generation after a digit `d`, with the remainder
 * R = hi * 2^32 + lo (below S = topT * 2^32) and p = 10^q: 0 go on, 1 stop with the digits as
 * they are, 2 stop rounding the last digit up, -1 too close to tell (use Number::toString).
 */
function stopAt(hi: number, lo: number, topT: number, p: number, d: number): number {
  const R = hi * TWO32 + lo;
  const S = topT * TWO32;
  if (R > 2 * p && R < S - 2 * p) return 0; // far from both ends: neither stops here
  const guard = p * LIMB_GUARD;
  const rest = lo > 0 ? (topT - hi - 1) * TWO32 + (TWO32 - lo) : (topT - hi) * TWO32; // S - R, from exact limbs
  if (Math.abs(R - p) <= guard || Math.abs(rest - p) <= guard) return -1;
  const low = R < p, high = rest < p;
  if (low && high) {
    const half = topT / 2;
    if (hi === half && lo === 0) return (d & 1) === 1 ? 2 : 1; // a tie: the even digit
    return hi >= half ? 2 : 1;
  }
  return high ? 2 : low ? 1 : 0;
}

/**
 * Bytes of lines being built: `buf[0 .. pos)`. The append methods grow the buffer when needed;
 * callers that store bytes themselves call `room(n)` first.
 */
export class ByteLine {
  buf: Buffer;
  pos = 0;

  constructor(size = LINE_BUFFER_BYTES) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Room for n more bytes. */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const g = Buffer.allocUnsafe(size);
    this.buf.copy(g, 0, 0, this.pos);
    this.buf = g;
  }

  /** Bytes as they are (keys, punctuation). */
  raw(b: Uint8Array): void {
    const n = b.length;
    if (this.pos + n > this.buf.length) this.room(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = b[i]!;
    this.pos = p;
  }

  /** A string known to be ASCII. */
  ascii(s: string): void {
    const n = s.length;
    if (this.pos + n > this.buf.length) this.room(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Any string, as UTF-8 (lone surrogates become U+FFFD, as fs.writeSync(fd, string) writes them). */
  text(s: string): void {
    if (this.pos + 3 * s.length > this.buf.length) this.room(3 * s.length);
    this.pos += nativeWrite(this.buf).utf8Write(s, this.pos);
  }

  /** Any string as UTF-8, copied by hand while it is ASCII (short strings: cheaper than a native call). */
  plain(s: string): void {
    const n = s.length;
    if (this.pos + n > this.buf.length) this.room(n);
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return this.text(s);
      buf[p++] = c;
    }
    this.pos = p;
  }

  /** Decimal digits of an integer 0 <= v < 2^53. */
  uint(v: number): void {
    if (v < TWO31) {
      let x = v | 0;
      const len = x < 10 ? 1 : x < 100 ? 2 : x < 1000 ? 3 : x < 10000 ? 4 : x < 100000 ? 5
        : x < 1000000 ? 6 : x < 10000000 ? 7 : x < 100000000 ? 8 : x < 1000000000 ? 9 : 10;
      if (this.pos + len > this.buf.length) this.room(len);
      const buf = this.buf;
      let p = this.pos + len;
      this.pos = p;
      do {
        const q = (x / 10) | 0;
        buf[--p] = 0x30 + x - q * 10;
        x = q;
      } while (x > 0);
      return;
    }
    let len = 10;
    for (let t = 1e10; t <= v; t *= 10) len++;
    if (this.pos + len > this.buf.length) this.room(len);
    const buf = this.buf;
    let p = this.pos + len;
    this.pos = p;
    do {
      const q = Math.floor(v / 10);
      buf[--p] = 0x30 + v - q * 10;
      v = q;
    } while (v > 0);
  }

  /** `f` digits of 0 <= v < 10^f, with leading zeros. */
  private digits(v: number, f: number): void {
    if (this.pos + f > this.buf.length) this.room(f);
    const buf = this.buf;
    let p = this.pos + f;
    this.pos = p;
    for (let i = 0; i < f; i++) {
      const q = (v / 10) | 0;
      buf[--p] = 0x30 + v - q * 10;
      v = q;
    }
  }

  /** m / 10^6 in decimal (m an integer, 0 <= m < 2^53): the integer part, then `f` fraction digits of `frac`. */
  private micros(m: number, ip: number, keepZeros: boolean): void {
    let frac = m - ip * 1e6;
    // ip comes from a rounded division: put it right (exact integer arithmetic below 2^53).
    if (frac < 0) { ip -= 1; frac += 1e6; } else if (frac >= 1e6) { ip += 1; frac -= 1e6; }
    this.uint(ip);
    let f = 6;
    if (!keepZeros) {
      if (frac === 0) return;
      while (frac % 10 === 0) { frac /= 10; f--; }
    }
    if (this.pos + 1 > this.buf.length) this.room(1);
    this.buf[this.pos++] = 0x2e;
    this.digits(frac, f);
  }

  /** A number as JSON.stringify writes it (`null` when not finite). */
  num(v: number): void {
    if ((v | 0) === v && v >= 0) return this.uint(v | 0); // also -0, which JSON writes as 0
    if (v >= 1 && v < DEC_MAX) {
      const m = Math.round(v * 1e6);
      if (m / 1e6 === v) return this.micros(m, Math.floor(v), false);
    }
    if (v >= SHORTEST_MIN && v < DEC_MAX && this.shortest(v)) return;
    this.ascii(Number.isFinite(v) ? '' + v : 'null');
  }

  /**
   * The shortest decimal that reads back as v (10^-5 <= v < 2^33, fixed notation), as
   * Number::toString writes it; false (nothing written) in the rare cases left to it.
   */
  shortest(v: number): boolean {
    if (!LITTLE) return false;
    F64[0] = v;
    const hiBits = U32[1]!, loBits = U32[0]!;
    const frac20 = hiBits & 0xfffff;
    if (frac20 === 0 && loBits === 0) return false; // a power of two: the interval below is narrower
    const k = 1075 - ((hiBits >>> 20) & 0x7ff); // v = M * 2^-k, 20 < k < 70 in the range taken
    const M = (frac20 + 0x100000) * TWO32 + loBits;
    const ip = Math.floor(M * POW2_NEG[k]!);
    const F2 = 2 * (M - ip * POW2[k]!); // fraction in units of half an ulp: below S = 2^(k+1)
    const dig = DIG;
    let q = 0, up = false;
    // Powers of two are exact, so divisions by them are multiplications by their inverses.
    if (k + 1 <= 49) {
      // One limb: the remainder times 10 stays below 2^53.
      const S = POW2[k + 1]!, invS = POW2_NEG[k + 1]!;
      let R = F2;
      for (;;) {
        if (q >= SHORTEST_MAX_DIGITS) return false;
        const R10 = R * 10;
        const d = Math.floor(R10 * invS);
        R = R10 - d * S;
        dig[q++] = d;
        const p = POW10[q]!;
        const low = R < p, high = S - R < p;
        if (low && high) {
          up = 2 * R === S ? (d & 1) === 1 : 2 * R > S; // a tie: the even digit
          break;
        }
        if (low || high) { up = high; break; }
      }
    } else {
      // Two limbs R = hi * 2^32 + lo, hi < 2^T; two digits per step (the multiplications by 100
      // stay exact: lo * 100 < 2^39, hi * 100 < 2^45), the remainder after the first of them
      // computed beside, off the chain of dependent operations that bounds the speed.
      const T = k + 1 - 32;
      const topT = POW2[T]!, invTopT = POW2_NEG[T]!;
      let hi = Math.floor(F2 * INV32);
      let lo = F2 - hi * TWO32;
      let stop = 0;
      for (;;) {
        if (q + 2 > SHORTEST_MAX_DIGITS) return false;
        const lo100 = lo * 100;
        const c = Math.floor(lo100 * INV32);
        const hi100 = hi * 100 + c;
        const D = Math.floor(hi100 * invTopT);
        const d1 = Math.floor(D * 0.1 + 0.05); // D < 100: its tens digit
        const lo10 = lo * 10;
        const c1 = Math.floor(lo10 * INV32);
        const loA = lo10 - c1 * TWO32;
        const hiA = hi * 10 + c1 - d1 * topT;
        lo = lo100 - c * TWO32;
        hi = hi100 - D * topT;
        dig[q++] = d1;
        stop = stopAt(hiA, loA, topT, POW10[q]!, d1);
        if (stop !== 0) break;
        const d2 = D - 10 * d1;
        dig[q++] = d2;
        stop = stopAt(hi, lo, topT, POW10[q]!, d2);
        if (stop !== 0) break;
      }
      if (stop < 0) return false;
      up = stop === 2;
    }
    if (up) {
      if (dig[q - 1] === 9) return false; // a carry into earlier digits
      dig[q - 1]!++;
    }
    this.uint(ip);
    if (this.pos + q + 1 > this.buf.length) this.room(q + 1);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x2e;
    for (let i = 0; i < q; i++) buf[p++] = 0x30 + dig[i]!;
    this.pos = p;
    return true;
  }

  /** A JSON string: printable ASCII without `"` and `\` straight in, anything else as JSON.stringify writes it. */
  str(s: string): void {
    const n = s.length;
    if (n >= NATIVE_COPY_CHARS) {
      if (JSON_SPECIAL.test(s)) return this.text(JSON.stringify(s));
      if (this.pos + n + 2 > this.buf.length) this.room(n + 2);
      const buf = this.buf;
      buf[this.pos] = 0x22;
      this.pos += 1 + nativeWrite(buf).latin1Write(s, this.pos + 1);
      buf[this.pos++] = 0x22;
      return;
    }
    if (this.pos + n + 2 > this.buf.length) this.room(n + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return this.text(JSON.stringify(s));
      buf[p++] = c;
    }
    buf[p++] = 0x22;
    this.pos = p;
  }

  /** true / false. */
  bool(v: boolean): void {
    if (this.pos + 5 > this.buf.length) this.room(5);
    const buf = this.buf;
    let p = this.pos;
    if (v) { buf[p++] = 0x74; buf[p++] = 0x72; buf[p++] = 0x75; buf[p++] = 0x65; } else {
      buf[p++] = 0x66; buf[p++] = 0x61; buf[p++] = 0x6c; buf[p++] = 0x73; buf[p++] = 0x65;
    }
    this.pos = p;
  }

  /**
   * Any value as JSON.stringify writes it; false when it writes nothing (undefined, a function,
   * a symbol: the caller leaves the key out). Arrays of strings and numbers are written here;
   * anything else goes through JSON.stringify.
   */
  value(v: unknown): boolean {
    switch (typeof v) {
      case 'string': this.str(v); return true;
      case 'number': this.num(v); return true;
      case 'boolean': this.bool(v); return true;
    }
    if (Array.isArray(v) && this.array(v)) return true;
    const j = JSON.stringify(v) as string | undefined;
    if (j === undefined) return false;
    this.text(j);
    return true;
  }

  /** A plain array of strings and finite or non-finite numbers; false (nothing written) for anything else. */
  private array(a: unknown[]): boolean {
    if ((a as { toJSON?: unknown }).toJSON !== undefined) return false;
    const start = this.pos;
    if (this.pos + 2 > this.buf.length) this.room(2);
    this.buf[this.pos++] = 0x5b;
    for (let i = 0; i < a.length; i++) {
      const e = a[i];
      if (i > 0) {
        if (this.pos + 1 > this.buf.length) this.room(1);
        this.buf[this.pos++] = 0x2c;
      }
      if (typeof e === 'string') this.str(e);
      else if (typeof e === 'number') this.num(e);
      else { this.pos = start; return false; }
    }
    if (this.pos + 1 > this.buf.length) this.room(1);
    this.buf[this.pos++] = 0x5d;
    return true;
  }

  /** Zeek's `time`/`interval`: v.toFixed(6). */
  fixed6(v: number): void {
    if (v >= 0 && v < DEC_MAX) {
      const r = v * 1e6;
      if (r < FIXED_R_MAX) {
        const m = Math.round(r);
        const d = r - m;
        if (d < FIXED_MARGIN && d > -FIXED_MARGIN) return this.micros(m, Math.floor(v), true);
      }
    }
    this.ascii(v.toFixed(6));
  }

  /** Zeek's default rendering of a number, String(v). */
  numText(v: number): void {
    if ((v | 0) === v && v >= 0) return this.uint(v | 0);
    this.ascii('' + v);
  }

  /**
   * A Zeek string field whose characters need no escape (printable ASCII but `\`, and `,` in a
   * set) and that is no placeholder: copied, and true. Otherwise nothing is written and false.
   */
  zeekPlain(s: string, inSet: boolean): boolean {
    const n = s.length;
    if (n === 0 || (n === 1 && s === '-') || (n === 7 && s === '(empty)')) return false;
    if (this.pos + n > this.buf.length) this.room(n);
    if (n >= NATIVE_COPY_CHARS) {
      if ((inSet ? ZEEK_SET_SPECIAL : ZEEK_SPECIAL).test(s)) return false;
      this.pos += nativeWrite(this.buf).latin1Write(s, this.pos);
      return true;
    }
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x5c || (inSet && c === 0x2c)) { this.pos = start; return false; }
      buf[p++] = c;
    }
    this.pos = p;
    return true;
  }
}
