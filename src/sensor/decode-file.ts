/**
 * Decode a capture (file, gzip, or '-' for stdin) into records: the capture reader feeds the
 * sensor, the sensor feeds the sink. Returns the summary that `c2hunt decode` prints.
 */
import { readCapture, CaptureError } from './capture/index.js';
import { Sensor, type SensorOptions, type SensorStats } from './sensor.js';
import { DEFAULT_ANALYZERS } from './apps/registry.js';
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

export interface DecodeOptions extends SensorOptions {
  /** Called when a capture starts (several captures go through one sensor). */
  onFile?: (source: string, index: number) => void;
  /** Called as the capture is read: bytes read so far and the total when known. */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  /** Application-layer parsing (default on). */
  appLayer?: boolean;
}

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
  const sensor = new Sensor(sink, { ...opts, analyzers: opts.appLayer === false ? [] : (opts.analyzers ?? DEFAULT_ANALYZERS) });
  const out: DecodeSummary[] = [];
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i]!;
    opts.onFile?.(source, i);
    const t0 = process.hrtime.bigint();
    const before = sensor.stats.bytes;
    let format = 'unknown', gzip = false, streamBytes = 0;
    let error: DecodeSummary['error'];
    try {
      const r = await readCapture(source, (buf, off, caplen, origlen, ts, linktype) => sensor.packet(buf, off, caplen, origlen, ts, linktype), {
        onProgress: opts.onProgress,
        onWeird: (name, addl) => sensor.weird(name, addl, 0),
      });
      format = r.format;
      gzip = r.gzip;
      streamBytes = r.bytes;
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
