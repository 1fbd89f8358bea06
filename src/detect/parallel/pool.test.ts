import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnRecord, DnsRecord } from '../../records/schema.js';
import { DayGenerator } from '../bench-day.js';
import { buildDataset } from '../dataset.js';
import { Networks } from '../networks.js';
import { runDetectors } from '../run.js';
import { planBeacons } from '../beacons.js';
import { scoreClaimed, scoreGroups, SCORE_SLOTS } from '../beacon-groups.js';

test('beacon groups scored in worker threads give the findings of one thread, in the same order', async () => {
  const gen = new DayGenerator({ conns: 40_000, hosts: 40, beacons: 12, seed: 11 });
  const conn: ConnRecord[] = [];
  const dns: DnsRecord[] = [];
  await gen.generate((c, d) => { conn.push(...c); dns.push(...d); });
  const ds = buildDataset({ conn, dns }, new Networks());
  const one = runDetectors(ds).findings;
  assert.ok(one.filter((f) => f.detector === 'beacon').length > 15);
  for (const workers of [1, 3]) {
    const r = runDetectors(ds, { workers });
    assert.deepEqual(r.findings, one, `${workers} worker(s)`);
    assert.ok(r.timings['beacon']! >= 0 && r.cpu['beacon']! >= 0);
  }
  // With a partition too: the partition's share, as without workers.
  const part = { index: 1, count: 2 };
  assert.deepEqual(runDetectors(ds, { workers: 2, partition: part }).findings, runDetectors(ds, { partition: part }).findings);
});

test('slots claimed by several threads from one counter, merged by group, are the groups scored in one thread', async () => {
  const gen = new DayGenerator({ conns: 30_000, hosts: 30, beacons: 8, seed: 5 });
  const conn: ConnRecord[] = [];
  const dns: DnsRecord[] = [];
  await gen.generate((c, d) => { conn.push(...c); dns.push(...d); });
  const plan = planBeacons(buildDataset({ conn, dns }, new Networks()));
  const one = scoreGroups(plan.job);
  assert.ok(one.length > 10);
  // Two scorers taking turns on one counter: the first stops after a few slots, the second takes the rest.
  let next = 0;
  let firstTook = 0;
  const a = scoreClaimed(plan.job, () => (firstTook++ < 15 ? next++ : SCORE_SLOTS));
  const b = scoreClaimed(plan.job, () => next++);
  assert.ok(a.length > 0 && b.length > 0, `both scorers found some (${a.length}, ${b.length})`);
  assert.deepEqual([...a, ...b].sort((x, y) => x.g - y.g), one);
});
