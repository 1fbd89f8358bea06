/**
 * Read a capture file (or stdin) through the push parser: big reads into one reused buffer for
 * plain files, node:zlib for gzip-compressed input (detected by its 1f 8b magic, not the name).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CaptureError } from './capture-error.js';
import { CaptureParser, type PacketHandler, type WeirdHandler } from './parser.js';

/** Default read size, bytes: big reads keep nearly every record inside one chunk (no copy). */
export const READ_CHUNK_BYTES = 4 * 1024 * 1024;
/** Output chunk size of the gzip decompressor, bytes. */
export const GUNZIP_CHUNK_BYTES = 1024 * 1024;

/** Options of {@link readCapture}. */
export interface ReadCaptureOptions {
  /** Called after every read with the raw (compressed, for gzip) bytes read so far and the file size if known. */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  /** Malformed but survivable input, once per weird name. */
  onWeird?: WeirdHandler;
  /** Read size in bytes (default {@link READ_CHUNK_BYTES}). */
  chunkSize?: number;
}

/** Summary of a capture read to its end. */
export interface ReadCaptureResult {
  format: 'pcap' | 'pcapng';
  /** Packets delivered to the handler. */
  packets: number;
  /** Bytes of the (decompressed) capture stream. */
  bytes: number;
  /** The input was gzip-compressed. */
  gzip: boolean;
  /** Packets present but not delivered (pcapng packets for an undeclared interface). */
  skipped: number;
}

/** Where raw bytes come from: a file read into one reused buffer, or stdin as a stream. */
interface RawSource {
  /** The next bytes (a view that the next call may overwrite), or null at the end. */
  next(): Promise<Uint8Array | null>;
  /** True when next() returns views of a reused buffer (the caller must copy to keep them). */
  readonly reuses: boolean;
  readonly total: number | undefined;
  close(): Promise<void>;
}

/**
 * Open a path or `-` (stdin) and deliver every packet to `onPacket`, decompressing gzip input.
 * Rejects with CaptureError: CAPTURE_OPEN (cannot open or read), CAPTURE_BAD_MAGIC, CAPTURE_CORRUPT,
 * CAPTURE_TRUNCATED (every packet before the cut was delivered), CAPTURE_EMPTY, CAPTURE_GZIP.
 */
export async function readCapture(source: string, onPacket: PacketHandler, opts: ReadCaptureOptions = {}): Promise<ReadCaptureResult> {
  const chunkSize = Math.max(1, Math.min(Math.floor(opts.chunkSize ?? READ_CHUNK_BYTES), 256 * 1024 * 1024));
  const parser = new CaptureParser(onPacket, { onWeird: opts.onWeird });
  const name = source === '-' ? 'stdin' : source;
  const src = source === '-' ? stdinSource() : await fileSource(source, chunkSize);
  let rawRead = 0;
  let gzip = false;
  const progress = (n: number): void => {
    rawRead += n;
    opts.onProgress?.(rawRead, src.total);
  };
  try {
    let first = await readRaw(src, name, parser);
    // Look at two bytes for the gzip magic (a stream may hand out a single byte first).
    if (first !== null && first.length < 2) {
      if (src.reuses) first = new Uint8Array(first); // a copy (Buffer#slice would not copy)
      const more = await readRaw(src, name, parser);
      if (more !== null) first = concat(first, more);
    }
    gzip = first !== null && first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
    if (gzip) {
      await readGzip(src, first!, parser, name, progress);
    } else {
      for (let chunk = first; chunk !== null; chunk = await readRaw(src, name, parser)) {
        progress(chunk.length);
        parser.push(chunk);
      }
    }
    parser.finish();
  } finally {
    await src.close();
  }
  return { format: parser.format!, packets: parser.packets, bytes: parser.bytes, gzip, skipped: parser.skipped };
}

async function readRaw(src: RawSource, name: string, parser: CaptureParser): Promise<Uint8Array | null> {
  try {
    return await src.next();
  } catch (err) {
    throw new CaptureError('CAPTURE_OPEN', parser.bytes, `cannot read ${name}: ${(err as Error).message}`, { cause: err });
  }
}

async function readGzip(src: RawSource, first: Uint8Array, parser: CaptureParser, name: string,
  progress: (n: number) => void): Promise<void> {
  async function* raw(): AsyncGenerator<Uint8Array> {
    progress(first.length);
    yield src.reuses ? new Uint8Array(first) : first;
    for (;;) {
      const c = await readRaw(src, name, parser);
      if (c === null) return;
      progress(c.length);
      yield src.reuses ? new Uint8Array(c) : c;
    }
  }
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  // Errors of either side surface in the loop below (pipeline destroys the gunzip stream with them).
  pipeline(Readable.from(raw(), { objectMode: false }), gunzip, () => {});
  try {
    for await (const chunk of gunzip) parser.push(chunk as Buffer);
  } catch (err) {
    if (err instanceof CaptureError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'Z_BUF_ERROR') {
      throw new CaptureError('CAPTURE_TRUNCATED', parser.bytes, `the gzip stream of ${name} ends early (${e.message}) after ${parser.bytes} decompressed bytes`, { cause: err });
    }
    throw new CaptureError('CAPTURE_GZIP', parser.bytes, `corrupt gzip data in ${name}: ${e.message}`, { cause: err });
  }
}

async function fileSource(path: string, chunkSize: number): Promise<RawSource> {
  let fh: FileHandle;
  let total: number | undefined;
  try {
    fh = await open(path, 'r');
    const st = await fh.stat();
    total = st.isFile() ? st.size : undefined;
  } catch (err) {
    throw new CaptureError('CAPTURE_OPEN', 0, `cannot open ${path}: ${(err as Error).message}`, { cause: err });
  }
  const buf = Buffer.allocUnsafe(chunkSize);
  return {
    reuses: true,
    total,
    async next() {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      return bytesRead === 0 ? null : buf.subarray(0, bytesRead);
    },
    close: () => fh.close(),
  };
}

function stdinSource(): RawSource {
  const it = process.stdin[Symbol.asyncIterator]();
  return {
    reuses: false,
    total: undefined,
    async next() {
      const r = await it.next();
      return r.done ? null : (r.value as Buffer);
    },
    async close() {
      await it.return?.();
    },
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
