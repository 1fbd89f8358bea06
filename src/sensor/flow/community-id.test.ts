import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import fc from 'fast-check';
import { communityId, communityIdWords } from './community-id.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

/** Network-order bytes of four address words (IPv4-mapped words give the 4 IPv4 bytes). */
function wordsToBytes(w: number[]): Uint8Array {
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return Uint8Array.of(w[3]! >>> 24, (w[3]! >>> 16) & 0xff, (w[3]! >>> 8) & 0xff, w[3]! & 0xff);
  const b = new Uint8Array(16);
  w.forEach((x, i) => { b[4 * i] = x >>> 24; b[4 * i + 1] = (x >>> 16) & 0xff; b[4 * i + 2] = (x >>> 8) & 0xff; b[4 * i + 3] = x & 0xff; });
  return b;
}

test('community id: the specification example (TCP 128.232.110.120:34855 -> 66.35.250.204:80)', () => {
  const w = (a: number, b: number, c: number, d: number) => [0, 0, 0xffff, ((a << 24) | (b << 16) | (c << 8) | d) >>> 0] as const;
  const s = w(128, 232, 110, 120), d = w(66, 35, 250, 204);
  assert.equal(communityIdWords(...s, ...d, 6, 34855, 80), '1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  assert.equal(communityIdWords(...d, ...s, 6, 80, 34855), '1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
});

test('community id: the word form agrees with the byte form (IPv4, IPv6, every protocol, seeds)', () => {
  const word = fc.integer({ min: 0, max: 0xffffffff });
  const addr = fc.oneof(word.map((x) => [0, 0, 0xffff, x]), fc.tuple(word, word, word, word).filter(([a, b, c]) => !(a === 0 && b === 0 && c === 0xffff)));
  fc.assert(fc.property(fc.boolean(), addr, addr, fc.constantFrom(1, 6, 17, 58, 132, 47, 0, 255), fc.integer({ min: 0, max: 65535 }),
    fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }), (v6pair, a, b, proto, sp, dp, seed) => {
      if (!v6pair && (a[2] === 0xffff) !== (b[2] === 0xffff)) b = a[2] === 0xffff ? [0, 0, 0xffff, b[3]!] : b;
      if (proto === 1 || proto === 58) { sp &= 0xff; dp &= 0xff; }
      const got = communityIdWords(a[0]!, a[1]!, a[2]!, a[3]!, b[0]!, b[1]!, b[2]!, b[3]!, proto, sp, dp, seed);
      assert.equal(got, communityId(wordsToBytes(a), wordsToBytes(b), proto, sp, dp, seed));
      assert.match(got, /^1:[A-Za-z0-9+/]{27}=$/);
    }), { numRuns: RUNS * 10 });
  // The byte form against node:crypto on a hand-made input.
  const input = Buffer.from([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 17, 0, 0, 53, 0, 80]);
  assert.equal(communityId(Uint8Array.of(1, 2, 3, 4), Uint8Array.of(5, 6, 7, 8), 17, 53, 80), '1:' + crypto.createHash('sha1').update(input).digest('base64'));
});
