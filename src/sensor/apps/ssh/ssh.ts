/**
 * SSH analyzer: the protocol version exchange of RFC 4253 section 4.2 (`SSH-2.0-OpenSSH_9.6`),
 * one `SshRecord` per connection with the client's (originator's) and server's (responder's)
 * banner lines. Everything after the banners is encrypted key exchange: the analyzer is done as
 * soon as both banners are known.
 */
import type { SshRecord } from '../../../records/schema.js';
import { latin1 } from '../../cursor.js';
import type { AppAnalyzerFactory, AppContext, StreamAnalyzer } from '../types.js';

/** Longest identification line, bytes including CR LF (RFC 4253 4.2). */
export const SSH_MAX_BANNER = 255;
/** Lines a server may send before its identification (RFC 4253 4.2 allows some). */
export const SSH_MAX_PRE_BANNER_LINES = 32;

const PREFIX = [83, 83, 72, 45]; // "SSH-"

function startsWithSsh(b: Uint8Array, off: number, len: number): boolean {
  if (len < 4) return false;
  for (let i = 0; i < 4; i++) if (b[off + i] !== PREFIX[i]) return false;
  return true;
}

/** Identification state of one direction. */
class BannerSide {
  buf = new Uint8Array(SSH_MAX_BANNER);
  len = 0;
  lines = 0;
  banner: string | undefined;
  /** Banner seen, or given up on: nothing more to read on this side. */
  settled = false;
  /** Time of the first byte of the line being read. */
  ts = 0;
}

class SshAnalyzer implements StreamAnalyzer {
  done = false;
  private readonly sides = [new BannerSide(), new BannerSide()];
  private firstTs: number | undefined;

  constructor(private readonly ctx: AppContext) {}

  data(isOrig: boolean, bytes: Uint8Array, ts: number): void {
    if (this.done) return;
    const s = this.sides[isOrig ? 0 : 1]!;
    const n = bytes.length;
    let p = 0;
    while (p < n && !s.settled) {
      const lf = bytes.indexOf(10, p);
      const to = lf < 0 ? n : lf;
      if (s.len === 0) s.ts = ts;
      if (s.len + (to - p) + (lf < 0 ? 0 : 1) > SSH_MAX_BANNER) {
        this.ctx.weird('ssh_banner_too_long', `over ${SSH_MAX_BANNER} bytes (${isOrig ? 'client' : 'server'})`);
        s.settled = true;
        break;
      }
      s.buf.set(bytes.subarray(p, to), s.len);
      s.len += to - p;
      if (lf < 0) break;
      p = lf + 1;
      this.line(s, isOrig);
    }
    this.maybeEmit();
  }

  /** A complete line in the side's buffer (LF removed). */
  private line(s: BannerSide, isOrig: boolean): void {
    let e = s.len;
    if (e > 0 && s.buf[e - 1] === 13) e--;
    s.len = 0;
    if (startsWithSsh(s.buf, 0, e)) {
      s.banner = latin1(s.buf, 0, e);
      s.settled = true;
      this.firstTs ??= s.ts;
      return;
    }
    if (isOrig) {
      this.ctx.weird('ssh_bad_banner', 'client line does not start with SSH-');
      s.settled = true;
    } else if (++s.lines > SSH_MAX_PRE_BANNER_LINES) {
      this.ctx.weird('ssh_too_many_pre_banner_lines', `over ${SSH_MAX_PRE_BANNER_LINES}`);
      s.settled = true;
    }
  }

  gap(isOrig: boolean, _len: number, _ts: number): void {
    if (this.done) return;
    const s = this.sides[isOrig ? 0 : 1]!;
    if (s.settled) return;
    this.ctx.weird('ssh_gap', 'before the banner');
    s.settled = true;
    this.maybeEmit();
  }

  end(ts: number): void {
    if (this.done) return;
    for (let i = 0; i < 2; i++) {
      const s = this.sides[i]!;
      // A banner cut by the end of the capture still names the software.
      if (!s.settled && s.len > 0 && startsWithSsh(s.buf, 0, s.len)) {
        s.banner = latin1(s.buf, 0, s.buf[s.len - 1] === 13 ? s.len - 1 : s.len);
        this.firstTs ??= s.ts;
      }
      s.settled = true;
    }
    this.emit(ts);
  }

  private maybeEmit(): void {
    if (this.sides[0]!.settled && this.sides[1]!.settled) this.emit(0);
  }

  /** Emit the record (when any banner was seen) and stop. */
  private emit(ts: number): void {
    this.done = true;
    const [c, sv] = this.sides as [BannerSide, BannerSide];
    if (c.banner === undefined && sv.banner === undefined) return;
    const id = this.ctx.id;
    const r: SshRecord = {
      ts: this.firstTs ?? ts,
      uid: this.ctx.uid,
      orig_h: id.orig_h,
      orig_p: id.orig_p,
      resp_h: id.resp_h,
      resp_p: id.resp_p,
    };
    if (c.banner !== undefined) r.client = c.banner;
    if (sv.banner !== undefined) r.server = sv.banner;
    this.ctx.emit('ssh', r);
  }
}

/** SSH over TCP, claimed by `SSH-` at the start of either side's first payload. */
export const sshAnalyzer: AppAnalyzerFactory = {
  service: 'ssh',
  transports: ['tcp'],
  probe(bytes: Uint8Array): boolean {
    return startsWithSsh(bytes, 0, bytes.length);
  },
  firstBytes: { orig: [PREFIX[0]!], resp: [PREFIX[0]!] },
  create(ctx: AppContext): StreamAnalyzer {
    return new SshAnalyzer(ctx);
  },
};
