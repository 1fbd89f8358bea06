/**
 * Analysis split by source across processes: the partition hash is the same number in
 * JavaScript, DuckDB and ClickHouse, and partitioned datasets loaded from a store (records
 * filtered in SQL, everyone's context from store aggregates) find together exactly what one
 * run over everything finds, on DuckDB, a ClickHouse node and the two-shard cluster.
 * The ClickHouse parts run when C2HUNT_CLICKHOUSE_URL / C2HUNT_CLICKHOUSE_CLUSTER_URL are set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DuckDBInstance, LIST, VARCHAR, listValue } from '@duckdb/node-api';
import { halfMD5, halfMD5Mod, partitionOf } from '../detect/partition.js';
import { runDetectors } from '../detect/run.js';
import { Networks } from '../detect/networks.js';
import { DayGenerator } from '../detect/bench-day.js';
import type { ConnRecord, DnsRecord, RecordKind, RecordMap } from '../records/schema.js';
import { MemorySink } from '../records/writers.js';
import { decodeCaptures } from '../sensor/decode-file.js';
import { labelsPathFor, simulate, type LabelsFile } from '../sim/index.js';
import { ingestRecords } from './contract.js';
import { loadDataset, type Store, type TimeWindow } from './store.js';
import { halfMD5Sql, openDuckDBStore } from './duckdb/duckdb-store.js';
import { freshStore, testServer, CLUSTER_ENV, SINGLE_ENV, type TestServer } from './clickhouse/testing.js';

const single = await testServer(SINGLE_ENV);
const cluster = await testServer(CLUSTER_ENV);
const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

/** Address-like strings: IPv4, IPv6 (compressed or not), and arbitrary text. */
const address = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.string({ maxLength: 40 }),
);

test('halfMD5: ClickHouse\'s published values, and the modulo without bigints equals the bigint one', () => {
  // Values computed by ClickHouse 18.16: SELECT halfMD5('10.1.2.3'), halfMD5('10.0.0.1').
  assert.equal(halfMD5('10.1.2.3'), 4935167189762159712n);
  assert.equal(halfMD5('10.0.0.1'), 1805292176388680295n);
  fc.assert(fc.property(address, fc.integer({ min: 1, max: 1 << 20 }), (a, n) => {
    assert.equal(halfMD5Mod(a, n), Number(halfMD5(a) % BigInt(n)));
    assert.equal(partitionOf(a, n), n === 1 ? 0 : Number(halfMD5(a) % BigInt(n)));
  }), { numRuns: RUNS });
});

/** Random addresses (and some non-ASCII text) for the hash comparisons. */
function sampleAddresses(): string[] {
  return [...fc.sample(fc.ipV4(), 300), ...fc.sample(fc.ipV6(), 300), ...fc.sample(fc.string({ maxLength: 20 }), 50), '', 'fe80::1', 'é€'];
}

test('DuckDB computes the same halfMD5 as JavaScript (the store\'s partition expression)', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    const addrs = sampleAddresses();
    const r = await c.runAndReadAll(`SELECT a, CAST(${halfMD5Sql('a')} AS VARCHAR) AS h FROM (SELECT unnest($list) AS a)`, { list: listValue(addrs) }, { list: LIST(VARCHAR) });
    const rows = r.getRowObjectsJS() as { a: string; h: string }[];
    assert.equal(rows.length, addrs.length);
    for (const row of rows) assert.equal(BigInt(row.h), halfMD5(row.a), row.a);
  } finally {
    c.closeSync();
    db.closeSync();
  }
});

for (const [name, server] of [['single node', single], ['cluster', cluster]] as const) {
  test(`ClickHouse (${name}) computes the same halfMD5 as JavaScript`, { skip: server.skip }, async () => {
    const s = await freshStore(server);
    try {
      const addrs = sampleAddresses();
      const list = addrs.map((a) => `'${a.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ');
      const rows = await s.client.select<{ a: string; h: string }>(s.endpoint, 'hash', `SELECT a, toString(halfMD5(a)) AS h FROM (SELECT arrayJoin([${list}]) AS a)`);
      assert.equal(rows.length, addrs.length);
      for (const row of rows) assert.equal(BigInt(row.h), halfMD5(row.a), row.a);
    } finally {
      await s.close();
    }
  });
}

/** Records of a simulated office network with every behaviour, and its internal networks (decoded once). */
let simulated: Promise<{ records: { [K in RecordKind]?: RecordMap[K][] }; internal: string[] }> | undefined;
function mixedNetwork(): Promise<{ records: { [K in RecordKind]?: RecordMap[K][] }; internal: string[] }> {
  return (simulated ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'c2hunt-store-partition-'));
    try {
      const pcap = join(dir, 'mixed.pcap');
      await simulate({ scenario: 'mixed', hosts: 16, durationSec: 2 * 3600, seed: 11 }, pcap);
      const labels = JSON.parse(readFileSync(labelsPathFor(pcap), 'utf8')) as LabelsFile;
      const sink = new MemorySink();
      await decodeCaptures([pcap], sink);
      return { records: sink.records, internal: labels.internal_nets };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })());
}

/** The benchmark's day (periodic services shared by many hosts: prevalence matters), small. */
async function benchDay(): Promise<{ conn: ConnRecord[]; dns: DnsRecord[] }> {
  const gen = new DayGenerator({ conns: 12_000, hosts: 24, beacons: 6, seed: 9 });
  const conn: ConnRecord[] = [];
  const dns: DnsRecord[] = [];
  await gen.generate((c, d) => { conn.push(...c); dns.push(...d); });
  return { conn, dns };
}

/** Whole-run findings and the union of `count` partitioned loads + runs, as sorted JSON. */
async function wholeAndUnion(s: Store, internal: Networks, count: number, window?: TimeWindow, columns = true): Promise<{ whole: string[]; union: string[]; sizes: number[] }> {
  const whole = runDetectors(await loadDataset(s, window, internal, { columns })).findings.map((f) => JSON.stringify(f)).sort();
  const union: string[] = [];
  const sizes: number[] = [];
  for (let index = 0; index < count; index++) {
    const partition = { index, count };
    const ds = await loadDataset(s, window, internal, { partition, columns });
    sizes.push(ds.conns.length);
    for (const c of ds.conns) assert.equal(partitionOf(c.orig_h, count), index);
    for (const f of runDetectors(ds, { partition }).findings) union.push(JSON.stringify(f));
  }
  return { whole, union: union.sort(), sizes };
}

const backends: [string, TestServer | undefined][] = [['DuckDB', undefined], ['ClickHouse single node', single], ['ClickHouse cluster', cluster]];
for (const [name, server] of backends) {
  test(`${name}: partitioned loads of a simulated network (beacons, scans, mining, DNS abuse) together find what one run finds`, { skip: server?.skip ?? false, timeout: 180_000 }, async () => {
    const { records, internal } = await mixedNetwork();
    const s: Store = server === undefined ? await openDuckDBStore(':memory:') : await freshStore(server);
    try {
      await ingestRecords(s, 'mixed', records);
      const nets = new Networks(internal);
      const detectors = new Set<string>();
      for (const count of [2, 3]) {
        const { whole, union, sizes } = await wholeAndUnion(s, nets, count);
        for (const f of whole) detectors.add((JSON.parse(f) as { detector: string }).detector);
        assert.ok(whole.length > 5, `only ${whole.length} findings`);
        assert.ok(sizes.every((n) => n > 0), `an empty partition: ${sizes.join(', ')}`);
        assert.deepEqual(union, whole, `${count} partitions`);
      }
      for (const d of ['beacon', 'scan', 'dns']) assert.ok(detectors.has(d), `no ${d} finding to split: ${[...detectors].join(', ')}`);
      // A window with a start: first contacts and history from the store.
      const range = (await s.dataRange())!;
      const w = await wholeAndUnion(s, nets, 2, { since: range.first + 3600 });
      assert.ok(w.whole.length > 0);
      assert.deepEqual(w.union, w.whole, 'a window with a start');
      // Connections read as records (LoadOptions.columns false) give the same, whole and split.
      for (const window of [undefined, { since: range.first + 3600 }]) {
        const r = await wholeAndUnion(s, nets, 2, window, false);
        assert.deepEqual(r.whole, (await wholeAndUnion(s, nets, 1, window)).whole, 'records and columns');
        assert.deepEqual(r.union, r.whole, 'records, partitioned');
      }
    } finally {
      await s.close();
    }
  });

  test(`${name}: partitioned loads of the benchmark day (shared periodic services: prevalence across partitions) find what one run finds`, { skip: server?.skip ?? false, timeout: 180_000 }, async () => {
    const day = await benchDay();
    const s: Store = server === undefined ? await openDuckDBStore(':memory:') : await freshStore(server);
    try {
      await ingestRecords(s, 'day', day);
      const { whole, union } = await wholeAndUnion(s, new Networks(), 2);
      assert.ok(whole.length > 10, `only ${whole.length} findings`);
      assert.deepEqual(union, whole);
    } finally {
      await s.close();
    }
  });
}
