import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  canonicalIp, classifyValue, normaliseDomain, normaliseJa4, normaliseNetwork, normaliseUrl, parseTime, refang, urlKey,
} from './indicator.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

test('addresses become canonical text (as the sensor writes them)', () => {
  assert.equal(canonicalIp('192.0.2.1'), '192.0.2.1');
  assert.equal(canonicalIp('192.000.002.001'), '192.0.2.1');
  assert.equal(canonicalIp('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  assert.equal(canonicalIp('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(canonicalIp('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(canonicalIp('256.0.0.1'), undefined);
  assert.equal(canonicalIp('example.com'), undefined);
  assert.equal(canonicalIp('1.2.3'), undefined);
});

test('networks: host bits cleared, /32 and /128 are addresses, bad lengths refused', () => {
  assert.deepEqual(normaliseNetwork('192.0.2.77/24'), { type: 'cidr', value: '192.0.2.0/24' });
  assert.deepEqual(normaliseNetwork('192.0.2.77/32'), { type: 'ip', value: '192.0.2.77' });
  assert.deepEqual(normaliseNetwork('0.0.0.0/0'), { type: 'cidr', value: '0.0.0.0/0' });
  assert.deepEqual(normaliseNetwork('2001:db8:abcd:1234::/36'), { type: 'cidr', value: '2001:db8:a000::/36' });
  assert.deepEqual(normaliseNetwork('2001:db8::1/128'), { type: 'ip', value: '2001:db8::1' });
  assert.match((normaliseNetwork('10.0.0.0/33') as { error: string }).error, /prefix length must be 0..32/);
  assert.match((normaliseNetwork('10.0.0.0/x') as { error: string }).error, /prefix length/);
  assert.match((normaliseNetwork('bad/8') as { error: string }).error, /address part/);
});

test('domains: lower case, trailing dot, wildcard, IDN to punycode; single labels and numeric TLDs refused', () => {
  assert.equal(normaliseDomain('C2.BadGuy.Example.'), 'c2.badguy.example');
  assert.equal(normaliseDomain('*.badguy.example'), 'badguy.example');
  assert.equal(normaliseDomain('bücher.example'), 'xn--bcher-kva.example');
  assert.equal(normaliseDomain('_dmarc.example'), '_dmarc.example');
  assert.match((normaliseDomain('localhost') as { error: string }).error, /single label/);
  assert.match((normaliseDomain('1.2.3.4') as { error: string }).error, /numeric top-level/);
  assert.match((normaliseDomain('a..example') as { error: string }).error, /label/);
  assert.match((normaliseDomain('-a.example') as { error: string }).error, /label/);
  assert.match((normaliseDomain(`${'a'.repeat(64)}.example`) as { error: string }).error, /label/);
});

test('URLs: scheme and host lower case, default port and fragment dropped, path case kept, percent escapes upper case', () => {
  assert.equal(normaliseUrl('HTTP://Evil.Example:80/Path/X.php?A=1#frag'), 'http://evil.example/Path/X.php?A=1');
  assert.equal(normaliseUrl('https://evil.example:443'), 'https://evil.example/');
  assert.equal(normaliseUrl('https://evil.example:8443?q'), 'https://evil.example:8443/?q');
  assert.equal(normaliseUrl('http://user:pw@192.000.2.1/a%2fb'), 'http://192.0.2.1/a%2Fb');
  assert.equal(normaliseUrl('http://[2001:DB8::1]:8080/x'), 'http://[2001:db8::1]:8080/x');
  assert.match((normaliseUrl('http://bad host/') as { error: string }).error, /host/);
  assert.match((normaliseUrl('http://x.example:99999/') as { error: string }).error, /port/);
  assert.match((normaliseUrl('evil.example/x') as { error: string }).error, /not a URL/);
  assert.equal(urlKey('https://evil.example:8443/a?b'), 'evil.example:8443/a?b');
});

test('plain values: classified, ports split off, defanged values refanged, hashes refused', () => {
  assert.deepEqual(classifyValue('192.0.2.1'), { type: 'ip', value: '192.0.2.1' });
  assert.deepEqual(classifyValue('192.0.2.1:4443'), { type: 'ip', value: '192.0.2.1', port: 4443 });
  assert.deepEqual(classifyValue('[2001:db8::1]:443'), { type: 'ip', value: '2001:db8::1', port: 443 });
  assert.deepEqual(classifyValue('2001:db8::1'), { type: 'ip', value: '2001:db8::1' });
  assert.deepEqual(classifyValue('evil.example:8080'), { type: 'domain', value: 'evil.example', port: 8080 });
  assert.deepEqual(classifyValue('evil[.]example'), { type: 'domain', value: 'evil.example' });
  assert.deepEqual(classifyValue('hxxps://evil[.]example/x'), { type: 'url', value: 'https://evil.example/x' });
  assert.match((classifyValue('d41d8cd98f00b204e9800998ecf8427e') as { error: string }).error, /bare hash/);
  assert.match((classifyValue('192.0.2.1:70000') as { error: string }).error, /port out of range/);
  assert.match((classifyValue('') as { error: string }).error, /empty/);
  assert.equal(refang('plain.example'), 'plain.example');
});

test('JA4 fingerprints', () => {
  assert.equal(normaliseJa4('T13D1516H2_8DAAF6152771_B186095E22B6'), 't13d1516h2_8daaf6152771_b186095e22b6');
  assert.match((normaliseJa4('t13d1516h2_8daaf6152771') as { error: string }).error, /not a JA4/);
});

test('feed time stamps', () => {
  const t = Date.UTC(2024, 2, 1, 10, 15, 0) / 1000;
  assert.equal(parseTime('2024-03-01 10:15:00'), t);
  assert.equal(parseTime('2024-03-01 10:15:00 UTC'), t);
  assert.equal(parseTime('2024-03-01 10:15:00 (UTC)'), t);
  assert.equal(parseTime('2024-03-01T10:15:00Z'), t);
  assert.equal(parseTime('2024-03-01T10:15:00.000Z'), t);
  assert.equal(parseTime('2024-03-01T11:15:00+01:00'), t);
  assert.equal(parseTime(String(t)), t);
  assert.equal(parseTime(t * 1000), t);
  assert.equal(parseTime('2024-03-01'), Date.UTC(2024, 2, 1) / 1000);
  assert.equal(parseTime(''), undefined);
  assert.equal(parseTime('None'), undefined);
  assert.equal(parseTime('soon'), undefined);
  assert.equal(parseTime(null), undefined);
});

test('property: normalising is idempotent and never throws', () => {
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.ipV4(), fc.ipV6(), fc.domain(), fc.webUrl()), (s) => {
    const a = classifyValue(s);
    if (!('error' in a)) {
      const text = a.type === 'ip' && a.value.includes(':') && a.port !== undefined ? `[${a.value}]` : a.value;
      const b = classifyValue(a.port !== undefined ? `${text}:${a.port}` : text);
      assert.deepEqual(b, a, s);
    }
  }), { numRuns: RUNS });
  fc.assert(fc.property(fc.ipV6(), (s) => {
    const c = canonicalIp(s);
    assert.ok(c !== undefined, s);
    assert.equal(canonicalIp(c), c);
  }), { numRuns: RUNS });
});
