import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnRecord, DnsRecord, Transport } from '../records/schema.js';
import { DayGenerator } from './bench-day.js';
import { BEACON_DEFAULTS, detectBeacons, prevalenceMultiplier } from './beacons.js';
import { makeRng } from './beacon/prng.js';
import { buildDataset, type Dataset } from './dataset.js';
import { Networks } from './networks.js';

const sorted = (fs: unknown[]): string[] => fs.map((f) => JSON.stringify(f)).sort();

test('the bars that skip and stop scoring change no finding: the benchmark day scored in full gives the same', async () => {
  const gen = new DayGenerator({ conns: 30_000, hosts: 30, beacons: 10, seed: 7 });
  const conn: ConnRecord[] = [];
  const dns: DnsRecord[] = [];
  await gen.generate((c, d) => { conn.push(...c); dns.push(...d); });
  const ds = buildDataset({ conn, dns }, new Networks());
  const fast = detectBeacons(ds);
  assert.ok(fast.length >= 15, `${fast.length} findings`);
  assert.deepEqual(fast, detectBeacons(ds, {}, undefined, { exhaustive: true }));
  // Every injected beacon is found, with its numbers in the evidence.
  for (const b of gen.injected) {
    const f = fast.find((x) => x.src === b.host && (x.fqdn === b.name || x.dst === b.ip));
    assert.ok(f, `beacon ${b.host} -> ${b.name} every ${b.period} s not found`);
    for (const k of ['period_s', 'jitter', 'missed', 'beats', 'dispersion', 'periodicity']) assert.ok(f.evidence[k] !== undefined && f.evidence[k] !== null, `${k} missing`);
  }
});

/** A random small network: a few hosts, random connections and long sessions, two heartbeats, names. */
function randomDataset(seed: number): Dataset {
  const rng = makeRng(seed);
  const srcs = Array.from({ length: 1 + rng.int(8) }, (_, i) => (rng.next() < 0.8 ? `10.0.0.${i}` : `8.8.${i}.1`));
  const dsts = Array.from({ length: 1 + rng.int(8) }, (_, i) => `1.2.3.${i}`);
  const names = ['a.example', 'b.example', '0.pool.ntp.org', '1.2.3.0'];
  const conns: ConnRecord[] = [];
  const dns: DnsRecord[] = [];
  const push = (ts: number, src: string, dst: string, port: number, proto: Transport, service: string, duration: number, state: string) => conns.push({
    ts, uid: `C${conns.length}`, community_id: '', orig_h: src, orig_p: 1, resp_h: dst, resp_p: port, proto, service, duration,
    orig_bytes: 300 + rng.int(20), resp_bytes: rng.int(5000), conn_state: state, missed_bytes: 0, history: 'S', orig_pkts: 1, orig_ip_bytes: 1, resp_pkts: 1, resp_ip_bytes: 1,
  });
  // Background: random times, pairs, ports, transports, services, states, some long sessions.
  for (let i = 0, n = 50 + rng.int(2000); i < n; i++) {
    push(1e9 + rng.next() * 86400, srcs[rng.int(srcs.length)]!, dsts[rng.int(dsts.length)]!, [443, 80, 123][rng.int(3)]!,
      (['tcp', 'udp', 'icmp'] as Transport[])[rng.int(3)]!, ['', 'ssl', 'dns'][rng.int(3)]!, rng.next() < 0.05 ? rng.next() * 20000 : rng.next() * 10,
      ['SF', 'SF', 'S0', 'REJ'][rng.int(4)]!);
  }
  // Two heartbeats (periods 30 s .. 20 min, jitter up to 30%, a few missed beats), one maybe to NTP.
  for (let h = 0; h < 2; h++) {
    const period = 30 + rng.int(1200);
    const jitter = 0.3 * rng.next();
    const src = srcs[h % srcs.length]!;
    const port = h === 1 && seed % 3 === 0 ? 123 : 443;
    for (let t = 1e9 + rng.next() * period; t < 1e9 + 86400; t += period * (1 + jitter * (2 * rng.next() - 1))) {
      if (rng.next() < 0.1) continue;
      push(t, src, dsts[h % dsts.length]!, port, port === 123 ? 'udp' : 'tcp', port === 123 ? '' : 'ssl', 0.3, 'SF');
    }
  }
  for (let i = 0; i < 20; i++) {
    dns.push({
      ts: 1e9 - 100 + i, uid: `D${i}`, orig_h: srcs[rng.int(srcs.length)]!, orig_p: 1, resp_h: '10.0.0.53', resp_p: 53, proto: 'udp', trans_id: 1,
      query: names[rng.int(names.length)]!, qtype: 1, rcode: 0, answers: [dsts[rng.int(dsts.length)]!], TTLs: [1], rejected: false,
    } as DnsRecord);
  }
  return buildDataset({ conn: conns, dns }, new Networks());
}

test('random small networks: the same beacons with and without the bars, and in any record order', () => {
  let total = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const ds = randomDataset(seed);
    const fast = detectBeacons(ds);
    total += fast.length;
    assert.deepEqual(fast, detectBeacons(ds, {}, undefined, { exhaustive: true }), `seed ${seed}`);
    // Records out of time order (a Dataset built by hand): each group is sorted before scoring.
    const rng = makeRng(seed);
    const shuffled = [...ds.conns];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    assert.deepEqual(sorted(detectBeacons({ ...ds, conns: shuffled })), sorted(fast), `seed ${seed}, shuffled`);
  }
  assert.ok(total > 10, `only ${total} findings over the seeds`);
});

test('prevalence multiplier: 1 up to prevalenceFrom, log-graded to prevalenceFactor at prevalentShare, flat above', () => {
  const s = BEACON_DEFAULTS;
  assert.equal(prevalenceMultiplier(0.02, 100, s), 1);
  assert.equal(prevalenceMultiplier(s.prevalenceFrom, 100, s), 1);
  assert.equal(prevalenceMultiplier(0.5, 100, s), s.prevalenceFactor);
  assert.ok(Math.abs(prevalenceMultiplier(s.prevalentShare, 100, s) - s.prevalenceFactor) < 1e-12);
  // 10% and 20% of the hosts (defaults 5% .. 25%, x0.6): log-linear in between.
  assert.ok(Math.abs(prevalenceMultiplier(0.1, 100, s) - (1 - 0.4 * Math.log(2) / Math.log(5))) < 1e-12);
  assert.ok(prevalenceMultiplier(0.2, 1000, s) < prevalenceMultiplier(0.1, 1000, s));
  // Too few hosts for the graded part: 2 of 20 hosts is 10% but not "common".
  assert.equal(prevalenceMultiplier(0.1, 2, s), 1);
  // Monotone: more hosts never raises the multiplier.
  let last = 1;
  for (let share = 0.01; share <= 1; share += 0.01) {
    const m = prevalenceMultiplier(share, 1000, s);
    assert.ok(m <= last + 1e-12 && m >= s.prevalenceFactor - 1e-12, `share ${share}: ${m}`);
    last = m;
  }
});
