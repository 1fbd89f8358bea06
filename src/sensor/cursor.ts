/**
 * A bounded byte cursor with a sticky error: read a run of fields, check `ok` once. Reads past
 * the end return 0 (or an empty view) and set `ok = false`; nothing throws. Every untrusted byte
 * in c2hunt is read through this class or through explicit length checks.
 */
export class Cursor {
  buf: Uint8Array;
  pos: number;
  end: number;
  ok = true;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = Math.min(end, buf.length);
  }

  /** Re-point the cursor at new bytes (lets hot paths reuse one instance). */
  reset(buf: Uint8Array, start = 0, end = buf.length): this {
    this.buf = buf;
    this.pos = start;
    this.end = Math.min(end, buf.length);
    this.ok = true;
    return this;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  has(n: number): boolean {
    return this.ok && this.pos + n <= this.end;
  }

  private need(n: number): boolean {
    if (this.pos + n > this.end || n < 0) {
      this.ok = false;
      this.pos = this.end;
      return false;
    }
    return true;
  }

  u8(): number {
    if (!this.need(1)) return 0;
    return this.buf[this.pos++]!;
  }

  u16(): number {
    if (!this.need(2)) return 0;
    const b = this.buf;
    const v = (b[this.pos]! << 8) | b[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u24(): number {
    if (!this.need(3)) return 0;
    const b = this.buf;
    const v = (b[this.pos]! << 16) | (b[this.pos + 1]! << 8) | b[this.pos + 2]!;
    this.pos += 3;
    return v;
  }

  u32(): number {
    if (!this.need(4)) return 0;
    const b = this.buf;
    const v = ((b[this.pos]! << 24) >>> 0) + ((b[this.pos + 1]! << 16) | (b[this.pos + 2]! << 8) | b[this.pos + 3]!);
    this.pos += 4;
    return v;
  }

  /** A view (no copy) of the next n bytes. */
  bytes(n: number): Uint8Array {
    if (!this.need(n)) return this.buf.subarray(0, 0);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  skip(n: number): void {
    if (this.need(n)) this.pos += n;
  }

  /** A child cursor over the next n bytes; the parent moves past them. */
  sub(n: number): Cursor {
    if (!this.need(n)) return new Cursor(this.buf, this.end, this.end).fail();
    const c = new Cursor(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return c;
  }

  fail(): this {
    this.ok = false;
    return this;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of bytes. */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
}

/**
 * Buffer's own Latin-1 decoder (on Buffer.prototype since Node's early days; it takes any
 * Uint8Array): called directly it skips making a Buffer and Buffer#toString's argument handling.
 */
export const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;

/** Latin-1 text of bytes (never throws; every byte maps to one char). */
export function latin1(b: Uint8Array, start = 0, end = b.length): string {
  if (start < 0) start = 0;
  if (end > b.length) end = b.length;
  if (end <= start) return '';
  return latin1Slice.call(b, start, end);
}
