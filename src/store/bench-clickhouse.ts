/**
 * Scale-out benchmark (a script, not a test): the same simulated day stored and analysed on
 * DuckDB, on a single ClickHouse node and on the two-shard ClickHouse cluster, side by side.
 *
 *   npm run bench:clickhouse -- [--conns 10000000] [--hosts 5000] [--only duckdb,single,cluster]
 *                               [--partitions 2] [--no-memory]
 *
 * Each backend runs `bench-detect --store LOCATION` in its own process (so peak RSS is per
 * backend): the day's records are written through the Store API in ingests of one million
 * (as files would be), read back with `loadDataset` and every detector runs on them, which is
 * what `c2hunt ingest` then `c2hunt detect` do. A first in-memory run of the same generator
 * gives the generation time, subtracted from the store phase to get the ingest rate
 * (`--no-memory`: the generator alone is timed instead, which saves one whole detection run).
 *
 * Detection at scale: afterwards each store is loaded again by `bench-load` as each of
 * `--partitions` partitions of the sources (what `c2hunt detect --partition I/N` loads: the
 * partition's records filtered in SQL plus everyone's context from store aggregates); the table
 * shows the slowest partition's load next to the whole load of the detection run.
 *
 * Servers: $C2HUNT_CLICKHOUSE_URL (single node, default http://127.0.0.1:18123) and
 * $C2HUNT_CLICKHOUSE_CLUSTER_URL (default http://127.0.0.1:18124/?cluster=c2hunt), as started by
 * scripts/clickhouse.sh. The benchmark database `c2hunt_bench` is dropped before each run (on
 * every shard of the cluster) and left in place afterwards for queries by hand.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openClickHouseStore } from './clickhouse/clickhouse-store.js';
import { DayGenerator } from '../detect/bench-day.js';
import { benchFlags, positiveWhole } from '../tools/bench-args.js';

const run = promisify(execFile);
const BENCH_DETECT = fileURLToPath(new URL('../detect/bench-detect.js', import.meta.url));
const BENCH_LOAD = fileURLToPath(new URL('./bench-load.js', import.meta.url));
/** Database the benchmark (re)creates on the ClickHouse servers. */
const BENCH_DB = 'c2hunt_bench';
/** Heap for each run: 10 million records in memory as objects. */
const HEAP_MB = 16384;

interface Args { conns: number; hosts: number; only: Set<string>; partitions: number; memory: boolean }

function parseArgs(argv: string[]): Args {
  const f = benchFlags(argv, { strings: ['conns', 'hosts', 'only', 'partitions'], switches: ['no-memory'] }, 'src/store/bench-clickhouse.ts');
  return {
    conns: positiveWhole('conns', f['conns'], 10_000_000), hosts: positiveWhole('hosts', f['hosts'], 5000),
    only: new Set(typeof f['only'] === 'string' ? f['only'].split(',') : ['duckdb', 'single', 'cluster']),
    partitions: positiveWhole('partitions', f['partitions'], 2), memory: f['no-memory'] !== true,
  };
}

/** The last JSON line bench-detect prints. */
interface DetectDoc {
  conns: number; dns: number; seconds: Record<string, number>; detectors_total_s: number;
  dataset_plus_detectors_s: number; findings: number; beacon_recall: number; peak_rss_mb: number;
}

async function benchDetect(args: Args, store?: string): Promise<DetectDoc> {
  const argv = [`--max-old-space-size=${HEAP_MB}`, BENCH_DETECT, '--conns', String(args.conns), '--hosts', String(args.hosts)];
  if (store !== undefined) argv.push('--store', store);
  // The store is kept for the load-only runs that follow (bench-load --reuse).
  const { stdout } = await run(process.execPath, argv, { maxBuffer: 64 << 20, env: { ...process.env, C2HUNT_BENCH_KEEP: '1' } });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as DetectDoc;
}

/** The last JSON line bench-load prints. */
interface LoadDoc { peak_rss_mb: number; load: { part: string; seconds: number; cpu_seconds: number }[] }

/** Load a filled store again as each of `partitions` partitions (loadDataset only). */
async function benchLoad(store: string, partitions: number): Promise<LoadDoc> {
  const argv = [`--max-old-space-size=${HEAP_MB}`, BENCH_LOAD, '--store', store, '--reuse', '--quick', '--partitions-only', '--partitions', String(partitions)];
  const { stdout } = await run(process.execPath, argv, { maxBuffer: 64 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as LoadDoc;
}

/** Seconds the day's generator alone takes (no store, no detection). */
async function generationSeconds(args: Args): Promise<{ seconds: number; conns: number; dns: number }> {
  const gen = new DayGenerator({ conns: args.conns, hosts: args.hosts, beacons: 20, seed: 1 });
  const t = performance.now();
  let conns = 0, dns = 0;
  await gen.generate((c, d) => { conns += c.length; dns += d.length; });
  return { seconds: (performance.now() - t) / 1000, conns, dns };
}

/** Drop the benchmark database (on every shard of a cluster) so the run starts empty. */
async function dropBenchDatabase(location: string): Promise<void> {
  const store = await openClickHouseStore(location);
  try {
    await store.dropDatabase();
  } finally {
    await store.close();
  }
}

function storeUrl(base: string, db: string): string {
  const u = new URL(base);
  return `clickhouse://${u.host}/${db}${u.searchParams.get('cluster') ? `?cluster=${u.searchParams.get('cluster')}` : ''}`;
}

const fmt = (n: number, d = 1): string => n.toFixed(d);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const single = process.env.C2HUNT_CLICKHOUSE_URL ?? 'http://127.0.0.1:18123';
  const cluster = process.env.C2HUNT_CLICKHOUSE_CLUSTER_URL ?? 'http://127.0.0.1:18124/?cluster=c2hunt';
  const rows: { name: string; doc: DetectDoc; load?: LoadDoc }[] = [];
  let gen: number;
  let total: { conns: number; dns: number };
  if (args.memory) {
    process.stderr.write(`generating ${args.conns.toLocaleString('en-US')} connections in memory (for the generation time)...\n`);
    const mem = await benchDetect(args);
    gen = mem.seconds['generate'] ?? 0;
    total = mem;
    rows.push({ name: 'in memory (no store)', doc: mem });
  } else {
    process.stderr.write(`timing the generator alone (${args.conns.toLocaleString('en-US')} connections)...\n`);
    const g = await generationSeconds(args);
    gen = g.seconds;
    total = g;
  }
  const stores: [string, string, () => Promise<string>][] = [
    ['duckdb', 'DuckDB file', async () => { const f = join(tmpdir(), 'c2hunt-bench-clickhouse.duckdb'); rmSync(f, { force: true }); return f; }],
    ['single', 'ClickHouse, 1 node', async () => { await dropBenchDatabase(storeUrl(single, BENCH_DB)); return storeUrl(single, BENCH_DB); }],
    ['cluster', 'ClickHouse, 2 shards', async () => { await dropBenchDatabase(storeUrl(cluster, BENCH_DB)); return storeUrl(cluster, BENCH_DB); }],
  ];
  for (const [key, name, prepare] of stores) {
    if (!args.only.has(key)) continue;
    process.stderr.write(`${name}...\n`);
    const location = await prepare();
    const doc = await benchDetect(args, location);
    process.stderr.write(`${name}: loading again as ${args.partitions} partitions...\n`);
    const load = await benchLoad(location, args.partitions);
    if (key === 'duckdb') rmSync(location, { force: true });
    rows.push({ name, doc, load });
  }

  const header = ['store', 'ingest s', 'records/s', 'load s', 'detect s', 'load+detect s', 'findings', 'recall', 'peak RSS MB', `1/${args.partitions} load s (max)`];
  const table = rows.map(({ name, doc, load }) => {
    const storeS = doc.seconds['generate + store (Store API)'];
    const loadS = doc.seconds['dataset (loadDataset from the store)'] ?? doc.seconds['dataset (buildDataset, in memory)'] ?? 0;
    const ingest = storeS === undefined ? undefined : Math.max(0.001, storeS - gen);
    const parts = load?.load.filter((l) => l.part !== 'whole') ?? [];
    return [name, ingest === undefined ? '-' : fmt(ingest), ingest === undefined ? '-' : Math.round((doc.conns + doc.dns) / ingest).toLocaleString('en-US'),
      fmt(loadS), fmt(doc.detectors_total_s), fmt(doc.dataset_plus_detectors_s), String(doc.findings), fmt(doc.beacon_recall, 2), String(doc.peak_rss_mb),
      parts.length > 0 ? fmt(Math.max(...parts.map((l) => l.seconds))) : '-'];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write(`${total.conns.toLocaleString('en-US')} connections + ${total.dns.toLocaleString('en-US')} DNS records, ${args.hosts} hosts; generation ${fmt(gen)} s (subtracted from ingest)\n`);
  process.stdout.write([line(header), ...table.map(line)].join('\n') + '\n');
  const base = rows[0]?.doc.findings;
  for (const { name, doc } of rows.slice(1)) {
    if (doc.findings !== base) process.stdout.write(`note: ${name} found ${doc.findings} findings, ${rows[0]!.name} ${base}\n`);
  }
  process.stdout.write(JSON.stringify({ generate_s: gen, partitions: args.partitions, runs: rows.map(({ name, doc, load }) => ({ name, ...doc, ...(load !== undefined ? { partition_loads: load } : {}) })) }) + '\n');
}

await main();
