import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { latin1 } from './cursor.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

test('property: latin1 equals Buffer latin1 text of the range, clamped to the view; SharedArrayBuffer views too', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(8), fc.integer({ min: -4, max: 80 }), fc.integer({ min: -4, max: 80 }), (bytes, lead, start, end) => {
    const shared = new Uint8Array(new SharedArrayBuffer(lead + bytes.length + 8));
    shared.set(bytes, lead);
    for (const b of [bytes, shared.subarray(lead, lead + bytes.length)]) {
      const s = Math.max(0, start), e = Math.min(b.length, end);
      const want = e > s ? Buffer.from(bytes.subarray(s, e)).toString('latin1') : '';
      assert.equal(latin1(b, start, end), want);
    }
    assert.equal(latin1(bytes), Buffer.from(bytes).toString('latin1'));
  }), { numRuns: RUNS });
});
