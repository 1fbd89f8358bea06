import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { addrToString, IPV4_TEXT_CACHE_ENTRIES } from './packet.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
const mapped = (v: number): number[] => [0, 0, 0xffff, v >>> 0];
const dotted = (v: number): string => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');

test('property: IPv4-mapped words print as a dotted quad, the same text on a repeat (from the cache)', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
    assert.equal(addrToString(mapped(v)), dotted(v));
    assert.equal(addrToString(new Uint32Array(mapped(v))), dotted(v));
  }), { numRuns: RUNS });
});

test('the IPv4 text cache starts over when full and stays right', () => {
  const n = IPV4_TEXT_CACHE_ENTRIES + 1000;
  for (let i = 0; i < n; i++) addrToString(mapped(0x0a000000 + i));
  for (const i of [0, 1, IPV4_TEXT_CACHE_ENTRIES - 1, IPV4_TEXT_CACHE_ENTRIES, n - 1]) {
    assert.equal(addrToString(mapped(0x0a000000 + i)), dotted(0x0a000000 + i));
  }
  // IPv6 is not cached and not confused with the IPv4-mapped form.
  assert.equal(addrToString([0x20010db8, 0, 0, 0x0a000001]), '2001:db8::a00:1');
  assert.equal(addrToString([0, 0, 0xffff, 0x0a000001]), '10.0.0.1');
});
