/**
 * SOCKS analyzer (SOCKS4 and 4a; SOCKS5 of RFC 1928 with RFC 1929 username/password): follows the
 * proxy handshake and, once the proxy has granted a CONNECT (or a BIND's connection), hands the
 * connection over (`ctx.handOver()`), so the tunnel's payload is identified by content like an
 * HTTP CONNECT tunnel's: usually TLS, giving a tls record on the same uid and the conn's service
 * `socks,ssl`. It emits no record of its own (the schema has no socks record yet).
 *
 * The handshake is a fixed alternation of short messages, so one step machine reads both
 * directions: each step waits for a whole message of its direction in that direction's small
 * buffer (bytes are copied, bounded by SOCKS_MAX_BUFFER). Bytes a client sends ahead of the
 * proxy's reply (an optimistic client's TLS ClientHello) wait in its buffer and are passed on to
 * the tunnel. A refused request, an authentication failure or a method the analyzer cannot follow
 * (GSSAPI encapsulation) ends it quietly; malformed messages are weirds.
 */
import type { AppAnalyzerFactory, AppContext, StreamAnalyzer } from '../types.js';

/**
 * Bytes kept per direction while the handshake is read: its messages (at most 513 bytes, an RFC
 * 1929 request) and what a client sends ahead of the reply (a TLS ClientHello is a few hundred
 * bytes to a few KiB).
 */
export const SOCKS_MAX_BUFFER = 16 * 1024;
/** Longest SOCKS4 user id or SOCKS4a host name searched for its terminating NUL, bytes. */
export const SOCKS4_MAX_STRING = 255;

/** Steps of the handshake; each waits for one message of one direction. */
const enum Step {
  /** Client: VER 5, NMETHODS, METHODS. */
  Greeting5,
  /** Proxy: VER 5, METHOD. */
  Choice5,
  /** Client: RFC 1929 VER 1, ULEN, UNAME, PLEN, PASSWD. */
  Auth,
  /** Proxy: VER 1, STATUS. */
  AuthReply,
  /** Client: VER 5, CMD, RSV, ATYP, DST.ADDR, DST.PORT. */
  Request5,
  /** Proxy: VER 5, REP, RSV, ATYP, BND.ADDR, BND.PORT (twice for BIND). */
  Reply5,
  /** Client: VN 4, CD, DSTPORT, DSTIP, USERID NUL [, HOST NUL for 4a]. */
  Request4,
  /** Proxy: VN 0, CD, DSTPORT, DSTIP (twice for BIND). */
  Reply4,
}

const CMD_CONNECT = 1;
const CMD_BIND = 2;

/** Bytes of a SOCKS5 address of type `atyp` at b[i] (the domain's length byte included), or -1 when unknown; 0 when its length is not there yet. */
function addrLen5(b: Uint8Array, i: number, end: number): number {
  const atyp = b[i - 1];
  if (atyp === 1) return 4;
  if (atyp === 4) return 16;
  if (atyp === 3) return i < end ? 1 + b[i]! : 0;
  return -1;
}

/** Index of the first NUL in b[from, min(end, from + max + 1)), -1 when none yet, -2 when none within the limit. */
function nulAt(b: Uint8Array, from: number, end: number, max: number): number {
  const stop = Math.min(end, from + max + 1);
  for (let i = from; i < stop; i++) if (b[i] === 0) return i;
  return end >= from + max + 1 ? -2 : -1;
}

/** One direction's buffered bytes: b[start, end). */
class Buf {
  b: Uint8Array = new Uint8Array(0);
  start = 0;
  end = 0;

  /** Append bytes; false when the buffer would pass SOCKS_MAX_BUFFER. */
  push(bytes: Uint8Array): boolean {
    const live = this.end - this.start;
    const need = live + bytes.length;
    if (need > SOCKS_MAX_BUFFER) return false;
    if (this.end + bytes.length > this.b.length) {
      if (need <= this.b.length) this.b.copyWithin(0, this.start, this.end);
      else {
        let cap = Math.max(64, this.b.length * 2);
        while (cap < need) cap *= 2;
        const nb = new Uint8Array(Math.min(cap, SOCKS_MAX_BUFFER));
        nb.set(this.b.subarray(this.start, this.end));
        this.b = nb;
      }
      this.start = 0;
      this.end = live;
    }
    this.b.set(bytes, this.end);
    this.end += bytes.length;
    return true;
  }
}

class SocksAnalyzer implements StreamAnalyzer {
  done = false;
  /** Set from the client's first byte (4 or 5, as the probe checked). */
  private step = Step.Greeting5;
  private started = false;
  private cmd = 0;
  /** Replies still expected before the tunnel opens (2 for BIND). */
  private replies = 1;
  private readonly orig = new Buf();
  private readonly resp = new Buf();

  constructor(private readonly ctx: AppContext) {}

  data(isOrig: boolean, bytes: Uint8Array, ts: number): void {
    if (this.done || bytes.length === 0) return;
    if (!this.started && isOrig) {
      this.started = true;
      if (bytes[0] === 4) this.step = Step.Request4;
    }
    if (!(isOrig ? this.orig : this.resp).push(bytes)) {
      this.ctx.weird('socks_buffer_limit', `over ${SOCKS_MAX_BUFFER} bytes before the handshake ended`);
      this.done = true;
      return;
    }
    this.run(ts);
  }

  gap(_isOrig: boolean, _len: number, _ts: number): void {
    if (this.done) return;
    // The handshake cannot be followed across lost bytes.
    this.ctx.weird('socks_gap');
    this.done = true;
  }

  end(_ts: number): void {
    this.done = true;
  }

  /** Read whole messages while the current step's direction has one. */
  private run(ts: number): void {
    while (!this.done) {
      const fromOrig = this.step === Step.Greeting5 || this.step === Step.Auth || this.step === Step.Request5 || this.step === Step.Request4;
      const buf = fromOrig ? this.orig : this.resp;
      const n = this.message(buf.b, buf.start, buf.end);
      if (n === 0) return;
      if (n < 0) {
        this.ctx.weird('socks_bad_message', STEP_NAMES[this.step]);
        this.done = true;
        return;
      }
      buf.start += n;
      if (this.advance(buf.b, buf.start - n)) {
        this.openTunnel(ts);
        return;
      }
    }
  }

  /** Length of the current step's message at b[i, end): > 0 whole, 0 not yet, -1 malformed. */
  private message(b: Uint8Array, i: number, end: number): number {
    const have = end - i;
    switch (this.step) {
      case Step.Greeting5: {
        if (have < 2) return 0;
        if (b[i] !== 5 || b[i + 1] === 0) return -1;
        return have >= 2 + b[i + 1]! ? 2 + b[i + 1]! : 0;
      }
      case Step.Choice5:
        if (have < 2) return 0;
        return b[i] === 5 ? 2 : -1;
      case Step.Auth: {
        if (have < 2) return 0;
        if (b[i] !== 1) return -1;
        const ulen = b[i + 1]!;
        if (have < 3 + ulen) return 0;
        const total = 3 + ulen + b[i + 2 + ulen]!;
        return have >= total ? total : 0;
      }
      case Step.AuthReply:
        if (have < 2) return 0;
        return b[i] === 1 || b[i] === 5 ? 2 : -1;
      case Step.Request5:
      case Step.Reply5: {
        if (have < 5) return 0;
        if (b[i] !== 5 || b[i + 2] !== 0) return -1;
        if (this.step === Step.Request5 && (b[i + 1]! < 1 || b[i + 1]! > 3)) return -1;
        const a = addrLen5(b, i + 4, end);
        if (a < 0) return -1;
        if (a === 0) return 0;
        return have >= 4 + a + 2 ? 4 + a + 2 : 0;
      }
      case Step.Request4: {
        if (have < 9) return 0;
        if (b[i] !== 4 || (b[i + 1] !== CMD_CONNECT && b[i + 1] !== CMD_BIND)) return -1;
        let z = nulAt(b, i + 8, end, SOCKS4_MAX_STRING);
        if (z < 0) return z === -2 ? -1 : 0;
        // SOCKS4a: DSTIP 0.0.0.x (x != 0) announces a host name after the user id.
        if (b[i + 4] === 0 && b[i + 5] === 0 && b[i + 6] === 0 && b[i + 7] !== 0) {
          z = nulAt(b, z + 1, end, SOCKS4_MAX_STRING);
          if (z < 0) return z === -2 ? -1 : 0;
        }
        return z + 1 - i;
      }
      case Step.Reply4:
        if (have < 8) return 0;
        return b[i] === 0 ? 8 : -1;
    }
  }

  /** Act on the whole message at b[i]; true when the tunnel is open. */
  private advance(b: Uint8Array, i: number): boolean {
    switch (this.step) {
      case Step.Greeting5:
        this.step = Step.Choice5;
        return false;
      case Step.Choice5: {
        const m = b[i + 1];
        if (m === 0) this.step = Step.Request5;
        else if (m === 2) this.step = Step.Auth;
        else this.done = true; // 0xFF: no acceptable method; GSSAPI and others: not followed
        return false;
      }
      case Step.Auth:
        this.step = Step.AuthReply;
        return false;
      case Step.AuthReply:
        if (b[i + 1] === 0) this.step = Step.Request5;
        else this.done = true; // authentication failed
        return false;
      case Step.Request5:
      case Step.Request4:
        this.cmd = b[i + 1]!;
        this.replies = this.cmd === CMD_BIND ? 2 : 1;
        this.step = this.step === Step.Request5 ? Step.Reply5 : Step.Reply4;
        return false;
      case Step.Reply5:
      case Step.Reply4: {
        const granted = this.step === Step.Reply5 ? b[i + 1] === 0 : b[i + 1] === 90;
        // Refused, or a UDP ASSOCIATE (its traffic is not on this connection): nothing more here.
        if (!granted || (this.cmd !== CMD_CONNECT && this.cmd !== CMD_BIND)) {
          this.done = true;
          return false;
        }
        return --this.replies === 0;
      }
    }
  }

  /** The proxy granted the tunnel: hand over, with the bytes each side sent past the handshake. */
  private openTunnel(ts: number): void {
    this.done = true;
    const next = this.ctx.handOver();
    const o = this.orig, r = this.resp;
    if (o.end > o.start) next.data(true, o.b.subarray(o.start, o.end), ts);
    if (r.end > r.start) next.data(false, r.b.subarray(r.start, r.end), ts);
  }
}

const STEP_NAMES: Record<Step, string> = {
  [Step.Greeting5]: 'greeting', [Step.Choice5]: 'method choice', [Step.Auth]: 'authentication request',
  [Step.AuthReply]: 'authentication reply', [Step.Request5]: 'request', [Step.Reply5]: 'reply',
  [Step.Request4]: 'SOCKS4 request', [Step.Reply4]: 'SOCKS4 reply',
};

/**
 * Does a client's first payload look like a SOCKS handshake? SOCKS5: a greeting whose method list
 * is whole and made of defined methods (0-3, private 0x80-0xFE), alone or followed by a request
 * or an RFC 1929 authentication (an optimistic client). SOCKS4/4a: CONNECT or BIND with the user id (and 4a host name)
 * NUL-terminated within the payload.
 */
export function probeSocks(b: Uint8Array, isOrig: boolean): boolean {
  if (!isOrig || b.length < 3) return false;
  if (b[0] === 5) {
    const n = b[1]!;
    if (n === 0 || b.length < 2 + n) return false;
    for (let i = 2; i < 2 + n; i++) {
      const m = b[i]!;
      if (m > 3 && (m < 0x80 || m === 0xff)) return false;
    }
    return b.length === 2 + n || b[2 + n] === 5 || b[2 + n] === 1;
  }
  if (b[0] === 4) {
    if (b.length < 9 || (b[1] !== CMD_CONNECT && b[1] !== CMD_BIND)) return false;
    const z = nulAt(b, 8, b.length, SOCKS4_MAX_STRING);
    if (z < 0) return false;
    if (b[4] === 0 && b[5] === 0 && b[6] === 0 && b[7] !== 0) return nulAt(b, z + 1, b.length, SOCKS4_MAX_STRING) >= 0;
    return true;
  }
  return false;
}

/** SOCKS 4/4a/5 over TCP (Zeek's service name `socks`), claimed by the client's first message. */
export const socksAnalyzer: AppAnalyzerFactory = {
  service: 'socks',
  transports: ['tcp'],
  probe: (bytes, isOrig) => probeSocks(bytes, isOrig),
  firstBytes: { orig: [4, 5], resp: [] },
  create(ctx: AppContext): StreamAnalyzer {
    return new SocksAnalyzer(ctx);
  },
};
