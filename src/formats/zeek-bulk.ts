/**
 * Bulk loading of Zeek TSV logs by a store's own engine (DuckDB's CSV reader): what a loader
 * needs to read a log itself with exactly this reader's semantics, and this reader's verdict on
 * single lines the engine set aside.
 *
 * - {@link planZeekTsvBulk} reads the head of a file (gzip or not) with the same header code as
 *   the line reader ({@link ZeekTsvHeader}) and describes the data lines: separator, placeholders,
 *   the lines to skip before the first data line, and each mapped field's column and conversion.
 *   A file it cannot describe exactly (a header longer than {@link BULK_HEAD_BYTES}, a separator
 *   longer than one ASCII character, CR line ends, data before `#fields` ...) is `ineligible`
 *   and goes through the line reader.
 * - {@link BulkTextCheck} / {@link prepareZeekTsvBulkInput} check the text for the few things an
 *   engine parsing numbers like DuckDB reads differently (CR, `1_000`, `+-5`), during hashing or
 *   in a pass of their own, and give the engine plain text (gzip inflated by Node to a temporary
 *   file, so that a damaged stream is noticed as the line reader notices it).
 * - {@link judgeZeekTsvLine} runs the line reader on one line: a header line (and whether it
 *   changes how later lines read), a bad line with the reader's own reason, or a record.
 *
 * The loader converts the fields itself; the conversions are documented in zeek-fields.ts
 * (tsvValue, finishDraft, CONN_DEFAULTS) and the loader's tests compare its rows with this
 * reader's, value for value.
 */
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createGunzip, gunzipSync, constants as zc } from 'node:zlib';
import { type RecordKind, type RecordMap, type RecordSink } from '../records/schema.js';
import { detectLogFormat } from './detect.js';
import { ReadContext } from './types.js';
import { canonicalAddr, LineError, textCommunityId, transportName, zeekProtoNumber, zeekUnescape } from './values.js';
import { Conv, type Draft, finishDraft, type PathTarget, type TsvRow, type TsvSeparators } from './zeek-fields.js';
import { type HeaderEffect, rowFor, ZeekTsvHeader } from './zeek-tsv.js';

/** Bytes read from the start of a file (compressed bytes for gzip) to find the header. */
export const BULK_HEAD_BYTES = 256 * 1024;

/** One mapped field of a bulk plan. */
export interface BulkField {
  /** Zero-based column of the field in a data line. */
  index: number;
  /** The Zeek field name (`id.orig_h`). */
  name: string;
  conv: Conv;
}

/** How a Zeek TSV file's data lines read: everything a bulk loader needs. */
export interface ZeekTsvBulkPlan {
  file: string;
  /** gzip-compressed (by magic bytes). */
  gzip: boolean;
  /** The Zeek log path (`conn` ...), the record kind its lines become, and whether they are interim records. */
  logPath: string;
  kind: RecordKind | 'x509';
  interim: boolean;
  /** Separator (one ASCII character), set separator and placeholders, as the header set them. */
  h: Readonly<TsvSeparators>;
  /** The `#fields` names, in line order. */
  names: readonly string[];
  /** Lines before the first data line (headers, blank lines); line numbers count them. */
  skipLines: number;
  /**
   * Mapped fields by record property (`orig_h` ...). When a name appears twice, the last one
   * counts, as in the line reader.
   */
  fields: ReadonlyMap<string, BulkField>;
  /** The line reader's row builder for this header. */
  row: TsvRow;
  target: PathTarget;
}

/** A file a bulk loader should not read itself, and why. */
export interface BulkIneligible {
  ineligible: string;
}

/** Read the head of a file: decompressed text and whether it is the whole file. */
async function readHead(path: string): Promise<{ text: string; complete: boolean; gzip: boolean }> {
  const fh = await open(path, 'r');
  let buf: Uint8Array;
  let eof: boolean;
  try {
    const b = Buffer.alloc(BULK_HEAD_BYTES);
    const { bytesRead } = await fh.read(b, 0, BULK_HEAD_BYTES, 0);
    buf = b.subarray(0, bytesRead);
    eof = bytesRead < BULK_HEAD_BYTES || (await fh.stat()).size === bytesRead;
  } finally {
    await fh.close();
  }
  const gzip = buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  if (gzip) {
    // A prefix of a gzip stream inflates to a prefix of the text; the whole stream may not be here.
    buf = gunzipSync(buf, { finishFlush: zc.Z_SYNC_FLUSH });
    eof = false;
  }
  return { text: new TextDecoder().decode(buf), complete: eof, gzip };
}

/**
 * Describe how a Zeek TSV file's data lines read, from its header, or say why a bulk loader
 * should leave it to the line reader. Rejects only on file system errors.
 */
export async function planZeekTsvBulk(path: string): Promise<ZeekTsvBulkPlan | BulkIneligible> {
  let head: { text: string; complete: boolean; gzip: boolean };
  try {
    head = await readHead(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code?.startsWith('Z_') === true) return { ineligible: 'gzip head does not inflate' };
    throw e;
  }
  const fileName = basename(path);
  let text = head.text;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const det = detectLogFormat(text, fileName);
  if ('declined' in det || det.format !== 'zeek-tsv') return { ineligible: 'not a Zeek TSV log' };
  const header = new ZeekTsvHeader(fileName);
  let pos = 0;
  let lineNo = 0;
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) {
      // The rest is a cut line, or (whole file) a last line without newline.
      if (!head.complete) return { ineligible: `no data line in the first ${BULK_HEAD_BYTES} bytes` };
      if (pos < text.length) return { ineligible: 'last line has no newline' };
      break;
    }
    const line = text.slice(pos, nl);
    if (line.indexOf('\r') >= 0) return { ineligible: 'CR in the header (CRLF line ends)' };
    if (line.length > 0 && line.charCodeAt(0) !== 35) break; // the first data line
    lineNo++;
    pos = nl + 1;
    if (line.length === 0) continue;
    try {
      header.apply(line);
    } catch (e) {
      if (e instanceof LineError) return { ineligible: `bad header line ${lineNo}: ${e.message}` };
      throw e;
    }
  }
  const { names, target, h } = header;
  if (names === undefined) return { ineligible: 'no #fields before the first data line' };
  if (target === undefined) return { ineligible: `log "${header.ignoredPath}" is not read` };
  if (h.sep.length !== 1 || h.sep.charCodeAt(0) >= 0x80 || h.sep === '\n' || h.sep === '\r') {
    return { ineligible: 'separator is not one ASCII character' };
  }
  const fields = new Map<string, BulkField>();
  names.forEach((name, index) => {
    const spec = target.fields.get(name);
    if (spec !== undefined) fields.set(spec.key, { index, name, conv: spec.conv });
  });
  return {
    file: path, gzip: head.gzip, logPath: target.path, kind: target.kind, interim: target.interim,
    h: { ...h }, names, skipLines: lineNo, fields, row: rowFor(target, header.fieldsLine, names), target,
  };
}

/** What the line reader makes of one line (see {@link judgeZeekTsvLine}). */
export type LineVerdict =
  | { kind: 'blank' }
  | { kind: 'header'; effect: HeaderEffect }
  | { kind: 'bad'; reason: string }
  | { kind: 'record'; record: RecordMap[RecordKind] };

/** Keeps the one record a line becomes. */
class OneRecord implements RecordSink {
  record: RecordMap[RecordKind] | undefined;
  write<K extends RecordKind>(_kind: K, rec: RecordMap[K]): void {
    this.record = rec;
  }
}

/**
 * The line reader's verdict on one line of a planned file (without its newline), as it would
 * be read after the plan's header: a blank line, a header line and its effect, a bad line with
 * the reason the reader gives, or the record it becomes.
 */
export function judgeZeekTsvLine(plan: ZeekTsvBulkPlan, text: string): LineVerdict {
  if (text.length === 0) return { kind: 'blank' };
  if (text.charCodeAt(0) === 35) {
    const hd = new ZeekTsvHeader(basename(plan.file));
    hd.h = { ...plan.h };
    try {
      return { kind: 'header', effect: hd.apply(text) };
    } catch (e) {
      if (e instanceof LineError) return { kind: 'bad', reason: e.message };
      throw e;
    }
  }
  const sink = new OneRecord();
  const ctx = new ReadContext(plan.file, basename(plan.file), 'zeek-tsv', sink, undefined);
  try {
    const draft: Draft = plan.row(text, plan.h);
    finishDraft(plan.target, draft, ctx);
  } catch (e) {
    if (e instanceof LineError) return { kind: 'bad', reason: e.message };
    return { kind: 'bad', reason: `reader failed: ${(e as Error)?.message ?? String(e)}` };
  }
  return sink.record !== undefined ? { kind: 'record', record: sink.record } : { kind: 'blank' };
}

/**
 * A dotted quad in canonical form (each part 0-255 without leading zeros): the texts the reader
 * keeps as they are. Whole-string match; the syntax is common to RE2 (DuckDB) and JavaScript.
 * Any other address text goes through {@link BULK_CONVERSIONS}.addr.
 */
export const CANONICAL_IPV4_PATTERN = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])){3}';

/** The reader's value conversions, for a bulk loader to call on values it does not convert itself. */
export const BULK_CONVERSIONS = Object.freeze({
  /** Canonical address text (IPv4 or RFC 5952 IPv6), or undefined when the text is not an address. */
  addr: (s: string): string | undefined => canonicalAddr(s),
  /** A string field with Zeek's `\xNN` escapes undone. */
  unescape: (s: string): string => zeekUnescape(s),
  /**
   * The Community ID the reader gives a conn record whose log has none: from the canonical
   * addresses, the transport as read (`proto` field, before defaults) and the ports as read.
   */
  communityId: (orig: string, resp: string, proto: string, sport: number, dport: number): string =>
    textCommunityId(orig, resp, zeekProtoNumber(transportName(proto)), sport, dport),
});

/** Bytes read per chunk by {@link prepareZeekTsvBulkInput}. */
export const BULK_SCAN_CHUNK_BYTES = 4 * 1024 * 1024;
/** Longest line the bulk path reads, bytes (a file with a longer line is left to the line reader and its own limit). */
export const BULK_MAX_LINE_BYTES = 2 * 1024 * 1024;

/** The text a loader's engine reads: the file itself, or its decompressed copy (removed by `cleanup`). */
export interface BulkInput {
  /** A plain-text file with the log's lines (the planned file when it is not compressed). */
  path: string;
  /** Remove the decompressed copy, if one was made. */
  cleanup(): Promise<void>;
}

/**
 * Checks, chunk by chunk, that a planned file's text reads the same in an engine that parses
 * numbers like DuckDB does as in the line reader: no CR (the line reader strips it at line ends,
 * DuckDB's reader does not accept it), no line longer than {@link BULK_MAX_LINE_BYTES}, and in
 * the numeric fields of data lines none of the two spellings DuckDB reads as a number and
 * JavaScript's `Number` does not: an underscore (`1_000`) and a plus before a minus (`+-5`)
 * (found by comparing both parsers on a million random strings; everything else DuckDB reads,
 * JavaScript reads to the same double). Feed it the text in order (`chunk`); `end()` says why the
 * text is ineligible, or undefined. Cheap: memchr-speed searches, fields counted only around a
 * `_` or `+`.
 */
export class BulkTextCheck {
  private readonly numeric: Uint8Array;
  private readonly sep: number;
  private carry: Buffer = Buffer.alloc(0);
  private why: string | undefined;

  constructor(plan: ZeekTsvBulkPlan) {
    this.numeric = new Uint8Array(plan.names.length + 1);
    for (const f of plan.fields.values()) if (f.conv === Conv.Num || f.conv === Conv.Time) this.numeric[f.index] = 1;
    this.sep = plan.h.sep.charCodeAt(0);
  }

  /** Why the text so far is ineligible (undefined: fine so far). */
  get failed(): string | undefined {
    return this.why;
  }

  /** Why a data line (bytes [start, end) of buf) reads differently in DuckDB, or undefined. */
  private lineProblem(buf: Uint8Array, start: number, end: number): string | undefined {
    if (buf[start] === 35 /* # */) return undefined;
    const numeric = this.numeric, sep = this.sep;
    let field = 0;
    for (let i = start; i < end; i++) {
      const b = buf[i]!;
      if (b === sep) field++;
      else if (numeric[field] === 1) {
        if (b === 95 /* _ */) return 'underscore in a number';
        if (b === 43 /* + */ && buf[i + 1] === 45 /* - */ && i + 1 < end) return 'plus-minus in a number';
      }
    }
    return undefined;
  }

  /** Check the complete lines of buf[from, to) that hold a `byte`. */
  private around(buf: Buffer, byte: number, from: number, to: number): void {
    for (let u = buf.indexOf(byte, from); u >= 0 && u < to && this.why === undefined; u = buf.indexOf(byte, u + 1)) {
      const start = buf.lastIndexOf(10, u) + 1;
      const end = buf.indexOf(10, u);
      this.why = this.lineProblem(buf, start, end);
      u = end;
    }
  }

  /** The next chunk of text. */
  chunk(chunk: Buffer): void {
    if (this.why !== undefined) return;
    if (chunk.indexOf(13) >= 0) { this.why = 'CR in the text'; return; }
    const first = chunk.indexOf(10);
    if (first < 0) {
      this.carry = Buffer.concat([this.carry, chunk]);
      if (this.carry.length > BULK_MAX_LINE_BYTES) this.why = 'a line is too long';
      return;
    }
    const head = this.carry.length > 0 ? Buffer.concat([this.carry, chunk.subarray(0, first)]) : chunk.subarray(0, first);
    if (head.indexOf(95) >= 0 || head.indexOf(43) >= 0) this.why = this.lineProblem(head, 0, head.length);
    const last = chunk.lastIndexOf(10);
    if (this.why === undefined) this.around(chunk, 95, first, last);
    if (this.why === undefined) this.around(chunk, 43, first, last);
    this.carry = Buffer.from(chunk.subarray(last + 1));
    if (this.why === undefined && this.carry.length > BULK_MAX_LINE_BYTES) this.why = 'a line is too long';
  }

  /** The text ended: why it is ineligible, or undefined. */
  end(): string | undefined {
    if (this.why === undefined && this.carry.length > 0) this.why = this.lineProblem(this.carry, 0, this.carry.length);
    this.carry = Buffer.alloc(0);
    return this.why;
  }
}

/**
 * Prepare a planned file for an engine that parses numbers like DuckDB does: check its text with
 * {@link BulkTextCheck} (unless `checked`: a plain file already checked as it was hashed), and
 * for gzip files write the decompressed text to a temporary file in `tmpDir` (Node's gunzip, as
 * the line reader: a truncated or corrupt stream is noticed here; concatenated members read as
 * one). Ineligible when the check fails or the gzip stream is damaged. `chunkBytes`: bytes per
 * read (tests use small ones so that lines cross chunk boundaries).
 */
export async function prepareZeekTsvBulkInput(plan: ZeekTsvBulkPlan, tmpDir: string,
  opts: { checked?: boolean; chunkBytes?: number } = {}): Promise<BulkInput | BulkIneligible> {
  const chunkBytes = opts.chunkBytes ?? BULK_SCAN_CHUNK_BYTES;
  const check = new BulkTextCheck(plan);
  if (!plan.gzip) {
    if (opts.checked !== true) {
      const src = createReadStream(plan.file, { highWaterMark: chunkBytes });
      try {
        for await (const chunk of src) {
          check.chunk(chunk as Buffer);
          if (check.failed !== undefined) break;
        }
      } finally {
        src.destroy();
      }
      const why = check.end();
      if (why !== undefined) return { ineligible: why };
    }
    return { path: plan.file, cleanup: async () => undefined };
  }

  const tmp = join(tmpDir, `.c2hunt-bulk-${process.pid}-${randomBytes(6).toString('hex')}.log`);
  const cleanup = async (): Promise<void> => { await rm(tmp, { force: true }); };
  const src = createReadStream(plan.file, { highWaterMark: chunkBytes });
  const gz = createGunzip({ chunkSize: Math.max(chunkBytes, 64) });
  src.on('error', (e) => gz.destroy(e));
  src.pipe(gz);
  const out = await open(tmp, 'w');
  let why: string | undefined;
  try {
    for await (const chunk of gz) {
      check.chunk(chunk as Buffer);
      if (check.failed !== undefined) break;
      await out.write(chunk as Buffer);
    }
    why = check.end();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code?.startsWith('Z_') !== true) { await out.close(); await cleanup(); throw e; }
    why = `gzip stream damaged (${(e as Error).message})`;
  } finally {
    src.destroy();
    gz.destroy();
  }
  await out.close();
  if (why !== undefined) {
    await cleanup();
    return { ineligible: why };
  }
  return { path: tmp, cleanup };
}
