/**
 * Scale-out benchmark (a script, not a test): the same simulated day stored and analysed on
 * DuckDB, on a single ClickHouse node and on the two-shard ClickHouse cluster, side by side.
 *
 *   npm run bench:clickhouse -- [--conns 10000000] [--hosts 5000] [--only duckdb,single,cluster]
 *
 * Each backend runs `bench-detect --store LOCATION` in its own process (so peak RSS is per
 * backend): the day's records are written through the Store API in ingests of one million
 * (as files would be), read back with `loadDataset` and every detector runs on them, which is
 * what `c2hunt ingest` then `c2hunt detect` do. A first in-memory run of the same generator
 * gives the generation time, subtracted from the store phase to get the ingest rate.
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

const run = promisify(execFile);
const BENCH_DETECT = fileURLToPath(new URL('../detect/bench-detect.js', import.meta.url));
/** Database the benchmark (re)creates on the ClickHouse servers. */
const BENCH_DB = 'c2hunt_bench';
/** Heap for each run: 10 million records in memory as objects. */
const HEAP_MB = 16384;

interface Args { conns: number; hosts: number; only: Set<string> }

function parseArgs(argv: string[]): Args {
  const a: Args = { conns: 10_000_000, hosts: 5000, only: new Set(['duckdb', 'single', 'cluster']) };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!, v = argv[i + 1];
    const num = (): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${k} needs a positive whole number, got '${v ?? ''}'`);
      i++;
      return n;
    };
    if (k === '--conns') a.conns = num();
    else if (k === '--hosts') a.hosts = num();
    else if (k === '--only' && v !== undefined) { a.only = new Set(v.split(',')); i++; }
    else throw new Error(`unknown argument ${k} (see the header of src/store/bench-clickhouse.ts)`);
  }
  return a;
}

/** The last JSON line bench-detect prints. */
interface DetectDoc {
  conns: number; dns: number; seconds: Record<string, number>; detectors_total_s: number;
  dataset_plus_detectors_s: number; findings: number; beacon_recall: number; peak_rss_mb: number;
}

async function benchDetect(args: Args, store?: string): Promise<DetectDoc> {
  const argv = [`--max-old-space-size=${HEAP_MB}`, BENCH_DETECT, '--conns', String(args.conns), '--hosts', String(args.hosts)];
  if (store !== undefined) argv.push('--store', store);
  const { stdout } = await run(process.execPath, argv, { maxBuffer: 64 << 20 });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as DetectDoc;
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
  process.stderr.write(`generating ${args.conns.toLocaleString('en-US')} connections in memory (for the generation time)...\n`);
  const mem = await benchDetect(args);
  const gen = mem.seconds['generate'] ?? 0;
  const rows: { name: string; doc: DetectDoc }[] = [{ name: 'in memory (no store)', doc: mem }];

  if (args.only.has('duckdb')) {
    const file = join(tmpdir(), 'c2hunt-bench-clickhouse.duckdb');
    rmSync(file, { force: true });
    process.stderr.write('DuckDB...\n');
    rows.push({ name: 'DuckDB file', doc: await benchDetect(args, file) });
  }
  if (args.only.has('single')) {
    process.stderr.write(`ClickHouse single node ${new URL(single).host}...\n`);
    await dropBenchDatabase(storeUrl(single, BENCH_DB));
    rows.push({ name: 'ClickHouse, 1 node', doc: await benchDetect(args, storeUrl(single, BENCH_DB)) });
  }
  if (args.only.has('cluster')) {
    const name = new URL(cluster).searchParams.get('cluster') ?? 'c2hunt';
    process.stderr.write(`ClickHouse cluster ${name}...\n`);
    await dropBenchDatabase(storeUrl(cluster, BENCH_DB));
    rows.push({ name: `ClickHouse, 2 shards`, doc: await benchDetect(args, storeUrl(cluster, BENCH_DB)) });
  }

  const header = ['store', 'ingest s', 'records/s', 'load s', 'detect s', 'load+detect s', 'findings', 'recall', 'peak RSS MB'];
  const table = rows.map(({ name, doc }) => {
    const storeS = doc.seconds['generate + store (Store API)'];
    const loadS = doc.seconds['dataset (loadDataset from the store)'] ?? doc.seconds['dataset (buildDataset, in memory)'] ?? 0;
    const ingest = storeS === undefined ? undefined : Math.max(0.001, storeS - gen);
    return [name, ingest === undefined ? '-' : fmt(ingest), ingest === undefined ? '-' : Math.round((doc.conns + doc.dns) / ingest).toLocaleString('en-US'),
      fmt(loadS), fmt(doc.detectors_total_s), fmt(doc.dataset_plus_detectors_s), String(doc.findings), fmt(doc.beacon_recall, 2), String(doc.peak_rss_mb)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write(`${mem.conns.toLocaleString('en-US')} connections + ${mem.dns.toLocaleString('en-US')} DNS records, ${args.hosts} hosts; generation ${fmt(gen)} s (subtracted from ingest)\n`);
  process.stdout.write([line(header), ...table.map(line)].join('\n') + '\n');
  const base = rows[0]!.doc.findings;
  for (const { name, doc } of rows.slice(1)) {
    if (doc.findings !== base) process.stdout.write(`note: ${name} found ${doc.findings} findings, in memory ${base}\n`);
  }
  process.stdout.write(JSON.stringify({ generate_s: gen, runs: rows.map(({ name, doc }) => ({ name, ...doc })) }) + '\n');
}

await main();
