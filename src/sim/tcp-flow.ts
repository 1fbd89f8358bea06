/**
 * A TCP connection as a lazy packet source. The caller describes the conversation as steps
 * (who sends which bytes after how much application think time); this engine turns it into
 * packets as a sensor beside the client would see them: three-way handshake with MSS, window
 * scale and SACK-permitted options, MSS-sized segments with PSH on the last one, the receiver's
 * ACK for every second segment, delayed ACKs (or piggy-backed on the receiver's next data),
 * FIN/ACK teardown, RST for a closed port (REJ), unanswered SYNs retransmitted after 1 s, 2 s ...
 * (S0), and SYN-scan probes (SYN, SYN/ACK, RST).
 *
 * Timing model: the sensor sits next to the internal client. A packet from the server that
 * answers something the client sent appears one round trip (`rtt`) later; the client's answers
 * to the server appear after a few tens of microseconds (`ackDelay`).
 */
import { ACK, FIN, PSH, RST, SYN, type Chunks, type PcapWriter, type Side } from './pcap-writer.js';
import type { PacketSource } from './flow.js';
import type { Rng } from './rng.js';

/** How long a receiver holds a lone segment's ACK, microseconds (Linux 40 ms). */
export const DELAYED_ACK_US = 40_000;
/** Interval before the first SYN retransmission, microseconds; doubles each time. */
export const SYN_RTO_US = 1_000_000;
/** Advertised receive window after the handshake (value x 2^scale), client and server. */
const CLIENT_WIN = 1026, CLIENT_WSCALE = 8; // 262656 bytes
const SERVER_WIN = 2052, SERVER_WSCALE = 7; // 262656 bytes
/** Largest client->server in-flight bytes the rate is allowed to produce (stays below the window). */
const MAX_INFLIGHT_BYTES = 128 * 1024;

/** One application message: `from` 0 = client, 1 = server. `think`: microseconds of delay. */
export interface TcpStep {
  from: 0 | 1;
  data: Chunks;
  think: number;
}

/** A lazy sequence of steps (long sessions generate them as they go). */
export interface StepSource {
  next(): TcpStep | null;
}

/** How the connection opens. */
export type TcpOpen = 'ok' | 'rej' | 's0' | 'synscan';
/** How it closes: FIN by client or server, RST by client, or not at all (still open). */
export type TcpClose = 'fin_c' | 'fin_s' | 'rst_c' | 'none';

/** Everything that shapes one TCP connection. Times in µs. */
export interface TcpFlowSpec {
  client: Side;
  server: Side;
  sport: number;
  dport: number;
  /** First packet (the SYN), integer microseconds. */
  start: number;
  /** Round trip between the sensor and the server, microseconds. */
  rtt: number;
  open?: TcpOpen;
  close?: TcpClose;
  /** Idle time before the close, microseconds. */
  closeDelay?: number;
  steps?: StepSource | readonly TcpStep[];
  /** Maximum segment size (default 1460, 1440 over IPv6). */
  mss?: number;
  /** Transfer rate, Mbit/s (default 50). */
  rateMbps?: number;
  /** SYN retransmissions of an unanswered connection (default 2: at +1 s and +3 s). */
  synRetries?: number;
  rng: Rng;
}

interface Pkt {
  ts: number;
  dir: 0 | 1;
  flags: number;
  /** Sequence number; -1 for a pure ACK (taken from the sender's state when written). */
  seq: number;
  ack: number;
  win: number;
  opts: Uint8Array | null;
  data: Chunks | null;
  ci: number;
  co: number;
  len: number;
}

function synOpts(mss: number, wscale: number, serverOrder: boolean): Uint8Array {
  return serverOrder
    ? Uint8Array.of(2, 4, mss >> 8, mss & 0xff, 1, 1, 4, 2, 1, 3, 3, wscale)
    : Uint8Array.of(2, 4, mss >> 8, mss & 0xff, 1, 3, 3, wscale, 1, 1, 4, 2);
}

function chunksLength(c: Chunks): number {
  let n = 0;
  for (const x of c) n += x.length;
  return n;
}

const u32 = (x: number): number => x >>> 0;

/** A TCP connection; add it to the engine and it emits its packets in time order. */
export class TcpFlow implements PacketSource {
  ts = Infinity;
  order = 0;
  private readonly sides: [Side, Side];
  private readonly ports: [number, number];
  private readonly isn: [number, number];
  private readonly off: [number, number] = [0, 0];
  private readonly finGen: [boolean, boolean] = [false, false];
  private readonly sndNxt: [number, number];
  private readonly lastAck: [number, number] = [-1, -1];
  private readonly ackDelay: number;
  private readonly rtt: number;
  private readonly mss: number;
  private readonly rateDown: number;
  private readonly rateUp: number;
  private readonly flowLabel: number;
  private q: Pkt[] = [];
  private qi = 0;
  private horizon = 0;
  private finished = false;
  private lastTs = 0;
  private lastFrom: 0 | 1 = 0;
  private look: TcpStep | null = null;
  private readonly src: StepSource;
  private readonly spec: TcpFlowSpec;

  constructor(spec: TcpFlowSpec) {
    this.spec = spec;
    const rng = spec.rng;
    this.sides = [spec.client, spec.server];
    this.ports = [spec.sport, spec.dport];
    this.isn = [rng.u32(), rng.u32()];
    this.sndNxt = [u32(this.isn[0] + 1), u32(this.isn[1] + 1)];
    this.rtt = Math.max(1, Math.round(spec.rtt));
    this.ackDelay = rng.int(15, 180);
    const v6 = spec.client.ip.length === 16;
    this.mss = spec.mss ?? (v6 ? 1440 : 1460);
    const rate = spec.rateMbps ?? 50;
    this.rateDown = rate;
    this.rateUp = Math.min(rate, (MAX_INFLIGHT_BYTES * 8) / this.rtt);
    this.flowLabel = rng.u32() & 0xfffff;
    const steps = spec.steps ?? [];
    if (Array.isArray(steps)) {
      let i = 0;
      const arr = steps as readonly TcpStep[];
      this.src = { next: () => (i < arr.length ? arr[i++] : null) };
    } else {
      this.src = steps as StepSource;
    }
    this.open(spec.open ?? 'ok');
    this.refill();
  }

  private push(ts: number, dir: 0 | 1, flags: number, seq: number, ack: number, win: number,
    opts: Uint8Array | null = null, data: Chunks | null = null, ci = 0, co = 0, len = 0): void {
    this.q.push({ ts: Math.round(ts), dir, flags, seq, ack, win, opts, data, ci, co, len });
  }

  private open(kind: TcpOpen): void {
    const t0 = Math.round(this.spec.start);
    const [ic, is] = this.isn;
    const rtt = this.rtt;
    if (kind === 'synscan') {
      this.push(t0, 0, SYN, ic, 0, 1024, Uint8Array.of(2, 4, 5, 0xb4));
      this.push(t0 + rtt, 1, SYN | ACK, is, u32(ic + 1), 64240, Uint8Array.of(2, 4, 5, 0xb4));
      this.push(t0 + rtt + this.ackDelay, 0, RST, u32(ic + 1), 0, 0);
      this.finished = true;
      return;
    }
    const copts = synOpts(this.mss, CLIENT_WSCALE, false);
    this.push(t0, 0, SYN, ic, 0, 64240, copts);
    if (kind === 's0') {
      let t = t0, rto = SYN_RTO_US;
      for (let i = 0; i < (this.spec.synRetries ?? 2); i++) {
        t += rto;
        rto *= 2;
        this.push(t, 0, SYN, ic, 0, 64240, copts);
      }
      this.finished = true;
      return;
    }
    if (kind === 'rej') {
      this.push(t0 + rtt, 1, RST | ACK, 0, u32(ic + 1), 0);
      this.finished = true;
      return;
    }
    this.push(t0 + rtt, 1, SYN | ACK, is, u32(ic + 1), 65535, synOpts(this.mss, SERVER_WSCALE, true));
    const t = t0 + rtt + this.ackDelay;
    this.push(t, 0, ACK, -1, u32(is + 1), CLIENT_WIN);
    this.lastTs = t;
    this.lastFrom = 0;
    this.horizon = t;
    this.look = this.src.next();
  }

  /** When a message from `from` after `think` would start, given what was sent last. */
  private startOf(from: 0 | 1, think: number): number {
    if (from === 1 && this.lastFrom === 0) return this.lastTs + this.rtt + think;
    if (from === 0 && this.lastFrom === 1) return this.lastTs + this.ackDelay + think;
    return this.lastTs + think;
  }

  private win(dir: 0 | 1): number {
    return dir === 0 ? CLIENT_WIN : SERVER_WIN;
  }

  private nextSeq(dir: 0 | 1): number {
    return u32(this.isn[dir] + 1 + this.off[dir] + (this.finGen[dir] ? 1 : 0));
  }

  /** Generates the packets of the next step (or of the close). */
  private generate(): void {
    const s = this.look;
    if (!s) {
      this.generateClose();
      return;
    }
    const X = s.from;
    const Y: 0 | 1 = X === 0 ? 1 : 0;
    const T = Math.round(this.startOf(X, Math.max(0, s.think)));
    const L = chunksLength(s.data);
    const rate = X === 0 ? this.rateUp : this.rateDown;
    const ad = Y === 0 ? this.ackDelay : this.rtt;
    let t = T, ci = 0, co = 0, sent = 0, seg = 0;
    while (sent < L) {
      const len = Math.min(this.mss, L - sent);
      // Normalise the chunk cursor to a non-empty position.
      while (co >= s.data[ci].length) { ci++; co = 0; }
      const last = sent + len >= L;
      this.push(t, X, ACK | (last ? PSH : 0), this.nextSeq(X), this.nextSeq(Y), this.win(X), null, s.data, ci, co, len);
      // Advance the cursor by len.
      let k = len;
      while (k > 0) {
        const n = Math.min(k, s.data[ci].length - co);
        k -= n;
        co += n;
        if (co >= s.data[ci].length && k > 0) { ci++; co = 0; }
      }
      this.off[X] += len;
      sent += len;
      if (seg % 2 === 1) this.push(t + ad, Y, ACK, -1, this.nextSeq(X), this.win(Y));
      if (!last) t += Math.max(1, Math.round(((len + 54) * 8) / rate));
      seg++;
    }
    this.lastTs = t;
    this.lastFrom = X;
    this.look = this.src.next();
    if (seg % 2 === 1) {
      // A lone last segment: delayed ACK unless the receiver talks (or closes) soon enough.
      const ackAt = t + ad + DELAYED_ACK_US;
      let piggy = false;
      if (this.look) {
        if (this.look.from === Y) piggy = this.startOf(Y, this.look.think) <= ackAt;
      } else {
        const close = this.spec.close ?? 'fin_c';
        const closer: 0 | 1 = close === 'fin_s' ? 1 : 0;
        if (close !== 'none' && closer === Y) piggy = this.startOf(Y, this.spec.closeDelay ?? 0) <= ackAt;
      }
      if (!piggy) this.push(ackAt, Y, ACK, -1, this.nextSeq(X), this.win(Y));
    }
    this.horizon = t;
  }

  private generateClose(): void {
    this.finished = true;
    const close = this.spec.close ?? 'fin_c';
    if (close === 'none') return;
    const delay = Math.max(0, this.spec.closeDelay ?? 0);
    if (close === 'rst_c') {
      this.push(this.startOf(0, delay), 0, RST | ACK, this.nextSeq(0), this.nextSeq(1), 0);
      return;
    }
    const X: 0 | 1 = close === 'fin_s' ? 1 : 0;
    const Y: 0 | 1 = X === 0 ? 1 : 0;
    const T = this.startOf(X, delay);
    const ad = Y === 0 ? this.ackDelay : this.rtt;
    this.push(T, X, FIN | ACK, this.nextSeq(X), this.nextSeq(Y), this.win(X));
    this.finGen[X] = true;
    const t2 = T + ad + (Y === 0 ? 200 : 0);
    this.push(t2, Y, FIN | ACK, this.nextSeq(Y), this.nextSeq(X), this.win(Y));
    this.finGen[Y] = true;
    const ad2 = X === 0 ? this.ackDelay : this.rtt;
    this.push(t2 + ad2, X, ACK, -1, this.nextSeq(Y), this.win(X));
  }

  /** Makes the next packet final (no later step can precede it) and sets `ts`. */
  private refill(): void {
    for (;;) {
      if (this.qi >= this.q.length) {
        this.q.length = 0;
        this.qi = 0;
      }
      if (this.finished || (this.qi < this.q.length && this.q[this.qi].ts <= this.horizon)) break;
      const before = this.q.length;
      this.generate();
      if (this.q.length > before) {
        const tail = this.q.slice(this.qi).sort((a, b) => a.ts - b.ts);
        this.q = tail;
        this.qi = 0;
      }
    }
    this.ts = this.qi < this.q.length ? this.q[this.qi].ts : Infinity;
  }

  emit(w: PcapWriter): void {
    const p = this.q[this.qi++];
    const d = p.dir;
    const src = this.sides[d];
    const dst = this.sides[d ^ 1];
    let ack = p.ack;
    if (p.flags & ACK) {
      if (p.seq < 0 && !(p.flags & (FIN | RST)) && this.lastAck[d] >= 0 && seqLeq(ack, this.lastAck[d])) {
        // A pure ACK that acknowledges nothing new (superseded by a later one): not sent.
        this.refill();
        return;
      }
      if (this.lastAck[d] >= 0 && seqLt(ack, this.lastAck[d])) ack = this.lastAck[d];
      this.lastAck[d] = ack;
    }
    const seq = p.seq < 0 ? this.sndNxt[d] : p.seq;
    w.tcp(p.ts, src, dst, this.ports[d], this.ports[d ^ 1], seq, ack, p.flags, p.win, p.opts, p.data, p.ci, p.co, p.len, this.flowLabel);
    const end = u32(seq + p.len + (p.flags & (SYN | FIN) ? 1 : 0));
    if (!(p.flags & RST) && seqLt(this.sndNxt[d], end)) this.sndNxt[d] = end;
    this.refill();
  }
}

/** a < b in 32-bit sequence space. */
function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
function seqLeq(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}
