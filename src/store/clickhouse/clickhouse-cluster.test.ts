/**
 * The ClickHouse store on the two-shard cluster (C2HUNT_CLICKHOUSE_CLUSTER_URL): the whole store
 * contract, where rows land, and the faults the issue names: a shard stopped in the middle of an
 * ingest and started again (scripts/clickhouse.sh), and a kill -9 of an ingesting process. The
 * shard is stopped only here, and these tests run one after the other in this file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { storeContract, ingestRecords } from '../contract.js';
import { ingestPaths, type IngestTap } from '../ingest.js';
import type { IngestBatch } from '../store.js';
import { DirectoryWriter } from '../../records/writers.js';
import { T0, conn } from '../testing/fixture.js';
import { sql } from './sql.js';
import { ClickHouseHttp } from './http.js';
import { openClickHouseStore, type ClickHouseStore } from './clickhouse-store.js';
import { assertUp, freshStore, locationFor, testServer, CLUSTER_ENV } from './testing.js';

const cluster = await testServer(CLUSTER_ENV);
const skip = cluster.skip;
/** The script that starts and stops the test servers (run from the repository root). */
const SCRIPT = resolve(process.cwd(), 'scripts/clickhouse.sh');
const noScript = !existsSync(SCRIPT) && `${SCRIPT} not found (run the tests from the repository root)`;
/** Connections in the fault tests' Zeek conn log. */
const FLOWS = 60_000;
/** Internal hosts the connections come from (spread over both shards). */
const HOSTS = 300;

if (skip) test('ClickHouse cluster', { skip }, () => undefined);
else storeContract('clickhouse (two-shard cluster)', () => freshStore(cluster));

/** Rows of a shard-local table on each shard, and those placed against `halfMD5(orig_h) % 2`. */
async function placement(s: ClickHouseStore, table: string): Promise<{ rows: number; misplaced: number }[]> {
  const out: { rows: number; misplaced: number }[] = [];
  for (const shard of s.topology.shards) {
    const r = await s.client.select<{ n: number; bad: number }>(shard.endpoint, 'test',
      sql`SELECT count() AS n, countIf(halfMD5(orig_h) % 2 != ${shard.index}) AS bad FROM ${s.localTable(table)}`);
    out.push({ rows: r[0]!.n, misplaced: r[0]!.bad });
  }
  return out;
}

test('rows are placed on the shard of halfMD5(originator), as the Distributed table would place them', { skip }, async () => {
  const s = await freshStore(cluster);
  try {
    assert.equal(s.topology.shards.length, 2);
    const recs = Array.from({ length: 2000 }, (_, i) => conn({ ts: T0 + i, orig_h: `10.0.${i % 40}.1`, resp_h: '203.0.113.1', resp_p: 443 }));
    await ingestRecords(s, 'spread', { conn: recs });
    const p = await placement(s, 'conn');
    assert.ok(p.every((x) => x.rows > 0), JSON.stringify(p));
    assert.deepEqual(p.map((x) => x.misplaced), [0, 0]);
    assert.equal(p[0]!.rows + p[1]!.rows, 2000);
  } finally {
    await s.close();
  }
});

/** A Zeek conn log of FLOWS one-connection flows from HOSTS internal hosts. */
function writeConnLog(dir: string): string {
  const w = new DirectoryWriter(dir, 'zeek', T0);
  for (let i = 0; i < FLOWS; i++) {
    w.write('conn', conn({ ts: T0 + i * 0.5, uid: `Cf${i.toString(36)}`, orig_h: `10.1.${(i % HOSTS) >> 8}.${(i % HOSTS) & 255}`, orig_p: 1024 + (i % 60000), resp_h: `198.51.${(i >> 8) & 255}.${i & 255}`, resp_p: 443, duration: 1, orig_bytes: i, resp_bytes: 2 * i }));
  }
  w.close();
  return join(dir, 'conn.log');
}

const script = (...args: string[]): string => execFileSync(SCRIPT, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('a shard stopped in the middle of an ingest and started again: the ingest waits, retries and stores every record once', { skip: skip || noScript, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-ch-shard-'));
  const s = await freshStore(cluster, { retrySeconds: 90, blockRows: 2_000 });
  let restarted: Promise<unknown> | undefined;
  try {
    const log = writeConnLog(dir);
    let seen = 0;
    // The tap sees every record as it is written: a third of the way in, shard 2 goes down
    // (killed, as a crash would; synchronously, so the reader is paused meanwhile) and comes back 3 s
    // later.
    const tap: IngestTap = {
      begin: (batch: IngestBatch) => ({
        write: (kind, rec) => {
          batch.write(kind, rec);
          if (++seen === Math.floor(FLOWS / 3)) {
            script('kill', 'shard2');
            restarted = new Promise((r) => setTimeout(r, 3000)).then(() => promisify(execFile)(SCRIPT, ['start', 'shard2']));
          }
        },
      }),
      committed: async () => undefined,
      aborted: () => undefined,
    };
    const r = await ingestPaths(s, [log], { tap });
    await restarted;
    assert.ok(restarted !== undefined, 'the shard was stopped');
    assert.equal(r.failed, 0, JSON.stringify(r.files.map((f) => f.reason)));
    assert.equal(r.records.conn, FLOWS);
    assert.equal((await s.counts()).conn, FLOWS);
    const u = await s.rows(sql`SELECT count() AS n, uniqExact(uid) AS u, sum(orig_bytes) AS b FROM conn`);
    assert.deepEqual([u[0]!.n, u[0]!.u, u[0]!.b], [FLOWS, FLOWS, (FLOWS * (FLOWS - 1)) / 2], 'every row once, physically');
    assert.ok((await placement(s, 'conn')).every((x) => x.rows > 0 && x.misplaced === 0));
  } finally {
    await restarted?.catch(() => undefined);
    script('start', 'shard2');
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Child that ingests into a store and reports progress as JSON lines (src/store/testing/ingest-child.ts). */
const CHILD = fileURLToPath(new URL('../testing/ingest-child.js', import.meta.url));

test('kill -9 in the middle of an ingest into the cluster leaves nothing visible; running again stores everything once', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-ch-kill-'));
  const s = await freshStore(cluster);
  try {
    const log = writeConnLog(dir);
    const loc = locationFor(cluster.base!, s.database);
    const child = spawn(process.execPath, [CHILD, loc, log], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', killedAt = -1;
    child.stderr.on('data', (d: Buffer) => { err += String(d); });
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      for (const line of out.split('\n').slice(0, -1)) {
        const m = JSON.parse(line) as { records?: number; phase?: string };
        if (killedAt < 0 && m.phase === 'read' && (m.records ?? 0) >= FLOWS / 2) {
          killedAt = m.records!;
          child.kill('SIGKILL');
        }
      }
      out = out.slice(out.lastIndexOf('\n') + 1);
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((res) => child.on('exit', (c, sg) => res([c, sg])));
    assert.equal(signal, 'SIGKILL', `the child was killed mid-ingest (exit ${code}, stderr: ${err})`);

    assert.deepEqual(await s.counts(), { conn: 0, dns: 0, tls: 0, http: 0, mining: 0, ssh: 0, weird: 0 }, 'nothing of the killed ingest is visible');
    assert.deepEqual(await s.ingests(), []);
    const physical = async (): Promise<number> => Number((await s.rows(sql`SELECT count() AS n FROM conn`))[0]!.n);
    const left = await physical();
    const again = await ingestPaths(s, [log]);
    assert.equal(again.ingested, 1);
    assert.equal((await s.counts()).conn, FLOWS);
    assert.equal(Number((await s.rows(sql`SELECT uniqExact(uid) AS u FROM conn WHERE ingest_id GLOBAL IN (SELECT id FROM ingests)`))[0]!.u), FLOWS);
    assert.equal((await ingestPaths(s, [log])).already_ingested, 1);

    // The killed ingest's rows (if any reached the servers) are deleted once it counts as dead.
    const cleaned = await s.cleanupOrphans(0);
    assert.equal(cleaned.length, 1);
    for (const shard of s.topology.shards) await s.waitMutations(shard.endpoint, 'conn');
    assert.equal(await physical(), FLOWS, `${left} rows of the killed ingest were left, none after clean-up`);
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cluster whose shard does not answer cannot be opened, and says which server', { skip }, async () => {
  assertUp(cluster);
  const base = new URL(cluster.base!.replace(/^http/, 'clickhouse'));
  const loc = `clickhouse://${base.host}/c2hunt_unreachable?cluster=${base.searchParams.get('cluster')}&shards=${base.host},127.0.0.1:1&retry=1`;
  await assert.rejects(openClickHouseStore(loc), /^StoreError: Cannot open store clickhouse:\/\/.*: connection refused \(server 127\.0\.0\.1:1\) \(is clickhouse-server running\?/);
  const client = new ClickHouseHttp();
  await client.exec({ origin: `http://${base.host}`, label: base.host }, 'drop the test database', 'DROP DATABASE IF EXISTS c2hunt_unreachable');
  client.close();
});
