import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Indicator, IndicatorType } from './indicator.js';
import { forEachIndicator, IntelIndex, type Entry } from './intel-index.js';
import { matchRecord } from './match.js';
import { conn, dns, http } from './testing.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

function ind(type: IndicatorType, value: string, o: Partial<Indicator> = {}): Indicator {
  return { value, type, feed: 'f', confidence: 80, tags: [], ...o };
}

const list = (e: Entry | undefined): Indicator[] => {
  const out: Indicator[] = [];
  if (e !== undefined) forEachIndicator(e, (i) => out.push(i));
  return out;
};

test('every field of an indicator comes back from the compact columns, the same object on every hit', () => {
  const full = ind('url', 'http://gate.example/路径/gate.php?id=1', {
    feed: 'misp-event', confidence: 55, family: 'Ramnit', tags: ['botnet_cc', 'tlp:amber'], first_seen: 1_700_000_000.25,
    last_seen: 1_700_086_400, expires: 1_800_000_000, port: 0, reference: 'https://example.org/ref/1',
    description: 'café — 中文 描述', condition: "[network-traffic:dst_port = 443]",
  });
  const odd = ind('ip', '192.0.2.7', { confidence: 12.5, tags: ['x'] });
  const plain = ind('domain', 'badguy.example');
  const idx = IntelIndex.build([[full, odd, plain]]);
  const u = idx.url('gate.example/路径/gate.php?id=1');
  assert.deepEqual(u, full);
  assert.equal(idx.url('gate.example/路径/gate.php?id=1'), u, 'made once, then the same object');
  assert.deepEqual(idx.ip('192.0.2.7'), odd);
  assert.deepEqual(idx.domain('BadGuy.Example'), plain);
  assert.deepEqual(Object.keys(idx.domain('badguy.example')!).sort(), ['confidence', 'feed', 'tags', 'type', 'value'], 'absent fields stay absent');
  const m = matchRecord(idx, 'http', http('10.0.0.5', '203.0.113.80', 1_750_000_000, { host: 'gate.example', uri: '/路径/gate.php?id=1' }));
  assert.equal(m.length, 1);
  assert.equal(m[0]!.indicator, u);
  assert.ok(idx.byteSize > 0);
});

test('feeds listing one value: all of them, in load order, chains interleaved with other keys', () => {
  const idx = IntelIndex.build([
    [ind('domain', 'a.example', { feed: 'one' }), ind('domain', 'b.example', { feed: 'one' }), ind('ip', '192.0.2.1', { feed: 'one' })],
    [ind('domain', 'b.example', { feed: 'two' }), ind('domain', 'a.example', { feed: 'two' }), ind('ip', '192.0.2.1', { feed: 'two', port: 8080 })],
    [ind('domain', 'a.example', { feed: 'three' }), ind('ja3', '72a589da586844d7f0818ce684948eea', { feed: 'three' })],
  ]);
  assert.deepEqual(list(idx.domain('a.example')).map((i) => i.feed), ['one', 'two', 'three']);
  assert.deepEqual(list(idx.domain('b.example')).map((i) => i.feed), ['one', 'two']);
  assert.deepEqual(list(idx.ip('192.0.2.1')).map((i) => [i.feed, i.port]), [['one', undefined], ['two', 8080]]);
  assert.deepEqual(list(idx.ja3('72a589da586844d7f0818ce684948eea')).map((i) => i.feed), ['three']);
  assert.equal(idx.ja4('t13d1516h2_8daaf6152771_b186095e22b6'), undefined);
  assert.equal(idx.size, 8);
});

test('a 32-bit hash collision is told apart by the stored text', () => {
  // 'clzug.example' and 'cpa25.example' have the same right-to-left FNV-1a hash (compact.test.ts).
  const idx = IntelIndex.build([[ind('domain', 'cpa25.example')]]);
  assert.equal(idx.domain('clzug.example'), undefined);
  assert.equal(matchRecord(idx, 'dns', dns('10.0.0.5', 'www.clzug.example', [], 1)).length, 0);
  assert.equal(matchRecord(idx, 'dns', dns('10.0.0.5', 'www.cpa25.example', [], 1)).length, 1);
  const both = IntelIndex.build([[ind('domain', 'cpa25.example', { feed: 'p' }), ind('domain', 'clzug.example', { feed: 'q' })]]);
  assert.deepEqual(list(both.domain('clzug.example')).map((i) => i.feed), ['q']);
  assert.deepEqual(list(both.domain('cpa25.example')).map((i) => i.feed), ['p']);
});

test('IPv6: exact addresses by text, networks of any length (also shorter than the 16-bit filter)', () => {
  const idx = IntelIndex.build([[
    ind('ip', '2001:db8::c2'), ind('cidr', '2000::/3', { feed: 'wide' }), ind('cidr', '2001:db8:bad::/48'), ind('cidr', '::/0', { feed: 'all' }),
    ind('cidr', '198.51.100.0/24'),
  ]]);
  const nets = (a: string) => { const out: Indicator[] = []; idx.networks(a, out); return out.map((i) => i.value); };
  assert.deepEqual(nets('2001:db8:bad:1::9'), ['::/0', '2000::/3', '2001:db8:bad::/48']);
  assert.deepEqual(nets('3fff::1'), ['::/0', '2000::/3']);
  assert.deepEqual(nets('fd00::1'), ['::/0']);
  assert.deepEqual(nets('::ffff:198.51.100.7'), ['::/0'], 'an IPv4-mapped address is IPv6 text: IPv4 networks do not apply');
  assert.deepEqual(nets('198.51.100.7'), ['198.51.100.0/24']);
  assert.deepEqual(nets('not::an::address'), []);
  assert.deepEqual(list(idx.ip('2001:db8::c2')).map((i) => i.value), ['2001:db8::c2']);
  assert.equal(idx.ip('2001:db8::c3'), undefined);
  assert.deepEqual(matchRecord(idx, 'conn', conn('fd00::5', '2001:db8::c2', 1)).map((m) => `${m.field} ${m.how} ${m.indicator.value}`), [
    'resp_h exact 2001:db8::c2', 'resp_h network ::/0', 'resp_h network 2000::/3', 'orig_h network ::/0',
  ]);
});

test('an empty index answers nothing and costs little', () => {
  const idx = IntelIndex.empty();
  assert.equal(idx.size, 0);
  assert.ok(!idx.hasAddresses && !idx.hasDomains && !idx.hasUrls && !idx.hasTlsFingerprints);
  assert.equal(idx.ip('192.0.2.1'), undefined);
  assert.equal(idx.domain('a.example'), undefined);
  assert.equal(idx.url('a.example/x'), undefined);
  assert.equal(idx.cert('6ad0f2b4a2fb4e1a0f1d0b1f4f0a6f2f9e0e4b1c'), undefined);
  assert.equal(idx.listedSuffixes('www.a.example', [], []), 0);
  assert.ok(idx.byteSize < 8_000_000, `${idx.byteSize} bytes`);
});

test('property: every lookup equals a brute-force scan (addresses, names, URLs, fingerprints; many feeds, duplicates)', () => {
  const v4 = fc.tuple(fc.constantFrom(192, 198), fc.nat(2), fc.nat(2), fc.nat(3)).map(([a, b, c, d]) => `${a}.${b}.${c}.${d}`);
  const v6 = fc.tuple(fc.constantFrom('2001:db8', 'fd00'), fc.nat(3)).map(([p, x]) => `${p}::${x.toString(16)}`);
  const name = fc.array(fc.constantFrom('a', 'b', 'c2', 'x-y'), { minLength: 1, maxLength: 3 }).map((ls) => [...ls, 'example'].join('.'));
  const hex = fc.constantFrom('72a589da586844d7f0818ce684948eea', 'e7d705a3286e19ea42f587b344ee6865');
  const url = fc.tuple(name, fc.constantFrom('/', '/gate.php', '/x?id=1')).map(([h, p]) => `${h}${p}`);
  const one = fc.oneof(
    v4.map((v) => ['ip', v] as const), v6.map((v) => ['ip', v] as const), name.map((v) => ['domain', v] as const),
    hex.map((v) => ['ja3', v] as const), hex.map((v) => ['cert_sha1', `${v}00000000`] as const), url.map((v) => ['url', `http://${v}`] as const),
  );
  const feedOf = fc.constantFrom('f1', 'f2', 'f3');
  fc.assert(fc.property(fc.array(fc.array(fc.tuple(one, feedOf), { maxLength: 12 }), { maxLength: 3 }), fc.array(fc.oneof(v4, v6, name, hex, url), { maxLength: 12 }), (lists, probes) => {
    const inds = lists.map((l) => l.map(([[type, value], feed]) => ind(type, value, { feed })));
    const idx = IntelIndex.build(inds);
    const flat = inds.flat();
    const want = (type: IndicatorType, v: string) => flat.filter((i) => i.type === type && (type === 'url' ? i.value === `http://${v}` : i.value === v));
    const got = (e: Entry | undefined) => list(e).map((i) => ({ ...i }));
    for (const p of probes) {
      assert.deepEqual(got(idx.ip(p)), want('ip', p), `ip ${p}`);
      assert.deepEqual(got(idx.domain(p)), want('domain', p), `domain ${p}`);
      assert.deepEqual(got(idx.url(p)), want('url', p), `url ${p}`);
      assert.deepEqual(got(idx.ja3(p)), want('ja3', p), `ja3 ${p}`);
      assert.deepEqual(got(idx.cert(`${p}00000000`)), want('cert_sha1', `${p}00000000`), `cert ${p}`);
    }
  }), { numRuns: RUNS });
});

test('tag sets are kept once; each indicator made gets its own array', () => {
  const tags = ['botnet_cc', 'c2'];
  const idx = IntelIndex.build([[ind('ip', '192.0.2.1', { tags }), ind('ip', '192.0.2.2', { tags: ['botnet_cc', 'c2'] }), ind('ip', '192.0.2.3', { tags: ['botnet_cc\x00c2'] })]]);
  tags.push('changed later');
  const [a, b, c] = ['192.0.2.1', '192.0.2.2', '192.0.2.3'].map((v) => idx.ip(v) as Indicator);
  assert.deepEqual(a!.tags, ['botnet_cc', 'c2']);
  assert.deepEqual(b!.tags, ['botnet_cc', 'c2']);
  assert.notEqual(a!.tags, b!.tags);
  assert.deepEqual(c!.tags, ['botnet_cc\x00c2'], 'a tag set whose joined key collides keeps its own value');
});

test('networks given with host bits set still cover their addresses (filters and trie agree)', () => {
  const idx = IntelIndex.build([[ind('cidr', '198.51.100.77/20'), ind('cidr', '2001:db8:ffff::/4')]]);
  const nets = (a: string) => { const out: Indicator[] = []; idx.networks(a, out); return out.map((i) => i.value); };
  assert.deepEqual(nets('198.51.96.1'), ['198.51.100.77/20']);
  assert.deepEqual(nets('198.51.111.255'), ['198.51.100.77/20']);
  assert.deepEqual(nets('198.51.112.0'), []);
  assert.deepEqual(nets('2abc::1'), ['2001:db8:ffff::/4']);
  assert.deepEqual(nets('3000::1'), []);
});
