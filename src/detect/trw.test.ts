import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runTrw, trwThresholds, TRW_PAPER, type TrwOutcome } from './trw.js';
import type { ConnRecord } from '../records/schema.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

/** A TCP attempt from `src` to `dst` at `ts`; `ok` decides its outcome through `outcomeOf`. */
function attempt(ts: number, src: string, dst: string, ok: boolean, uid = `C${ts}-${dst}`): ConnRecord {
  return {
    ts, uid, community_id: '', orig_h: src, orig_p: 50000, resp_h: dst, resp_p: 445, proto: 'tcp', service: '', duration: 0,
    orig_bytes: 0, resp_bytes: 0, conn_state: ok ? 'SF' : 'S0', missed_bytes: 0, history: ok ? 'ShADadFf' : 'S', orig_pkts: 1,
    orig_ip_bytes: 60, resp_pkts: ok ? 1 : 0, resp_ip_bytes: 0,
  };
}
const outcomeOf = (c: ConnRecord): TrwOutcome => (c.history === '' ? 'none' : c.conn_state === 'S0' ? 'failure' : 'success');

test("the paper's parameters give eta1 = 99, eta0 = 1/99 and steps of 4 and 1/4", () => {
  const t = trwThresholds(TRW_PAPER);
  assert.equal(t.eta1, 99);
  assert.ok(Math.abs(t.eta0 - 0.01 / 0.99) < 1e-12);
  assert.ok(Math.abs(t.onFailure - 4) < 1e-12);
  assert.ok(Math.abs(t.onSuccess - 0.25) < 1e-12);
  assert.throws(() => trwThresholds({ ...TRW_PAPER, theta1: 0.9 }), /^Error: Cannot use TRW parameters: need 0 < theta1 < theta0 < 1/);
  assert.throws(() => trwThresholds({ ...TRW_PAPER, alpha: 0.995 }), /need 0 < alpha < beta < 1/);
});

test('four failed first contacts decide "scanner" after exactly four attempts (likelihood ratio 256)', () => {
  const conns = [1, 2, 3, 4, 5].map((i) => attempt(100 + i * 10, '10.0.0.9', `10.0.1.${i}`, false));
  const d = runTrw(conns.slice(0, 3), TRW_PAPER, outcomeOf);
  assert.equal(d.size, 0, 'three failures (ratio 64) are not enough');
  const r = runTrw(conns, TRW_PAPER, outcomeOf).get('10.0.0.9');
  assert.ok(r);
  assert.equal(r.attempts, 4);
  assert.equal(r.failures, 4);
  assert.equal(r.successes, 0);
  assert.ok(Math.abs(r.likelihoodRatio - 256) < 1e-6);
  assert.equal(r.walkStart, 110);
  assert.equal(r.firstFailure, 110);
  assert.equal(r.decidedAt, 140);
  assert.equal(r.restarts, 0);
  assert.deepEqual(r.failedDsts, ['10.0.1.1', '10.0.1.2', '10.0.1.3', '10.0.1.4']);
  // Totals over all the data include the fifth failure after the decision.
  assert.equal(r.firstContacts, 5);
  assert.equal(r.failedFirstContacts, 5);
  assert.equal(r.lastFailure, 150);
});

test('only first contacts are trials: retrying the same dead host does not decide', () => {
  const conns = Array.from({ length: 20 }, (_, i) => attempt(i, '10.0.0.9', '10.0.1.1', false, `C${i}`));
  conns.push(attempt(30, '10.0.0.9', '10.0.1.2', false), attempt(31, '10.0.0.9', '10.0.1.3', false));
  assert.equal(runTrw(conns, TRW_PAPER, outcomeOf).size, 0);
  conns.push(attempt(32, '10.0.0.9', '10.0.1.4', false));
  assert.equal(runTrw(conns, TRW_PAPER, outcomeOf).get('10.0.0.9')?.attempts, 4);
});

test('a host that worked normally (benign decision) is still caught when it starts scanning: the walk restarts', () => {
  const src = '10.0.0.7';
  const conns: ConnRecord[] = [];
  for (let i = 0; i < 10; i++) conns.push(attempt(i, src, `198.51.100.${i}`, true));
  for (let i = 0; i < 6; i++) conns.push(attempt(1000 + i, src, `10.0.2.${i}`, false));
  const r = runTrw(conns, TRW_PAPER, outcomeOf).get(src);
  assert.ok(r);
  assert.equal(r.restarts, 2, 'two benign decisions of four successes each');
  // Walks 1 and 2: four successes each (ratio 1/256 <= 1/99, benign, restart). Walk 3: the last two
  // successes (1/16), then failures: x4 each, 1/16 * 4^6 = 256 >= 99 at the sixth failure.
  assert.equal(r.successes, 2);
  assert.equal(r.failures, 6);
  assert.equal(r.attempts, 8);
  assert.equal(r.decidedAt, 1005);
  assert.equal(r.firstFailure, 1000);
  assert.equal(r.walkStart, 8);
});

test('alternating successes and failures never decide; connections that are no attempt are skipped', () => {
  const conns: ConnRecord[] = [];
  for (let i = 0; i < 40; i++) conns.push(attempt(i, '10.0.0.3', `10.0.3.${i}`, i % 2 === 0));
  assert.equal(runTrw(conns, TRW_PAPER, outcomeOf).size, 0);
  const none = [1, 2, 3, 4, 5].map((i) => ({ ...attempt(i, '10.0.0.4', `10.0.4.${i}`, false), history: '' }));
  assert.equal(runTrw(none, TRW_PAPER, outcomeOf).size, 0);
});

test('other parameters move the thresholds: theta0 0.9, theta1 0.5, alpha 0.05, beta 0.95 decide after two failures (5^2 >= 19)', () => {
  const p = { theta0: 0.9, theta1: 0.5, alpha: 0.05, beta: 0.95 };
  const t = trwThresholds(p);
  assert.ok(Math.abs(t.eta1 - 19) < 1e-9);
  assert.ok(Math.abs(t.onFailure - 5) < 1e-9);
  const conns = [1, 2, 3].map((i) => attempt(i, '10.0.0.9', `10.0.1.${i}`, false));
  assert.equal(runTrw(conns.slice(0, 1), p, outcomeOf).size, 0);
  assert.equal(runTrw(conns, p, outcomeOf).get('10.0.0.9')?.attempts, 2);
});

test('property: the walk equals an integer random walk between -4 and +4 (paper parameters)', () => {
  fc.assert(fc.property(fc.array(fc.boolean(), { maxLength: 60 }), (oks) => {
    const conns = oks.map((ok, i) => attempt(i, '10.9.9.9', `10.8.${i >> 8}.${i & 255}`, ok));
    // Oracle: each failure +1, each success -1 (log base 4); scanner at >= 4 (4^4 = 256 >= 99 > 4^3),
    // benign at <= -4 (restart).
    let k = 0, n = 0, decidedAt: number | undefined, restarts = 0;
    for (let i = 0; i < oks.length; i++) {
      k += oks[i] ? -1 : 1;
      n++;
      if (k >= 4) { decidedAt = i; break; }
      if (k <= -4) { k = 0; n = 0; restarts++; }
    }
    const r = runTrw(conns, TRW_PAPER, outcomeOf).get('10.9.9.9');
    if (decidedAt === undefined) return r === undefined;
    return r !== undefined && r.decidedAt === decidedAt && r.attempts === n && r.restarts === restarts && r.failures - r.successes === 4;
  }), { numRuns: RUNS });
});
