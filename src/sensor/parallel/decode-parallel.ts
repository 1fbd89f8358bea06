/**
 * Parallel decoding over N shards: this thread reads the capture into slots of shared memory,
 * parses it and decodes shard 0 itself; every other packet it routes to the worker thread of its
 * shard (shards 1 .. N - 1), as offsets into the same slots. Shards are a symmetric hash of the
 * 5-tuple (see Sensor's `shard` option), so both directions of a connection meet in one decoder
 * and the expensive work (flow state, application analyzers, records) is divided. Most packets of
 * other shards are recognised without decoding them. The clock, the sweeps (timeouts, interim
 * records) and the packet numbers travel with the routed packets, so every shard does exactly
 * what one sensor would. Workers send their records back in batches (record-codec.ts), or write
 * them into a sink of their own (WorkerSinkSpec).
 *
 * Slots are recycled when every decoder is done with them, so reading runs ahead of decoding by
 * at most SLOTS chunks and memory stays bounded whatever the capture size. Reading the next chunk
 * (in libuv's thread pool) overlaps with decoding the current one.
 */
import { Worker } from 'node:worker_threads';
import { CaptureError, CaptureParser, READ_CHUNK_BYTES } from '../capture/index.js';
import { DEFAULT_ANALYZERS } from '../apps/registry.js';
import { emptyStats, Sensor, type SensorStats } from '../sensor.js';
import type { DecodeOptions, DecodeSummary } from '../decode-file.js';
import type { RecordKind, RecordSink } from '../../records/schema.js';
import { openChunkSource, SourceError } from './chunk-source.js';
import type { FromWorker, ToWorker, WorkerConfig } from './protocol.js';
import { RouteBuilder } from './route.js';
import { RecordDecoder } from './record-codec.js';

/** Shared-memory slots (chunks in flight); with READ_CHUNK_BYTES each, SLOTS x 4 MiB. */
export const SLOTS = 8;
/**
 * Share of the flows that this thread decodes, relative to one worker's 1: this thread also reads
 * and parses the whole capture and routes the packets, so it takes fewer flows. Measured on 2
 * cores with the 1 GB mixed simulator capture: per-thread CPU seconds are even at 0.85 (the
 * worker starts cold and loads its modules while this thread decodes; with records formatted at
 * about 1 µs each the per-flow share weighs less against the per-packet routing than at 0.7).
 */
export const MAIN_SHARD_WEIGHT = 0.85;
/** How long a worker may take to exit after the decode before it is terminated, ms. */
const WORKER_EXIT_MS = 5000;

type Done = Extract<FromWorker, { t: 'done' }>;

interface WorkerState {
  worker: Worker;
  done: ((m: Done) => void) | null;
  exited: Promise<void>;
}

/** Decode captures over `opts.workers` shards: this thread and workers - 1 worker threads (see decodeCaptures). */
export async function decodeParallel(sources: readonly string[], sink: RecordSink, opts: DecodeOptions & { workers: number }): Promise<DecodeSummary[]> {
  const count = opts.workers;
  const slotBytes = READ_CHUNK_BYTES;
  const memory = new SharedArrayBuffer(SLOTS * slotBytes);
  const slotViews = Array.from({ length: SLOTS }, (_, i) => new Uint8Array(memory, i * slotBytes, slotBytes));
  const free: number[] = Array.from({ length: SLOTS }, (_, i) => i);
  const refs = new Int32Array(SLOTS);
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  let exiting = false;

  const weights = [MAIN_SHARD_WEIGHT, ...new Array<number>(count - 1).fill(1)];
  // Shard 0, decoded here; it routes the other shards' packets.
  const router = new RouteBuilder(count - 1);
  const sensor = new Sensor(sink, {
    timeouts: opts.timeouts, interimInterval: opts.interimInterval, maxFlows: opts.maxFlows, communityIdSeed: opts.communityIdSeed,
    analyzers: opts.appLayer === false ? [] : DEFAULT_ANALYZERS,
    shard: { index: 0, count, router, weights },
  });

  const release = (slot: number): void => {
    if (--refs[slot]! === 0) {
      free.push(slot);
      wake?.();
    }
  };
  const fail = (e: Error): void => {
    failure ??= e;
    wake?.();
    for (const s of states) s.done?.({ t: 'done', stats: emptyStats() });
  };

  const write = (kind: RecordKind, rec: Record<string, unknown>): void => sink.write(kind, rec as never);
  const states: WorkerState[] = [];
  for (let index = 1; index < count; index++) {
    const cfg: WorkerConfig = {
      index, count, weights, memory, slotBytes, appLayer: opts.appLayer !== false,
      timeouts: opts.timeouts, interimInterval: opts.interimInterval, maxFlows: opts.maxFlows, communityIdSeed: opts.communityIdSeed,
      sink: opts.workerSink,
    };
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: cfg });
    const decoder = new RecordDecoder();
    let exitCode = -1;
    const st: WorkerState = { worker, done: null, exited: new Promise<void>((r) => worker.once('exit', (code) => { exitCode = code; r(); })) };
    worker.on('message', (m: FromWorker) => {
      switch (m.t) {
        case 'records':
          try {
            decoder.decode(m.batch, write);
          } catch (e) {
            fail(e as Error);
          }
          break;
        case 'free':
          router.giveBack(index - 1, m.route);
          release(m.slot);
          break;
        case 'done': {
          const d = st.done;
          st.done = null;
          d?.(m);
          break;
        }
        case 'fatal':
          fail(new Error(`Cannot decode: a worker failed: ${m.message}`));
          break;
      }
    });
    worker.on('error', (e) => fail(new Error(`Cannot decode: a worker failed: ${e.message}`, { cause: e })));
    void st.exited.then(() => { if (!exiting) fail(new Error(`Cannot decode: a worker exited early (code ${exitCode})`)); });
    states.push(st);
  }
  const broadcast = (m: ToWorker): void => { for (const s of states) s.worker.postMessage(m); };
  const nextSlot = async (): Promise<number> => {
    while (free.length === 0 && failure === null) await new Promise<void>((r) => { wake = r; });
    wake = null;
    if (failure !== null) throw failure;
    return free.shift()!;
  };
  /** Tell the workers the capture ended; resolves with their 'done' messages. */
  const end = (flush: boolean): Promise<Done[]> => {
    const all = Promise.all(states.map((s) => new Promise<Done>((r) => { s.done = r; })));
    broadcast({ t: 'end', flush, now: sensor.now });
    return all;
  };
  /** Send each worker its packets of the chunk in `slot` (also when none: the slot is released). */
  const dispatch = (slot: number): void => {
    states.forEach((s, w) => {
      const { route, length, extra } = router.take(w);
      const transfer: ArrayBuffer[] = [route.buffer as ArrayBuffer];
      if (extra !== null) transfer.push(extra.buffer as ArrayBuffer);
      s.worker.postMessage({ t: 'chunk', slot, route, length, extra } satisfies ToWorker, transfer);
    });
  };

  const out: DecodeSummary[] = [];
  try {
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i]!;
      opts.onFile?.(source, i);
      const t0 = process.hrtime.bigint();
      const parser = new CaptureParser((buf, off, caplen, origlen, ts, linktype) => sensor.packet(buf, off, caplen, origlen, ts, linktype), {
        onWeird: (name, addl) => sensor.weird(name, addl, 0),
      });
      let damage: CaptureError | SourceError | null = null;
      let gzip = false;
      try {
        const src = await openChunkSource(source, slotBytes, opts.onProgress);
        gzip = src.gzip;
        try {
          // Read ahead into the next slot while this thread decodes the current one.
          let slot = await nextSlot();
          let pending = src.read(slotViews[slot]!);
          for (;;) {
            const n = await pending;
            if (n === 0) { free.unshift(slot); break; }
            refs[slot] = count;
            const cur = slot;
            slot = await nextSlot();
            pending = src.read(slotViews[slot]!);
            const chunk = slotViews[cur]!.subarray(0, n);
            router.chunk = chunk;
            try {
              parser.push(chunk);
            } catch (e) {
              pending.then(() => free.unshift(slot), () => free.unshift(slot));
              throw e;
            } finally {
              // The packets routed before any damage go out too (as one thread decodes them).
              router.chunk = null;
              dispatch(cur);
              release(cur);
            }
          }
          parser.finish();
        } finally {
          await src.close().catch(() => {});
        }
      } catch (e) {
        if (!(e instanceof SourceError) && !(e instanceof CaptureError)) throw e;
        damage = e;
      }
      const last = i === sources.length - 1;
      if (last) sensor.flush();
      const dones = await end(last);
      if (failure !== null) throw failure;
      let error: DecodeSummary['error'];
      if (damage !== null) {
        const ce = damage instanceof SourceError ? damage.toCaptureError(parser.bytes) : damage;
        error = { code: ce.code, message: ce.message, offset: ce.offset };
      }
      const stats = sumStats([sensor.stats, ...dones.map((d) => d.stats)]);
      const ok = error === undefined;
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const prevBytes = out.length > 0 ? out[out.length - 1]!.bytes : 0;
      const bytes = (ok ? parser.bytes : 0) || stats.bytes - prevBytes;
      const summary: DecodeSummary = {
        source, format: ok ? parser.format ?? 'unknown' : 'unknown', gzip: ok && gzip, seconds,
        mbPerSec: bytes / 1e6 / Math.max(seconds, 1e-9), ...stats,
      };
      if (error !== undefined) summary.error = error;
      out.push(summary);
    }
  } finally {
    exiting = true;
    broadcast({ t: 'exit' });
    await Promise.all(states.map((s) => {
      const timer = setTimeout(() => { void s.worker.terminate(); }, WORKER_EXIT_MS);
      return s.exited.finally(() => clearTimeout(timer));
    }));
  }
  return out;
}

/** The statistics of all shards together (peakFlows: the sum of the shards' peaks, an upper bound). */
export function sumStats(parts: readonly SensorStats[]): SensorStats {
  const s = emptyStats();
  for (const p of parts) {
    s.packets += p.packets;
    s.bytes += p.bytes;
    s.ipPackets += p.ipPackets;
    s.nonIpPackets += p.nonIpPackets;
    s.flows += p.flows;
    s.evictions += p.evictions;
    s.peakFlows += p.peakFlows;
    s.interims += p.interims;
    for (const k of Object.keys(p.records) as RecordKind[]) s.records[k] += p.records[k];
    for (const [k, v] of Object.entries(p.weirds)) s.weirds[k] = (s.weirds[k] ?? 0) + v;
  }
  return s;
}
