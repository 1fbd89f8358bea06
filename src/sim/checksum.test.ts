import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checksum } from './checksum.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

/** Straightforward RFC 1071 reference: 16-bit words, end-around carry. */
function reference(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += (b[i] << 8) | (i + 1 < b.length ? b[i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

test('RFC 1071 example', () => {
  // Words 0001 f203 f4f5 f6f7 sum to ddf2 (with carries); the checksum is its complement.
  assert.equal(checksum(Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7)), 0x220d);
});

test('a valid IPv4 header sums to zero', () => {
  const h = Uint8Array.of(0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7);
  assert.equal(checksum(h), 0);
});

test('matches the 16-bit reference for any bytes, odd lengths and offsets included', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(3), (bytes, pad) => {
    const b = new Uint8Array(bytes.length + pad);
    b.set(bytes, pad);
    assert.equal(checksum(b, pad, bytes.length), reference(bytes));
  }), { numRuns: RUNS });
});
