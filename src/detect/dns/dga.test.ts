import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DnsRecord } from '../../records/schema.js';
import { detectDns } from './index.js';
import { dnsDataset, dnsRec, prng, randomString } from './fixtures.js';

const T0 = 1_700_000_000;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const TLDS = ['com', 'net', 'org', 'info', 'biz', 'ru'];

/** A DGA bot: `n` generated names, all NXDOMAIN but the ones in `live` (resolved to 203.0.113.66). */
function dgaBot(src: string, n: number, live: number[] = [], seed = 7, t0 = T0): DnsRecord[] {
  const r = prng(seed);
  return Array.from({ length: n }, (_, i) => {
    const name = `${randomString(r, LETTERS, 10 + Math.floor(r() * 8))}.${TLDS[i % TLDS.length]}`;
    return live.includes(i)
      ? dnsRec({ ts: t0 + i * 2, orig_h: src, query: name, answers: ['203.0.113.66'] })
      : dnsRec({ ts: t0 + i * 2, orig_h: src, query: name, rcode: 3, answers: [] });
  });
}

/** A browsing host: distinct, English-like sites, resolved. */
function browser(src: string, extra: string[] = []): DnsRecord[] {
  const sites = ['weather', 'bookshop', 'football', 'gardening', 'recipes', 'travelguide', 'photostudio', 'newsroom',
    'musicstore', 'cloudhosting', 'homeinsurance', 'petsupplies', 'carrental', 'hotelrooms', 'flightdeals'];
  return [...sites.map((s) => `www.${s}.com`), ...extra].map((q, i) => dnsRec({ ts: T0 + i * 5, orig_h: src, query: q }));
}

test('a host looking up many DGA-like names, mostly NXDOMAIN, is found; the resolved one is the C&C', () => {
  const f = detectDns(dnsDataset([...dgaBot('10.2.0.7', 40, [17]), ...browser('10.2.0.8')]));
  const dga = f.filter((x) => x.kind === 'dga');
  assert.equal(dga.length, 1, JSON.stringify(f.map((x) => x.title)));
  const d = dga[0]!;
  assert.equal(d.src, '10.2.0.7');
  assert.deepEqual(d.attack, ['T1568.002']);
  // 40 generated names; a random one may read English-like (e.g. "gxpmeleartd" scores 0.37).
  const n = d.evidence['dga_domains'] as number;
  assert.ok(n >= 38 && n <= 40, `${n}`);
  assert.equal(d.evidence['nxdomain'], n - 1);
  assert.equal(d.evidence['shared_answer_domains'], 0);
  assert.equal(d.dst, '203.0.113.66');
  assert.ok(d.fqdn?.endsWith('.ru'), d.fqdn); // name 17 of the cycle of TLDs
  assert.equal((d.evidence['resolved'] as unknown[]).length, 1);
  assert.ok(d.score >= 0.85, `score ${d.score}`);
  assert.ok(d.reasons.some((r) => r.includes('likely C&C')));
});

test('one odd name, or a few among normal browsing, is not a DGA', () => {
  assert.deepEqual(detectDns(dnsDataset(browser('10.2.0.8', ['www.xkqzvbnmwtrp.com']))), []);
  assert.deepEqual(detectDns(dnsDataset([...browser('10.2.0.8'), ...dgaBot('10.2.0.8', 5)])), []);
});

test('random-looking names that all resolve (ad and tracking domains) stay under the reporting score', () => {
  const r = prng(11);
  const recs = Array.from({ length: 30 }, (_, i) => dnsRec({ ts: T0 + i, query: `${randomString(r, LETTERS, 12)}.com`, answers: [`198.51.100.${i}`] }));
  assert.deepEqual(detectDns(dnsDataset([...recs, ...browser('10.0.0.5')])).filter((f) => f.kind === 'dga'), []);
  assert.deepEqual(detectDns(dnsDataset(recs), { dgaMinNames: 5 }).filter((f) => f.kind === 'dga'), []);
});

test('generated names that all get one address (sinkhole, NXDOMAIN rewriting) count as non-existent', () => {
  const r = prng(13);
  const recs = Array.from({ length: 30 }, (_, i) => dnsRec({ ts: T0 + i, query: `${randomString(r, LETTERS, 14)}.com`, answers: ['192.0.2.99'] }));
  const d = detectDns(dnsDataset(recs)).find((f) => f.kind === 'dga');
  assert.ok(d);
  assert.ok((d.evidence['shared_answer_domains'] as number) >= 28);
  assert.deepEqual(d.evidence['shared_answers'], ['192.0.2.99']);
  assert.equal(d.dst, undefined, 'a sinkhole is not the C&C');
});

test('provider-assigned labels under private suffixes (CloudFront ids) are not DGA names', () => {
  const r = prng(12);
  const recs = Array.from({ length: 40 }, (_, i) => dnsRec({ ts: T0 + i, query: `d${randomString(r, LETTERS + '0123456789', 13)}.cloudfront.net`, rcode: i % 2 ? 3 : 0 }));
  assert.deepEqual(detectDns(dnsDataset(recs)).filter((f) => f.kind === 'dga'), []);
});

test('hex and base36 DGAs are found as well as letters', () => {
  for (const alphabet of ['0123456789abcdef', LETTERS + '0123456789']) {
    const r = prng(21);
    const recs = Array.from({ length: 25 }, (_, i) => dnsRec({ ts: T0 + i, query: `${randomString(r, alphabet, 16)}.net`, rcode: 3 }));
    assert.equal(detectDns(dnsDataset(recs)).filter((f) => f.kind === 'dga').length, 1, alphabet);
  }
});
