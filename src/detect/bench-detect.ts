/**
 * Detection benchmark (a script, not a test): a simulated day of an enterprise network generated
 * directly as records (bench-day.ts), then every detector timed over it.
 *
 *   npm run bench:detect -- [--conns N] [--hosts H] [--beacons B] [--seed S] [--store [FILE]]
 *                           [--findings FILE] [--partitions N] [--workers N]
 *
 * Defaults: 10,000,000 connections, 5,000 internal hosts, 20 injected beacons, in memory
 * (`buildDataset`). With `--store` the records are written through the Store API into a fresh
 * DuckDB file (default $TMPDIR/c2hunt-bench-detect.duckdb, deleted afterwards unless
 * C2HUNT_BENCH_KEEP is set) and read back with `loadDataset`, which is what `c2hunt detect` does.
 * Scale down for a quick run with `--conns 1000000 --hosts 500`.
 * `--findings FILE` writes the findings as JSON lines (to compare two versions of a detector:
 * same seed, same findings). `--partitions N` then analyses the day again as N partitions by
 * source (DetectSettings.partition), prints each one's time, and checks that their findings
 * together are the whole run's. `--workers N` scores the beacon groups in N worker threads while
 * the other detectors run (DetectSettings.workers; without it runDetectors' default: one worker
 * when the machine has a second core, see run.ts; `--workers 0`: all in one thread); with
 * workers, the CPU seconds of a detector include the workers' CPU during it.
 *
 * Prints time to generate, to build/load the dataset, per detector (wall and CPU seconds: on a
 * shared machine the CPU figure is the steadier one), the total, findings per detector and
 * severity, recall of the injected beacons, high-or-critical beacon findings that are not
 * injected, peak RSS and the load average. Needs a big heap: the npm script runs node with
 * --max-old-space-size=16384.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnRecord, DnsRecord } from '../records/schema.js';
import { DayGenerator, type DayOptions, type Injected } from './bench-day.js';
import { buildDataset, type Dataset } from './dataset.js';
import { Networks } from './networks.js';
import { DEFAULT_WORKERS, runDetectors } from './run.js';
import type { Finding } from './finding.js';
import { loadDataset, openStore } from '../store/index.js';

interface Args extends DayOptions { store?: string; findings?: string; partitions?: number; workers?: number }

function parseArgs(argv: string[]): Args {
  const a: Args = { conns: 10_000_000, hosts: 5_000, beacons: 20, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = argv[i + 1];
    const num = (): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`Cannot run the benchmark: ${k} needs a positive integer`);
      i++;
      return n;
    };
    if (k === '--conns') a.conns = num();
    else if (k === '--hosts') a.hosts = num();
    else if (k === '--beacons') a.beacons = num();
    else if (k === '--seed') a.seed = num();
    else if (k === '--partitions') a.partitions = num();
    else if (k === '--workers') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error('Cannot run the benchmark: --workers needs a whole number');
      a.workers = n;
      i++;
    }
    else if (k === '--findings') {
      if (v === undefined || v.startsWith('--')) throw new Error('Cannot run the benchmark: --findings needs a file');
      a.findings = v;
      i++;
    } else if (k === '--store') { if (v !== undefined && !v.startsWith('--')) { a.store = v; i++; } else a.store = join(tmpdir(), 'c2hunt-bench-detect.duckdb'); }
    else throw new Error(`Cannot run the benchmark: unknown argument ${k} (use --conns, --hosts, --beacons, --seed, --store [FILE], --findings FILE, --partitions N, --workers N)`);
  }
  return a;
}

/** CPU seconds (user + system) of the process so far. */
function cpuNow(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

function isInjected(f: Finding, inj: Injected[]): Injected | undefined {
  if (f.detector !== 'beacon') return undefined;
  return inj.find((b) => b.host === f.src && (f.dst === b.ip || f.dsts?.includes(b.ip) === true || f.fqdn === b.name));
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const loadStart = loadavg()[0]!;
  const internal = new Networks();
  const gen = new DayGenerator(a);
  const t0 = performance.now();
  let ds: Dataset;
  let conns = 0, dnsN = 0;
  /** [stage, wall s, CPU s] */
  const timings: [string, number, number][] = [];
  let c0 = cpuNow();
  if (a.store === undefined) {
    const allConns: ConnRecord[] = [];
    const allDns: DnsRecord[] = [];
    await gen.generate((c, d) => { for (const x of c) allConns.push(x); for (const x of d) allDns.push(x); });
    conns = allConns.length; dnsN = allDns.length;
    timings.push(['generate', (performance.now() - t0) / 1000, cpuNow() - c0]);
    const t1 = performance.now();
    c0 = cpuNow();
    ds = buildDataset({ conn: allConns, dns: allDns }, internal);
    ds.internalHosts();
    timings.push(['dataset (buildDataset, in memory)', (performance.now() - t1) / 1000, cpuNow() - c0]);
  } else {
    rmSync(a.store, { force: true }); rmSync(a.store + '.wal', { force: true });
    const store = await openStore(a.store);
    try {
      let file = 0;
      await gen.generate(async (c, d) => {
        const batch = await store.beginIngest({ sha256: (file++).toString(16).padStart(64, '0'), path: `bench.${file}`, bytes: 0, format: 'bench' });
        for (const x of c) batch.write('conn', x);
        for (const x of d) batch.write('dns', x);
        await batch.commit();
        conns += c.length; dnsN += d.length;
        process.stderr.write(`\rstored ${conns.toLocaleString('en-US')} conns`);
      });
      process.stderr.write('\n');
      timings.push(['generate + store (Store API)', (performance.now() - t0) / 1000, cpuNow() - c0]);
      const t1 = performance.now();
      c0 = cpuNow();
      ds = await loadDataset(store, undefined, internal);
      ds.internalHosts();
      timings.push(['dataset (loadDataset from the store)', (performance.now() - t1) / 1000, cpuNow() - c0]);
    } finally {
      await store.close();
      if (!process.env.C2HUNT_BENCH_KEEP) { rmSync(a.store, { force: true }); rmSync(a.store + '.wal', { force: true }); }
    }
  }
  const r = runDetectors(ds, { workers: a.workers });
  for (const [k, v] of Object.entries(r.timings)) timings.push([`detector ${k}`, v, r.cpu[k] ?? NaN]);
  const detectSecs = Object.values(r.timings).reduce((x, y) => x + y, 0);
  const detectCpu = Object.values(r.cpu).reduce((x, y) => x + y, 0);
  const loadSecs = timings[1]![1];
  const loadCpu = timings[1]![2];
  const rss = process.resourceUsage().maxRSS / 1024;
  if (a.findings !== undefined) writeFileSync(a.findings, r.findings.map((f) => JSON.stringify(f)).join('\n') + '\n');

  const found = new Set<Injected>();
  let fpHigh = 0;
  const fpByDst = new Map<string, number>();
  for (const f of r.findings) {
    const b = isInjected(f, gen.injected);
    if (b !== undefined) found.add(b);
    else if (f.detector === 'beacon' && (f.severity === 'high' || f.severity === 'critical')) {
      fpHigh++;
      const k = `${f.fqdn ?? f.dst ?? '?'}:${f.port ?? '?'} (${f.kind})`;
      fpByDst.set(k, (fpByDst.get(k) ?? 0) + 1);
    }
  }
  const bySev: Record<string, Record<string, number>> = {};
  for (const f of r.findings) ((bySev[f.detector] ??= {})[f.severity] = (bySev[f.detector]![f.severity] ?? 0) + 1);

  const row = (k: string, wall: number, cpu: number): string => `${k.padEnd(40)} ${wall.toFixed(2).padStart(8)} s  (CPU ${cpu.toFixed(2)} s)`;
  const lines = [
    `workers: ${a.workers ?? `default (${DEFAULT_WORKERS} for a big enough beacon job)`}`,
    `day: ${conns.toLocaleString('en-US')} connections, ${dnsN.toLocaleString('en-US')} DNS lookups, ${ds.internalHosts().size.toLocaleString('en-US')} internal hosts, ${gen.injected.length} injected beacons`,
    ...timings.map(([k, v, c]) => row(k, v, c)),
    row('detectors total', detectSecs, detectCpu),
    row('dataset + detectors (the 60 s target)', loadSecs + detectSecs, loadCpu + detectCpu),
    `findings: ${r.findings.length} (${Object.entries(bySev).map(([d, s]) => `${d}: ${Object.entries(s).map(([k, v]) => `${v} ${k}`).join(', ')}`).join('; ')})`,
    `beacon recall: ${found.size}/${gen.injected.length}` + (found.size < gen.injected.length
      ? ` (missed: ${gen.injected.filter((b) => !found.has(b)).map((b) => `${b.period} s jitter ${b.jitter} missed ${b.missed}`).join('; ')})` : ''),
    `high/critical beacon findings not injected: ${fpHigh} (${(fpHigh / (a.hosts / 1000)).toFixed(1)} per 1,000 hosts)`,
    ...[...fpByDst].sort((x, y) => y[1] - x[1]).slice(0, 8).map(([k, n]) => `  ${String(n).padStart(6)} to ${k}`),
    `peak RSS: ${rss.toFixed(0)} MB; load average (1 min) ${loadStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (2 cores: above 2, the machine was shared)`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const partitions: { index: number; seconds: number; cpu: number; findings: number }[] = [];
  let partitionsMatch: boolean | undefined;
  if (a.partitions !== undefined) {
    const union: Finding[] = [];
    for (let index = 0; index < a.partitions; index++) {
      const t = performance.now();
      const c = cpuNow();
      const p = runDetectors(ds, { partition: { index, count: a.partitions }, workers: a.workers });
      partitions.push({ index, seconds: (performance.now() - t) / 1000, cpu: cpuNow() - c, findings: p.findings.length });
      for (const f of p.findings) union.push(f);
    }
    const key = (f: Finding): string => JSON.stringify(f);
    const want = r.findings.map(key).sort();
    const got = union.map(key).sort();
    partitionsMatch = want.length === got.length && want.every((x, i) => x === got[i]);
    for (const p of partitions) process.stdout.write(`partition ${p.index + 1}/${a.partitions}: ${p.seconds.toFixed(2)} s (CPU ${p.cpu.toFixed(2)} s), ${p.findings} findings\n`);
    process.stdout.write(`partitions together: ${got.length} findings, ${partitionsMatch ? 'the same as the whole run' : 'DIFFERENT from the whole run'}\n`);
  }
  process.stdout.write(JSON.stringify({
    conns, dns: dnsN, hosts: a.hosts, mode: a.store === undefined ? 'memory' : 'store', workers: a.workers ?? `default (${DEFAULT_WORKERS})`,
    seconds: Object.fromEntries(timings.map(([k, v]) => [k, v])), cpu_seconds: Object.fromEntries(timings.map(([k, , c]) => [k, c])),
    detectors_total_s: detectSecs, dataset_plus_detectors_s: loadSecs + detectSecs, dataset_plus_detectors_cpu_s: loadCpu + detectCpu, findings: r.findings.length,
    beacon_recall: found.size / Math.max(1, gen.injected.length), fp_high_beacons: fpHigh, fp_high_by_destination: Object.fromEntries(fpByDst), peak_rss_mb: Math.round(rss),
    load_average: [loadStart, loadavg()[0]], ...(a.partitions !== undefined ? { partitions, partitions_match: partitionsMatch } : {}),
  }) + '\n');
  if (partitionsMatch === false) process.exitCode = 1;
}

await main();
