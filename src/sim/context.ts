/** What every traffic generator gets: the clock bounds, the network, DNS, bytes and the flow sink. */
import type { PacketSource } from './flow.js';
import type { Network } from './network.js';
import type { BytePool } from './payload/bytes.js';
import type { DnsService } from './dns-service.js';
import type { Apps } from './apps.js';
import type { BehaviourLabel, BenignNotableLabel, BenignPeriodicLabel } from './labels.js';

/** The simulation as generators see it. */
export interface SimContext {
  /** Capture bounds, integer microseconds. */
  readonly start: number;
  readonly end: number;
  readonly net: Network;
  readonly pool: BytePool;
  readonly dns: DnsService;
  readonly apps: Apps;
  /** Schedules a flow (ignored when it starts after the end of the capture). */
  add(src: PacketSource): void;
}

/** A traffic generator: creates the flows that start in each time window, in order. */
export interface Generator {
  /** Creates flows starting in [ws, we) microseconds. Windows are consecutive and increasing. */
  window(ws: number, we: number): void;
  /** Labels this generator contributes, final after the last window. */
  labels?(): { behaviours?: BehaviourLabel[]; benign?: BenignPeriodicLabel[]; notable?: BenignNotableLabel[] };
}
