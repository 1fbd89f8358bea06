/**
 * Ingest files into a store: captures (pcap, pcapng, gzip or not) through the packet sensor,
 * logs (Zeek TSV/JSON, Suricata EVE) through the format readers. The format is recognised from
 * content, not names.
 *
 * - Identity: a file is its content's SHA-256. A file whose hash is stored is skipped (rotated
 *   Zeek logs reuse names; a renamed copy is still the same file).
 * - Atomicity: each file is one store ingest (one transaction): all its records appear at once or
 *   none do, so a crash or kill leaves no partial file and running again completes the work.
 * - Each capture is decoded by its own sensor, so a file always gives the same records whatever
 *   else is ingested with it (a connection spanning two rotated captures becomes two).
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { gunzipSync, constants as zc } from 'node:zlib';
import { decodeCapture } from '../sensor/decode-file.js';
import {
  BulkTextCheck, CertIndex, LogFormatError, listLogFiles, planZeekTsvBulk, readLogFile, type BadLine, type BulkIneligible, type BulkInput,
  type ZeekTsvBulkPlan,
} from '../formats/index.js';
import { zeekTsvLoaderOf, zeekTsvPreparerOf } from './bulk.js';
import { RECORD_KINDS, type RecordSink } from '../records/schema.js';
import { emptyCounts, type IngestBatch, type IngestEntry, type RecordCounts, type RetentionResult, type Store } from './store.js';

/** Bytes read per chunk when hashing. */
export const HASH_CHUNK_BYTES = 4 * 1024 * 1024;
/** Bytes looked at to recognise a capture (after gunzip for gzip files). */
export const SNIFF_BYTES = 64 * 1024;
/** Bad lines listed per file in the summary (all are counted). */
export const BAD_LINES_LISTED = 20;

/** Capture magic numbers (first 4 bytes, big-endian read). */
const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1]);
const PCAPNG_MAGIC = 0x0a0d0d0a;

/** What one file became. */
export type IngestStatus = 'ingested' | 'already_ingested' | 'ignored' | 'failed';

/** The outcome of one file. */
export interface IngestFileResult {
  path: string;
  status: IngestStatus;
  /** Why it was not ingested (already ingested as ..., not a log file name, the readers' reasons ...). */
  reason?: string;
  /** Content hash, format and size (when the file was opened). */
  sha256?: string;
  format?: string;
  bytes?: number;
  /** Store ingest id (ingested) or the id of the earlier ingest (already_ingested). */
  ingest_id?: number;
  records: RecordCounts;
  /** Lines that could not be read (logs), and the first of them with their line numbers. */
  bad_lines: number;
  bad_line_samples: BadLine[];
  /** Set when a capture was damaged (the records before the damage were kept), or when the tap failed after the commit. */
  warning?: string;
  seconds: number;
}

/** The outcome of an ingest run. */
export interface IngestSummary {
  files: IngestFileResult[];
  ingested: number;
  already_ingested: number;
  ignored: number;
  failed: number;
  records: RecordCounts;
  bad_lines: number;
  seconds: number;
  /** Records stored per second over the run. */
  records_per_sec: number;
  retention?: RetentionResult;
}

/** Progress of an ingest run, reported as files are hashed and read. */
export interface IngestProgress {
  /** File being worked on (index into the files found) and how many there are. */
  file: string;
  index: number;
  files: number;
  phase: 'hash' | 'read';
  /** Bytes hashed and read over the whole run (each file counts twice: hash, then read) and the total. */
  bytesDone: number;
  bytesTotal: number;
  /** Records stored so far in the run (the open file included). */
  records: number;
}

/**
 * Sees the records of every file as they are ingested, and each file's outcome (the ingest-time
 * intelligence matcher). Files skipped as already ingested are not shown to it.
 */
export interface IngestTap {
  /** The sink the file's reader writes to; it must pass every record on to `batch`. */
  begin(batch: IngestBatch, path: string): RecordSink;
  /** After the file's commit (its records are visible in the store). A rejection becomes the file's warning. */
  committed(entry: IngestEntry): Promise<void>;
  /** The file failed: its records were discarded. */
  aborted(): void;
}

/** Options of {@link ingestPaths}. */
export interface IngestOptions {
  onProgress?: (p: IngestProgress) => void;
  /** Given every record of every file ingested (see IngestTap). */
  tap?: IngestTap;
  /** After ingesting, delete raw records older than the newest minus this many seconds. */
  retainSeconds?: number;
}

/** SHA-256 of a file's content (hex), reporting bytes hashed; `onChunk` sees every chunk read, in order. */
export async function hashFile(path: string, onBytes?: (n: number) => void, onChunk?: (chunk: Buffer) => void): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: HASH_CHUNK_BYTES })) {
    h.update(chunk as Buffer);
    onChunk?.(chunk as Buffer);
    onBytes?.((chunk as Buffer).length);
  }
  return h.digest('hex');
}

/** A file hashed, and for a Zeek TSV log its bulk plan (formats/zeek-bulk.ts), the text checked as it was hashed. */
interface Hashed {
  sha256: string;
  /** The plan, or why a store's engine should not read the file itself (undefined for captures). */
  bulk?: ZeekTsvBulkPlan | BulkIneligible;
  /** A gzip log's text inflated ahead by the store (bulk.ts ZeekTsvBulkPreparer); removed once the file is done. */
  input?: BulkInput;
}

/**
 * Hash a file; for a log, also plan its bulk load and, when it is not compressed, check its text
 * for the bulk load in the same pass (BulkTextCheck), so that the loader need not read it again.
 */
async function hashAndPlan(path: string, capture: boolean, onBytes: (n: number) => void): Promise<Hashed> {
  if (capture) return { sha256: await hashFile(path, onBytes) };
  const plan = await planZeekTsvBulk(path).catch((e: unknown): BulkIneligible => ({ ineligible: messageOf(e) }));
  const check = 'ineligible' in plan || plan.gzip ? undefined : new BulkTextCheck(plan);
  const sha256 = await hashFile(path, onBytes, check !== undefined ? (c) => check.chunk(c) : undefined);
  const failed = check?.end();
  return { sha256, bulk: failed !== undefined ? { ineligible: failed } : plan };
}

/** `pcap` or `pcapng` when the content is a capture (gzip-compressed or not), else undefined. */
export async function sniffCapture(path: string): Promise<'pcap' | 'pcapng' | undefined> {
  const fh = await open(path, 'r');
  let head: Uint8Array;
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    try {
      head = gunzipSync(head, { finishFlush: zc.Z_SYNC_FLUSH });
    } catch {
      return undefined;
    }
  }
  if (head.length < 4) return undefined;
  const m = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
  if (PCAP_MAGICS.has(m)) return 'pcap';
  if (m === PCAPNG_MAGIC) return 'pcapng';
  return undefined;
}

interface Planned { path: string; capture?: 'pcap' | 'pcapng' }

/**
 * The files to ingest, in order: the log readers' listing (directories walked, logs in time
 * order), plus captures recognised by content among the files it would not read.
 */
async function plan(paths: readonly string[]): Promise<{ files: Planned[]; ignored: { path: string; reason: string }[]; missing: { path: string; reason: string }[] }> {
  const files: Planned[] = [];
  const ignored: { path: string; reason: string }[] = [];
  const missing: { path: string; reason: string }[] = [];
  const given = new Set(paths);
  const listing = listLogFiles([...paths]);
  const captures: Planned[] = [];
  for (const s of listing.skipped) {
    let isFile = false;
    try { isFile = statSync(s.path).isFile(); } catch { /* missing: reported below */ }
    const kind = isFile ? await sniffCapture(s.path).catch(() => undefined) : undefined;
    if (kind !== undefined) captures.push({ path: s.path, capture: kind });
    else if (given.has(s.path)) missing.push(s);
    else ignored.push(s);
  }
  captures.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  files.push(...captures);
  for (const f of listing.files) {
    const kind = await sniffCapture(f).catch(() => undefined);
    files.push(kind !== undefined ? { path: f, capture: kind } : { path: f });
  }
  return { files, ignored, missing };
}

function result(path: string, status: IngestStatus, start: number, extra: Partial<IngestFileResult> = {}): IngestFileResult {
  return { path, status, records: emptyCounts(), bad_lines: 0, bad_line_samples: [], seconds: (performance.now() - start) / 1000, ...extra };
}

/** A message from anything thrown. */
function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Ingest files and directories into the store, file by file. A file that cannot be read or
 * stored is reported as failed (with the reason) and the others go on; nothing of a failed file
 * stays in the store. Rejects only when retention fails.
 */
export async function ingestPaths(store: Store, paths: readonly string[], opts: IngestOptions = {}): Promise<IngestSummary> {
  const t0 = performance.now();
  const { files, ignored, missing } = await plan(paths);
  const sizes = files.map((f) => { try { return statSync(f.path).size; } catch { return 0; } });
  const bytesTotal = 2 * sizes.reduce((a, b) => a + b, 0);
  /** Bytes hashed over the run (files ahead included) and bytes read of the files done. */
  let hashedBytes = 0;
  let readBefore = 0;
  let recordsBefore = 0;
  const out: IngestFileResult[] = [
    ...missing.map((s) => result(s.path, 'failed', t0, { reason: s.reason, seconds: 0 })),
    ...ignored.map((s) => result(s.path, 'ignored', t0, { reason: s.reason, seconds: 0 })),
  ];
  const certs = new CertIndex();
  // Each file is hashed while the one before it is stored (the hash decides whether it is read).
  const hashes: Promise<Hashed>[] = [];
  /** Reports hashing progress while the loop waits for a hash. */
  let waiting: (() => void) | undefined;
  const preparer = zeekTsvPreparerOf(store);
  /**
   * Hash file i (and plan its bulk load) while the file before it is stored. With `prepare`
   * (the store loads logs in bulk and nothing taps the records), a gzip log the store would
   * load is then also inflated ahead, unless its content is stored already.
   */
  const hashAhead = (i: number, prepare = false): void => {
    if (i >= files.length || hashes[i] !== undefined) return;
    let h = hashAndPlan(files[i]!.path, files[i]!.capture !== undefined, (n) => { hashedBytes += n; waiting?.(); });
    if (prepare && preparer !== undefined) {
      h = h.then(async (x) => {
        if (x.bulk === undefined || 'ineligible' in x.bulk || !x.bulk.gzip || (await store.ingestOf(x.sha256)) !== undefined) return x;
        const input = await preparer.prepareZeekTsv(x.bulk);
        return 'ineligible' in input ? { ...x, bulk: input } : { ...x, input };
      });
    }
    h.catch(() => undefined); // awaited (and reported) when its turn comes
    hashes[i] = h;
  };
  /** Remove what was inflated ahead for files from i on (their turn will not come). */
  const dropPrepared = async (from: number): Promise<void> => {
    for (let j = from; j < hashes.length; j++) {
      const x = await hashes[j]?.catch(() => undefined);
      await x?.input?.cleanup();
    }
  };

  try {
    for (let i = 0; i < files.length; i++) {
      const { path, capture } = files[i]!;
      const size = sizes[i]!;
      const start = performance.now();
      let open: IngestBatch | undefined;
      let prepared: BulkInput | undefined;
      const report = (phase: 'hash' | 'read', bytes: number): void => {
        opts.onProgress?.({
          file: path, index: i, files: files.length, phase, bytesDone: hashedBytes + readBefore + bytes, bytesTotal,
          records: recordsBefore + (open ? RECORD_KINDS.reduce((n, k) => n + open!.counts[k], 0) : 0),
        });
      };
      try {
        hashAhead(i);
        waiting = () => report('hash', 0);
        const { sha256, bulk, input } = await hashes[i]!.finally(() => { waiting = undefined; });
        prepared = input;
        const prev = await store.ingestOf(sha256);
        if (prev !== undefined) {
          out.push(result(path, 'already_ingested', start, {
            sha256, bytes: size, format: prev.format, ingest_id: prev.id,
            reason: `same content as ${prev.path}, ingested ${new Date(prev.finished * 1000).toISOString()} (ingest ${prev.id})`,
          }));
          readBefore += size;
          continue;
        }
        const source = { sha256, path, bytes: size, format: capture ?? 'log' };
        let batch = (open = await store.beginIngest(source));
        hashAhead(i + 1, opts.tap === undefined && zeekTsvLoaderOf(batch) !== undefined);
        let sink: RecordSink = opts.tap !== undefined ? opts.tap.begin(batch, path) : batch;
        let entry: IngestEntry | undefined;
        try {
          if (capture !== undefined) {
            const s = await decodeCapture(path, sink, { onProgress: (done) => report('read', Math.min(done, size)), pace: () => batch.pace?.() });
            entry = await batch.commit({ format: s.format });
            const r = result(path, 'ingested', start, { sha256, bytes: size, format: entry.format, ingest_id: entry.id, records: entry.records });
            if (s.error) r.warning = `capture damaged at byte ${s.error.offset}: ${s.error.message} (code ${s.error.code}); records before it were kept`;
            out.push(r);
          } else {
            // A log the store's engine reads itself (bulk.ts), when nothing needs to see its records.
            const loader = sink === batch ? zeekTsvLoaderOf(batch) : undefined;
            if (loader !== undefined && bulk !== undefined && !('ineligible' in bulk) && loader.declinesZeekTsv(bulk) === undefined) {
              const r = await loader.loadZeekTsv(bulk, {
                onProgress: (done) => report('read', done), textChecked: !bulk.gzip, ...(input !== undefined ? { prepared: input } : {}),
              });
              if (r.loaded) {
                const format = `zeek-tsv:${bulk.logPath}`;
                entry = await batch.commit({ format, bad_lines: r.badLineCount });
                out.push(result(path, 'ingested', start, {
                  sha256, bytes: size, format, ingest_id: entry.id, records: entry.records,
                  bad_lines: r.badLineCount, bad_line_samples: r.badLines.slice(0, BAD_LINES_LISTED),
                }));
              } else {
                // The reader reads it after all, into a fresh batch.
                await batch.abort();
                opts.tap?.aborted();
                batch = open = await store.beginIngest(source);
                sink = opts.tap !== undefined ? opts.tap.begin(batch, path) : batch;
              }
            }
            if (entry === undefined) {
              const lr = await readLogFile(path, sink, { certs, onProgress: (done) => report('read', done), pace: () => batch.pace?.() });
              const format = lr.logPath !== undefined ? `${lr.format}:${lr.logPath}` : lr.format;
              const dedupe = lr.logPath !== undefined && /^(open_)?(ssl|http)$/.test(lr.logPath) ? (['tls', 'http'] as const) : undefined;
              entry = await batch.commit({ format, bad_lines: lr.badLineCount, ...(dedupe ? { dedupe } : {}) });
              out.push(result(path, 'ingested', start, {
                sha256, bytes: size, format, ingest_id: entry.id, records: entry.records,
                bad_lines: lr.badLineCount, bad_line_samples: lr.badLines.slice(0, BAD_LINES_LISTED),
              }));
            }
          }
          recordsBefore += RECORD_KINDS.reduce((n, k) => n + batch.counts[k], 0);
        } catch (e) {
          await batch.abort().catch(() => undefined);
          opts.tap?.aborted();
          throw e;
        } finally {
          open = undefined;
        }
        if (opts.tap !== undefined && entry !== undefined) {
          const r = out[out.length - 1]!;
          await opts.tap.committed(entry).catch((e: unknown) => {
            r.warning = `${r.warning !== undefined ? `${r.warning}; ` : ''}after the commit: ${messageOf(e)}`;
          });
        }
        readBefore += size;
      } catch (e) {
        readBefore = Math.max(readBefore, sizes.slice(0, i + 1).reduce((a, b) => a + b, 0));
        const reason = e instanceof LogFormatError
          ? `not a capture (no pcap/pcapng magic) and no log reader accepts it: ${e.declined.map((d) => `${d.reader}: ${d.reason}`).join('; ')}`
          : messageOf(e);
        out.push(result(path, 'failed', start, { reason, bytes: size }));
      } finally {
        await prepared?.cleanup().catch(() => undefined);
      }
    }
  } finally {
    await dropPrepared(0); // anything inflated ahead whose turn did not come
  }

  let retention: RetentionResult | undefined;
  if (opts.retainSeconds !== undefined) retention = await store.retain(opts.retainSeconds);
  const records = emptyCounts();
  let badLines = 0;
  for (const r of out) {
    for (const k of RECORD_KINDS) records[k] += r.records[k];
    badLines += r.bad_lines;
  }
  const seconds = (performance.now() - t0) / 1000;
  const total = RECORD_KINDS.reduce((n, k) => n + records[k], 0);
  const summary: IngestSummary = {
    files: out,
    ingested: out.filter((r) => r.status === 'ingested').length,
    already_ingested: out.filter((r) => r.status === 'already_ingested').length,
    ignored: out.filter((r) => r.status === 'ignored').length,
    failed: out.filter((r) => r.status === 'failed').length,
    records, bad_lines: badLines, seconds, records_per_sec: total / Math.max(seconds, 1e-9),
  };
  if (retention !== undefined) summary.retention = retention;
  return summary;
}
