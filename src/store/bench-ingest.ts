/**
 * Ingest benchmark (a script, not a test): generates a day of Zeek TSV logs (conn logs of
 * FILE_RECORDS lines each, Zeek's default conn fields plus community_id, and a dns log with one
 * answered lookup per DNS_EVERY connections so passive DNS has work), ingests them with
 * `ingestPaths` into a fresh DuckDB store, exactly as `c2hunt ingest DIR` would, then times
 * lookback queries on the result.
 *
 *   node dist/store/bench-ingest.js [records=10000000] [db=$TMPDIR/c2hunt-bench.duckdb] [--gzip] [--reader]
 *
 * --gzip: the logs are gzip-compressed, as Zeek archives them. --reader: every file goes
 * through the format readers and the chunk appender (hides the store's bulk loader, bulk.ts),
 * the path of any store without one; for comparison.
 *
 * The generated logs are kept in $TMPDIR/c2hunt-bench-logs-<records>[-gz] (C2HUNT_BENCH_LOGS to
 * choose) and reused by later runs; the store file is deleted at the end unless C2HUNT_BENCH_KEEP
 * is set. Prints records/s (conn+dns, and conn alone), CPU seconds, peak RSS, the store file size,
 * lookback latencies and the time the store takes to close (its last checkpoint), then the same
 * as one JSON line. C2HUNT_BENCH_FILES=1 also lists each file's seconds.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { once } from 'node:events';
import { DEFAULT_MEMORY_LIMIT, openDuckDBStore } from './duckdb/duckdb-store.js';
import { ingestPaths } from './ingest.js';
import { lookbackDomain, lookbackHost, lookbackIp } from './lookback.js';
import { readerOnly } from './testing/reader-only.js';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`Usage: node dist/store/bench-ingest.js [records=10000000] [db=$TMPDIR/c2hunt-bench.duckdb] [--gzip] [--reader]

Generates a day of Zeek conn + dns logs (kept in $TMPDIR/c2hunt-bench-logs-<records> for reuse),
ingests them into a fresh DuckDB store as \`c2hunt ingest DIR\` would, and times lookbacks.
  --gzip     gzip-compressed logs, as Zeek archives them
  --reader   every file through the JS readers (no DuckDB bulk loader), for comparison
Environment: C2HUNT_BENCH_LOGS (log folder), C2HUNT_BENCH_KEEP=1 (keep the store), C2HUNT_BENCH_FILES=1 (seconds per file).
`);
  process.exit(0);
}
/** Progress lines only on a terminal (a log or a pipe gets the summary alone). */
const TTY = process.stderr.isTTY === true;
const positional = args.filter((a) => !a.startsWith('--'));
const N = Number(positional[0] ?? 10_000_000);
const DB = positional[1] ?? join(tmpdir(), 'c2hunt-bench.duckdb');
const GZIP = args.includes('--gzip');
const READER = args.includes('--reader');
/** Lines per conn log (an hourly conn log of a busy site). */
const FILE_RECORDS = 1_000_000;
/** One DNS record per this many conn records. */
const DNS_EVERY = 20;
/** Internal hosts and external addresses the generator draws from. */
const HOSTS = 2000;
const EXTERNALS = 200_000;
/** Span of the generated traffic, seconds. */
const SPAN = 86400;
const T0 = 1714521600;
/** The beaconing pair planted in the data, and the name of its C2. */
const BEACON_HOST = '10.0.3.7';
const C2_IP = '203.0.113.66';
const C2_NAME = 'update.evil-cdn.example';
/** Lines joined per write while generating. */
const WRITE_BATCH_LINES = 10_000;
/** Bump when the generated logs change, so kept logs of an older generator are not reused. */
const GENERATOR_VERSION = 2;

let seed = 0x9e3779b9;
function rnd(): number {
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}

const hosts = Array.from({ length: HOSTS }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) || 1}`);
const externals = Array.from({ length: EXTERNALS }, (_, i) => `${11 + (i % 200)}.${(i >> 8) & 255}.${i & 255}.${(i * 7) & 255}`);
const names = Array.from({ length: EXTERNALS / 10 }, (_, i) => `host${i}.site${i % 997}.example`);
const pool = randomBytes(1 << 20).toString('base64').replace(/[+/=]/g, 'x');
const histories = ['ShADadFf', 'ShADadfF', 'S', 'ShAdDaFf', 'Dd', 'D', 'ShADadR'];
const states = ['SF', 'SF', 'SF', 'S0', 'REJ', 'RSTO', 'OTH'];

/** Zeek's default conn log fields (Zeek 6), plus community_id (its community-id policy script). */
const CONN_FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration',
  'orig_bytes', 'resp_bytes', 'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history', 'orig_pkts',
  'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'tunnel_parents', 'community_id'];
const CONN_TYPES = ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'string', 'interval', 'count', 'count',
  'string', 'bool', 'bool', 'count', 'string', 'count', 'count', 'count', 'count', 'set[string]', 'string'];
const DNS_FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'trans_id', 'rtt', 'query',
  'qclass', 'qclass_name', 'qtype', 'qtype_name', 'rcode', 'rcode_name', 'AA', 'TC', 'RD', 'RA', 'Z', 'answers', 'TTLs', 'rejected'];
const DNS_TYPES = ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'count', 'interval', 'string', 'count', 'string',
  'count', 'string', 'count', 'string', 'bool', 'bool', 'bool', 'bool', 'count', 'vector[string]', 'vector[interval]', 'bool'];

function header(path: string, fields: string[], types: string[]): string {
  return `#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t${path}\n`
    + `#open\t2024-05-01-00-00-00\n#fields\t${fields.join('\t')}\n#types\t${types.join('\t')}\n`;
}

/** The i-th conn line. */
function connLine(i: number): { line: string; ts: number } {
  const beacon = i % 5000 === 0;
  const udp = !beacon && rnd() < 0.2;
  const ext = beacon ? C2_IP : externals[Math.floor(EXTERNALS * rnd() ** 3)]!;
  const o = (i * 47) % (pool.length - 64);
  const state = states[i % 7]!;
  const noPayload = state === 'S0' || state === 'REJ';
  const ob = Math.floor(rnd() * 5000), rb = Math.floor(rnd() * 80000), op = 1 + Math.floor(rnd() * 40), rp = Math.floor(rnd() * 40);
  const ts = T0 + (i / N) * SPAN;
  const orig = beacon ? BEACON_HOST : hosts[Math.floor(HOSTS * rnd())]!;
  const line = `${ts.toFixed(6)}\tC${pool.slice(o, o + 17)}\t${orig}\t${1024 + Math.floor(rnd() * 64000)}\t${ext}\t`
    + `${beacon ? 443 : udp ? 53 : rnd() < 0.8 ? 443 : 80}\t${udp ? 'udp' : 'tcp'}\t${udp ? 'dns' : i % 3 === 0 ? '-' : 'ssl'}\t`
    + `${noPayload ? '-' : (rnd() * 30).toFixed(6)}\t${noPayload ? '-' : ob}\t${noPayload ? '-' : rb}\t${state}\tT\tF\t0\t`
    + `${histories[i % 7]}\t${op}\t${ob + op * 52}\t${rp}\t${rb + rp * 52}\t(empty)\t1:${pool.slice(o + 17, o + 44)}=`;
  return { line, ts };
}

/** The dns line after conn line i. */
function dnsLine(i: number, ts: number): string {
  const beacon = i % (DNS_EVERY * 50) === 0;
  const e = beacon ? -1 : Math.floor(EXTERNALS * rnd() ** 3);
  const orig = beacon ? BEACON_HOST : hosts[i % HOSTS]!;
  const query = beacon ? C2_NAME : names[Math.floor(e / 10)]!;
  return `${ts.toFixed(6)}\tD${i.toString(36)}\t${orig}\t50000\t10.0.0.53\t53\tudp\t${i & 0xffff}\t0.001000\t${query}\t1\tC_INTERNET\t1\tA\t0\tNOERROR\t`
    + `F\tF\tT\tT\t0\t${beacon ? C2_IP : externals[e]!}\t300.000000\tF`;
}

/** A log file being written (gzip or not), renamed into place when complete. */
class LogOut {
  private readonly ws: WriteStream;
  private readonly out: NodeJS.WritableStream;
  private lines: string[] = [];
  constructor(private readonly path: string, head: string) {
    this.ws = createWriteStream(path + '.part');
    if (GZIP) {
      const gz = createGzip({ level: 6 });
      gz.pipe(this.ws);
      this.out = gz;
    } else this.out = this.ws;
    this.out.write(head);
  }
  async line(l: string): Promise<void> {
    this.lines.push(l);
    if (this.lines.length >= WRITE_BATCH_LINES) await this.flush();
  }
  private async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    const ok = this.out.write(this.lines.join('\n') + '\n');
    this.lines = [];
    if (!ok) await once(this.out, 'drain');
  }
  async close(): Promise<void> {
    await this.flush();
    this.out.end('#close\t2024-05-02-00-00-00\n');
    await once(this.ws, 'close');
    renameSync(this.path + '.part', this.path);
  }
}

/** Write the logs (unless a complete set is kept from an earlier run); returns the day folder. */
async function generate(dir: string): Promise<string> {
  const day = join(dir, '2024-05-01');
  if (existsSync(join(dir, 'complete'))) return day;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(day, { recursive: true });
  const g0 = performance.now();
  const files = Math.ceil(N / FILE_RECORDS);
  for (let f = 0; f < files; f++) {
    const name = `${String(f).padStart(2, '0')}:00:00-${String(f + 1).padStart(2, '0')}:00:00.log${GZIP ? '.gz' : ''}`;
    const conn = new LogOut(join(day, `conn.${name}`), header('conn', CONN_FIELDS, CONN_TYPES));
    const dns = new LogOut(join(day, `dns.${name}`), header('dns', DNS_FIELDS, DNS_TYPES));
    for (let i = f * FILE_RECORDS; i < Math.min(N, (f + 1) * FILE_RECORDS); i++) {
      const c = connLine(i);
      await conn.line(c.line);
      if (i % DNS_EVERY === 0) await dns.line(dnsLine(i, c.ts));
    }
    await conn.close();
    await dns.close();
    if (TTY) process.stderr.write(`\rgenerated ${Math.min(N, (f + 1) * FILE_RECORDS).toLocaleString('en-US')} conn lines`);
  }
  createWriteStream(join(dir, 'complete')).end(`generator ${GENERATOR_VERSION}\n`);
  process.stderr.write(`${TTY ? '' : `generated ${N.toLocaleString('en-US')} conn lines`} in ${((performance.now() - g0) / 1000).toFixed(1)} s\n`);
  return day;
}

async function main(): Promise<void> {
  const logs = process.env.C2HUNT_BENCH_LOGS ?? join(tmpdir(), `c2hunt-bench-logs-${N}-v${GENERATOR_VERSION}${GZIP ? '-gz' : ''}`);
  const day = await generate(logs);
  const logBytes = readdirSync(day).reduce((n, f) => n + statSync(join(day, f)).size, 0);
  rmSync(DB, { force: true });
  rmSync(DB + '.wal', { force: true });

  const store = await openDuckDBStore(DB);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const summary = await ingestPaths(READER ? readerOnly(store) : store, [day], {
    onProgress: (p) => TTY && process.stderr.write(`\r${p.phase} ${p.index + 1}/${p.files} ${p.records.toLocaleString('en-US')} records   `),
  });
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  const ingestRss = process.resourceUsage().maxRSS / 1024;
  process.stderr.write('\n');
  if (process.env.C2HUNT_BENCH_FILES) {
    for (const f of summary.files) process.stderr.write(`  ${f.path.split('/').pop()} ${f.status} ${f.seconds.toFixed(2)} s ${f.format ?? ''}\n`);
  }
  const failed = summary.files.filter((f) => f.status !== 'ingested');
  if (failed.length > 0) throw new Error(`not ingested: ${failed.map((f) => `${f.path}: ${f.status} ${f.reason ?? ''}`).join('; ')}`);
  const conn = summary.records.conn;
  const total = conn + summary.records.dns;

  const time = async (label: string, fn: () => Promise<unknown>): Promise<[string, number]> => {
    const a = performance.now();
    await fn();
    return [label, (performance.now() - a) / 1000];
  };
  const lat: [string, number][] = [];
  lat.push(await time(`lookback ip ${C2_IP} (beacon C2, ${Math.ceil(N / 5000).toLocaleString('en-US')} conns), cold`, () => lookbackIp(store, C2_IP)));
  lat.push(await time(`lookback ip ${C2_IP}, warm`, () => lookbackIp(store, C2_IP)));
  lat.push(await time(`lookback ip ${externals[0]} (most popular address)`, () => lookbackIp(store, externals[0]!)));
  lat.push(await time(`lookback ip ${externals[EXTERNALS - 1]} (rare address)`, () => lookbackIp(store, externals[EXTERNALS - 1]!)));
  lat.push(await time(`lookback ip ${C2_IP} --conns`, () => lookbackIp(store, C2_IP, { conns: true })));
  lat.push(await time(`lookback domain ${C2_NAME}`, () => lookbackDomain(store, C2_NAME)));
  lat.push(await time(`lookback host ${BEACON_HOST}`, () => lookbackHost(store, BEACON_HOST)));
  const counts = await store.counts();
  const c0 = performance.now();
  await store.close();
  const closeSecs = (performance.now() - c0) / 1000;
  const size = statSync(DB).size;
  const rss = process.resourceUsage().maxRSS / 1024;

  const lines = [
    `input                  ${summary.files.length} Zeek TSV logs${GZIP ? ' (gzip)' : ''}, ${(logBytes / 1e6).toFixed(0)} MB, ${logs}`,
    `path                   ${READER ? 'format readers + chunk appender (--reader)' : 'store bulk loader where it applies'}`,
    `records                conn ${conn.toLocaleString('en-US')}, dns ${summary.records.dns.toLocaleString('en-US')} (stored: conn ${counts.conn.toLocaleString('en-US')}, dns ${counts.dns.toLocaleString('en-US')}); bad lines ${summary.bad_lines}`,
    `seconds                ${secs.toFixed(1)} (hashing, reading, storing, commits)`,
    `records/s              ${Math.round(total / secs).toLocaleString('en-US')} (conn+dns)`,
    `conn records/s         ${Math.round(conn / secs).toLocaleString('en-US')}`,
    `CPU seconds            ${cpuSecs.toFixed(1)} (all threads; ${(cpuSecs * 1e6 / total).toFixed(2)} us per record; wall and CPU differ when the machine is shared)`,
    `peak RSS               ${ingestRss.toFixed(0)} MB ingesting, ${rss.toFixed(0)} MB with the lookbacks (DuckDB memory limit ${process.env.C2HUNT_DUCKDB_MEMORY ?? DEFAULT_MEMORY_LIMIT})`,
    `store file             ${(size / 1e6).toFixed(0)} MB (${(size / conn).toFixed(1)} bytes/conn); closing it took ${closeSecs.toFixed(2)} s`,
    ...lat.map(([l, s]) => `${l.padEnd(22)} ${(s * 1000).toFixed(0)} ms`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  process.stdout.write(JSON.stringify({
    records: conn, dns: summary.records.dns, gzip: GZIP, reader: READER, seconds: secs, records_per_sec: total / secs, conn_per_sec: conn / secs,
    cpu_seconds: cpuSecs, close_seconds: closeSecs, peak_rss_ingest_mb: ingestRss, peak_rss_mb: rss, file_mb: size / 1e6, latency_s: Object.fromEntries(lat),
  }) + '\n');
  if (!process.env.C2HUNT_BENCH_KEEP) {
    rmSync(DB, { force: true });
    rmSync(DB + '.wal', { force: true });
  }
}

await main();
