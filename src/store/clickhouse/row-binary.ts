/**
 * A growing buffer that writes rows in ClickHouse's RowBinary format, the insert format of this
 * backend (the fastest of RowBinary, TabSeparated and JSONEachRow here: see the README's notes).
 * RowBinary has existed unchanged since the first public ClickHouse release: little-endian
 * fixed-width numbers, strings as a LEB128 length and UTF-8 bytes, Nullable as a null byte
 * (1 = NULL) before the value, arrays as a LEB128 count and the elements, Date as UInt16 days.
 * No escaping, so no value can break out of its field.
 */
import { StringCache } from '../strings.js';

/** Initial capacity of a buffer (bytes); it doubles as needed. */
export const INITIAL_BYTES = 64 * 1024;

const TWO32 = 4294967296;

/** Writes RowBinary values at the end of a buffer that grows by doubling. */
export class RowBinaryWriter {
  private buf: Buffer;
  /** Bytes written. */
  length = 0;
  /** Rows written (counted by the caller through {@link endRow}). */
  rows = 0;

  /** Start with `initial` bytes of room, or in a spare buffer (its content is overwritten). */
  constructor(initial: number | Buffer = INITIAL_BYTES) {
    this.buf = typeof initial === 'number' ? Buffer.allocUnsafe(initial) : initial;
  }

  /** The underlying buffer, to reuse for a later writer once the bytes are no longer needed. */
  get buffer(): Buffer {
    return this.buf;
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.buf.copy(b, 0, 0, this.length);
    this.buf = b;
  }

  /** Count one row (after writing its values). */
  endRow(): void {
    this.rows++;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.length);
    this.length += 2;
  }

  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v | 0, this.length);
    this.length += 4;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.length);
    this.length += 4;
  }

  /** A safe integer as Int64 or UInt64 (same bytes for non-negative values); fractions are truncated. */
  i64(v: number): void {
    this.ensure(8);
    let x = Math.trunc(v);
    if (!Number.isFinite(x)) x = 0;
    let lo = x % TWO32;
    if (lo < 0) lo += TWO32;
    const hi = (x - lo) / TWO32;
    this.buf.writeUInt32LE(lo, this.length);
    this.buf.writeInt32LE(hi | 0, this.length + 4);
    this.length += 8;
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }

  /** LEB128 unsigned length. */
  varint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.length++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.length++] = n;
  }

  /** A string as UTF-8 (lone surrogates become U+FFFD, as Buffer does). */
  str(s: string): void {
    const n = s.length;
    // At most 3 UTF-8 bytes per UTF-16 unit: below 43 units the length fits one LEB128 byte.
    if (n < 43) {
      this.ensure(1 + n * 3);
      const buf = this.buf;
      const start = this.length;
      // Short ASCII strings (addresses, uids, states) byte by byte: cheaper than a native call.
      let p = start + 1;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          p = start + 1 + buf.write(s, start + 1, 'utf8');
          break;
        }
        buf[p++] = c;
      }
      buf[start] = p - start - 1;
      this.length = p;
      return;
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.varint(bytes);
    this.ensure(bytes);
    this.buf.write(s, this.length, 'utf8');
    this.length += bytes;
  }

  /** The bytes written so far (a view; the writer must not be used afterwards). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** Thrown by {@link RowBinaryReader} when a value runs past the bytes received so far. */
export class NeedMoreBytes extends Error {}
const NEED_MORE = new NeedMoreBytes('row continues in the next chunk');

/** Reads RowBinary values from a buffer (the query answers of records and connections). */
export class RowBinaryReader {
  pos = 0;
  /** `strings`: decoded short strings (shared by the readers of one answer: values repeat across chunks). */
  constructor(readonly buf: Buffer, private readonly strings: StringCache = new StringCache()) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw NEED_MORE;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  i32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Int64 as a number (exact up to 2^53). */
  i64(): number {
    this.need(8);
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readInt32LE(this.pos + 4);
    this.pos += 8;
    return hi * TWO32 + lo;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  varint(): number {
    let n = 0, mul = 1;
    for (;;) {
      const b = this.u8();
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
  }

  /** Length of the string the last span() call passed over. */
  spanLen = 0;

  /** Pass over a string without decoding it: its first byte's offset in `buf` (length in spanLen). */
  span(): number {
    const n = this.varint();
    this.need(n);
    const start = this.pos;
    this.pos += n;
    this.spanLen = n;
    return start;
  }

  str(): string {
    const n = this.varint();
    this.need(n);
    const start = this.pos;
    this.pos += n;
    return this.strings.get(this.buf, start, n);
  }
}
