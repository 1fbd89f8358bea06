import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AddressSet, BitFilter, Interner, PairTable, TextStore, textHash } from './compact.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

test('TextStore: one byte per character for Latin-1, two above; read back and compared in place', () => {
  const t = new TextStore();
  const a = t.add('badguy.example');
  const b = t.add('café.example');
  const c = t.add('http://例え.jp/路径?q=1');
  const d = t.add('');
  assert.deepEqual([a, b, c, d], [0, 1, 2, 3]);
  assert.equal(t.get(a), 'badguy.example');
  assert.equal(t.get(b), 'café.example');
  assert.equal(t.get(c), 'http://例え.jp/路径?q=1');
  assert.equal(t.get(d), '');
  assert.equal(t.length(c), 'http://例え.jp/路径?q=1'.length);
  assert.equal(t.charCodeAt(c, 7), '例'.charCodeAt(0));
  // In place: a slice of the probe, upper case folded on request, a prefix of the stored text skipped.
  assert.ok(t.equals(a, 0, 'www.badguy.example', 4, 18, false));
  assert.ok(t.equals(a, 0, 'WWW.BadGuy.Example', 4, 18, true));
  assert.ok(!t.equals(a, 0, 'WWW.BadGuy.Example', 4, 18, false));
  assert.ok(!t.equals(a, 0, 'badguy.exampl', 0, 13, false));
  assert.ok(t.equals(c, 7, '例え.jp/路径?q=1', 0, 12, false));
  assert.ok(!t.equals(c, 7, '例え.jp/路径?q=2', 0, 12, false));
  assert.ok(!t.equals(c, 7, '例え.jp/路径?q=1', 0, 11, false));
  assert.ok(t.equals(b, 0, 'CAFé.example', 0, 12, true));
  t.trim();
  assert.equal(t.get(c), 'http://例え.jp/路径?q=1');
});

test('property: TextStore keeps any text through growth and trimming', () => {
  fc.assert(fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 200 }), (xs) => {
    const t = new TextStore();
    // Small chunks fill the initial capacity; one big text forces growth by more than doubling.
    const all = [...xs, 'x'.repeat(70_000), ...xs];
    all.forEach((s) => t.add(s));
    if (xs.length % 2 === 0) t.trim();
    all.forEach((s, i) => {
      assert.equal(t.get(i), s);
      assert.ok(t.equals(i, 0, s, 0, s.length, false));
    });
  }), { numRuns: Math.min(RUNS, 100) });
});

test('textHash hashes right to left: a suffix hash is a step of the whole walk', () => {
  assert.equal(textHash('www.badguy.example', 4), textHash('badguy.example'));
  assert.notEqual(textHash('badguy.example'), textHash('badguy.exampla'));
  // A known 32-bit collision (the index confirms every hash hit by comparing the text).
  assert.equal(textHash('clzug.example'), textHash('cpa25.example'));
});

test('PairTable: power-of-two slots at most half full, linear probing wraps around', () => {
  const t = new PairTable(3);
  assert.equal(t.mask + 1, 16);
  let s = t.mask;
  assert.equal(t.next(s), 0);
  for (let k = 0; k < 8; k++) {
    s = t.slot(42);
    while (t.pairs[2 * s + 1] !== 0) s = t.next(s);
    t.fill(s, 42, k + 1);
  }
  assert.equal(t.size, 8);
  assert.throws(() => t.fill(t.slot(1), 1, 1), RangeError);
});

test('BitFilter: single bits and ranges across word boundaries', () => {
  const f = new BitFilter(10);
  f.setRange(30, 40);
  f.set(1000);
  for (let i = 0; i < 1024; i++) assert.equal(f.has(i), (i >= 30 && i < 70) || i === 1000, String(i));
});

test('Interner: equal keys share an id unless the values differ', () => {
  const same = (a: readonly string[], b: readonly string[]) => a.join() === b.join() && a.length === b.length;
  const i = new Interner<readonly string[]>();
  assert.equal(i.id('a\x00b', ['a', 'b'], same), 0);
  assert.equal(i.id('a\x00b', ['a', 'b'], same), 0);
  assert.equal(i.id('a\x00b', ['a\x00b'], same), 1, 'a colliding key with another value gets its own id');
  assert.deepEqual(i.values, [['a', 'b'], ['a\x00b']]);
});

test('property: AddressSet holds the distinct addresses (IPv4 by number, first text kept; IPv6 as text), through growth', () => {
  const v4 = fc.tuple(fc.nat(3), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `${a === 0 ? 0 : 10}.${a}.${b}.${c}`);
  const v6 = fc.nat(40).map((x) => `2001:db8::${x.toString(16)}`);
  fc.assert(fc.property(fc.array(fc.oneof(v4, v6, fc.constant('0.0.0.0')), { maxLength: 3000 }), (xs) => {
    const s = new AddressSet();
    for (const x of xs) s.add(x);
    const want = new Set(xs);
    assert.equal(s.size, want.size);
    assert.deepEqual(new Set(s.values()), want);
    assert.equal(s.values().length, want.size);
  }), { numRuns: Math.min(RUNS, 50) });
});
