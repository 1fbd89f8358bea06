/** Run every detector over a dataset and rank the findings. */
import type { Dataset } from './dataset.js';
import { detectBeacons, planBeacons, type BeaconDetectorSettings } from './beacons.js';
import { scoreGroups } from './beacon-groups.js';
import { scoreInWorkers } from './parallel/pool.js';
import type { BeaconSettings } from './beacon/index.js';
import { detectLongConnections, type LongConnSettings } from './long-conn.js';
import { detectMining } from './mining.js';
import { detectScans, type ScanSettings } from './scan.js';
import { detectDns, type DnsSettings } from './dns/index.js';
import { matchDataset, type IntelIndex } from '../intel/index.js';
import { rankFindings, type Finding } from './finding.js';
import { applyFirstSeen, type FirstSeenSettings } from './first-seen.js';
import { checkPartition, partitionView, type Partition } from './partition.js';

export interface DetectSettings {
  beacon?: Partial<BeaconDetectorSettings>;
  /** The beacon scorer's tunables (periods, bursts, permutations ...). */
  beaconScore?: Partial<BeaconSettings>;
  longConn?: Partial<LongConnSettings>;
  scan?: Partial<ScanSettings>;
  dns?: Partial<DnsSettings>;
  /** The first-seen modifier (a new destination raises beacon, long-connection and mining scores a little). */
  firstSeen?: Partial<FirstSeenSettings>;
  /** Threat intelligence to match against the dataset (retro-hunt over everything in it). */
  intel?: IntelIndex;
  /**
   * Analyse only the sources whose address hash falls in this partition (partition.ts), so
   * several processes (or ClickHouse shards) can split one analysis by source; the union of the
   * partitions' findings equals one run's. Beacons and long connections skip other sources while
   * grouping; scans and mining run on the partition's records; DNS and intelligence need every
   * source's records for their context (hosts per domain), so they run whole and keep the
   * partition's findings. Lookups that count hosts (prevalence, first seen) always see everything.
   */
  partition?: Partition;
  /**
   * Worker threads that score the beacon groups while this thread runs the other detectors
   * (0, the default: everything in this thread). The findings are the same; it pays when a
   * core is free (see README, detection at scale).
   */
  workers?: number;
}

export interface DetectResult {
  findings: Finding[];
  /** Seconds spent per detector. */
  timings: Record<string, number>;
  /** CPU seconds (user + system, every thread of the process) per detector. */
  cpu: Record<string, number>;
}

export function runDetectors(ds: Dataset, settings: DetectSettings = {}): DetectResult {
  const timings: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  const all: Finding[] = [];
  const part = settings.partition;
  if (part !== undefined) checkPartition(part);
  // The partition's records (scan, mining); the whole dataset when there is no partition.
  const view = part === undefined ? { ds } : partitionView(ds, part);
  const sources = view.sources;
  const mine = (f: Finding): boolean => sources === undefined || sources(f.src);
  const time = (name: string, fn: () => Finding[]) => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (const f of fn()) all.push(f);
    const c = process.cpuUsage(c0);
    timings[name] = (performance.now() - t0) / 1000;
    cpu[name] = (c.user + c.system) / 1e6;
  };
  const workers = Math.max(0, Math.floor(settings.workers ?? 0));
  if (workers === 0) time('beacon', () => detectBeacons(ds, settings.beacon, settings.beaconScore, { partition: part }));
  // With workers: plan the beacon run here, score its groups there while the other detectors
  // run, then wait and finish; the beacon findings keep their place at the front of the list.
  let pending: (() => Finding[]) | undefined;
  if (workers > 0) {
    time('beacon', () => {
      const plan = planBeacons(ds, settings.beacon, settings.beaconScore, { partition: part });
      const scoring = plan.job.from.length > 0 ? scoreInWorkers(plan.job, workers) : undefined;
      pending = () => plan.finish(scoring?.wait().results ?? scoreGroups(plan.job));
      return [];
    });
  }
  time('long_conn', () => detectLongConnections(ds, settings.longConn, part));
  time('scan', () => detectScans(view.ds, settings.scan));
  time('mining', () => detectMining(view.ds));
  time('dns', () => detectDns(ds, settings.dns).filter(mine));
  if (settings.intel !== undefined) time('intel', () => matchDataset(settings.intel!, ds).filter(mine));
  if (pending !== undefined) {
    const others = all.splice(0);
    const wall = timings['beacon']!, used = cpu['beacon']!;
    time('beacon', pending); // waiting for the workers and finishing counts as beacon time
    timings['beacon']! += wall;
    cpu['beacon']! += used;
    for (const f of others) all.push(f);
  }
  time('first_seen', () => {
    applyFirstSeen(all, ds, settings.firstSeen);
    return [];
  });
  return { findings: all.sort(rankFindings), timings, cpu };
}
