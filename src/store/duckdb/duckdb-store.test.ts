import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { storeContract, ingestRecords } from '../contract.js';
import { StoreError } from '../store.js';
import { openDuckDBStore } from './duckdb-store.js';
import { MIGRATIONS, SCHEMA_VERSION, SCHEMA_VERSION_DDL } from './migrations.js';
import { ChunkAppender, INLINE_STRING_MAX } from './chunk-appender.js';
import { conn, T0 } from '../testing/fixture.js';

storeContract('duckdb', () => openDuckDBStore(':memory:'));

/** The checked-in snapshot, found from the repository root (tests run from there) or from dist/. */
const SNAPSHOT = resolve(process.cwd(), 'src/store/duckdb/schema.snapshot.sql');

test('schema snapshot: the live DDL equals schema.snapshot.sql (C2HUNT_UPDATE_SNAPSHOTS=1 rewrites it)', { skip: !existsSync(SNAPSHOT) && !process.env.C2HUNT_UPDATE_SNAPSHOTS && 'snapshot not found (run the tests from the repository root)' }, async () => {
  const s = await openDuckDBStore(':memory:');
  try {
    const ddl = await s.schemaDdl();
    if (process.env.C2HUNT_UPDATE_SNAPSHOTS) writeFileSync(SNAPSHOT, ddl);
    assert.equal(ddl, readFileSync(SNAPSHOT, 'utf8'), 'the schema changed: review it, then update the snapshot with C2HUNT_UPDATE_SNAPSHOTS=1');
  } finally {
    await s.close();
  }
});

test('migrations: versions are 1..n without gaps; a file store is migrated once and keeps its data', async () => {
  assert.deepEqual(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1));
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-store-'));
  try {
    const path = join(dir, 'm.duckdb');
    let s = await openDuckDBStore(path);
    assert.equal(await s.schemaVersion(), SCHEMA_VERSION);
    await ingestRecords(s, 'one', { conn: [conn({ ts: T0, orig_h: '10.0.0.1', resp_h: '10.0.0.2', resp_p: 80 })] });
    await s.close();
    s = await openDuckDBStore(path);
    assert.equal((await s.counts()).conn, 1);
    await s.close();
    const ro = await openDuckDBStore(path, { readOnly: true });
    assert.equal((await ro.counts()).conn, 1);
    await ro.close();

    // A store from a newer c2hunt is refused, not damaged.
    const inst = await DuckDBInstance.create(path);
    const c = await inst.connect();
    await c.run(`INSERT INTO schema_version VALUES (${SCHEMA_VERSION + 1}, 'future', 0)`);
    c.closeSync();
    inst.closeSync();
    await assert.rejects(openDuckDBStore(path), (e: unknown) => e instanceof StoreError && e.code === 'STORE_SCHEMA_NEWER');
    await assert.rejects(openDuckDBStore(path, { readOnly: true }), (e: unknown) => e instanceof StoreError && e.code === 'STORE_SCHEMA_NEWER');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('migration 2: a version-1 store is upgraded with its connections kept, uid and community_id uncompressed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-store-'));
  try {
    const path = join(dir, 'v1.duckdb');
    // A store as c2hunt wrote it before migration 2 existed.
    const inst = await DuckDBInstance.create(path);
    const c = await inst.connect();
    await c.run(SCHEMA_VERSION_DDL);
    for (const st of MIGRATIONS[0]!.statements) await c.run(st);
    await c.run(`INSERT INTO schema_version VALUES (1, 'v1', 0)`);
    await c.run(`INSERT INTO conn (ts, uid, orig_h, orig_p, resp_h, resp_p, community_id, proto, ingest_id) SELECT ${T0} + i, 'C' || i, '10.0.0.1', 40000, '10.0.0.2', 443, '1:x' || i, 'tcp', 1 FROM range(3000) t(i)`);
    c.closeSync();
    inst.closeSync();
    const s = await openDuckDBStore(path);
    assert.equal(await s.schemaVersion(), SCHEMA_VERSION);
    assert.equal((await s.counts()).conn, 3000);
    await s.close();
    const check = await DuckDBInstance.create(path);
    const k = await check.connect();
    const comp = (await k.runAndReadAll(`SELECT DISTINCT column_name, compression FROM pragma_storage_info('conn') WHERE column_name IN ('uid', 'community_id', 'orig_h') AND segment_type = 'VARCHAR' ORDER BY 1`)).getRowObjects();
    k.closeSync();
    check.closeSync();
    const of = (col: string) => comp.filter((r) => r.column_name === col).map((r) => String(r.compression));
    assert.deepEqual(of('uid'), ['Uncompressed']);
    assert.deepEqual(of('community_id'), ['Uncompressed']);
    assert.ok(of('orig_h').length > 0 && !of('orig_h').includes('Uncompressed'), `orig_h keeps compression: ${of('orig_h').join(',')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged or foreign file gives a clean STORE_OPEN error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-store-'));
  try {
    const path = join(dir, 'bad.duckdb');
    writeFileSync(path, 'this is not a database'.repeat(1000));
    await assert.rejects(openDuckDBStore(path), (e: unknown) => e instanceof StoreError && e.code === 'STORE_OPEN' && /^Cannot open store/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the appender refuses a record layout that does not match the table', async () => {
  const inst = await DuckDBInstance.create(':memory:');
  const c = await inst.connect();
  try {
    await c.run('CREATE TABLE t (a VARCHAR, b DOUBLE)');
    await assert.rejects(ChunkAppender.create<{ a: string }>(c, 't', [{ name: 'a', type: 'VARCHAR', get: (r) => r.a }]), /2 columns/);
    await assert.rejects(ChunkAppender.create<{ a: string }>(c, 't', [{ name: 'a', type: 'VARCHAR', get: (r) => r.a }, { name: 'b', type: 'BIGINT', get: () => 1 }]), /column b is DOUBLE/);
  } finally {
    c.closeSync();
    inst.closeSync();
  }
});

test('inline and out-of-line strings, NULLs after non-NULL chunks, BIGINT halves, lists', async () => {
  const inst = await DuckDBInstance.create(':memory:');
  const c = await inst.connect();
  try {
    await c.run('CREATE TABLE t (s VARCHAR, n BIGINT, l VARCHAR[], d DOUBLE[])');
    type R = { s?: string; n?: number; l?: string[]; d?: number[] };
    const a = await ChunkAppender.create<R>(c, 't', [
      { name: 's', type: 'VARCHAR', get: (r) => r.s }, { name: 'n', type: 'BIGINT', get: (r) => r.n },
      { name: 'l', type: 'VARCHAR[]', get: (r) => r.l }, { name: 'd', type: 'DOUBLE[]', get: (r) => r.d },
    ]);
    const rows: R[] = [];
    for (let i = 0; i < 7000; i++) {
      const len = i % 40;
      const r: R = {};
      // Rows 2048..4095 (the second chunk) have no NULL at all: validity must be reset.
      if (i < 2048 || i >= 4096 ? i % 3 !== 0 : true) r.s = (i % 5 === 0 ? 'ü' : 'x').repeat(len) + String(i);
      if (i % 4 !== 1) r.n = i % 2 ? -(2 ** 40) - i : 2 ** 52 + i;
      if (i % 6 !== 2) r.l = Array.from({ length: i % 4 }, (_, k) => 'v'.repeat(k * 7) + k);
      if (i % 5 !== 3) r.d = Array.from({ length: i % 3 }, (_, k) => k / 3);
      rows.push(r);
      a.push(r);
    }
    a.close();
    const back = (await c.runAndReadAll('SELECT s, CAST(n AS DOUBLE) AS n, l, d FROM t')).getRowObjectsJS();
    assert.equal(back.length, rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!, b = back[i]!;
      assert.deepEqual([b.s, b.n, b.l, b.d], [r.s ?? null, r.n ?? null, r.l ?? null, r.d ?? null], `row ${i}`);
    }
    const inline = (await c.runAndReadAll(`SELECT count(*) AS n FROM t WHERE length(s) <= ${INLINE_STRING_MAX} AND s = lower(s)`)).getRowObjectsJS()[0]!;
    assert.ok(Number(inline.n) > 0);
  } finally {
    c.closeSync();
    inst.closeSync();
  }
});

test('connections read back as records and as column-backed rows: BIGINT counters beyond 32 bits, negative, NULL vlan, several chunks', async () => {
  const s = await openDuckDBStore(':memory:');
  try {
    const conns = Array.from({ length: 5000 }, (_, i) => {
      const c = conn({ ts: T0 + i / 10, orig_h: `10.0.${i % 3}.${i % 200}`, resp_h: `198.51.100.${i % 77}`, resp_p: 443, uid: `Cbig${i}` });
      c.orig_bytes = 2 ** 52 + i;
      c.resp_bytes = -(2 ** 40) - i;
      c.missed_bytes = i % 2 ? 2 ** 33 : 0;
      if (i % 7 === 0) c.vlan = i % 4096;
      return c;
    });
    await ingestRecords(s, 'big', { conn: conns });
    const records = await s.records('conn');
    assert.deepEqual(records, conns);
    const rows = (await s.connRows())!;
    assert.deepEqual(Array.from({ length: rows.n }, (_, i) => rows.record(i)), conns);
  } finally {
    await s.close();
  }
});
