/**
 * Reading one log file: open it (gzip recognised by its magic bytes, not its name), detect the
 * format from the first lines, split the text into lines from big chunks and hand each line to
 * the format's reader. A line a reader cannot use is counted with its number and reason and
 * reading goes on; only a file that no reader accepts is an error (LogFormatError).
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { RecordSink } from '../records/schema.js';
import { detectLogFormat } from './detect.js';
import { SuricataEveReader } from './suricata-eve.js';
import { type LineReader, LogFormatError, type LogReadResult, ReadContext, type ReadOptions, SinkFailure } from './types.js';
import { LineError } from './values.js';
import { ZeekJsonReader } from './zeek-json.js';
import { ZeekTsvReader } from './zeek-tsv.js';

/** Bytes read from disk per chunk. */
export const READ_CHUNK_BYTES = 1 << 20;
/** Decompressed bytes per gunzip chunk. */
const GUNZIP_CHUNK_BYTES = 256 * 1024;
/** Text gathered before detection decides (it also stops at DETECT_HEAD_LINES newlines). */
export const DETECT_HEAD_CHARS = 256 * 1024;
const DETECT_HEAD_LINES = 64;
/** Longest line read, in characters; a longer line is a bad line and skipped up to its newline. */
export const MAX_LINE_CHARS = 4 * 1024 * 1024;

/** Splits text chunks into lines (LF or CRLF), bounded by MAX_LINE_CHARS. */
export class LineSplitter {
  private rest = '';
  private skipping = false;
  /** Lines seen so far. */
  lineNo = 0;

  constructor(private readonly onLine: (text: string, lineNo: number) => void,
    private readonly onTooLong: (lineNo: number) => void, private readonly maxLine = MAX_LINE_CHARS) {}

  push(text: string): void {
    let s = this.rest.length > 0 ? this.rest + text : text;
    this.rest = '';
    let pos = 0;
    if (this.skipping) {
      const nl = s.indexOf('\n');
      if (nl < 0) return;
      this.skipping = false;
      pos = nl + 1;
    }
    for (;;) {
      const nl = s.indexOf('\n', pos);
      if (nl < 0) break;
      const end = nl > pos && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.onLine(s.slice(pos, end), ++this.lineNo);
      pos = nl + 1;
    }
    if (s.length - pos > this.maxLine) {
      this.onTooLong(++this.lineNo);
      this.skipping = true;
      s = '';
      pos = 0;
    }
    this.rest = pos === 0 ? s : s.slice(pos);
  }

  /** The input ended: a last line without newline is still a line. */
  end(): void {
    if (this.rest.length > 0 && !this.skipping) {
      const r = this.rest.endsWith('\r') ? this.rest.slice(0, -1) : this.rest;
      this.onLine(r, ++this.lineNo);
    }
    this.rest = '';
  }
}

/** Compressions recognised by magic bytes that we do not decompress. */
function unsupportedMagic(b: Uint8Array): string | undefined {
  if (b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) return 'bzip2-compressed: decompress it first';
  if (b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58) return 'xz-compressed: decompress it first';
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'zstd-compressed: decompress it first';
  const m = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  if (m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1 || m === 0x0a0d0d0a) {
    return 'a packet capture, not a log: use `c2hunt analyze`';
  }
  return undefined;
}

/**
 * Read a log file (plain or gzip) into a sink. Resolves with what was read; rejects with
 * LogFormatError ("Cannot read FILE: reader: reason; ...") when no reader accepts the file, and
 * with the sink's own error when the sink throws. File system errors reject as they are.
 */
export async function readLogFile(path: string, sink: RecordSink, opts: ReadOptions = {}): Promise<LogReadResult> {
  const size = (await stat(path)).size;
  const magic = new Uint8Array(4);
  const fh = await open(path, 'r');
  try {
    await fh.read(magic, 0, 4, 0);
  } finally {
    await fh.close();
  }
  const fileName = basename(path);
  const unsupported = size >= 4 ? unsupportedMagic(magic) : undefined;
  if (unsupported !== undefined) {
    throw new LogFormatError(path, ['zeek-tsv', 'zeek-json', 'suricata-eve'].map((reader) => ({ reader, reason: unsupported })));
  }
  const gzip = size >= 2 && magic[0] === 0x1f && magic[1] === 0x8b;

  const src = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  let bytesRead = 0;
  let input: AsyncIterable<Buffer> = src;
  if (gzip) {
    const gz = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
    src.on('data', (c: string | Buffer) => {
      bytesRead += c.length;
      opts.onProgress?.(bytesRead, size);
    });
    src.on('error', (e) => gz.destroy(e));
    src.pipe(gz);
    input = gz;
  }

  const decoder = new StringDecoder('utf8');
  let ctx: ReadContext | undefined;
  let reader: LineReader | undefined;
  let splitter: LineSplitter | undefined;
  let head = '';
  let headLines = 0;
  let textBytes = 0;
  let inputError: string | undefined;

  /** Detect the format from the head and set up the reader; returns the head without a BOM. */
  const start = (text: string): string => {
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const det = detectLogFormat(text, fileName);
    if ('declined' in det) throw new LogFormatError(path, det.declined);
    const c = new ReadContext(path, fileName, det.format, sink, opts.certs);
    if (det.path !== undefined) c.result.logPath = det.path;
    ctx = c;
    const r: LineReader = det.format === 'zeek-tsv' ? new ZeekTsvReader(c)
      : det.format === 'zeek-json' ? new ZeekJsonReader(c, det.path) : new SuricataEveReader(c);
    reader = r;
    splitter = new LineSplitter((line, no) => {
      try {
        r.line(line, no);
      } catch (e) {
        if (e instanceof SinkFailure) throw e;
        c.bad(no, e instanceof LineError ? e.message : `reader failed: ${(e as Error)?.message ?? String(e)}`);
      }
    }, (no) => c.bad(no, `line longer than ${MAX_LINE_CHARS} characters`));
    return text;
  };

  const feed = (text: string): void => {
    if (text.length === 0) return;
    if (splitter !== undefined) {
      splitter.push(text);
      return;
    }
    head += text;
    for (let i = head.length - text.length; headLines < DETECT_HEAD_LINES; i++) {
      i = head.indexOf('\n', i);
      if (i < 0) break;
      headLines++;
    }
    if (head.length >= DETECT_HEAD_CHARS || headLines >= DETECT_HEAD_LINES) {
      const h = start(head);
      head = '';
      splitter!.push(h);
    }
  };

  try {
    for await (const chunk of input) {
      textBytes += chunk.length;
      if (!gzip) {
        bytesRead += chunk.length;
        opts.onProgress?.(bytesRead, size);
      }
      feed(decoder.write(chunk));
      const wait = opts.pace?.();
      if (wait !== undefined) await wait;
    }
  } catch (e) {
    if (e instanceof SinkFailure) throw e.original;
    // A truncated or corrupt gzip stream (a log still being written, a damaged file): keep what
    // was read and report it; file system errors are not the log's fault and are rethrown.
    if (e instanceof LogFormatError || !gzip || (e as NodeJS.ErrnoException).code?.startsWith('Z_') !== true) throw e;
    inputError = (e as Error).message;
  } finally {
    src.destroy();
  }
  try {
    feed(decoder.end());
    if (splitter === undefined) head = start(head);
    splitter!.push(head);
    head = '';
    splitter!.end();
    reader!.end();
  } catch (e) {
    if (e instanceof SinkFailure) throw e.original;
    throw e;
  }
  const c = ctx!;
  if (inputError !== undefined) c.bad(splitter!.lineNo + 1, `input ends early (${inputError})`);
  c.result.lines = splitter!.lineNo;
  c.result.bytes = bytesRead;
  c.result.textBytes = textBytes;
  return c.result;
}
