/** Plain HTTP/1.1 requests and responses with correct Content-Length framing. */
import type { Rng } from '../rng.js';
import { utf8, type BytePool } from './bytes.js';

/** An HTTP request to build. */
export interface HttpRequest {
  method: 'GET' | 'POST';
  host: string;
  path: string;
  userAgent: string;
  headers?: [string, string][];
  /** Body bytes (POST). */
  body?: Uint8Array;
  contentType?: string;
}

/** The request bytes: headers, blank line, body. */
export function httpRequest(r: HttpRequest): Uint8Array[] {
  let h = `${r.method} ${r.path} HTTP/1.1\r\nHost: ${r.host}\r\nUser-Agent: ${r.userAgent}\r\nAccept: */*\r\n`;
  for (const [k, v] of r.headers ?? []) h += `${k}: ${v}\r\n`;
  if (r.body) h += `Content-Type: ${r.contentType ?? 'application/octet-stream'}\r\nContent-Length: ${r.body.length}\r\n`;
  h += 'Connection: keep-alive\r\n\r\n';
  return r.body ? [utf8(h), r.body] : [utf8(h)];
}

const REASONS: Record<number, string> = { 200: 'OK', 204: 'No Content', 301: 'Moved Permanently', 304: 'Not Modified', 404: 'Not Found' };

/**
 * A response with `bodyLen` body bytes. Binary bodies are random bytes typed
 * application/octet-stream; `text` bodies are given explicitly.
 */
export function httpResponse(rng: Rng, pool: BytePool, status: number, opts: { bodyLen?: number; text?: string; contentType?: string; server?: string; location?: string }): Uint8Array[] {
  const body: Uint8Array[] = opts.text !== undefined ? [utf8(opts.text)] : pool.views(rng, opts.bodyLen ?? 0);
  let n = 0;
  for (const b of body) n += b.length;
  const reason = REASONS[status] ?? 'OK';
  const date = 'Mon, 02 Nov 2026 00:00:00 GMT';
  const h = `HTTP/1.1 ${status} ${reason}\r\nServer: ${opts.server ?? 'nginx'}\r\nDate: ${date}\r\n` +
    (opts.location ? `Location: ${opts.location}\r\n` : '') +
    `Content-Type: ${opts.contentType ?? 'application/octet-stream'}\r\nContent-Length: ${n}\r\nConnection: keep-alive\r\n\r\n`;
  return [utf8(h), ...body];
}

/** Printable filler text (base64 alphabet) of `n` characters, e.g. an encoded beacon body. */
export function b64ish(rng: Rng, n: number): string {
  return rng.chars(n, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
}
