/**
 * The simulation engine: builds the network and the scenario's generators, then walks time in
 * windows. In each window every generator schedules the flows that start in it; the flows'
 * packets are merged by timestamp through a heap and written to the pcap. Memory holds only the
 * active flows, so long captures and many hosts stay bounded.
 */
import { open } from 'node:fs/promises';
import { writeFile } from 'node:fs/promises';
import { Apps } from './apps.js';
import type { Generator, SimContext } from './context.js';
import { DnsService } from './dns-service.js';
import { SourceHeap, type PacketSource } from './flow.js';
import type { BehaviourLabel, BenignNotableLabel, BenignPeriodicLabel, LabelsFile } from './labels.js';
import { AD_DOMAIN, INTERNAL_NET4, INTERNAL_NET6, Network } from './network.js';
import { BytePool } from './payload/bytes.js';
import { PcapWriter } from './pcap-writer.js';
import { hashString, Rng } from './rng.js';
import { getScenario, listScenarios } from './scenarios.js';
import { benignGenerators } from './benign.js';

/** Options of a simulation. */
export interface SimOptions {
  /** Scenario name (see `listScenarios()`). */
  scenario: string;
  /** Internal hosts (default 200). */
  hosts?: number;
  /** Capture length, seconds (default 86400). */
  durationSec?: number;
  /** Seed: the same seed gives the same bytes (default 1). */
  seed?: number;
  /** Capture start, epoch seconds (default 2026-11-02T00:00:00Z, a Monday). */
  start?: number;
}

/** What a simulation wrote. */
export interface SimSummary {
  pcapPath: string;
  labelsPath: string;
  packets: number;
  /** Bytes of the pcap file. */
  bytes: number;
  /** Flows (TCP connections and UDP exchanges) that have at least one packet scheduled in the capture. */
  flows: number;
  /** Label entries (malicious behaviours, benign periodic services, benign look-alikes). */
  labels: number;
  /** Malicious behaviours labelled. */
  behaviours: number;
  /** Flows a generator scheduled behind the writer's clock (a bug if not 0; tests assert it). */
  late: number;
}

/** Defaults of the options. */
export const SIM_DEFAULTS = Object.freeze({ hosts: 200, durationSec: 86400, seed: 1, start: Date.UTC(2026, 10, 2) / 1000 });
/** Generation window, µs: flows are created one window ahead of the packets being written. */
const WINDOW_US = 60e6;
/** Windows between progress callbacks / event-loop yields. */
const YIELD_EVERY_WINDOWS = 10;

/** Where the labels go for a capture path. */
export function labelsPathFor(outPath: string): string {
  return outPath.endsWith('.pcap') ? outPath.slice(0, -5) + '.labels.json' : outPath + '.labels.json';
}

/** Validates and defaults the options; throws "Cannot simulate: ..." on bad input. */
export function resolveOptions(opts: SimOptions): Required<SimOptions> {
  if (!getScenario(opts.scenario)) {
    throw new Error(`Cannot simulate: unknown scenario "${opts.scenario}" (known: ${listScenarios().map((s) => s.name).join(', ')})`);
  }
  const o = { scenario: opts.scenario, hosts: opts.hosts ?? SIM_DEFAULTS.hosts, durationSec: opts.durationSec ?? SIM_DEFAULTS.durationSec,
    seed: opts.seed ?? SIM_DEFAULTS.seed, start: opts.start ?? SIM_DEFAULTS.start };
  if (!Number.isFinite(o.durationSec) || o.durationSec <= 0 || o.durationSec > 366 * 86400) throw new Error('Cannot simulate: duration must be between 1 s and 366 days');
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new Error('Cannot simulate: seed must be a non-negative integer');
  if (!Number.isFinite(o.start) || o.start < 0 || o.start > 4e9) throw new Error('Cannot simulate: start must be epoch seconds');
  return o;
}

/** Internal engine state shared with the generators through `SimContext`. */
class Engine implements SimContext {
  readonly start: number;
  readonly end: number;
  readonly net: Network;
  readonly pool: BytePool;
  readonly dns: DnsService;
  readonly apps: Apps;
  readonly heap = new SourceHeap();
  flows = 0;
  /** Time of the last packet written; a flow scheduled before it would break ordering. */
  now = 0;
  /** Flows scheduled in the past (a generator bug); tests assert zero. */
  late = 0;
  private order = 0;

  constructor(o: Required<SimOptions>) {
    this.start = Math.round(o.start * 1e6);
    this.end = this.start + Math.round(o.durationSec * 1e6);
    this.net = new Network(o.hosts, new Rng(o.seed, hashString('network')));
    this.pool = new BytePool(new Rng(o.seed, hashString('pool')));
    this.dns = new DnsService(this.net, (s) => this.add(s));
    this.apps = new Apps(this, new Rng(o.seed, hashString('apps')));
  }

  add(src: PacketSource): void {
    if (src.ts >= this.end) return;
    if (src.ts < this.now) this.late++;
    src.order = this.order++;
    this.heap.push(src);
    this.flows++;
  }
}

/**
 * Writes a labelled capture of the scenario to `outPath` (pcap, Ethernet, microseconds) and its
 * labels next to it. `progress` receives the fraction of simulated time done and the bytes
 * written so far.
 */
export async function simulate(opts: SimOptions, outPath: string, progress?: (fraction: number, bytes: number) => void): Promise<SimSummary> {
  const o = resolveOptions(opts);
  const scenario = getScenario(o.scenario)!;
  const eng = new Engine(o);
  const gens: Generator[] = [
    ...benignGenerators(eng, new Rng(o.seed, hashString('benign'))),
    ...scenario.build(eng, new Rng(o.seed, hashString(`scenario:${o.scenario}`))),
  ];
  const fh = await open(outPath, 'w');
  const w = new PcapWriter(fh);
  try {
    let n = 0;
    for (let ws = eng.start; ws < eng.end; ws += WINDOW_US) {
      const we = Math.min(ws + WINDOW_US, eng.end);
      for (const g of gens) g.window(ws, we);
      const heap = eng.heap;
      for (;;) {
        const top = heap.top();
        if (!top || top.ts >= we) break;
        eng.now = top.ts;
        top.emit(w);
        heap.updateTop();
        if (w.needsFlush) await w.flush();
      }
      if (++n % YIELD_EVERY_WINDOWS === 0 || we === eng.end) {
        progress?.((we - eng.start) / (eng.end - eng.start), w.bytes);
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    await w.close();
  } finally {
    await fh.close();
  }
  const behaviours: BehaviourLabel[] = [];
  const benign: BenignPeriodicLabel[] = [];
  const notable: BenignNotableLabel[] = [];
  for (const g of gens) {
    const l = g.labels?.();
    if (l?.behaviours) behaviours.push(...l.behaviours);
    if (l?.benign) benign.push(...l.benign);
    if (l?.notable) notable.push(...l.notable);
  }
  const labels: LabelsFile = {
    version: 1, scenario: o.scenario, seed: o.seed, start: eng.start / 1e6, end: eng.end / 1e6, hosts: o.hosts,
    internal_nets: [INTERNAL_NET4, INTERNAL_NET6],
    infrastructure: { dns_resolver: eng.net.resolver.ipStr, domain_controller: eng.net.dc.ipStr, file_server: eng.net.fileServer.ipStr,
      linux_server: eng.net.linuxServer.ipStr, ad_domain: AD_DOMAIN },
    behaviours, benign_periodic: benign, benign_notable: notable,
  };
  const labelsPath = labelsPathFor(outPath);
  await writeFile(labelsPath, JSON.stringify(labels, null, 1) + '\n');
  return { pcapPath: outPath, labelsPath, packets: w.packets, bytes: w.bytes, flows: eng.flows, labels: behaviours.length + benign.length + notable.length,
    behaviours: behaviours.length, late: eng.late };
}
