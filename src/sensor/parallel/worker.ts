/**
 * A decoding worker thread: runs the sensor of one shard over the packets the decoding thread
 * routes to it (their bytes stay in the shared slots; the clock, sweeps and packet numbers come
 * along, so everything happens as in one thread), and sends the records back in batches or
 * writes them into a sink of its own. Started by decode-parallel.ts with a WorkerConfig.
 */
import { writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_ANALYZERS } from '../apps/registry.js';
import { Sensor } from '../sensor.js';
import type { RecordKind, RecordMap, RecordSink } from '../../records/schema.js';
import type { FromWorker, ToWorker, WorkerConfig, WorkerSinkSpec } from './protocol.js';
import { RecordEncoder } from './record-codec.js';
import { ROUTE_ENTRY, ROUTE_EXTRA, ROUTE_SWEEP } from './route.js';

/** Records per batch message (a batch also goes out after every chunk). */
const BATCH_RECORDS = 2048;
/** Decoding threads call themselves `c2hunt-decode-<shard>` (`top -H`, /proc: per-thread CPU, see bench-decode). */
const WORKER_THREAD_NAME = 'c2hunt-decode';
/** Longest thread name Linux keeps, bytes. */
const THREAD_NAME_BYTES = 15;

/** Name this OS thread (Linux, best effort: elsewhere or when /proc is not writable nothing happens). */
function nameThread(name: string): void {
  if (process.platform !== 'linux') return;
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, THREAD_NAME_BYTES));
  } catch {
    // only cosmetic
  }
}

const cfg = workerData as WorkerConfig;
const port = parentPort!;
nameThread(`${WORKER_THREAD_NAME}-${cfg.index}`);
const post = (m: FromWorker): void => port.postMessage(m);

const encoder = new RecordEncoder();
/** Records go back to the decoding thread, or into a sink of this worker's own. */
type OwnSink = RecordSink & { close?(): void | Promise<void> };
const own: OwnSink | null = cfg.sink === undefined ? null : await buildSink(cfg.sink);
const sink: RecordSink = own ?? {
  write<K extends RecordKind>(kind: K, rec: RecordMap[K]): void {
    encoder.add(kind, rec);
    if (encoder.size >= BATCH_RECORDS) flushRecords();
  },
};

async function buildSink(spec: WorkerSinkSpec): Promise<OwnSink> {
  const mod = (await import(spec.module)) as Record<string, unknown>;
  const factory = mod[spec.factory];
  if (typeof factory !== 'function') throw new Error(`Cannot decode: ${spec.module} exports no function ${spec.factory}`);
  return (await (factory as (arg: unknown) => OwnSink | Promise<OwnSink>)(spec.arg));
}

function flushRecords(): void {
  if (encoder.size === 0) return;
  const batch = encoder.take();
  port.postMessage({ t: 'records', batch } satisfies FromWorker, [batch.tags.buffer as ArrayBuffer, batch.nums.buffer as ArrayBuffer]);
}

const sensor = new Sensor(sink, {
  timeouts: cfg.timeouts, interimInterval: cfg.interimInterval, maxFlows: cfg.maxFlows, communityIdSeed: cfg.communityIdSeed,
  analyzers: cfg.appLayer ? DEFAULT_ANALYZERS : [],
  shard: { index: cfg.index, count: cfg.count, weights: cfg.weights },
});
const memory = new Uint8Array(cfg.memory);

/** This worker's packets of one chunk, in order (see protocol.ts ToWorker). */
function route(slot: number, r: Float64Array, length: number, extra: Uint8Array | null): void {
  const base = slot * cfg.slotBytes;
  for (let i = 0; i < length;) {
    const kind = r[i]!;
    if (kind === ROUTE_SWEEP) {
      sensor.routedSweep(r[i + 1]!);
      i += 2;
      continue;
    }
    const inSlot = kind !== ROUTE_EXTRA;
    sensor.routedPacket(inSlot ? memory : extra!, (inSlot ? base : 0) + r[i + 1]!, r[i + 2]!, r[i + 3]!, r[i + 6]!, r[i + 4]!,
      r[i + 5]!, r[i + 7]!, r[i + 8] === 1);
    i += ROUTE_ENTRY;
  }
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.t) {
    case 'chunk':
      route(m.slot, m.route, m.length, m.extra);
      flushRecords();
      port.postMessage({ t: 'free', slot: m.slot, route: m.route } satisfies FromWorker, [m.route.buffer as ArrayBuffer]);
      break;
    case 'end':
      if (m.flush) {
        sensor.flush(m.now);
        await own?.close?.();
      }
      flushRecords();
      post({ t: 'done', stats: sensor.stats });
      break;
    case 'exit':
      port.close();
      break;
  }
}

// Messages are handled one at a time, in order, even when a step awaits (closing the sink).
let queue = Promise.resolve();
port.on('message', (m: ToWorker) => {
  queue = queue.then(() => handle(m)).catch((e: unknown) => {
    post({ t: 'fatal', message: (e as Error)?.stack ?? String(e) });
  });
});
