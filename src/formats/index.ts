/**
 * Log readers (public entry of this folder): turn other sensors' logs into c2hunt records, the
 * same `RecordMap` types the packet sensor emits, so `c2hunt ingest` analyses Zeek and Suricata
 * output like a capture.
 *
 * - `listLogFiles(paths)`: files and folders to the log files to read, in time order (list.ts).
 * - `readLogFile(path, sink, { onProgress, certs })`: one file (plain or gzip) into a sink;
 *   format detected from content (detect.ts); bad lines counted with their numbers (read.ts).
 * - `detectLogFormat(head, fileName)`: the detection alone.
 * - `CertIndex`: certificates from Zeek x509 logs for the ssl records; share one per ingest.
 * - `READ_PATHS`: the Zeek log paths read (for help texts).
 * - `planZeekTsvBulk`, `prepareZeekTsvBulkInput`, `judgeZeekTsvLine`: what a store's engine needs
 *   to load a Zeek TSV log itself with exactly these readers' semantics (zeek-bulk.ts).
 *
 * The mapping of each format is documented at the top of its reader: zeek-fields.ts (Zeek
 * fields, both TSV and JSON), zeek-tsv.ts, zeek-json.ts, suricata-eve.ts.
 */
export { listLogFiles, type LogFileList } from './list.js';
export { readLogFile } from './read.js';
export { detectLogFormat } from './detect.js';
export { CertIndex, type CertInfo } from './certs.js';
export { CONN_DEFAULTS, Conv, DNS_DEFAULTS, READ_PATHS } from './zeek-fields.js';
export {
  BULK_CONVERSIONS, BULK_MAX_LINE_BYTES, BulkTextCheck, CANONICAL_IPV4_PATTERN, judgeZeekTsvLine, planZeekTsvBulk, prepareZeekTsvBulkInput,
  type BulkField, type BulkIneligible, type BulkInput, type LineVerdict, type ZeekTsvBulkPlan,
} from './zeek-bulk.js';
export {
  type BadLine, type Declined, type DetectedFormat, type LogFormat, LogFormatError, type LogReadResult, MAX_BAD_LINES_KEPT,
  type ReadOptions,
} from './types.js';
