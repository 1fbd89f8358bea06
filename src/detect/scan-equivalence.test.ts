import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildDataset } from './dataset.js';
import { detectScans, type ScanSettings } from './scan.js';
import { detectScansReference } from './scan-reference.js';
import type { ConnRecord } from '../records/schema.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
const T0 = 1_790_000_000;

const SRCS = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '203.0.113.9', 'fd00::5', '192.0.2.77'];
const DSTS = ['10.0.1.1', '10.0.1.2', '10.0.1.3', '10.0.1.4', '10.0.1.5', '10.0.1.6', '198.51.100.1', '198.51.100.2', 'fd00::1', 'fd00::2', '2001:db8::9', '10.0.0.1'];
const PORTS = [22, 80, 443, 445, 3389, 8080, 0, 65535, -1, 70000];
const PROTOS: ConnRecord['proto'][] = ['tcp', 'tcp', 'tcp', 'udp', 'icmp', 'unknown_transport'];
const STATES = ['S0', 'REJ', 'SF', 'RSTR', 'RSTO', 'OTH', 'SH', 'RSTOS0', 'S1'];
const HISTORIES = ['', 'S', 'Sr', 'ShADadFf', 'ShR', '^h', '^hR', 'D', 'SD', 'Dd'];
const ICMP_TYPES = [8, 13, 17, 128, 3, 0, 50000];

/** A connection from indices into the pools above (fast-check draws the indices). */
function conn(i: number, t: number, v: number[]): ConnRecord {
  const [s, d, p, pr, st, h, ob, rp, op, it] = v as [number, number, number, number, number, number, number, number, number, number];
  const proto = PROTOS[pr % PROTOS.length]!;
  return {
    ts: T0 + t, uid: `Ceq${i}`, community_id: '', orig_h: SRCS[s % SRCS.length]!, orig_p: proto === 'icmp' ? ICMP_TYPES[it % ICMP_TYPES.length]! : 40000 + i,
    resp_h: DSTS[d % DSTS.length]!, resp_p: PORTS[p % PORTS.length]!, proto, service: '', duration: 0, orig_bytes: ob % 3 === 0 ? 0 : 100,
    resp_bytes: 0, conn_state: STATES[st % STATES.length]!, missed_bytes: 0, history: HISTORIES[h % HISTORIES.length]!, orig_pkts: op % 4 === 0 ? 0 : 1,
    orig_ip_bytes: 0, resp_pkts: rp % 3, resp_ip_bytes: 0,
  };
}

const connsArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.array(fc.nat(1000), { minLength: 10, maxLength: 10 })), { minLength: 0, maxLength: 400, size: 'max' })
  .map((xs) => {
    let t = 0;
    return xs.map(([dt, v], i) => conn(i, (t += dt), v));
  });

const settingsArb = fc.record({ minTargets: fc.integer({ min: 1, max: 6 }), minFailedShare: fc.constantFrom(0, 0.3, 0.5, 1), fullScoreAt: fc.constantFrom(3, 10, 100), icmpMinHosts: fc.integer({ min: 1, max: 4 }) });

/** Findings as JSON (every field, in order: ids, scores, evidence, reasons, samples). */
const json = (fs: unknown[]): string => JSON.stringify(fs);

test('scans over the connection columns give exactly the record version\'s findings (random connections, random settings)', () => {
  let nonEmpty = 0;
  fc.assert(fc.property(connsArb, settingsArb, (conns, s: Partial<ScanSettings>) => {
    const want = detectScansReference(buildDataset({ conn: conns }), s);
    const got = detectScans(buildDataset({ conn: conns }), s);
    if (want.length > 0) nonEmpty++;
    assert.equal(json(got), json(want));
  }), { numRuns: RUNS });
  assert.ok(nonEmpty > RUNS / 4, `only ${nonEmpty} of ${RUNS} cases had findings: the comparison says little`);
});

test('scans of a partition\'s sources over the whole dataset equal the record version over the partition\'s records', () => {
  fc.assert(fc.property(connsArb, fc.integer({ min: 0, max: 2 }), (conns, index) => {
    // Any split of the sources will do: the sum of the address's character codes, modulo 3.
    const mine = (src: string): boolean => [...src].reduce((a, ch) => a + ch.charCodeAt(0), 0) % 3 === index;
    const want = detectScansReference(buildDataset({ conn: conns.filter((c) => mine(c.orig_h)) }), { minTargets: 2 });
    const got = detectScans(buildDataset({ conn: conns }), { minTargets: 2 }, mine);
    assert.equal(json(got), json(want));
  }), { numRuns: Math.max(20, RUNS / 3) });
});

test('a day with sweeps, vertical scans, TRW-only sources and ping sweeps: the same findings, every kind present', () => {
  const conns: ConnRecord[] = [];
  let i = 0;
  const add = (t: number, src: string, dst: string, port: number, state: string, extra: Partial<ConnRecord> = {}): void => {
    conns.push({
      ts: T0 + t, uid: `Cday${i++}`, community_id: '', orig_h: src, orig_p: 50000, resp_h: dst, resp_p: port, proto: 'tcp', service: '', duration: 0,
      orig_bytes: 0, resp_bytes: 0, conn_state: state, missed_bytes: 0, history: state === 'SF' ? 'ShADadFf' : 'S', orig_pkts: 1, orig_ip_bytes: 0,
      resp_pkts: state === 'SF' ? 3 : 0, resp_ip_bytes: 0, ...extra,
    });
  };
  for (let k = 0; k < 3000; k++) {
    const h = k % 40;
    add(k * 7, `10.2.0.${h}`, `198.51.100.${k % 23}`, 443, k % 17 === 0 ? 'S0' : 'SF'); // ordinary traffic
    if (h === 3) add(k * 7 + 1, '10.2.0.3', `10.9.${k >> 8}.${k & 255}`, 445, 'S0'); // a horizontal sweep
    if (h === 5 && k < 1000) add(k * 7 + 2, '10.2.0.5', '10.9.9.9', 1 + k, k % 2 ? 'REJ' : 'S0', { history: k % 2 ? 'Sr' : 'S' }); // vertical
    if (h === 7) add(k * 7 + 3, '10.2.0.7', `10.8.${k >> 8}.${k & 255}`, 1000 + k, 'S0'); // TRW only: one host per port
    if (h === 9) add(k * 7 + 4, '10.2.0.9', k % 2 ? `fd00::${k.toString(16)}` : `10.7.${k >> 8}.${k & 255}`, 0, 'OTH',
      { proto: 'icmp', orig_p: k % 2 ? 128 : 8, history: '', resp_pkts: k % 5 === 0 ? 1 : 0 }); // ping sweeps, both families
  }
  const want = detectScansReference(buildDataset({ conn: conns }));
  const got = detectScans(buildDataset({ conn: conns }));
  assert.deepEqual([...new Set(want.map((f) => f.kind))].sort(), ['horizontal', 'icmp_sweep', 'trw', 'vertical']);
  assert.equal(json(got), json(want));
});
