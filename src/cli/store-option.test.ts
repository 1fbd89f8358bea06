import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeExists, storeHintArgs, storeLabel, storeLocation } from './store-option.js';

test('store location: --store, then --db, then $C2HUNT_STORE, then the config file, then the default', () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-store-opt-'));
  const cfg = join(dir, 'c.json');
  writeFileSync(cfg, JSON.stringify({ store: 'clickhouse://ch1:8123/site' }));
  const env = { C2HUNT_STORE: 'env.duckdb' };
  assert.equal(storeLocation({ store: 'a.duckdb', db: 'b.duckdb', config: cfg }, env), 'a.duckdb');
  assert.equal(storeLocation({ db: 'b.duckdb', config: cfg }, env), 'b.duckdb');
  assert.equal(storeLocation({ config: cfg }, env), 'env.duckdb');
  assert.equal(storeLocation({ config: cfg }, {}), 'clickhouse://ch1:8123/site');
  assert.equal(storeLocation({ db: false }, {}), 'c2hunt.duckdb', '--no-db is handled by the command; the location falls back');
  writeFileSync(cfg, JSON.stringify({ store: '' }));
  assert.throws(() => storeLocation({ config: cfg }, {}), /store must be a DuckDB file path or a clickhouse:\/\/ URL/);
});

test('store label hides credentials; existence of files and servers', () => {
  assert.equal(storeLabel('clickhouse://c2hunt:s3cr%40t@ch1:8123/db?cluster=c'), 'clickhouse://ch1:8123/db?cluster=c');
  assert.equal(storeLabel('site.duckdb'), 'site.duckdb');
  assert.equal(storeExists('clickhouse://ch1:8123/db'), true);
  assert.equal(storeExists(':memory:'), true);
  assert.equal(storeExists(join(tmpdir(), 'no-such-c2hunt-store.duckdb')), false);
  assert.equal(storeHintArgs('c2hunt.duckdb'), '');
  assert.equal(storeHintArgs('clickhouse://u:p@h:8123/d'), ' --store clickhouse://h:8123/d');
});
