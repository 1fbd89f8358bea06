/** `c2hunt detect`: run every detector over a window of the store and store the findings. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_DB_PATH, formatTime, loadDataset, openStore, parseWindow, type TimeWindow } from '../../store/index.js';
import { Networks } from '../../detect/networks.js';
import { runDetectors } from '../../detect/run.js';
import { parsePartition } from '../../detect/partition.js';
import { SEVERITY_THRESHOLDS, type Severity } from '../../detect/finding.js';
import { detectSettingsOf, loadConfig } from '../../config/index.js';
import { loadCommandIntel } from '../../intel/cli-load.js';
import { table } from '../table.js';
import { CONFIG_OPTION_HELP } from './config.js';
import { addStoreOption, storeExists, storeHintArgs, storeLabel, storeLocation, type StoreFlags } from '../store-option.js';

/** A store whose newest record is at most this old (seconds of wall time) is fed continuously. */
export const LIVE_STORE_AGE = 24 * 3600;
/** The window a continuously fed store is analysed over by default (seconds back from now). */
export const LIVE_WINDOW = 24 * 3600;

/** Detectors in the order their summary is printed. */
const DETECTORS = ['beacon', 'long_conn', 'scan', 'mining', 'dns', 'intel'] as const;
const SEVERITIES: readonly Severity[] = SEVERITY_THRESHOLDS.map(([s]) => s);

/** How the window was chosen, for the summary. */
export type WindowRule = 'explicit' | 'everything' | 'last-24h';

/**
 * The default window: everything stored, unless the newest record is within LIVE_STORE_AGE of
 * `now` (a continuously fed store), then the last LIVE_WINDOW seconds before `now`. `--since` /
 * `--until` override it (relative forms count back from the newest record).
 */
export function chooseWindow(range: { first: number; last: number } | undefined, now: number, since?: string, until?: string): { window: TimeWindow; rule: WindowRule } {
  if (since !== undefined || until !== undefined) return { window: parseWindow(since, until, range?.last ?? now), rule: 'explicit' };
  if (range !== undefined && range.last >= now - LIVE_STORE_AGE) return { window: { since: now - LIVE_WINDOW }, rule: 'last-24h' };
  return { window: {}, rule: 'everything' };
}

/** Summary of one detector in a run. */
export interface DetectorSummary {
  detector: string;
  findings: number;
  by_severity: Record<Severity, number>;
  seconds: number;
}

interface DetectFlags extends StoreFlags { since?: string; until?: string; config?: string; json?: boolean; intel: string[] | false; intelDir?: string; partition?: string }

export function registerDetect(program: Command): void {
  const cmd = program.command('detect')
    .summary('run every detector over the store and store the findings')
    .description(`Run every detector (beacons, long connections, scanning, mining, DNS abuse, and threat
intelligence when feeds are present) over a window of the store, store the findings (a finding
found again keeps its id and widens its first/last), and print a summary per detector.

Window: --since/--until when given (relative forms such as 24h count back from the newest stored
record). Otherwise everything in the store, except for a continuously fed store, recognised by its
newest record being less than 24 hours older than the current time: then the last 24 hours.
List the findings with c2hunt findings.

Detection at scale (--partition I/N): N processes, each started with its own I (1..N) and the
same store, window and configuration, split the analysis by source address: process I reads and
analyses only the hosts whose halfMD5(address) % N is I-1 (the store filters their records), and
takes what needs everyone (internal hosts, how many hosts talk to a destination, passive DNS,
DNS lookups) from store queries. Together the N runs store exactly the findings of one run over
everything. On a ClickHouse cluster with N equally weighted shards, partition I is shard I's data
and is read from that shard alone: run one process per shard, close to its server. Give every
process the same explicit --since/--until (the default window follows the clock). A DuckDB file
admits one process at a time, so there the partitions run one after another.
Intelligence findings of a partition name only the other hosts seen in that partition's records.`);
  addStoreOption(cmd, 'to read records from and store findings in')
    .option('--since <when>', 'from this time: ISO date/time (UTC unless a zone is given), epoch seconds, or a duration before the newest stored record (24h, 7d)')
    .option('--until <when>', 'before this time (same forms as --since)')
    .option('--config <file>', CONFIG_OPTION_HELP)
    .option('--intel <file>', 'also match this threat-intelligence feed file (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--intel-dir <dir>', 'feed directory (default $C2HUNT_INTEL_DIR or ~/.c2hunt/intel)')
    .option('--no-intel', 'do not use the feed directory')
    .option('--partition <I/N>', 'analyse only partition I of N of the source addresses (1/4 .. 4/4; see above)')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', `
Examples:
  c2hunt ingest monday.pcap && c2hunt detect && c2hunt findings
  c2hunt detect --db site.duckdb --since 2026-11-02 --until 2026-11-03
  c2hunt detect --config strict.json --json
  # four processes over a ClickHouse cluster, one window:
  for i in 1 2 3 4; do c2hunt detect --store 'clickhouse://ch1:8123/c2hunt?cluster=c2hunt' \\
    --since 2026-11-02 --until 2026-11-03 --partition $i/4 & done; wait`)
    .action(async (o: DetectFlags) => {
      const partition = o.partition !== undefined ? parsePartition(o.partition) : undefined;
      const config = loadConfig(o.config);
      const location = storeLocation(o);
      if (!storeExists(location)) throw new Error(`Cannot detect: no store ${location} (run c2hunt ingest first, or give --store)`);
      const intel = loadCommandIntel({ dir: o.intelDir, files: o.intel === false ? [] : o.intel, useDir: o.intel !== false });
      for (const p of intel.problems) process.stderr.write(`c2hunt: intelligence: ${p}\n`);
      const store = await openStore(location);
      try {
        const range = await store.dataRange();
        const { window, rule } = chooseWindow(range, Date.now() / 1000, o.since, o.until);
        const t0 = performance.now();
        const ds = await loadDataset(store, window, new Networks(config.settings.internalNets), partition !== undefined ? { partition } : {});
        const load = (performance.now() - t0) / 1000;
        const settings = {
          ...detectSettingsOf(config.settings), ...(intel.indicators > 0 ? { intel: intel.index } : {}),
          ...(partition !== undefined ? { partition } : {}),
        };
        const r = runDetectors(ds, settings);
        const t1 = performance.now();
        await store.saveFindings(r.findings);
        const save = (performance.now() - t1) / 1000;
        const detectors: DetectorSummary[] = DETECTORS.filter((d) => r.timings[d] !== undefined).map((d) => {
          const mine = r.findings.filter((f) => f.detector === d);
          const by = Object.fromEntries(SEVERITIES.map((s) => [s, mine.filter((f) => f.severity === s).length])) as Record<Severity, number>;
          return { detector: d, findings: mine.length, by_severity: by, seconds: Number(r.timings[d]!.toFixed(3)) };
        });
        const hosts = ds.internalHosts().size;
        if (o.json) {
          process.stdout.write(JSON.stringify({
            store: storeLabel(location), window: { since: window.since ?? null, until: window.until ?? null, rule }, config: config.path ?? null,
            records: { conn: ds.connCount, dns: ds.dns.length, tls: ds.tls.length, http: ds.http.length, mining: ds.mining.length },
            partition: partition !== undefined ? { index: partition.index + 1, count: partition.count } : null,
            internal_hosts: hosts, findings: r.findings.length, detectors,
            timings: { load: Number(load.toFixed(3)), save: Number(save.toFixed(3)) },
          }, null, 2) + '\n');
          return;
        }
        const w = rule === 'everything' ? 'everything stored'
          : `${window.since !== undefined ? formatTime(window.since) : 'start'} .. ${window.until !== undefined ? formatTime(window.until) : 'end'} UTC${rule === 'last-24h' ? ' (last 24 hours: the store is fed continuously)' : ''}`;
        process.stdout.write(`store ${storeLabel(location)}, window: ${w}\n`);
        process.stdout.write(`config: ${config.path ?? 'defaults'}; threat intelligence: ${intel.indicators > 0 ? intel.sources.join(', ') : 'none'}\n`);
        if (partition !== undefined && partition.count > 1) {
          process.stdout.write(`partition ${partition.index + 1}/${partition.count} of the sources: the connections below are its sources' (DNS lookups: every source's)\n`);
        }
        process.stdout.write(`${ds.connCount.toLocaleString('en-US')} connections, ${ds.dns.length.toLocaleString('en-US')} DNS lookups, ${hosts} internal hosts (loaded in ${load.toFixed(2)} s)\n\n`);
        process.stdout.write(table(['detector', 'findings', ...SEVERITIES, 'seconds'],
          detectors.map((d) => [d.detector, d.findings, ...SEVERITIES.map((s) => d.by_severity[s]), d.seconds.toFixed(2)])) + '\n');
        process.stdout.write(`\n${r.findings.length} finding(s) stored in ${save.toFixed(2)} s; list them with c2hunt findings${storeHintArgs(location)}\n`);
      } finally {
        await store.close();
      }
    });
}
