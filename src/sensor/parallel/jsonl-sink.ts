/**
 * Logs written by the decoding workers themselves, so records never cross threads: the same
 * files and the same lines as DirectoryWriter, JSON lines (`conn.jsonl`, `open_conn.jsonl` for
 * interim conn records, `dns.jsonl` ...) or Zeek TSV (`conn.log` ... with the `#` headers), with
 * each worker appending whole batches of lines to the shared files. Lines of different workers
 * interleave (record order is not kept); each line is whole.
 *
 * A log file is created (truncated, and given its Zeek header) exactly once, by whichever worker
 * first has a record for it, as DirectoryWriter creates it on the first record: the workers agree
 * through a shared Int32Array (compare-exchange, then the others wait until the file exists).
 * Logs without records are not touched. Zeek's `#close` trailer is appended by
 * {@link finishSharedLogs} once every sink is closed. Used by one thread alone, it writes exactly
 * what DirectoryWriter writes, in the same order.
 *
 * Lines are made by the writers' line writers (records/writers.ts JSON_LINE, ZEEK_LINE), straight
 * into a byte buffer per log: for JSON the same text as `JSON.stringify(toZeekJson(kind, rec))`.
 */
import { appendFileSync, closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { JSON_LINE, ZEEK_LINE, jsonLine, zeekHeader, zeekTrailer, type LineWriter, type OutputFormat } from '../../records/writers.js';
import { ByteLine } from '../../records/line-encoder.js';
import { RECORD_KINDS, type RecordKind, type RecordMap, type RecordSink } from '../../records/schema.js';

/** The logs, in slot order: one per record kind, then `open_conn` (interim conn records). */
export const JSONL_LOGS: readonly string[] = [...RECORD_KINDS, 'open_conn'];
const OPEN_CONN = JSONL_LOGS.length - 1;
/** The record kind of each slot (open_conn: conn). */
const SLOT_KINDS: readonly RecordKind[] = JSONL_LOGS.map((log) => (log === 'open_conn' ? 'conn' : log) as RecordKind);
/** The line writers of each slot, per format. */
const SLOT_LINES: Readonly<Record<OutputFormat, readonly LineWriter[]>> = {
  json: SLOT_KINDS.map((k) => JSON_LINE[k]),
  zeek: SLOT_KINDS.map((k) => ZEEK_LINE[k]),
};
/** Slot states: 0 no file yet, 1 being created; 2 + n: created n-th. The last slot counts creations. */
const ABSENT = 0, CREATING = 1, CREATED = 2;
const SEQ = JSONL_LOGS.length;
/** Buffered bytes per log before they are appended to its file. */
export const JSONL_FLUSH_BYTES = 1 << 20;
/** Longest wait for another worker to create a file, ms (creating one takes microseconds). */
const CREATE_WAIT_MS = 10_000;

/** What a worker needs to build its sink (structured-cloneable); the same for every worker. */
export interface SharedJsonLinesArg {
  dir: string;
  /** From {@link sharedJsonLinesState}. */
  state: SharedArrayBuffer;
  /** 'json' (default) or 'zeek'. */
  format?: OutputFormat;
  /** Zeek's `#open` time, epoch seconds (default: when the first log is created). */
  openTime?: number;
}

/** Shared logs of either format (the JSON-lines names came first). */
export type SharedLogArg = SharedJsonLinesArg;

/** File name of a log. */
function fileOf(arg: SharedJsonLinesArg, log: string): string {
  return join(arg.dir, `${log}${arg.format === 'zeek' ? '.log' : '.jsonl'}`);
}

/** The shared state of one decode's logs. */
export function sharedJsonLinesState(): SharedArrayBuffer {
  return new SharedArrayBuffer(4 * (JSONL_LOGS.length + 1));
}

/** Paths of the logs created, in the order they were created (as DirectoryWriter lists them). */
export function sharedJsonLinesPaths(arg: SharedJsonLinesArg): string[] {
  const st = new Int32Array(arg.state);
  return JSONL_LOGS.map((log, i) => ({ log, at: Atomics.load(st, i) }))
    .filter((x) => x.at >= CREATED).sort((a, b) => a.at - b.at).map((x) => fileOf(arg, x.log));
}

/**
 * After every sink of a decode is closed: Zeek's `#close` trailer at the end of each log created
 * (as DirectoryWriter#close writes it); nothing for JSON lines.
 */
export function finishSharedLogs(arg: SharedJsonLinesArg, closeTime = Date.now() / 1000): void {
  if (arg.format !== 'zeek') return;
  const trailer = zeekTrailer(closeTime);
  for (const path of sharedJsonLinesPaths(arg)) appendFileSync(path, trailer);
}

/** A worker's sink (the factory named in a WorkerSinkSpec). */
export function createSharedJsonLinesSink(arg: SharedJsonLinesArg): SharedJsonLinesSink {
  return new SharedJsonLinesSink(arg);
}

/** The same sink under the name that says it writes either format. */
export const createSharedLogSink = createSharedJsonLinesSink;

/** Appends lines to the shared log files; `close` writes what is buffered. */
export class SharedJsonLinesSink implements RecordSink {
  private readonly st: Int32Array;
  private readonly lines: readonly LineWriter[];
  private readonly fds: number[] = JSONL_LOGS.map(() => -1);
  private readonly outs: ByteLine[] = JSONL_LOGS.map(() => new ByteLine(JSONL_FLUSH_BYTES + 64 * 1024));

  constructor(private readonly arg: SharedJsonLinesArg) {
    this.st = new Int32Array(arg.state);
    this.lines = SLOT_LINES[arg.format ?? 'json'];
  }

  write<K extends RecordKind>(kind: K, rec: RecordMap[K]): void {
    const slot = kind === 'conn' ? ((rec as { interim?: boolean }).interim === true ? OPEN_CONN : 0) : slotOf(kind);
    if (this.fds[slot]! < 0) this.fds[slot] = this.open(slot); // created on its first record, as DirectoryWriter does
    const out = this.outs[slot]!;
    this.lines[slot]!(rec, out);
    if (out.pos >= JSONL_FLUSH_BYTES) this.flush(slot);
  }

  /** Append everything buffered and close the files. */
  close(): void {
    for (let i = 0; i < JSONL_LOGS.length; i++) {
      this.flush(i);
      if (this.fds[i]! >= 0) closeSync(this.fds[i]!);
      this.fds[i] = -1;
    }
  }

  private flush(slot: number): void {
    const out = this.outs[slot]!;
    if (out.pos === 0) return;
    let done = 0;
    while (done < out.pos) done += writeSync(this.fds[slot]!, out.buf, done, out.pos - done);
    out.pos = 0;
  }

  /** Open a log for appending, creating (truncating) it first, with its Zeek header, when no worker has. */
  private open(slot: number): number {
    const arg = this.arg;
    const log = JSONL_LOGS[slot]!;
    const path = fileOf(arg, log);
    const st = this.st;
    if (Atomics.compareExchange(st, slot, ABSENT, CREATING) === ABSENT) {
      try {
        writeFileSync(path, arg.format === 'zeek' ? zeekHeader(log, SLOT_KINDS[slot]!, arg.openTime ?? Date.now() / 1000) : '');
      } finally {
        Atomics.store(st, slot, CREATED + Atomics.add(st, SEQ, 1));
        Atomics.notify(st, slot);
      }
    } else {
      const until = Date.now() + CREATE_WAIT_MS;
      while (Atomics.load(st, slot) === CREATING) {
        if (Date.now() > until) throw new Error(`Cannot write ${path}: another worker did not finish creating it`);
        Atomics.wait(st, slot, CREATING, 100);
      }
    }
    return openSync(path, 'a');
  }
}

/** The slot of a record kind (its index in RECORD_KINDS). */
function slotOf(kind: RecordKind): number {
  switch (kind) {
    case 'conn': return 0;
    case 'dns': return 1;
    case 'tls': return 2;
    case 'http': return 3;
    case 'mining': return 4;
    case 'ssh': return 5;
    case 'weird': return 6;
  }
  return RECORD_KINDS.indexOf(kind);
}

if (!RECORD_KINDS.every((k, i) => slotOf(k) === i)) throw new Error('jsonl-sink: slotOf does not follow RECORD_KINDS');

export { jsonLine };
