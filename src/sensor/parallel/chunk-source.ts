/**
 * Raw (decompressed) capture bytes for the decoders, read into buffers the caller owns, so reading
 * the next chunk can run while the previous one is parsed (in the same thread: double buffering;
 * with workers: straight into shared memory). Plain files are read at explicit positions;
 * gzip-compressed input (detected by its 1f 8b magic, not the name) and standard input come from
 * streams and are copied in.
 *
 * Errors keep the capture readers' codes and messages (see capture/read.ts): opening throws
 * CaptureError CAPTURE_OPEN; read and gzip failures come out of `read` as {@link SourceError}
 * because their CaptureError offset is the parser's position, which only the caller knows
 * ({@link SourceError.toCaptureError}).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CaptureError, GUNZIP_CHUNK_BYTES } from '../capture/index.js';

/** A failure while reading, to be turned into a CaptureError at the parser's offset. */
export class SourceError extends Error {
  constructor(readonly kind: 'read' | 'gzip_truncated' | 'gzip_corrupt', readonly detail: string, readonly source: string, cause: unknown) {
    super(detail, { cause });
  }

  /** The CaptureError that readCapture reports for this failure, `offset` bytes into the stream. */
  toCaptureError(offset: number): CaptureError {
    const opts = { cause: this.cause };
    if (this.kind === 'read') return new CaptureError('CAPTURE_OPEN', offset, `cannot read ${this.source}: ${this.detail}`, opts);
    if (this.kind === 'gzip_truncated') {
      return new CaptureError('CAPTURE_TRUNCATED', offset, `the gzip stream of ${this.source} ends early (${this.detail}) after ${offset} decompressed bytes`, opts);
    }
    return new CaptureError('CAPTURE_GZIP', offset, `corrupt gzip data in ${this.source}: ${this.detail}`, opts);
  }
}

/** A capture's bytes, decompressed. */
export interface ChunkSource {
  /** The input was gzip-compressed. */
  readonly gzip: boolean;
  /**
   * Fill `into` from the start with the next bytes; resolves to how many (0 at the end). A file
   * fills the whole buffer except at its end; a stream gives what it has. One call at a time.
   * Rejects with SourceError.
   */
  read(into: Uint8Array): Promise<number>;
  close(): Promise<void>;
}

/** Reports raw bytes read (compressed, for gzip) and the file size when known. */
export type RawProgress = (bytesRead: number, totalBytes: number | undefined) => void;

/**
 * Open a path or `-` (standard input). Throws CaptureError CAPTURE_OPEN when a file cannot be
 * opened.
 */
export async function openChunkSource(source: string, readSize: number, onProgress?: RawProgress): Promise<ChunkSource> {
  const name = source === '-' ? 'stdin' : source;
  let raw: RawReader;
  if (source === '-') {
    raw = new StreamReader(process.stdin[Symbol.asyncIterator]() as AsyncIterator<Buffer>, name);
  } else {
    let fh: FileHandle;
    let total: number | undefined;
    try {
      fh = await open(source, 'r');
      const st = await fh.stat();
      total = st.isFile() ? st.size : undefined;
    } catch (err) {
      throw new CaptureError('CAPTURE_OPEN', 0, `cannot open ${source}: ${(err as Error).message}`, { cause: err });
    }
    raw = new FileReader(fh, name, total);
  }
  let rawRead = 0;
  const progress = (n: number): void => {
    rawRead += n;
    onProgress?.(rawRead, raw.total);
  };
  // Two bytes tell gzip apart (a stream may hand out a single byte first).
  const head = new Uint8Array(Math.max(2, Math.min(readSize, 64 * 1024)));
  let headLen = 0;
  try {
    for (;;) {
      const n = await raw.read(head.subarray(headLen));
      headLen += n;
      if (n === 0 || headLen >= 2) break;
    }
  } catch (err) {
    await raw.close();
    throw err;
  }
  if (headLen > 0) progress(headLen);
  const first = head.subarray(0, headLen);
  if (headLen >= 2 && head[0] === 0x1f && head[1] === 0x8b) return gunzipSource(raw, first, name, readSize, progress);
  return new PlainSource(raw, first, progress);
}

/** Where raw bytes come from: a file at explicit positions, or a stream. */
interface RawReader {
  readonly total: number | undefined;
  read(into: Uint8Array): Promise<number>;
  close(): Promise<void>;
}

class FileReader implements RawReader {
  private pos = 0;
  constructor(private readonly fh: FileHandle, private readonly name: string, readonly total: number | undefined) {}

  async read(into: Uint8Array): Promise<number> {
    let n: number;
    try {
      // Position null (not this.pos) for files that are not regular (a named pipe, /dev/stdin).
      ({ bytesRead: n } = await this.fh.read(into, 0, into.length, this.total === undefined ? null : this.pos));
    } catch (err) {
      throw new SourceError('read', (err as Error).message, this.name, err);
    }
    this.pos += n;
    return n;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** Copies a stream's chunks into the caller's buffers. */
class StreamReader implements RawReader {
  readonly total = undefined;
  private cur: Uint8Array | null = null;
  private off = 0;
  constructor(private readonly it: AsyncIterator<Uint8Array>, private readonly name: string,
    private readonly mapError: (err: unknown) => SourceError = (err) => new SourceError('read', (err as Error).message, name, err)) {}

  async read(into: Uint8Array): Promise<number> {
    while (this.cur === null || this.off >= this.cur.length) {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await this.it.next();
      } catch (err) {
        throw err instanceof SourceError ? err : this.mapError(err);
      }
      if (r.done) return 0;
      this.cur = r.value;
      this.off = 0;
    }
    const n = Math.min(into.length, this.cur.length - this.off);
    into.set(this.cur.subarray(this.off, this.off + n));
    this.off += n;
    return n;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

/** Not compressed: the bytes already read, then the rest. */
class PlainSource implements ChunkSource {
  readonly gzip = false;
  private first: Uint8Array | null;
  constructor(private readonly raw: RawReader, first: Uint8Array, private readonly progress: (n: number) => void) {
    this.first = first.length > 0 ? first : null;
  }

  async read(into: Uint8Array): Promise<number> {
    let n = 0;
    if (this.first !== null) {
      n = Math.min(into.length, this.first.length);
      into.set(this.first.subarray(0, n));
      this.first = n < this.first.length ? this.first.subarray(n) : null;
      if (n === into.length) return n;
    }
    const m = await this.raw.read(into.subarray(n));
    if (m > 0) this.progress(m);
    return n + m;
  }

  close(): Promise<void> {
    return this.raw.close();
  }
}

/** gzip: the raw bytes go through node:zlib; its output is copied into the caller's buffers. */
function gunzipSource(raw: RawReader, first: Uint8Array, name: string, readSize: number, progress: (n: number) => void): ChunkSource {
  async function* compressed(): AsyncGenerator<Uint8Array> {
    yield first.slice();
    for (;;) {
      const buf = new Uint8Array(readSize);
      const n = await raw.read(buf);
      if (n === 0) return;
      progress(n);
      yield n === buf.length ? buf : buf.subarray(0, n);
    }
  }
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  // Errors of either side surface in the reads below (pipeline destroys the gunzip stream with them).
  pipeline(Readable.from(compressed(), { objectMode: false }), gunzip, () => {});
  const mapError = (err: unknown): SourceError => {
    if (err instanceof SourceError) return err;
    const e = err as NodeJS.ErrnoException;
    return new SourceError(e.code === 'Z_BUF_ERROR' ? 'gzip_truncated' : 'gzip_corrupt', e.message, name, err);
  };
  const out = new StreamReader(gunzip[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>, name, mapError);
  return {
    gzip: true,
    read: (into) => out.read(into),
    async close() {
      await out.close();
      await raw.close();
    },
  };
}
