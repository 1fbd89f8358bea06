/**
 * The ClickHouse schema, as an ordered list of migrations (the DuckDB backend's scheme: never edit
 * a released migration, append one, and update `schema.snapshot.sql`, which a test compares with
 * the live schema). Each server records the migrations it has applied in its own
 * `schema_version` table (a plain MergeTree, not distributed: the schema is per server); opening
 * a store applies the missing ones on every server of the cluster. Statements are idempotent
 * (`IF NOT EXISTS`) and the version row is written last, so an interrupted migration is completed
 * by the next open. `ON CLUSTER` needs ZooKeeper, which c2hunt does not require: the store runs
 * the DDL on each shard itself.
 *
 * A table is declared once; {@link tableDdl} makes the statements:
 * - single node: `CREATE TABLE <name> (...) ENGINE = <engine>`;
 * - cluster: `CREATE TABLE <name>_local (...) ENGINE = <engine>` and
 *   `CREATE TABLE <name> AS <name>_local ENGINE = Distributed(<cluster>, <db>, <name>_local, <key>)`
 *   on every shard, so any server answers queries on `<name>`.
 *
 * Choices (why):
 * - Raw tables are `PARTITION BY day` (UTC day of `ts`, a Date column the store fills): retention
 *   drops whole days, and a day's window reads only its partitions. No TTL (18.16 has none).
 * - `conn` is `ORDER BY (resp_h, orig_h, ts)`: a destination's history across every source is the
 *   question asked most (lookback ip, first seen, intelligence on destinations), and per-pair
 *   aggregation (beacons) reads pairs in order. The other raw tables are ordered by
 *   `(orig_h, ts)`: they are looked up per host (DNS lookups, TLS names of a host); `weird` by `ts`.
 * - Sharding key `halfMD5(orig_h)` for raw tables: one host's traffic lives on one shard, so a
 *   connection's rows (final, interim, TLS, HTTP of one uid) are on one shard and per-source
 *   analysis can run shard-local. The store inserts into the shards' local tables itself with the
 *   same hash (so a failed block is retried on one shard, see ingest-batch.ts); the Distributed
 *   key matters only to other writers.
 * - `conn_open`: interim records of still-open connections, apart from the final records, so
 *   hiding superseded ones is cheap (`superseded`, read-time `LIMIT 1 BY uid`).
 * - `pdns` holds one row per (name, address, ingest); reads add them up. `findings` is a
 *   ReplacingMergeTree on `updated` (a version per save; reads take the latest, merges compact).
 * - Every raw, `conn_open` and `pdns` row carries `ingest_id` (the ingest that wrote it) and `blk`
 *   (its insert block within that ingest); reads see rows of committed ingests only.
 */

/** One table of the schema. */
export interface TableDef {
  name: string;
  /** Column list, one `name Type` per line. */
  columns: string;
  /** Engine clause after `ENGINE =`. */
  engine: string;
  /** Sharding key of the Distributed table (cluster only). */
  shardingKey: string;
}

/** One schema step. */
export interface Migration {
  version: number;
  description: string;
  tables: readonly TableDef[];
}

const FLOW = `
  day Date,
  ts Int64,
  uid String,
  orig_h String,
  orig_p Int32,
  resp_h String,
  resp_p Int32,`;
const TAIL = `
  ingest_id UInt64,
  blk UInt32`;
const CONN_COLUMNS = `${FLOW}
  community_id String,
  proto String,
  service String,
  duration Float64,
  orig_bytes Int64,
  resp_bytes Int64,
  conn_state String,
  missed_bytes Int64,
  history String,
  orig_pkts Int64,
  orig_ip_bytes Int64,
  resp_pkts Int64,
  resp_ip_bytes Int64,
  vlan Nullable(Int32),
  interim Nullable(UInt8),${TAIL}`;
const BY_DAY_HOST = 'MergeTree PARTITION BY day ORDER BY (orig_h, ts)';
const BY_ORIG = 'halfMD5(orig_h)';

/** Every migration, in order. Versions start at 1 and have no gaps. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    description: 'raw record tables, open connections, passive DNS, ingests, findings',
    tables: [
      { name: 'conn', columns: CONN_COLUMNS, engine: 'MergeTree PARTITION BY day ORDER BY (resp_h, orig_h, ts)', shardingKey: BY_ORIG },
      { name: 'conn_open', columns: CONN_COLUMNS, engine: 'MergeTree PARTITION BY day ORDER BY (resp_h, orig_h, ts)', shardingKey: BY_ORIG },
      {
        name: 'dns', engine: BY_DAY_HOST, shardingKey: BY_ORIG, columns: `${FLOW}
  proto String,
  trans_id Int32,
  rtt Nullable(Float64),
  query String,
  qclass Nullable(Int32),
  qclass_name Nullable(String),
  qtype Nullable(Int32),
  qtype_name Nullable(String),
  rcode Nullable(Int32),
  rcode_name Nullable(String),
  aa UInt8,
  tc UInt8,
  rd UInt8,
  ra UInt8,
  z Int32,
  answers Array(String),
  ttls Array(Float64),
  rejected UInt8,${TAIL}`,
      },
      {
        name: 'tls', engine: BY_DAY_HOST, shardingKey: BY_ORIG, columns: `${FLOW}
  version Nullable(String),
  cipher Nullable(String),
  server_name Nullable(String),
  alpn Array(String),
  has_alpn UInt8,
  next_protocol Nullable(String),
  client_versions Array(String),
  has_client_versions UInt8,
  ja3 Nullable(String),
  ja3_string Nullable(String),
  ja3s Nullable(String),
  ja3s_string Nullable(String),
  ja4 Nullable(String),
  established UInt8,
  subject Nullable(String),
  issuer Nullable(String),
  not_valid_before Nullable(Float64),
  not_valid_after Nullable(Float64),
  self_signed Nullable(UInt8),
  cert_sha1 Nullable(String),${TAIL}`,
      },
      {
        name: 'http', engine: BY_DAY_HOST, shardingKey: BY_ORIG, columns: `${FLOW}
  trans_depth Int32,
  method Nullable(String),
  host Nullable(String),
  uri Nullable(String),
  referrer Nullable(String),
  version Nullable(String),
  user_agent Nullable(String),
  request_body_len Int64,
  response_body_len Int64,
  status_code Nullable(Int32),
  status_msg Nullable(String),${TAIL}`,
      },
      {
        name: 'mining', engine: BY_DAY_HOST, shardingKey: BY_ORIG, columns: `${FLOW}
  protocol String,
  method String,
  is_orig UInt8,
  agent Nullable(String),
  login_hash Nullable(String),
  algo Nullable(String),${TAIL}`,
      },
      {
        name: 'ssh', engine: BY_DAY_HOST, shardingKey: BY_ORIG, columns: `${FLOW}
  client Nullable(String),
  server Nullable(String),${TAIL}`,
      },
      {
        name: 'weird', engine: 'MergeTree PARTITION BY day ORDER BY ts', shardingKey: "halfMD5(ifNull(orig_h, ''))", columns: `
  day Date,
  ts Int64,
  uid String,
  orig_h Nullable(String),
  orig_p Nullable(Int32),
  resp_h Nullable(String),
  resp_p Nullable(Int32),
  name String,
  addl Nullable(String),${TAIL}`,
      },
      {
        // Passive DNS: one row per (name, address) and ingest; first/last seen in microseconds.
        name: 'pdns', engine: 'MergeTree ORDER BY (ip, fqdn)', shardingKey: 'halfMD5(ip)', columns: `
  fqdn String,
  ip String,
  first_seen Int64,
  last_seen Int64,
  count Int64,${TAIL}`,
      },
      {
        // Committed ingests (the commit point of an ingest is the insert of its row); times in microseconds.
        name: 'ingests', engine: 'MergeTree ORDER BY (sha256, id)', shardingKey: 'halfMD5(sha256)', columns: `
  id UInt64,
  sha256 String,
  path String,
  bytes Int64,
  format String,
  started Int64,
  finished Int64,
  records String,
  bad_lines Int64,
  first_ts Nullable(Int64),
  last_ts Nullable(Int64)`,
      },
      {
        // Ingests begun, heart-beating, aborted and cleaned up: what orphan clean-up reads.
        name: 'ingest_log', engine: 'MergeTree ORDER BY (id, at)', shardingKey: 'halfMD5(toString(id))', columns: `
  id UInt64,
  sha256 String,
  path String,
  state String,
  at Int64,
  host String`,
      },
      {
        // Rows hidden by a later ingest: interim connections closed by their final record
        // (kind conn, by uid) and TLS/HTTP rows repeated by a later log (by ingest, uid, ts, depth).
        name: 'superseded', engine: 'MergeTree ORDER BY (kind, uid)', shardingKey: 'rand()', columns: `
  kind String,
  uid String,
  ts Int64,
  depth Int32,
  old_ingest UInt64,
  by_ingest UInt64`,
      },
      {
        // Findings, a version per save (updated: microseconds); first/last/score as float seconds, as detectors compute them.
        name: 'findings', engine: 'ReplacingMergeTree(updated) ORDER BY id', shardingKey: 'halfMD5(id)', columns: `
  id String,
  detector String,
  kind String,
  title String,
  src String,
  dst Nullable(String),
  dsts Array(String),
  has_dsts UInt8,
  fqdn Nullable(String),
  port Nullable(Int32),
  proto Nullable(String),
  first Float64,
  last Float64,
  score Float64,
  severity String,
  evidence String,
  reasons Array(String),
  uids Array(String),
  attack Array(String),
  updated UInt64`,
      },
    ],
  },
]);

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The per-server bookkeeping table, created before any migration runs (`db` is a checked identifier). */
export function schemaVersionDdl(db: string): string {
  return `CREATE TABLE IF NOT EXISTS ${db}.schema_version (
  version UInt32,
  description String,
  applied Int64
) ENGINE = MergeTree ORDER BY version`;
}

/**
 * The statements that create one table: on a single node the table itself; on a cluster the
 * shard-local table and the Distributed table over it. `db` and `cluster` are checked
 * identifiers (backquoted).
 */
export function tableDdl(t: TableDef, db: string, cluster?: string): string[] {
  if (cluster === undefined) return [`CREATE TABLE IF NOT EXISTS ${db}.${t.name} (${t.columns}\n) ENGINE = ${t.engine}`];
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.${t.name}_local (${t.columns}\n) ENGINE = ${t.engine}`,
    `CREATE TABLE IF NOT EXISTS ${db}.${t.name} AS ${db}.${t.name}_local ENGINE = Distributed(${cluster}, ${db}, ${t.name}_local, ${t.shardingKey})`,
  ];
}

/** Tables holding rows of ingests (`ingest_id`, `blk`): what clean-up and retention touch. */
export const INGEST_TABLES = ['conn', 'conn_open', 'dns', 'tls', 'http', 'mining', 'ssh', 'weird', 'pdns'] as const;
/** Raw record tables, partitioned by day (retention). */
export const DAY_TABLES = ['conn', 'conn_open', 'dns', 'tls', 'http', 'mining', 'ssh', 'weird'] as const;
