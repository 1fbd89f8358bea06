/**
 * IMAP, SMTP, POP3 and FTP: the plain-text protocols that upgrade a connection to TLS in-band
 * (IMAP `STARTTLS` RFC 3501/9051, SMTP `STARTTLS` RFC 3207, POP3 `STLS` RFC 2595, FTP
 * `AUTH TLS` RFC 4217). Each is identified by content (server greeting, or the client's first
 * command when the greeting says too little) and its service set (`imap`, `smtp`, `pop3`,
 * `ftp`, Zeek's names). The analyzer follows the command/response lines only as far as the upgrade
 * can happen: when the server accepts the upgrade it hands the connection over
 * (`ctx.handOver()`), passing on the bytes after the reply, so the TLS analyzer picks up the
 * handshake on the same uid and the service reads e.g. `imap,ssl`. Nothing else is recorded.
 *
 * The analyzer stops (done) after the hand-over, when the client authenticates or starts a mail
 * transaction (no upgrade can follow), on a capture gap, and at MAIL_MAX_LINES lines. Lines are
 * framed per direction in a bounded buffer: a longer line is a weird and skipped to its end.
 */
import type { AppAnalyzerFactory, AppContext, StreamAnalyzer } from '../types.js';
import type { FlowId } from '../../../records/schema.js';

/** Longest command or reply line kept, bytes (RFC 5321 allows 512 for replies; IMAP capability lines are under 1 KB). */
export const MAIL_MAX_LINE = 2048;
/** Lines per direction followed before giving up on seeing an upgrade (a weird). */
export const MAIL_MAX_LINES = 256;
/** Client commands awaiting a reply (pipelining) before giving up (a weird). */
export const MAIL_MAX_PENDING = 32;
/** Client bytes kept after the upgrade command while its reply is awaited, bytes. */
export const MAIL_MAX_EARLY = 16384;
/** How far into a greeting probes look for a product word (`SMTP`, `FTP`, `POP`), bytes. */
const PROBE_SCAN = 512;

const enum Proto { Imap, Smtp, Pop3, Ftp }
const SERVICE = ['imap', 'smtp', 'pop3', 'ftp'] as const;

/** What a pending command's reply means to us. */
const K_OTHER = 0, K_TLS = 1, K_MULTI = 2;

const CR = 13, LF = 10, SP = 32;

/** One direction's line framing: a partial line is copied into `buf` (bounded). */
class Side {
  buf: Uint8Array | null = null;
  len = 0;
  /** Inside a line that was too long: drop bytes to its end. */
  skipping = false;
  lines = 0;
}

/** Upper-case ASCII letter of byte `c` (other bytes unchanged). */
function up(c: number): number {
  return c >= 97 && c <= 122 ? c - 32 : c;
}

/** Does `b[s, e)` start with the upper-case ASCII `word` (case-insensitively)? */
function startsWithCI(b: Uint8Array, s: number, e: number, word: string): boolean {
  if (e - s < word.length) return false;
  for (let i = 0; i < word.length; i++) if (up(b[s + i]!) !== word.charCodeAt(i)) return false;
  return true;
}

/** Is the token at `b[s, e)` exactly `word` (case-insensitively), ended by a space or the line end? */
function tokenIs(b: Uint8Array, s: number, e: number, word: string): boolean {
  return startsWithCI(b, s, e, word) && (s + word.length === e || b[s + word.length] === SP);
}

/** Does `b[s, e)` contain the upper-case ASCII `word`, case-insensitively? */
function containsCI(b: Uint8Array, s: number, e: number, word: string): boolean {
  const first = word.charCodeAt(0);
  for (let i = s; i + word.length <= e; i++) if (up(b[i]!) === first && startsWithCI(b, i, e, word)) return true;
  return false;
}

/** End of the first line of `b` (index of CR/LF, or min(length, PROBE_SCAN)). */
function firstLineEnd(b: Uint8Array): number {
  const n = Math.min(b.length, PROBE_SCAN);
  for (let i = 0; i < n; i++) if (b[i] === CR || b[i] === LF) return i;
  return n;
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 57;

/** `ddd` followed by a space, `-` or the line end at `b[s]`: the reply code, else -1. */
function replyCode(b: Uint8Array, s: number, e: number): number {
  if (e - s < 3 || !isDigit(b[s]) || !isDigit(b[s + 1]) || !isDigit(b[s + 2])) return -1;
  if (e - s > 3 && b[s + 3] !== SP && b[s + 3] !== 45) return -1;
  return (b[s]! - 48) * 100 + (b[s + 1]! - 48) * 10 + (b[s + 2]! - 48);
}

/** A command verb: 3 to 12 ASCII letters, then a space or the line end. */
function isVerb(b: Uint8Array, s: number, e: number): boolean {
  let i = s;
  while (i < e && i - s <= 12 && ((b[i]! | 32) >= 97 && (b[i]! | 32) <= 122)) i++;
  return i - s >= 3 && i - s <= 12 && (i === e || b[i] === SP);
}

/** Follows one connection's lines up to the TLS upgrade; see the module comment. */
class StartTlsAnalyzer implements StreamAnalyzer {
  done = false;
  private readonly orig = new Side();
  private readonly resp = new Side();
  /** The server's greeting is still to come (false once seen, or missed because the client spoke first). */
  private greeting = true;
  /** Kinds of the commands sent and not yet answered, oldest first (SMTP, POP3, FTP). */
  private readonly pending = new Uint8Array(MAIL_MAX_PENDING);
  private npending = 0;
  /** IMAP: the tag of the STARTTLS command awaiting its tagged reply. */
  private tag: string | null = null;
  /** The upgrade command was sent: client bytes are held, not parsed, until its reply. */
  private holding = false;
  private early: Uint8Array | null = null;
  private earlyLen = 0;
  /** POP3: inside a multi-line reply (ends with a line `.`). FTP: the code of an open `ddd-` reply, else -1. */
  private multi = false;
  private ftpOpen = -1;
  /** The client spoke before the server (the greeting was missed), or the server spoke first. */
  private started = false;
  /** Time of the payload being handled, passed on at the hand-over. */
  private ts = 0;

  constructor(private readonly ctx: AppContext, private readonly proto: Proto) {}

  data(isOrig: boolean, bytes: Uint8Array, ts: number): void {
    if (this.done) return;
    this.ts = ts;
    if (!this.started) {
      // A connection claimed on the client's first command: the greeting went by unseen.
      this.started = true;
      if (isOrig) this.greeting = false;
    }
    if (isOrig && this.holding) {
      this.hold(bytes);
      return;
    }
    this.lines(isOrig, bytes, 0);
  }

  gap(_isOrig: boolean, _len: number, _ts: number): void {
    // Lines cannot be followed across lost bytes; the upgrade is then not seen.
    this.done = true;
  }

  end(_ts: number): void {}

  /** Frame and handle the lines of `b` from `p`, stopping when done or holding client bytes. */
  private lines(isOrig: boolean, b: Uint8Array, p: number): void {
    const side = isOrig ? this.orig : this.resp;
    const n = b.length;
    while (p < n && !this.done) {
      let nl = b.indexOf(LF, p);
      if (nl < 0) {
        this.keep(side, b, p, n);
        return;
      }
      const next = nl + 1;
      if (side.skipping) {
        side.skipping = false;
        p = next;
        continue;
      }
      let lb = b, ls = p;
      if (side.len > 0) {
        if (!this.append(side, b, p, next)) {
          p = next;
          continue;
        }
        lb = side.buf!;
        ls = 0;
        nl = side.len - 1;
        side.len = 0;
      } else if (next - p > MAIL_MAX_LINE) {
        this.tooLong();
        p = next;
        continue;
      }
      let le = nl;
      if (le > ls && lb[le - 1] === CR) le--;
      if (++side.lines > MAIL_MAX_LINES) {
        this.ctx.weird(`${SERVICE[this.proto]}_too_many_lines`, `no upgrade within ${MAIL_MAX_LINES} lines`);
        this.done = true;
        return;
      }
      p = next;
      if (isOrig) {
        this.command(lb, ls, le);
        if (this.holding) {
          if (p < n) this.hold(b.subarray(p));
          return;
        }
      } else if (this.reply(lb, ls, le)) {
        this.upgrade(b.subarray(p));
        return;
      }
    }
  }

  /** Keep a partial line `b[s, e)` for the next call (bounded). */
  private keep(side: Side, b: Uint8Array, s: number, e: number): void {
    if (side.skipping) return;
    this.append(side, b, s, e);
  }

  /** Append `b[s, e)` to the side's partial line; false (and a weird, skipping) when too long. */
  private append(side: Side, b: Uint8Array, s: number, e: number): boolean {
    const k = e - s;
    if (side.len + k > MAIL_MAX_LINE) {
      side.len = 0;
      side.skipping = b[e - 1] !== LF;
      this.tooLong();
      return false;
    }
    side.buf ??= new Uint8Array(MAIL_MAX_LINE);
    side.buf.set(b.subarray(s, e), side.len);
    side.len += k;
    return true;
  }

  private tooLong(): void {
    this.ctx.weird(`${SERVICE[this.proto]}_line_too_long`, `over ${MAIL_MAX_LINE} bytes`);
  }

  /** Remember a sent command's kind; false (done, a weird) when too many are unanswered. */
  private push(kind: number): void {
    if (this.npending >= MAIL_MAX_PENDING) {
      this.ctx.weird(`${SERVICE[this.proto]}_too_many_pending`, `over ${MAIL_MAX_PENDING} unanswered commands`);
      this.done = true;
      return;
    }
    this.pending[this.npending++] = kind;
    if (kind === K_TLS) this.holding = true;
  }

  /** The oldest pending command's kind (-1 when none), removed. */
  private shift(): number {
    if (this.npending === 0) return -1;
    const k = this.pending[0]!;
    this.pending.copyWithin(0, 1, this.npending--);
    return k;
  }

  /** One client line `b[s, e)`. */
  private command(b: Uint8Array, s: number, e: number): void {
    if (s === e) return;
    let v = s;
    if (this.proto === Proto.Imap) {
      let sp = s;
      while (sp < e && b[sp] !== SP) sp++;
      if (sp >= e || sp === s) return this.notOurs();
      v = sp + 1;
    }
    if (!isVerb(b, v, e)) return this.notOurs();
    switch (this.proto) {
      case Proto.Imap:
        if (tokenIs(b, v, e, 'STARTTLS')) {
          this.tag = latin1(b, s, v - 1);
          this.holding = true;
        } else if (tokenIs(b, v, e, 'LOGIN') || tokenIs(b, v, e, 'AUTHENTICATE')) this.done = true;
        return;
      case Proto.Smtp:
        if (tokenIs(b, v, e, 'STARTTLS')) this.push(K_TLS);
        else if (tokenIs(b, v, e, 'AUTH') || tokenIs(b, v, e, 'MAIL')) this.done = true;
        else this.push(K_OTHER);
        return;
      case Proto.Pop3:
        if (tokenIs(b, v, e, 'STLS')) this.push(K_TLS);
        else if (tokenIs(b, v, e, 'USER') || tokenIs(b, v, e, 'APOP') || tokenIs(b, v, e, 'AUTH')) this.done = true;
        else this.push(tokenIs(b, v, e, 'CAPA') ? K_MULTI : K_OTHER);
        return;
      case Proto.Ftp:
        if (tokenIs(b, v, e, 'AUTH')) {
          const a = v + 5;
          this.push(tokenIs(b, a, e, 'TLS') || tokenIs(b, a, e, 'SSL') || tokenIs(b, a, e, 'TLS-C') || tokenIs(b, a, e, 'TLS-P') ? K_TLS : K_OTHER);
        } else if (tokenIs(b, v, e, 'USER') || tokenIs(b, v, e, 'PASS')) this.done = true;
        else this.push(K_OTHER);
        return;
    }
  }

  /** A client line that is no command of this protocol: it is not ours after all. */
  private notOurs(): void {
    this.ctx.weird(`${SERVICE[this.proto]}_bad_command`);
    this.done = true;
  }

  /** One server line `b[s, e)`; true when it accepts the upgrade. */
  private reply(b: Uint8Array, s: number, e: number): boolean {
    switch (this.proto) {
      case Proto.Imap: {
        const tag = this.tag;
        if (tag === null || b[s] === 42 /* '*' */ || e - s < tag.length + 3) return false;
        for (let i = 0; i < tag.length; i++) if (b[s + i] !== tag.charCodeAt(i)) return false;
        const r = s + tag.length;
        if (b[r] !== SP) return false;
        if (tokenIs(b, r + 1, e, 'OK')) return true;
        this.tag = null;
        this.refused();
        return false;
      }
      case Proto.Pop3: {
        if (this.multi) {
          if (e - s === 1 && b[s] === 46 /* '.' */) this.multi = false;
          return false;
        }
        const ok = startsWithCI(b, s, e, '+OK');
        if (!ok && !startsWithCI(b, s, e, '-ERR')) return false;
        if (this.greeting) {
          this.greeting = false;
          return false;
        }
        const k = this.shift();
        if (k === K_MULTI && ok) this.multi = true;
        else if (k === K_TLS) {
          if (ok) return true;
          this.refused();
        }
        return false;
      }
      case Proto.Smtp:
      case Proto.Ftp: {
        const code = replyCode(b, s, e);
        if (this.proto === Proto.Ftp && this.ftpOpen >= 0) {
          if (code !== this.ftpOpen || b[s + 3] === 45) return false;
          this.ftpOpen = -1;
        } else {
          if (code < 0) return false;
          if (b[s + 3] === 45) {
            if (this.proto === Proto.Ftp) this.ftpOpen = code;
            return false;
          }
        }
        if (this.greeting) {
          this.greeting = false;
          return false;
        }
        // FTP preliminary replies (1xx) precede the final reply of the same command.
        if (this.proto === Proto.Ftp && code < 200) return false;
        const k = this.shift();
        if (k !== K_TLS) return false;
        if (code === (this.proto === Proto.Smtp ? 220 : 234)) return true;
        this.refused();
        return false;
      }
    }
  }

  /** Client bytes after the upgrade command, kept (bounded) until the reply. */
  private hold(b: Uint8Array): void {
    const k = Math.min(b.length, MAIL_MAX_EARLY - this.earlyLen);
    if (k < b.length) {
      this.ctx.weird(`${SERVICE[this.proto]}_early_data_too_long`, `over ${MAIL_MAX_EARLY} bytes before the upgrade reply`);
      this.done = true;
      return;
    }
    if (k === 0) return;
    this.early ??= new Uint8Array(MAIL_MAX_EARLY);
    this.early.set(b, this.earlyLen);
    this.earlyLen += k;
  }

  /** The upgrade was refused: the held client bytes are commands again. */
  private refused(): void {
    this.holding = false;
    const n = this.earlyLen;
    this.earlyLen = 0;
    if (n > 0) this.lines(true, this.early!.slice(0, n), 0);
  }

  /** The server accepted the upgrade: hand over with the held client bytes and the rest of the reply's segment. */
  private upgrade(rest: Uint8Array): void {
    this.done = true;
    const next = this.ctx.handOver();
    if (this.earlyLen > 0) next.data(true, this.early!.subarray(0, this.earlyLen), this.ts);
    this.early = null;
    this.earlyLen = 0;
    if (rest.length > 0) next.data(false, rest, this.ts);
  }
}

/** `b[s, e)` as a Latin-1 string (an IMAP tag: a few bytes, once per STARTTLS). */
function latin1(b: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(b[i]!);
  return out;
}

// ---- probes ------------------------------------------------------------------------------------

/** IMAP server greeting: `* OK`, `* PREAUTH` (RFC 3501 7.1). */
export function probeImap(b: Uint8Array, isOrig: boolean): boolean {
  if (isOrig || b.length < 5 || b[0] !== 42 || b[1] !== SP) return false;
  const e = firstLineEnd(b);
  return tokenIs(b, 2, e, 'OK') || tokenIs(b, 2, e, 'PREAUTH');
}

/**
 * SMTP: a `220` greeting naming (E)SMTP and not FTP, or a client's first command `EHLO`/`HELO`
 * (a greeting that names neither leaves the choice to the client's command).
 */
export function probeSmtp(b: Uint8Array, isOrig: boolean): boolean {
  const e = firstLineEnd(b);
  if (isOrig) return (tokenIs(b, 0, e, 'EHLO') || tokenIs(b, 0, e, 'HELO')) && e > 5;
  return replyCode(b, 0, e) === 220 && containsCI(b, 3, e, 'SMTP') && !containsCI(b, 3, e, 'FTP');
}

/** POP3 greeting: `+OK ` naming POP, or with an APOP timestamp `<...@...>`, or (tie-break) from port 110. */
export function probePop3(b: Uint8Array, isOrig: boolean, id: FlowId): boolean {
  if (isOrig || b.length < 4 || !startsWithCI(b, 0, b.length, '+OK') || (b[3] !== SP && b[3] !== CR)) return false;
  const e = firstLineEnd(b);
  if (e === b.length && e < PROBE_SCAN) return false; // the line must end here: a greeting, not a stream
  if (containsCI(b, 3, e, 'POP')) return true;
  const lt = b.indexOf(60 /* '<' */, 3);
  if (lt >= 0 && lt < e) {
    const at = b.indexOf(64 /* '@' */, lt);
    const gt = b.indexOf(62 /* '>' */, lt);
    if (at > lt && gt > at && gt < e) return true;
  }
  return id.resp_p === 110;
}

/**
 * FTP: a `220` greeting naming FTP, or a client's first command `USER name` (one argument, unlike
 * IRC's four), `AUTH TLS`/`AUTH SSL`, or `FEAT`.
 */
export function probeFtp(b: Uint8Array, isOrig: boolean): boolean {
  const e = firstLineEnd(b);
  if (e === b.length) return false; // a whole first line only
  if (!isOrig) return replyCode(b, 0, e) === 220 && containsCI(b, 3, e, 'FTP') && !containsCI(b, 3, e, 'SMTP');
  if (tokenIs(b, 0, e, 'FEAT')) return e === 4;
  if (tokenIs(b, 0, e, 'AUTH')) return tokenIs(b, 5, e, 'TLS') || tokenIs(b, 5, e, 'SSL') || tokenIs(b, 5, e, 'TLS-C') || tokenIs(b, 5, e, 'TLS-P');
  if (!tokenIs(b, 0, e, 'USER') || e < 6) return false;
  for (let i = 5; i < e; i++) if (b[i] === SP || b[i]! < 0x21) return false;
  return true;
}

const letters = (w: string): number[] => [w.charCodeAt(0), w.charCodeAt(0) | 32];

function factory(proto: Proto, probe: AppAnalyzerFactory['probe'], firstBytes: AppAnalyzerFactory['firstBytes']): AppAnalyzerFactory {
  return Object.freeze({
    service: SERVICE[proto],
    transports: ['tcp'] as const,
    probe,
    firstBytes,
    create: (ctx: AppContext): StreamAnalyzer => new StartTlsAnalyzer(ctx, proto),
  });
}

/** IMAP (service `imap`): follows STARTTLS. */
export const imapAnalyzer = factory(Proto.Imap, (b, o) => probeImap(b, o), { orig: [], resp: [42] });
/** SMTP (service `smtp`): follows STARTTLS. */
export const smtpAnalyzer = factory(Proto.Smtp, (b, o) => probeSmtp(b, o), { orig: [...letters('E'), ...letters('H')], resp: [50] });
/** POP3 (service `pop3`): follows STLS. */
export const pop3Analyzer = factory(Proto.Pop3, (b, o, id) => probePop3(b, o, id), { orig: [], resp: [43] });
/** FTP control (service `ftp`): follows AUTH TLS / AUTH SSL. */
export const ftpAnalyzer = factory(Proto.Ftp, (b, o) => probeFtp(b, o), { orig: [...letters('U'), ...letters('A'), ...letters('F')], resp: [50] });
