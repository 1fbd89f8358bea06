import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DnsRecord } from '../../records/schema.js';
import { buildDataset } from '../dataset.js';
import { DNS_DEFAULTS, detectDns } from './index.js';
import { dnsDataset, dnsRec, prng, randomString } from './fixtures.js';

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
const T0 = 1_700_000_000;

/** A base32 tunnel: `n` TXT queries of `len`-character payloads split in 63-char labels under `domain`. */
function tunnel(src: string, domain: string, n: number, len: number, seed = 1, qt = 'TXT'): DnsRecord[] {
  const r = prng(seed);
  return Array.from({ length: n }, (_, i) => {
    const payload = randomString(r, B32, len);
    const labels = payload.match(/.{1,63}/g)!;
    return dnsRec({ ts: T0 + i * 0.5, orig_h: src, query: `${labels.join('.')}.${domain}`, qt, answers: ['TXT 20 ' + randomString(r, B32, 20)] });
  });
}

/** Ordinary browsing: a few names each under many registered domains. */
function browsing(src: string, t0 = T0): DnsRecord[] {
  const sites = ['example.com', 'wikipedia.org', 'bbc.co.uk', 'github.com', 'news.ycombinator.com', 'weather.com', 'python.org'];
  const out: DnsRecord[] = [];
  let t = t0;
  for (const s of sites) for (const sub of ['www', 'static', 'img', 'api']) out.push(dnsRec({ ts: (t += 3), orig_h: src, query: `${sub}.${s}` }));
  return out;
}

test('a base32 TXT tunnel is found with its numbers', () => {
  const f = detectDns(dnsDataset([...tunnel('10.1.1.10', 'evil-tunnel.net', 200, 80), ...browsing('10.1.1.10')]));
  assert.equal(f.length, 1, JSON.stringify(f.map((x) => x.title)));
  const t = f[0]!;
  assert.equal(t.detector, 'dns');
  assert.equal(t.kind, 'tunnel');
  assert.equal(t.fqdn, 'evil-tunnel.net');
  assert.equal(t.src, '10.1.1.10');
  assert.equal(t.dst, '10.0.0.53');
  assert.equal(t.port, 53);
  assert.deepEqual(t.attack, ['T1071.004']);
  assert.ok(t.score >= 0.85, `score ${t.score}`);
  const e = t.evidence;
  assert.equal(e['unique_names'], 200);
  assert.equal(e['data_type_share'], 1);
  assert.equal(e['p90_subdomain_len'], 81); // 80 characters and one dot
  assert.ok((e['randomness'] as number) > 0.9);
  assert.equal(e['query_bytes'], 200 * 81);
  assert.ok(t.reasons.some((r) => r.includes('200 distinct names under evil-tunnel.net')));
  assert.ok(t.uids.length > 0 && t.uids.length <= 10);
  assert.match(t.id, /^F[0-9a-f]{16}$/);
  // Stable identity: the same data gives the same id.
  const again = detectDns(dnsDataset(tunnel('10.1.1.10', 'evil-tunnel.net', 200, 80)));
  assert.equal(again[0]!.id, t.id);
});

test('exfiltration-like volume adds T1048', () => {
  const f = detectDns(dnsDataset(tunnel('10.1.1.10', 'evil-tunnel.net', 400, 180)));
  assert.equal(f.length, 1);
  assert.ok((f[0]!.evidence['query_bytes'] as number) >= DNS_DEFAULTS.tunnelExfilBytes);
  assert.deepEqual(f[0]!.attack, ['T1071.004', 'T1048']);
});

test('ordinary browsing does not fire', () => {
  const recs = [...browsing('10.1.1.10'), ...browsing('10.1.1.11', T0 + 500)];
  assert.deepEqual(detectDns(dnsDataset(recs)), []);
});

test('below the unique-name gate nothing is judged; the gate is a setting', () => {
  const recs = tunnel('10.1.1.10', 'evil-tunnel.net', 20, 100);
  assert.deepEqual(detectDns(dnsDataset(recs)), []);
  assert.equal(detectDns(dnsDataset(recs), { tunnelMinUniqueNames: 10 }).length, 1);
});

test('many short, word-like subdomains under one domain (a site with many hosts) do not fire', () => {
  const words = ['mail', 'shop', 'news', 'blog', 'app', 'cdn', 'img', 'static', 'media', 'video', 'login', 'auth', 'docs', 'help', 'store', 'api'];
  const recs: DnsRecord[] = [];
  for (let i = 0; i < 80; i++) recs.push(dnsRec({ ts: T0 + i * 7, query: `${words[i % words.length]}${Math.floor(i / words.length) || ''}.bigsite.com` }));
  assert.deepEqual(detectDns(dnsDataset(recs)), []);
});

test('CDN names from the catalogue are scored down and say so', () => {
  const r = prng(5);
  const recs = Array.from({ length: 120 }, (_, i) => dnsRec({ ts: T0 + i, query: `r${i % 9}---sn-${randomString(r, 'abcdefghijklmnopqrstuvwxyz0123456789', 40)}.googlevideo.com` }));
  assert.deepEqual(detectDns(dnsDataset(recs)), [], 'hidden under the default minimum score');
  const shown = detectDns(dnsDataset(recs), { minScore: 0 }).find((f) => f.kind === 'tunnel');
  assert.ok(shown);
  assert.equal((shown.evidence['modifiers'] as Record<string, string>)['catalogue'], 'YouTube video caches (cdn)');
  assert.ok(shown.reasons.some((x) => x.includes('many unique names by design')));
});

test('a domain most internal hosts query is prevalent: score multiplied down', () => {
  const recs: DnsRecord[] = [...tunnel('10.1.1.10', 'evil-tunnel.net', 200, 100)];
  for (let h = 20; h < 30; h++) recs.push(dnsRec({ ts: T0 + h, orig_h: `10.1.1.${h}`, query: `www.evil-tunnel.net` }));
  const f = detectDns(dnsDataset(recs)).find((x) => x.kind === 'tunnel')!;
  assert.equal((f.evidence['modifiers'] as Record<string, number>)['prevalence'], DNS_DEFAULTS.prevalenceFactor);
  assert.equal(f.evidence['queriers'], 11);
  const alone = detectDns(dnsDataset(tunnel('10.1.1.10', 'evil-tunnel.net', 200, 100)))[0]!;
  assert.ok(Math.abs(f.score - alone.score * DNS_DEFAULTS.prevalenceFactor) < 0.01, `${f.score} vs ${alone.score}`);
});

test('names under an impossible TLD are grouped per source and resolver (dnscat2 without a domain)', () => {
  const r = prng(3);
  const recs = Array.from({ length: 60 }, (_, i) => dnsRec({
    ts: T0 + i, qt: ['TXT', 'MX', 'CNAME'][i % 3]!, query: `dnscat.${randomString(r, '0123456789abcdef', 60)}.${randomString(r, '0123456789abcdef', 30)}`,
  }));
  const f = detectDns(dnsDataset(recs));
  assert.equal(f.length, 1);
  assert.equal(f[0]!.fqdn, undefined);
  assert.equal(f[0]!.evidence['common_first_label'], 'dnscat');
  assert.match(f[0]!.title, /non-existent TLDs/);
});

test('multicast DNS and reverse lookups are never judged', () => {
  const r = prng(8);
  const recs: DnsRecord[] = [];
  for (let i = 0; i < 100; i++) {
    recs.push(dnsRec({ ts: T0 + i, query: `${randomString(r, B32, 50)}._tcp.local`, resp_h: '224.0.0.251', resp_p: 5353 }));
    recs.push(dnsRec({ ts: T0 + i, query: `${i}.${i % 7}.113.203.in-addr.arpa`, qt: 'PTR', rcode: 3 }));
  }
  assert.deepEqual(detectDns(dnsDataset(recs)), []);
});

test('settings: overrides apply, bad values fail fast', () => {
  const recs = tunnel('10.1.1.10', 'evil-tunnel.net', 200, 100);
  assert.deepEqual(detectDns(dnsDataset(recs), { minScore: 0.99 }), []);
  assert.throws(() => detectDns(dnsDataset(recs), { nxWindowSeconds: -1 }), /Cannot use DNS setting nxWindowSeconds/);
  assert.throws(() => detectDns(buildDataset({}), { minScore: Number.NaN }), /minScore/);
  assert.ok(Object.isFrozen(DNS_DEFAULTS));
});
