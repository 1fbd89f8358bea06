/**
 * Test support (not shipped logic): turn a capture into per-connection, per-direction TCP payload
 * with tshark, and feed it to an application analyzer through a collecting fake `AppContext`.
 * Any analyzer test can reuse it; it is named so node's test runner does not take it for a test
 * file (`test-*.js` would be).
 *
 * Reassembly is simple and test-grade: per direction, segments are ordered by tshark's relative
 * sequence numbers, retransmitted bytes are trimmed, out-of-order segments wait until the hole
 * fills, and a hole still open at the end of the stream becomes a `gap` call.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FlowId, RecordKind, RecordMap } from '../../../records/schema.js';
import type { AppAnalyzerFactory, AppContext, StreamAnalyzer } from '../types.js';
import { DATA_DIR } from '../../../testing/data.js';

/** Output of one tshark run, at most (bytes). The shared captures are a few MiB. */
const TSHARK_MAX_OUTPUT = 1 << 30;

/** The shared data folder: `$C2HUNT_DATA`, else `../shared/data` beside the checkout. */
export function dataDir(): string {
  return DATA_DIR;
}

let tsharkCache: boolean | undefined;
/** True when a working `tshark` is on the PATH. */
export function tsharkAvailable(): boolean {
  if (tsharkCache === undefined) {
    try {
      execFileSync('tshark', ['-v'], { stdio: ['ignore', 'ignore', 'ignore'] });
      tsharkCache = true;
    } catch {
      tsharkCache = false;
    }
  }
  return tsharkCache;
}

/** A reason to skip a test that needs these files and tshark, or false when all are there. */
export function skipUnlessData(...files: string[]): string | false {
  if (!tsharkAvailable()) return 'tshark absent';
  for (const f of files) if (!existsSync(f)) return `shared data absent (${f})`;
  return false;
}

/** One step of a reassembled stream: payload bytes, or `gap` bytes never seen. */
export interface StreamChunk {
  isOrig: boolean;
  ts: number;
  /** In-order new payload (empty for a gap). */
  bytes: Uint8Array;
  /** When > 0, this many bytes of the direction are missing at this point. */
  gap: number;
}

/** One TCP connection from a capture, in capture order, each direction reassembled. */
export interface TcpStream {
  /** tshark's `tcp.stream` index. */
  stream: number;
  id: FlowId;
  /** Time of the first packet seen. */
  ts: number;
  chunks: StreamChunk[];
}

interface DirState {
  next: number;
  started: boolean;
  pending: { seq: number; ts: number; bytes: Uint8Array }[];
}

/** Run tshark with `-T fields` and return the rows split on tabs. */
export function tsharkFields(file: string, fields: string[], filter?: string, extra: string[] = []): string[][] {
  const args = ['-r', file, '-n', ...extra];
  if (filter) args.push('-Y', filter);
  args.push('-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f');
  for (const f of fields) args.push('-e', f);
  const out = execFileSync('tshark', args, {
    maxBuffer: TSHARK_MAX_OUTPUT,
    encoding: 'latin1',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const rows: string[][] = [];
  for (const line of out.split('\n')) if (line.length > 0) rows.push(line.split('\t'));
  return rows;
}

function deliver(st: DirState, out: StreamChunk[], isOrig: boolean, seq: number, ts: number, bytes: Uint8Array): void {
  const endSeq = seq + bytes.length;
  if (endSeq <= st.next) return; // retransmission of bytes already delivered
  const from = seq < st.next ? st.next - seq : 0;
  out.push({ isOrig, ts, bytes: bytes.subarray(from), gap: 0 });
  st.next = endSeq;
}

function drain(st: DirState, out: StreamChunk[], isOrig: boolean): void {
  let progressed = true;
  while (progressed && st.pending.length > 0) {
    progressed = false;
    st.pending.sort((a, b) => a.seq - b.seq);
    for (let i = 0; i < st.pending.length; i++) {
      const p = st.pending[i]!;
      if (p.seq <= st.next) {
        st.pending.splice(i, 1);
        deliver(st, out, isOrig, p.seq, p.ts, p.bytes);
        progressed = true;
        break;
      }
    }
  }
}

/**
 * Reassemble every TCP connection of a capture. The originator is the sender of a SYN without
 * ACK, else the first sender (the flow layer's rule). `filter` narrows the packets (display filter).
 */
export function tcpStreams(file: string, filter?: string): TcpStream[] {
  const rows = tsharkFields(
    file,
    ['frame.time_epoch', 'tcp.stream', 'ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport', 'tcp.flags', 'tcp.seq', 'tcp.payload'],
    filter ? `tcp && (${filter})` : 'tcp',
  );
  const streams = new Map<number, { s: TcpStream; dirs: [DirState, DirState]; origKnown: boolean }>();
  for (const r of rows) {
    const [tsS, streamS, ip4s, ip6s, sportS, ip4d, ip6d, dportS, flagsS, seqS, hex] = r;
    const ts = Number(tsS);
    const streamNo = Number(streamS);
    const src = ip4s || ip6s || '';
    const dst = ip4d || ip6d || '';
    const sport = Number(sportS);
    const dport = Number(dportS);
    const flags = parseInt(flagsS ?? '0', 16);
    const syn = (flags & 0x02) !== 0;
    const ack = (flags & 0x10) !== 0;
    let e = streams.get(streamNo);
    if (!e) {
      const origIsSrc = !(syn && ack); // a lone SYN-ACK first: the receiver opened it
      const id: FlowId = origIsSrc
        ? { orig_h: src, orig_p: sport, resp_h: dst, resp_p: dport }
        : { orig_h: dst, orig_p: dport, resp_h: src, resp_p: sport };
      e = {
        s: { stream: streamNo, id, ts, chunks: [] },
        dirs: [{ next: 0, started: false, pending: [] }, { next: 0, started: false, pending: [] }],
        origKnown: syn,
      };
      streams.set(streamNo, e);
    }
    const isOrig = src === e.s.id.orig_h && sport === e.s.id.orig_p;
    const st = e.dirs[isOrig ? 0 : 1];
    const seq = Number(seqS);
    if (syn) {
      st.next = seq + 1;
      st.started = true;
    }
    if (!hex) continue;
    const bytes = new Uint8Array(Buffer.from(hex, 'hex'));
    if (!st.started) {
      st.next = seq;
      st.started = true;
    }
    if (seq > st.next) {
      st.pending.push({ seq, ts, bytes });
      continue;
    }
    deliver(st, e.s.chunks, isOrig, seq, ts, bytes);
    drain(st, e.s.chunks, isOrig);
  }
  const out: TcpStream[] = [];
  for (const e of streams.values()) {
    for (let d = 0; d < 2; d++) {
      const st = e.dirs[d]!;
      const isOrig = d === 0;
      st.pending.sort((a, b) => a.seq - b.seq);
      while (st.pending.length > 0) {
        const p = st.pending[0]!;
        if (p.seq > st.next) {
          e.s.chunks.push({ isOrig, ts: p.ts, bytes: new Uint8Array(0), gap: p.seq - st.next });
          st.next = p.seq;
        }
        drain(st, e.s.chunks, isOrig);
      }
    }
    out.push(e.s);
  }
  out.sort((a, b) => a.stream - b.stream);
  return out;
}

/** One collected record or weird, in emission order. */
export type Collected = { [K in RecordKind]: { kind: K; rec: RecordMap[K] } }[RecordKind];

/** A fake AppContext that collects what an analyzer emits. */
export interface CollectingContext extends AppContext {
  readonly out: Collected[];
  /** Records of one kind, in order. */
  of<K extends RecordKind>(kind: K): RecordMap[K][];
  /** Names of the weirds reported. */
  weirdNames(): string[];
  /**
   * What was passed on after `handOver` (null until it is called), in order: payload (copied)
   * or gaps (`gap` > 0).
   */
  readonly tunnel: StreamChunk[] | null;
}

/** The endpoints used by hand-built tests. */
export const TEST_ID: FlowId = { orig_h: '10.0.0.1', orig_p: 49152, resp_h: '192.0.2.7', resp_p: 80 };

/** Build a collecting context for `id` (default `TEST_ID`). */
export function collectingContext(id: FlowId = TEST_ID, uid = 'Ctest'): CollectingContext {
  const out: Collected[] = [];
  let lastTs = 0;
  let tunnel: StreamChunk[] | null = null;
  return {
    uid,
    id,
    proto: 'tcp',
    out,
    emit(kind, rec) {
      lastTs = (rec as { ts: number }).ts;
      out.push({ kind, rec } as Collected);
    },
    weird(name, addl) {
      const w: RecordMap['weird'] = { ts: lastTs, uid, name };
      if (addl !== undefined) w.addl = addl;
      out.push({ kind: 'weird', rec: w });
    },
    of<K extends RecordKind>(kind: K): RecordMap[K][] {
      return out.filter((c) => c.kind === kind).map((c) => c.rec as RecordMap[K]);
    },
    weirdNames() {
      return out.filter((c) => c.kind === 'weird').map((c) => (c.rec as RecordMap['weird']).name);
    },
    get tunnel() {
      return tunnel;
    },
    handOver(): StreamAnalyzer {
      const chunks: StreamChunk[] = [];
      tunnel = chunks;
      return {
        done: false,
        data(isOrig, bytes, ts) {
          chunks.push({ isOrig, ts, bytes: bytes.slice(), gap: 0 });
        },
        gap(isOrig, len, ts) {
          chunks.push({ isOrig, ts, bytes: new Uint8Array(0), gap: len });
        },
        end() {},
      };
    },
  };
}

/**
 * Feed a reassembled stream to a fresh analyzer of `factory` (payload in capture order, gaps as
 * `gap` calls, then `end`), stopping when the analyzer is done, and return what it emitted.
 */
export function runStream(factory: AppAnalyzerFactory, s: TcpStream): CollectingContext {
  const ctx = collectingContext(s.id, `C${s.stream}`);
  const a: StreamAnalyzer = factory.create(ctx);
  let last = s.ts;
  for (const c of s.chunks) {
    if (a.done) break;
    last = c.ts;
    if (c.gap > 0) a.gap(c.isOrig, c.gap, c.ts);
    else a.data(c.isOrig, c.bytes, c.ts);
  }
  a.end(last);
  return ctx;
}

/** The first payload of a stream in one direction (what the flow layer would probe), if any. */
export function firstPayload(s: TcpStream, isOrig: boolean): Uint8Array | undefined {
  for (const c of s.chunks) if (c.isOrig === isOrig && c.bytes.length > 0) return c.bytes;
  return undefined;
}
