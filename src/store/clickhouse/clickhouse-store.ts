/**
 * The scale-out store: ClickHouse, a single node or a cluster of shards. Implements {@link Store}
 * with the DuckDB backend's semantics (the contract tests run on both).
 *
 * Location: `clickhouse://user:pass@host:8123/db?cluster=NAME` (`clickhouses://` for HTTPS; see
 * topology.ts for every option). The database is created when missing; `location` is shown
 * without credentials. The SQL is long-stable ClickHouse (runs on Debian's 18.16 and on current
 * releases): MergeTree with `PARTITION BY`, Distributed, Nullable, arrays, `LIMIT n BY`,
 * `GLOBAL IN`, ALTER ... DELETE / DROP PARTITION. No TTL, no LowCardinality, no query parameters.
 *
 * Design:
 * - Talks HTTP (http.ts): one POST per statement, keep-alive, no client library. Inserts and
 *   record reads in RowBinary (measured: the cheapest to write and to read in Node, and no
 *   escaping), other answers in JSONEachRow. Values reach SQL only through the one escaping
 *   function of sql.ts (18.16 has no query parameters); identifiers are constants. Credentials
 *   travel in an Authorization header and never appear in `location` or messages.
 * - Times are Int64 microseconds plus a `day` Date column that partitions the raw tables;
 *   addresses are strings (tables.ts, migrations.ts).
 * - Atomic visibility without transactions: every raw row carries `ingest_id`, a random 53-bit
 *   integer (many sensors ingest into one cluster without coordinating ids); the `ingests` row
 *   written after every block is acknowledged is the commit. Reads see only rows of visible
 *   ingests: `ingest_id GLOBAL IN (SELECT argMin(id, (finished, id)) FROM ingests GROUP BY sha256)`,
 *   one ingest per file content, the first to commit, so even two sensors committing the same
 *   file concurrently show it once. Rows of an open, aborted or crashed ingest are never visible;
 *   running an ingest again after a crash adds no duplicates and leaves no gaps.
 * - Clean-up: abort deletes its rows at once (ALTER ... DELETE); rows of ingests that crashed
 *   (no heartbeat in `ingest_log` for {@link DEFAULT_ORPHAN_AGE_SECONDS}) are deleted on a later
 *   open or ingest. They are invisible meanwhile, so clean-up only frees space.
 * - Inserts (ingest-batch.ts): blocks of up to {@link DEFAULT_BLOCK_ROWS} rows per table, shard
 *   and day, each sent straight to its shard's local table (shard = `halfMD5(orig_h)` as the
 *   Distributed table computes it, shard list from `system.clusters`), so one INSERT is one part
 *   on one server: atomic. A failed INSERT is retried with exponential backoff for a bounded time;
 *   before sending it again the store counts the block's rows on its shard (`ingest_id`, `blk`)
 *   and removes a partial block, so a lost answer never duplicates rows.
 * - Cluster (`?cluster=NAME`): `<table>_local` MergeTree tables on every shard plus Distributed
 *   tables under the user-facing names; the store runs the DDL on each shard itself (ON CLUSTER
 *   needs ZooKeeper). Small tables (ingests, findings, pdns, superseded) are sharded like the rest,
 *   by a hash of their key, and read through their Distributed tables from any server.
 * - Interim connection records go to `conn_open`; reads keep the longest per uid
 *   (`LIMIT 1 BY uid`) and hide those whose final record arrived (`superseded`, kind conn: an
 *   ingest learns which connections are open when it begins, so a final record ingested
 *   concurrently with its interim record by another sensor may leave both visible). TLS
 *   and HTTP rows repeated by a later log (open_ssl then ssl) are hidden the same way
 *   (`superseded` by ingest, uid, ts). Findings are replaced by id at read time (the latest
 *   version, `LIMIT 1 BY id`; first/last widened when saving). Passive DNS rows are added up at
 *   read time, so passive DNS survives retention and grows by one row per (name, address, file).
 * - Retention: 18.16 has no TTL, so `retain` drops whole day partitions older than the cutoff
 *   and deletes the rest of the cutoff day with ALTER ... DELETE, waiting for the mutation.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { RECORD_KINDS, type ConnRecord, type RecordKind, type RecordMap } from '../../records/schema.js';
import { rankFindings, type Finding } from '../../detect/finding.js';
import type { PdnsEntry } from '../../detect/dataset.js';
import {
  DEFAULT_QUERY_LIMIT, GROUP_LIST_MAX, StoreError, emptyCounts,
  type ConnFilter, type ConnGroup, type ConnPair, type DnsGroup, type IngestBatch, type IngestEntry,
  type IngestSource, type QueryOptions, type RecordsOptions, type RecordCounts, type RetentionResult, type Store, type TimeWindow, type TlsGroup,
} from '../store.js';
import { normalizeName } from '../pdns.js';
import { ClickHouseError, ClickHouseHttp, DEFAULT_RETRY_SECONDS, DOWN_HINT, UnavailableError, type Endpoint } from './http.js';
import { DAY_TABLES, INGEST_TABLES, MIGRATIONS, SCHEMA_VERSION, schemaVersionDdl, tableDdl } from './migrations.js';
import { RowBinaryWriter } from './row-binary.js';
import { ident, join, raw, sql, type Sql } from './sql.js';
import { T, connBlockReader, connRowReader, jsonNumber, microsBound, readRecord, selectColumns, writeValue } from './tables.js';
import { discoverTopology, parseLocation, type ClickHouseLocation, type Shard, type Topology } from './topology.js';
import { checkPartition, type Partition } from '../../detect/partition.js';
import { ConnRowsBuilder, type ConnRows } from '../../detect/conn-rows.js';
import { ClickHouseIngest, PACE_BYTES } from './ingest-batch.js';
import { CLOSED_CONNS, IN_LIST_MAX, VIS, VISIBLE_INGESTS, visibleSource } from './visibility.js';
import { rowToFinding, rowToIngestEntry, strList, type Row } from '../rows.js';

/** Rows per INSERT block (per table, shard and day). */
export const DEFAULT_BLOCK_ROWS = 100_000;
/** An ingest with no heartbeat for this long is dead and its rows are deleted: seconds. */
export const DEFAULT_ORPHAN_AGE_SECONDS = 3600;
/** Seconds between orphan clean-ups run by one store object (at open, then before ingests). */
export const CLEANUP_INTERVAL_SECONDS = 600;
/** Retry budget when opening a store: seconds (a missing server is reported quickly). */
export const OPEN_RETRY_SECONDS = 5;
/** Longest wait for a mutation (retention, clean-up) to finish: seconds. */
export const MUTATION_WAIT_SECONDS = 600;
/** Most rows any query returns, whatever limit is asked (protects memory). */
export const MAX_QUERY_LIMIT = 100_000;

/** Options of {@link openClickHouseStore}. */
export interface ClickHouseStoreOptions {
  /** Open for reading only: nothing is created or migrated (the schema must be current). */
  readOnly?: boolean;
  /** Seconds to keep retrying a request while a server is unreachable (default: the location's `retry=`, else 120). */
  retrySeconds?: number;
  /** Seconds opening waits for the server (default min(retrySeconds, {@link OPEN_RETRY_SECONDS})). */
  openRetrySeconds?: number;
  /** Connection timeout per attempt, ms. */
  connectTimeoutMs?: number;
  /** Rows per INSERT block. */
  blockRows?: number;
  /** Bytes of sealed blocks waiting for their servers above which an ingest asks its reader to wait (IngestBatch.pace). */
  paceBytes?: number;
  /** Seconds without heartbeat after which an open ingest counts as crashed. */
  orphanAgeSeconds?: number;
}


const SHA256_RE = /^[0-9a-f]{64}$/;

/** Conditions of a time window on the `ts` column (microseconds). */
function windowWhere(w: TimeWindow | undefined): Sql[] {
  const out: Sql[] = [];
  if (w?.since !== undefined) out.push(sql`ts >= ${microsBound(w.since)}`);
  if (w?.until !== undefined) out.push(sql`ts < ${microsBound(w.until)}`);
  return out;
}

function limitOf(o: { limit?: number } | undefined): number {
  const l = o?.limit ?? DEFAULT_QUERY_LIMIT;
  if (!Number.isInteger(l) || l < 1) throw new StoreError('STORE_BAD_ARGUMENT', `Cannot query: limit must be a positive integer (got ${l})`);
  return Math.min(l, MAX_QUERY_LIMIT);
}

function checkWindow(w: TimeWindow | undefined): void {
  for (const v of [w?.since, w?.until]) {
    if (v !== undefined && !Number.isFinite(v)) throw new StoreError('STORE_BAD_ARGUMENT', `Cannot query: window bound ${v} is not a number of seconds`);
  }
}

/** The condition of a partition of the sources: `halfMD5(<column>) % count = index`, as detect/partition.ts computes it. */
function partitionWhere(p: Partition, column: string): Sql {
  return sql`halfMD5(${raw(column)}) % ${p.count} = ${p.index}`;
}

/** Conditions of a connection filter (values escaped). */
function connWhere(f: ConnFilter): Sql[] {
  const where: Sql[] = [];
  for (const col of ['orig_h', 'resp_h'] as const) {
    const v = f[col];
    if (v === undefined) continue;
    if (typeof v === 'string') where.push(sql`${raw(col)} = ${v}`);
    else where.push(v.length === 0 ? raw('0') : sql`${raw(col)} IN (${join([...v].map((x) => sql`${x}`), ', ')})`);
  }
  if (f.any_h !== undefined) where.push(sql`(orig_h = ${f.any_h} OR resp_h = ${f.any_h})`);
  if (where.length === 0) throw new StoreError('STORE_BAD_ARGUMENT', 'Cannot query connections: the filter names no address');
  return where;
}

/** `IN (...)` list of values. */
function inList(values: readonly string[]): Sql {
  return sql`(${join(values.map((v) => sql`${v}`), ', ')})`;
}

/** Split a list into chunks of at most {@link IN_LIST_MAX}. */
function chunks<V>(list: readonly V[], size = IN_LIST_MAX): V[][] {
  const out: V[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

const num = (v: unknown): number => jsonNumber(v);

const toIngestEntry = (r: Row): IngestEntry => rowToIngestEntry(r, num, 1e6);
const toFinding = (r: Row): Finding => rowToFinding(r, num, r.has_dsts === 1);

function toPdns(r: Row): PdnsEntry {
  return { fqdn: String(r.fqdn), ip: String(r.ip), first: num(r.first_seen) / 1e6, last: num(r.last_seen) / 1e6, count: num(r.count) };
}

/** Columns of the findings table as written (in table order), with their value types. */
const FINDING_COLUMNS: readonly { name: string; type: T; nullable: boolean; get: (f: Finding) => unknown }[] = [
  { name: 'id', type: T.String, nullable: false, get: (f) => f.id },
  { name: 'detector', type: T.String, nullable: false, get: (f) => f.detector },
  { name: 'kind', type: T.String, nullable: false, get: (f) => f.kind },
  { name: 'title', type: T.String, nullable: false, get: (f) => f.title },
  { name: 'src', type: T.String, nullable: false, get: (f) => f.src },
  { name: 'dst', type: T.String, nullable: true, get: (f) => f.dst },
  { name: 'dsts', type: T.Strings, nullable: false, get: (f) => f.dsts ?? [] },
  { name: 'has_dsts', type: T.UInt8, nullable: false, get: (f) => (f.dsts !== undefined ? 1 : 0) },
  { name: 'fqdn', type: T.String, nullable: true, get: (f) => f.fqdn },
  { name: 'port', type: T.Int32, nullable: true, get: (f) => f.port },
  { name: 'proto', type: T.String, nullable: true, get: (f) => f.proto },
  { name: 'first', type: T.Float64, nullable: false, get: (f) => f.first },
  { name: 'last', type: T.Float64, nullable: false, get: (f) => f.last },
  { name: 'score', type: T.Float64, nullable: false, get: (f) => f.score },
  { name: 'severity', type: T.String, nullable: false, get: (f) => f.severity },
  { name: 'evidence', type: T.String, nullable: false, get: (f) => JSON.stringify(f.evidence ?? {}) },
  { name: 'reasons', type: T.Strings, nullable: false, get: (f) => f.reasons },
  { name: 'uids', type: T.Strings, nullable: false, get: (f) => f.uids },
  { name: 'attack', type: T.Strings, nullable: false, get: (f) => f.attack },
];

/** A random ingest id: a positive 53-bit safe integer. */
export function randomIngestId(): number {
  const b = randomBytes(7);
  const hi = ((b[0]! << 16) | (b[1]! << 8) | b[2]!) & 0x1fffff;
  const lo = b.readUInt32BE(3);
  return hi * 4294967296 + lo || 1;
}

/**
 * Open (creating the database and migrating when needed) a ClickHouse store. Throws STORE_OPEN
 * with the host and the reason when a server cannot be reached or refuses the credentials.
 */
export async function openClickHouseStore(location: string, opts: ClickHouseStoreOptions = {}): Promise<ClickHouseStore> {
  const loc = parseLocation(location);
  const retrySeconds = opts.retrySeconds ?? loc.retrySeconds ?? DEFAULT_RETRY_SECONDS;
  const client = new ClickHouseHttp({ retrySeconds, ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}) });
  const openBudget = opts.openRetrySeconds ?? Math.min(retrySeconds, OPEN_RETRY_SECONDS);
  try {
    await client.select(loc.endpoint, `open store ${loc.label}`, 'SELECT version() AS v', undefined, openBudget);
    const topo = await discoverTopology(client, loc, openBudget);
    const store = new ClickHouseStore(client, loc, topo, opts);
    if (opts.readOnly) await store.checkVersion();
    else {
      await store.migrate();
      await store.cleanupOrphans().catch(() => undefined);
    }
    return store;
  } catch (e) {
    client.close();
    throw openError(loc, e);
  }
}

/** An error of opening as STORE_OPEN "Cannot open store <location>: <reason>". */
function openError(loc: ClickHouseLocation, e: unknown): Error {
  if (e instanceof UnavailableError) {
    const other = e.last.host !== loc.endpoint.label ? ` (server ${e.last.host})` : '';
    return new StoreError('STORE_OPEN', `Cannot open store ${loc.label}: ${e.last.reason}${other}${e.last.netCode !== undefined ? DOWN_HINT : ''}`);
  }
  if (e instanceof StoreError) return e;
  if (e instanceof ClickHouseError) {
    const auth = e.code === 192 || e.code === 193 || e.code === 516 ? 'authentication failed: ' : '';
    return new StoreError('STORE_OPEN', `Cannot open store ${loc.label}: ${auth}${e.reason}`);
  }
  return e instanceof Error ? e : new Error(String(e));
}

/** The ClickHouse {@link Store}. Create with {@link openClickHouseStore}. */
export class ClickHouseStore implements Store {
  readonly backend = 'clickhouse';
  readonly location: string;
  private closed = false;
  private ingestOpen = false;
  private lastCleanup = 0;
  private lastVersion = 0;
  /** How connRows reads connections: Native blocks (the default), or RowBinary rows (for comparisons). */
  rowFormat: 'Native' | 'RowBinary' = 'Native';
  /** @internal */
  /** @internal ClickHouseStoreOptions.paceBytes (default PACE_BYTES). */
  readonly paceBytes: number;
  readonly blockRows: number;
  /** @internal */
  readonly orphanAgeSeconds: number;
  /** The database, as a backquoted identifier. */
  private readonly db: Sql;

  /** @internal use {@link openClickHouseStore} */
  constructor(
    /** @internal */ readonly client: ClickHouseHttp,
    private readonly loc: ClickHouseLocation,
    /** @internal */ readonly topology: Topology,
    opts: ClickHouseStoreOptions,
  ) {
    this.location = loc.label;
    this.db = ident(loc.database);
    this.blockRows = opts.blockRows ?? DEFAULT_BLOCK_ROWS;
    this.paceBytes = opts.paceBytes ?? PACE_BYTES;
    this.orphanAgeSeconds = opts.orphanAgeSeconds ?? DEFAULT_ORPHAN_AGE_SECONDS;
  }

  /** The database name. */
  get database(): string {
    return this.loc.database;
  }

  /** The server queries go to. */
  get endpoint(): Endpoint {
    return this.loc.endpoint;
  }

  private check(): void {
    if (this.closed) throw new StoreError('STORE_CLOSED', 'Cannot query: the store is closed');
  }

  /** Run a SELECT on the location's server (retried while a server is unreachable). */
  async rows(query: Sql, what = `query ${this.location}`): Promise<Row[]> {
    this.check();
    return this.client.select(this.loc.endpoint, what, query, this.loc.database);
  }

  /** Run a statement on one shard (retried). */
  async execOn(ep: Endpoint, statement: Sql | string, what: string): Promise<void> {
    await this.client.exec(ep, what, statement, { database: this.loc.database });
  }

  /** A table's shard-local name, qualified with the database. */
  localTable(table: string): Sql {
    return raw(`${this.db.text}.${this.topology.local(table)}`);
  }

  // -- schema ----------------------------------------------------------------------------------

  /** Create the database and apply the migrations each server lacks (the servers in parallel). */
  async migrate(): Promise<void> {
    const cluster = this.topology.cluster !== undefined ? ident(this.topology.cluster).text : undefined;
    await Promise.all(this.topology.shards.map(async (shard) => {
      const ep = shard.endpoint;
      const what = 'create the schema';
      await this.client.exec(ep, what, sql`CREATE DATABASE IF NOT EXISTS ${this.db}`);
      await this.client.exec(ep, what, schemaVersionDdl(this.db.text));
      const cur = await this.versionOn(ep);
      if (cur > SCHEMA_VERSION) {
        throw new StoreError('STORE_SCHEMA_NEWER', `Cannot open store ${this.location}: its schema version ${cur} (on ${ep.label}) is newer than this c2hunt's (${SCHEMA_VERSION}); upgrade c2hunt`);
      }
      for (const m of MIGRATIONS) {
        if (m.version <= cur) continue;
        // The tables of one migration are independent: created side by side (each table's
        // statements in order: the local table, then the Distributed one over it).
        await Promise.all(m.tables.map(async (t) => {
          for (const st of tableDdl(t, this.db.text, cluster)) await this.client.exec(ep, what, st);
        }));
        await this.client.exec(ep, what, sql`INSERT INTO ${this.db}.schema_version VALUES (${m.version}, ${m.description}, ${Date.now() * 1000})`);
      }
    }));
  }

  private async versionOn(ep: Endpoint): Promise<number> {
    const r = await this.client.select(ep, `read the schema version`, sql`SELECT max(version) AS v FROM ${this.db}.schema_version`);
    return num(r[0]?.v);
  }

  /** Fail unless every server has the current schema (read-only stores cannot migrate). */
  async checkVersion(): Promise<void> {
    for (const shard of this.topology.shards) {
      const ep = shard.endpoint;
      const t = await this.client.select(ep, `open store ${this.location}`, sql`SELECT count() AS n FROM system.tables WHERE database = ${this.loc.database} AND name = 'schema_version'`);
      const v = num(t[0]?.n) === 0 ? 0 : await this.versionOn(ep);
      if (v > SCHEMA_VERSION) throw new StoreError('STORE_SCHEMA_NEWER', `Cannot open store ${this.location}: its schema version ${v} (on ${ep.label}) is newer than this c2hunt's (${SCHEMA_VERSION}); upgrade c2hunt`);
      if (v < SCHEMA_VERSION) throw new StoreError('STORE_OPEN', `Cannot open store ${this.location} read-only: its schema version ${v} on ${ep.label} needs migrating to ${SCHEMA_VERSION} (run c2hunt ingest on it once)`);
    }
  }

  /** Applied schema version (the lowest over the servers). */
  async schemaVersion(): Promise<number> {
    let v = Infinity;
    for (const s of this.topology.shards) v = Math.min(v, await this.versionOn(s.endpoint));
    return v;
  }

  /**
   * The schema of the first server as DDL text, one statement per table in name order, one
   * column per line, the database name replaced by `<db>`: what the snapshot test compares with
   * `schema.snapshot.sql`. Built from DESCRIBE TABLE and the engine clause, whose spelling is the
   * same across ClickHouse releases.
   */
  async schemaDdl(): Promise<string> {
    const ep = this.topology.shards[0]!.endpoint;
    const tables = await this.client.select<{ name: string; engine_full: string }>(ep, 'read the schema',
      sql`SELECT name, engine_full FROM system.tables WHERE database = ${this.loc.database} ORDER BY name`);
    const out: string[] = [];
    for (const t of tables) {
      const cols = await this.client.select<{ name: string; type: string }>(ep, 'read the schema', sql`DESCRIBE TABLE ${this.db}.${ident(t.name)}`);
      const cl = cols.map((c) => `  ${c.name} ${c.type}`);
      const engine = t.engine_full.replace(/\s+/g, ' ').trim().split(this.loc.database).join('<db>');
      out.push(`CREATE TABLE ${t.name} (\n${cl.join(',\n')}\n) ENGINE = ${engine};`);
    }
    return out.join('\n') + '\n';
  }

  /** Drop the database on every server (tests, and operators starting over). */
  async dropDatabase(): Promise<void> {
    await Promise.all(this.topology.shards.map((s) => this.client.exec(s.endpoint, 'drop the database', sql`DROP DATABASE IF EXISTS ${this.db}`)));
  }

  // -- ingest ----------------------------------------------------------------------------------

  async ingestOf(sha256: string): Promise<IngestEntry | undefined> {
    const r = await this.rows(sql`SELECT * FROM ingests WHERE sha256 = ${sha256.toLowerCase()} AND id GLOBAL IN ${VISIBLE_INGESTS} LIMIT 1`);
    return r.length > 0 ? toIngestEntry(r[0]!) : undefined;
  }

  async ingests(): Promise<IngestEntry[]> {
    return (await this.rows(sql`SELECT * FROM ingests WHERE id GLOBAL IN ${VISIBLE_INGESTS} ORDER BY finished, id LIMIT 1 BY id`)).map(toIngestEntry);
  }

  async beginIngest(source: IngestSource): Promise<IngestBatch> {
    this.check();
    const sha = source.sha256.toLowerCase();
    if (!SHA256_RE.test(sha)) throw new StoreError('STORE_BAD_ARGUMENT', `Cannot begin ingest of ${source.path}: '${source.sha256}' is not a SHA-256 hex digest`);
    if (this.ingestOpen) throw new StoreError('STORE_INGEST_OPEN', `Cannot begin ingest of ${source.path}: another ingest is open on this store`);
    this.ingestOpen = true;
    try {
      const prev = await this.ingestOf(sha);
      if (prev !== undefined) throw new StoreError('STORE_ALREADY_INGESTED', `Cannot ingest ${source.path}: the same content was ingested as ${prev.path} (ingest ${prev.id})`);
      if (Date.now() - this.lastCleanup > CLEANUP_INTERVAL_SECONDS * 1000) await this.cleanupOrphans().catch(() => undefined);
      const id = randomIngestId();
      const open = await this.rows(sql`SELECT DISTINCT uid FROM conn_open WHERE ${VIS} AND uid GLOBAL NOT IN ${CLOSED_CONNS}`);
      await this.logIngest(id, sha, source.path, 'open');
      return new ClickHouseIngest(this, id, { ...source, sha256: sha }, new Set(open.map((r) => String(r.uid))), () => { this.ingestOpen = false; });
    } catch (e) {
      this.ingestOpen = false;
      throw e;
    }
  }

  /** @internal Record an ingest's state in `ingest_log` (retried). */
  async logIngest(id: number, sha: string, path: string, state: 'open' | 'aborted' | 'cleaned', budgetSeconds?: number): Promise<void> {
    const w = new RowBinaryWriter(256);
    w.i64(id); w.str(sha); w.str(path); w.str(state); w.i64(Date.now() * 1000); w.str(`${hostname()}:${process.pid}`);
    const shard = this.topology.shardOf(String(id));
    await this.client.retrying(`record ingest ${id}`,
      () => this.client.insertOnce(shard.endpoint, this.topology.local('ingest_log'), ['id', 'sha256', 'path', 'state', 'at', 'host'], w.bytes(), this.loc.database),
      budgetSeconds);
  }

  /**
   * Delete the rows of ingests that will never commit: aborted ones whose clean-up did not finish,
   * and those with no heartbeat for the orphan age (a crash or kill). Rows of committed ingests
   * and of ingests still alive are never touched. Returns the ids cleaned.
   */
  async cleanupOrphans(ageSeconds = this.orphanAgeSeconds): Promise<number[]> {
    this.lastCleanup = Date.now();
    const before = (Date.now() - ageSeconds * 1000) * 1000;
    const r = await this.rows(sql`
      SELECT id FROM (
        SELECT id, argMax(state, at) AS st, max(at) AS last, any(sha256) AS sha, any(path) AS p FROM ingest_log
        WHERE id GLOBAL NOT IN ${VISIBLE_INGESTS} GROUP BY id)
      WHERE st != 'cleaned' AND (st = 'aborted' OR last < ${before})`);
    const ids = r.map((x) => num(x.id));
    if (ids.length === 0) return [];
    await this.deleteIngestRows(ids);
    for (const id of ids) await this.logIngest(id, '', '', 'cleaned');
    return ids;
  }

  /** @internal Delete every row of these ingests on every shard (mutations, not waited for). */
  async deleteIngestRows(ids: readonly number[], budgetSeconds?: number): Promise<void> {
    const list = raw(`(${ids.map((i) => String(Math.trunc(i))).join(', ')})`);
    for (const shard of this.topology.shards) {
      const ep = shard.endpoint;
      const what = `delete rows of ingests that did not commit`;
      for (const t of [...INGEST_TABLES, 'superseded'] as const) {
        const col = raw(t === 'superseded' ? 'by_ingest' : 'ingest_id');
        const table = this.localTable(t);
        const n = await this.client.select(ep, what, sql`SELECT count() AS n FROM ${table} WHERE ${col} IN ${list}`, undefined, budgetSeconds);
        if (num(n[0]?.n) > 0) await this.client.exec(ep, what, sql`ALTER TABLE ${table} DELETE WHERE ${col} IN ${list}`, {}, budgetSeconds);
      }
    }
  }

  /** Wait until the mutations of a shard-local table are done. */
  async waitMutations(ep: Endpoint, table: string): Promise<void> {
    const t0 = Date.now();
    for (;;) {
      const r = await this.client.select(ep, `wait for deletes`,
        sql`SELECT count() AS n FROM system.mutations WHERE database = ${this.loc.database} AND table = ${this.topology.local(table)} AND is_done = 0`);
      if (num(r[0]?.n) === 0) return;
      if (Date.now() - t0 > MUTATION_WAIT_SECONDS * 1000) throw new StoreError('STORE_OPEN', `Cannot finish deleting rows of ${table} on ${ep.label}: the mutation is still running after ${MUTATION_WAIT_SECONDS} s`);
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  /** @internal A version for a findings row: microseconds, increasing within this process. */
  nextVersion(): number {
    this.lastVersion = Math.max(Date.now() * 1000, this.lastVersion + 1);
    return this.lastVersion;
  }

  // -- records ---------------------------------------------------------------------------------

  async records<K extends RecordKind>(kind: K, window?: TimeWindow, opts: RecordsOptions = {}): Promise<RecordMap[K][]> {
    const { endpoint, query } = this.recordsQuery(kind, window, opts);
    return this.client.selectRows(endpoint, `query ${this.location}`, query, (r) => readRecord(r, kind), this.loc.database);
  }

  async connRows(window?: TimeWindow, opts: RecordsOptions = {}): Promise<ConnRows> {
    const { endpoint, query, count } = this.recordsQuery('conn', window, { ...opts, unordered: true });
    // Room for every row at once: growing by doubling copied twenty columns ten times at 10 M rows.
    const expected = num((await this.client.select<{ n: unknown }>(endpoint, `count ${this.location}`, count, this.loc.database))[0]?.n);
    // Native: columns, not rows (native.ts); RowBinary (connRowReader) reads the same for the tests' comparison.
    let rows: ConnRowsBuilder | undefined;
    if (this.rowFormat === 'RowBinary') await this.client.selectEach(endpoint, `query ${this.location}`, query, () => connRowReader((rows = new ConnRowsBuilder(expected))), this.loc.database);
    else await this.client.selectNative(endpoint, `query ${this.location}`, query, () => connBlockReader((rows = new ConnRowsBuilder(expected))), this.loc.database);
    return rows!.finish();
  }

  /** The SELECT of records(kind, window, opts), and the server to send it to. */
  private recordsQuery(kind: RecordKind, window: TimeWindow | undefined, opts: RecordsOptions): { endpoint: Endpoint; query: Sql; count: Sql } {
    if (!RECORD_KINDS.includes(kind)) throw new StoreError('STORE_BAD_ARGUMENT', `Cannot read records: unknown kind '${String(kind)}'`);
    checkWindow(window);
    this.check();
    const p = opts.partition !== undefined && opts.partition.count > 1 ? opts.partition : undefined;
    // Unordered (the caller sorts): the server neither sorts nor holds the wide rows to do so.
    const order = opts.unordered === true ? '' : ' ORDER BY ts, uid';
    if (p === undefined) {
      const source = visibleSource(kind, windowWhere(window));
      return { endpoint: this.loc.endpoint, query: sql`SELECT ${raw(selectColumns(kind))} FROM ${source} AS src${raw(order)}`, count: sql`SELECT count() AS n FROM ${source} AS src` };
    }
    checkPartition(p);
    // Rows are placed on shards by halfMD5(orig_h) (ingest-batch.ts): with one partition per
    // shard, a partition is one shard's rows, read from that shard alone.
    const where = [...windowWhere(window), partitionWhere(p, kind === 'weird' ? "ifNull(orig_h, '')" : 'orig_h')];
    const shard = this.shardOfPartition(p);
    const source = shard !== undefined ? visibleSource(kind, where, (t) => this.topology.local(t)) : visibleSource(kind, where);
    return { endpoint: shard?.endpoint ?? this.loc.endpoint, query: sql`SELECT ${raw(selectColumns(kind))} FROM ${source} AS src${raw(order)}`, count: sql`SELECT count() AS n FROM ${source} AS src` };
  }

  /** The shard holding exactly partition `p`'s sources (one partition per equally weighted shard), if any. */
  private shardOfPartition(p: Partition): Shard | undefined {
    const shards = this.topology.shards;
    if (this.topology.cluster === undefined || p.count !== shards.length || shards.some((s) => s.weight !== 1)) return undefined;
    return shards[p.index];
  }

  async connPairs(window?: TimeWindow): Promise<ConnPair[]> {
    checkWindow(window);
    this.check();
    const w = windowWhere(window);
    // Run on every shard over its own rows (a source's connections, TLS and HTTP records all live
    // on its shard, so the uid join is local and the shards' triples are disjoint).
    const parts = await Promise.all(this.topology.shards.map((shard) => {
      const local = (t: string): string => this.topology.local(t);
      const q = sql`
        SELECT orig_h, resp_h, name, min(ts) AS first, max(ts / 1000000 + duration) AS last
        FROM (SELECT orig_h, resp_h, uid, ts, duration FROM ${visibleSource('conn', w, local)} AS c)
        ANY LEFT JOIN (
          SELECT uid, if(tn != '', tn, hn) AS name FROM (
            SELECT uid, argMax(lowerUTF8(ifNull(server_name, '')), ts) AS tn
            FROM ${visibleSource('tls', [...w, raw("ifNull(server_name, '') != ''")], local)} AS t GROUP BY uid
          ) ALL FULL OUTER JOIN (
            SELECT uid, argMin(replaceRegexpOne(lowerUTF8(ifNull(host, '')), ':[0-9]+$', ''), ts) AS hn
            FROM ${visibleSource('http', [...w, raw("ifNull(host, '') != ''")], local)} AS h GROUP BY uid
          ) USING uid
        ) USING uid
        GROUP BY orig_h, resp_h, name`;
      return this.client.selectRows(shard.endpoint, `query ${this.location}`, q, (r): ConnPair => {
        const p: ConnPair = { orig_h: r.str(), resp_h: r.str(), first: 0, last: 0 };
        const name = r.str();
        p.first = r.i64() / 1e6;
        p.last = r.f64();
        if (name !== '') p.name = name;
        return p;
      }, this.loc.database);
    }));
    return parts.length === 1 ? parts[0]! : parts.flat();
  }

  /** Records of `kind` from a SELECT of {@link selectColumns} (RowBinary: the cheapest answer to read). */
  private async readRecords<K extends RecordKind>(kind: K, query: Sql): Promise<RecordMap[K][]> {
    this.check();
    return this.client.selectRows(this.loc.endpoint, `query ${this.location}`, query, (r) => readRecord(r, kind), this.loc.database);
  }

  async counts(): Promise<RecordCounts> {
    const parts = RECORD_KINDS.map((k) => sql`SELECT ${k} AS kind, count() AS n FROM ${visibleSource(k)} AS src`);
    const out = emptyCounts();
    for (const r of await this.rows(join(parts, ' UNION ALL '))) out[r.kind as RecordKind] = num(r.n);
    return out;
  }

  async dataRange(): Promise<{ first: number; last: number } | undefined> {
    const parts = RECORD_KINDS.map((k) => sql`SELECT ts FROM ${k === 'conn' ? sql`(SELECT ts FROM conn WHERE ${VIS} UNION ALL SELECT ts FROM conn_open WHERE ${VIS})` : visibleSource(k)} AS src`);
    const r = (await this.rows(sql`SELECT count() AS n, min(ts) AS first, max(ts) AS last FROM (${join(parts, ' UNION ALL ')})`))[0];
    if (r === undefined || num(r.n) === 0) return undefined;
    return { first: num(r.first) / 1e6, last: num(r.last) / 1e6 };
  }

  // -- passive DNS -----------------------------------------------------------------------------

  /** Passive-DNS entries (visible rows added up) matching `where`, overlapping a window, in `order`. */
  private async pdns(where: Sql, window: TimeWindow | undefined, order: string): Promise<PdnsEntry[]> {
    const having: Sql[] = [];
    if (window?.since !== undefined) having.push(sql`last_seen >= ${microsBound(window.since)}`);
    if (window?.until !== undefined) having.push(sql`first_seen < ${microsBound(window.until)}`);
    const q = sql`
      SELECT fqdn, ip, min(first_seen) AS first_seen, max(last_seen) AS last_seen, sum(count) AS count
      FROM pdns WHERE ${VIS} AND ${where} GROUP BY fqdn, ip
      ${having.length ? sql`HAVING ${join(having, ' AND ')}` : raw('')} ORDER BY ${raw(order)}`;
    return (await this.rows(q)).map(toPdns);
  }

  async pdnsByIp(ip: string, window?: TimeWindow): Promise<PdnsEntry[]> {
    checkWindow(window);
    return this.pdns(sql`ip = ${ip}`, window, 'count DESC, last_seen DESC, fqdn');
  }

  async pdnsForIps(ips: readonly string[]): Promise<PdnsEntry[]> {
    const sorted = [...new Set(ips)].sort();
    const out: PdnsEntry[] = [];
    // Chunks of sorted addresses, each ordered by ip: their concatenation is ordered too.
    for (const c of chunks(sorted)) out.push(...await this.pdns(sql`ip IN ${inList(c)}`, undefined, 'ip, count DESC, fqdn'));
    return out;
  }

  async pdnsByName(name: string, opts: { window?: TimeWindow; subdomains?: boolean } = {}): Promise<PdnsEntry[]> {
    checkWindow(opts.window);
    const n = normalizeName(name);
    const where = opts.subdomains ? sql`(fqdn = ${n} OR endsWith(fqdn, ${`.${n}`}))` : sql`fqdn = ${n}`;
    return this.pdns(where, opts.window, 'first_seen, fqdn, ip');
  }

  // -- history ---------------------------------------------------------------------------------

  async firstSeen(ips: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const c of chunks([...new Set(ips)])) {
      const rows = await this.rows(sql`SELECT resp_h, min(ts) AS first FROM ${visibleSource('conn', [sql`resp_h IN ${inList(c)}`])} AS src GROUP BY resp_h`);
      for (const r of rows) out.set(String(r.resp_h), num(r.first) / 1e6);
    }
    return out;
  }

  // -- lookback queries ------------------------------------------------------------------------

  async connGroups(filter: ConnFilter, by: 'orig_h' | 'resp_h', opts: QueryOptions = {}): Promise<ConnGroup[]> {
    checkWindow(opts.window);
    const key = raw(by === 'orig_h' ? 'orig_h' : 'resp_h');
    const other = raw(by === 'orig_h' ? 'resp_h' : 'orig_h');
    const source = visibleSource('conn', [...connWhere(filter), ...windowWhere(opts.window)]);
    // Aggregated per (key, port) first (port counts), then per key. Intervals: microseconds
    // between consecutive connection starts; exact median and median absolute deviation (the
    // mean of the two middle values for an even count), as the DuckDB backend computes them.
    const q = sql`
      SELECT key, conns, peers, protos, first, last, orig_bytes, resp_bytes, max_duration, total_duration, ports,
             length(gaps) AS g,
             if(g = 0, toFloat64(0), if(g % 2 = 1, toFloat64(gaps[intDiv(g, 2) + 1]), (gaps[intDiv(g, 2)] + gaps[intDiv(g, 2) + 1]) / 2)) AS med,
             arraySort(arrayMap(x -> abs(x - med), gaps)) AS dev,
             if(g = 0, toFloat64(0), if(g % 2 = 1, dev[intDiv(g, 2) + 1], (dev[intDiv(g, 2)] + dev[intDiv(g, 2) + 1]) / 2)) AS mad
      FROM (
        SELECT key, sum(n) AS conns, uniqExactMerge(ps) AS peers, arraySort(groupUniqArrayArray(pr)) AS protos,
               min(f) AS first, max(l) AS last, sum(ob) AS orig_bytes, sum(rb) AS resp_bytes, max(md) AS max_duration, sum(td) AS total_duration,
               arraySlice(arrayMap(x -> x.2, arraySort(x -> (-x.1, x.2), groupArray((n, resp_p)))), 1, ${GROUP_LIST_MAX}) AS ports,
               arraySort(arrayPopFront(arrayDifference(arraySort(groupArrayArray(tss))))) AS gaps
        FROM (
          SELECT ${key} AS key, resp_p, count() AS n, uniqExactState(${other}) AS ps, groupUniqArray(proto) AS pr, min(ts) AS f,
                 max(ts / 1000000 + duration) AS l, sum(orig_bytes) AS ob, sum(resp_bytes) AS rb, max(duration) AS md,
                 sum(duration) AS td, groupArray(ts) AS tss
          FROM ${source} AS src GROUP BY key, resp_p)
        GROUP BY key ORDER BY conns DESC, key LIMIT ${limitOf(opts)})
      ORDER BY conns DESC, key`;
    return (await this.rows(q)).map((r) => {
      const g = num(r.g);
      return {
        key: String(r.key), conns: num(r.conns), peers: num(r.peers),
        ports: (Array.isArray(r.ports) ? r.ports : []).map(num), protos: strList(r.protos),
        first: num(r.first) / 1e6, last: num(r.last), median_interval: g === 0 ? null : num(r.med) / 1e6, interval_mad: g === 0 ? null : num(r.mad) / 1e6,
        orig_bytes: num(r.orig_bytes), resp_bytes: num(r.resp_bytes), max_duration: num(r.max_duration), total_duration: num(r.total_duration),
      };
    });
  }

  async conns(filter: ConnFilter, opts: QueryOptions = {}): Promise<ConnRecord[]> {
    checkWindow(opts.window);
    const source = visibleSource('conn', [...connWhere(filter), ...windowWhere(opts.window)]);
    return this.readRecords('conn', sql`SELECT ${raw(selectColumns('conn'))} FROM ${source} AS src ORDER BY ts, uid LIMIT ${limitOf(opts)}`);
  }

  async dnsGroups(filter: { host?: string; name?: string }, by: 'host' | 'query', opts: QueryOptions = {}): Promise<DnsGroup[]> {
    checkWindow(opts.window);
    // Names are compared in lower case (Zeek logs keep the case as sent).
    const key = raw(by === 'host' ? 'orig_h' : 'lowerUTF8(query)');
    const other = raw(by === 'host' ? 'lowerUTF8(query)' : 'orig_h');
    const where: Sql[] = [];
    if (filter.host !== undefined) where.push(sql`orig_h = ${filter.host}`);
    if (filter.name !== undefined) {
      const n = normalizeName(filter.name);
      where.push(sql`(lowerUTF8(query) = ${n} OR endsWith(lowerUTF8(query), ${`.${n}`}))`);
    }
    if (where.length === 0) throw new StoreError('STORE_BAD_ARGUMENT', 'Cannot query DNS: give a host or a name');
    const q = sql`
      SELECT ${key} AS key, count() AS lookups, uniqExact(${other}) AS distinct_n, min(ts) AS first, max(ts) AS last,
             countIf(rcode = 3) AS nxdomain, arraySlice(arraySort(groupUniqArrayArray(answers)), 1, ${GROUP_LIST_MAX}) AS answers
      FROM ${visibleSource('dns', [...where, ...windowWhere(opts.window)])} AS src
      GROUP BY key ORDER BY lookups DESC, key LIMIT ${limitOf(opts)}`;
    return (await this.rows(q)).map((r) => ({
      key: String(r.key), lookups: num(r.lookups), distinct: num(r.distinct_n), first: num(r.first) / 1e6, last: num(r.last) / 1e6,
      nxdomain: num(r.nxdomain), answers: strList(r.answers),
    }));
  }

  async tlsGroups(host: string, opts: QueryOptions = {}): Promise<TlsGroup[]> {
    checkWindow(opts.window);
    const q = sql`
      SELECT ifNull(server_name, '') AS sn, count() AS handshakes, min(ts) AS first, max(ts) AS last, uniqExact(resp_h) AS servers,
             arraySlice(arraySort(groupUniqArray(ja3)), 1, ${GROUP_LIST_MAX}) AS ja3s, arraySlice(arraySort(groupUniqArray(ja4)), 1, ${GROUP_LIST_MAX}) AS ja4s,
             max(ifNull(self_signed, 0)) AS self_signed_any
      FROM ${visibleSource('tls', [sql`orig_h = ${host}`, ...windowWhere(opts.window)])} AS src
      GROUP BY sn ORDER BY handshakes DESC, sn LIMIT ${limitOf(opts)}`;
    return (await this.rows(q)).map((r) => ({
      server_name: String(r.sn), handshakes: num(r.handshakes), first: num(r.first) / 1e6, last: num(r.last) / 1e6,
      servers: num(r.servers), ja3: strList(r.ja3s), ja4: strList(r.ja4s), self_signed: num(r.self_signed_any) === 1,
    }));
  }

  // -- findings --------------------------------------------------------------------------------

  async saveFindings(findings: readonly Finding[]): Promise<void> {
    this.check();
    if (findings.length === 0) return;
    // Widen first/last over the stored version (the latest row of each id holds the widest).
    const span = new Map<string, { first: number; last: number }>();
    for (const c of chunks([...new Set(findings.map((f) => f.id))])) {
      const rows = await this.rows(sql`SELECT id, first, last FROM (SELECT id, first, last, updated FROM findings WHERE id IN ${inList(c)} ORDER BY id, updated DESC LIMIT 1 BY id)`);
      for (const r of rows) span.set(String(r.id), { first: num(r.first), last: num(r.last) });
    }
    const writers = new Map<number, RowBinaryWriter>();
    for (const f of findings) {
      const prev = span.get(f.id);
      const first = prev !== undefined ? Math.min(prev.first, f.first) : f.first;
      const last = prev !== undefined ? Math.max(prev.last, f.last) : f.last;
      span.set(f.id, { first, last });
      const shard = this.topology.shardOf(f.id);
      let w = writers.get(shard.index);
      if (w === undefined) writers.set(shard.index, (w = new RowBinaryWriter()));
      const row = { ...f, first, last };
      for (const c of FINDING_COLUMNS) writeValue(w, c.type, c.nullable, c.get(row));
      w.i64(this.nextVersion());
      w.endRow();
    }
    const columns = [...FINDING_COLUMNS.map((c) => c.name), 'updated'];
    // Each shard's rows are one INSERT; sending one again adds a copy of the same version, which reads ignore.
    for (const [index, w] of writers) {
      const ep = this.topology.shards[index]!.endpoint;
      await this.client.retrying(`save findings`, () => this.client.insertOnce(ep, this.topology.local('findings'), columns, w.bytes(), this.loc.database));
    }
  }

  async findings(filter: { host?: string; window?: TimeWindow; limit?: number } = {}): Promise<Finding[]> {
    checkWindow(filter.window);
    const where: Sql[] = [];
    if (filter.host !== undefined) where.push(sql`(src = ${filter.host} OR dst = ${filter.host} OR has(dsts, ${filter.host}))`);
    if (filter.window?.since !== undefined) where.push(sql`last >= ${filter.window.since}`);
    if (filter.window?.until !== undefined) where.push(sql`first < ${filter.window.until}`);
    const q = sql`SELECT * FROM (SELECT * FROM findings ORDER BY id, updated DESC LIMIT 1 BY id)
      ${where.length ? sql`WHERE ${join(where, ' AND ')}` : raw('')} ORDER BY score DESC, first, id LIMIT ${limitOf(filter)}`;
    return (await this.rows(q)).map(toFinding).sort(rankFindings);
  }

  // -- maintenance -----------------------------------------------------------------------------

  async retain(seconds: number): Promise<RetentionResult> {
    if (!Number.isFinite(seconds) || seconds < 0) throw new StoreError('STORE_BAD_ARGUMENT', `Cannot apply retention: ${seconds} is not a non-negative number of seconds`);
    const range = await this.dataRange();
    if (range === undefined) return { deleted: {} };
    const cutoff = range.last - seconds;
    const cu = microsBound(cutoff);
    const cutDay = Math.floor(cu / 86_400_000_000);
    const deleted: Partial<RecordCounts> = {};
    const parts = RECORD_KINDS.map((k) => sql`SELECT ${k} AS kind, count() AS n FROM ${visibleSource(k, [sql`ts < ${cu}`])} AS src`);
    for (const r of await this.rows(join(parts, ' UNION ALL '))) deleted[r.kind as RecordKind] = num(r.n);
    for (const shard of this.topology.shards) {
      const ep = shard.endpoint;
      const what = `apply retention`;
      for (const t of DAY_TABLES) {
        const table = this.localTable(t);
        const partitions = await this.client.select<{ partition: string }>(ep, what,
          sql`SELECT DISTINCT partition FROM system.parts WHERE database = ${this.loc.database} AND table = ${this.topology.local(t)} AND active`);
        for (const p of partitions) {
          const day = Date.parse(`${p.partition.replace(/^'|'$/g, '')}T00:00:00Z`) / 86_400_000;
          if (Number.isFinite(day) && day < cutDay) await this.client.exec(ep, what, sql`ALTER TABLE ${table} DROP PARTITION ${p.partition.replace(/^'|'$/g, '')}`);
        }
        const left = await this.client.select(ep, what, sql`SELECT count() AS n FROM ${table} WHERE ts < ${cu}`);
        if (num(left[0]?.n) > 0) {
          await this.client.exec(ep, what, sql`ALTER TABLE ${table} DELETE WHERE ts < ${cu}`);
          await this.waitMutations(ep, t);
        }
      }
    }
    return { cutoff, deleted };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }
}
