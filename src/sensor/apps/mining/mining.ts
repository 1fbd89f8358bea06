/**
 * Miner protocols over TCP: Stratum v1 (`mining.*`), Monero-style Stratum (`login`, `job`,
 * `submit`), and Ethereum's stratum proxies (`eth_*`). All are line-delimited JSON-RPC: one
 * `MiningRecord` per message, up to a per-connection limit.
 *
 * Lines are bounded; each is parsed with `JSON.parse` (malformed lines are weirds, and too many
 * of them end the analysis). Wallet logins are personal data: only a truncated SHA-256 is kept.
 */
import { createHash } from 'node:crypto';
import type { MiningRecord } from '../../../records/schema.js';
import type { AppAnalyzerFactory, AppContext, StreamAnalyzer } from '../types.js';

/** Longest JSON line accepted, bytes (pool jobs are a few hundred bytes). */
export const MINING_MAX_LINE = 64 * 1024;
/** Records emitted per connection; later messages are only counted (one weird at the end). */
export const MINING_MAX_RECORDS = 1000;
/** Malformed lines tolerated per connection before the analyzer gives up. */
export const MINING_MAX_BAD_LINES = 16;
/** Longest `agent` / `algo` / `method` kept, characters. */
export const MINING_MAX_FIELD = 256;
/** Bytes of a first payload that `probe` looks at. */
export const MINING_PROBE_BYTES = 4096;
/** Hex characters of the SHA-256 kept for a login (64 bits: enough to tell wallets apart). */
export const MINING_LOGIN_HASH_CHARS = 16;

/** Methods that claim a connection for this analyzer when seen in its first payload. */
export const MINER_PROBE_METHODS: ReadonlySet<string> = new Set([
  'mining.subscribe', 'mining.authorize', 'mining.extranonce.subscribe', 'mining.configure',
  'mining.hello', 'mining.notify', 'mining.set_difficulty', 'mining.submit', 'mining.noop',
  'login', 'getjob', 'job', 'submit', 'keepalived',
  'eth_submitLogin', 'eth_getWork', 'eth_submitWork', 'eth_submitHashrate',
  'getwork', 'getblocktemplate', 'submitblock',
]);

const XMR_METHODS: ReadonlySet<string> = new Set(['login', 'job', 'submit', 'getjob', 'keepalived']);
const GETWORK_METHODS: ReadonlySet<string> = new Set(['getwork', 'getblocktemplate', 'submitblock']);

/**
 * The miner protocol a JSON-RPC method belongs to: `stratum` (mining.*, client.*), `xmr-stratum`
 * (login, job, submit, getjob, keepalived), `eth` (eth_*), `getwork`; undefined for others.
 */
export function minerProtocolOf(method: string): string | undefined {
  if (method.startsWith('mining.') || method.startsWith('client.')) return 'stratum';
  if (method.startsWith('eth_')) return 'eth';
  if (XMR_METHODS.has(method)) return 'xmr-stratum';
  if (GETWORK_METHODS.has(method)) return 'getwork';
  return undefined;
}

/**
 * For a JSON-RPC call seen in an HTTP request body: the miner protocol when the method is one
 * that only miners use over HTTP (getwork, getblocktemplate, submitblock, eth_getWork,
 * eth_submitWork, eth_submitHashrate, eth_submitLogin), else undefined.
 */
export function httpMinerProtocol(method: string): string | undefined {
  if (GETWORK_METHODS.has(method)) return 'getwork';
  if (method === 'eth_getWork' || method === 'eth_submitWork' || method === 'eth_submitHashrate' || method === 'eth_submitLogin') return 'eth';
  return undefined;
}

const QUOTE = 34;
const BACKSLASH = 92;
const METHOD_KEY = new Uint8Array(Buffer.from('"method"', 'latin1'));

function isWs(c: number | undefined): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

/**
 * The string value of the first `"method"` key in b[start, end) by a byte scan (no JSON parse,
 * so it works on a truncated body); undefined when there is none or it is not a plain string.
 */
export function findJsonMethod(b: Uint8Array, start: number, end: number): string | undefined {
  end = Math.min(end, b.length);
  let p = start;
  while (p < end) {
    const q = b.indexOf(QUOTE, p);
    if (q < 0 || q + METHOD_KEY.length > end) return undefined;
    let i = 1;
    while (i < METHOD_KEY.length && b[q + i] === METHOD_KEY[i]) i++;
    if (i < METHOD_KEY.length) {
      p = q + 1;
      continue;
    }
    let r = q + METHOD_KEY.length;
    while (r < end && isWs(b[r])) r++;
    if (b[r] !== 58 /* : */) {
      p = q + 1;
      continue;
    }
    r++;
    while (r < end && isWs(b[r])) r++;
    if (r >= end || b[r] !== QUOTE) return undefined;
    const vs = ++r;
    while (r < end && r - vs <= MINING_MAX_FIELD && b[r] !== QUOTE && b[r] !== BACKSLASH) r++;
    if (r >= end || b[r] !== QUOTE) return undefined;
    return Buffer.from(b.buffer, b.byteOffset + vs, r - vs).toString('latin1');
  }
  return undefined;
}

/** Truncated SHA-256 hex of a login (wallet address, user.worker). */
export function loginHash(login: string): string {
  return createHash('sha256').update(login, 'utf8').digest('hex').slice(0, MINING_LOGIN_HASH_CHARS);
}

function clip(s: string): string {
  return s.length > MINING_MAX_FIELD ? s.slice(0, MINING_MAX_FIELD) : s;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `algo` as announced: a string, or an array of strings joined with commas. */
function algoOf(v: unknown): string | undefined {
  if (typeof v === 'string') return clip(v);
  if (Array.isArray(v)) {
    const parts = v.filter((x): x is string => typeof x === 'string');
    if (parts.length > 0) return clip(parts.join(','));
  }
  return undefined;
}

/** Line buffer of one direction. */
class LineSide {
  buf: Uint8Array = new Uint8Array(0);
  len = 0;
  /** Discarding the rest of an over-long line. */
  skipping = false;
  /** Time of the first byte of the buffered line. */
  ts = 0;

  append(b: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (this.len + n > this.buf.length) {
      let cap = this.buf.length || 1024;
      while (cap < this.len + n) cap *= 2;
      const nb = new Uint8Array(Math.min(cap, MINING_MAX_LINE));
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
    }
    this.buf.set(b.subarray(from, to), this.len);
    this.len += n;
  }
}

class MiningAnalyzer implements StreamAnalyzer {
  done = false;
  private readonly sides = [new LineSide(), new LineSide()];
  /** Protocol of the first recognised method: labels replies and unknown methods after it. */
  private proto: string | undefined;
  private records = 0;
  private dropped = 0;
  private bad = 0;

  constructor(private readonly ctx: AppContext) {}

  data(isOrig: boolean, bytes: Uint8Array, ts: number): void {
    if (this.done) return;
    const s = this.sides[isOrig ? 0 : 1]!;
    const n = bytes.length;
    let p = 0;
    while (p < n && !this.done) {
      const lf = bytes.indexOf(10, p);
      if (s.skipping) {
        if (lf < 0) return;
        s.skipping = false;
        p = lf + 1;
        continue;
      }
      const to = lf < 0 ? n : lf;
      if (s.len === 0) s.ts = ts;
      if (s.len + (to - p) > MINING_MAX_LINE) {
        this.ctx.weird('mining_line_too_long', `over ${MINING_MAX_LINE} bytes`);
        s.len = 0;
        s.skipping = lf < 0;
        p = lf < 0 ? n : lf + 1;
        this.badLine();
        continue;
      }
      if (lf < 0) {
        s.append(bytes, p, n);
        return;
      }
      if (s.len === 0) this.line(bytes, p, lf, isOrig, ts);
      else {
        s.append(bytes, p, lf);
        this.line(s.buf, 0, s.len, isOrig, s.ts);
        s.len = 0;
      }
      p = lf + 1;
    }
  }

  gap(isOrig: boolean, _len: number, _ts: number): void {
    if (this.done) return;
    // The line in progress is lost; the next newline starts a fresh one.
    const s = this.sides[isOrig ? 0 : 1]!;
    if (s.len > 0 || !s.skipping) this.ctx.weird('mining_gap');
    s.len = 0;
    s.skipping = true;
  }

  end(_ts: number): void {
    if (this.done) return;
    for (let i = 0; i < 2; i++) {
      const s = this.sides[i]!;
      // A last message without its newline (connection closed right after it).
      if (s.len > 0 && !s.skipping) this.line(s.buf, 0, s.len, i === 0, s.ts);
      s.len = 0;
    }
    this.finish();
  }

  private finish(): void {
    if (this.dropped > 0) this.ctx.weird('mining_record_limit', `${this.dropped} messages over ${MINING_MAX_RECORDS}`);
    this.dropped = 0;
    this.done = true;
  }

  private badLine(): void {
    if (++this.bad > MINING_MAX_BAD_LINES) {
      this.ctx.weird('mining_too_many_bad_lines', `over ${MINING_MAX_BAD_LINES}`);
      this.finish();
    }
  }

  /** One line b[s, e): a JSON-RPC message (blank lines are ignored). */
  private line(b: Uint8Array, s: number, e: number, isOrig: boolean, ts: number): void {
    while (s < e && isWs(b[s])) s++;
    while (e > s && isWs(b[e - 1])) e--;
    if (s === e) return;
    if (this.records >= MINING_MAX_RECORDS) {
      this.dropped++;
      return;
    }
    let msg: unknown;
    try {
      msg = JSON.parse(Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('utf8'));
    } catch {
      this.ctx.weird('mining_bad_json', `${e - s} bytes`);
      this.badLine();
      return;
    }
    if (!isObj(msg)) {
      this.ctx.weird('mining_bad_json', 'not an object');
      this.badLine();
      return;
    }
    this.message(msg, isOrig, ts);
  }

  private message(msg: Record<string, unknown>, isOrig: boolean, ts: number): void {
    let method: string;
    let protocol: string | undefined;
    if (typeof msg.method === 'string') {
      method = clip(msg.method);
      protocol = minerProtocolOf(method);
      if (protocol) this.proto ??= protocol;
      else protocol = this.proto ?? 'jsonrpc';
    } else if ('result' in msg || 'error' in msg) {
      method = 'result';
      protocol = this.proto ?? 'jsonrpc';
    } else {
      this.ctx.weird('mining_no_method');
      return;
    }
    const id = this.ctx.id;
    const r: MiningRecord = {
      ts,
      uid: this.ctx.uid,
      orig_h: id.orig_h,
      orig_p: id.orig_p,
      resp_h: id.resp_h,
      resp_p: id.resp_p,
      protocol,
      method,
      is_orig: isOrig,
    };
    const params = msg.params;
    let login: unknown;
    let agent: unknown;
    let algo: string | undefined;
    if (method === 'login' && isObj(params)) {
      login = params.login;
      agent = params.agent;
    } else if ((method === 'mining.authorize' || method === 'eth_submitLogin') && Array.isArray(params)) {
      login = params[0];
    } else if (method === 'mining.subscribe' && Array.isArray(params)) {
      agent = params[0];
    }
    if (isObj(params)) algo = algoOf(params.algo);
    else if (method === 'result' && isObj(msg.result)) {
      const res = msg.result;
      algo = algoOf(res.algo) ?? (isObj(res.job) ? algoOf(res.job.algo) : undefined);
    }
    if (typeof agent === 'string' && agent.length > 0) r.agent = clip(agent);
    if (typeof login === 'string' && login.length > 0) r.login_hash = loginHash(login);
    if (algo !== undefined) r.algo = algo;
    this.records++;
    this.ctx.emit('mining', r);
  }
}

/** Does the payload start like a JSON-RPC message with a miner method? */
function looksLikeMiner(b: Uint8Array): boolean {
  let p = 0;
  while (p < b.length && isWs(b[p])) p++;
  if (b[p] !== 123 /* { */) return false;
  const m = findJsonMethod(b, p, Math.min(b.length, MINING_PROBE_BYTES));
  return m !== undefined && MINER_PROBE_METHODS.has(m);
}

/** Stratum and other line-delimited JSON-RPC miner protocols over TCP, claimed by content. */
export const miningAnalyzer: AppAnalyzerFactory = {
  service: 'stratum',
  transports: ['tcp'],
  probe(bytes: Uint8Array): boolean {
    return looksLikeMiner(bytes);
  },
  // A JSON object, possibly after white space.
  firstBytes: { orig: [123, 32, 9, 13, 10], resp: [123, 32, 9, 13, 10] },
  create(ctx: AppContext): StreamAnalyzer {
    return new MiningAnalyzer(ctx);
  },
};
