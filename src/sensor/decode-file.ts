/**
 * Decode a capture (file, gzip, or '-' for stdin) into records: the capture reader feeds the
 * sensor, the sensor feeds the sink. Returns the summary that `c2hunt decode` prints.
 *
 * One thread by default: the next chunk of the file is read while the current one is decoded.
 * With `workers` > 1 the flows are sharded across threads (see parallel/decode-parallel.ts).
 */
import { CaptureError, CaptureParser, READ_CHUNK_BYTES } from './capture/index.js';
import { Sensor, type SensorOptions, type SensorStats } from './sensor.js';
import { DEFAULT_ANALYZERS } from './apps/registry.js';
import { openChunkSource, SourceError } from './parallel/chunk-source.js';
import { decodeParallel } from './parallel/decode-parallel.js';
import type { WorkerSinkSpec } from './parallel/protocol.js';
import type { RecordSink } from '../records/schema.js';

export interface DecodeSummary extends SensorStats {
  source: string;
  format: string;
  gzip: boolean;
  seconds: number;
  /** Capture bytes per second (decompressed stream), in MB/s (10^6). */
  mbPerSec: number;
  /** Set when the capture was damaged: everything before the damage was decoded. */
  error?: { code: string; message: string; offset: number };
}

export type { WorkerSinkSpec };

export interface DecodeOptions extends Omit<SensorOptions, 'shard'> {
  /** Called when a capture starts (several captures go through one sensor). */
  onFile?: (source: string, index: number) => void;
  /** Called as the capture is read: bytes read so far and the total when known. */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  /** Backpressure from the records' destination (IngestBatch.pace): awaited between chunks when it returns a promise. */
  pace?: () => Promise<void> | undefined;
  /** Application-layer parsing (default on). */
  appLayer?: boolean;
  /**
   * Decoding threads (default 1: this thread alone). With N > 1 the flows are sharded by a
   * symmetric hash of the 5-tuple (both directions meet) across this thread, which also reads the
   * input and routes the packets, and N - 1 worker threads. The same records come out, uids
   * included, in another order; see SensorOptions.shard for the small differences (weird
   * sampling, maxFlows per shard, peakFlows). Custom `analyzers` cannot cross into workers: with
   * them, use 1.
   */
  workers?: number;
  /**
   * With `workers` > 1: each worker thread builds this sink and writes its records there, so
   * records never cross threads; `sink` then receives only this thread's shard (e.g.
   * parallel/jsonl-sink.ts, where every thread appends to the same JSON-lines logs).
   */
  workerSink?: WorkerSinkSpec;
}

/** Most worker threads `workers` may ask for. */
export const MAX_DECODE_WORKERS = 64;

/** Decode one capture. */
export async function decodeCapture(source: string, sink: RecordSink, opts: DecodeOptions = {}): Promise<DecodeSummary> {
  return (await decodeCaptures([source], sink, opts))[0]!;
}

/**
 * Decode several captures in order through ONE sensor, so a connection that spans rotated
 * capture files stays one connection. Returns a summary per capture (the sensor statistics in
 * each are cumulative up to that capture; flows still open at the end are flushed after the last).
 */
export async function decodeCaptures(sources: readonly string[], sink: RecordSink, opts: DecodeOptions = {}): Promise<DecodeSummary[]> {
  const workers = Math.floor(opts.workers ?? 1);
  if (!(workers >= 1 && workers <= MAX_DECODE_WORKERS)) throw new Error(`Cannot decode: workers must be 1 to ${MAX_DECODE_WORKERS} (got ${opts.workers})`);
  if (workers > 1) {
    if (opts.analyzers !== undefined) throw new Error('Cannot decode: custom analyzers cannot be passed to worker threads (use workers: 1)');
    return decodeParallel(sources, sink, { ...opts, workers });
  }
  const sensor = new Sensor(sink, { ...opts, analyzers: opts.appLayer === false ? [] : (opts.analyzers ?? DEFAULT_ANALYZERS) });
  const out: DecodeSummary[] = [];
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i]!;
    opts.onFile?.(source, i);
    const t0 = process.hrtime.bigint();
    const before = sensor.stats.bytes;
    const parser = new CaptureParser((buf, off, caplen, origlen, ts, linktype) => sensor.packet(buf, off, caplen, origlen, ts, linktype), {
      onWeird: (name, addl) => sensor.weird(name, addl, 0),
    });
    let format = 'unknown', gzip = false, streamBytes = 0;
    let error: DecodeSummary['error'];
    try {
      gzip = await readInto(source, parser, opts.onProgress, opts.pace);
      format = parser.format!;
      streamBytes = parser.bytes;
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      error = { code: e.code, message: e.message, offset: e.offset };
    }
    if (i === sources.length - 1) sensor.flush();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const bytes = streamBytes || sensor.stats.bytes - before;
    const summary: DecodeSummary = {
      source, format, gzip, seconds, mbPerSec: bytes / 1e6 / Math.max(seconds, 1e-9),
      ...structuredClone(sensor.stats),
    };
    if (error) summary.error = error;
    out.push(summary);
  }
  return out;
}

/**
 * Push a whole capture through the parser, reading the next chunk while the current one is
 * parsed (two buffers). Returns whether it was gzip-compressed; throws CaptureError.
 */
async function readInto(source: string, parser: CaptureParser, onProgress: DecodeOptions['onProgress'], pace: DecodeOptions['pace']): Promise<boolean> {
  const src = await openChunkSource(source, READ_CHUNK_BYTES, onProgress);
  const bufs = [new Uint8Array(READ_CHUNK_BYTES), new Uint8Array(READ_CHUNK_BYTES)];
  try {
    let k = 0;
    let pending = src.read(bufs[0]!);
    for (;;) {
      const n = await pending;
      if (n === 0) break;
      const cur = bufs[k]!;
      k ^= 1;
      pending = src.read(bufs[k]!); // read ahead into the other buffer while this one is parsed
      try {
        parser.push(n === cur.length ? cur : cur.subarray(0, n));
        const wait = pace?.();
        if (wait !== undefined) await wait;
      } catch (e) {
        pending.catch(() => {}); // the read ahead is abandoned
        throw e;
      }
    }
    parser.finish();
  } catch (e) {
    if (e instanceof SourceError) throw e.toCaptureError(parser.bytes);
    throw e;
  } finally {
    await src.close().catch(() => {});
  }
  return src.gzip;
}
