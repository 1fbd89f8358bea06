import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnRecord, Transport } from '../records/schema.js';
import { makeRng } from './beacon/prng.js';
import { buildDataset } from './dataset.js';
import { detectLongConnections, LONG_CONN_DEFAULTS } from './long-conn.js';
import { Networks } from './networks.js';

/** The pairs the detector must report, by the string-keyed definition: longest, total, sessions. */
function reference(conns: readonly ConnRecord[]): { key: string; longest: string; total: number; sessions: number; open: number }[] {
  const pairs = new Map<string, ConnRecord[]>();
  for (const c of conns) {
    if (c.proto !== 'tcp' && c.proto !== 'udp') continue;
    const k = `${c.orig_h}|${c.resp_h}|${c.proto}`;
    let a = pairs.get(k);
    if (a === undefined) pairs.set(k, (a = []));
    a.push(c);
  }
  const out = [];
  for (const [key, cs] of pairs) {
    let longest = cs[0]!;
    let total = 0;
    for (const c of cs) {
      total += c.duration;
      if (c.duration > longest.duration) longest = c;
    }
    if (longest.duration < LONG_CONN_DEFAULTS.minSession && total < LONG_CONN_DEFAULTS.minTotal) continue;
    out.push({ key, longest: longest.uid, total: Number(total.toFixed(1)), sessions: cs.length, open: cs.filter((c) => c.interim).length });
  }
  return out;
}

test('pairs grouped over the columns: the same pairs, longest sessions and totals as string-keyed grouping', () => {
  let reported = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const rng = makeRng(seed);
    const hosts = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '192.168.1.9', '8.8.8.8'];
    const conn: ConnRecord[] = [];
    for (let i = 0, n = 20 + rng.int(1500); i < n; i++) {
      const long = rng.next() < 0.04;
      conn.push({
        ts: 1e9 + rng.next() * 86400, uid: `C${rng.next() < 0.1 ? rng.int(n) : i + n}`, community_id: '', orig_h: hosts[rng.int(hosts.length)]!, orig_p: 1,
        resp_h: hosts[rng.int(hosts.length)]!, resp_p: [22, 443, 3333][rng.int(3)]!, proto: (['tcp', 'udp', 'icmp'] as Transport[])[rng.int(3)]!,
        service: ['', 'ssh', 'ssl'][rng.int(3)]!, duration: long ? 3000 + rng.next() * 40000 : rng.next() * 900, orig_bytes: rng.int(9000), resp_bytes: rng.int(9000),
        conn_state: 'SF', missed_bytes: 0, history: '', orig_pkts: 0, orig_ip_bytes: 0, resp_pkts: 0, resp_ip_bytes: 0, ...(rng.next() < 0.1 ? { interim: true } : {}),
      });
    }
    const ds = buildDataset({ conn }, new Networks());
    const want = reference(ds.conns);
    const got = detectLongConnections(ds);
    reported += got.length;
    assert.deepEqual(got.map((f) => ({
      key: `${f.src}|${f.dst}|${f.proto}`, longest: f.uids[0], total: f.evidence['total_s'], sessions: f.evidence['sessions'], open: f.evidence['open_sessions'],
    })), want, `seed ${seed}`);
    for (const f of got) assert.ok(f.last >= f.first);
  }
  assert.ok(reported > 30, `only ${reported} pairs reported`);
});
