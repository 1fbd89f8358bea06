/**
 * The store (public entry of this folder): the {@link Store} contract, opening a store by
 * location, ingest, lookback and retention. Code outside `src/store` imports from here.
 */
import { existsSync } from 'node:fs';
import { DEFAULT_DB_PATH, openDuckDBStore } from './duckdb/duckdb-store.js';
import { openClickHouseStore } from './clickhouse/clickhouse-store.js';
import { StoreError, type Store } from './store.js';

export * from './store.js';
export { DEFAULT_DB_PATH } from './duckdb/duckdb-store.js';
export { ingestPaths, hashFile, sniffCapture, type IngestFileResult, type IngestOptions, type IngestProgress, type IngestStatus, type IngestSummary } from './ingest.js';
export {
  lookbackDomain, lookbackHost, lookbackIp, checkAddress, checkName,
  type ConnectedHost, type Destination, type DomainLookback, type HostActivity, type HostLookback, type IpLookback, type LookbackOptions, type SubdomainSummary,
} from './lookback.js';
export { formatTime, parseDuration, parseWhen, parseWindow } from './time.js';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Open for reading only; the store must exist. */
  readOnly?: boolean;
}

/**
 * Open a store by location: a DuckDB file path (created when missing, unless read-only), or a
 * ClickHouse server or cluster, `clickhouse://user:pass@host:8123/db[?cluster=NAME]`
 * (`clickhouses://` for HTTPS; the database is created when missing, unless read-only).
 */
export async function openStore(location: string = DEFAULT_DB_PATH, opts: OpenStoreOptions = {}): Promise<Store> {
  if (/^clickhouses?:\/\//i.test(location)) return openClickHouseStore(location, { readOnly: opts.readOnly === true });
  if (opts.readOnly && location !== ':memory:' && !existsSync(location)) {
    throw new StoreError('STORE_OPEN', `Cannot open store ${location}: no such file (run c2hunt ingest first, or give --db)`);
  }
  return openDuckDBStore(location, { readOnly: opts.readOnly === true });
}
