import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDataset } from './dataset.js';
import { DEFAULT_INTERNAL_NETS, Networks } from './networks.js';
import { detectScans, scanSettings, SCAN_DEFAULTS, ICMP_SWEEP_MAX_SCORE } from './scan.js';
import type { ConnRecord } from '../records/schema.js';
import { PcapWriter, type Side } from '../sim/pcap-writer.js';
import { ip4, ip6, mac } from '../sim/addr.js';
import { decodeCaptures } from '../sensor/decode-file.js';
import { MemorySink } from '../records/writers.js';
import { parseConfig } from '../config/index.js';

const T0 = 1_790_000_000;
let uid = 0;
/** A connection record; TCP attempts default to an unanswered SYN (S0, history S). */
function c(p: Partial<ConnRecord> & Pick<ConnRecord, 'ts' | 'orig_h' | 'resp_h' | 'resp_p'>): ConnRecord {
  return {
    uid: `Cscan${uid++}`, community_id: '', orig_p: 50000, proto: 'tcp', service: '', duration: 0, orig_bytes: 0, resp_bytes: 0,
    conn_state: 'S0', missed_bytes: 0, history: 'S', orig_pkts: 1, orig_ip_bytes: 60, resp_pkts: 0, resp_ip_bytes: 0, ...p,
  };
}
/** A completed TCP session (a successful first contact). */
const ok = (ts: number, src: string, dst: string, port = 443) =>
  c({ ts, orig_h: src, resp_h: dst, resp_p: port, conn_state: 'SF', history: 'ShADadFf', duration: 1, orig_bytes: 300, resp_bytes: 900, resp_pkts: 4 });
/** An ICMP echo request (type 8 / ICMPv6 128 in orig_p, code in resp_p), answered or not. */
const ping = (ts: number, src: string, dst: string, answered: boolean, type = dst.includes(':') ? 128 : 8) =>
  c({ ts, orig_h: src, orig_p: type, resp_h: dst, resp_p: 0, proto: 'icmp', conn_state: 'OTH', history: '', orig_bytes: 32, resp_bytes: answered ? 32 : 0, resp_pkts: answered ? 1 : 0 });

const ds = (conns: ConnRecord[]) => buildDataset({ conn: conns });

test('a slow horizontal scan, one host every 2 minutes for 6 hours, is found over the whole window', () => {
  const src = '10.1.1.50';
  const conns: ConnRecord[] = [];
  for (let i = 0; i < 180; i++) conns.push(c({ ts: T0 + i * 120, orig_h: src, resp_h: `10.1.${2 + (i >> 8)}.${(i % 250) + 1}`, resp_p: 445 }));
  // Normal work of the same host in between: successful sessions to a few servers.
  for (let i = 0; i < 60; i++) conns.push(ok(T0 + 17 + i * 360, src, `203.0.113.${i % 6}`));
  const f = detectScans(ds(conns.sort((a, b) => a.ts - b.ts)));
  const h = f.find((x) => x.kind === 'horizontal');
  assert.ok(h, 'horizontal scan found');
  assert.equal(h.src, src);
  assert.equal(h.port, 445);
  assert.equal(h.evidence['targets'], 180);
  assert.equal(h.evidence['failed_targets'], 180);
  assert.ok((h.evidence['span_s'] as number) >= 179 * 120 - 1, `span ${h.evidence['span_s']}`);
  assert.equal(h.severity, 'critical', 'internal, 180 hosts, all failed');
  // TRW decided inside the horizontal finding (no second finding for the same sweep).
  const trw = h.evidence['trw'] as Record<string, number>;
  assert.ok(trw, 'TRW evidence in the horizontal finding');
  assert.ok(trw['attempts_to_decide']! >= 4 && trw['attempts_to_decide']! <= 12, `${trw['attempts_to_decide']}`);
  assert.ok(trw['likelihood_ratio']! >= 99);
  assert.ok(h.reasons.some((r) => /^TRW sequential test .* decided "scanner" after \d+ first-contact attempts/.test(r)));
  assert.deepEqual(f.filter((x) => x.src === src).map((x) => x.kind), ['horizontal']);
});

test('a slow vertical scan, one port every 2 minutes for 6 hours, is found', () => {
  const conns = Array.from({ length: 180 }, (_, i) => c({ ts: T0 + i * 120, orig_h: '10.1.1.51', resp_h: '10.1.0.20', resp_p: 1 + i, conn_state: i % 3 ? 'REJ' : 'S0', history: i % 3 ? 'Sr' : 'S' }));
  const f = detectScans(ds(conns));
  const v = f.find((x) => x.kind === 'vertical');
  assert.ok(v);
  assert.equal(v.dst, '10.1.0.20');
  assert.equal(v.evidence['targets'], 180);
  assert.ok((v.evidence['span_s'] as number) > 5.9 * 3600);
  assert.equal(f.filter((x) => x.kind === 'trw').length, 0, 'one host: TRW sees one first contact');
});

test('TRW alone: five hosts on five different ports (too few for a horizontal scan) give a trw finding with its evidence', () => {
  const src = '10.1.1.52';
  const conns = [ok(T0, src, '198.51.100.7'), ...[22, 23, 3389, 5900, 8080].map((port, i) => c({ ts: T0 + 60 + i * 0.5, orig_h: src, resp_h: `10.1.4.${i + 1}`, resp_p: port }))];
  const f = detectScans(ds(conns));
  assert.deepEqual(f.map((x) => x.kind), ['trw']);
  const t = f[0]!;
  assert.equal(t.src, src);
  assert.equal(t.first, T0 + 60);
  const e = t.evidence['trw'] as Record<string, number>;
  // 1 success (x1/4) then failures (x4): 1/4 * 4^5 = 256 >= 99 at the fifth failure.
  assert.equal(e['attempts_to_decide'], 6);
  assert.equal(e['failures'], 5);
  assert.equal(e['successes'], 1);
  assert.equal(e['likelihood_ratio'], 256);
  assert.equal(e['eta1'], 99);
  assert.equal(e['decided_at'], T0 + 62);
  assert.equal(e['seconds_to_decide'], 2);
  assert.equal(t.evidence['failed_targets'], 5);
  assert.deepEqual(t.dsts, ['10.1.4.1', '10.1.4.2', '10.1.4.3', '10.1.4.4', '10.1.4.5']);
  assert.ok(t.score >= SCAN_DEFAULTS.trwBaseScore + 0.1 && t.score < 0.7, `internal TRW-only score ${t.score} stays low`);
  assert.match(t.title, /TRW decided "scanner" after 6 attempts in 2\.0 s/);
  // The same from outside: no internal bonus.
  const ext = detectScans(ds(conns.map((x) => ({ ...x, orig_h: '203.0.113.99' }))));
  assert.ok(Math.abs(ext[0]!.score - (t.score - 0.1)) < 1e-9, `${ext[0]!.score}`);
});

test('no TRW finding for a host whose first contacts mostly succeed, nor for backscatter (no SYN from the originator)', () => {
  const conns: ConnRecord[] = [];
  for (let i = 0; i < 40; i++) conns.push(i % 5 === 4 ? c({ ts: T0 + i, orig_h: '10.1.1.53', resp_h: `198.51.100.${i}`, resp_p: 443 }) : ok(T0 + i, '10.1.1.53', `198.51.100.${i}`));
  // Backscatter: SYN/ACKs and RSTs from victims of a spoofed flood arrive unasked (midstream OTH, history ^h / ^r).
  for (let i = 0; i < 40; i++) conns.push(c({ ts: T0 + i, orig_h: `192.0.2.${i % 4}`, resp_h: `198.18.${i}.1`, resp_p: 80 + i, conn_state: 'OTH', history: i % 2 ? '^h' : '^hR', resp_pkts: 0 }));
  assert.deepEqual(detectScans(ds(conns.sort((a, b) => a.ts - b.ts))).map((x) => x.title), []);
});

test('an IPv4 ping sweep: hosts probed, replies, rate, first and last; ICMP errors do not count', () => {
  const src = '10.1.1.54';
  const conns: ConnRecord[] = [];
  for (let i = 1; i <= 60; i++) conns.push(ping(T0 + i * 0.5, src, `10.1.7.${i}`, i % 3 === 0));
  // A repeated ping to a host is the same host; destination-unreachable messages sent by routers are not probes.
  conns.push(ping(T0 + 40, src, '10.1.7.1', false));
  for (let i = 0; i < 30; i++) conns.push(c({ ts: T0 + i, orig_h: `10.1.9.${i}`, orig_p: 3, resp_h: '10.1.1.99', resp_p: 10, proto: 'icmp', conn_state: 'OTH', history: '' }));
  const f = detectScans(ds(conns.sort((a, b) => a.ts - b.ts)));
  assert.deepEqual(f.map((x) => x.kind), ['icmp_sweep']);
  const s = f[0]!;
  assert.equal(s.src, src);
  assert.equal(s.proto, 'icmp');
  assert.equal(s.first, T0 + 0.5);
  assert.equal(s.last, T0 + 40);
  assert.equal(s.evidence['hosts_probed'], 60);
  assert.equal(s.evidence['hosts_replied'], 20);
  assert.equal(s.evidence['reply_share'], 0.333);
  assert.equal(s.evidence['probes'], 61);
  assert.equal(s.evidence['ip_version'], 4, 'not "family": that key names a malware family in findings');
  assert.deepEqual(s.evidence['icmp_types'], [8]);
  assert.equal(s.evidence['rate_hosts_per_min'], Number((60 / 39.5 * 60).toFixed(2)));
  assert.equal(s.dsts!.length, 50);
  assert.deepEqual(s.attack, ['T1018']);
  assert.ok(s.score >= 0.7 && s.score <= ICMP_SWEEP_MAX_SCORE, `${s.score}`);
  assert.match(s.title, /^10\.1\.1\.54 ICMP-swept 60 hosts \(20 replied\)$/);
});

test('an ICMPv6 echo sweep is its own finding; a few pings are no sweep', () => {
  const src = '2001:db8:c2::1001';
  const conns: ConnRecord[] = [];
  for (let i = 0; i < 256; i++) conns.push(ping(T0 + i * 0.1, src, `2001:db8:c2::${(0x1000 + i).toString(16)}`, i < 5));
  for (let i = 0; i < 19; i++) conns.push(ping(T0 + i, '10.1.1.60', `10.1.8.${i + 1}`, true));
  const f = detectScans(buildDataset({ conn: conns.sort((a, b) => a.ts - b.ts) }, new Networks([...DEFAULT_INTERNAL_NETS, '2001:db8:c2::/64'])));
  assert.deepEqual(f.map((x) => `${x.kind} ${x.src} IPv${x.evidence['ip_version']} ${x.evidence['hosts_probed']}`), ['icmp_sweep 2001:db8:c2::1001 IPv6 256']);
  assert.equal(f[0]!.severity, 'high', 'internal, 256 hosts, 2% replied: high, not critical');
  assert.equal(detectScans(ds(conns), { icmpMinHosts: 19 }).length, 2);
});

test('one finding per behaviour: ids are unique and stable across runs', () => {
  const conns: ConnRecord[] = [];
  for (let i = 0; i < 30; i++) conns.push(c({ ts: T0 + i, orig_h: '10.1.1.70', resp_h: `10.1.5.${i + 1}`, resp_p: 445 }));
  for (let i = 0; i < 30; i++) conns.push(c({ ts: T0 + 100 + i, orig_h: '10.1.1.70', resp_h: `10.1.5.${i + 1}`, resp_p: 139 }));
  for (let i = 0; i < 30; i++) conns.push(ping(T0 + 200 + i, '10.1.1.70', `10.1.6.${i + 1}`, false));
  const a = detectScans(ds(conns));
  assert.deepEqual(a.map((x) => `${x.kind} ${x.port ?? ''}`).sort(), ['horizontal 139', 'horizontal 445', 'icmp_sweep ']);
  assert.equal(new Set(a.map((x) => x.id)).size, a.length);
  assert.deepEqual(detectScans(ds(conns)).map((x) => x.id), a.map((x) => x.id));
  // TRW decided on 445 (the first hosts); its evidence is in both horizontal findings, no trw finding.
  assert.ok(a.filter((x) => x.kind === 'horizontal').every((x) => x.evidence['trw'] !== undefined));
});

test('scan settings are checked: TRW needs theta1 < theta0 and alpha < beta', () => {
  assert.throws(() => scanSettings({ trwTheta1: 0.9 }), /^Error: Cannot use scan settings: need 0 < theta1 < theta0 < 1/);
  assert.throws(() => detectScans(ds([]), { trwAlpha: 0.999 }), /Cannot use scan settings: need 0 < alpha < beta < 1/);
  assert.deepEqual(scanSettings(), { ...SCAN_DEFAULTS });
  // The config file reports the same check under its own name.
  assert.throws(() => parseConfig('{"scan": {"trwTheta0": 0.1}}', 'c.json'), /^ConfigError: Cannot use config c\.json: scan: need 0 < theta1 < theta0 < 1 \(theta1 0\.2, theta0 0\.1\)/);
  assert.equal(parseConfig('{"scan": {"icmpMinHosts": 50}, "firstSeen": {"bonus": 0.1}}', 'c.json').settings.firstSeen.bonus, 0.1);
});

test('sensor to finding: echo requests in a capture become ICMP conns (type in orig_p, replies joined) and an ICMP sweep', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-icmp-'));
  try {
    const path = join(dir, 'sweep.pcap');
    const fh = await open(path, 'w');
    const w = new PcapWriter(fh);
    const gw = mac('00:1b:54:c2:00:01');
    const me: Side = { mac: mac('f8:bc:12:00:00:01'), ip: ip4('10.1.1.10'), ttl: 128, ipId: 1 };
    const me6: Side = { mac: me.mac, ip: ip6('2001:db8:c2::10'), ttl: 128, ipId: 0 };
    const data = new TextEncoder().encode('abcdefghijklmnopqrstuvwabcdefghi');
    let t = T0 * 1e6;
    for (let i = 1; i <= 30; i++) {
      const peer: Side = { mac: gw, ip: ip4(`10.1.2.${i}`), ttl: 127, ipId: 7 };
      w.icmp(t, me, peer, 8, 0, 1, i, data, 0);
      if (i <= 10) w.icmp(t + 400, peer, me, 0, 0, 1, i, data, 0);
      t += 200_000;
    }
    for (let i = 1; i <= 25; i++) {
      const peer: Side = { mac: gw, ip: ip6(`2001:db8:c2::${(0x1000 + i).toString(16)}`), ttl: 64, ipId: 0 };
      w.icmp(t, me6, peer, 128, 0, 1, 100 + i, data, 0);
      if (i <= 2) w.icmp(t + 400, peer, me6, 129, 0, 1, 100 + i, data, 0);
      t += 200_000;
    }
    await w.close();
    await fh.close();
    const sink = new MemorySink();
    await decodeCaptures([path], sink);
    const icmp = sink.records.conn.filter((x) => x.proto === 'icmp');
    assert.equal(icmp.length, 55, 'one conn per target, replies joined to their request');
    assert.ok(icmp.every((x) => x.orig_h === '10.1.1.10' || x.orig_h === '2001:db8:c2::10'));
    assert.equal(icmp.filter((x) => x.resp_pkts > 0).length, 12);
    assert.deepEqual([...new Set(icmp.map((x) => `${x.orig_p}/${x.resp_p}`))].sort(), ['128/0', '8/0']);
    const f = detectScans(buildDataset(sink.records));
    assert.deepEqual(f.map((x) => `${x.kind} ${x.src} ${x.evidence['hosts_probed']} ${x.evidence['hosts_replied']}`).sort(),
      ['icmp_sweep 10.1.1.10 30 10', 'icmp_sweep 2001:db8:c2::10 25 2']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
