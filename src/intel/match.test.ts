import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ipWords } from '../detect/networks.js';
import { classifyValue, type Indicator, type IndicatorType } from './indicator.js';
import { IntelHandle, IntelIndex } from './intel-index.js';
import { matchRecord, NO_MATCHES, requestUrlKey } from './match.js';
import { conn, dns, http, tls } from './testing.js';

function ind(type: IndicatorType, value: string, o: Partial<Indicator> = {}): Indicator {
  return { value, type, feed: 'f', confidence: 80, tags: [], ...o };
}

const index = IntelIndex.build([[
  ind('ip', '192.0.2.44', { port: 443 }),
  ind('cidr', '198.51.100.0/24'),
  ind('cidr', '198.51.100.128/25', { feed: 'g' }),
  ind('cidr', '2001:db8:bad::/48'),
  ind('ip', '2001:db8::c2'),
  ind('domain', 'badguy.example'),
  ind('domain', 'c2.badguy.example', { feed: 'g' }),
  ind('url', 'http://gate.example/panel/gate.php'),
  ind('url', 'https://dl.example:8443/x.bin?id=1'),
  ind('ja3', '72a589da586844d7f0818ce684948eea'),
  ind('ja4', 't13d1516h2_8daaf6152771_b186095e22b6'),
  ind('cert_sha1', '6ad0f2b4a2fb4e1a0f1d0b1f4f0a6f2f9e0e4b1c'),
  ind('sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'),
  ind('ip', '203.0.113.9', { expires: 1000 }),
], [ind('ip', '192.0.2.44', { feed: 'other' })]]);

const brief = (ms: readonly { indicator: Indicator; field: string; how: string }[]) => ms.map((m) => `${m.field} ${m.how} ${m.indicator.feed}:${m.indicator.value}`);

test('index counts by type and by feed', () => {
  assert.equal(index.size, 15);
  assert.equal(index.counts.ip, 4);
  assert.equal(index.counts.cidr, 3);
  assert.equal(index.counts.sha256, 1);
  assert.deepEqual(index.feeds.map((f) => [f.name, f.indicators]), [['f', 12], ['g', 2], ['other', 1]]);
});

test('connections: both addresses, exact and inside networks (IPv4 and IPv6), every feed that lists it', () => {
  assert.deepEqual(brief(matchRecord(index, 'conn', conn('10.0.0.5', '192.0.2.44', 2000))), ['resp_h exact f:192.0.2.44', 'resp_h exact other:192.0.2.44']);
  assert.deepEqual(brief(matchRecord(index, 'conn', conn('10.0.0.5', '198.51.100.200', 2000))), ['resp_h network f:198.51.100.0/24', 'resp_h network g:198.51.100.128/25']);
  assert.deepEqual(brief(matchRecord(index, 'conn', conn('198.51.100.1', '10.0.0.5', 2000))), ['orig_h network f:198.51.100.0/24']);
  assert.deepEqual(brief(matchRecord(index, 'conn', conn('fd00::5', '2001:db8:bad:1::9', 2000))), ['resp_h network f:2001:db8:bad::/48']);
  assert.deepEqual(brief(matchRecord(index, 'conn', conn('fd00::5', '2001:db8::c2', 2000))), ['resp_h exact f:2001:db8::c2']);
  assert.equal(matchRecord(index, 'conn', conn('10.0.0.5', '8.8.8.8', 2000)), NO_MATCHES);
});

test('expired indicators do not match later traffic', () => {
  assert.equal(matchRecord(index, 'conn', conn('10.0.0.5', '203.0.113.9', 2000)).length, 0);
  assert.equal(matchRecord(index, 'conn', conn('10.0.0.5', '203.0.113.9', 999)).length, 1);
});

test('DNS: query with its parent domains, answers as addresses and names; the top-level label alone never', () => {
  assert.deepEqual(brief(matchRecord(index, 'dns', dns('10.0.0.5', 'x.c2.badguy.example', [], 2000))), ['query parent_domain g:c2.badguy.example', 'query parent_domain f:badguy.example']);
  assert.deepEqual(brief(matchRecord(index, 'dns', dns('10.0.0.5', 'BadGuy.Example.', [], 2000))), ['query exact f:badguy.example']);
  assert.deepEqual(brief(matchRecord(index, 'dns', dns('10.0.0.5', 'www.benign.example', ['cdn.badguy.example', '192.0.2.44'], 2000))), [
    'answer parent_domain f:badguy.example', 'answer exact f:192.0.2.44', 'answer exact other:192.0.2.44',
  ]);
  assert.equal(matchRecord(index, 'dns', dns('10.0.0.5', 'example', [], 2000)).length, 0);
  assert.equal(matchRecord(index, 'dns', dns('10.0.0.5', 'notbadguy.example', ['v=spf1 -all'], 2000)).length, 0);
});

test('TLS: server name (also an address literal), JA3, JA4, certificate SHA-1', () => {
  const t = tls('10.0.0.5', '203.0.113.80', 2000, {
    server_name: 'api.badguy.example', ja3: '72a589da586844d7f0818ce684948eea', ja4: 't13d1516h2_8daaf6152771_b186095e22b6',
    cert_sha1: '6ad0f2b4a2fb4e1a0f1d0b1f4f0a6f2f9e0e4b1c',
  });
  assert.deepEqual(brief(matchRecord(index, 'tls', t)), [
    'server_name parent_domain f:badguy.example', 'ja3 exact f:72a589da586844d7f0818ce684948eea',
    'ja4 exact f:t13d1516h2_8daaf6152771_b186095e22b6', 'cert_sha1 exact f:6ad0f2b4a2fb4e1a0f1d0b1f4f0a6f2f9e0e4b1c',
  ]);
  assert.deepEqual(brief(matchRecord(index, 'tls', tls('10.0.0.5', '8.8.8.8', 2000, { server_name: '198.51.100.3' }))), ['server_name network f:198.51.100.0/24']);
});

test('HTTP: Host (with port), URL exact, URL listed without query, proxy absolute URIs, other ports', () => {
  assert.deepEqual(brief(matchRecord(index, 'http', http('10.0.0.5', '203.0.113.80', 2000, { host: 'gate.example', uri: '/panel/gate.php' }))), ['url exact f:http://gate.example/panel/gate.php']);
  assert.deepEqual(brief(matchRecord(index, 'http', http('10.0.0.5', '203.0.113.80', 2000, { host: 'gate.example:80', uri: '/panel/gate.php?id=7' }))), ['url url_without_query f:http://gate.example/panel/gate.php']);
  assert.deepEqual(brief(matchRecord(index, 'http', http('10.0.0.5', '10.0.0.3', 2000, { host: 'proxy.local', uri: 'http://gate.example/panel/gate.php' }))), ['url exact f:http://gate.example/panel/gate.php']);
  assert.deepEqual(brief(matchRecord(index, 'http', http('10.0.0.5', '203.0.113.80', 2000, { host: 'dl.example:8443', uri: '/x.bin?id=1' }))), ['url exact f:https://dl.example:8443/x.bin?id=1']);
  assert.deepEqual(brief(matchRecord(index, 'http', http('10.0.0.5', '203.0.113.80', 2000, { host: 'www.badguy.example:8080', uri: '/' }))), ['host parent_domain f:badguy.example']);
  assert.equal(matchRecord(index, 'http', http('10.0.0.5', '203.0.113.80', 2000, { host: 'gate.example', uri: '/panel/GATE.php' })).length, 0, 'paths are case-sensitive');
  assert.equal(requestUrlKey('Gate.Example', '/a%2fb#x'), 'gate.example/a%2Fb');
  assert.equal(requestUrlKey(undefined, '/x'), undefined);
});

test('other record kinds never match', () => {
  assert.equal(matchRecord(index, 'weird', { ts: 1, uid: '', name: 'x', orig_h: '192.0.2.44' }), NO_MATCHES);
});

test('IntelHandle swaps in a new index only when building it succeeds', async () => {
  const h = new IntelHandle(index);
  await assert.rejects(h.reload(() => { throw new Error('Cannot load: broken'); }), /broken/);
  assert.equal(h.index, index);
  const next = IntelIndex.build([[ind('ip', '192.0.2.1')]]);
  await h.reload(() => next);
  assert.equal(h.index, next);
  assert.equal(matchRecord(h.index, 'conn', conn('10.0.0.5', '192.0.2.44', 2000)).length, 0);
});

test('property: address and name matches equal a brute-force scan of the indicators', () => {
  const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
  // Small spaces so that matches happen.
  const v4 = fc.tuple(fc.constantFrom(192, 198), fc.nat(3), fc.nat(3), fc.nat(3)).map(([a, b, c, d]) => `${a}.${b}.${c}.${d}`);
  const v4net = fc.tuple(v4, fc.integer({ min: 20, max: 31 })).map(([a, l]) => `${a}/${l}`);
  const label = fc.constantFrom('a', 'b', 'c2', 'x-y');
  const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => [...ls, 'example'].join('.'));
  const inNet = (ip: string, cidr: string): boolean => {
    const [net, len] = cidr.split('/');
    const a = ipWords(ip)![3]!, b = ipWords(net!)![3]!;
    const l = Number(len);
    const mask = l === 0 ? 0 : (0xffffffff << (32 - l)) >>> 0;
    return ((a & mask) >>> 0) === ((b & mask) >>> 0);
  };
  fc.assert(fc.property(fc.array(v4, { maxLength: 8 }), fc.array(v4net, { maxLength: 8 }), fc.array(name, { maxLength: 8 }), fc.array(fc.oneof(v4, name), { minLength: 1, maxLength: 10 }), (ips, nets, names, probes) => {
    const inds: Indicator[] = [];
    for (const v of [...ips, ...nets, ...names]) {
      const n = classifyValue(v);
      if (!('error' in n)) inds.push(ind(n.type, n.value));
    }
    const idx = IntelIndex.build([inds]);
    for (const p of probes) {
      const isIp = /^\d/.test(p);
      const rec = isIp ? conn('10.9.9.9', p, 1) : dns('10.9.9.9', p, [], 1);
      // The index keeps no indicator objects: it makes equal ones for hits.
      const key = (i: Indicator) => `${i.type} ${i.value}`;
      const order = (a: Indicator, b: Indicator) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
      const got = matchRecord(idx, isIp ? 'conn' : 'dns', rec as never).filter((m) => m.field !== 'orig_h').map((m) => m.indicator).sort(order);
      const want = inds.filter((i) => (isIp
        ? (i.type === 'ip' && i.value === p) || (i.type === 'cidr' && inNet(p, i.value))
        : i.type === 'domain' && (p === i.value || p.endsWith(`.${i.value}`)))).sort(order);
      assert.deepEqual(got, want, `${p} against ${inds.map((i) => i.value).join(' ')}`);
    }
  }), { numRuns: RUNS });
});
