/**
 * Webhooks: HTTP POST of the ECS document as JSON. Each attempt has a timeout; network errors,
 * timeouts, 408, 429 and 5xx are retried with exponential backoff and jitter (honouring a
 * Retry-After in seconds, capped); other statuses fail at once (the request is wrong, retrying
 * will not help).
 */
import type { AlertDoc } from './ecs.js';
import { AlertSinkError, type AlertSink } from './sink.js';

export interface WebhookOptions {
  url: string;
  /** Extra headers (e.g. Authorization). Never logged. */
  headers?: Record<string, string>;
  /** Per-attempt timeout (ms, default WEBHOOK_DEFAULTS.timeoutMs). */
  timeoutMs?: number;
  /** Retries after the first attempt (default WEBHOOK_DEFAULTS.retries). */
  retries?: number;
  /** First backoff (ms); doubles each retry (default WEBHOOK_DEFAULTS.backoffMs). */
  backoffMs?: number;
  /** Longest single wait (ms), Retry-After included (default WEBHOOK_DEFAULTS.maxBackoffMs). */
  maxBackoffMs?: number;
  /** Random source for jitter in [0, 1) (tests pin it). */
  random?: () => number;
}

export const WEBHOOK_DEFAULTS = Object.freeze({ timeoutMs: 5000, retries: 3, backoffMs: 500, maxBackoffMs: 10_000 });

const RETRY_STATUS = (s: number) => s === 408 || s === 429 || s >= 500;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Wait before retry `n` (0-based): half the exponential step plus a random half ("equal jitter"), capped. */
export function backoffDelay(n: number, base: number, max: number, random: () => number): number {
  const step = Math.min(max, base * 2 ** n);
  return Math.round(step / 2 + random() * (step / 2));
}

export class WebhookSink implements AlertSink {
  readonly name: string;
  private readonly o: Required<Omit<WebhookOptions, 'headers'>> & { headers: Record<string, string> };
  private closed = false;
  /** Attempts made by the last `send` (for tests and logs). */
  lastAttempts = 0;

  constructor(opts: WebhookOptions) {
    let u: URL;
    try { u = new URL(opts.url); } catch { throw new AlertSinkError('ALERT_BAD_SPEC', `Cannot use webhook '${opts.url}': not a URL`); }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new AlertSinkError('ALERT_BAD_SPEC', `Cannot use webhook '${opts.url}': only http and https`);
    // The name shows where alerts go, never credentials or query tokens.
    this.name = `${u.protocol}//${u.host}${u.pathname}`;
    this.o = { ...WEBHOOK_DEFAULTS, random: Math.random, ...opts, headers: opts.headers ?? {} };
  }

  async send(doc: AlertDoc): Promise<void> {
    if (this.closed) throw new AlertSinkError('ALERT_CLOSED', `Cannot post alert to ${this.name}: sink closed`);
    const body = JSON.stringify(doc);
    this.lastAttempts = 0;
    for (let attempt = 0; ; attempt++) {
      this.lastAttempts++;
      const r = await this.attempt(body);
      if (r === undefined) return;
      if (!r.retry || attempt >= this.o.retries) {
        throw new AlertSinkError(r.error.code, `${r.error.message}${this.lastAttempts > 1 ? ` (after ${this.lastAttempts} attempts)` : ''}`);
      }
      await sleep(r.waitMs ?? backoffDelay(attempt, this.o.backoffMs, this.o.maxBackoffMs, this.o.random));
    }
  }

  /** One POST: undefined when delivered, else the error, whether to retry, and the server's Retry-After. */
  private async attempt(body: string): Promise<{ error: AlertSinkError; retry: boolean; waitMs?: number } | undefined> {
    let r: Response;
    try {
      r = await fetch(this.o.url, {
        method: 'POST', body, signal: AbortSignal.timeout(this.o.timeoutMs),
        headers: { 'content-type': 'application/json', 'user-agent': 'c2hunt', ...this.o.headers },
      });
      await r.arrayBuffer(); // drain, so the connection is reused
    } catch (e) {
      const err = e as Error;
      const timeout = err.name === 'TimeoutError' || err.name === 'AbortError';
      return {
        retry: true,
        error: timeout
          ? new AlertSinkError('ALERT_TIMEOUT', `Cannot post alert to ${this.name}: no answer in ${this.o.timeoutMs} ms`)
          : new AlertSinkError('ALERT_NETWORK', `Cannot post alert to ${this.name}: ${(err.cause as Error | undefined)?.message ?? err.message}`),
      };
    }
    if (r.ok) return undefined;
    const out: { error: AlertSinkError; retry: boolean; waitMs?: number } = {
      retry: RETRY_STATUS(r.status), error: new AlertSinkError('ALERT_HTTP_STATUS', `Cannot post alert to ${this.name}: HTTP ${r.status}`),
    };
    const ra = r.headers.get('retry-after');
    if (ra !== null && /^\d+$/.test(ra.trim())) out.waitMs = Math.min(this.o.maxBackoffMs, Number(ra) * 1000);
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
