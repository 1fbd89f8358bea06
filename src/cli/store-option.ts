/**
 * The store option every command that reads or writes the store shares. A store is named by a
 * location: a DuckDB file path (the default, `c2hunt.duckdb`) or a ClickHouse URL
 * (`clickhouse://user:pass@host:8123/db[?cluster=NAME]`). Where it comes from, first match wins:
 * `--store` (or its older name `--db`), `$C2HUNT_STORE`, the config file's `"store"` key, the
 * default file. One rule for every command, so a site that runs on ClickHouse sets it once.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { DEFAULT_DB_PATH } from '../store/index.js';

/** Environment variable naming the store location. */
export const STORE_ENV = 'C2HUNT_STORE';

/** Flags the store options add to a command's options object. */
export interface StoreFlags {
  store?: string;
  /** `--db`; `false` after `--no-db` on commands that offer it. */
  db?: string | false;
  config?: string;
}

const isUrl = (loc: string): boolean => /^clickhouses?:\/\//i.test(loc);

/**
 * Add `--store <location>` and `--db <location>` (same meaning) to a command. `what` ends the
 * help sentence: what the command does with the store.
 */
export function addStoreOption(cmd: Command, what: string): Command {
  return cmd
    .option('--store <location>', `store ${what}: a DuckDB file or clickhouse://user:pass@host:8123/db[?cluster=NAME] (default $${STORE_ENV}, else the config file's "store", else ./${DEFAULT_DB_PATH})`)
    .option('--db <location>', 'same as --store');
}

/** The store location a command uses (see the module comment for the order). */
export function storeLocation(o: StoreFlags, env: NodeJS.ProcessEnv = process.env): string {
  if (o.store !== undefined) return o.store;
  if (typeof o.db === 'string') return o.db;
  const fromEnv = env[STORE_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv;
  return loadConfig(o.config, env).settings.store ?? DEFAULT_DB_PATH;
}

/** The location as shown to the user: credentials of a URL removed. */
export function storeLabel(location: string): string {
  return isUrl(location) ? location.replace(/\/\/[^@/]*@/, '//') : location;
}

/**
 * Whether a store is there to read: a DuckDB file exists (or is `:memory:`); a server store is
 * assumed to exist (opening it says clearly when it is unreachable).
 */
export function storeExists(location: string): boolean {
  return location === ':memory:' || isUrl(location) || existsSync(location);
}

/** The `--store X` arguments to repeat in a hint, empty for the default store. */
export function storeHintArgs(location: string): string {
  return location === DEFAULT_DB_PATH ? '' : ` --store ${storeLabel(location)}`;
}
