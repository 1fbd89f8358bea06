/**
 * ClickHouse's HTTP interface, spoken with node:http(s) and keep-alive agents (no client
 * library: the store needs a POST per query, RowBinary bodies for inserts and JSONEachRow
 * results read line by line, which is little code). Credentials go in a Basic authorization
 * header and never appear in messages.
 *
 * Failures are classified once, here: a {@link ClickHouseError} says whether the request may be
 * retried (the server or a shard behind it was unreachable, a connection broke, the server was
 * overloaded) and whether it may have been executed anyway (a connection that broke after the
 * request was sent). {@link ClickHouseHttp.retrying} retries with exponential backoff within a
 * bounded total wait and then gives up with a message naming the host and the reason.
 */
import http from 'node:http';
import https from 'node:https';
import { StoreError } from '../store.js';
import type { Sql } from './sql.js';
import { NeedMoreBytes, RowBinaryReader } from './row-binary.js';
import { StringCache } from '../strings.js';
import { NativeBlocks, type NativeBlock } from './native.js';

/** Connection attempts slower than this fail (and are retried): ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** A request with no byte received for this long fails: ms (queries are buffered server-side). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 600_000;
/** Total time spent retrying one request before giving up: seconds. */
export const DEFAULT_RETRY_SECONDS = 120;
/** First and longest wait between retries: ms (doubling in between). */
export const BACKOFF_FIRST_MS = 100;
export const BACKOFF_MAX_MS = 5_000;
/** Keep-alive sockets per server. */
const MAX_SOCKETS = 8;
/** Longest SQL text the server accepts from us (bytes; ClickHouse's default is 256 KiB). */
export const MAX_QUERY_BYTES = 16 * 1024 * 1024;

/**
 * ClickHouse error codes worth retrying: the server or a shard unreachable or timing out, a
 * connection that broke, too many parts or queries (back off and the server catches up).
 */
const RETRYABLE_CODES = new Set([
  32, // ATTEMPT_TO_READ_AFTER_EOF (a shard connection broke)
  159, // TIMEOUT_EXCEEDED
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  216, // QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING (an earlier attempt of an insert is still running)
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  252, // TOO_MANY_PARTS
  279, // ALL_CONNECTION_TRIES_FAILED
  285, // TOO_FEW_LIVE_REPLICAS
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
]);
/** Network error codes worth retrying, and how they read in a message. */
const NET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EAI_AGAIN: 'name lookup failed (temporary)',
  ENOTFOUND: 'host not found',
  ECONNABORTED: 'connection aborted',
};
/** Of those, the ones that cannot recover by waiting. */
const NET_FINAL = new Set(['ENOTFOUND']);

/** One server's HTTP endpoint. */
export interface Endpoint {
  /** `http://host:port` or `https://host:port`. */
  origin: string;
  /** `host:port`, for messages. */
  label: string;
  /** Basic authorization header value, when a user is given. */
  auth?: string;
}

/** A failed request: a server answer with a ClickHouse error code, or a network failure. */
export class ClickHouseError extends Error {
  constructor(
    message: string,
    /** Short reason for messages (`connection refused`, `Code 279: All connection tries failed ...`). */
    readonly reason: string,
    /** Waiting and sending again may succeed. */
    readonly retryable: boolean,
    /** `host:port` of the server that failed. */
    readonly host: string,
    /** ClickHouse error code, when the server answered. */
    readonly code?: number,
    /** Network error code (`ECONNREFUSED` ...). */
    readonly netCode?: string,
  ) {
    super(message);
    this.name = 'ClickHouseError';
  }
}

/** Options of the client. */
export interface HttpOptions {
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  retrySeconds?: number;
}

/** Query-string settings sent with a request (ClickHouse settings and HTTP parameters). */
export type Settings = Record<string, string | number>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The first line of a ClickHouse error text, without the stack noise. */
function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.replace(/, e\.what\(\) = DB::Exception\.?$/, '').replace(/e\.displayText\(\) = DB::Exception: /, '').slice(0, 500);
}

/** The HTTP client of one store: keep-alive agents, retries, JSONEachRow parsing. */
export class ClickHouseHttp {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly retrySeconds: number;

  constructor(opts: HttpOptions = {}) {
    this.connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.retrySeconds = opts.retrySeconds ?? DEFAULT_RETRY_SECONDS;
  }

  /**
   * One POST: `settings` in the query string, `body` as the request body. Resolves with the
   * response body when the status is 200; streams it to `onChunk` instead when given.
   */
  request(ep: Endpoint, settings: Settings, body: string | Buffer, onChunk?: (b: Buffer) => void): Promise<Buffer> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(settings)) qs.set(k, String(v));
    const url = new URL(`${ep.origin}/?${qs.toString()}`);
    const isHttps = url.protocol === 'https:';
    const headers: Record<string, string | number> = { 'Content-Length': Buffer.byteLength(body) };
    if (ep.auth !== undefined) headers.Authorization = ep.auth;
    return new Promise<Buffer>((resolve, reject) => {
      let settled = false;
      const fail = (e: ClickHouseError): void => {
        if (settled) return;
        settled = true;
        reject(e);
      };
      const req = (isHttps ? https : http).request(url, { method: 'POST', headers, agent: isHttps ? this.httpsAgent : this.httpAgent }, (res) => {
        const chunks: Buffer[] = [];
        const ok = res.statusCode === 200;
        res.on('data', (c: Buffer) => {
          if (ok && onChunk !== undefined) {
            try {
              onChunk(c);
            } catch (e) {
              res.destroy();
              fail(new ClickHouseError(`Cannot read the answer of ${ep.label}: ${(e as Error).message}`, (e as Error).message, false, ep.label));
            }
          } else chunks.push(c);
        });
        res.on('error', (e: NodeJS.ErrnoException) => fail(netError(ep, e)));
        res.on('end', () => {
          if (settled) return;
          const buf = Buffer.concat(chunks);
          if (ok) {
            settled = true;
            resolve(buf);
            return;
          }
          const text = buf.toString('utf8');
          const m = /Code: (\d+)/.exec(text);
          const code = m ? Number(m[1]) : undefined;
          const reason = code !== undefined ? `Code ${code}: ${firstLine(text.slice(text.indexOf('Code:') + `Code: ${code}, `.length))}` : `HTTP ${res.statusCode ?? '?'}: ${firstLine(text)}`;
          // 279 also reports a table missing on a shard (a cluster not migrated there): not worth waiting for.
          const retryable = code !== undefined ? RETRYABLE_CODES.has(code) && !/There is no table/.test(text) : (res.statusCode ?? 0) >= 502;
          fail(new ClickHouseError(`ClickHouse at ${ep.label} answered ${reason}`, reason, retryable, ep.label, code));
        });
      });
      let connectTimer: NodeJS.Timeout | undefined;
      req.on('socket', (sock) => {
        if ((sock as { connecting?: boolean }).connecting) {
          connectTimer = setTimeout(() => req.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), this.connectTimeoutMs);
          sock.once('connect', () => clearTimeout(connectTimer));
        }
      });
      req.setTimeout(this.requestTimeoutMs, () => req.destroy(Object.assign(new Error('request timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(connectTimer);
        fail(netError(ep, e));
      });
      req.on('close', () => clearTimeout(connectTimer));
      req.end(body);
    });
  }

  /**
   * Run `fn` until it succeeds, retrying retryable failures with exponential backoff for at most
   * `budgetSeconds` (default: the client's); then throw a STORE_OPEN StoreError that says what
   * could not be done (`what`: "Cannot <what>"), on which host and why.
   */
  async retrying<R>(what: string, fn: () => Promise<R>, budgetSeconds = this.retrySeconds, onRetry?: (e: ClickHouseError) => void): Promise<R> {
    const t0 = Date.now();
    let delay = BACKOFF_FIRST_MS;
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof ClickHouseError) || !e.retryable) throw e;
        const waited = Date.now() - t0;
        if (waited + delay > budgetSeconds * 1000) throw giveUp(what, e, waited);
        onRetry?.(e);
        await sleep(delay);
        delay = Math.min(delay * 2, BACKOFF_MAX_MS);
      }
    }
  }

  /** Run a statement that returns nothing (DDL, ALTER, INSERT ... SELECT), retried. */
  async exec(ep: Endpoint, what: string, statement: Sql | string, settings: Settings = {}, budgetSeconds?: number): Promise<void> {
    await this.retrying(what, () => this.execOnce(ep, statement, settings), budgetSeconds);
  }

  /** {@link exec} without retries. */
  async execOnce(ep: Endpoint, statement: Sql | string, settings: Settings = {}): Promise<void> {
    const text = typeof statement === 'string' ? statement : statement.text;
    await this.request(ep, { ...settings, max_query_size: MAX_QUERY_BYTES }, text);
  }

  /**
   * Run a SELECT and parse its rows (JSONEachRow, 64-bit integers as numbers, infinities
   * quoted), retried. `database` sets the default database for unqualified names.
   */
  async select<R = Record<string, unknown>>(ep: Endpoint, what: string, query: Sql | string, database?: string, budgetSeconds?: number): Promise<R[]> {
    return this.retrying(what, () => this.selectOnce<R>(ep, query, database), budgetSeconds);
  }

  /** {@link select} without retries. */
  async selectOnce<R = Record<string, unknown>>(ep: Endpoint, query: Sql | string, database?: string): Promise<R[]> {
    const text = `${typeof query === 'string' ? query : query.text}\nFORMAT JSONEachRow`;
    const settings: Settings = {
      wait_end_of_query: 1, output_format_json_quote_64bit_integers: 0, output_format_json_quote_denormals: 1, max_query_size: MAX_QUERY_BYTES,
    };
    if (database !== undefined) settings.database = database;
    const rows: R[] = [];
    let rest: Buffer | undefined;
    const onChunk = (c: Buffer): void => {
      const buf = rest !== undefined ? Buffer.concat([rest, c]) : c;
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(10, start);
        if (nl < 0) break;
        if (nl > start) rows.push(JSON.parse(buf.toString('utf8', start, nl)) as R);
        start = nl + 1;
      }
      rest = start < buf.length ? buf.subarray(start) : undefined;
    };
    await this.request(ep, settings, text, onChunk);
    if (rest !== undefined && rest.length > 0) rows.push(JSON.parse(rest.toString('utf8')) as R);
    return rows;
  }

  /**
   * Run a SELECT whose answer is RowBinary and decode it row by row with `readRow` as the bytes
   * arrive (a row split between chunks is read again when the rest arrives), retried.
   */
  async selectRows<R>(ep: Endpoint, what: string, query: Sql | string, readRow: (r: RowBinaryReader) => R, database?: string): Promise<R[]> {
    let rows: R[] = [];
    await this.selectEach(ep, what, query, () => {
      rows = [];
      return (r) => { rows.push(readRow(r)); };
    }, database);
    return rows;
  }

  /**
   * Like selectRows, but each row goes to a reader that keeps it where it likes (columns ...).
   * `attempt` is called at the start of every attempt (the query is retried after a lost
   * connection) and returns the reader for it: it must drop what an earlier attempt read.
   */
  async selectEach(ep: Endpoint, what: string, query: Sql | string, attempt: () => (r: RowBinaryReader) => void, database?: string): Promise<void> {
    return this.retrying(what, async () => {
      const text = `${typeof query === 'string' ? query : query.text}\nFORMAT RowBinary`;
      const settings: Settings = { wait_end_of_query: 1, max_query_size: MAX_QUERY_BYTES };
      if (database !== undefined) settings.database = database;
      const readRow = attempt();
      let rest: Buffer | undefined;
      const strings = new StringCache();
      const onChunk = (c: Buffer): void => {
        const r = new RowBinaryReader(rest !== undefined ? Buffer.concat([rest, c]) : c, strings);
        let done = 0;
        try {
          for (;;) {
            if (r.pos >= r.buf.length) break;
            readRow(r);
            done = r.pos;
          }
        } catch (e) {
          if (!(e instanceof NeedMoreBytes)) throw e;
        }
        rest = done < r.buf.length ? r.buf.subarray(done) : undefined;
      };
      await this.request(ep, settings, text, onChunk);
      if (rest !== undefined) throw new ClickHouseError(`The answer of ${ep.label} ended inside a row`, 'truncated answer', true, ep.label);
    });
  }

  /**
   * A SELECT answered in the Native format (native.ts), each block to the reader `attempt`
   * returns; `attempt` is called at the start of every attempt and must drop what an earlier
   * one read, as in selectEach.
   */
  async selectNative(ep: Endpoint, what: string, query: Sql | string, attempt: () => (b: NativeBlock) => void, database?: string): Promise<void> {
    return this.retrying(what, async () => {
      const text = `${typeof query === 'string' ? query : query.text}\nFORMAT Native`;
      // Streamed (no wait_end_of_query): blocks are read while the server still produces the
      // next ones, instead of after it has held the whole answer (10 M connections: 1.5 GB).
      // A failure after the first bytes arrives as error text where a block should begin, which
      // NativeBlocks reports; a cut answer ends inside a block.
      const settings: Settings = { max_query_size: MAX_QUERY_BYTES };
      if (database !== undefined) settings.database = database;
      const blocks = new NativeBlocks(attempt());
      await this.request(ep, settings, text, (c) => blocks.push(c)); // a NativeServerError becomes the request's error
      if (!blocks.end()) throw new ClickHouseError(`The answer of ${ep.label} ended inside a block`, 'truncated answer', true, ep.label);
    });
  }

  /**
   * INSERT a RowBinary body into `table` (one attempt: the caller decides how to retry). With a
   * `queryId`, the server refuses a second attempt while the first still runs.
   */
  async insertOnce(ep: Endpoint, table: string, columns: readonly string[], body: Buffer, database: string, queryId?: string): Promise<void> {
    const settings: Settings = { database, query: `INSERT INTO ${table} (${columns.join(', ')}) FORMAT RowBinary` };
    if (queryId !== undefined) settings.query_id = queryId;
    await this.request(ep, settings, body);
  }

  /** Close the keep-alive sockets. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** A network failure as a ClickHouseError. */
function netError(ep: Endpoint, e: NodeJS.ErrnoException): ClickHouseError {
  const code = e.code ?? (/socket hang up/.test(e.message) ? 'ECONNRESET' : undefined);
  const reason = (code !== undefined ? NET_REASONS[code] : undefined) ?? e.message;
  const retryable = code === undefined || !NET_FINAL.has(code);
  return new ClickHouseError(`Cannot reach ClickHouse at ${ep.label}: ${reason}`, reason, retryable, ep.label, undefined, code);
}

/** Hint added to messages about a server that does not answer. */
export const DOWN_HINT = ' (is clickhouse-server running? scripts/clickhouse.sh start)';

/** Retries were exhausted: a server (or a shard behind it) stayed unreachable. Code STORE_OPEN. */
export class UnavailableError extends StoreError {
  constructor(message: string, readonly last: ClickHouseError, readonly waitedMs: number) {
    super('STORE_OPEN', message);
  }
}

/** The error after retries were exhausted. */
function giveUp(what: string, e: ClickHouseError, waitedMs: number): UnavailableError {
  const hint = e.netCode !== undefined ? DOWN_HINT : '';
  return new UnavailableError(`Cannot ${what}: ${e.host}: ${e.reason}, still after ${(waitedMs / 1000).toFixed(1)} s of retries${hint}`, e, waitedMs);
}
