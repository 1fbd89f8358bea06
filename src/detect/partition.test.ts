import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DayGenerator } from './bench-day.js';
import { buildDataset, type Dataset } from './dataset.js';
import type { Finding } from './finding.js';
import { Networks } from './networks.js';
import { checkPartition, fnv1a, halfMD5, inPartition, parsePartition, partitionOf } from './partition.js';
import { runDetectors } from './run.js';
import type { ConnRecord, DnsRecord } from '../records/schema.js';
import { MemorySink } from '../records/writers.js';
import { decodeCaptures } from '../sensor/decode-file.js';
import { simulate, type LabelsFile } from '../sim/index.js';

test('FNV-1a matches the published 32-bit test vectors', () => {
  assert.equal(fnv1a(''), 0x811c9dc5);
  assert.equal(fnv1a('a'), 0xe40c292c);
  assert.equal(fnv1a('foobar'), 0xbf9cf968);
});

test('the partition of a source is ClickHouse\'s halfMD5(address) % count (the shard ingest places it on)', () => {
  // halfMD5('10.0.0.1') = 1805292176388680295 (ClickHouse 18.16).
  assert.equal(halfMD5('10.0.0.1'), 1805292176388680295n);
  for (const n of [2, 3, 7, 1000]) assert.equal(partitionOf('10.0.0.1', n), Number(1805292176388680295n % BigInt(n)));
  for (const src of ['192.168.1.77', '2001:db8::1', 'é']) assert.equal(partitionOf(src, 5), Number(halfMD5(src) % 5n));
});

test('I/N on the command line: 1-based, checked, with the accepted form in the message', () => {
  assert.deepEqual(parsePartition('1/4'), { index: 0, count: 4 });
  assert.deepEqual(parsePartition(' 4 / 4 '), { index: 3, count: 4 });
  assert.deepEqual(parsePartition('1/1'), { index: 0, count: 1 });
  assert.throws(() => parsePartition('0/4'), /Cannot partition: I must be 1\.\.4/);
  assert.throws(() => parsePartition('5/4'), /Cannot partition: I must be 1\.\.4/);
  assert.throws(() => parsePartition('1/0'), /Cannot partition: N must be/);
  assert.throws(() => parsePartition('2'), /is not I\/N \(for example 1\/4/);
  assert.throws(() => parsePartition('a/b'), /is not I\/N/);
});

test('every source is in exactly one partition, stably', () => {
  for (const src of ['10.0.0.1', '10.0.0.2', '192.168.1.77', 'fe80::1', '']) {
    const p = partitionOf(src, 4);
    assert.ok(p >= 0 && p < 4);
    assert.deepEqual([0, 1, 2, 3].filter((index) => inPartition(src, { index, count: 4 })), [p]);
    assert.equal(partitionOf(src, 1), 0);
  }
  assert.throws(() => checkPartition({ index: 2, count: 2 }), /Cannot partition: index/);
  assert.throws(() => checkPartition({ index: 0, count: 0 }), /Cannot partition: count/);
  assert.throws(() => runDetectors(buildDataset({}), { partition: { index: -1, count: 3 } }), /Cannot partition/);
});

/** Findings of a whole run, and of `count` partition runs put together, as sorted JSON. */
function wholeAndUnion(ds: Dataset, count: number): { whole: string[]; union: string[]; perPartition: number[] } {
  const whole = runDetectors(ds).findings.map((f) => JSON.stringify(f)).sort();
  const union: string[] = [];
  const perPartition: number[] = [];
  for (let index = 0; index < count; index++) {
    const fs: Finding[] = runDetectors(ds, { partition: { index, count } }).findings;
    for (const f of fs) assert.equal(partitionOf(f.src, count), index, `${f.src} reported by partition ${index}`);
    perPartition.push(fs.length);
    for (const f of fs) union.push(JSON.stringify(f));
  }
  return { whole, union: union.sort(), perPartition };
}

test('partitions of the benchmark day together find what one run finds (beacons, periodic services)', async () => {
  const gen = new DayGenerator({ conns: 60_000, hosts: 60, beacons: 12, seed: 3 });
  const conn: ConnRecord[] = [];
  const dns: DnsRecord[] = [];
  await gen.generate((c, d) => { conn.push(...c); dns.push(...d); });
  const ds = buildDataset({ conn, dns }, new Networks());
  const { whole, union, perPartition } = wholeAndUnion(ds, 3);
  assert.ok(whole.length > 20, `only ${whole.length} findings`);
  assert.ok(perPartition.every((n) => n > 0), `a partition found nothing: ${perPartition.join(', ')}`);
  assert.deepEqual(union, whole);
});

test('partitions of a simulated network with scans, mining, DNS abuse and shells find what one run finds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-partition-'));
  try {
    const pcap = join(dir, 'mixed.pcap');
    const sim = await simulate({ scenario: 'mixed', hosts: 40, durationSec: 3 * 3600, seed: 5 }, pcap);
    const labels = JSON.parse(readFileSync(sim.labelsPath, 'utf8')) as LabelsFile;
    const sink = new MemorySink();
    await decodeCaptures([pcap], sink);
    const ds = buildDataset(sink.records, new Networks(labels.internal_nets));
    const { whole, union } = wholeAndUnion(ds, 2);
    const detectors = new Set(whole.map((f) => (JSON.parse(f) as Finding).detector));
    for (const d of ['beacon', 'scan', 'dns']) assert.ok(detectors.has(d as Finding['detector']), `no ${d} finding to split: ${[...detectors].join(', ')}`);
    assert.deepEqual(union, whole);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
