/**
 * Ingest benchmark (a script, not a test): generates Zeek-like conn records in memory (plus one
 * DNS answer per DNS_EVERY conns so passive DNS has work), writes them straight into a fresh
 * DuckDB store in ingests of FILE_RECORDS records (one transaction each, as files would be),
 * then times lookback queries on the result.
 *
 *   node dist/store/bench-ingest.js [records=10000000] [db=$TMPDIR/c2hunt-bench.duckdb]
 *
 * The store file is deleted at the end unless C2HUNT_BENCH_KEEP is set (to try queries on it).
 * Prints records/s (overall, and into the store alone: generation time measured separately and
 * subtracted), peak RSS, the store file size and lookback latencies.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnRecord, DnsRecord } from '../records/schema.js';
import { openDuckDBStore } from './duckdb/duckdb-store.js';
import { lookbackDomain, lookbackHost, lookbackIp } from './lookback.js';

const N = Number(process.argv[2] ?? 10_000_000);
const DB = process.argv[3] ?? join(tmpdir(), 'c2hunt-bench.duckdb');
/** Records per ingest (a Zeek hourly conn log of a busy site). */
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

/** The i-th generated conn record (a new object each time, as a log reader makes them). */
function connAt(i: number): ConnRecord {
  const beacon = i % 5000 === 0;
  const udp = !beacon && rnd() < 0.2;
  const ext = beacon ? C2_IP : externals[Math.floor(EXTERNALS * rnd() ** 3)]!;
  const o = (i * 47) % (pool.length - 64);
  const ob = Math.floor(rnd() * 5000), rb = Math.floor(rnd() * 80000), op = 1 + Math.floor(rnd() * 40), rp = Math.floor(rnd() * 40);
  return {
    ts: T0 + (i / N) * SPAN, uid: 'C' + pool.slice(o, o + 17), community_id: '1:' + pool.slice(o + 17, o + 45),
    orig_h: beacon ? BEACON_HOST : hosts[Math.floor(HOSTS * rnd())]!, orig_p: 1024 + Math.floor(rnd() * 64000),
    resp_h: ext, resp_p: beacon ? 443 : udp ? 53 : rnd() < 0.8 ? 443 : 80, proto: udp ? 'udp' : 'tcp', service: udp ? 'dns' : 'ssl',
    duration: rnd() * 30, orig_bytes: ob, resp_bytes: rb, conn_state: states[i % 7]!, missed_bytes: 0, history: histories[i % 7]!,
    orig_pkts: op, orig_ip_bytes: ob + op * 52, resp_pkts: rp, resp_ip_bytes: rb + rp * 52,
  };
}

function dnsAt(i: number, ts: number): DnsRecord {
  const beacon = i % (DNS_EVERY * 50) === 0;
  const e = beacon ? -1 : Math.floor(EXTERNALS * rnd() ** 3);
  return {
    ts, uid: 'D' + i.toString(36), orig_h: beacon ? BEACON_HOST : hosts[i % HOSTS]!, orig_p: 50000, resp_h: '10.0.0.53', resp_p: 53,
    proto: 'udp', trans_id: i & 0xffff, query: beacon ? C2_NAME : names[Math.floor(e / 10)]!, qtype: 1, qtype_name: 'A', rcode: 0,
    rcode_name: 'NOERROR', AA: false, TC: false, RD: true, RA: true, Z: 0, answers: [beacon ? C2_IP : externals[e]!], TTLs: [300], rejected: false,
  };
}

async function main(): Promise<void> {
  rmSync(DB, { force: true });
  rmSync(DB + '.wal', { force: true });

  // Generation alone, on a sample, to separate its cost from the store's.
  const sample = Math.min(N, 1_000_000);
  let g0 = performance.now();
  let sink = 0;
  for (let i = 0; i < sample; i++) { const c = connAt(i); sink += c.orig_p; if (i % DNS_EVERY === 0) sink += dnsAt(i, c.ts).trans_id; }
  const genPerRecord = (performance.now() - g0) / 1000 / sample;
  seed = 0x9e3779b9;

  const store = await openDuckDBStore(DB);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let written = 0, dnsWritten = 0, file = 0;
  const perFile: number[] = [];
  while (written < N) {
    const f0 = performance.now();
    const batch = await store.beginIngest({ sha256: (file++).toString(16).padStart(64, '0'), path: `conn.${file}.log`, bytes: 0, format: 'bench' });
    const end = Math.min(N, written + FILE_RECORDS);
    for (let i = written; i < end; i++) {
      const c = connAt(i);
      batch.write('conn', c);
      if (i % DNS_EVERY === 0) { batch.write('dns', dnsAt(i, c.ts)); dnsWritten++; }
    }
    await batch.commit();
    perFile.push((end - written) / ((performance.now() - f0) / 1000));
    written = end;
    process.stderr.write(`\r${written.toLocaleString('en-US')} records`);
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  process.stderr.write('\n');
  const total = written + dnsWritten;
  const storeSecs = secs - genPerRecord * written;

  const time = async (label: string, fn: () => Promise<unknown>): Promise<[string, number]> => {
    const a = performance.now();
    await fn();
    return [label, (performance.now() - a) / 1000];
  };
  const lat: [string, number][] = [];
  lat.push(await time(`lookback ip ${C2_IP} (beacon C2, ${(N / 5000).toLocaleString('en-US')} conns), cold`, () => lookbackIp(store, C2_IP)));
  lat.push(await time(`lookback ip ${C2_IP}, warm`, () => lookbackIp(store, C2_IP)));
  lat.push(await time(`lookback ip ${externals[0]} (most popular address)`, () => lookbackIp(store, externals[0]!)));
  lat.push(await time(`lookback ip ${externals[EXTERNALS - 1]} (rare address)`, () => lookbackIp(store, externals[EXTERNALS - 1]!)));
  lat.push(await time(`lookback ip ${C2_IP} --conns`, () => lookbackIp(store, C2_IP, { conns: true })));
  lat.push(await time(`lookback domain ${C2_NAME}`, () => lookbackDomain(store, C2_NAME)));
  lat.push(await time(`lookback host ${BEACON_HOST}`, () => lookbackHost(store, BEACON_HOST)));
  const counts = await store.counts();
  await store.close();
  const size = statSync(DB).size;
  const rss = process.resourceUsage().maxRSS / 1024;

  const lines = [
    `conn records           ${written.toLocaleString('en-US')} in ${file} ingests (+ ${dnsWritten.toLocaleString('en-US')} dns)`,
    `stored (counts)        conn ${counts.conn.toLocaleString('en-US')}, dns ${counts.dns.toLocaleString('en-US')}`,
    `seconds                ${secs.toFixed(1)}`,
    `records/s overall      ${Math.round(total / secs).toLocaleString('en-US')} (conn+dns, generation included)`,
    `conn records/s         ${Math.round(written / secs).toLocaleString('en-US')}`,
    `records/s store only   ${Math.round(total / storeSecs).toLocaleString('en-US')} (generation ${(genPerRecord * 1e6).toFixed(2)} us/record subtracted)`,
    `CPU seconds            ${cpuSecs.toFixed(1)} (all threads; ${Math.round(total / cpuSecs).toLocaleString('en-US')} records per CPU-second; wall/CPU differ when the machine is shared)`,
    `per ingest (rec/s)     min ${Math.round(Math.min(...perFile)).toLocaleString('en-US')}, max ${Math.round(Math.max(...perFile)).toLocaleString('en-US')}`,
    `peak RSS               ${rss.toFixed(0)} MB`,
    `store file             ${(size / 1e6).toFixed(0)} MB (${(size / written).toFixed(1)} bytes/conn)`,
    ...lat.map(([l, s]) => `${l.padEnd(22)} ${(s * 1000).toFixed(0)} ms`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  process.stdout.write(JSON.stringify({ records: written, dns: dnsWritten, seconds: secs, records_per_sec: total / secs, cpu_seconds: cpuSecs, store_records_per_sec: total / storeSecs, peak_rss_mb: rss, file_mb: size / 1e6, latency_s: Object.fromEntries(lat), sink: sink % 2 }) + '\n');
  if (!process.env.C2HUNT_BENCH_KEEP) {
    rmSync(DB, { force: true });
    rmSync(DB + '.wal', { force: true });
  }
}

await main();
