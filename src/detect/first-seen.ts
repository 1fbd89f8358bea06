/**
 * The first-seen modifier: a destination nobody in the network contacted before the analysed
 * window is more suspicious than one contacted daily for a year. It raises the score of beacon,
 * long-connection and mining findings to a new destination a little (`bonus`), never above the
 * detector's own cap, and says so in the evidence (`first_seen`, `new_destination`) and reasons.
 *
 * When a destination was first contacted comes from all stored history (`Dataset.firstSeen`,
 * filled by `loadDataset` from `Store.firstSeen`), else from the dataset's own connections.
 * A destination is new when its first contact lies inside the analysed window AND at least
 * `minHistory` seconds after the start of the history we have: in a single capture (or a store
 * holding only the window) every destination is "first seen" in the window, and one contacted
 * in the first minutes of the data may be an old acquaintance we simply did not see earlier.
 */
import type { Dataset } from './dataset.js';
import type { Finding } from './finding.js';
import { severityOf } from './finding.js';
import { TOTAL_SCORE_CAP } from './long-conn.js';
import { datasetColumns } from './conn-table.js';

export interface FirstSeenSettings {
  /** Score added to a beacon, long-connection or mining finding whose destination is new. */
  bonus: number;
  /** History needed before a destination's first contact for it to count as new (seconds). */
  minHistory: number;
}

export const FIRST_SEEN_DEFAULTS: Readonly<FirstSeenSettings> = Object.freeze({ bonus: 0.05, minHistory: 3600 });

/** Detectors whose findings the modifier applies to (a destination that matters to their verdict). */
export const FIRST_SEEN_DETECTORS: ReadonlySet<string> = new Set(['beacon', 'long_conn', 'mining']);

/** The highest score a finding can reach: the detector's own cap (long connections by total duration: TOTAL_SCORE_CAP), else 1. */
export function scoreCap(f: Finding): number {
  return f.detector === 'long_conn' && f.kind === 'total' ? TOTAL_SCORE_CAP : 1;
}

/** The destination addresses of a finding (its `dst`, else its `dsts`). */
function addressesOf(f: Finding): string[] {
  return f.dst !== undefined ? [f.dst] : f.dsts ?? [];
}

/**
 * When each address was first contacted: the stored history's answer when the dataset carries
 * one, else (and for addresses it lacks) the earliest connection to it in the dataset, found in
 * one pass over the connection columns' destination ids (the records themselves are not read:
 * at 10 M connections a pass over them with a string set took 3 s). Addresses from the store
 * come first, then the others in order of their first connection in the list.
 */
export function firstSeenOf(ds: Dataset, addresses: Iterable<string>): Map<string, number> {
  const want = new Set(addresses);
  const out = new Map<string, number>();
  const missing: string[] = [];
  for (const a of want) {
    const t = ds.firstSeen?.get(a);
    if (t !== undefined) out.set(a, t); else missing.push(a);
  }
  if (missing.length === 0 || ds.connCount === 0) return out;
  const cols = datasetColumns(ds);
  // slot[id] = 1 + index into `missing` of the address with that string id, 0 for others.
  const slot = new Int32Array(cols.strs.size);
  let asked = 0;
  for (let j = 0; j < missing.length; j++) {
    const id = cols.strs.get(missing[j]!);
    if (id >= 0) { slot[id] = j + 1; asked++; }
  }
  if (asked === 0) return out;
  const first = new Float64Array(missing.length);
  const firstConn = new Int32Array(missing.length).fill(-1); // list index of the earliest connection in list order
  const { dst, ts, conn, n } = cols;
  for (let p = 0; p < n; p++) {
    const j = slot[dst[p]!]!;
    if (j === 0) continue;
    const k = j - 1, i = conn[p]!, t = ts[p]!;
    if (firstConn[k] === -1) { firstConn[k] = i; first[k] = t; continue; }
    if (t < first[k]!) first[k] = t;
    if (i < firstConn[k]!) firstConn[k] = i;
  }
  const found: number[] = [];
  for (let k = 0; k < missing.length; k++) if (firstConn[k] !== -1) found.push(k);
  found.sort((a, b) => firstConn[a]! - firstConn[b]!);
  for (const k of found) out.set(missing[k]!, first[k]!);
  return out;
}

/**
 * Apply the modifier to the findings in place: every beacon, long-connection and mining
 * finding with a destination address gets `evidence.first_seen` (epoch s, the earliest first
 * contact of its addresses; null when unknown) and `evidence.new_destination`; a new one gets
 * `bonus` added to its score (capped, severity recomputed) and a reason.
 */
export function applyFirstSeen(findings: Finding[], ds: Dataset, settings: Partial<FirstSeenSettings> = {}): void {
  const s = { ...FIRST_SEEN_DEFAULTS, ...settings };
  const targets = findings.filter((f) => FIRST_SEEN_DETECTORS.has(f.detector));
  if (targets.length === 0) return;
  const seen = firstSeenOf(ds, targets.flatMap(addressesOf));
  const historyStart = Math.min(ds.historyStart ?? ds.start, ds.start);
  const newFrom = Math.max(ds.start, historyStart + s.minHistory);
  for (const f of targets) {
    let first: number | undefined;
    for (const a of addressesOf(f)) {
      const t = seen.get(a);
      if (t !== undefined && (first === undefined || t < first)) first = t;
    }
    const isNew = first !== undefined && first >= newFrom;
    f.evidence['first_seen'] = first ?? null;
    f.evidence['new_destination'] = isNew;
    if (!isNew || s.bonus <= 0) continue;
    const added = Math.max(0, Math.min(scoreCap(f), f.score + s.bonus) - f.score);
    if (added > 0) {
      f.evidence['first_seen_bonus'] = Number(added.toFixed(3));
      f.score = Number((f.score + added).toFixed(3));
      f.severity = severityOf(f.score);
    }
    const what = f.dst ?? f.fqdn ?? `${addressesOf(f).length} addresses`;
    f.reasons.push(`${what} was first contacted on ${new Date(first! * 1000).toISOString().slice(0, 19)}Z, inside the analysed window and ` +
      `${fmtHours(first! - historyStart)} into the history: a new destination, score +${Number(added.toFixed(3))}${added < s.bonus ? ' (at the cap)' : ''}`);
  }
}

function fmtHours(s: number): string {
  return s >= 86400 ? `${(s / 86400).toFixed(1)} days` : `${(s / 3600).toFixed(1)} h`;
}
