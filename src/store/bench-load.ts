/**
 * Read-path benchmark (a script, not a test): how long `loadDataset` takes from a store, whole
 * and per partition, step by step (records per kind, the prevalence aggregate, passive DNS, first
 * contacts, building the dataset), in wall and CPU seconds.
 *
 *   node --max-old-space-size=16384 dist/store/bench-load.js --store LOCATION [--conns 1000000]
 *        [--hosts 1000] [--partitions 2] [--reuse] [--quick] [--partitions-only]
 *
 * `--quick` times only the whole loadDataset calls, `--partitions-only` skips the unpartitioned
 * load (bench-clickhouse.ts uses both: its detection run has loaded the store whole already). The last line
 * printed is a JSON document of the figures.
 * The store is filled with the detection benchmark's simulated day (bench-day.ts) in ingests of
 * one million records, unless `--reuse` (then it must hold that day already). LOCATION is a
 * DuckDB file or a clickhouse:// URL (the database is dropped first unless --reuse).
 */
import { rmSync } from 'node:fs';
import { DayGenerator } from '../detect/bench-day.js';
import { Networks } from '../detect/networks.js';
import { loadDataset, openStore, type Store, type TimeWindow } from './index.js';
import type { Partition } from '../detect/partition.js';
import { benchFlags, positiveWhole } from '../tools/bench-args.js';

interface Args { store: string; conns: number; hosts: number; partitions: number; reuse: boolean; quick: boolean; partitionsOnly: boolean }

function parseArgs(argv: string[]): Args {
  const f = benchFlags(argv, { strings: ['store', 'conns', 'hosts', 'partitions'], switches: ['reuse', 'quick', 'partitions-only'] }, 'src/store/bench-load.ts');
  if (typeof f['store'] !== 'string' || f['store'] === '') throw new Error('--store LOCATION is required');
  return {
    store: f['store'], conns: positiveWhole('conns', f['conns'], 1_000_000), hosts: positiveWhole('hosts', f['hosts'], 1000),
    partitions: positiveWhole('partitions', f['partitions'], 2), reuse: f['reuse'] === true, quick: f['quick'] === true, partitionsOnly: f['partitions-only'] === true,
  };
}

const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

/** Time one step: [wall s, CPU s of this process]. */
async function timed<R>(fn: () => Promise<R>): Promise<[R, number, number]> {
  const t = performance.now(), c = cpu();
  const r = await fn();
  return [r, (performance.now() - t) / 1000, cpu() - c];
}

async function fill(store: Store, a: Args): Promise<void> {
  const gen = new DayGenerator({ conns: a.conns, hosts: a.hosts, beacons: 20, seed: 1 });
  let file = 0, n = 0;
  await gen.generate(async (c, d) => {
    const batch = await store.beginIngest({ sha256: (file++).toString(16).padStart(64, '0'), path: `bench.${file}`, bytes: 0, format: 'bench' });
    for (const x of c) batch.write('conn', x);
    for (const x of d) batch.write('dns', x);
    await batch.commit();
    n += c.length;
    process.stderr.write(`\rstored ${n.toLocaleString('en-US')} conns`);
  });
  process.stderr.write('\n');
}

async function steps(store: Store, window: TimeWindow | undefined, partition: Partition | undefined, quick: boolean): Promise<[string, number, number][]> {
  const out: [string, number, number][] = [];
  const ro = partition !== undefined ? { partition } : undefined;
  if (quick) {
    const [ds, w, c] = await timed(() => loadDataset(store, window, new Networks(), ro));
    return [[`loadDataset total (${ds.connCount.toLocaleString('en-US')} conns)`, w, c]];
  }
  // loadDataset's own steps (LoadOptions.timings); then the lookups built on first use.
  const [ds, w, c] = await timed(() => loadDataset(store, window, new Networks(), {
    ...ro, timings: (step, sw, sc) => { out.push([`  ${step}`, sw, sc]); },
  }));
  out.push([`loadDataset total (${ds.connCount.toLocaleString('en-US')} conns)`, w, c]);
  const [hosts, w2, c2] = await timed(async () => ds.internalHosts().size + ds.talkersOf('0.pool.ntp.org').size);
  out.push([`internal hosts + talkers (${hosts})`, w2, c2]);
  return out;
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  if (!a.reuse) {
    if (/^clickhouses?:/.test(a.store)) {
      const s = await openStore(a.store);
      await (s as unknown as { dropDatabase(): Promise<void> }).dropDatabase();
      await s.close();
    } else { rmSync(a.store, { force: true }); rmSync(`${a.store}.wal`, { force: true }); }
  }
  const store = await openStore(a.store);
  try {
    if (!a.reuse) await fill(store, a);
    const rows: [string, string, number, number][] = [];
    if (!a.partitionsOnly) for (const [k, w, c] of await steps(store, undefined, undefined, a.quick)) rows.push(['whole', k, w, c]);
    for (let index = 0; index < a.partitions && a.partitions > 1; index++) {
      for (const [k, w, c] of await steps(store, undefined, { index, count: a.partitions }, a.quick)) rows.push([`${index + 1}/${a.partitions}`, k, w, c]);
    }
    for (const [p, k, w, c] of rows) process.stdout.write(`${p.padEnd(6)} ${k.padEnd(44)} ${w.toFixed(2).padStart(7)} s  (CPU ${c.toFixed(2)} s)\n`);
    const rss = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(`peak RSS ${rss.toFixed(0)} MB; store ${store.location}\n`);
    const totals = rows.filter(([, k]) => k.startsWith('loadDataset total'));
    process.stdout.write(JSON.stringify({
      store: store.location, peak_rss_mb: Math.round(rss),
      load: totals.map(([p, , w, c]) => ({ part: p, seconds: Number(w.toFixed(3)), cpu_seconds: Number(c.toFixed(3)) })),
    }) + '\n');
  } finally {
    await store.close();
  }
}

await main();
