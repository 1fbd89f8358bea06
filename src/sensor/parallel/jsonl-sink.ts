/**
 * JSON-lines logs written by the decoding workers themselves, so records never cross threads:
 * the same files and the same lines as DirectoryWriter's `json` format (`conn.jsonl`,
 * `open_conn.jsonl` for interim conn records, `dns.jsonl` ...), with each worker appending whole
 * batches of lines to the shared files. Lines of different workers interleave (record order
 * is not kept); each line is whole.
 *
 * A log file is created (truncated) exactly once, by whichever worker first has a record for it,
 * as DirectoryWriter creates it on the first record: the workers agree through a shared
 * Int32Array (compare-exchange, then the others wait until the file exists). Logs without
 * records are not touched. Used by one thread alone, it writes exactly what DirectoryWriter
 * writes, in the same order.
 *
 * Lines are made by a writer compiled per record kind from the writers' COLUMNS, straight into a
 * byte buffer: the same text as `JSON.stringify(toZeekJson(kind, rec))`, a few times faster.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { COLUMNS } from '../../records/writers.js';
import { RECORD_KINDS, type RecordKind, type RecordMap, type RecordSink } from '../../records/schema.js';

/** The logs, in slot order: one per record kind, then `open_conn` (interim conn records). */
export const JSONL_LOGS: readonly string[] = [...RECORD_KINDS, 'open_conn'];
const OPEN_CONN = JSONL_LOGS.length - 1;
const KIND_SLOT = new Map<string, number>(RECORD_KINDS.map((k, i) => [k, i]));
/** Slot states: 0 no file yet, 1 being created; 2 + n: created n-th. The last slot counts creations. */
const ABSENT = 0, CREATING = 1, CREATED = 2;
const SEQ = JSONL_LOGS.length;
/** Buffered bytes per log before they are appended to its file. */
export const JSONL_FLUSH_BYTES = 1 << 20;
/** Longest wait for another worker to create a file, ms (creating one takes microseconds). */
const CREATE_WAIT_MS = 10_000;

/** What a worker needs to build its sink (structured-cloneable). */
export interface SharedJsonLinesArg {
  dir: string;
  /** From {@link sharedJsonLinesState}; the same for every worker. */
  state: SharedArrayBuffer;
}

/** The shared state of one decode's logs. */
export function sharedJsonLinesState(): SharedArrayBuffer {
  return new SharedArrayBuffer(4 * (JSONL_LOGS.length + 1));
}

/** Paths of the logs created, in the order they were created (as DirectoryWriter lists them). */
export function sharedJsonLinesPaths(arg: SharedJsonLinesArg): string[] {
  const st = new Int32Array(arg.state);
  return JSONL_LOGS.map((log, i) => ({ log, at: Atomics.load(st, i) }))
    .filter((x) => x.at >= CREATED).sort((a, b) => a.at - b.at).map((x) => join(arg.dir, `${x.log}.jsonl`));
}

/** A worker's sink (the factory named in a WorkerSinkSpec). */
export function createSharedJsonLinesSink(arg: SharedJsonLinesArg): SharedJsonLinesSink {
  return new SharedJsonLinesSink(arg);
}

/** Appends JSON lines to the shared log files; `close` writes what is buffered. */
export class SharedJsonLinesSink implements RecordSink {
  private readonly st: Int32Array;
  private readonly fds: number[] = JSONL_LOGS.map(() => -1);
  private readonly outs: LineBuffer[] = JSONL_LOGS.map(() => new LineBuffer());

  constructor(private readonly arg: SharedJsonLinesArg) {
    this.st = new Int32Array(arg.state);
  }

  write<K extends RecordKind>(kind: K, rec: RecordMap[K]): void {
    const r = rec as unknown as Record<string, unknown>;
    const slot = kind === 'conn' && r['interim'] === true ? OPEN_CONN : KIND_SLOT.get(kind)!;
    if (this.fds[slot]! < 0) this.fds[slot] = this.open(slot); // created on its first record, as DirectoryWriter does
    const out = this.outs[slot]!;
    LINE_WRITERS[slot === OPEN_CONN ? 0 : slot]!(r, out);
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

  /** Open a log for appending, creating (truncating) it first when no worker has. */
  private open(slot: number): number {
    const path = join(this.arg.dir, `${JSONL_LOGS[slot]}.jsonl`);
    const st = this.st;
    if (Atomics.compareExchange(st, slot, ABSENT, CREATING) === ABSENT) {
      try {
        closeSync(openSync(path, 'w'));
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

/**
 * JSON text built as UTF-8 bytes (no string concatenation: joining many small strings costs V8
 * more than the serialization itself). The methods write what JSON.stringify would.
 */
export class LineBuffer {
  buf: Buffer = Buffer.allocUnsafe(JSONL_FLUSH_BYTES + 64 * 1024);
  pos = 0;

  /** Room for n more bytes. */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const g = Buffer.allocUnsafe(size);
    this.buf.copy(g, 0, 0, this.pos);
    this.buf = g;
  }

  /** Bytes that are known ASCII (keys, punctuation). */
  raw(b: Uint8Array): void {
    if (this.pos + b.length > this.buf.length) this.room(b.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < b.length; i++) buf[p++] = b[i]!;
    this.pos = p;
  }

  /** A JSON string: printable ASCII straight in, anything else through JSON.stringify. */
  str(s: string): void {
    const n = s.length;
    if (this.pos + n + 2 > this.buf.length) this.room(n + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return this.text(JSON.stringify(s));
      buf[p++] = c;
    }
    buf[p++] = 0x22;
    this.pos = p;
  }

  /** A number as JSON.stringify writes it (null when not finite). */
  num(v: number): void {
    if (v >= 0 && v <= 0x7fffffff && (v | 0) === v) {
      // Non-negative integers below 2^31 (ports, counts): digits straight in, no string made.
      const len = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5
        : v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
      if (this.pos + len > this.buf.length) this.room(len);
      const buf = this.buf;
      let p = this.pos + len;
      this.pos = p;
      do {
        const q = (v / 10) | 0;
        buf[--p] = 0x30 + v - q * 10;
        v = q;
      } while (v > 0);
      return;
    }
    this.ascii(Number.isFinite(v) ? '' + v : 'null');
  }

  /** Any value JSON.stringify can write (false when it writes nothing: leave the key out). */
  value(v: unknown): boolean {
    switch (typeof v) {
      case 'string': this.str(v); return true;
      case 'number': this.num(v); return true;
      case 'boolean': this.ascii(v ? 'true' : 'false'); return true;
    }
    const j = JSON.stringify(v) as string | undefined;
    if (j === undefined) return false;
    this.text(j);
    return true;
  }

  private ascii(s: string): void {
    this.room(s.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  private text(s: string): void {
    this.room(3 * s.length);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
}

type LineWriter = (r: Record<string, unknown>, out: LineBuffer) => void;

/**
 * The line writer of a kind: Zeek's names in COLUMNS order, unset fields left out, `interim`
 * last when true (as toZeekJson), each value as JSON.stringify writes it; then a newline.
 */
function compileLine(kind: RecordKind): LineWriter {
  const cols = COLUMNS[kind];
  /** Statements storing the bytes of `text` at b[p++] (constant stores: no loop, no table). */
  const put = (text: string): string => Array.from(Buffer.from(text, 'latin1'), (c) => `b[p++] = ${c};`).join(' ');
  const lines = ['let v, b, p, first = true, at;', 'out.room(1); out.buf[out.pos++] = 0x7b;'];
  for (const c of cols) {
    const key = `${JSON.stringify(c.name)}:`;
    lines.push(`v = r[${JSON.stringify(c.key)}];`,
      'if (v !== undefined) {',
      `  out.room(${key.length + 1}); b = out.buf; p = at = out.pos;`,
      `  if (first) { ${put(key)} } else { ${put(',' + key)} }`,
      '  out.pos = p;',
      '  if (typeof v === "string") out.str(v); else if (typeof v === "number") out.num(v); else if (!out.value(v)) { out.pos = at; v = undefined; }',
      '  if (v !== undefined) first = false;',
      '}');
  }
  lines.push('if (r["interim"] === true) out.raw(first ? interim : commaInterim);',
    'out.room(2); out.buf[out.pos++] = 0x7d; out.buf[out.pos++] = 0x0a;');
  // Generated from the column names (JSON-quoted into property reads and byte values): no record
  // content becomes code.
  const make = new Function('interim', 'commaInterim', `return function (r, out) {\n${lines.join('\n')}\n};`) as
    (i: Buffer, ci: Buffer) => LineWriter;
  return make(Buffer.from('"interim":true', 'latin1'), Buffer.from(',"interim":true', 'latin1'));
}

/** Line writers by slot (kinds in RECORD_KINDS order). */
const LINE_WRITERS: LineWriter[] = RECORD_KINDS.map(compileLine);

let scratchLine: LineBuffer | undefined;

/** A record as its JSON log line, newline included: `JSON.stringify(toZeekJson(kind, rec)) + '\n'`. */
export function jsonLine(kind: RecordKind, rec: Record<string, unknown>): string {
  const out = scratchLine ??= new LineBuffer();
  out.pos = 0;
  LINE_WRITERS[KIND_SLOT.get(kind)!]!(rec, out);
  return out.buf.toString('utf8', 0, out.pos);
}
