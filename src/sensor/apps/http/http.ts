/**
 * HTTP/1.x analyzer: one `HttpRecord` per request/response pair (Zeek http.log).
 *
 * Each direction runs its own small state machine over the byte stream (start line and headers,
 * then a body framed by Content-Length, chunked transfer coding, or the connection's close).
 * Requests are queued as they are parsed and responses pair with the oldest unanswered request,
 * so pipelined requests that run ahead of their responses pair in order. A record is emitted when
 * both halves of its transaction have ended (or at `end()`), always in `trans_depth` order.
 *
 * Header blocks are copied into one bounded buffer per direction (reused for every message); body
 * bytes are never copied, only counted. Body lengths are entity bytes as transferred: chunk
 * framing is excluded, content codings (gzip) are not undone; missed bytes (gaps) inside a body
 * are counted, since they were transferred.
 *
 * Malformed input becomes a weird and the direction resynchronises on the next line that starts
 * a request (`GET `, `POST ` ...) or a response (`HTTP/1.`), within limits; past them the analyzer
 * emits what it has and stops.
 *
 * CONNECT: the originator's bytes after the request are held (copied, bounded) until the response.
 * A 2xx response opens a tunnel: the analyzer emits its records, stops, and hands the connection
 * over (`ctx.handOver()`), passing on the held bytes and the rest of the response's segment, so
 * the tunnel's payload is identified by content (usually TLS: a tls record on the same uid, and
 * the conn's service `http,ssl`). Any other final response: the held bytes are dropped and HTTP
 * parsing goes on.
 */
import type { FlowId, HttpRecord } from '../../../records/schema.js';
import { latin1 } from '../../cursor.js';
import type { AppAnalyzerFactory, AppContext, StreamAnalyzer } from '../types.js';
import { findJsonMethod, httpMinerProtocol } from '../mining/mining.js';

/** Largest header block (start line, headers, blank line) of one message, bytes (Zeek-like). */
export const HTTP_MAX_HEADER_BYTES = 64 * 1024;
/** Largest chunk-size line (size, extensions, CRLF), bytes. */
export const HTTP_MAX_CHUNK_LINE = 1024;
/** Hex digits of a chunk size; 13 digits keep sizes below 2^52 (exact in a double). */
export const HTTP_MAX_CHUNK_DIGITS = 13;
/** Requests waiting for their response on one connection (pipelining depth). */
export const HTTP_MAX_PENDING = 100;
/** Bytes one resynchronisation may skip while looking for a message start. */
export const HTTP_MAX_RESYNC_BYTES = 1024 * 1024;
/** Resynchronisations per connection before the analyzer gives up. */
export const HTTP_MAX_RESYNCS = 16;
/** Longest method token accepted on a request line, bytes. */
export const HTTP_MAX_METHOD = 32;
/** First size of a direction's header buffer, bytes (it doubles as needed, up to HTTP_MAX_HEADER_BYTES). */
export const HTTP_INITIAL_HEADER_BYTES = 256;
/** Request body bytes kept to look for a JSON-RPC miner method (getwork over HTTP), bytes. */
export const HTTP_MINING_PEEK = 1024;
/**
 * Originator bytes kept after a CONNECT request while its response is awaited (a client may send
 * its TLS ClientHello early), bytes; later ones are passed on to the tunnel as a gap.
 */
export const HTTP_MAX_TUNNEL_EARLY_BYTES = 16 * 1024;

/** Methods recognised by content when probing and resynchronising (each followed by a space). */
export const HTTP_METHODS: readonly string[] = [
  'GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'PATCH', 'TRACE', 'PROPFIND',
  'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'REPORT', 'MKACTIVITY',
  'CHECKOUT', 'MERGE', 'ACL', 'BIND', 'LINK', 'UNLINK', 'MKCALENDAR', 'PURGE',
];

const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const REQ_STARTS: readonly Uint8Array[] = HTTP_METHODS.map((m) => enc(m + ' '));
const RESP_STARTS: readonly Uint8Array[] = [enc('HTTP/1.')];
/** Longest start candidate, bytes (sizes the resync prefix buffer). */
const MAX_START = Math.max(...REQ_STARTS.map((c) => c.length), ...RESP_STARTS.map((c) => c.length));

const EMPTY = new Uint8Array(0);
const CR = 13;
const LF = 10;
const SP = 32;
const HT = 9;

/** tchar of RFC 9110 5.6.2 (token characters), as a lookup table. */
const TCHAR = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  TCHAR[c] = /[A-Za-z0-9!#$%&'*+.^_`|~-]/.test(ch) ? 1 : 0;
}
/** Hex digit values (255: not a hex digit). */
const HEXVAL = new Uint8Array(256).fill(255);
for (let c = 0; c < 10; c++) HEXVAL[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEXVAL[65 + c] = 10 + c;
  HEXVAL[97 + c] = 10 + c;
}

/**
 * Does `b[0..len)` match a candidate? 1: a candidate is complete; 0: still a prefix of one;
 * -1: of none.
 */
function matchStart(cands: readonly Uint8Array[], b: Uint8Array, off: number, len: number): number {
  let partial = false;
  for (const c of cands) {
    const n = len < c.length ? len : c.length;
    let i = 0;
    while (i < n && b[off + i] === c[i]) i++;
    if (i < n) continue;
    if (len >= c.length) return 1;
    partial = true;
  }
  return partial ? 0 : -1;
}

/** One request/response pair being assembled. */
interface Txn {
  depth: number;
  ts: number;
  method?: string;
  host?: string;
  uri?: string;
  referrer?: string;
  version?: string;
  user_agent?: string;
  status_code?: number;
  status_msg?: string;
  reqBody: number;
  respBody: number;
  reqDone: boolean;
  respDone: boolean;
  hasResp: boolean;
}

const enum St {
  /** Between messages: skipping stray CR/LF before a start line. */
  Start,
  Headers,
  /** Content-Length body: `remaining` bytes to go. */
  Body,
  ChunkSize,
  ChunkData,
  /** The CRLF after chunk data. */
  ChunkEnd,
  Trailers,
  /** Body delimited by the connection's close. */
  Eof,
  /** Originator after a CONNECT request, until its response says whether a tunnel opened. */
  Hold,
  Resync,
  /** This direction gave up (after a weird) or ended. */
  Dead,
}

/** Interesting header values of one message (offsets into the header buffer). */
interface Hdrs {
  host?: string;
  referrer?: string;
  userAgent?: string;
  /** -1: absent; -2: invalid. */
  contentLength: number;
  chunked: boolean;
  te: boolean;
}

/** Per-direction parser state (one per side; buffers reused for every message). */
class Side {
  state = St.Start;
  hdr: Uint8Array = EMPTY;
  hdrLen = 0;
  lineLen = 0;
  lines = 0;
  remaining = 0;
  cur: Txn | null = null;
  msgTs = 0;
  // chunk-size line
  csVal = 0;
  csDigits = 0;
  csExt = false;
  csLen = 0;
  // CRLF after chunk data
  ceCR = false;
  // trailers
  trBytes = 0;
  trLineLen = 0;
  trLastCR = false;
  // resync (the prefix buffer is made on the first resynchronisation)
  rsAtLineStart = false;
  rsPrefix: Uint8Array = EMPTY;
  rsLen = 0;
  rsBytes = 0;
  // miner-method peek of request bodies
  peek: Uint8Array | null = null;
  peekLen = 0;
  peeking = false;

  constructor(readonly isOrig: boolean) {}

  append(b: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (this.hdrLen + n > this.hdr.length) {
      let cap = this.hdr.length || HTTP_INITIAL_HEADER_BYTES;
      while (cap < this.hdrLen + n) cap *= 2;
      const nb = new Uint8Array(Math.min(cap, HTTP_MAX_HEADER_BYTES));
      nb.set(this.hdr.subarray(0, this.hdrLen));
      this.hdr = nb;
    }
    this.hdr.set(b.subarray(from, to), this.hdrLen);
    this.hdrLen += n;
  }
}

/** Trim OWS (SP, HTAB) and a trailing CR from [s, e) of b; returns [s, e]. */
function trim(b: Uint8Array, s: number, e: number): [number, number] {
  while (s < e && (b[s] === SP || b[s] === HT)) s++;
  while (e > s && (b[e - 1] === SP || b[e - 1] === HT || b[e - 1] === CR)) e--;
  return [s, e];
}

/** Case-insensitive compare of b[s..e) with a lower-case ASCII name. */
function nameIs(b: Uint8Array, s: number, e: number, name: string): boolean {
  if (e - s !== name.length) return false;
  for (let i = 0; i < name.length; i++) {
    let c = b[s + i]!;
    if (c >= 65 && c <= 90) c += 32;
    if (c !== name.charCodeAt(i)) return false;
  }
  return true;
}

/** Ends b[s..e) with the lower-case ASCII word, case-insensitively (e.g. `chunked`)? */
function endsWithWord(b: Uint8Array, s: number, e: number, word: string): boolean {
  [s, e] = trim(b, s, e);
  const comma = b.lastIndexOf(44, e - 1);
  const from = comma >= s ? comma + 1 : s;
  const [ts, te] = trim(b, from, e);
  return nameIs(b, ts, te, word);
}

/** Non-negative decimal in b[s..e), at most 15 digits; -2 when invalid. */
function parseDecimal(b: Uint8Array, s: number, e: number): number {
  if (e <= s || e - s > 15) return -2;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return -2;
    v = v * 10 + d;
  }
  return v;
}

class HttpAnalyzer implements StreamAnalyzer {
  done = false;
  private readonly req = new Side(true);
  private readonly resp = new Side(false);
  private readonly queue: Txn[] = [];
  private depth = 0;
  private resyncs = 0;
  /** Originator bytes received after a CONNECT request (St.Hold), for the tunnel. */
  private early: Uint8Array | null = null;
  private earlyLen = 0;
  /** Held originator bytes not kept (over the limit, or after a gap): passed on as a gap. */
  private earlyLost = 0;
  /** A 2xx answered a CONNECT: hand the connection over once the current call has its offset. */
  private tunnel = false;

  constructor(private readonly ctx: AppContext) {}

  data(isOrig: boolean, bytes: Uint8Array, ts: number): void {
    if (this.done) return;
    const s = isOrig ? this.req : this.resp;
    const n = bytes.length;
    let p = 0;
    while (p < n && !this.done) {
      switch (s.state) {
        case St.Start: {
          while (p < n && (bytes[p] === CR || bytes[p] === LF)) p++;
          if (p < n) this.beginHeaders(s, ts);
          break;
        }
        case St.Headers:
          p = this.headers(s, bytes, p);
          break;
        case St.Body:
        case St.ChunkData: {
          const take = Math.min(s.remaining, n - p);
          this.countBody(s, bytes, p, take);
          s.remaining -= take;
          p += take;
          if (s.remaining === 0) {
            if (s.state === St.Body) this.endMessage(s);
            else {
              s.state = St.ChunkEnd;
              s.ceCR = false;
            }
          }
          break;
        }
        case St.ChunkSize:
          p = this.chunkSize(s, bytes, p);
          break;
        case St.ChunkEnd: {
          const c = bytes[p]!;
          if (c === CR && !s.ceCR) {
            s.ceCR = true;
            p++;
          } else if (c === LF) {
            p++;
            this.beginChunkSize(s);
          } else {
            this.ctx.weird('http_bad_chunk_end');
            this.beginChunkSize(s);
          }
          break;
        }
        case St.Trailers:
          p = this.trailers(s, bytes, p);
          break;
        case St.Eof:
          this.countBody(s, bytes, p, n - p);
          p = n;
          break;
        case St.Resync:
          p = this.resync(s, bytes, p, ts);
          break;
        case St.Hold:
          this.hold(bytes, p, n);
          p = n;
          break;
        case St.Dead:
          p = n;
          break;
      }
    }
    if (this.tunnel) this.openTunnel(isOrig, p < n ? bytes.subarray(p) : EMPTY, ts);
  }

  gap(isOrig: boolean, len: number, _ts: number): void {
    if (this.done || len <= 0) return;
    const s = isOrig ? this.req : this.resp;
    switch (s.state) {
      case St.Body:
      case St.ChunkData: {
        const take = Math.min(s.remaining, len);
        if (s.cur) {
          if (s.isOrig) s.cur.reqBody += take;
          else s.cur.respBody += take;
        }
        s.peeking = false;
        s.remaining -= take;
        if (take === len) {
          if (s.remaining === 0) {
            if (s.state === St.Body) this.endMessage(s);
            else {
              s.state = St.ChunkEnd;
              s.ceCR = false;
            }
          }
          return;
        }
        // The gap runs past this body into whatever followed: lose sync.
        this.ctx.weird('http_gap', `${len - take} bytes past a body`);
        this.endMessage(s);
        this.enterResync(s, true);
        return;
      }
      case St.Eof:
        if (s.cur) s.cur.respBody += len;
        return;
      case St.Hold:
        this.earlyLost += len;
        return;
      case St.Dead:
        return;
      case St.Resync:
        s.rsAtLineStart = true;
        s.rsLen = 0;
        return;
      default:
        this.ctx.weird('http_gap', `${len} bytes in headers or chunk framing`);
        if (s.cur && s.state !== St.Headers && s.state !== St.Start) this.endMessage(s);
        this.enterResync(s, true);
    }
  }

  end(_ts: number): void {
    if (this.done && this.queue.length === 0) return;
    this.giveUp();
  }

  // ---- headers ---------------------------------------------------------------------------

  private beginHeaders(s: Side, ts: number): void {
    s.state = St.Headers;
    s.msgTs = ts;
    s.hdrLen = 0;
    s.lineLen = 0;
    s.lines = 0;
  }

  /** Copy header bytes up to the blank line, then parse the block. Returns the new offset. */
  private headers(s: Side, b: Uint8Array, p: number): number {
    const n = b.length;
    while (p < n) {
      const lf = b.indexOf(LF, p);
      const segEnd = lf < 0 ? n : lf + 1;
      if (s.hdrLen + (segEnd - p) > HTTP_MAX_HEADER_BYTES) {
        this.ctx.weird('http_header_too_long', `over ${HTTP_MAX_HEADER_BYTES} bytes`);
        this.giveUp();
        return n;
      }
      s.append(b, p, segEnd);
      if (lf < 0) {
        s.lineLen += segEnd - p;
        return n;
      }
      const lineLen = s.lineLen + (lf - p);
      s.lineLen = 0;
      p = segEnd;
      if (s.lines === 0 && !this.startLineLooksRight(s, lineLen)) {
        this.ctx.weird(s.isOrig ? 'http_bad_request_line' : 'http_bad_status_line');
        s.hdrLen = 0;
        this.enterResync(s, true);
        return p;
      }
      s.lines++;
      const content = lineLen > 0 && s.hdr[s.hdrLen - 2] === CR ? lineLen - 1 : lineLen;
      if (content === 0) {
        this.headerBlock(s);
        return p;
      }
    }
    return p;
  }

  /** Cheap check of a start line in the buffer: `token SP` for requests, `HTTP/` for responses. */
  private startLineLooksRight(s: Side, len: number): boolean {
    const h = s.hdr;
    if (!s.isOrig) return len >= 5 && h[0] === 72 && h[1] === 84 && h[2] === 84 && h[3] === 80 && h[4] === 47;
    let i = 0;
    while (i < len && i <= HTTP_MAX_METHOD && TCHAR[h[i]!]) i++;
    return i > 0 && i <= HTTP_MAX_METHOD && i < len && h[i] === SP;
  }

  /** Parse a complete header block in the buffer and set up the body. */
  private headerBlock(s: Side): void {
    const b = s.hdr;
    const end = s.hdrLen;
    let lineEnd = b.indexOf(LF);
    const [ls, le] = trim(b, 0, lineEnd);
    const h: Hdrs = { contentLength: -1, chunked: false, te: false };
    let p = lineEnd + 1;
    while (p < end) {
      lineEnd = b.indexOf(LF, p);
      if (lineEnd < 0 || lineEnd >= end) lineEnd = end;
      if (b[p] !== SP && b[p] !== HT) {
        const colon = b.indexOf(58, p);
        if (colon > p && colon < lineEnd) this.header(b, p, colon, lineEnd, h);
      }
      p = lineEnd + 1;
    }
    if (s.isOrig) this.request(s, b, ls, le, h);
    else this.response(s, b, ls, le, h);
  }

  /** Record one `name: value` header of interest into h. */
  private header(b: Uint8Array, ns: number, colon: number, le: number, h: Hdrs): void {
    const [nS, nE] = trim(b, ns, colon);
    const len = nE - nS;
    if (len < 4 || len > 17) return;
    const [vs, ve] = trim(b, colon + 1, le);
    if (nameIs(b, nS, nE, 'host')) h.host ??= latin1(b, vs, ve);
    else if (nameIs(b, nS, nE, 'referer')) h.referrer ??= latin1(b, vs, ve);
    else if (nameIs(b, nS, nE, 'user-agent')) h.userAgent ??= latin1(b, vs, ve);
    else if (nameIs(b, nS, nE, 'content-length')) {
      const v = parseDecimal(b, vs, ve);
      if (v === -2) h.contentLength = -2;
      else if (h.contentLength === -1) h.contentLength = v;
      else if (h.contentLength >= 0 && h.contentLength !== v) {
        this.ctx.weird('http_multiple_content_lengths');
        h.contentLength = -2;
      }
    } else if (nameIs(b, nS, nE, 'transfer-encoding')) {
      h.te = true;
      h.chunked = endsWithWord(b, vs, ve, 'chunked');
    }
  }

  private request(s: Side, b: Uint8Array, ls: number, le: number, h: Hdrs): void {
    const sp1 = b.indexOf(SP, ls);
    // Request line: METHOD SP target [SP HTTP/x.y]; the target ends at the last space.
    let sp2 = b.lastIndexOf(SP, le - 1);
    let version: string | undefined;
    if (sp2 > sp1 && le - sp2 > 5 && b[sp2 + 1] === 72 && b[sp2 + 5] === 47) {
      version = latin1(b, sp2 + 6, le);
    } else sp2 = le;
    const [us, ue] = trim(b, sp1 + 1, sp2);
    const t: Txn = {
      depth: ++this.depth,
      ts: s.msgTs,
      method: latin1(b, ls, sp1),
      uri: latin1(b, us, ue),
      reqBody: 0,
      respBody: 0,
      reqDone: false,
      respDone: false,
      hasResp: false,
    };
    if (version !== undefined) t.version = version;
    if (h.host !== undefined) t.host = h.host;
    if (h.referrer !== undefined) t.referrer = h.referrer;
    if (h.userAgent !== undefined) t.user_agent = h.userAgent;
    this.queue.push(t);
    s.cur = t;
    if (this.queue.length > HTTP_MAX_PENDING) {
      this.ctx.weird('http_too_many_pending', `over ${HTTP_MAX_PENDING} unanswered requests`);
      this.giveUp();
      return;
    }
    s.peeking = t.method === 'POST';
    s.peekLen = 0;
    if (h.te && h.contentLength !== -1) this.ctx.weird('http_te_and_cl');
    if (h.chunked) this.beginChunkSize(s);
    else if (h.te) {
      this.ctx.weird('http_bad_transfer_encoding');
      this.endMessage(s);
    } else if (h.contentLength === -2) {
      this.ctx.weird('http_bad_content_length');
      this.endMessage(s);
    } else if (h.contentLength > 0) {
      s.state = St.Body;
      s.remaining = h.contentLength;
    } else this.endMessage(s);
    if (t.method === 'CONNECT' && !this.done) {
      t.reqDone = true;
      s.state = St.Hold;
    }
  }

  private response(s: Side, b: Uint8Array, ls: number, le: number, h: Hdrs): void {
    // Status line: HTTP/x.y SP 3DIGIT [SP reason]
    const sp1 = b.indexOf(SP, ls);
    const code = sp1 > 0 && sp1 + 4 <= le ? parseDecimal(b, sp1 + 1, sp1 + 4) : -2;
    if (code < 100 || code > 999 || (sp1 + 4 < le && b[sp1 + 4] !== SP)) {
      this.ctx.weird('http_bad_status_line');
      this.enterResync(s, true);
      return;
    }
    if (code < 200 && code !== 101) {
      // Interim response (100 Continue, 103 Early Hints): no body, the final one follows.
      s.state = St.Start;
      return;
    }
    let t = this.queue.find((q) => !q.hasResp);
    if (!t) {
      t = { depth: ++this.depth, ts: s.msgTs, reqBody: 0, respBody: 0, reqDone: true, respDone: false, hasResp: false };
      this.queue.push(t);
    }
    t.hasResp = true;
    t.status_code = code;
    const [ms, me] = trim(b, sp1 + 4, le);
    t.status_msg = latin1(b, ms, me);
    t.version ??= latin1(b, ls + 5, sp1);
    s.cur = t;
    if (code === 101 || (t.method === 'CONNECT' && code >= 200 && code < 300)) {
      // The connection now carries another protocol (tunnel, WebSocket): nothing more for us. A
      // CONNECT tunnel is handed over (data() does it, knowing where the tunnel's bytes start).
      t.respDone = true;
      this.giveUp();
      this.tunnel = code !== 101;
      return;
    }
    if (t.method === 'CONNECT' && this.req.state === St.Hold) {
      // Refused: what the originator sent meanwhile is not a tunnel's (and is not parsed).
      this.req.state = St.Start;
      this.early = null;
      this.earlyLen = this.earlyLost = 0;
    }
    if (t.method === 'HEAD' || code === 204 || code === 304) this.endMessage(s);
    else if (h.chunked) this.beginChunkSize(s);
    else if (h.contentLength >= 0 && !h.te) {
      if (h.contentLength === 0) this.endMessage(s);
      else {
        s.state = St.Body;
        s.remaining = h.contentLength;
      }
    } else {
      if (h.contentLength === -2) this.ctx.weird('http_bad_content_length');
      s.state = St.Eof;
    }
  }

  // ---- CONNECT tunnels --------------------------------------------------------------------

  /** Keep originator bytes b[p, n) sent before the CONNECT's response (bounded). */
  private hold(b: Uint8Array, p: number, n: number): void {
    if (this.earlyLost > 0) {
      // Past a gap or the limit the kept bytes no longer run on: count the rest as lost.
      this.earlyLost += n - p;
      return;
    }
    const need = this.earlyLen + (n - p);
    const k = Math.min(need, HTTP_MAX_TUNNEL_EARLY_BYTES) - this.earlyLen;
    if (k > 0) {
      const buf = this.early;
      if (buf === null || buf.length < this.earlyLen + k) {
        let cap = buf === null ? 2048 : buf.length * 2;
        while (cap < this.earlyLen + k) cap *= 2;
        const nb = new Uint8Array(Math.min(cap, HTTP_MAX_TUNNEL_EARLY_BYTES));
        if (buf !== null) nb.set(buf.subarray(0, this.earlyLen));
        this.early = nb;
      }
      this.early!.set(b.subarray(p, p + k), this.earlyLen);
      this.earlyLen += k;
    }
    if (need > HTTP_MAX_TUNNEL_EARLY_BYTES) {
      this.ctx.weird('http_tunnel_early_data_too_long', `over ${HTTP_MAX_TUNNEL_EARLY_BYTES} bytes before the CONNECT response`);
      this.earlyLost += need - HTTP_MAX_TUNNEL_EARLY_BYTES;
    }
  }

  /**
   * A 2xx answered a CONNECT: hand the connection over and pass on what belongs to the tunnel,
   * the held originator bytes and `rest`, the bytes after the response in this call's direction.
   */
  private openTunnel(isOrig: boolean, rest: Uint8Array, ts: number): void {
    this.tunnel = false;
    const next = this.ctx.handOver();
    if (this.earlyLen > 0) next.data(true, this.early!.subarray(0, this.earlyLen), ts);
    if (this.earlyLost > 0) next.gap(true, this.earlyLost, ts);
    this.early = null;
    this.earlyLen = this.earlyLost = 0;
    if (rest.length > 0) next.data(isOrig, rest, ts);
  }

  // ---- bodies ----------------------------------------------------------------------------

  private countBody(s: Side, b: Uint8Array, p: number, n: number): void {
    const t = s.cur;
    if (!t) return;
    if (!s.isOrig) {
      t.respBody += n;
      return;
    }
    t.reqBody += n;
    if (s.peeking && s.peekLen < HTTP_MINING_PEEK) {
      s.peek ??= new Uint8Array(HTTP_MINING_PEEK);
      const k = Math.min(n, HTTP_MINING_PEEK - s.peekLen);
      s.peek.set(b.subarray(p, p + k), s.peekLen);
      s.peekLen += k;
    }
  }

  private beginChunkSize(s: Side): void {
    s.state = St.ChunkSize;
    s.csVal = 0;
    s.csDigits = 0;
    s.csExt = false;
    s.csLen = 0;
  }

  /** Parse a chunk-size line byte by byte (it is short). */
  private chunkSize(s: Side, b: Uint8Array, p: number): number {
    const n = b.length;
    while (p < n) {
      const c = b[p++]!;
      if (++s.csLen > HTTP_MAX_CHUNK_LINE) {
        this.ctx.weird('http_chunk_line_too_long');
        this.endMessage(s);
        this.enterResync(s, false);
        return p;
      }
      if (c === LF) {
        if (s.csDigits === 0) {
          if (s.csLen <= 2) {
            // A stray empty line before the size: tolerated.
            s.csLen = 0;
            s.csExt = false;
            continue;
          }
          this.ctx.weird('http_bad_chunk_size');
          this.endMessage(s);
          this.enterResync(s, true);
          return p;
        }
        if (s.csVal === 0) {
          s.state = St.Trailers;
          s.trBytes = 0;
          s.trLineLen = 0;
          s.trLastCR = false;
        } else {
          s.state = St.ChunkData;
          s.remaining = s.csVal;
        }
        return p;
      }
      if (s.csExt) continue;
      const d = HEXVAL[c]!;
      if (d !== 255) {
        if (++s.csDigits > HTTP_MAX_CHUNK_DIGITS) {
          this.ctx.weird('http_bad_chunk_size', 'too large');
          this.endMessage(s);
          this.enterResync(s, false);
          return p;
        }
        s.csVal = s.csVal * 16 + d;
      } else if (c === CR || c === 59 /* ; */) {
        s.csExt = true;
      } else if (c === SP || c === HT) {
        if (s.csDigits > 0) s.csExt = true; // leading whitespace is skipped
      } else {
        this.ctx.weird('http_bad_chunk_size');
        this.endMessage(s);
        this.enterResync(s, false);
        return p;
      }
    }
    return p;
  }

  /** Skip trailer fields up to the blank line (not stored). */
  private trailers(s: Side, b: Uint8Array, p: number): number {
    const n = b.length;
    while (p < n) {
      const lf = b.indexOf(LF, p);
      const segEnd = lf < 0 ? n : lf + 1;
      s.trBytes += segEnd - p;
      if (s.trBytes > HTTP_MAX_HEADER_BYTES) {
        this.ctx.weird('http_header_too_long', 'trailers');
        this.endMessage(s);
        this.enterResync(s, false);
        return segEnd;
      }
      if (lf < 0) {
        s.trLineLen += n - p;
        s.trLastCR = b[n - 1] === CR;
        return n;
      }
      const lineLen = s.trLineLen + (lf - p);
      const endsCR = lf > p ? b[lf - 1] === CR : s.trLastCR;
      s.trLineLen = 0;
      s.trLastCR = false;
      p = segEnd;
      if (lineLen === 0 || (lineLen === 1 && endsCR)) {
        this.endMessage(s);
        return p;
      }
    }
    return p;
  }

  /** One message of this side ended: mark its half done and emit what is complete. */
  private endMessage(s: Side): void {
    const t = s.cur;
    s.cur = null;
    if (s.state !== St.Dead && s.state !== St.Hold) s.state = St.Start;
    if (!t) return;
    if (s.isOrig) {
      t.reqDone = true;
      if (s.peeking && s.peekLen > 0) this.minerCheck(t, s);
      s.peeking = false;
    } else t.respDone = true;
    this.flushReady();
  }

  /** A JSON-RPC miner method in a request body (getwork, getblocktemplate, eth_submitWork). */
  private minerCheck(t: Txn, s: Side): void {
    const m = findJsonMethod(s.peek!, 0, s.peekLen);
    const proto = m === undefined ? undefined : httpMinerProtocol(m);
    if (!proto || m === undefined) return;
    const id: FlowId = this.ctx.id;
    this.ctx.emit('mining', {
      ts: t.ts,
      uid: this.ctx.uid,
      orig_h: id.orig_h,
      orig_p: id.orig_p,
      resp_h: id.resp_h,
      resp_p: id.resp_p,
      protocol: proto,
      method: m,
      is_orig: true,
    });
  }

  // ---- resynchronisation -----------------------------------------------------------------

  private enterResync(s: Side, atLineStart: boolean): void {
    if (++this.resyncs > HTTP_MAX_RESYNCS) {
      this.ctx.weird('http_too_many_resyncs', `over ${HTTP_MAX_RESYNCS}`);
      this.giveUp();
      return;
    }
    if (s.cur && !s.isOrig) this.endMessage(s);
    s.state = St.Resync;
    if (s.rsPrefix.length === 0) s.rsPrefix = new Uint8Array(MAX_START);
    s.rsAtLineStart = atLineStart;
    s.rsLen = 0;
    s.rsBytes = 0;
  }

  /** Skip to a line that starts a message of this side; then parse from there. */
  private resync(s: Side, b: Uint8Array, p: number, ts: number): number {
    const n = b.length;
    const start = p;
    const cands = s.isOrig ? REQ_STARTS : RESP_STARTS;
    while (p < n) {
      if (!s.rsAtLineStart) {
        const lf = b.indexOf(LF, p);
        if (lf < 0) {
          p = n;
          break;
        }
        p = lf + 1;
        s.rsAtLineStart = true;
        s.rsLen = 0;
        continue;
      }
      const c = b[p++]!;
      if (c === LF) {
        s.rsLen = 0;
        continue;
      }
      s.rsPrefix[s.rsLen++] = c;
      const m = matchStart(cands, s.rsPrefix, 0, s.rsLen);
      if (m === 1) {
        this.beginHeaders(s, ts);
        s.append(s.rsPrefix, 0, s.rsLen);
        s.lineLen = s.rsLen;
        return p;
      }
      if (m < 0) s.rsAtLineStart = false;
    }
    s.rsBytes += p - start;
    if (s.rsBytes > HTTP_MAX_RESYNC_BYTES) {
      this.ctx.weird('http_resync_failed', `no message start in ${s.rsBytes} bytes`);
      this.giveUp();
      return n;
    }
    return p;
  }

  // ---- emission --------------------------------------------------------------------------

  private flushReady(): void {
    while (this.queue.length > 0 && this.queue[0]!.reqDone && this.queue[0]!.respDone) this.emit(this.queue.shift()!);
  }

  /** Emit everything pending, in order, and stop. */
  private giveUp(): void {
    this.done = true;
    this.req.state = St.Dead;
    this.resp.state = St.Dead;
    const q = this.queue.splice(0);
    for (const t of q) this.emit(t);
  }

  private emit(t: Txn): void {
    const id = this.ctx.id;
    const r: HttpRecord = {
      ts: t.ts,
      uid: this.ctx.uid,
      orig_h: id.orig_h,
      orig_p: id.orig_p,
      resp_h: id.resp_h,
      resp_p: id.resp_p,
      trans_depth: t.depth,
      request_body_len: t.reqBody,
      response_body_len: t.respBody,
    };
    if (t.method !== undefined) r.method = t.method;
    if (t.host !== undefined) r.host = t.host;
    if (t.uri !== undefined) r.uri = t.uri;
    if (t.referrer !== undefined) r.referrer = t.referrer;
    if (t.version !== undefined) r.version = t.version;
    if (t.user_agent !== undefined) r.user_agent = t.user_agent;
    if (t.status_code !== undefined) r.status_code = t.status_code;
    if (t.status_msg !== undefined) r.status_msg = t.status_msg;
    this.ctx.emit('http', r);
  }
}

/** HTTP/1.x over TCP, claimed by a request line (known method + space) or `HTTP/1.` from a responder. */
export const httpAnalyzer: AppAnalyzerFactory = {
  service: 'http',
  transports: ['tcp'],
  probe(bytes: Uint8Array, isOrig: boolean): boolean {
    const cands = isOrig ? REQ_STARTS : RESP_STARTS;
    return matchStart(cands, bytes, 0, Math.min(bytes.length, MAX_START)) === 1;
  },
  firstBytes: { orig: [...new Set(REQ_STARTS.map((c) => c[0]!))], resp: RESP_STARTS.map((c) => c[0]!) },
  create(ctx: AppContext): StreamAnalyzer {
    return new HttpAnalyzer(ctx);
  },
};
