/**
 * Reading a feed's bytes from a file or an http(s) URL, bounded in size and time; gzip content is
 * inflated. Failures are IntelErrors with readable reasons ("connection refused", "no answer
 * within 15 s", "HTTP 404 Not Found").
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { IntelError } from './errors.js';

/** How long a download may take in all (milliseconds); `--timeout` overrides. */
export const FETCH_TIMEOUT_MS = 10_000;
/** Largest feed accepted (bytes, after gzip inflation). Node strings top out near 512 MiB. */
export const MAX_FEED_BYTES = 256 * 1024 * 1024;

/** Where a feed is read from. */
export type SourceKind = 'file' | 'url';

/** Is this source a URL (http or https)? */
export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** A source as stored: URLs as given, files as absolute paths (`file://` accepted). */
export function normaliseSource(source: string): { source: string; kind: SourceKind } {
  if (isUrl(source)) return { source, kind: 'url' };
  if (/^file:\/\//i.test(source)) return { source: resolve(decodeURIComponent(source.replace(/^file:\/\//i, ''))), kind: 'file' };
  return { source: resolve(source), kind: 'file' };
}

function inflate(buf: Buffer, what: string): Buffer {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return gunzipSync(buf, { maxOutputLength: MAX_FEED_BYTES });
    } catch (e) {
      throw new IntelError('INTEL_ERR_READ', `${what}: gzip content does not inflate (${(e as Error).message})`);
    }
  }
  if (buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 3 && buf[3] === 4) {
    throw new IntelError('INTEL_ERR_READ', `${what}: zip archives are not read; unzip it and add the file inside`);
  }
  return buf;
}

function decode(buf: Buffer): string {
  return new TextDecoder('utf-8').decode(buf);
}

/** Why a fetch failed, in words. */
function fetchReason(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${(timeoutMs / 1000).toFixed(timeoutMs < 1000 ? 1 : 0)} s`;
  const code = err.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host name does not resolve (offline?)';
  if (code === 'ENETUNREACH' || code === 'EHOSTUNREACH') return 'network unreachable (offline?)';
  if (code === 'ECONNRESET') return 'connection reset';
  return err.cause?.message ?? err.message ?? String(e);
}

/** The text of a feed source. Throws IntelError (INTEL_ERR_READ, INTEL_ERR_FETCH). */
export async function readSource(source: string, opts: { timeoutMs?: number } = {}): Promise<{ text: string; bytes: number }> {
  const { source: src, kind } = normaliseSource(source);
  if (kind === 'file') {
    let size: number;
    try {
      const st = await stat(src);
      if (!st.isFile()) throw new IntelError('INTEL_ERR_READ', `${src}: not a file`);
      size = st.size;
    } catch (e) {
      if (e instanceof IntelError) throw e;
      throw new IntelError('INTEL_ERR_READ', `${src}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    if (size > MAX_FEED_BYTES) throw new IntelError('INTEL_ERR_READ', `${src}: ${size} bytes is more than the ${MAX_FEED_BYTES} accepted`);
    const buf = inflate(await readFile(src), src);
    return { text: decode(buf), bytes: buf.length };
  }
  const timeoutMs = opts.timeoutMs ?? FETCH_TIMEOUT_MS;
  let res: Response;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    res = await fetch(src, { signal, redirect: 'follow', headers: { 'user-agent': 'c2hunt-intel' } });
  } catch (e) {
    throw new IntelError('INTEL_ERR_FETCH', `cannot fetch ${src}: ${fetchReason(e, timeoutMs)}`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new IntelError('INTEL_ERR_FETCH', `cannot fetch ${src}: HTTP ${res.status} ${res.statusText}`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    if (res.body !== null) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > MAX_FEED_BYTES) {
          await reader.cancel();
          throw new IntelError('INTEL_ERR_FETCH', `cannot fetch ${src}: more than ${MAX_FEED_BYTES} bytes`);
        }
        chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      }
    }
  } catch (e) {
    if (e instanceof IntelError) throw e;
    throw new IntelError('INTEL_ERR_FETCH', `cannot fetch ${src}: ${fetchReason(e, timeoutMs)} (while reading the body)`);
  }
  const buf = inflate(Buffer.concat(chunks), src);
  return { text: decode(buf), bytes: buf.length };
}
