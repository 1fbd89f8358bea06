/**
 * The ClickHouse store on a single node (C2HUNT_CLICKHOUSE_URL): the whole store contract, the
 * schema snapshot, behaviour beyond the contract compared with the DuckDB backend, lost answers
 * and vanished servers (through a TCP proxy the test controls), and one capture analysed by both
 * backends. The cluster has its own file (clickhouse-cluster.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { storeContract, ingestRecords } from '../contract.js';
import { StoreError, type Store } from '../store.js';
import { openStore } from '../index.js';
import { openDuckDBStore } from '../duckdb/duckdb-store.js';
import { TABLE_FIELDS } from '../duckdb/tables.js';
import { T0, conn, fakeSha, tls } from '../testing/fixture.js';
import type { HttpRecord, RecordKind } from '../../records/schema.js';
import { analyzePaths } from '../../analyze.js';
import { simulate } from '../../sim/index.js';
import { openClickHouseStore, type ClickHouseStore } from './clickhouse-store.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { RAW_COLUMNS, chType, microsBound } from './tables.js';
import { literal, sql } from './sql.js';
import { halfMD5Mod, parseLocation } from './topology.js';
import { assertUp, freshDatabase, freshStore, locationFor, testServer, SINGLE_ENV, TEST_RETRY_SECONDS } from './testing.js';

const single = await testServer(SINGLE_ENV);
const skip = single.skip;

// -- without a server ---------------------------------------------------------------------------

test('literals: strings escaped by ClickHouse rules, numbers checked, lists', () => {
  assert.equal(literal("a'b\\c"), "'a\\'b\\\\c'");
  assert.equal(literal("x';DROP TABLE conn;--"), "'x\\';DROP TABLE conn;--'");
  assert.equal(literal(null), 'NULL');
  assert.equal(literal(1.5e-7), '1.5e-7');
  assert.equal(literal(['a', "b'"]), "['a', 'b\\'']");
  assert.throws(() => literal(Number.NaN), /not a finite number/);
  assert.equal(sql`SELECT ${"'"} AS x`.text, "SELECT '\\'' AS x");
});

test('location: scheme, defaults, options, credentials never shown', () => {
  const l = parseLocation('clickhouse://c2hunt:s3cr%40t@ch1:8123/site?cluster=c2hunt');
  assert.equal(l.label, 'clickhouse://ch1:8123/site?cluster=c2hunt');
  assert.equal(l.database, 'site');
  assert.equal(l.cluster, 'c2hunt');
  assert.equal(l.endpoint.auth, `Basic ${Buffer.from('c2hunt:s3cr@t').toString('base64')}`);
  assert.equal(parseLocation('clickhouses://h').endpoint.origin, 'https://h:8443');
  assert.equal(parseLocation('clickhouse://h').database, 'c2hunt');
  for (const bad of ['clickhouse://h/bad-name', 'clickhouse://u:pw@h/db?cluster=x;y', 'clickhouse://u:pw@h/db?nope=1', 'clickhouse://u:pw@h/db?retry=x']) {
    assert.throws(() => parseLocation(bad), (e: unknown) => e instanceof StoreError && e.code === 'STORE_OPEN' && !e.message.includes('pw'), bad);
  }
});

test('microsecond bounds select exactly the float times of a window', () => {
  for (const x of [T0, T0 + 0.000_001, T0 + 1150.5, T0 + 1 / 3, -1.5, 0]) {
    const u = microsBound(x);
    assert.ok(u / 1e6 >= x && (u - 1) / 1e6 < x, String(x));
  }
});

test('the tables hold every record field the DuckDB backend stores, and the DDL declares them', () => {
  const ddl = new Map(MIGRATIONS[0]!.tables.map((t) => [t.name, t.columns]));
  for (const kind of Object.keys(TABLE_FIELDS) as RecordKind[]) {
    const ours = RAW_COLUMNS[kind].filter((c) => c.field !== '').map((c) => c.field);
    assert.deepEqual(ours, TABLE_FIELDS[kind].map((c) => c.field), kind);
    const declared = ddl.get(kind)!.trim().split('\n').map((l) => l.trim().replace(/,$/, ''));
    assert.deepEqual(declared, ['day Date', ...RAW_COLUMNS[kind].map((c) => `${c.name} ${chType(c)}`), 'ingest_id UInt64', 'blk UInt32'], kind);
  }
});

test('shards: halfMD5 placement as ClickHouse computes it', () => {
  // halfMD5('10.0.0.1') = 1805292176388680295 (asked of ClickHouse 18.16).
  assert.equal(halfMD5Mod('10.0.0.1', 2), Number(1805292176388680295n % 2n));
  assert.equal(halfMD5Mod('10.0.0.1', 7), Number(1805292176388680295n % 7n));
});

test('an unreachable server: a clear STORE_OPEN error naming it, quickly', async () => {
  const t0 = Date.now();
  await assert.rejects(openStore('clickhouse://u:secret@127.0.0.1:1/db?retry=1'), (e: unknown) => {
    assert.ok(e instanceof StoreError && e.code === 'STORE_OPEN', String(e));
    assert.equal(e.message, 'Cannot open store clickhouse://127.0.0.1:1/db: connection refused (is clickhouse-server running? scripts/clickhouse.sh start)');
    return true;
  });
  assert.ok(Date.now() - t0 < 5000, `${Date.now() - t0} ms`);
});

// -- on the server ------------------------------------------------------------------------------

if (skip) test('ClickHouse single node', { skip }, () => undefined);
else storeContract('clickhouse (single node)', () => freshStore(single));

test('wrong credentials: STORE_OPEN "authentication failed", the password not shown', { skip }, async () => {
  assertUp(single);
  const u = new URL(locationFor(single.base!, freshDatabase()));
  u.username = 'default';
  u.password = 'Sekr3tPw';
  await assert.rejects(openStore(u.toString()), (e: unknown) => {
    assert.ok(e instanceof StoreError && e.code === 'STORE_OPEN', String(e));
    assert.match(e.message, /^Cannot open store clickhouse:\/\/[^@]+: authentication failed: Code 19[23]/);
    assert.ok(!e.message.includes('Sekr3tPw'));
    return true;
  });
});

/** Run `fn` on a fresh ClickHouse store and on an in-memory DuckDB store; returns both results. */
async function onBoth<R>(fn: (s: Store) => Promise<R>): Promise<[R, R]> {
  const ch = await freshStore(single);
  const dd = await openDuckDBStore(':memory:');
  try {
    return [await fn(ch), await fn(dd)];
  } finally {
    await ch.close();
    await dd.close();
  }
}

test('same as DuckDB: open_ssl/open_http rows repeated by the ssl/http log are kept once; interim records ended in or before the same file', { skip }, async () => {
  const [ch, dd] = await onBoth(async (s) => {
    const h = (ts: number, depth: number, status?: number): HttpRecord => ({ ts, uid: 'Chttp1', orig_h: '10.0.0.5', orig_p: 5000, resp_h: '203.0.113.5', resp_p: 80, trans_depth: depth, method: 'GET', uri: '/x', request_body_len: 0, response_body_len: 0, ...(status ? { status_code: status } : {}) });
    const ingest = async (label: string, recs: Parameters<typeof ingestRecords>[2], dedupe?: ('tls' | 'http')[]): Promise<void> => {
      const b = await s.beginIngest({ sha256: fakeSha(label), path: label, bytes: 1, format: 'test' });
      for (const [kind, list] of Object.entries(recs) as [RecordKind, never[]][]) for (const r of list) b.write(kind, r);
      await b.commit(dedupe ? { dedupe } : {});
    };
    const t1 = tls({ ts: T0, uid: 'Ctls1', orig_h: '10.0.0.5', resp_h: '203.0.113.5' });
    await ingest('open_ssl', { tls: [t1], http: [h(T0, 1), h(T0 + 1, 2)] });
    await ingest('ssl', { tls: [{ ...t1, server_name: 'late.example' }, tls({ ts: T0 + 5, uid: 'Ctls2', orig_h: '10.0.0.5', resp_h: '203.0.113.5' })], http: [h(T0, 1, 200)] }, ['tls', 'http']);
    const base = { orig_h: '10.0.0.7', resp_h: '203.0.113.9', resp_p: 443 };
    // Final before interim in one file; a later file's interim record of a connection already ended.
    await ingest('conn1', { conn: [conn({ ...base, ts: T0, uid: 'Cx', duration: 50 }), conn({ ...base, ts: T0, uid: 'Cx', duration: 10, interim: true }), conn({ ...base, ts: T0 + 9, uid: 'Cy', duration: 5, interim: true })] });
    await ingest('conn2', { conn: [conn({ ...base, ts: T0, uid: 'Cx', duration: 60, interim: true }), conn({ ...base, ts: T0 + 9, uid: 'Cy', duration: 7 })] });
    return {
      tls: (await s.records('tls')).map((t) => [t.uid, t.server_name]),
      http: (await s.records('http')).map((r) => [r.trans_depth, r.status_code]),
      conn: (await s.records('conn')).map((c) => [c.uid, c.duration, c.interim]),
      counts: await s.counts(),
      ingests: (await s.ingests()).map((e) => [e.path, e.records]),
    };
  });
  assert.deepEqual(ch, dd);
  assert.deepEqual(ch.tls, [['Ctls1', 'late.example'], ['Ctls2', undefined]]);
  assert.deepEqual(ch.conn, [['Cx', 50, undefined], ['Cy', 7, undefined]]);
});

test('schema snapshot: the live DDL equals schema.snapshot.sql (C2HUNT_UPDATE_SNAPSHOTS=1 rewrites it)', { skip }, async () => {
  const path = resolve(process.cwd(), 'src/store/clickhouse/schema.snapshot.sql');
  const s = await freshStore(single);
  try {
    const ddl = await s.schemaDdl();
    if (process.env.C2HUNT_UPDATE_SNAPSHOTS) writeFileSync(path, ddl);
    assert.ok(existsSync(path), 'snapshot missing (run the tests from the repository root)');
    assert.equal(ddl, readFileSync(path, 'utf8'), 'the schema changed: review it, then update the snapshot with C2HUNT_UPDATE_SNAPSHOTS=1');
    assert.equal(await s.schemaVersion(), SCHEMA_VERSION);
  } finally {
    await s.close();
  }
});

test('migrations: an existing database is opened without change; a newer schema is refused; read-only needs the schema', { skip }, async () => {
  assertUp(single);
  const db = freshDatabase();
  const loc = locationFor(single.base!, db);
  await assert.rejects(openClickHouseStore(loc, { readOnly: true, retrySeconds: TEST_RETRY_SECONDS }), (e: unknown) => e instanceof StoreError && e.code === 'STORE_OPEN');
  const s = await openClickHouseStore(loc, { retrySeconds: TEST_RETRY_SECONDS });
  try {
    await ingestRecords(s, 'one', { conn: [conn({ ts: T0, orig_h: '10.0.0.1', resp_h: '10.0.0.2', resp_p: 80 })] });
    const again = await openClickHouseStore(loc, { readOnly: true });
    assert.equal((await again.counts()).conn, 1);
    await again.close();
    await s.client.exec(s.endpoint, 'test', `INSERT INTO \`${db}\`.schema_version VALUES (${SCHEMA_VERSION + 1}, 'future', 0)`);
    await assert.rejects(openClickHouseStore(loc), (e: unknown) => e instanceof StoreError && e.code === 'STORE_SCHEMA_NEWER');
  } finally {
    await s.dropDatabase();
    await s.close();
  }
});

test('orphans: rows of an ingest that never committed stay invisible and clean-up deletes them', { skip }, async () => {
  const s = await freshStore(single, { blockRows: 1000 });
  try {
    const b = await s.beginIngest({ sha256: fakeSha('crashed'), path: 'crashed', bytes: 1, format: 'test' });
    for (let i = 0; i < 5000; i++) b.write('conn', conn({ ts: T0 + i, orig_h: '10.0.0.1', resp_h: '10.9.0.1', resp_p: 80 }));
    // Wait until the full blocks are stored, then leave the ingest open, as a crash would.
    const physical = async (): Promise<number> => Number((await s.rows(sql`SELECT count() AS n FROM conn`))[0]!.n);
    for (let i = 0; i < 100 && await physical() < 5000; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await physical(), 5000);
    assert.equal((await s.counts()).conn, 0);
    assert.deepEqual(await s.cleanupOrphans(), [], 'an ingest alive is not an orphan');
    assert.deepEqual(await s.cleanupOrphans(0), [b.id]);
    await s.waitMutations(s.endpoint, 'conn');
    assert.equal(await physical(), 0);
    await b.abort();
  } finally {
    await s.close();
  }
});

/**
 * A TCP proxy in front of the server: `dropInsertAnswers` loses the answers of that many INSERTs
 * (after the server stored them); `close()` makes the server vanish.
 */
async function proxy(target: number): Promise<{ port: number; dropInsertAnswers: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  let open = true;
  const p = { port: 0, dropInsertAnswers: 0, close: () => { if (open) server.close(); open = false; for (const s of sockets) s.destroy(); } };
  const server = net.createServer((client) => {
    const up = net.connect(target, '127.0.0.1');
    sockets.add(client).add(up);
    let insert = false;
    client.on('data', (d: Buffer) => {
      if (d.includes('POST /?')) insert = d.includes('query=INSERT');
      up.write(d);
    });
    up.on('data', (d: Buffer) => {
      if (insert && p.dropInsertAnswers > 0) {
        p.dropInsertAnswers--;
        client.destroy();
        up.destroy();
        return;
      }
      client.write(d);
    });
    const end = (): void => { client.destroy(); up.destroy(); };
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  p.port = (server.address() as net.AddressInfo).port;
  return p;
}

test('a lost INSERT answer is found out and not sent twice; a vanished server ends the ingest with a clear error, no hang', { skip }, async () => {
  assertUp(single);
  const target = Number(new URL(single.base!).port);
  const px = await proxy(target);
  const db = freshDatabase();
  let s: ClickHouseStore | undefined;
  try {
    s = await openClickHouseStore(`clickhouse://127.0.0.1:${px.port}/${db}`, { retrySeconds: 2, blockRows: 2000 });
    px.dropInsertAnswers = 3;
    const recs = Array.from({ length: 10_000 }, (_, i) => conn({ ts: T0 + i, uid: `Cp${i}`, orig_h: '10.0.0.1', resp_h: `10.9.${i >> 8}.${i & 255}`, resp_p: 80 }));
    await ingestRecords(s, 'lossy', { conn: recs });
    assert.equal(px.dropInsertAnswers, 0, 'answers were dropped');
    assert.deepEqual(await s.counts(), { conn: 10_000, dns: 0, tls: 0, http: 0, mining: 0, ssh: 0, weird: 0 });
    assert.equal(Number((await s.rows(sql`SELECT count() AS n FROM conn`))[0]!.n), 10_000, 'no duplicate rows stored');

    const b = await s.beginIngest({ sha256: fakeSha('vanish'), path: 'vanish.log', bytes: 1, format: 'test' });
    for (const r of recs) b.write('conn', { ...r, uid: `${r.uid}v` });
    px.close();
    const t0 = Date.now();
    await assert.rejects(b.commit(), (e: unknown) => {
      assert.ok(e instanceof StoreError && e.code === 'STORE_OPEN', String(e));
      assert.match(e.message, new RegExp(`^Cannot store records of vanish\\.log: 127\\.0\\.0\\.1:${px.port}: connection (refused|reset), still after [\\d.]+ s of retries \\(is clickhouse-server running\\?`));
      return true;
    });
    assert.ok(Date.now() - t0 < 15_000, `gave up after ${Date.now() - t0} ms`);
  } finally {
    px.close();
    await s?.close();
    const cleanup = await openClickHouseStore(locationFor(single.base!, db));
    await cleanup.dropDatabase();
    await cleanup.close();
  }
});

test('end to end: a simulated capture analysed with DuckDB and with ClickHouse gives the same findings', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-ch-e2e-'));
  try {
    const pcap = join(dir, 'mixed.pcap');
    await simulate({ scenario: 'mixed', hosts: 12, durationSec: 3 * 3600, seed: 7 }, pcap);
    const [ch, dd] = await onBoth(async (s) => {
      const r = await analyzePaths(s, [pcap]);
      await s.saveFindings(r.findings);
      return {
        ingest: r.ingest?.records,
        findings: r.findings.map((f) => ({ ...f, lookback: f.lookback })),
        stored: (await s.findings({ limit: 1000 })).map((f) => [f.id, f.score, f.first, f.last]),
      };
    });
    assert.ok(dd.findings.length > 5, `DuckDB found ${dd.findings.length}`);
    assert.deepEqual(ch.ingest, dd.ingest);
    assert.deepEqual(ch.findings, dd.findings);
    assert.deepEqual(ch.stored, dd.stored);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

export type { ClickHouseStore };
