/**
 * Types shared by the log readers: the formats, the result of reading one file, the error
 * raised when no reader accepts a file, and the context a line reader writes into.
 */
import type { RecordKind, RecordMap, RecordSink } from '../records/schema.js';
import { RECORD_KINDS } from '../records/schema.js';
import type { CertIndex } from './certs.js';

/** Formats the readers understand. */
export type LogFormat = 'zeek-tsv' | 'zeek-json' | 'suricata-eve';

/** A format detected from a file's first lines; `path` is the Zeek log path (`conn`, `open_ssl` ...). */
export interface DetectedFormat {
  format: LogFormat;
  path?: string;
}

/** Why each reader declined a file. */
export interface Declined {
  declined: { reader: string; reason: string }[];
}

/** One line a reader could not use. */
export interface BadLine {
  /** 1-based line number in the (decompressed) file. */
  line: number;
  reason: string;
}

/** Bad lines whose details are kept per file (the rest are only counted). */
export const MAX_BAD_LINES_KEPT = 100;

/** What reading one file produced. */
export interface LogReadResult {
  /** The file read. */
  file: string;
  format: LogFormat;
  /** Zeek log path from the header or file name (`conn`, `open_conn` ...); undefined for EVE. */
  logPath?: string;
  /** Records written to the sink, per kind. */
  records: Record<RecordKind, number>;
  /** Suricata alert events seen (counted, not yet stored). */
  alerts: number;
  /** Certificates added to the certificate index (Zeek x509 logs). */
  certificates: number;
  /** Lines of a known format that carry nothing we map, by type (`eve:stats`, `zeek:files` ...). */
  ignored: Record<string, number>;
  /** The first MAX_BAD_LINES_KEPT lines that could not be read, with the reason. */
  badLines: BadLine[];
  /** All lines that could not be read. */
  badLineCount: number;
  /** Lines in the file (headers and blank lines included). */
  lines: number;
  /** Bytes read from disk (compressed size for gzip files). */
  bytes: number;
  /** Bytes of text after decompression. */
  textBytes: number;
}

/** Options of readLogFile. */
export interface ReadOptions {
  /** Called as the file is read: bytes read from disk so far and the file's size. */
  onProgress?(bytes: number, total: number): void;
  /** Backpressure from the records' destination (IngestBatch.pace): awaited between chunks when it returns a promise. */
  pace?: () => Promise<void> | undefined;
  /**
   * Certificates seen in Zeek x509 logs, shared across the files of one ingest so that ssl
   * records can take their subject, issuer and validity (see certs.ts). Without it, x509 logs
   * are only counted and ssl records keep what the ssl log itself holds.
   */
  certs?: CertIndex;
}

/** Raised by readLogFile when no reader accepts a file; `declined` lists each reader's reason. */
export class LogFormatError extends Error {
  readonly code = 'C2HUNT_ERR_LOG_FORMAT';
  constructor(readonly file: string, readonly declined: Declined['declined']) {
    super(`Cannot read ${file}: ${declined.map((d) => `${d.reader}: ${d.reason}`).join('; ')}`);
    this.name = 'LogFormatError';
  }
}

/** Wraps an exception thrown by the sink so it is not mistaken for a bad line. */
export class SinkFailure extends Error {
  constructor(readonly original: unknown) {
    super('sink failed');
  }
}

/** Where a line reader puts what it finds. */
export class ReadContext {
  readonly result: LogReadResult;
  constructor(readonly file: string, readonly fileName: string, format: LogFormat, private readonly sink: RecordSink,
    readonly certs: CertIndex | undefined) {
    const records = {} as Record<RecordKind, number>;
    for (const k of RECORD_KINDS) records[k] = 0;
    this.result = {
      file, format, records, alerts: 0, certificates: 0, ignored: {}, badLines: [], badLineCount: 0, lines: 0, bytes: 0,
      textBytes: 0,
    };
  }

  /** Write a record to the sink (sink exceptions pass through as SinkFailure). */
  emit<K extends RecordKind>(kind: K, rec: RecordMap[K]): void {
    try {
      this.sink.write(kind, rec);
    } catch (e) {
      throw new SinkFailure(e);
    }
    this.result.records[kind]++;
  }

  /** Count a line that is valid but carries nothing we map. */
  ignore(what: string): void {
    this.result.ignored[what] = (this.result.ignored[what] ?? 0) + 1;
  }

  /** Record a line that could not be read. */
  bad(line: number, reason: string): void {
    const r = this.result;
    r.badLineCount++;
    if (r.badLines.length < MAX_BAD_LINES_KEPT) r.badLines.push({ line, reason });
  }
}

/** A reader of one format: fed every line in order, then told the input ended. */
export interface LineReader {
  /** Read one line (without its newline). Throws LineError (or anything) for a bad line. */
  line(text: string, lineNo: number): void;
  /** The input ended: emit whatever is still pending. */
  end(): void;
}
