import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDataset } from '../detect/dataset.js';
import type { Finding } from '../detect/finding.js';
import type { Indicator, IndicatorType } from './indicator.js';
import { IntelIndex } from './intel-index.js';
import { matchDataset } from './match-dataset.js';
import { conn, dns, http, tls } from './testing.js';

function ind(type: IndicatorType, value: string, o: Partial<Indicator> = {}): Indicator {
  return { value, type, feed: 'feodo', confidence: 90, tags: ['botnet_cc'], ...o };
}

const T = 1_709_280_000;
const A = '10.0.0.5', B = '10.0.0.6', C = '10.0.0.7', D = '10.0.0.8', E = '10.0.0.9';
const RESOLVER = '10.0.0.53';
const C2_IP = '198.51.100.7', FEODO_IP = '192.0.2.44', CDN_IP = '203.0.113.100';

const index = IntelIndex.build([
  [ind('ip', FEODO_IP, { port: 443, family: 'Pikabot' }), ind('ja3', '72a589da586844d7f0818ce684948eea', { feed: 'sslbl', confidence: 60 }), ind('ip', '203.0.113.9', { expires: T - 10 })],
  [ind('domain', 'badguy.example', { feed: 'threatfox', confidence: 75, family: 'Cobalt Strike', tags: ['c2'] }),
    ind('domain', 'cdn-hosted.example', { feed: 'threatfox', confidence: 75 }),
    ind('url', 'http://gate.example/panel/gate.php', { feed: 'urlhaus', confidence: 80 })],
  [ind('ip', FEODO_IP, { feed: 'et', confidence: 60 })],
]);

// A resolves c2.badguy.example and connects; B connects to the same address without a lookup;
// C talks to the Feodo address three times and to one that expired; D fetches a listed URL with a
// listed JA3; the resolver looks up a listed name that points at a CDN address; E connects to a CDN address that also serves a listed name, naming another site in SNI.
const cdnNames = Array.from({ length: 12 }, (_, i) => dns(E, `site${i}.cdn.example`, [CDN_IP], T + i));
const eTls = tls(E, CDN_IP, T + 60, { server_name: 'www.benign.example' });
const records = {
  dns: [dns(A, 'c2.badguy.example', [C2_IP], T), ...cdnNames, dns(RESOLVER, 'cdn-hosted.example', [CDN_IP], T + 20)],
  conn: [
    conn(A, C2_IP, T + 1, { duration: 30 }), conn(A, C2_IP, T + 61),
    conn(B, C2_IP, T + 500),
    conn(C, FEODO_IP, T + 100, { resp_p: 443 }), conn(C, FEODO_IP, T + 200, { resp_p: 443 }), conn(C, FEODO_IP, T + 300, { resp_p: 443, duration: 5 }),
    conn(C, '203.0.113.9', T + 100),
    conn(D, '192.0.2.80', T + 700, { resp_p: 80 }),
    { ...conn(E, CDN_IP, T + 60), uid: eTls.uid },
    conn(E, CDN_IP, T + 90),
  ],
  tls: [tls(D, '192.0.2.81', T + 710, { ja3: '72a589da586844d7f0818ce684948eea' }), eTls],
  http: [http(D, '192.0.2.80', T + 701, { host: 'gate.example', uri: '/panel/gate.php?bot=42' })],
};
const ds = buildDataset(records);
const findings = matchDataset(index, ds);
const find = (src: string, kind: string): Finding => {
  const f = findings.find((x) => x.src === src && x.kind === kind);
  assert.ok(f !== undefined, `no ${kind} finding for ${src}: ${findings.map((x) => `${x.src}/${x.kind}`).join(' ')}`);
  return f;
};

test('one finding per (host, indicator), with the same Finding shape as the detectors', () => {
  const keys = findings.map((f) => `${f.src} ${f.kind} ${String(f.evidence.indicator)}`).sort();
  assert.deepEqual(keys, [
    `${A} domain badguy.example`, `${RESOLVER} domain cdn-hosted.example`, `${B} domain badguy.example`, `${C} ip ${FEODO_IP}`,
    `${D} ja3 72a589da586844d7f0818ce684948eea`, `${D} url http://gate.example/panel/gate.php`,
  ]);
  for (const f of findings) {
    assert.equal(f.detector, 'intel');
    assert.match(f.id, /^F[0-9a-f]{16}$/);
    assert.ok(f.reasons.length > 0 && f.uids.length > 0 && f.attack.length > 0);
    assert.ok(f.first <= f.last);
    assert.doesNotThrow(() => JSON.stringify(f));
  }
  assert.equal(new Set(findings.map((f) => f.id)).size, findings.length);
  assert.deepEqual(matchDataset(index, buildDataset(records)).map((f) => f.id), findings.map((f) => f.id), 'stable ids');
});

test('an address listed by two feeds: one finding, both feeds, combined confidence, sightings and port', () => {
  const f = find(C, 'ip');
  assert.equal(f.dst, FEODO_IP);
  assert.equal(f.port, 443);
  assert.equal(f.first, T + 100);
  assert.equal(f.last, T + 305);
  assert.equal(f.evidence.sightings, 3);
  assert.equal(f.evidence.feed, 'feodo');
  assert.equal(f.evidence.family, 'Pikabot');
  assert.deepEqual((f.evidence.feeds as { feed: string }[]).map((x) => x.feed), ['feodo', 'et']);
  assert.equal(f.evidence.combined_confidence, 0.96); // 1 - (1-0.9)(1-0.6)
  assert.equal(f.score, 0.96);
  assert.equal(f.severity, 'critical');
  assert.deepEqual(f.evidence.channels, { connection: 3 });
  assert.equal(f.uids.length, 3);
  assert.deepEqual(f.attack, ['T1071']);
  assert.match(f.title, /^10\.0\.0\.7 talked to 192\.0\.2\.44 \(feodo, et: Pikabot, confidence 96\)$/);
  assert.ok(f.reasons.some((r) => /^3 connections to 192\.0\.2\.44 on port 443$/.test(r)));
});

test('the host that looked the domain up: DNS query and its connections, own lookup seen', () => {
  const f = find(A, 'domain');
  assert.equal(f.fqdn, 'c2.badguy.example');
  assert.equal(f.dst, C2_IP);
  assert.deepEqual(f.evidence.channels, { dns_query: 1, passive_dns: 2 });
  assert.deepEqual(f.evidence.match, ['parent_domain']);
  assert.equal(f.score, Number((0.75 * 0.95).toFixed(3)));
  assert.deepEqual(f.evidence.passive_dns, [{ ip: C2_IP, names: ['c2.badguy.example'], connections: 2, own_lookup_seen: true }]);
  assert.deepEqual(f.evidence.hosts, [A, B]);
  assert.deepEqual(f.attack, ['T1071', 'T1568']);
  assert.ok(f.reasons.some((r) => r.includes("this host's own lookup was seen")));
  assert.ok(f.reasons.some((r) => r.includes('1 other internal host also touched it: 10.0.0.6')));
});

test('passive DNS: a host that connects to the address of a listed domain is found without its own lookup', () => {
  const f = find(B, 'domain');
  assert.equal(f.first, T + 500);
  assert.deepEqual(f.evidence.channels, { passive_dns: 1 });
  assert.equal(f.score, Number((0.75 * 0.85).toFixed(3)));
  assert.ok(f.reasons.some((r) => r === `1 connection to ${C2_IP}, an address c2.badguy.example resolved to in passive DNS; this host's own lookup was not seen (found through passive DNS)`), f.reasons.join('\n'));
  assert.ok(f.reasons.some((r) => /passive DNS only/.test(r)));
});

test('passive DNS leaves out shared addresses and connections that named another host', () => {
  assert.equal(findings.filter((f) => f.src === E).length, 0);
  // With a lower limit on names per address, the CDN address is used and the unnamed connection found.
  const loose = matchDataset(index, ds, { pdnsMaxNamesPerIp: 50 }).filter((f) => f.src === E);
  assert.equal(loose.length, 1);
  assert.equal(loose[0]!.evidence.sightings, 1, 'the SNI-named connection is not counted');
});

test('URL listed without query, JA3: their own findings with the right techniques', () => {
  const u = find(D, 'url');
  assert.deepEqual(u.evidence.match, ['url_without_query']);
  assert.equal(u.score, 0.72);
  assert.deepEqual(u.attack, ['T1071.001']);
  assert.ok(u.reasons.some((r) => r.includes('any query matches')));
  const j = find(D, 'ja3');
  assert.equal(j.severity, 'low');
  assert.equal(j.dst, '192.0.2.81');
  assert.deepEqual(j.attack, ['T1071.001', 'T1573']);
});

test('expired indicators and an empty index give nothing', () => {
  assert.ok(!findings.some((f) => f.evidence.indicator === '203.0.113.9'));
  assert.deepEqual(matchDataset(IntelIndex.empty(), ds), []);
});

test('a listed port that the traffic did not use lowers the score and says so', () => {
  const ds2 = buildDataset({ conn: [conn(C, FEODO_IP, T, { resp_p: 8080 })] });
  const [f] = matchDataset(IntelIndex.build([[ind('ip', FEODO_IP, { port: 443 })]]), ds2);
  assert.equal(f!.score, 0.81);
  assert.ok(f!.reasons.some((r) => r.startsWith('the feed lists port 443; the traffic used 8080')));
});

test('a listed address connecting in is attributed to the internal host it reached, with a lower score', () => {
  const ds2 = buildDataset({ conn: [conn(FEODO_IP, A, T, { resp_p: 22 })] });
  const [f] = matchDataset(IntelIndex.build([[ind('ip', FEODO_IP)]]), ds2);
  assert.equal(f!.src, A);
  assert.equal(f!.dst, FEODO_IP);
  assert.deepEqual(f!.evidence.channels, { inbound_connection: 1 });
  assert.equal(f!.score, 0.72);
});
