/**
 * Where the data lives: the store location parsed, and the shards of the cluster with their HTTP
 * endpoints and weights, plus the placement of a row on a shard (`halfMD5(key) % total weight`,
 * slots in shard order by weight: what a Distributed table with that sharding key does).
 *
 * Location: `clickhouse://[user[:password]@]host[:port][/database][?cluster=NAME][&shards=h:p,h:p][&retry=SECONDS]`
 * (`clickhouses://` for HTTPS; `http://` and `https://` are accepted too). Port 8123 (8443 for
 * HTTPS) and database `c2hunt` when not given.
 *
 * Shard endpoints: `system.clusters` lists each shard's host and native TCP port, not its HTTP
 * port. The store assumes every server keeps the same distance between the two (8123/9000 on
 * every host of a standard install; 18124/19001 and 18125/19002 in the test cluster), measured on
 * the server of the location when it is a replica of the cluster; otherwise every host is
 * assumed to listen on the location's HTTP port. `shards=` lists the endpoints explicitly when
 * neither holds.
 */
import { halfMD5Mod } from '../../detect/partition.js';
import { StoreError } from '../store.js';
import { ClickHouseHttp, type Endpoint } from './http.js';
import { IDENT_RE, sql } from './sql.js';

/** Database used when the location names none. */
export const DEFAULT_DATABASE = 'c2hunt';
/** Addresses whose shard is remembered (the cache is emptied when full). */
const SHARD_CACHE_MAX = 200_000;

/** A parsed location. */
export interface ClickHouseLocation {
  /** The server named in the location (queries go there). */
  endpoint: Endpoint;
  database: string;
  cluster?: string;
  /** Explicit shard endpoints (`shards=`), in shard order. */
  shards?: string[];
  /** Retry budget from the location (`retry=` seconds). */
  retrySeconds?: number;
  /** The location without credentials, for messages. */
  label: string;
}

/** Parse a store location; throws STORE_OPEN with the reason when it is malformed. */
export function parseLocation(location: string): ClickHouseLocation {
  const bad = (why: string): StoreError => new StoreError('STORE_OPEN', `Cannot open store ${stripCredentials(location)}: ${why}`);
  let u: URL;
  try {
    u = new URL(location);
  } catch {
    throw bad('not a URL (clickhouse://user:pass@host:8123/db?cluster=NAME)');
  }
  const scheme = u.protocol.replace(/:$/, '').toLowerCase();
  const secure = scheme === 'clickhouses' || scheme === 'https';
  if (!secure && scheme !== 'clickhouse' && scheme !== 'http') throw bad(`unknown scheme ${scheme}: (clickhouse:// or clickhouses://)`);
  if (u.hostname === '') throw bad('no host');
  const port = u.port !== '' ? Number(u.port) : secure ? 8443 : 8123;
  const path = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, ''));
  const database = path === '' ? DEFAULT_DATABASE : path;
  if (!IDENT_RE.test(database)) throw bad(`database name '${database}' must be letters, digits and _ (not starting with a digit)`);
  const out: ClickHouseLocation = {
    endpoint: endpoint(u.hostname, port, secure, decodeURIComponent(u.username), decodeURIComponent(u.password)),
    database,
    label: '',
  };
  for (const [k, v] of u.searchParams) {
    if (k === 'cluster') {
      if (!IDENT_RE.test(v)) throw bad(`cluster name '${v}' must be letters, digits and _`);
      out.cluster = v;
    } else if (k === 'shards') {
      out.shards = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (out.shards.some((s) => !/^[A-Za-z0-9.\-_[\]:]+:\d+$/.test(s))) throw bad(`shards must be host:port,host:port (got '${v}')`);
    } else if (k === 'retry') {
      const n = Number(v.replace(/s$/, ''));
      if (!Number.isFinite(n) || n < 0) throw bad(`retry must be a number of seconds (got '${v}')`);
      out.retrySeconds = n;
    } else throw bad(`unknown option '${k}' (cluster, shards, retry)`);
  }
  const params = [out.cluster !== undefined ? `cluster=${out.cluster}` : '', out.shards ? `shards=${out.shards.join(',')}` : ''].filter((s) => s !== '');
  out.label = `${secure ? 'clickhouses' : 'clickhouse'}://${u.host}/${database}${params.length ? `?${params.join('&')}` : ''}`;
  return out;
}

/** A location as shown to users: `user:pass@` removed. */
export function stripCredentials(location: string): string {
  return location.replace(/\/\/[^@/]*@/, '//');
}

/** An endpoint for a host and port with the location's scheme and credentials. */
function endpoint(host: string, port: number, secure: boolean, user: string, password: string): Endpoint {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const ep: Endpoint = { origin: `${secure ? 'https' : 'http'}://${h}:${port}`, label: `${h}:${port}` };
  if (user !== '') ep.auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  return ep;
}

/** One shard: its number (1-based, as in system.clusters), weight and HTTP endpoint. */
export interface ShardInfo {
  num: number;
  weight: number;
  endpoint: Endpoint;
}

/** A shard of a {@link Topology}, with its position in the shard list. */
export interface Shard extends ShardInfo {
  index: number;
}

/** The servers of a store: one shard (single node) or the cluster's shards. */
export class Topology {
  private readonly slots: Shard[] = [];
  private readonly cache = new Map<string, Shard>();
  readonly shards: readonly Shard[];

  constructor(shards: readonly ShardInfo[], readonly cluster?: string) {
    this.shards = shards.map((s, index) => ({ ...s, index }));
    for (const s of this.shards) for (let i = 0; i < s.weight; i++) this.slots.push(s);
  }

  /** The shard a row with this key (originator address, name, id) is placed on. */
  shardOf(key: string): Shard {
    if (this.shards.length === 1) return this.shards[0]!;
    let s = this.cache.get(key);
    if (s === undefined) {
      if (this.cache.size >= SHARD_CACHE_MAX) this.cache.clear();
      s = this.slots[halfMD5Mod(key, this.slots.length)]!;
      this.cache.set(key, s);
    }
    return s;
  }

  /** The name of a table's shard-local part (`conn_local` on a cluster, `conn` on a single node). */
  local(table: string): string {
    return this.cluster !== undefined ? `${table}_local` : table;
  }
}

/** `halfMD5(key) % n` as ClickHouse computes it: the one implementation, shared with analysis partitions. */
export { halfMD5Mod };

/** Find the shards of the location's cluster (or the single node). */
export async function discoverTopology(client: ClickHouseHttp, loc: ClickHouseLocation, budgetSeconds: number): Promise<Topology> {
  const ep = loc.endpoint;
  if (loc.cluster === undefined) return new Topology([{ num: 1, weight: 1, endpoint: ep }]);
  const rows = await client.select<{ shard_num: number; shard_weight: number; replica_num: number; host_name: string; port: number; is_local: number }>(
    ep, `read the cluster list of ${loc.label}`,
    sql`SELECT shard_num, shard_weight, replica_num, host_name, port, is_local FROM system.clusters WHERE cluster = ${loc.cluster} ORDER BY shard_num, replica_num`,
    undefined, budgetSeconds,
  );
  const bad = (why: string): StoreError => new StoreError('STORE_OPEN', `Cannot open store ${loc.label}: ${why}`);
  if (rows.length === 0) throw bad(`the server ${ep.label} knows no cluster named '${loc.cluster}' (system.clusters)`);
  if (rows.some((r) => r.replica_num > 1)) throw bad(`cluster '${loc.cluster}' has replicas; c2hunt writes one replica per shard (replicated tables need ZooKeeper, which it does not use)`);
  const secure = ep.origin.startsWith('https:');
  const base = new URL(ep.origin);
  const locPort = Number(base.port);
  if (loc.shards !== undefined) {
    if (loc.shards.length !== rows.length) throw bad(`shards= lists ${loc.shards.length} endpoints but cluster '${loc.cluster}' has ${rows.length} shards`);
    return new Topology(rows.map((r, i) => {
      const hp = loc.shards![i]!;
      const cut = hp.lastIndexOf(':');
      return { num: r.shard_num, weight: r.shard_weight, endpoint: withAuth(endpointOf(hp.slice(0, cut).replace(/^\[|\]$/g, ''), Number(hp.slice(cut + 1)), secure), ep) };
    }), loc.cluster);
  }
  const localRow = rows.find((r) => r.is_local === 1);
  const offset = localRow !== undefined ? locPort - localRow.port : undefined;
  return new Topology(rows.map((r) => ({
    num: r.shard_num, weight: r.shard_weight,
    endpoint: withAuth(endpointOf(r.host_name, offset !== undefined ? r.port + offset : locPort, secure), ep),
  })), loc.cluster);
}

function endpointOf(host: string, port: number, secure: boolean): Endpoint {
  return endpoint(host, port, secure, '', '');
}

function withAuth(e: Endpoint, from: Endpoint): Endpoint {
  return from.auth !== undefined ? { ...e, auth: from.auth } : e;
}
