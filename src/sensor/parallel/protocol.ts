/**
 * Messages between the decoding thread and its workers (parallel decoding). The capture's bytes
 * travel in slots of one SharedArrayBuffer; messages carry slot numbers with the packets of the
 * worker's shard in it, records and statistics.
 *
 *   main -> worker:  chunk (a slot and this worker's packets in it), end (a capture ended), exit
 *   worker -> main:  records (a batch), free (done with a slot), done (end handled: statistics),
 *                    fatal (a bug: the decode is abandoned)
 */
import type { FlowTimeouts } from '../flow/flow-table.js';
import type { SensorStats } from '../sensor.js';
import type { EncodedBatch } from './record-codec.js';

/** What a worker needs to build its sensor (everything must survive structured cloning). */
export interface WorkerConfig {
  index: number;
  count: number;
  /** Shard weights (see SensorOptions.shard). */
  weights: number[];
  /** The slots (SLOTS regions of `slotBytes` bytes), read-only for workers. */
  memory: SharedArrayBuffer;
  slotBytes: number;
  appLayer: boolean;
  timeouts?: Partial<FlowTimeouts>;
  interimInterval?: number;
  maxFlows?: number;
  communityIdSeed?: number;
  /** Build this sink in the worker and write records there (nothing is posted back). */
  sink?: WorkerSinkSpec;
}

/**
 * How worker threads build a record sink of their own, so records never cross threads: a module,
 * the name of a factory it exports, `(arg) => RecordSink & { close?(): void | Promise<void> }`,
 * and the factory's argument (structured-cloneable). `close` is awaited after the last capture.
 */
export interface WorkerSinkSpec {
  /** URL (file: URL string) of an ES module. */
  module: string;
  factory: string;
  arg: unknown;
}

/**
 * A chunk's packets for one worker, as numbers (see ROUTE_* in route.ts) in `route[0 .. length)`:
 * entries [ROUTE_SLOT, off, caplen, origlen, linktype, index, ts, now, fragKnown] for a packet in
 * the chunk's slot, [ROUTE_EXTRA, ...same] for one copied into `extra` (a packet that straddled
 * two chunks), and [ROUTE_SWEEP, now]. The worker hands `route` back with its `free` message.
 */
export type ToWorker =
  | { t: 'chunk'; slot: number; route: Float64Array; length: number; extra: Uint8Array | null }
  /** `flush`: the last capture (end every flow at `now`). */
  | { t: 'end'; flush: boolean; now: number }
  | { t: 'exit' };

export type FromWorker =
  /** A batch of records (see record-codec.ts). */
  | { t: 'records'; batch: EncodedBatch }
  /** Done with a slot; the chunk's route list comes back (transferred) to be filled again. */
  | { t: 'free'; slot: number; route: Float64Array }
  /** The end of a capture is handled: the sensor's statistics so far. */
  | { t: 'done'; stats: SensorStats }
  | { t: 'fatal'; message: string };
