import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DnsRecord } from '../../records/schema.js';
import { DNS_DEFAULTS, detectDns } from './index.js';
import { dnsDataset, dnsRec, prng, randomString } from './fixtures.js';

const T0 = 1_700_000_000;
const bursts = (f: ReturnType<typeof detectDns>) => f.filter((x) => x.kind === 'nxdomain_burst');

/** `n` distinct NXDOMAIN names (English-like: not DGA-like) from `src`, `step` seconds apart. */
function nxNames(src: string, n: number, step: number, t0 = T0, prefix = 'missing'): DnsRecord[] {
  return Array.from({ length: n }, (_, i) => dnsRec({ ts: t0 + i * step, orig_h: src, query: `${prefix}${i}.example.org`, rcode: 3, answers: [] }));
}
/** `n` resolved look-ups from `src`. */
function okNames(src: string, n: number, step: number, t0 = T0): DnsRecord[] {
  return Array.from({ length: n }, (_, i) => dnsRec({ ts: t0 + i * step, orig_h: src, query: `www.site${i % 5}.com` }));
}

test('25 distinct NXDOMAIN names in two minutes is a burst, reported with its window and samples', () => {
  const f = bursts(detectDns(dnsDataset([...okNames('10.3.0.9', 200, 30), ...nxNames('10.3.0.9', 25, 5, T0 + 3000)])));
  assert.equal(f.length, 1);
  const b = f[0]!;
  assert.equal(b.src, '10.3.0.9');
  assert.equal(b.evidence['nx_names'], 25);
  assert.equal(b.evidence['window_s'], DNS_DEFAULTS.nxWindowSeconds);
  assert.equal(b.first, T0 + 3000);
  assert.equal(b.last, T0 + 3000 + 24 * 5);
  assert.ok((b.evidence['nx_share'] as number) > 0.5);
  assert.deepEqual((b.evidence['sample_names'] as string[]).slice(0, 2), ['missing0.example.org', 'missing1.example.org']);
  assert.deepEqual(b.attack, ['T1568.002']);
  assert.ok(b.reasons[0]!.includes('25 distinct NXDOMAIN names'));
});

test('the same missing name asked again and again is a misconfiguration, not a burst', () => {
  const recs = Array.from({ length: 100 }, (_, i) => dnsRec({ ts: T0 + i, query: 'wpad.corp.example', rcode: 3, answers: [] }));
  assert.deepEqual(bursts(detectDns(dnsDataset(recs))), []);
});

test('NXDOMAINs spread over hours do not make a burst', () => {
  assert.deepEqual(bursts(detectDns(dnsDataset(nxNames('10.3.0.9', 60, 600)))), []);
});

test('a burst among mostly resolved answers (share <= 50%) is not reported', () => {
  const recs = [...nxNames('10.3.0.9', 25, 4), ...okNames('10.3.0.9', 60, 1.5)];
  assert.deepEqual(bursts(detectDns(dnsDataset(recs))), []);
  assert.equal(bursts(detectDns(dnsDataset(recs), { nxMinShare: 0.2 })).length, 1);
});

test('search-list artefacts and blocklist look-ups are not counted', () => {
  const recs: DnsRecord[] = [];
  for (let i = 0; i < 30; i++) {
    recs.push(dnsRec({ ts: T0 + i * 3, query: `host${i}.example.com.corp.lan`, rcode: 3, answers: [] }));
    recs.push(dnsRec({ ts: T0 + i * 3 + 0.1, query: `host${i}.example.com` }));
    recs.push(dnsRec({ ts: T0 + i * 3 + 0.2, query: `${i}.2.0.192.zen.spamhaus.org`, rcode: 3, answers: [] }));
  }
  assert.deepEqual(bursts(detectDns(dnsDataset(recs))), []);
  const shown = bursts(detectDns(dnsDataset(recs), { nxMinShare: 0, nxMinNames: 1, minScore: 0 }));
  assert.equal(shown.length, 0, 'nothing left to count');
});

test('the densest window is found inside a long, quiet day; DGA-like names raise the score', () => {
  const r = prng(4);
  const dgaLike = Array.from({ length: 40 }, (_, i) => dnsRec({ ts: T0 + 40_000 + i * 3, orig_h: '10.3.0.9', query: `${randomString(r, 'abcdefghijklmnopqrstuvwxyz', 14)}.com`, rcode: 3, answers: [] }));
  const quiet = [...okNames('10.3.0.9', 300, 240), ...nxNames('10.3.0.9', 10, 5000, T0 + 1000, 'old')];
  const f = bursts(detectDns(dnsDataset([...quiet, ...dgaLike])));
  assert.equal(f.length, 1);
  assert.equal(f[0]!.first, T0 + 40_000);
  assert.ok((f[0]!.evidence['dga_like'] as number) >= 35);
  const plain = bursts(detectDns(dnsDataset([...quiet, ...nxNames('10.3.0.9', 40, 3, T0 + 40_000)])))[0]!;
  assert.ok(f[0]!.score > plain.score, `${f[0]!.score} vs ${plain.score}`);
});
