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
 * of each, the main thread's CPU time and the garbage-collection pauses (and of a third mode: the index in memory but no matching, which isolates what a big index costs the garbage collector), the added share, the matcher's post-commit seconds (passive DNS, findings, saving), and
 * the in-stream cost alone (the records written through the matcher's sink into a no-op batch,
 * which a loaded machine disturbs less).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';
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
  // Object literals of one shape, as the parsers make them (spread copies are slow to read).
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) out.push({ value: `100.${64 + ((i >>> 16) & 63)}.${(i >>> 8) & 255}.${i & 255}`, type: 'ip', feed: 'synthetic', confidence: 50, tags: [] });
    else out.push({ value: `n${i.toString(36)}.bench.invalid`, type: 'domain', feed: 'synthetic', confidence: 50, tags: [] });
  }
  return out;
}

/** Rounds of (plain, held, intel) ingests by default: fewer leave the medians to the noise of a shared machine. */
const DEFAULT_RUNS = 7;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** plain: no intelligence loaded; held: the index in memory but not used; intel: matching. */
type Mode = 'plain' | 'held' | 'intel';

interface ChildResult {
  wall: number; cpu: number; records: number; post: number; hits: number;
  /** CPU seconds of the main (JavaScript) thread alone: no DuckDB or GC helper threads. */
  mainCpu: number;
  /** Garbage-collection pauses on the main thread: milliseconds, and how many were full (mark-compact) collections. */
  gcMs: number; gcMajor: number;
}

/** User + system CPU seconds of this process's main thread so far (Linux /proc; NaN elsewhere). */
function mainThreadCpu(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}
/** Linux USER_HZ, the unit of /proc times (100 on every usual kernel). */
const CLOCK_TICKS_PER_SECOND = 100;

/** One ingest into a fresh store (a child process): plain or through the matcher. */
async function child(mode: string, capture: string, index: IntelIndex): Promise<ChildResult> {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-bench-im-'));
  const store = await openDuckDBStore(join(dir, 's.duckdb'));
  let gcMs = 0, gcMajor = 0;
  const obs = new PerformanceObserver((l) => {
    for (const e of l.getEntries()) {
      gcMs += e.duration;
      if (((e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0) & constants.NODE_PERFORMANCE_GC_MAJOR) gcMajor++;
    }
  });
  try {
    const m = mode === 'intel' ? new IngestIntelMatcher(index, { store }) : undefined;
    obs.observe({ entryTypes: ['gc'] });
    const c0 = process.cpuUsage();
    const m0 = mainThreadCpu();
    const t0 = performance.now();
    const s = await ingestPaths(store, [capture], m !== undefined ? { tap: m } : {});
    const wall = (performance.now() - t0) / 1000;
    const cu = process.cpuUsage(c0);
    const mainCpu = mainThreadCpu() - m0;
    await new Promise((r) => setImmediate(r)); // the last gc entries
    obs.disconnect();
    const sum = m?.summary();
    return {
      wall, cpu: (cu.user + cu.system) / 1e6, records: Object.values(s.records).reduce((a, b) => a + b, 0), post: sum?.post_commit_seconds ?? 0,
      hits: sum?.hits ?? 0, mainCpu, gcMs, gcMajor,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const hosts = arg('hosts', 200), hours = arg('hours', 24), runs = arg('runs', DEFAULT_RUNS), extra = arg('indicators', 100_000);
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

  const res: Record<Mode, ChildResult[]> = { plain: [], held: [], intel: [] };
  for (let r = 0; r < runs; r++) {
    // Modes one after another in each round, the order reversed every other round (a load that drifts favours none).
    const order: Mode[] = r % 2 === 0 ? ['plain', 'held', 'intel'] : ['intel', 'held', 'plain'];
    for (const mode of order) {
      const c = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, '--capture', capture, '--indicators', String(extra)], { encoding: 'utf8', cwd: process.cwd() });
      if (c.status !== 0) throw new Error(`bench child failed: ${c.stderr}`);
      res[mode].push(JSON.parse(c.stdout) as ChildResult);
    }
  }
  const of = (k: Mode, f: keyof ChildResult) => res[k].map((o) => o[f]);
  const best = (k: Mode, f: keyof ChildResult) => Math.min(...of(k, f));
  const med = (k: Mode, f: keyof ChildResult) => median(of(k, f));
  const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)}%`;
  const line = (k: Mode) => `${k.padEnd(6)} wall best ${best(k, 'wall').toFixed(2)} s, median ${med(k, 'wall').toFixed(2)} s; cpu best ${best(k, 'cpu').toFixed(2)} s, median ${med(k, 'cpu').toFixed(2)} s; `
    + `main thread cpu median ${med(k, 'mainCpu').toFixed(2)} s; gc pauses median ${med(k, 'gcMs').toFixed(0)} ms (${med(k, 'gcMajor')} full)`;
  process.stdout.write(`ingest of ${res.plain[0]!.records.toLocaleString('en-US')} records, ${runs} runs each (alternating)\n${line('plain')}\n${line('held')}\n${line('intel')}\n`);
  process.stdout.write(`added: wall ${pct(best('intel', 'wall'), best('plain', 'wall'))} (best), ${pct(med('intel', 'wall'), med('plain', 'wall'))} (median); `
    + `cpu ${pct(best('intel', 'cpu'), best('plain', 'cpu'))} (best), ${pct(med('intel', 'cpu'), med('plain', 'cpu'))} (median); main thread cpu ${pct(med('intel', 'mainCpu'), med('plain', 'mainCpu'))} (median)\n`);
  // Paired: the ratio within each round (the rounds ran on the same load), then the median over rounds.
  const paired = (a: Mode, b: Mode, f: keyof ChildResult) => median(res[a].map((o, r) => o[f] / res[b][r]![f]));
  process.stdout.write(`added, paired median over rounds: cpu ${((paired('intel', 'plain', 'cpu') - 1) * 100).toFixed(1)}%, main thread cpu ${((paired('intel', 'plain', 'mainCpu') - 1) * 100).toFixed(1)}%, wall ${((paired('intel', 'plain', 'wall') - 1) * 100).toFixed(1)}% ${paired('intel', 'plain', 'cpu') < 1.1 ? '(bar: < 10%, met)' : '(bar: < 10%, NOT MET)'}\n`);
  process.stdout.write(`of which the index in memory (held vs plain): cpu ${pct(best('held', 'cpu'), best('plain', 'cpu'))} (best), ${pct(med('held', 'cpu'), med('plain', 'cpu'))} (median); `
    + `matching (intel vs held): cpu ${pct(best('intel', 'cpu'), best('held', 'cpu'))} (best), ${pct(med('intel', 'cpu'), med('held', 'cpu'))} (median)\n`);
  process.stdout.write(`matcher: ${res.intel[0]!.hits} hits; post-commit median ${med('intel', 'post').toFixed(3)} s\n`);

  // The in-stream cost alone.
  const recs: [RecordKind, RecordMap[RecordKind]][] = [];
  await decodeCaptures([capture], { write: (k, rec) => { recs.push([k, rec]); } });
  const noop = { write() {} } as unknown as IngestBatch;
  const through = new IngestIntelMatcher(index, { store: undefined as never }).begin(noop, capture);
  let bestMs = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (const [k, rec] of recs) through.write(k, rec);
    bestMs = Math.min(bestMs, performance.now() - t0);
  }
  process.stdout.write(`in-stream: ${recs.length.toLocaleString('en-US')} records through the matcher in ${bestMs.toFixed(1)} ms (${((bestMs * 1e6) / recs.length).toFixed(0)} ns/record) = ${((bestMs / 1000 / med('plain', 'cpu')) * 100).toFixed(1)}% of the median plain ingest CPU\n`);
}

await main();
