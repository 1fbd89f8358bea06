import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ConnRecord } from '../records/schema.js';
import { tiesByUid } from './store.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

test('tiesByUid: records of equal ts end up in uid order on the positions they held; other records do not move', () => {
  fc.assert(fc.property(fc.array(fc.record({ ts: fc.integer({ min: 0, max: 5 }), uid: fc.string({ maxLength: 4 }) }), { maxLength: 40 }), (rows) => {
    const recs = rows.map((r, i) => ({ ...r, i }) as unknown as ConnRecord & { i: number });
    const out = tiesByUid([...recs]) as (ConnRecord & { i: number })[];
    assert.equal(out.length, recs.length);
    // Same records, each ts keeps the same set of positions.
    assert.deepEqual(out.map((r) => r.i).sort((a, b) => a - b), recs.map((r) => r.i));
    for (let p = 0; p < out.length; p++) assert.equal(out[p]!.ts, recs[p]!.ts, `position ${p} keeps its ts`);
    // Within one ts, positions in ascending order hold uids in ascending order.
    const byTs = new Map<number, string[]>();
    for (const r of out) byTs.set(r.ts, [...(byTs.get(r.ts) ?? []), r.uid]);
    for (const uids of byTs.values()) assert.deepEqual(uids, [...uids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  }), { numRuns: RUNS });
});
