/**
 * The embedded store: one DuckDB file (default `c2hunt.duckdb`). Implements {@link Store}.
 *
 * - Writes: an ingest runs on its own connection inside one transaction; records go through
 *   data-chunk appenders (chunk-appender.ts). Passive DNS is accumulated in memory, staged in a
 *   temporary table and merged into `pdns` in the same transaction, with the `ingests` row. A
 *   crash or kill before COMMIT leaves nothing of the file.
 * - Bulk loads (bulk.ts, zeek-bulk.ts): a Zeek TSV conn or dns log can instead be read by DuckDB's own
 *   CSV reader in one `INSERT ... SELECT` inside the same transaction, with the line reader's
 *   exact semantics; files it cannot read exactly go through the line reader.
 * - Reads run on a second connection and never see an open ingest.
 * - Every value reaches SQL as a bound parameter; the only SQL text chosen at run time is picked
 *   from constants in this file (table and column names), never taken from input.
 */
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { DuckDBInstance, LIST, VARCHAR, listValue, type DuckDBConnection, type DuckDBDataChunk, type DuckDBListValue, type DuckDBValue, type DuckDBType, type DuckDBVector } from '@duckdb/node-api';
import { RECORD_KINDS, type ConnRecord, type DnsRecord, type RecordKind, type RecordMap } from '../../records/schema.js';
import { rankFindings, type Finding } from '../../detect/finding.js';
import type { PdnsEntry } from '../../detect/dataset.js';
import { ConnRowsBuilder, INTERIM_FALSE, INTERIM_TRUE, type ConnRows } from '../../detect/conn-rows.js';
import { checkPartition, type Partition } from '../../detect/partition.js';
import {
  DEFAULT_QUERY_LIMIT, GROUP_LIST_MAX, StoreError, emptyCounts,
  type ConnFilter, type ConnGroup, type ConnPair, type DnsGroup, type IngestBatch, type IngestCommitInfo, type IngestEntry,
  type IngestSource, type QueryOptions, type RecordsOptions, type RecordCounts, type RetentionResult, type Store, type TimeWindow, type TlsGroup,
} from '../store.js';
import { PdnsAccumulator, normalizeName } from '../pdns.js';
import { StringCache } from '../strings.js';
import { ChunkAppender, type Column } from './chunk-appender.js';
import { MIGRATIONS, SCHEMA_VERSION, SCHEMA_VERSION_DDL } from './migrations.js';
import { TABLE_FIELDS, appendColumns, rowToRecord, selectList } from './tables.js';
import { declineReason, loadZeekTsv, registerBulkFunctions } from './zeek-bulk.js';
import type { BulkLoadOptions, BulkLoadResult, ZeekTsvBulkLoader, ZeekTsvBulkPreparer } from '../bulk.js';
import { prepareZeekTsvBulkInput, type BulkIneligible, type BulkInput, type ZeekTsvBulkPlan } from '../../formats/index.js';
import { rowToFinding, rowToIngestEntry, strList, type Row } from '../rows.js';

/** The store file used when none is given. */
export const DEFAULT_DB_PATH = 'c2hunt.duckdb';
/** Passive-DNS entries held in memory during an ingest before they are staged (entries). */
export const PDNS_STAGE_ENTRIES = 100_000;
/**
 * DuckDB memory limit unless told otherwise (`memoryLimit`, or the C2HUNT_DUCKDB_MEMORY
 * environment variable). DuckDB's own default is 80% of RAM, which its buffer pool fills while
 * ingesting; beyond the limit it evicts and spills to `<db>.tmp`. Measured: 3M conn records
 * ingested with 512MB took the same CPU time as with the default, at 471 MB instead of 622 MB peak RSS.
 */
export const DEFAULT_MEMORY_LIMIT = '1GB';
/** Most rows any query returns, whatever limit is asked (protects memory). */
export const MAX_QUERY_LIMIT = 100_000;

/** Options of {@link openDuckDBStore}. */
export interface DuckDBStoreOptions {
  /** Open read-only (several readers may share the file; the schema must be current). */
  readOnly?: boolean;
  /** DuckDB worker threads (default: DuckDB's choice, the number of cores). */
  threads?: number;
  /** DuckDB memory limit, e.g. `4GB` (default {@link DEFAULT_MEMORY_LIMIT}). */
  memoryLimit?: string;
}

type Param = string | number | boolean | null | readonly string[];

const SHA256_RE = /^[0-9a-f]{64}$/;

/** Open (creating and migrating when needed) a DuckDB store file; `:memory:` for a throw-away store. */
export async function openDuckDBStore(path: string = DEFAULT_DB_PATH, opts: DuckDBStoreOptions = {}): Promise<DuckDBStore> {
  const config: Record<string, string> = {
    // Nothing is downloaded at run time: only the extensions the package ships (json, parquet).
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  };
  // Rows of a parallel INSERT ... SELECT (bulk loads) in any order: each thread writes its own
  // row groups. Keeping the source's order costs about 25% more CPU with 2 threads (DuckDB merges
  // the threads' batches). Every query orders what it returns; none relies on insertion order.
  config.preserve_insertion_order = 'false';
  if (opts.readOnly) config.access_mode = 'READ_ONLY';
  if (opts.threads !== undefined) config.threads = String(opts.threads);
  config.memory_limit = opts.memoryLimit ?? process.env.C2HUNT_DUCKDB_MEMORY ?? DEFAULT_MEMORY_LIMIT;
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, config);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/lock/i.test(msg)) throw new StoreError('STORE_LOCKED', `Cannot open store ${path}: it is in use by another process (${msg.split('\n')[0]})`);
    throw new StoreError('STORE_OPEN', `Cannot open store ${path}: ${msg.split('\n')[0]}`);
  }
  const store = new DuckDBStore(instance, path, await instance.connect());
  try {
    if (opts.readOnly) await store.checkVersion();
    else await store.migrate();
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

/**
 * Bind parameters: string lists need their type spelled out, and so does a NULL that stands for
 * a list (by convention its parameter name ends in `_list`).
 */
function bindings(params: Record<string, Param>): [Record<string, DuckDBValue>, Record<string, DuckDBType | undefined>] {
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType | undefined> = {};
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) {
      values[k] = listValue(v as string[]);
      types[k] = LIST(VARCHAR);
    } else values[k] = v as DuckDBValue;
    if (v === null && k.endsWith('_list')) types[k] = LIST(VARCHAR);
  }
  return [values, types];
}

/** WHERE conditions of a time window on a `ts` column. */
function windowClauses(w: TimeWindow | undefined, where: string[], params: Record<string, Param>, column = 'ts'): void {
  if (w?.since !== undefined) { where.push(`${column} >= $since`); params.since = w.since; }
  if (w?.until !== undefined) { where.push(`${column} < $until`); params.until = w.until; }
}

/** ClickHouse's `halfMD5` of a VARCHAR expression in DuckDB: the first 8 bytes of its MD5 as a big-endian UBIGINT. */
export function halfMD5Sql(expr: string): string {
  return `CAST('0x' || substr(md5(${expr}), 1, 16) AS UBIGINT)`;
}

/**
 * WHERE condition of a partition of the sources: ClickHouse's `halfMD5(orig_h) % count` (the
 * first 16 hex digits of the MD5 as an unsigned 64-bit number), as detect/partition.ts computes it.
 */
function partitionClauses(p: Partition | undefined, where: string[], params: Record<string, Param>, column = 'orig_h'): void {
  if (p === undefined || p.count <= 1) return;
  checkPartition(p);
  where.push(`${halfMD5Sql(`coalesce(${column}, '')`)} % $pcount = $pindex`);
  params.pcount = p.count;
  params.pindex = p.index;
}

/** WHERE conditions of a passive-DNS window (entries that overlap it). */
function pdnsWindowClauses(w: TimeWindow | undefined, where: string[], params: Record<string, Param>): void {
  if (w?.since !== undefined) { where.push('last_seen >= $since'); params.since = w.since; }
  if (w?.until !== undefined) { where.push('first_seen < $until'); params.until = w.until; }
}

function limitOf(o: QueryOptions | undefined): number {
  const l = o?.limit ?? DEFAULT_QUERY_LIMIT;
  if (!Number.isInteger(l) || l < 1) throw new StoreError('STORE_BAD_ARGUMENT', `Cannot query: limit must be a positive integer (got ${l})`);
  return Math.min(l, MAX_QUERY_LIMIT);
}

function checkWindow(w: TimeWindow | undefined): void {
  for (const v of [w?.since, w?.until]) {
    if (v !== undefined && !Number.isFinite(v)) throw new StoreError('STORE_BAD_ARGUMENT', `Cannot query: window bound ${v} is not a number of seconds`);
  }
}

/**
 * The connections a filter selects, as a FROM source. `any_h` becomes a UNION ALL of one scan
 * per side (an OR of the two columns defeats DuckDB's filter pushdown). Column names are
 * constants; the values are bound.
 */
function connSource(f: ConnFilter, window: TimeWindow | undefined, params: Record<string, Param>): string {
  const where: string[] = [];
  for (const col of ['orig_h', 'resp_h'] as const) {
    const v = f[col];
    if (v === undefined) continue;
    if (typeof v === 'string') { where.push(`${col} = $${col}`); params[col] = v; } else { where.push(`list_contains($${col}, ${col})`); params[col] = v; }
  }
  if (where.length === 0 && f.any_h === undefined) throw new StoreError('STORE_BAD_ARGUMENT', 'Cannot query connections: the filter names no address');
  windowClauses(window, where, params);
  const rest = where.length > 0 ? ` AND ${where.join(' AND ')}` : '';
  if (f.any_h === undefined) return `(SELECT * FROM conn WHERE ${where.join(' AND ')})`;
  params.any_h = f.any_h;
  return `(SELECT * FROM conn WHERE orig_h = $any_h${rest}
           UNION ALL SELECT * FROM conn WHERE resp_h = $any_h AND orig_h IS DISTINCT FROM $any_h${rest})`;
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));

const toIngestEntry = (r: Row): IngestEntry => rowToIngestEntry(r, num, 1);
const toFinding = (r: Row): Finding => rowToFinding(r, num, r.dsts !== null);

function toPdns(r: Row): PdnsEntry {
  return { fqdn: String(r.fqdn), ip: String(r.ip), first: num(r.first_seen), last: num(r.last_seen), count: num(r.count) };
}

/** Longest string DuckDB keeps inside its 16-byte `duckdb_string_t` (uint32 length, 12 bytes), bytes. */
const INLINE_MAX = 12;

/**
 * Read a VARCHAR vector's values through the string cache: strings of at most 12 bytes sit
 * inside the vector's 16-byte entries (duckdb.h's `duckdb_string_t`), so the repeated short
 * values (addresses, protocols, states) are found by their bytes without being decoded again;
 * longer ones go through the vector. Calls `set(row, value)` for every non-NULL value. Returns
 * false, having read nothing, when the vector does not expose its entries (another node-api
 * version: the caller then reads values one by one).
 */
function readVarchars(vec: unknown, n: number, strings: StringCache, set: (row: number, v: string) => void): boolean {
  const v = vec as { dataView?: DataView; validity?: { itemValid(i: number): boolean }; getItem(i: number): unknown };
  const dv = v.dataView;
  const valid = v.validity;
  if (!(dv instanceof DataView) || valid === undefined || typeof valid.itemValid !== 'function' || dv.byteLength < n * 16) return false;
  const bytes = new Uint8Array(dv.buffer, dv.byteOffset, n * 16);
  for (let r = 0; r < n; r++) {
    if (!valid.itemValid(r)) continue;
    const len = dv.getUint32(r * 16, true);
    set(r, len <= INLINE_MAX ? strings.get(bytes, r * 16 + 4, len) : (v.getItem(r) as string));
  }
  return true;
}

/** The typed array and validity a numeric vector of node-api keeps its values in, if it exposes them. */
function numbersOf(vec: unknown): { items: Float64Array | Int32Array; validity: { itemValid(i: number): boolean } } | undefined {
  const v = vec as { items?: unknown; validity?: { itemValid?: unknown } };
  if (!(v.items instanceof Float64Array || v.items instanceof Int32Array) || typeof v.validity?.itemValid !== 'function') return undefined;
  return v as { items: Float64Array | Int32Array; validity: { itemValid(i: number): boolean } };
}

/**
 * One column of a chunk as JavaScript values into `out[0 .. n)`, undefined for NULL: strings
 * through the cache ({@link readVarchars}), numbers from the vector's typed array, lists from
 * the list vector's entries over its child values read once (NULL elements are null, as the
 * list values of node-api have them); other types (and other node-api versions) value by value.
 */
function readColumn(vec: DuckDBVector, type: string, n: number, strings: StringCache, out: unknown[]): void {
  out.length = n;
  for (let r = 0; r < n; r++) out[r] = undefined;
  if (type === 'VARCHAR' && readVarchars(vec, n, strings, (r, v) => { out[r] = v; })) return;
  const nums = numbersOf(vec);
  if (nums !== undefined && nums.items.length >= n) {
    const { items, validity } = nums;
    for (let r = 0; r < n; r++) if (validity.itemValid(r)) out[r] = items[r];
    return;
  }
  if (type.endsWith('[]') && readLists(vec, type, n, strings, out)) return;
  for (let r = 0; r < n; r++) {
    const v = vec.getItem(r);
    if (v === null || v === undefined) continue;
    out[r] = type.endsWith('[]') ? [...(v as DuckDBListValue).items] : typeof v === 'bigint' ? Number(v) : v;
  }
}

/** {@link readColumn} of a list column through the vector's entries (false: not exposed, nothing read). */
function readLists(vec: unknown, type: string, n: number, strings: StringCache, out: unknown[]): boolean {
  const v = vec as { entryData?: unknown; childData?: { itemCount?: unknown; getItem(i: number): unknown }; validity?: { itemValid?: unknown } };
  const entries = v.entryData, child = v.childData;
  if (!(entries instanceof BigUint64Array) || entries.length < 2 * n || child === undefined || typeof child.itemCount !== 'number' || typeof v.validity?.itemValid !== 'function') return false;
  const valid = v.validity as { itemValid(i: number): boolean };
  const m = child.itemCount;
  const elems: unknown[] = new Array<unknown>(m).fill(null);
  const nums = numbersOf(child);
  if (type === 'VARCHAR[]' && readVarchars(child, m, strings, (r, s) => { elems[r] = s; })) {
    // read through the cache
  } else if (nums !== undefined && nums.items.length >= m) {
    for (let r = 0; r < m; r++) if (nums.validity.itemValid(r)) elems[r] = nums.items[r];
  } else {
    for (let r = 0; r < m; r++) {
      const e = child.getItem(r);
      elems[r] = typeof e === 'bigint' ? Number(e) : e === undefined ? null : e;
    }
  }
  for (let r = 0; r < n; r++) {
    if (!valid.itemValid(r)) continue;
    const off = Number(entries[2 * r]!), len = Number(entries[2 * r + 1]!);
    out[r] = elems.slice(off, off + len);
  }
  return true;
}

/** Row `r` of a chunk's columns as a record: the fields of non-NULL columns, in column order. */
function recordOf(cols: readonly { field: string }[], values: readonly unknown[][], r: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let c = 0; c < cols.length; c++) {
    const v = values[c]![r];
    if (v !== undefined) o[cols[c]!.field] = v;
  }
  return o;
}

/**
 * Row `r` of a conn chunk ({@link TABLE_FIELDS}.conn order) as one object literal, the same
 * record as {@link recordOf} makes but in one allocation of one shape (ten million records built
 * property by property cost seconds of stores and garbage); undefined when a column the literal
 * holds is NULL (the caller then uses recordOf, which leaves NULL fields absent).
 */
function connOf(v: readonly unknown[][], r: number): Record<string, unknown> | undefined {
  for (let c = 0; c < CONN_LITERAL_COLUMNS; c++) if (v[c]![r] === undefined) return undefined;
  const o: Record<string, unknown> = {
    ts: v[0]![r], uid: v[1]![r], orig_h: v[2]![r], orig_p: v[3]![r], resp_h: v[4]![r], resp_p: v[5]![r],
    community_id: v[6]![r], proto: v[7]![r], service: v[8]![r], duration: v[9]![r], orig_bytes: v[10]![r],
    resp_bytes: v[11]![r], conn_state: v[12]![r], missed_bytes: v[13]![r], history: v[14]![r], orig_pkts: v[15]![r],
    orig_ip_bytes: v[16]![r], resp_pkts: v[17]![r], resp_ip_bytes: v[18]![r],
  };
  const vlan = v[19]![r], interim = v[20]![r];
  if (vlan !== undefined) o.vlan = vlan;
  if (interim !== undefined) o.interim = interim;
  return o;
}

/**
 * Row `r` of a dns chunk as {@link recordOf} makes it, with named stores (a literal of the
 * leading always-present fields, then each present field in column order) instead of keyed
 * ones; undefined when a literal column is NULL.
 */
function dnsOf(v: readonly unknown[][], r: number): Record<string, unknown> | undefined {
  for (let c = 0; c < DNS_LITERAL_COLUMNS; c++) if (v[c]![r] === undefined) return undefined;
  const o: Record<string, unknown> = {
    ts: v[0]![r], uid: v[1]![r], orig_h: v[2]![r], orig_p: v[3]![r], resp_h: v[4]![r], resp_p: v[5]![r], proto: v[6]![r], trans_id: v[7]![r],
  };
  let x: unknown;
  if ((x = v[8]![r]) !== undefined) o.rtt = x;
  if ((x = v[9]![r]) !== undefined) o.query = x;
  if ((x = v[10]![r]) !== undefined) o.qclass = x;
  if ((x = v[11]![r]) !== undefined) o.qclass_name = x;
  if ((x = v[12]![r]) !== undefined) o.qtype = x;
  if ((x = v[13]![r]) !== undefined) o.qtype_name = x;
  if ((x = v[14]![r]) !== undefined) o.rcode = x;
  if ((x = v[15]![r]) !== undefined) o.rcode_name = x;
  if ((x = v[16]![r]) !== undefined) o.AA = x;
  if ((x = v[17]![r]) !== undefined) o.TC = x;
  if ((x = v[18]![r]) !== undefined) o.RD = x;
  if ((x = v[19]![r]) !== undefined) o.RA = x;
  if ((x = v[20]![r]) !== undefined) o.Z = x;
  if ((x = v[21]![r]) !== undefined) o.answers = x;
  if ((x = v[22]![r]) !== undefined) o.TTLs = x;
  if ((x = v[23]![r]) !== undefined) o.rejected = x;
  return o;
}

/** Leading dns columns that {@link dnsOf} puts in its literal. */
const DNS_LITERAL_COLUMNS = 8;
const DNS_FIELDS_EXPECTED = ['ts', 'uid', 'orig_h', 'orig_p', 'resp_h', 'resp_p', 'proto', 'trans_id', 'rtt', 'query', 'qclass', 'qclass_name',
  'qtype', 'qtype_name', 'rcode', 'rcode_name', 'AA', 'TC', 'RD', 'RA', 'Z', 'answers', 'TTLs', 'rejected'];
if (TABLE_FIELDS.dns.map((c) => c.field).join() !== DNS_FIELDS_EXPECTED.join()) throw new Error('duckdb-store: dnsOf does not match TABLE_FIELDS.dns');

/** Leading conn columns that {@link connOf} puts in its literal (the always-present fields). */
const CONN_LITERAL_COLUMNS = 19;
const CONN_FIELDS_EXPECTED = ['ts', 'uid', 'orig_h', 'orig_p', 'resp_h', 'resp_p', 'community_id', 'proto', 'service', 'duration', 'orig_bytes',
  'resp_bytes', 'conn_state', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'vlan', 'interim'];
// connOf spells the conn columns out: fail at load time, not with wrong records, if they change.
if (TABLE_FIELDS.conn.map((c) => c.field).join() !== CONN_FIELDS_EXPECTED.join()) throw new Error('duckdb-store: connOf does not match TABLE_FIELDS.conn');

/** The DuckDB {@link Store}. Create with {@link openDuckDBStore}. */
export class DuckDBStore implements Store, ZeekTsvBulkPreparer {
  readonly backend = 'duckdb';
  private queue: Promise<unknown> = Promise.resolve();
  private ingestOpen = false;
  private closed = false;
  private ingestConn: DuckDBConnection | undefined;
  /** Whether `conn` holds interim rows (undefined: not checked yet); only this object writes the store. */
  private interimState: boolean | undefined;

  /** @internal use {@link openDuckDBStore} */
  constructor(private readonly instance: DuckDBInstance, readonly location: string, private readonly conn: DuckDBConnection) {}

  /** Run one statement on the read connection, one at a time. */
  private async rows(sql: string, params: Record<string, Param> = {}): Promise<Row[]> {
    if (this.closed) throw new StoreError('STORE_CLOSED', 'Cannot query: the store is closed');
    const run = async (): Promise<Row[]> => {
      const [values, types] = bindings(params);
      const reader = await this.conn.runAndReadAll(sql, values, types);
      return reader.getRowObjectsJS() as Row[];
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Apply the migrations this store lacks (each in its own transaction). */
  async migrate(): Promise<void> {
    await this.rows(SCHEMA_VERSION_DDL);
    const cur = num((await this.rows('SELECT coalesce(max(version), 0) AS v FROM schema_version'))[0]?.v);
    if (cur > SCHEMA_VERSION) {
      throw new StoreError('STORE_SCHEMA_NEWER', `Cannot open store ${this.location}: its schema version ${cur} is newer than this c2hunt's (${SCHEMA_VERSION}); upgrade c2hunt`);
    }
    for (const m of MIGRATIONS) {
      if (m.version <= cur) continue;
      await this.rows('BEGIN TRANSACTION');
      try {
        for (const s of m.statements) await this.rows(s);
        await this.rows('INSERT INTO schema_version VALUES ($v, $d, $t)', { v: m.version, d: m.description, t: Date.now() / 1000 });
        await this.rows('COMMIT');
      } catch (e) {
        await this.rows('ROLLBACK').catch(() => undefined);
        throw e;
      }
    }
  }

  /** Fail unless the schema is the current one (read-only stores cannot migrate). */
  async checkVersion(): Promise<void> {
    const exists = await this.rows(`SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'schema_version' AND database_name = current_database()`);
    const v = num(exists[0]?.n) === 0 ? 0 : await this.schemaVersion();
    if (v > SCHEMA_VERSION) throw new StoreError('STORE_SCHEMA_NEWER', `Cannot open store ${this.location}: its schema version ${v} is newer than this c2hunt's (${SCHEMA_VERSION}); upgrade c2hunt`);
    if (v < SCHEMA_VERSION) throw new StoreError('STORE_OPEN', `Cannot open store ${this.location} read-only: its schema version ${v} needs migrating to ${SCHEMA_VERSION} (run c2hunt ingest on it once)`);
  }

  /** Applied schema version. */
  async schemaVersion(): Promise<number> {
    return num((await this.rows('SELECT coalesce(max(version), 0) AS v FROM schema_version'))[0]?.v);
  }

  /**
   * The schema as DDL text, one statement per object, in a stable order (tables, then comments):
   * what the schema snapshot test compares with `schema.snapshot.sql`.
   */
  async schemaDdl(): Promise<string> {
    const out: string[] = [];
    for (const r of await this.rows(`SELECT sequence_name FROM duckdb_sequences() WHERE database_name = current_database() ORDER BY sequence_name`)) {
      out.push(`CREATE SEQUENCE ${String(r.sequence_name)};`);
    }
    const tables = await this.rows(`SELECT table_name, sql, comment FROM duckdb_tables() WHERE database_name = current_database() AND NOT internal ORDER BY table_name`);
    for (const r of tables) out.push(oneColumnPerLine(String(r.sql)));
    for (const r of await this.rows(`SELECT index_name, sql FROM duckdb_indexes() WHERE database_name = current_database() ORDER BY index_name`)) out.push(String(r.sql));
    for (const r of await this.rows(`SELECT view_name, sql FROM duckdb_views() WHERE database_name = current_database() AND NOT internal ORDER BY view_name`)) out.push(String(r.sql));
    for (const r of tables) if (r.comment) out.push(`COMMENT ON TABLE ${String(r.table_name)} IS '${String(r.comment).replaceAll("'", "''")}';`);
    return out.join('\n') + '\n';
  }

  // -- ingest ----------------------------------------------------------------------------------

  async ingestOf(sha256: string): Promise<IngestEntry | undefined> {
    const r = await this.rows('SELECT * FROM ingests WHERE sha256 = $h', { h: sha256.toLowerCase() });
    return r.length > 0 ? toIngestEntry(r[0]!) : undefined;
  }

  async ingests(): Promise<IngestEntry[]> {
    return (await this.rows('SELECT * FROM ingests ORDER BY id')).map(toIngestEntry);
  }

  /** Where bulk loads write decompressed copies of logs: beside the store file (the system's temporary folder for `:memory:`). */
  private bulkTmpDir(): string {
    return this.location === ':memory:' || this.location === '' ? tmpdir() : dirname(resolve(this.location));
  }

  /** Check and (gzip) inflate a Zeek TSV log ahead of its bulk load (bulk.ts ZeekTsvBulkPreparer). */
  async prepareZeekTsv(plan: ZeekTsvBulkPlan): Promise<BulkInput | BulkIneligible> {
    const why = declineReason(plan);
    if (why !== undefined) return { ineligible: why };
    return prepareZeekTsvBulkInput(plan, this.bulkTmpDir());
  }

  async beginIngest(source: IngestSource): Promise<IngestBatch> {
    if (this.closed) throw new StoreError('STORE_CLOSED', 'Cannot begin ingest: the store is closed');
    const sha = source.sha256.toLowerCase();
    if (!SHA256_RE.test(sha)) throw new StoreError('STORE_BAD_ARGUMENT', `Cannot begin ingest of ${source.path}: '${source.sha256}' is not a SHA-256 hex digest`);
    if (this.ingestOpen) throw new StoreError('STORE_INGEST_OPEN', `Cannot begin ingest of ${source.path}: another ingest is open on this store`);
    const prev = await this.ingestOf(sha);
    if (prev !== undefined) throw new StoreError('STORE_ALREADY_INGESTED', `Cannot ingest ${source.path}: the same content was ingested as ${prev.path} (ingest ${prev.id})`);
    this.ingestOpen = true;
    let conn: DuckDBConnection | undefined;
    try {
      conn = await this.ingestConnection();
      await conn.run('BEGIN TRANSACTION');
      const id = num((await conn.runAndReadAll(`SELECT nextval('ingest_id_seq') AS id`)).getRowObjectsJS()[0]!.id);
      const appenders = {} as { [K in RecordKind]: ChunkAppender<RecordMap[K]> };
      for (const kind of RECORD_KINDS) {
        (appenders as Record<RecordKind, ChunkAppender<unknown>>)[kind] = await ChunkAppender.create(conn, kind, appendColumns(kind, id) as Column<unknown>[]);
      }
      const stage = await ChunkAppender.create<PdnsEntry>(conn, 'pdns_stage', PDNS_STAGE_COLUMNS);
      return new DuckDBIngest(conn, id, { ...source, sha256: sha }, appenders, stage, this.interimState, (ok, interim) => {
        this.ingestOpen = false;
        if (ok) this.interimState = interim;
        else this.dropIngestConnection();
      }, this.bulkTmpDir());
    } catch (e) {
      this.ingestOpen = false;
      if (conn !== undefined) {
        await conn.run('ROLLBACK').catch(() => undefined);
        this.dropIngestConnection();
      }
      throw e;
    }
  }

  /** The connection ingests run on (kept between ingests, with its staging table). */
  private async ingestConnection(): Promise<DuckDBConnection> {
    if (this.ingestConn === undefined) {
      const conn = await this.instance.connect();
      try {
        await conn.run(`CREATE TEMP TABLE pdns_stage (fqdn VARCHAR, ip VARCHAR, first_seen DOUBLE, last_seen DOUBLE, count BIGINT)`);
        registerBulkFunctions(conn);
        await conn.run('SET enable_progress_bar_print = false');
      } catch (e) {
        conn.closeSync();
        throw e;
      }
      this.ingestConn = conn;
    }
    return this.ingestConn;
  }

  /** Forget the ingest connection after a failure (the next ingest starts a fresh one). */
  private dropIngestConnection(): void {
    try {
      this.ingestConn?.closeSync();
    } catch {
      // already closed
    }
    this.ingestConn = undefined;
  }

  // -- records ---------------------------------------------------------------------------------

  async records<K extends RecordKind>(kind: K, window?: TimeWindow, opts: RecordsOptions = {}): Promise<RecordMap[K][]> {
    if (!RECORD_KINDS.includes(kind)) throw new StoreError('STORE_BAD_ARGUMENT', `Cannot read records: unknown kind '${String(kind)}'`);
    checkWindow(window);
    const where: string[] = [];
    const params: Record<string, Param> = {};
    windowClauses(window, where, params);
    partitionClauses(opts.partition, where, params);
    // Unordered, rows come in insertion order (DuckDB preserves it by default), so a stable sort
    // by ts gives what ORDER BY ts, ingest_id gives.
    const sql = `SELECT ${selectList(kind)} FROM ${kind}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}${opts.unordered === true ? '' : ' ORDER BY ts, ingest_id'}`;
    return this.readRecords(kind, sql, params);
  }

  async connRows(window?: TimeWindow, opts: RecordsOptions = {}): Promise<ConnRows | undefined> {
    checkWindow(window);
    const where: string[] = [];
    const params: Record<string, Param> = {};
    windowClauses(window, where, params);
    partitionClauses(opts.partition, where, params);
    const sql = `SELECT ${selectList('conn')} FROM conn${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
    const cols = TABLE_FIELDS.conn as readonly { field: string; type: string }[];
    const strings = new StringCache();
    const v: unknown[][] = cols.map(() => []);
    // Room for every row at once (growing by doubling copies twenty columns ten times at 10 M rows).
    const counted = await this.rows(`SELECT count(*) AS n FROM conn${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`, params);
    const b = new ConnRowsBuilder(num(counted[0]?.n));
    let held = true;
    // Consecutive rows often share these strings (the cache hands out the same string for the
    // same bytes): each column compares with its last one before looking the id up.
    const lastId = (lookup: (s: string) => number): ((s: string) => number) => {
      let last = '', id = -1;
      return (s) => (s === last && id >= 0 ? id : ((last = s), (id = lookup(s))));
    };
    const addr = (x: string): number => b.addr(x), word = (x: string): number => b.word(x);
    const origH = lastId(addr), respH = lastId(addr), proto = lastId(word), service = lastId(word), state = lastId(word), history = lastId(word);
    await this.chunks(sql, params, (chunk) => {
      const n = chunk.rowCount;
      if (!held) return;
      for (let c = 0; c < cols.length; c++) readColumn(chunk.getColumnVector(c), cols[c]!.type, n, strings, v[c]!);
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < CONN_LITERAL_COLUMNS; c++) if (v[c]![r] === undefined) held = false;
        if (!held) return; // a NULL field: the record path leaves it out, columns cannot
        const i = b.row();
        const x = b.c;
        // TABLE_FIELDS.conn order, as connOf reads it.
        x.ts[i] = v[0]![r] as number; b.uidText(i, v[1]![r] as string); x.origH[i] = origH(v[2]![r] as string); x.origP[i] = v[3]![r] as number;
        x.respH[i] = respH(v[4]![r] as string); x.respP[i] = v[5]![r] as number; b.communityIdText(i, v[6]![r] as string);
        x.proto[i] = proto(v[7]![r] as string); x.service[i] = service(v[8]![r] as string); x.duration[i] = v[9]![r] as number;
        x.origBytes[i] = v[10]![r] as number; x.respBytes[i] = v[11]![r] as number; x.state[i] = state(v[12]![r] as string);
        x.missedBytes[i] = v[13]![r] as number; x.history[i] = history(v[14]![r] as string); x.origPkts[i] = v[15]![r] as number;
        x.origIpBytes[i] = v[16]![r] as number; x.respPkts[i] = v[17]![r] as number; x.respIpBytes[i] = v[18]![r] as number;
        const vlan = v[19]![r], interim = v[20]![r];
        if (vlan !== undefined) x.vlan[i] = vlan as number;
        if (interim !== undefined) x.interim[i] = interim === true ? INTERIM_TRUE : INTERIM_FALSE;
      }
    });
    return held ? b.finish() : undefined;
  }

  /**
   * Records of `kind` from a SELECT of {@link selectList}, read a chunk at a time column by column
   * (each vector's values straight into the records: no row objects in between, which cost
   * more than the query itself). NULL columns become absent fields, as rowToRecord does.
   */
  private async readRecords<K extends RecordKind>(kind: K, sql: string, params: Record<string, Param>): Promise<RecordMap[K][]> {
    const cols = TABLE_FIELDS[kind] as readonly { field: string; type: string }[];
    const out: Record<string, unknown>[] = [];
    const strings = new StringCache();
    const values: unknown[][] = cols.map(() => []);
    await this.chunks(sql, params, (chunk) => {
      const n = chunk.rowCount;
      for (let c = 0; c < cols.length; c++) readColumn(chunk.getColumnVector(c), cols[c]!.type, n, strings, values[c]!);
      if (kind === 'conn') {
        for (let r = 0; r < n; r++) out.push(connOf(values, r) ?? recordOf(cols, values, r));
      } else if (kind === 'dns') {
        for (let r = 0; r < n; r++) out.push(dnsOf(values, r) ?? recordOf(cols, values, r));
      } else {
        for (let r = 0; r < n; r++) out.push(recordOf(cols, values, r));
      }
    });
    return out as unknown as RecordMap[K][];
  }

  async connPairs(window?: TimeWindow): Promise<ConnPair[]> {
    checkWindow(window);
    const params: Record<string, Param> = {};
    const w = (table: string): string => {
      const where: string[] = [];
      windowClauses(window, where, params, `${table}.ts`);
      return where.length > 0 ? ` AND ${where.join(' AND ')}` : '';
    };
    // The name a connection announced (as buildDataset names it): its uid's last TLS server name
    // in the window, else the Host of its first HTTP request, lower case without a port.
    const sql = `
      WITH tn AS (SELECT uid, arg_max(lower(server_name), ts) AS name FROM tls WHERE coalesce(server_name, '') <> ''${w('tls')} GROUP BY uid),
           hn AS (SELECT uid, arg_min(regexp_replace(lower(host), ':[0-9]+$', ''), ts) AS name FROM http WHERE coalesce(host, '') <> ''${w('http')} GROUP BY uid),
           n AS (SELECT coalesce(tn.uid, hn.uid) AS uid, coalesce(tn.name, hn.name) AS name FROM tn FULL OUTER JOIN hn ON tn.uid = hn.uid)
      SELECT c.orig_h, c.resp_h, n.name, min(c.ts) AS first, max(c.ts + coalesce(c.duration, 0)) AS last
      FROM conn AS c LEFT JOIN n ON c.uid = n.uid
      WHERE TRUE${w('c')} GROUP BY c.orig_h, c.resp_h, n.name`;
    const out: ConnPair[] = [];
    const strings = new StringCache();
    const types = ['VARCHAR', 'VARCHAR', 'VARCHAR', 'DOUBLE', 'DOUBLE'];
    const v: unknown[][] = types.map(() => []);
    await this.chunks(sql, params, (chunk) => {
      const n = chunk.rowCount;
      for (let c = 0; c < types.length; c++) readColumn(chunk.getColumnVector(c), types[c]!, n, strings, v[c]!);
      for (let i = 0; i < n; i++) {
        const p: ConnPair = { orig_h: v[0]![i] as string, resp_h: v[1]![i] as string, first: v[3]![i] as number, last: v[4]![i] as number };
        const name = v[2]![i] as string | undefined;
        if (name !== undefined) p.name = name;
        out.push(p);
      }
    });
    return out;
  }

  /** Run one statement on the read connection and hand its result to `take` a chunk at a time. */
  private async chunks(sql: string, params: Record<string, Param>, take: (chunk: DuckDBDataChunk) => void): Promise<void> {
    if (this.closed) throw new StoreError('STORE_CLOSED', 'Cannot query: the store is closed');
    const run = async (): Promise<void> => {
      const [values, types] = bindings(params);
      const result = await this.conn.stream(sql, values, types);
      for (;;) {
        const chunk = await result.fetchChunk();
        if (chunk === null || chunk.rowCount === 0) break;
        take(chunk);
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async counts(): Promise<RecordCounts> {
    const sql = RECORD_KINDS.map((k) => `SELECT '${k}' AS kind, count(*) AS n FROM ${k}`).join(' UNION ALL ');
    const out = emptyCounts();
    for (const r of await this.rows(sql)) out[r.kind as RecordKind] = num(r.n);
    return out;
  }

  async dataRange(): Promise<{ first: number; last: number } | undefined> {
    const sql = RECORD_KINDS.map((k) => `SELECT min(ts) AS a, max(ts) AS b FROM ${k}`).join(' UNION ALL ');
    const r = (await this.rows(`SELECT min(a) AS first, max(b) AS last FROM (${sql})`))[0];
    if (r === undefined || r.first === null || r.first === undefined) return undefined;
    return { first: num(r.first), last: num(r.last) };
  }

  // -- passive DNS -----------------------------------------------------------------------------

  async pdnsByIp(ip: string, window?: TimeWindow): Promise<PdnsEntry[]> {
    checkWindow(window);
    const where = ['ip = $ip'];
    const params: Record<string, Param> = { ip };
    pdnsWindowClauses(window, where, params);
    return (await this.rows(`SELECT * FROM pdns WHERE ${where.join(' AND ')} ORDER BY count DESC, last_seen DESC, fqdn`, params)).map(toPdns);
  }

  async pdnsForIps(ips: readonly string[]): Promise<PdnsEntry[]> {
    if (ips.length === 0) return [];
    // `IN (SELECT unnest(...))` is a hash semi-join; `list_contains($ips, col)` scans the list per
    // row (20,000 addresses over 2 M rows: 40 s against 0.3 s).
    return (await this.rows(`SELECT * FROM pdns WHERE ip IN (SELECT unnest($ips)) ORDER BY ip, count DESC, fqdn`, { ips })).map(toPdns);
  }

  async pdnsByName(name: string, opts: { window?: TimeWindow; subdomains?: boolean } = {}): Promise<PdnsEntry[]> {
    checkWindow(opts.window);
    const n = normalizeName(name);
    const where = [opts.subdomains ? '(fqdn = $name OR ends_with(fqdn, $dotted))' : 'fqdn = $name'];
    const params: Record<string, Param> = { name: n };
    if (opts.subdomains) params.dotted = `.${n}`;
    pdnsWindowClauses(opts.window, where, params);
    return (await this.rows(`SELECT * FROM pdns WHERE ${where.join(' AND ')} ORDER BY first_seen, fqdn, ip`, params)).map(toPdns);
  }

  // -- history ---------------------------------------------------------------------------------

  async firstSeen(ips: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (ips.length === 0) return out;
    const rows = await this.rows(`SELECT resp_h, min(ts) AS first FROM conn WHERE resp_h IN (SELECT unnest($ips)) GROUP BY resp_h`, { ips: [...ips] });
    for (const r of rows) out.set(String(r.resp_h), num(r.first));
    return out;
  }

  // -- lookback queries ------------------------------------------------------------------------

  async connGroups(filter: ConnFilter, by: 'orig_h' | 'resp_h', opts: QueryOptions = {}): Promise<ConnGroup[]> {
    checkWindow(opts.window);
    const key = by === 'orig_h' ? 'orig_h' : 'resp_h';
    const other = key === 'orig_h' ? 'resp_h' : 'orig_h';
    const params: Record<string, Param> = { limit: limitOf(opts), lmax: GROUP_LIST_MAX };
    const source = connSource(filter, opts.window, params);
    // Intervals: seconds between consecutive connection starts of a group; median and median
    // absolute deviation are exact (mean of the two middle values for an even count).
    const sql = `
      WITH c AS (
        SELECT ${key} AS key, ${other} AS peer, ts, coalesce(duration, 0) AS duration, resp_p, proto,
               coalesce(orig_bytes, 0) AS ob, coalesce(resp_bytes, 0) AS rb
        FROM ${source} AS src
      ),
      a AS (
        SELECT key, count(*) AS conns, count(DISTINCT peer) AS peers, list_sort(list_distinct(list(proto))) AS protos,
               min(ts) AS first, max(ts + duration) AS last, sum(ob) AS orig_bytes, sum(rb) AS resp_bytes,
               max(duration) AS max_duration, sum(duration) AS total_duration
        FROM c GROUP BY key
        ORDER BY conns DESC, key LIMIT $limit
      ),
      g AS (
        SELECT key, ts - lag(ts) OVER (PARTITION BY key ORDER BY ts) AS gap FROM c WHERE key IN (SELECT key FROM a)
      ),
      m AS (SELECT key, quantile_cont(gap, 0.5) AS med FROM g WHERE gap IS NOT NULL GROUP BY key),
      d AS (SELECT g.key, quantile_cont(abs(g.gap - m.med), 0.5) AS mad FROM g JOIN m ON g.key = m.key WHERE g.gap IS NOT NULL GROUP BY g.key),
      p AS (SELECT key, resp_p, count(*) AS n FROM c WHERE key IN (SELECT key FROM a) GROUP BY key, resp_p),
      pl AS (SELECT key, list(resp_p ORDER BY n DESC, resp_p)[1:$lmax] AS ports FROM p GROUP BY key)
      SELECT a.*, CAST(a.orig_bytes AS DOUBLE) AS orig_bytes, CAST(a.resp_bytes AS DOUBLE) AS resp_bytes,
             pl.ports, m.med, d.mad
      FROM a LEFT JOIN pl ON a.key = pl.key LEFT JOIN m ON a.key = m.key LEFT JOIN d ON a.key = d.key
      ORDER BY a.conns DESC, a.key`;
    return (await this.rows(sql, params)).map((r) => ({
      key: String(r.key), conns: num(r.conns), peers: num(r.peers),
      ports: (Array.isArray(r.ports) ? r.ports : []).map(num), protos: strList(r.protos),
      first: num(r.first), last: num(r.last), median_interval: numOrNull(r.med), interval_mad: numOrNull(r.mad),
      orig_bytes: num(r.orig_bytes), resp_bytes: num(r.resp_bytes), max_duration: num(r.max_duration), total_duration: num(r.total_duration),
    }));
  }

  async conns(filter: ConnFilter, opts: QueryOptions = {}): Promise<ConnRecord[]> {
    checkWindow(opts.window);
    const params: Record<string, Param> = { limit: limitOf(opts) };
    const sql = `SELECT ${selectList('conn')} FROM ${connSource(filter, opts.window, params)} AS src ORDER BY ts, uid LIMIT $limit`;
    return (await this.rows(sql, params)).map((r) => rowToRecord('conn', r));
  }

  async dnsGroups(filter: { host?: string; name?: string }, by: 'host' | 'query', opts: QueryOptions = {}): Promise<DnsGroup[]> {
    checkWindow(opts.window);
    // Names are compared in lower case (Zeek logs keep the case as sent).
    const key = by === 'host' ? 'orig_h' : 'lower(query)';
    const other = by === 'host' ? 'lower(query)' : 'orig_h';
    const where: string[] = [];
    const params: Record<string, Param> = { limit: limitOf(opts), lmax: GROUP_LIST_MAX };
    if (filter.host !== undefined) { where.push('orig_h = $host'); params.host = filter.host; }
    if (filter.name !== undefined) {
      const n = normalizeName(filter.name);
      where.push('(lower(query) = $name OR ends_with(lower(query), $dotted))');
      params.name = n;
      params.dotted = `.${n}`;
    }
    if (where.length === 0) throw new StoreError('STORE_BAD_ARGUMENT', 'Cannot query DNS: give a host or a name');
    windowClauses(opts.window, where, params);
    const sql = `
      SELECT ${key} AS key, count(*) AS lookups, count(DISTINCT ${other}) AS distinct_n, min(ts) AS first, max(ts) AS last,
             count(*) FILTER (WHERE rcode = 3) AS nxdomain,
             list_sort(list_distinct(flatten(list(coalesce(answers, []::VARCHAR[])))))[1:$lmax] AS answers
      FROM dns WHERE ${where.join(' AND ')}
      GROUP BY 1 ORDER BY lookups DESC, key LIMIT $limit`;
    return (await this.rows(sql, params)).map((r) => ({
      key: String(r.key), lookups: num(r.lookups), distinct: num(r.distinct_n), first: num(r.first), last: num(r.last),
      nxdomain: num(r.nxdomain), answers: strList(r.answers),
    }));
  }

  async tlsGroups(host: string, opts: QueryOptions = {}): Promise<TlsGroup[]> {
    checkWindow(opts.window);
    const where = ['orig_h = $host'];
    const params: Record<string, Param> = { host, limit: limitOf(opts), lmax: GROUP_LIST_MAX };
    windowClauses(opts.window, where, params);
    const sql = `
      SELECT coalesce(server_name, '') AS server_name, count(*) AS handshakes, min(ts) AS first, max(ts) AS last,
             count(DISTINCT resp_h) AS servers,
             list_sort(list_distinct(list(ja3)))[1:$lmax] AS ja3, list_sort(list_distinct(list(ja4)))[1:$lmax] AS ja4,
             coalesce(bool_or(self_signed), false) AS self_signed
      FROM tls WHERE ${where.join(' AND ')}
      GROUP BY 1 ORDER BY handshakes DESC, server_name LIMIT $limit`;
    return (await this.rows(sql, params)).map((r) => ({
      server_name: String(r.server_name), handshakes: num(r.handshakes), first: num(r.first), last: num(r.last),
      servers: num(r.servers), ja3: strList(r.ja3), ja4: strList(r.ja4), self_signed: r.self_signed === true,
    }));
  }

  // -- findings --------------------------------------------------------------------------------

  async saveFindings(findings: readonly Finding[]): Promise<void> {
    if (findings.length === 0) return;
    const now = Date.now() / 1000;
    await this.rows('BEGIN TRANSACTION');
    try {
      for (const f of findings) {
        await this.rows(`
          INSERT INTO findings VALUES ($id, $detector, $kind, $title, $src, $dst, $dsts_list, $fqdn, $port, $proto, $first, $last,
                                       $score, $severity, CAST($evidence AS JSON), $reasons, $uids, $attack, $updated)
          ON CONFLICT (id) DO UPDATE SET
            detector = excluded.detector, kind = excluded.kind, title = excluded.title, src = excluded.src, dst = excluded.dst,
            dsts = excluded.dsts, fqdn = excluded.fqdn, port = excluded.port, proto = excluded.proto,
            first = least(findings.first, excluded.first), last = greatest(findings.last, excluded.last),
            score = excluded.score, severity = excluded.severity, evidence = excluded.evidence, reasons = excluded.reasons,
            uids = excluded.uids, attack = excluded.attack, updated = excluded.updated`, findingParams(f, now));
      }
      await this.rows('COMMIT');
    } catch (e) {
      await this.rows('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  async findings(filter: { host?: string; window?: TimeWindow; limit?: number } = {}): Promise<Finding[]> {
    checkWindow(filter.window);
    const where: string[] = [];
    const params: Record<string, Param> = { limit: limitOf(filter) };
    if (filter.host !== undefined) { where.push('(src = $host OR dst = $host OR list_contains(dsts, $host))'); params.host = filter.host; }
    if (filter.window?.since !== undefined) { where.push('last >= $since'); params.since = filter.window.since; }
    if (filter.window?.until !== undefined) { where.push('first < $until'); params.until = filter.window.until; }
    const sql = `SELECT * FROM findings${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY score DESC, first, id LIMIT $limit`;
    return (await this.rows(sql, params)).map(toFinding).sort(rankFindings);
  }

  // -- maintenance -----------------------------------------------------------------------------

  async retain(seconds: number): Promise<RetentionResult> {
    if (!Number.isFinite(seconds) || seconds < 0) throw new StoreError('STORE_BAD_ARGUMENT', `Cannot apply retention: ${seconds} is not a non-negative number of seconds`);
    const range = await this.dataRange();
    if (range === undefined) return { deleted: {} };
    const cutoff = range.last - seconds;
    const deleted: Partial<RecordCounts> = {};
    await this.rows('BEGIN TRANSACTION');
    try {
      for (const k of RECORD_KINDS) {
        const r = await this.rows(`DELETE FROM ${k} WHERE ts < $cutoff`, { cutoff });
        deleted[k] = num(r[0]?.Count ?? r[0]?.count);
      }
      await this.rows('COMMIT');
    } catch (e) {
      await this.rows('ROLLBACK').catch(() => undefined);
      throw e;
    }
    await this.rows('CHECKPOINT');
    return { cutoff, deleted };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue.catch(() => undefined);
    this.closed = true;
    this.dropIngestConnection();
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

/**
 * `CREATE TABLE t(a INT, b INT, PRIMARY KEY(a, b));` as one column per line, so that a schema
 * change is one line in a review diff. Splits on top-level commas (outside parentheses, quotes).
 */
export function oneColumnPerLine(sql: string): string {
  const open = sql.indexOf('(');
  const close = sql.lastIndexOf(')');
  if (open < 0 || close < open) return sql;
  const parts: string[] = [];
  let depth = 0, quote = '', start = open + 1;
  for (let i = open + 1; i < close; i++) {
    const ch = sql[i]!;
    if (quote) { if (ch === quote) quote = ''; continue; }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) { parts.push(sql.slice(start, i).trim()); start = i + 1; }
  }
  parts.push(sql.slice(start, close).trim());
  return `${sql.slice(0, open).trimEnd()} (\n${parts.map((p) => `  ${p}`).join(',\n')}\n)${sql.slice(close + 1)}`;
}

function findingParams(f: Finding, now: number): Record<string, Param> {
  return {
    id: f.id, detector: f.detector, kind: f.kind, title: f.title, src: f.src,
    dst: f.dst ?? null, dsts_list: f.dsts ?? null, fqdn: f.fqdn ?? null, port: f.port ?? null, proto: f.proto ?? null,
    first: f.first, last: f.last, score: f.score, severity: f.severity, evidence: JSON.stringify(f.evidence ?? {}),
    reasons: f.reasons, uids: f.uids, attack: f.attack, updated: now,
  };
}

const PDNS_STAGE_COLUMNS: Column<PdnsEntry>[] = [
  { name: 'fqdn', type: 'VARCHAR', get: (e) => e.fqdn },
  { name: 'ip', type: 'VARCHAR', get: (e) => e.ip },
  { name: 'first_seen', type: 'DOUBLE', get: (e) => e.first },
  { name: 'last_seen', type: 'DOUBLE', get: (e) => e.last },
  { name: 'count', type: 'BIGINT', get: (e) => e.count },
];

/** One open ingest on its own connection and transaction; offers Zeek TSV bulk loads (bulk.ts). */
class DuckDBIngest implements IngestBatch, ZeekTsvBulkLoader {
  readonly counts = emptyCounts();
  private readonly pdns = new PdnsAccumulator();
  /** Latest interim record of each connection still open (a final record removes it). */
  private readonly interim = new Map<string, ConnRecord>();
  private firstTs = Infinity;
  private lastTs = -Infinity;
  private readonly started = Date.now() / 1000;
  private done = false;

  private staged = 0;
  /** A bulk load failed: the transaction may be aborted, only abort() is left. */
  private broken = false;

  /**
   * `interimKnown`: whether the store holds interim rows (undefined: unknown); `release` is
   * told whether the ingest committed and whether interim rows remain.
   */
  constructor(
    private readonly conn: DuckDBConnection,
    readonly id: number,
    private readonly source: IngestSource,
    private readonly appenders: { [K in RecordKind]: ChunkAppender<RecordMap[K]> },
    private readonly stage: ChunkAppender<PdnsEntry>,
    private interimKnown: boolean | undefined,
    private readonly release: (committed: boolean, interimRows: boolean | undefined) => void,
    /** Where a bulk load may write a decompressed copy of a log (beside the store file). */
    private readonly tmpDir: string,
  ) {}

  write<K extends RecordKind>(kind: K, rec: RecordMap[K]): void {
    if (this.done || this.broken) throw new StoreError('STORE_CLOSED', `Cannot write to ingest ${this.id}: it has ended`);
    const ts = rec.ts;
    if (ts < this.firstTs) this.firstTs = ts;
    if (ts > this.lastTs) this.lastTs = ts;
    if (kind === 'conn') {
      const c = rec as ConnRecord;
      if (c.interim) {
        const prev = this.interim.get(c.uid);
        if (prev === undefined || c.duration >= prev.duration) this.interim.set(c.uid, c);
        return;
      }
      if (this.interim.size > 0) this.interim.delete(c.uid);
    } else if (kind === 'dns') {
      this.pdns.add(rec as DnsRecord);
      if (this.pdns.size >= PDNS_STAGE_ENTRIES) for (const e of this.pdns.drain()) { this.stage.push(e); this.staged++; }
    }
    this.counts[kind]++;
    (this.appenders[kind] as ChunkAppender<RecordMap[K]>).push(rec);
  }

  declinesZeekTsv(plan: ZeekTsvBulkPlan): string | undefined {
    return declineReason(plan);
  }

  async loadZeekTsv(plan: ZeekTsvBulkPlan, opts: BulkLoadOptions = {}): Promise<BulkLoadResult> {
    if (this.done || this.broken) throw new StoreError('STORE_CLOSED', `Cannot load into ingest ${this.id}: it has ended`);
    const why = declineReason(plan);
    if (why !== undefined) return { loaded: false, reason: why };
    if (RECORD_KINDS.some((k) => this.counts[k] > 0) || this.interim.size > 0) {
      throw new StoreError('STORE_BAD_ARGUMENT', `Cannot bulk load ${plan.file} into ingest ${this.id}: records were written to it already`);
    }
    const r = await loadZeekTsv(this.conn, plan, this.id, this.source.bytes, this.tmpDir, 'pdns_stage', opts);
    if (!r.loaded) {
      this.broken = true;
      return r;
    }
    const kind = plan.kind as 'conn' | 'dns'; // declineReason admits these two
    this.counts[kind] += r.records;
    this.staged += r.pdnsStaged;
    if (r.firstTs !== undefined && r.firstTs < this.firstTs) this.firstTs = r.firstTs;
    if (r.lastTs !== undefined && r.lastTs > this.lastTs) this.lastTs = r.lastTs;
    for (const rec of r.readByReader) this.write(kind, rec);
    return { loaded: true, records: r.records + r.readByReader.length, badLines: r.badLines, badLineCount: r.badLineCount };
  }

  async commit(info: IngestCommitInfo = {}): Promise<IngestEntry> {
    if (this.done || this.broken) throw new StoreError('STORE_CLOSED', `Cannot commit ingest ${this.id}: it has ended`);
    this.done = true;
    const conn = this.conn;
    let committed = false;
    try {
      const interimWritten = this.interim.size > 0;
      for (const c of this.interim.values()) { this.counts.conn++; this.appenders.conn.push(c); }
      this.interim.clear();
      for (const e of this.pdns.drain()) { this.stage.push(e); this.staged++; }
      for (const kind of RECORD_KINDS) this.appenders[kind].close();
      this.stage.close();
      if (this.staged > 0) {
        await conn.run(`
          INSERT INTO pdns
          SELECT fqdn, ip, min(first_seen), max(last_seen), sum(count) FROM pdns_stage GROUP BY fqdn, ip
          ON CONFLICT (fqdn, ip) DO UPDATE SET
            first_seen = least(pdns.first_seen, excluded.first_seen),
            last_seen = greatest(pdns.last_seen, excluded.last_seen),
            count = pdns.count + excluded.count`);
        await conn.run('DELETE FROM pdns_stage');
      }
      if (interimWritten || (this.counts.conn > 0 && (this.interimKnown ?? await this.anyInterim()))) {
        await this.supersedeInterim();
        this.interimKnown = await this.anyInterim();
      }
      for (const kind of info.dedupe ?? []) if (this.counts[kind] > 0) await this.dedupe(kind);
      const source = { ...this.source, format: info.format ?? this.source.format };
      const finished = Date.now() / 1000;
      const entry: IngestEntry = {
        ...source, id: this.id, started: this.started, finished, records: { ...this.counts }, bad_lines: info.bad_lines ?? 0,
      };
      if (Number.isFinite(this.firstTs)) { entry.first_ts = this.firstTs; entry.last_ts = this.lastTs; }
      const [values, types] = bindings({
        id: this.id, sha: source.sha256, path: source.path, bytes: source.bytes, format: source.format,
        started: this.started, finished, records: JSON.stringify(this.counts), bad: entry.bad_lines,
      });
      await conn.run(`INSERT INTO ingests VALUES ($id, $sha, $path, $bytes, $format, $started, $finished, CAST($records AS JSON), $bad, $first, $last)`,
        { ...values, first: entry.first_ts ?? null, last: entry.last_ts ?? null }, types);
      await conn.run('COMMIT');
      committed = true;
      return entry;
    } catch (e) {
      await conn.run('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      this.release(committed, this.interimKnown);
    }
  }

  /** Does the conn table hold interim rows (this transaction's included)? */
  private async anyInterim(): Promise<boolean> {
    const r = (await this.conn.runAndReadAll('SELECT count(*) AS n FROM (SELECT 1 FROM conn WHERE interim LIMIT 1)')).getRowObjectsJS()[0];
    return num(r?.n) > 0;
  }

  /**
   * Interim rows are superseded by the final row of their uid, and only the longest interim row
   * of a uid stays. Within one ingest this is done in memory (write); across ingests (a Zeek
   * open_conn log, then the conn log) here, when interim rows exist at all.
   */
  private async supersedeInterim(): Promise<void> {
    await this.conn.run(`
      DELETE FROM conn WHERE rowid IN (
        SELECT rid FROM (
          SELECT rowid AS rid, interim,
                 row_number() OVER (PARTITION BY uid ORDER BY coalesce(interim, false), duration DESC, ingest_id DESC) AS rn
          FROM conn WHERE uid IN (SELECT uid FROM conn WHERE interim)
        ) WHERE interim AND rn > 1)`);
  }

  /** Rows of `kind` with the uid and ts (and HTTP trans_depth) of a row of this ingest: only the latest ingest's stays. */
  private async dedupe(kind: 'tls' | 'http'): Promise<void> {
    const table = kind === 'tls' ? 'tls' : 'http';
    const key = kind === 'tls' ? 'uid, ts' : 'uid, ts, trans_depth';
    const [values] = bindings({ id: this.id });
    await this.conn.run(`
      DELETE FROM ${table} WHERE rowid IN (
        SELECT rid FROM (
          SELECT rowid AS rid, row_number() OVER (PARTITION BY ${key} ORDER BY ingest_id DESC) AS rn
          FROM ${table} WHERE uid IN (SELECT uid FROM ${table} WHERE ingest_id = $id)
        ) WHERE rn > 1)`, values);
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    for (const kind of RECORD_KINDS) this.appenders[kind].discard();
    this.stage.discard();
    try {
      await this.conn.run('ROLLBACK');
      this.release(false, this.interimKnown);
    } catch (e) {
      this.release(false, undefined);
      throw e;
    }
  }
}
