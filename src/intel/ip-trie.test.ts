import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ipWords } from '../detect/networks.js';
import { addrToString } from '../sensor/packet/packet.js';
import { parseV4, parseV6, PrefixTrie } from './ip-trie.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

/** Brute force: does the first `bits` bits of a equal those of b? */
function covers(net: number[], bits: number, addr: number[]): boolean {
  for (let i = 0; i < bits; i++) {
    const x = (net[i >>> 5]! >>> (31 - (i & 31))) & 1;
    const y = (addr[i >>> 5]! >>> (31 - (i & 31))) & 1;
    if (x !== y) return false;
  }
  return true;
}

test('IPv4: every containing prefix, shortest first; none outside', () => {
  const t = new PrefixTrie<string>(32);
  const p = (s: string) => [parseV4(s)];
  t.insert(p('10.0.0.0'), 8, 'ten');
  t.insert(p('10.1.0.0'), 16, 'ten-one');
  t.insert(p('10.1.2.3'), 32, 'host');
  t.insert(p('10.1.0.0'), 16, 'ten-one-again');
  t.insert(p('0.0.0.0'), 0, 'all');
  const look = (s: string) => { const out: string[] = []; t.lookup(p(s), out); return out; };
  assert.deepEqual(look('10.1.2.3'), ['all', 'ten', 'ten-one', 'ten-one-again', 'host']);
  assert.deepEqual(look('10.1.9.9'), ['all', 'ten', 'ten-one', 'ten-one-again']);
  assert.deepEqual(look('11.0.0.1'), ['all']);
  assert.equal(t.size, 5);
  assert.throws(() => t.insert(p('1.0.0.0'), 33, 'x'), RangeError);
});

test('parseV4 reads dotted quads without allocating and refuses the rest', () => {
  assert.equal(parseV4('255.255.255.255'), 0xffffffff);
  assert.equal(parseV4('192.0.2.1'), 0xc0000201);
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1..2.3', '1.2.3.', '01234.1.1.1', '::1', 'a.b.c.d']) assert.equal(parseV4(bad), -1, bad);
});

test('property: trie lookups equal a brute-force scan (IPv4 and IPv6)', () => {
  for (const width of [32, 128] as const) {
    const words = width / 32;
    const word = fc.integer({ min: 0, max: 0xffffffff });
    const key = fc.array(word, { minLength: words, maxLength: words });
    // Prefixes near each other so lookups hit: derive addresses from prefixes.
    fc.assert(fc.property(fc.array(fc.tuple(key, fc.integer({ min: 0, max: width })), { minLength: 1, maxLength: 40 }), fc.array(fc.tuple(fc.nat(39), key, fc.integer({ min: 0, max: width })), { maxLength: 40 }), (nets, probes) => {
      const t = new PrefixTrie<number>(width);
      nets.forEach(([k, b], i) => t.insert(k, b, i));
      for (const [which, noise, keep] of probes) {
        const [nk] = nets[which % nets.length]!;
        // Keep the first `keep` bits of a listed prefix, then noise.
        const addr = nk.map((w, i) => {
          const hi = Math.max(0, Math.min(32, keep - i * 32));
          const mask = hi === 0 ? 0 : hi === 32 ? 0xffffffff : (0xffffffff << (32 - hi)) >>> 0;
          return ((w & mask) | (noise[i]! & ~mask)) >>> 0;
        });
        const got: number[] = [];
        t.lookup(addr, got);
        const want = nets.map(([k, b], i) => (covers(k, b, addr) ? i : -1)).filter((i) => i >= 0);
        assert.deepEqual([...got].sort((a, b) => a - b), want);
      }
    }), { numRuns: RUNS });
  }
});

test('parseV6 reads IPv6 text into four words without allocating, and refuses the rest', () => {
  const w = new Uint32Array(4);
  const words = (s: string) => (parseV6(s, w) ? [...w] : undefined);
  assert.deepEqual(words('2001:db8::1'), [0x20010db8, 0, 0, 1]);
  assert.deepEqual(words('::'), [0, 0, 0, 0]);
  assert.deepEqual(words('::1'), [0, 0, 0, 1]);
  assert.deepEqual(words('fe80::'), [0xfe800000, 0, 0, 0]);
  assert.deepEqual(words('::ffff:192.0.2.1'), [0, 0, 0xffff, 0xc0000201]);
  assert.deepEqual(words('2001:DB8:0:0:1:2:3:4'), [0x20010db8, 0, 0x10002, 0x30004]);
  for (const bad of ['', ':', ':::', '1::2::3', '2001:db8:', ':2001:db8::1', '12345::1', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', 'g::1', '::1.2.3', '1:2:3:4:5:6:7:1.2.3.4', '192.0.2.1']) {
    assert.equal(parseV6(bad, w), false, bad);
  }
});

test('property: parseV6 agrees with ipWords on every address (canonical text, full form, upper case)', () => {
  const word = fc.integer({ min: 0, max: 0xffffffff });
  const w = new Uint32Array(4);
  fc.assert(fc.property(fc.array(word, { minLength: 4, maxLength: 4 }), fc.nat(15), ([a, b, c, d], zeros) => {
    // Zero some groups so that '::' compression happens in many places.
    const g = [a!, b!, c!, d!].map((x, i) => ((zeros >> i) & 1 ? 0 : x));
    const canonical = addrToString(g);
    const full = g.flatMap((x) => [x >>> 16, x & 0xffff]).map((x) => x.toString(16)).join(':');
    // The formatter writes IPv4-mapped addresses as dotted quads (the sensor's IPv4 form).
    for (const s of canonical.includes(':') ? [canonical, full, canonical.toUpperCase()] : [full]) {
      assert.ok(parseV6(s, w), s);
      assert.deepEqual([...w], ipWords(s.toLowerCase()), s);
    }
  }), { numRuns: RUNS });
});

test('trim gives back spare capacity; the trie answers the same and still takes inserts', () => {
  const t = new PrefixTrie<number>(32);
  const p = (s: string) => [parseV4(s)];
  for (let i = 0; i < 3000; i++) t.insert([(0x0a000000 + i * 256) >>> 0], 24, i);
  t.trim();
  const look = (s: string) => { const out: number[] = []; t.lookup(p(s), out); return out; };
  assert.deepEqual(look('10.0.5.9'), [5]);
  t.insert(p('10.0.5.0'), 24, -5);
  t.insert(p('10.0.0.0'), 8, -1);
  assert.deepEqual(look('10.0.5.9'), [-1, 5, -5]);
  assert.equal(t.size, 3002);
});
