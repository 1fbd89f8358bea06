import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ConnRecord } from '../records/schema.js';
import { connList, latestPerUid, stableOrderBy } from './conn-order.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

/** The reference: indices sorted by key, ties by index. */
function reference(keys: number[]): number[] {
  return keys.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
}

test('stableOrderBy orders like a stable comparator sort (property: negatives, zeros, ties, wide ranges)', () => {
  const key = fc.oneof(
    fc.double({ noNaN: true }),
    fc.integer({ min: -3, max: 3 }).map((x) => x * 0.5),
    fc.constantFrom(0, -0, 1e-300, -1e-300, Infinity, -Infinity),
    fc.double({ min: 1.7e9, max: 1.7e9 + 86400, noNaN: true }),
  );
  fc.assert(
    fc.property(fc.array(key, { maxLength: 400 }), (keys) => {
      assert.deepEqual(Array.from(stableOrderBy(Float64Array.from(keys))), reference(keys));
    }),
    { numRuns: RUNS },
  );
});

test('stableOrderBy: a day of timestamps in a random order, and NaN last', () => {
  const n = 50_000;
  const keys = new Float64Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    keys[i] = 1_793_577_600 + (x % 86_400_000) / 1000;
  }
  assert.deepEqual(Array.from(stableOrderBy(keys)), reference(Array.from(keys)));
  assert.deepEqual(Array.from(stableOrderBy(Float64Array.from([3, NaN, 1, 2]))), [2, 3, 0, 1]);
});

const conn = (uid: string, ts: number, duration: number, interim?: boolean): ConnRecord => ({
  ts, uid, community_id: '', orig_h: '10.0.0.1', orig_p: 1, resp_h: '10.0.0.2', resp_p: 2, proto: 'tcp', service: '', duration,
  orig_bytes: 0, resp_bytes: 0, conn_state: 'SF', missed_bytes: 0, history: '', orig_pkts: 0, orig_ip_bytes: 0, resp_pkts: 0, resp_ip_bytes: 0,
  ...(interim !== undefined ? { interim } : {}),
});

/** The Map-based definition latestPerUid and connList replace. */
function referenceList(records: ConnRecord[]): ConnRecord[] {
  const byUid = new Map<string, ConnRecord>();
  for (const c of records) {
    const prev = byUid.get(c.uid);
    if (prev === undefined || (prev.interim && (!c.interim || c.duration >= prev.duration))) byUid.set(c.uid, c);
  }
  return [...byUid.values()].sort((a, b) => a.ts - b.ts);
}

test('one record per uid, finals over interims, the longest interim of open connections, in time order (property)', () => {
  const rec = fc.record({
    uid: fc.constantFrom('Ca', 'Cb', 'Cc', 'Cd', 'Ce', 'Cf', 'C\u00e9', 'Cab'),
    ts: fc.integer({ min: 0, max: 20 }),
    duration: fc.integer({ min: 0, max: 5 }),
    interim: fc.option(fc.boolean(), { nil: undefined }),
  });
  fc.assert(
    fc.property(fc.array(rec, { maxLength: 60 }), (xs) => {
      const records = xs.map((r) => conn(r.uid, r.ts, r.duration, r.interim));
      const want = referenceList(records);
      assert.deepEqual(connList(records).conns, want);
      assert.equal(latestPerUid(records).length, want.length);
    }),
    { numRuns: RUNS },
  );
});

test('thousands of repeated uids with interim records: the same list as the Map definition', () => {
  const records = Array.from({ length: 5000 }, (_, i) => conn(`C${i % 3000}`, 5000 - i, i % 7, i % 5 === 0));
  assert.deepEqual(connList(records).conns, referenceList(records));
});
