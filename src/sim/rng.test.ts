import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, hashString } from './rng.js';

test('the same seed and stream give the same sequence; others differ', () => {
  const a = new Rng(42, 7), b = new Rng(42, 7), c = new Rng(43, 7), d = new Rng(42, 8);
  const seqA = Array.from({ length: 50 }, () => a.u32());
  assert.deepEqual(seqA, Array.from({ length: 50 }, () => b.u32()));
  assert.notDeepEqual(seqA, Array.from({ length: 50 }, () => c.u32()));
  assert.notDeepEqual(seqA, Array.from({ length: 50 }, () => d.u32()));
});

test('seeds above 2^32 are distinct from their low 32 bits', () => {
  assert.notEqual(new Rng(2 ** 32 + 5).u32(), new Rng(5).u32());
});

test('forks are reproducible and independent of later parent use', () => {
  const p1 = new Rng(1), p2 = new Rng(1);
  const f1 = p1.fork('x');
  const f2 = p2.fork('x');
  p1.u32();
  assert.equal(f1.u32(), f2.u32());
  assert.notEqual(new Rng(1).fork('x').u32(), new Rng(1).fork('y').u32());
});

test('distributions have the right means', () => {
  const r = new Rng(9);
  const n = 20000;
  let u = 0, e = 0, p = 0, g = 0;
  for (let i = 0; i < n; i++) { u += r.next(); e += r.exp(3); p += r.poisson(4); g += r.normal(); }
  assert.ok(Math.abs(u / n - 0.5) < 0.02);
  assert.ok(Math.abs(e / n - 3) < 0.15);
  assert.ok(Math.abs(p / n - 4) < 0.1);
  assert.ok(Math.abs(g / n) < 0.05);
  for (let i = 0; i < 1000; i++) {
    const k = r.int(3, 7);
    assert.ok(k >= 3 && k < 7 && Number.isInteger(k));
  }
  assert.notEqual(hashString('a'), hashString('b'));
});
