/** Run every detector over a dataset and rank the findings. */
import { availableParallelism } from 'node:os';
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
   * (this thread joins the scoring when it is done with them). The findings are the same.
   * 0: everything in this thread. Default: DEFAULT_WORKERS, used only for a beacon job of at
   * least WORKER_MIN_ROWS connections; a number given here is used for any job.
   */
  workers?: number;
}

/**
 * Worker threads by default: one when the machine has a second core, else none. Measured on 2
 * shared cores (`npm run bench:detect`, README, detection performance): the detectors took 3.4 s
 * with one worker against 4.6 s without at 2 M connections (best of two each), 16.9 s against
 * 28.7 s at 10 M, with the same findings. More workers than spare cores do not pay: this thread
 * scores too once its other detectors are done.
 */
export const DEFAULT_WORKERS = Math.min(1, Math.max(0, availableParallelism() - 1));

/**
 * Fewest member rows of the beacon groups (a connection can be in a name group and an address
 * group) for the default to start a worker: starting a thread and loading the scorer there cost
 * 0.1-0.4 s on the shared 2-core machine, more than scoring 124 k member rows in one thread
 * (about 0.1 s); at 2 M connections the worker saves over a second. Small runs, such as the
 * tests, stay in one thread.
 */
export const WORKER_MIN_ROWS = 1_000_000;

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
  const workers = Math.max(0, Math.floor(settings.workers ?? DEFAULT_WORKERS));
  if (workers === 0) time('beacon', () => detectBeacons(ds, settings.beacon, settings.beaconScore, { partition: part }));
  // With workers: plan the beacon run here, score its groups there while the other detectors
  // run, then help, wait and finish; the beacon findings keep their place at the front of the list.
  let pending: (() => Finding[]) | undefined;
  if (workers > 0) {
    time('beacon', () => {
      const plan = planBeacons(ds, settings.beacon, settings.beaconScore, { partition: part });
      const worth = settings.workers !== undefined || plan.job.members.length >= WORKER_MIN_ROWS;
      if (plan.job.from.length === 0 || !worth) return plan.finish(scoreGroups(plan.job));
      const scoring = scoreInWorkers(plan.job, workers);
      pending = () => plan.finish(scoring.wait().results);
      return [];
    });
  }
  time('long_conn', () => detectLongConnections(ds, settings.longConn, part));
  // Scans read the whole dataset's connection columns (shared with beacons and long connections) and skip other partitions' sources.
  time('scan', () => detectScans(ds, settings.scan, sources));
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
