/**
 * `node dist/intel/bench-ingest-match.js [--hosts N] [--hours H] [--runs N] [--indicators N] [--capture FILE]`
 * (run from the repository: it reads examples/intel/ramnit.misp.json)
 *
 * What ingest-time intelligence matching adds to `c2hunt ingest` (bar: under 10%). A capture (the
 * simulator's `ramnit` scenario by default, kept in $TMPDIR) is ingested into a fresh store `runs`
 * times without and with an IngestIntelMatcher, alternating, each in its own process (in one
 * process the first run's JIT state would favour or penalise the next); the index holds the article's
 * ramnit feed plus N synthetic indicators (addresses and domains that the capture does not use),
 * so the lookups run against a realistic index size. Reports the best and median wall and CPU time
 * of each (and of a third mode: the index in memory but no matching, which isolates what a big index costs the garbage collector), the added share, the matcher's post-commit seconds (passive DNS, findings, saving), and
 * the in-stream cost alone (the records written through the matcher's sink into a no-op batch,
 * which a loaded machine disturbs less).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RecordKind, RecordMap } from '../records/schema.js';
import { decodeCaptures } from '../sensor/decode-file.js';
import { simulate } from '../sim/index.js';
import { openDuckDBStore } from '../store/duckdb/duckdb-store.js';
import { ingestPaths } from '../store/ingest.js';
import type { IngestBatch } from '../store/store.js';
import { parseFeedText } from './formats/registry.js';
import type { Indicator } from './indicator.js';
import { IntelIndex } from './intel-index.js';
import { IngestIntelMatcher } from './ingest-match.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
function argStr(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Synthetic indicators in 100.64.0.0/10 and under .invalid: never in the simulator's traffic. */
function synthetic(n: number): Indicator[] {
  const out: Indicator[] = [];
  for (let i = 0; i < n; i++) {
    const base = { feed: 'synthetic', confidence: 50, tags: [] as string[] };
    if (i % 2 === 0) out.push({ ...base, type: 'ip', value: `100.${64 + ((i >>> 16) & 63)}.${(i >>> 8) & 255}.${i & 255}` });
    else out.push({ ...base, type: 'domain', value: `n${i.toString(36)}.bench.invalid` });
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** plain: no intelligence loaded; held: the index in memory but not used; intel: matching. */
type Mode = 'plain' | 'held' | 'intel';

interface ChildResult { wall: number; cpu: number; records: number; post: number; hits: number }

/** One ingest into a fresh store (a child process): plain or through the matcher. */
async function child(mode: string, capture: string, index: IntelIndex): Promise<ChildResult> {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-bench-im-'));
  const store = await openDuckDBStore(join(dir, 's.duckdb'));
  try {
    const m = mode === 'intel' ? new IngestIntelMatcher(index, { store }) : undefined;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const s = await ingestPaths(store, [capture], m !== undefined ? { tap: m } : {});
    const wall = (performance.now() - t0) / 1000;
    const cu = process.cpuUsage(c0);
    const sum = m?.summary();
    return { wall, cpu: (cu.user + cu.system) / 1e6, records: Object.values(s.records).reduce((a, b) => a + b, 0), post: sum?.post_commit_seconds ?? 0, hits: sum?.hits ?? 0 };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const hosts = arg('hosts', 200), hours = arg('hours', 24), runs = arg('runs', 3), extra = arg('indicators', 100_000);
  let capture = argStr('capture');
  if (capture === undefined) {
    capture = join(tmpdir(), `c2hunt-bench-ramnit-${hosts}h${hours}.pcap`);
    if (!existsSync(capture)) await simulate({ scenario: 'ramnit', hosts, durationSec: hours * 3600, seed: 1 }, capture);
  }
  const feed = resolve(process.cwd(), 'examples/intel/ramnit.misp.json');
  const ramnit = parseFeedText(readFileSync(feed, 'utf8'), { feed: 'ramnit.misp.json' }).result.indicators;
  const childMode = argStr('child');
  if (childMode !== undefined) {
    // plain: no intelligence loaded at all (what `--no-intel` does); held: the index in memory, not used; intel: matching.
    const index = childMode === 'plain' ? IntelIndex.build([]) : IntelIndex.build([ramnit, synthetic(extra)]);
    process.stdout.write(JSON.stringify(await child(childMode, capture, index)));
    (globalThis as Record<string, unknown>)['c2huntBenchKeep'] = index;
    return;
  }
  const index = IntelIndex.build([ramnit, synthetic(extra)]);
  process.stdout.write(`capture ${capture}; index ${index.size.toLocaleString('en-US')} indicators\n`);

  const wall: Record<Mode, number[]> = { plain: [], held: [], intel: [] };
  const cpu: Record<Mode, number[]> = { plain: [], held: [], intel: [] };
  let post = 0, hits = 0, records = 0;
  for (let r = 0; r < runs; r++) {
    for (const mode of ['plain', 'held', 'intel'] as const) {
      const c = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, '--capture', capture, '--indicators', String(extra)], { encoding: 'utf8', cwd: process.cwd() });
      if (c.status !== 0) throw new Error(`bench child failed: ${c.stderr}`);
      const o = JSON.parse(c.stdout) as ChildResult;
      wall[mode].push(o.wall);
      cpu[mode].push(o.cpu);
      records = o.records;
      if (mode === 'intel') { post = o.post; hits = o.hits; }
    }
  }
  const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)}%`;
  const line = (k: Mode) => `${k.padEnd(6)} wall best ${Math.min(...wall[k]).toFixed(2)} s, median ${median(wall[k]).toFixed(2)} s; cpu best ${Math.min(...cpu[k]).toFixed(2)} s, median ${median(cpu[k]).toFixed(2)} s`;
  process.stdout.write(`ingest of ${records.toLocaleString('en-US')} records, ${runs} runs each\n${line('plain')}\n${line('held')}\n${line('intel')}\n`);
  process.stdout.write(`added: wall ${pct(Math.min(...wall.intel), Math.min(...wall.plain))} (best), ${pct(median(wall.intel), median(wall.plain))} (median); cpu ${pct(Math.min(...cpu.intel), Math.min(...cpu.plain))} (best), ${pct(median(cpu.intel), median(cpu.plain))} (median)\n`);
  process.stdout.write(`of which the index in memory (held vs plain): cpu ${pct(Math.min(...cpu.held), Math.min(...cpu.plain))} (best); matching (intel vs held): cpu ${pct(Math.min(...cpu.intel), Math.min(...cpu.held))} (best)\n`);
  process.stdout.write(`matcher: ${hits} hits; post-commit ${post.toFixed(3)} s\n`);

  // The in-stream cost alone.
  const recs: [RecordKind, RecordMap[RecordKind]][] = [];
  await decodeCaptures([capture], { write: (k, rec) => { recs.push([k, rec]); } });
  const noop = { write() {} } as unknown as IngestBatch;
  const through = new IngestIntelMatcher(index, { store: undefined as never }).begin(noop, capture);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (const [k, rec] of recs) through.write(k, rec);
    best = Math.min(best, performance.now() - t0);
  }
  process.stdout.write(`in-stream: ${recs.length.toLocaleString('en-US')} records through the matcher in ${best.toFixed(1)} ms (${((best * 1e6) / recs.length).toFixed(0)} ns/record) = ${((best / 1000 / Math.min(...wall.plain)) * 100).toFixed(1)}% of the best plain ingest\n`);
}

await main();
