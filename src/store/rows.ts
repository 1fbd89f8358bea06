/**
 * Rows of the store's small tables (ingests, findings) back into the contract's objects, shared
 * by the backends. Each backend passes its own number reader (DuckDB gives bigints, ClickHouse's
 * JSON output gives 64-bit integers as strings) and the unit of its stored times.
 */
import type { Finding } from '../detect/finding.js';
import { emptyCounts, type IngestEntry, type RecordCounts } from './store.js';

/** A result row: column name to value. */
export type Row = Record<string, unknown>;

/** Reads a number from a column value. */
export type NumberOf = (v: unknown) => number;

/** The strings of a list column (anything else is dropped). */
export const strList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** An `ingests` row; stored times are divided by `unitsPerSecond` (1 for seconds, 1e6 for microseconds). */
export function rowToIngestEntry(r: Row, num: NumberOf, unitsPerSecond: number): IngestEntry {
  const e: IngestEntry = {
    id: num(r.id), sha256: String(r.sha256), path: String(r.path), bytes: num(r.bytes), format: String(r.format),
    started: num(r.started) / unitsPerSecond, finished: num(r.finished) / unitsPerSecond,
    records: { ...emptyCounts(), ...(JSON.parse(String(r.records)) as Partial<RecordCounts>) },
    bad_lines: num(r.bad_lines),
  };
  if (r.first_ts !== null && r.first_ts !== undefined) e.first_ts = num(r.first_ts) / unitsPerSecond;
  if (r.last_ts !== null && r.last_ts !== undefined) e.last_ts = num(r.last_ts) / unitsPerSecond;
  return e;
}

/** A `findings` row; `hasDsts` says whether the row holds a destination list (absent is not empty). */
export function rowToFinding(r: Row, num: NumberOf, hasDsts: boolean): Finding {
  const f: Finding = {
    id: String(r.id), detector: r.detector as Finding['detector'], kind: String(r.kind), title: String(r.title),
    src: String(r.src), first: num(r.first), last: num(r.last), score: num(r.score), severity: r.severity as Finding['severity'],
    evidence: JSON.parse(String(r.evidence)) as Record<string, unknown>, reasons: strList(r.reasons), uids: strList(r.uids), attack: strList(r.attack),
  };
  if (r.dst !== null) f.dst = String(r.dst);
  if (hasDsts) f.dsts = strList(r.dsts);
  if (r.fqdn !== null) f.fqdn = String(r.fqdn);
  if (r.port !== null) f.port = num(r.port);
  if (r.proto !== null) f.proto = String(r.proto);
  return f;
}
