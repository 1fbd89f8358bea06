/** Run every detector over a dataset and rank the findings. */
import type { Dataset } from './dataset.js';
import { detectBeacons, type BeaconDetectorSettings } from './beacons.js';
import type { BeaconSettings } from './beacon/index.js';
import { detectLongConnections, type LongConnSettings } from './long-conn.js';
import { detectMining } from './mining.js';
import { detectScans, type ScanSettings } from './scan.js';
import { detectDns, type DnsSettings } from './dns/index.js';
import { matchDataset, type IntelIndex } from '../intel/index.js';
import { rankFindings, type Finding } from './finding.js';

export interface DetectSettings {
  beacon?: Partial<BeaconDetectorSettings>;
  /** The beacon scorer's tunables (periods, bursts, permutations ...). */
  beaconScore?: Partial<BeaconSettings>;
  longConn?: Partial<LongConnSettings>;
  scan?: Partial<ScanSettings>;
  dns?: Partial<DnsSettings>;
  /** Threat intelligence to match against the dataset (retro-hunt over everything in it). */
  intel?: IntelIndex;
}

export interface DetectResult {
  findings: Finding[];
  /** Seconds spent per detector. */
  timings: Record<string, number>;
}

export function runDetectors(ds: Dataset, settings: DetectSettings = {}): DetectResult {
  const timings: Record<string, number> = {};
  const all: Finding[] = [];
  const time = (name: string, fn: () => Finding[]) => {
    const t0 = performance.now();
    all.push(...fn());
    timings[name] = (performance.now() - t0) / 1000;
  };
  time('beacon', () => detectBeacons(ds, settings.beacon, settings.beaconScore));
  time('long_conn', () => detectLongConnections(ds, settings.longConn));
  time('scan', () => detectScans(ds, settings.scan));
  time('mining', () => detectMining(ds));
  time('dns', () => detectDns(ds, settings.dns));
  if (settings.intel !== undefined) time('intel', () => matchDataset(settings.intel!, ds));
  return { findings: all.sort(rankFindings), timings };
}
