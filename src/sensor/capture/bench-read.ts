/**
 * Benchmark of the capture readers (a script, not a test):
 *
 *   node dist/sensor/capture/bench-read.js FILE [SECONDS]
 *
 * Reads FILE with readCapture repeatedly for about SECONDS (default 3) and prints the median
 * throughput in MB/s (of the decompressed stream) and packets/s, then the same for the push
 * parser alone over the file held in memory (no I/O, no decompression). The packet handler only
 * sums captured lengths, so this measures record walking, not decoding.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { CaptureParser } from './parser.js';
import { readCapture } from './read.js';

/** Default time budget per measurement, seconds. */
const DEFAULT_SECONDS = 3;
/** Chunk size for the in-memory parser run, bytes (as readCapture reads). */
const MEMORY_CHUNK = 4 * 1024 * 1024;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function line(label: string, bytes: number, packets: number, secs: number[]): string {
  const t = median(secs);
  return `${label.padEnd(22)} ${(bytes / t / 1e6).toFixed(0).padStart(7)} MB/s  ${(packets / t / 1e6).toFixed(2).padStart(6)} Mpackets/s  ` +
    `(median of ${secs.length} runs, ${(t * 1000).toFixed(1)} ms each)`;
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (file === undefined) {
    console.error('usage: node dist/sensor/capture/bench-read.js FILE [SECONDS]');
    process.exit(2);
  }
  const budget = Number(process.argv[3] ?? DEFAULT_SECONDS) * 1000;
  let sink = 0;
  const onPacket = (_b: Uint8Array, _o: number, caplen: number): void => { sink += caplen; };

  // readCapture: file I/O (warm page cache after the first run) + gunzip if any + parsing.
  const first = await readCapture(file, onPacket);
  const secs: number[] = [];
  for (const start = Date.now(); Date.now() - start < budget || secs.length < 3;) {
    const t0 = process.hrtime.bigint();
    await readCapture(file, onPacket);
    secs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  console.log(`${file}: ${first.format}${first.gzip ? ' (gzip)' : ''}, ${first.packets} packets, ${(first.bytes / 1e6).toFixed(1)} MB`);
  console.log(line('readCapture', first.bytes, first.packets, secs));

  // The push parser alone over the bytes in memory.
  let bytes: Uint8Array = await readFile(file);
  if (first.gzip) bytes = gunzipSync(bytes);
  const mem: number[] = [];
  for (const start = Date.now(); Date.now() - start < budget || mem.length < 3;) {
    const t0 = process.hrtime.bigint();
    const p = new CaptureParser(onPacket);
    for (let off = 0; off < bytes.length; off += MEMORY_CHUNK) p.push(bytes.subarray(off, off + MEMORY_CHUNK));
    p.finish();
    mem.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  console.log(line('parser (in memory)', first.bytes, first.packets, mem));
  if (sink === -1) console.log(sink); // keep the handler's work observable
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
