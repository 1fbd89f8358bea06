import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ConnRecord, DnsRecord, TlsRecord, Transport } from '../records/schema.js';
import { ConnRowsBuilder } from './conn-rows.js';
import { connList } from './conn-order.js';
import { connColumns, datasetColumns, datasetNames } from './conn-table.js';
import { buildDataset, columnDataset, connsFrom, connsWithUids, forEachConn } from './dataset.js';
import { buildNaming } from './naming.js';
import { Networks } from './networks.js';
import { runDetectors } from './run.js';
import { tiesByUid } from '../store/store.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

const STATES = ['S0', 'SF', 'REJ', 'RSTO', 'OTH'];
const HISTORIES = ['', 'S', 'ShADadFf', 'D', 'Sr'];

/** Connection records with repeated uids (interim and final), equal start times, odd uids, optional fields. */
const records = fc.array(fc.record({
  uid: fc.constantFrom('Ca', 'Cb', 'Cc', 'Cé', 'C\u{1F600}', 'Cd', 'Ce', 'Cf', 'Cg'),
  ts: fc.integer({ min: 0, max: 30 }).map((t) => 1000 + t / 2),
  src: fc.integer({ min: 0, max: 4 }),
  dst: fc.integer({ min: 0, max: 5 }),
  port: fc.constantFrom(53, 80, 443, 4444, 0),
  proto: fc.constantFrom<Transport>('tcp', 'udp', 'icmp'),
  duration: fc.integer({ min: 0, max: 50 }).map((d) => d / 4),
  bytes: fc.integer({ min: 0, max: 3 }),
  pkts: fc.integer({ min: 0, max: 2 }),
  state: fc.integer({ min: 0, max: STATES.length - 1 }),
  history: fc.integer({ min: 0, max: HISTORIES.length - 1 }),
  interim: fc.constantFrom(undefined, false, true),
  vlan: fc.constantFrom(undefined, 0, 7),
}), { maxLength: 40 }).map((xs) => xs.map((x, i): ConnRecord => {
  const c: ConnRecord = {
    ts: x.ts, uid: `${x.uid}${i % 7}`, orig_h: `10.0.0.${x.src}`, orig_p: 1000 + i, resp_h: x.dst === 5 ? '2001:db8::1' : `1.2.3.${x.dst}`,
    resp_p: x.port, community_id: i % 2 ? `1:abc${i}=` : '', proto: x.proto, service: x.port === 443 ? 'ssl' : x.port === 53 ? 'dns' : '',
    duration: x.duration, orig_bytes: x.bytes * 100, resp_bytes: x.bytes * 7, conn_state: STATES[x.state]!, missed_bytes: x.bytes,
    history: HISTORIES[x.history]!, orig_pkts: x.pkts, orig_ip_bytes: x.pkts * 40, resp_pkts: x.pkts - 1, resp_ip_bytes: 3,
  };
  if (x.vlan !== undefined) c.vlan = x.vlan;
  if (x.interim !== undefined) c.interim = x.interim;
  return c;
}));

/**
 * At most one final record per uid (interim ones may repeat): which of two final records of one
 * uid a list keeps depends on the order they arrive in, which neither path promises.
 */
function oneFinalPerUid(recs: readonly ConnRecord[]): ConnRecord[] {
  const finals = new Set<string>();
  return recs.filter((r) => r.interim === true || (!finals.has(r.uid) && finals.add(r.uid) !== undefined));
}

function rowsOf(recs: readonly ConnRecord[]) {
  const b = new ConnRowsBuilder();
  for (const r of recs) b.add(r);
  return b.finish();
}

test('column-backed rows are the record path\'s list: one per uid, by time then uid, the same records', () => {
  fc.assert(fc.property(records.map(oneFinalPerUid), (recs) => {
    const rows = rowsOf(recs);
    // The record path's connections in ORDER BY ts, uid order (its own list can differ only in
    // ties after an interim record was superseded, which keeps the uid's first place).
    const expected = [...connList(tiesByUid([...recs])).conns].sort((x, y) => x.ts - y.ts || (x.uid < y.uid ? -1 : x.uid > y.uid ? 1 : 0));
    assert.equal(rows.n, expected.length);
    assert.deepEqual(Array.from({ length: rows.n }, (_, i) => rows.record(i)), expected);
    for (let i = 0; i < rows.n; i++) {
      assert.equal(rows.uid(i), expected[i]!.uid);
      assert.equal(rows.indexOfUid(expected[i]!.uid), i);
    }
    assert.equal(rows.indexOfUid('nope'), -1);
    assert.deepEqual(rows.destinations(), [...new Set(expected.map((c) => c.resp_h))]);
    const list = connList(recs);
    assert.equal(rows.start, Number.isFinite(list.start) ? list.start : 0);
    assert.equal(rows.end, Number.isFinite(list.end) ? list.end : 0);
  }), { numRuns: RUNS });
});

test('the columns of column-backed rows equal the columns made from the records, row for row', () => {
  fc.assert(fc.property(records, (recs) => {
    const rows = rowsOf(recs);
    const list = Array.from({ length: rows.n }, (_, i) => rows.record(i));
    const naming = buildNaming([], [], []);
    const ds = columnDataset(rows, {}, new Networks(), naming);
    const a = datasetColumns(ds);
    const b = connColumns(list, ds.nameOfConn);
    // Per list index: every column's value (row order within a source is list order in both).
    const byConn = (c: typeof a) => {
      const out: unknown[] = new Array(c.n);
      for (let p = 0; p < c.n; p++) {
        out[c.conn[p]!] = [c.ts[p], c.duration[p], c.bytes[p], c.strs.values[c.src[p]!], c.strs.values[c.dst[p]!], c.port[p], c.origPort[p],
          c.proto[p], c.states.values[c.state[p]!], c.services.values[c.service[p]!], c.interim[p], c.flags[p]];
      }
      return out;
    };
    assert.deepEqual(byConn(a), byConn(b));
    assert.equal(a.ascending, true);
    assert.equal(datasetNames(ds).length, rows.n);
  }), { numRuns: RUNS });
});

test('column-backed rows are named as the records are: announced names, the source\'s lookups, an address\'s only name, the history', () => {
  fc.assert(fc.property(records, fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.constantFrom('a.example', 'B.example', 'c.example')), { maxLength: 8 }),
    fc.array(fc.tuple(fc.nat(60), fc.constantFrom('tls.example', 'Other.example')), { maxLength: 6 }), (recs, lookups, announced) => {
      const dns = lookups.map(([src, dst, name], k) => ({ ts: 900 + k, uid: `D${k}`, orig_h: `10.0.0.${src}`, orig_p: 1, resp_h: '10.0.0.53', resp_p: 53, proto: 'udp', trans_id: k, query: name, qtype: 1, rcode: 0, answers: [dst === 5 ? '2001:db8::1' : `1.2.3.${dst}`], TTLs: [1], rejected: false }) as DnsRecord);
      const tls = announced.filter(([k]) => k < recs.length).map(([k, sni]) => ({ ts: recs[k]!.ts, uid: recs[k]!.uid, orig_h: recs[k]!.orig_h, orig_p: 1, resp_h: recs[k]!.resp_h, resp_p: 443, server_name: sni }) as TlsRecord);
      const rows = rowsOf(recs);
      const naming = buildNaming(dns, tls, []);
      naming.fallback = (ip) => (ip.endsWith('.4') ? 'history.example' : undefined);
      const ds = columnDataset(rows, { dns, tls }, new Networks(), naming);
      const a = datasetColumns(ds);
      const na = datasetNames(ds);
      const list = Array.from({ length: rows.n }, (_, i) => rows.record(i));
      const b = connColumns(list, ds.nameOfConn);
      const nb = b.names.get(ds.nameOfConn)!;
      const byConn = (c: typeof a, names: Int32Array): (string | undefined)[] => {
        const out = new Array<string | undefined>(c.n);
        for (let p = 0; p < c.n; p++) out[c.conn[p]!] = names[p]! < 0 ? undefined : c.strs.values[names[p]!];
        return out;
      };
      assert.deepEqual(byConn(a, na), byConn(b, nb));
      assert.deepEqual(byConn(a, na), list.map((c) => ds.nameOfConn(c)));
    }), { numRuns: RUNS });
});

test('a column-backed dataset answers like the record dataset: lookups, helpers and every detector\'s findings', () => {
  const rnd = (() => { let x = 11; return (m: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % m); })();
  const recs: ConnRecord[] = [];
  const dns: DnsRecord[] = [];
  const tls: TlsRecord[] = [];
  // Ten hosts: periodic callers to a named C&C over rotating IPs, a scanner, long sessions, background.
  for (let h = 0; h < 10; h++) {
    const src = `10.0.0.${h}`;
    dns.push({ ts: 900 + h, uid: `D${h}`, orig_h: src, orig_p: 5000, resp_h: '10.0.0.53', resp_p: 53, proto: 'udp', trans_id: h, query: 'c2.example', qtype: 1, rcode: 0, answers: ['198.51.100.1', '198.51.100.2'], TTLs: [60, 60], rejected: false } as DnsRecord);
    for (let k = 0; k < 60; k++) {
      const uid = `C${h}x${k}`;
      recs.push({ ts: 1000 + k * 300 + rnd(5), uid, orig_h: src, orig_p: 40000 + k, resp_h: `198.51.100.${1 + (k % 2)}`, resp_p: 443, community_id: '', proto: 'tcp', service: 'ssl', duration: 0.5, orig_bytes: 300, resp_bytes: 1200, conn_state: 'SF', missed_bytes: 0, history: 'ShADadFf', orig_pkts: 6, orig_ip_bytes: 600, resp_pkts: 5, resp_ip_bytes: 1500 });
      if (h === 3 && k % 3 === 0) tls.push({ ts: 1000 + k * 300, uid, orig_h: src, orig_p: 40000 + k, resp_h: '198.51.100.1', resp_p: 443, server_name: 'C2.example' } as TlsRecord);
    }
    for (let k = 0; k < 40; k++) recs.push({ ts: 1000 + rnd(18000), uid: `B${h}x${k}`, orig_h: src, orig_p: 30000 + k, resp_h: `203.0.113.${rnd(60)}`, resp_p: 80, community_id: '', proto: 'tcp', service: 'http', duration: rnd(9000), orig_bytes: rnd(900), resp_bytes: rnd(9000), conn_state: 'SF', missed_bytes: 0, history: 'ShADadFf', orig_pkts: 4, orig_ip_bytes: 400, resp_pkts: 4, resp_ip_bytes: 4000 });
  }
  for (let t = 0; t < 300; t++) recs.push({ ts: 5000 + t * 0.1, uid: `S${t}`, orig_h: '10.0.0.9', orig_p: 50000, resp_h: `10.0.1.${t % 250}`, resp_p: 445, community_id: '', proto: 'tcp', service: '', duration: 0, orig_bytes: 0, resp_bytes: 0, conn_state: 'S0', missed_bytes: 0, history: 'S', orig_pkts: 1, orig_ip_bytes: 60, resp_pkts: 0, resp_ip_bytes: 0 });
  const nets = new Networks();
  const byRecords = buildDataset({ conn: tiesByUid([...recs]), dns, tls }, nets);
  const byRows = columnDataset(rowsOf([...recs].reverse()), { dns, tls }, nets, buildNaming(dns, tls, []));
  assert.equal(byRows.connCount, byRecords.connCount);
  assert.deepEqual([...byRows.internalHosts()], [...byRecords.internalHosts()]);
  for (const key of ['198.51.100.1', 'c2.example', '203.0.113.5']) assert.deepEqual([...byRows.talkersOf(key)].sort(), [...byRecords.talkersOf(key)].sort(), key);
  assert.deepEqual(connsFrom(byRows, new Set(['10.0.0.3', '10.0.0.99'])), connsFrom(byRecords, new Set(['10.0.0.3', '10.0.0.99'])));
  const uids = new Set(['C3x1', 'S7', 'none']);
  assert.deepEqual(connsWithUids(byRows, uids), connsWithUids(byRecords, uids));
  const seen: string[] = [];
  forEachConn(byRows, (c) => seen.push(c.uid));
  assert.deepEqual(seen, byRecords.conns.map((c) => c.uid));
  const a = runDetectors(byRecords, { workers: 0 }).findings;
  const b = runDetectors(byRows, { workers: 0 }).findings;
  assert.ok(a.some((f) => f.detector === 'beacon') && a.some((f) => f.detector === 'scan') && a.some((f) => f.detector === 'long_conn'), a.map((f) => f.kind).join());
  assert.deepEqual(b, a);
  assert.deepEqual(byRows.conns, byRecords.conns, 'the records, made on first use');
});
