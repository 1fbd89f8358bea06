import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyFirstSeen, firstSeenOf, FIRST_SEEN_DEFAULTS, scoreCap } from './first-seen.js';
import { buildDataset, type Dataset } from './dataset.js';
import { runDetectors } from './run.js';
import { severityOf, type Finding } from './finding.js';
import { TOTAL_SCORE_CAP } from './long-conn.js';
import type { ConnRecord } from '../records/schema.js';
import { openDuckDBStore } from '../store/duckdb/duckdb-store.js';
import { ingestRecords } from '../store/contract.js';
import { loadDataset } from '../store/store.js';

const T0 = 1_790_000_000;
let n = 0;
function conn(ts: number, src: string, dst: string, p: Partial<ConnRecord> = {}): ConnRecord {
  return {
    ts, uid: `Cfs${n++}`, community_id: '', orig_h: src, orig_p: 50000, resp_h: dst, resp_p: 443, proto: 'tcp', service: '', duration: 1,
    orig_bytes: 300, resp_bytes: 900, conn_state: 'SF', missed_bytes: 0, history: 'ShADadFf', orig_pkts: 5, orig_ip_bytes: 600, resp_pkts: 5, resp_ip_bytes: 1200, ...p,
  };
}
function finding(p: Partial<Finding> & Pick<Finding, 'detector' | 'score'>): Finding {
  return { id: `F${n++}`, kind: 'ip', title: 't', src: '10.1.1.5', first: T0, last: T0, severity: severityOf(p.score), evidence: {}, reasons: [], uids: [], attack: [], ...p };
}

/** Six hours of data: 203.0.113.1 contacted from the start, 198.51.100.9 first after three hours. */
function sixHours(): Dataset {
  const conns: ConnRecord[] = [];
  for (let t = 0; t < 6 * 3600; t += 600) conns.push(conn(T0 + t, '10.1.1.5', '203.0.113.1'));
  for (let t = 3 * 3600; t < 6 * 3600; t += 600) conns.push(conn(T0 + t + 5, '10.1.1.5', '198.51.100.9'));
  return buildDataset({ conn: conns.sort((a, b) => a.ts - b.ts) });
}

test('without a store: a destination first contacted after minHistory is new and gets the bonus; one there from the start does not', () => {
  const ds = sixHours();
  const fresh = finding({ detector: 'beacon', dst: '198.51.100.9', score: 0.68 });
  const old = finding({ detector: 'beacon', dst: '203.0.113.1', score: 0.68 });
  applyFirstSeen([fresh, old], ds);
  assert.equal(fresh.evidence['first_seen'], T0 + 3 * 3600 + 5);
  assert.equal(fresh.evidence['new_destination'], true);
  assert.equal(fresh.score, 0.73);
  assert.equal(fresh.severity, 'medium', 'severity follows the raised score (low -> medium)');
  assert.equal(fresh.evidence['first_seen_bonus'], FIRST_SEEN_DEFAULTS.bonus);
  assert.match(fresh.reasons.at(-1)!, /^198\.51\.100\.9 was first contacted on 2026-\d\d-\d\dT\d\d:\d\d:\d\dZ, inside the analysed window and 3\.0 h into the history: a new destination, score \+0\.05$/);
  assert.equal(old.evidence['first_seen'], T0);
  assert.equal(old.evidence['new_destination'], false);
  assert.equal(old.score, 0.68);
  assert.equal(old.severity, 'low');
  assert.deepEqual(old.reasons, []);
  // With minHistory above three hours, nothing is new.
  const again = finding({ detector: 'beacon', dst: '198.51.100.9', score: 0.68 });
  applyFirstSeen([again], ds, { minHistory: 4 * 3600 });
  assert.equal(again.evidence['new_destination'], false);
  assert.equal(again.score, 0.68);
});

test('never above the cap: 1 for beacons and mining, TOTAL_SCORE_CAP for long connections by total duration', () => {
  const ds = sixHours();
  const b = finding({ detector: 'beacon', dst: '198.51.100.9', score: 0.98 });
  const total = finding({ detector: 'long_conn', kind: 'total', dst: '198.51.100.9', score: 0.74 });
  const atCap = finding({ detector: 'long_conn', kind: 'total', dst: '198.51.100.9', score: TOTAL_SCORE_CAP });
  const mining = finding({ detector: 'mining', kind: 'protocol', dst: '198.51.100.9', score: 1 });
  applyFirstSeen([b, total, atCap, mining], ds);
  assert.equal(b.score, 1);
  assert.equal(total.score, TOTAL_SCORE_CAP);
  assert.equal(total.evidence['first_seen_bonus'], 0.01);
  assert.equal(atCap.score, TOTAL_SCORE_CAP);
  assert.equal(atCap.evidence['new_destination'], true);
  assert.equal(atCap.evidence['first_seen_bonus'], undefined);
  assert.match(atCap.reasons.at(-1)!, /score \+0 \(at the cap\)$/);
  assert.equal(mining.score, 1);
  assert.equal(scoreCap(finding({ detector: 'long_conn', kind: 'session', score: 0.9 })), 1);
});

test('only beacon, long-connection and mining findings; several addresses count from the earliest; no address, no date', () => {
  const ds = sixHours();
  const scan = finding({ detector: 'scan', kind: 'horizontal', dsts: ['198.51.100.9'], score: 0.8 });
  const dnsF = finding({ detector: 'dns', kind: 'tunnel', score: 0.8 });
  const rotating = finding({ detector: 'beacon', kind: 'fqdn', dsts: ['198.51.100.9', '203.0.113.1'], fqdn: 'x.example', score: 0.8 });
  const named = finding({ detector: 'mining', kind: 'pool_name', fqdn: 'pool.xmr.example', score: 0.7 });
  applyFirstSeen([scan, dnsF, rotating, named], ds);
  assert.deepEqual(scan.evidence, {});
  assert.deepEqual(dnsF.evidence, {});
  assert.equal(rotating.evidence['first_seen'], T0, 'a name is new only when all its addresses are');
  assert.equal(rotating.evidence['new_destination'], false);
  assert.equal(named.evidence['first_seen'], null);
  assert.equal(named.evidence['new_destination'], false);
  assert.equal(named.score, 0.7);
});

test('a first-seen map from the store wins over the dataset: an address contacted last week is not new', () => {
  const base = sixHours();
  const ds: Dataset = { ...base, firstSeen: new Map([['198.51.100.9', T0 - 7 * 86400]]), historyStart: T0 - 30 * 86400 };
  assert.deepEqual([...firstSeenOf(ds, ['198.51.100.9', '203.0.113.1'])], [['198.51.100.9', T0 - 7 * 86400], ['203.0.113.1', T0]]);
  const a = finding({ detector: 'beacon', dst: '198.51.100.9', score: 0.8 });
  // 203.0.113.1 is absent from the store's map (the dataset's own first contact is used): first
  // contacted at the window's start, a month into the history: new.
  const b = finding({ detector: 'beacon', dst: '203.0.113.1', score: 0.8 });
  applyFirstSeen([a, b], ds);
  assert.equal(a.evidence['new_destination'], false);
  assert.equal(a.score, 0.8);
  assert.equal(b.evidence['new_destination'], true);
  assert.equal(b.score, 0.85);
  assert.equal(b.severity, 'high');
});

test('runDetectors applies the modifier: a beacon to a destination first seen mid-capture says so in its evidence', () => {
  const conns: ConnRecord[] = [];
  // Background from the start (history), then a 5-minute beacon that starts two hours in.
  for (let t = 0; t < 8 * 3600; t += 900) conns.push(conn(T0 + t, '10.1.1.9', '203.0.113.50', { resp_p: 80 }));
  for (let t = 2 * 3600; t < 8 * 3600; t += 300) conns.push(conn(T0 + t + 1, '10.1.1.5', '198.51.100.77', { orig_bytes: 420, resp_bytes: 96 }));
  const ds = buildDataset({ conn: conns.sort((a, b) => a.ts - b.ts) });
  const r = runDetectors(ds);
  const b = r.findings.find((f) => f.detector === 'beacon' && f.dst === '198.51.100.77');
  assert.ok(b, 'beacon found');
  assert.equal(b.evidence['new_destination'], true);
  assert.equal(b.evidence['first_seen'], T0 + 2 * 3600 + 1);
  assert.ok(b.reasons.some((x) => x.includes('a new destination')));
  assert.ok(r.findings.filter((f) => f.detector === 'beacon').every((f) => typeof f.evidence['new_destination'] === 'boolean'));
  assert.equal(typeof r.timings['first_seen'], 'number');
});

test('loadDataset carries the store\'s first contacts and history start for a window, and not without one', async () => {
  const s = await openDuckDBStore(':memory:');
  try {
    await ingestRecords(s, 'last-week', { conn: [conn(T0 - 7 * 86400, '10.1.1.5', '198.51.100.9'), conn(T0 - 6 * 86400, '10.1.1.6', '192.0.2.1')] });
    await ingestRecords(s, 'today', { conn: [conn(T0 + 3600, '10.1.1.5', '198.51.100.9'), conn(T0 + 7200, '10.1.1.5', '203.0.113.7')] });
    const ds = await loadDataset(s, { since: T0 });
    assert.equal(ds.conns.length, 2);
    assert.deepEqual([...(ds.firstSeen ?? new Map())].sort(), [['198.51.100.9', T0 - 7 * 86400], ['203.0.113.7', T0 + 7200]]);
    assert.equal(ds.historyStart, T0 - 7 * 86400);
    const a = finding({ detector: 'beacon', dst: '198.51.100.9', score: 0.8 });
    const b = finding({ detector: 'beacon', dst: '203.0.113.7', score: 0.8 });
    applyFirstSeen([a, b], ds);
    assert.deepEqual([a.evidence['new_destination'], b.evidence['new_destination']], [false, true]);
    // Without a window start the dataset is all the history: no store query, the modifier reads the conns.
    const all = await loadDataset(s);
    assert.equal(all.firstSeen, undefined);
    assert.equal(all.historyStart, undefined);
    assert.equal(firstSeenOf(all, ['198.51.100.9']).get('198.51.100.9'), T0 - 7 * 86400);
  } finally {
    await s.close();
  }
});

test('firstSeenOf over the connection columns equals the earliest connection per address, in order of first appearance (any list order)', () => {
  const addrs = ['10.0.0.1', '10.0.0.2', '198.51.100.1', '198.51.100.2', '2001:db8::1', 'example.com'];
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.nat(5), fc.nat(5), fc.integer({ min: 0, max: 50 })), { maxLength: 60 }),
    fc.subarray(addrs),
    (xs, asked) => {
      const ds = buildDataset({ conn: xs.map(([s, d, t]) => conn(T0 + t, addrs[s]!, addrs[d]!)) });
      const want = new Map<string, number>();
      for (const c of ds.conns) {
        if (!asked.includes(c.resp_h)) continue;
        const t = want.get(c.resp_h);
        if (t === undefined || c.ts < t) want.set(c.resp_h, c.ts);
      }
      assert.deepEqual([...firstSeenOf(ds, asked)], [...want]);
    },
  ), { numRuns: Number(process.env.C2HUNT_FUZZ_RUNS ?? 300) });
});
