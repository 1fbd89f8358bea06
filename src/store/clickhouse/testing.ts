/**
 * Test support: the ClickHouse servers the tests run against, from the environment
 * (`C2HUNT_CLICKHOUSE_URL` for a single node, `C2HUNT_CLICKHOUSE_CLUSTER_URL` for the two-shard
 * cluster; scripts/clickhouse.sh starts both, .ci/run sets both), and fresh databases on them.
 * Tests skip with a message when a variable is unset; with `C2HUNT_REQUIRE_CLICKHOUSE=1` (CI) a
 * server that does not answer fails them instead.
 */
import { randomBytes } from 'node:crypto';
import { openClickHouseStore, type ClickHouseStore, type ClickHouseStoreOptions } from './clickhouse-store.js';

/** Environment variables naming the servers. */
export const SINGLE_ENV = 'C2HUNT_CLICKHOUSE_URL';
export const CLUSTER_ENV = 'C2HUNT_CLICKHOUSE_CLUSTER_URL';
/** Set to 1 to turn "server not answering" into a failure. */
export const REQUIRE_ENV = 'C2HUNT_REQUIRE_CLICKHOUSE';
/** Retry budget of test stores: seconds (failures show quickly). */
export const TEST_RETRY_SECONDS = 20;

/** A server under test: its location template, or why its tests are skipped. */
export interface TestServer {
  /** `clickhouse://host:port/` plus the query (`?cluster=...`), without database. */
  base?: string;
  /** Skip reason (node:test `skip`), or false. */
  skip: string | false;
  /** Set when the server must answer but does not: tests fail with this message. */
  failure?: string;
}

/** `http://h:p/?cluster=c` (or clickhouse://...) as a store location for database `db`. */
export function locationFor(base: string, db: string): string {
  const u = new URL(base.replace(/^http(s?):/i, (_m, s: string) => `clickhouse${s}:`));
  u.pathname = `/${db}`;
  return u.toString();
}

/** A fresh random database name. */
export function freshDatabase(): string {
  return `c2hunt_test_${randomBytes(6).toString('hex')}`;
}

/** Look at one server: configured? answering? */
export async function testServer(env: string): Promise<TestServer> {
  const url = process.env[env];
  if (url === undefined || url.trim() === '') return { skip: `${env} is not set (scripts/clickhouse.sh start, then set ${env}; see .ci/run)` };
  const origin = new URL(url.replace(/^clickhouse(s?):/i, (_m, s: string) => `http${s}:`)).origin;
  try {
    const r = await fetch(`${origin}/?query=SELECT%201`, { signal: AbortSignal.timeout(3000) });
    if (r.ok) return { base: url, skip: false };
    throw new Error(`HTTP ${r.status}`);
  } catch (e) {
    const why = `ClickHouse at ${origin} (${env}) does not answer: ${(e as Error).message}`;
    if (process.env[REQUIRE_ENV] === '1') return { base: url, skip: false, failure: `${why}; ${REQUIRE_ENV}=1 requires it` };
    return { skip: `${why} (scripts/clickhouse.sh start)` };
  }
}

/** Throw the server's failure when it is required but does not answer (first line of a test). */
export function assertUp(server: TestServer): void {
  if (server.failure !== undefined) throw new Error(server.failure);
}

/**
 * A store on a fresh database of the server; closing it drops the database (on every shard).
 * Fails with the server's failure message when it is required but down.
 */
export async function freshStore(server: TestServer, opts: ClickHouseStoreOptions = {}): Promise<ClickHouseStore> {
  assertUp(server);
  const s = await openClickHouseStore(locationFor(server.base!, freshDatabase()), { retrySeconds: TEST_RETRY_SECONDS, ...opts });
  const close = s.close.bind(s);
  s.close = async () => {
    try {
      await s.dropDatabase();
    } finally {
      await close();
    }
  };
  return s;
}
