/**
 * Propagation scanning, one finding per behaviour:
 * - `horizontal`: one source, one port, many hosts (the 445 sweep);
 * - `vertical`: one source, one host, many ports;
 * - `trw`: the sequential test of Jung et al. 2004 (`trw.ts`) decided the source is a scanner
 *   from its first contacts to distinct hosts (any TCP port), but no horizontal finding exists
 *   for the source; when one does, the TRW decision is evidence inside it (`evidence.trw`)
 *   instead of a second finding, so a sweep is reported once;
 * - `icmp_sweep`: one source sending ICMP (v4 or v6) echo and other discovery requests to many
 *   hosts (host discovery before the port scan).
 * Failed attempts are counted from connection states. Every grouping covers the whole analysed
 * window, so a slow scan (one host every few minutes for hours) adds up like a fast one.
 * Internal sources matter most: a scanning internal host is probably infected.
 */
import type { ConnRecord } from '../records/schema.js';
import type { Dataset } from './dataset.js';
import { findingId, fmtDuration, SAMPLE_UIDS, severityOf, type Finding } from './finding.js';
import { trwSteps, trwThresholds, TrwWalk, type TrwDecision, type TrwOutcome, type TrwParams } from './trw.js';
import {
  datasetColumns, FLAG_HISTORY_D, FLAG_HISTORY_EMPTY, FLAG_HISTORY_S, FLAG_ORIG_BYTES, FLAG_ORIG_PKTS_ZERO, FLAG_RESP_PKTS, FLAG_RESP_PKTS_ZERO,
  PROTO_ICMP, PROTO_TCP, PROTO_UDP, type ConnColumns,
} from './conn-table.js';

export interface ScanSettings {
  /** Fewest distinct targets (hosts for horizontal, ports for vertical). */
  minTargets: number;
  /** Lowest share of failed attempts among them. */
  minFailedShare: number;
  /** Targets at which the score reaches 1 (also hosts probed, for ICMP sweeps). */
  fullScoreAt: number;
  /** TRW: probability that a benign source's first contact succeeds (theta0, paper: 0.8). */
  trwTheta0: number;
  /** TRW: probability that a scanner's first contact succeeds (theta1, paper: 0.2). */
  trwTheta1: number;
  /** TRW: target false-positive probability (alpha, paper: 0.01); eta1 = beta / alpha. */
  trwAlpha: number;
  /** TRW: target detection probability (beta, paper: 0.99); eta0 = (1 - beta) / (1 - alpha). */
  trwBeta: number;
  /** Score of a TRW-only finding at the fewest failures that can decide; grows with more failed hosts. */
  trwBaseScore: number;
  /** Fewest distinct hosts sent ICMP discovery requests (echo ...) for an ICMP sweep. */
  icmpMinHosts: number;
}

export const SCAN_DEFAULTS: Readonly<ScanSettings> = Object.freeze({
  minTargets: 5, minFailedShare: 0.5, fullScoreAt: 100,
  trwTheta0: 0.8, trwTheta1: 0.2, trwAlpha: 0.01, trwBeta: 0.99, trwBaseScore: 0.55,
  icmpMinHosts: 20,
});

/** Score added for an internal source (a scanning internal host is probably infected). */
export const INTERNAL_SOURCE_BONUS = 0.1;
/** TRW-only score reached at `fullScoreAt` failed hosts (from `trwBaseScore`), before the internal bonus. */
export const TRW_MAX_SCORE = 0.85;
/** Highest score of an ICMP sweep (internal source, many hosts, none answering): high, not critical. */
export const ICMP_SWEEP_MAX_SCORE = 0.9;
/** Most sample targets listed in `dsts`. */
export const SAMPLE_TARGETS = 50;

/** Connection states of an attempt that got no service. */
export const FAILED_STATES = new Set(['S0', 'REJ', 'RSTOS0', 'SH', 'RSTR', 'OTH']);

/**
 * ICMP types of host-discovery requests, as `orig_p` of ICMP connection records (the sensor and
 * Zeek write the type there and the code in `resp_p`): ICMPv4 echo (8), timestamp (13) and
 * address mask (17) requests; ICMPv6 echo request (128).
 */
export const ICMP4_PROBE_TYPES: ReadonlySet<number> = new Set([8, 13, 17]);
export const ICMP6_PROBE_TYPES: ReadonlySet<number> = new Set([128]);

/** The scan settings with defaults, checked (TRW: 0 < theta1 < theta0 < 1, 0 < alpha < beta < 1). Throws "Cannot use scan settings: ...". */
export function scanSettings(settings: Partial<ScanSettings> = {}): ScanSettings {
  const s = { ...SCAN_DEFAULTS, ...settings };
  try {
    trwThresholds({ theta0: s.trwTheta0, theta1: s.trwTheta1, alpha: s.trwAlpha, beta: s.trwBeta });
  } catch (e) {
    throw new Error(`Cannot use scan settings: ${(e as Error).message.replace(/^Cannot use TRW parameters: /, '')} (trwTheta0, trwTheta1, trwAlpha, trwBeta)`);
  }
  return s;
}

function failed(c: ConnRecord): boolean {
  if (c.proto === 'tcp') return FAILED_STATES.has(c.conn_state) && !(c.conn_state === 'RSTR' && c.orig_bytes > 0) && !(c.conn_state === 'OTH' && c.history.includes('D'));
  return c.resp_pkts === 0;
}

/**
 * A TCP connection as a TRW trial. An attempt is a connection whose originator sent a SYN
 * (history `S`; records without history, from NetFlow or EVE, count unless midstream `OTH`), so
 * backscatter (SYN/ACKs and RSTs arriving unasked) is no attempt. Success: the responder
 * accepted (SYN/ACK); failure: no answer, refused, or reset without data (S0, REJ, RSTOS0, SH,
 * RSTR without data).
 */
export function trwOutcome(c: ConnRecord): TrwOutcome {
  if (c.proto !== 'tcp') return 'none';
  const attempt = c.history !== '' ? c.history.includes('S') : c.conn_state !== 'OTH';
  if (!attempt) return 'none';
  return failed(c) ? 'failure' : 'success';
}

/** Score ramp 0..1 over log(count) from `min` to `full`. */
function ramp(n: number, min: number, full: number): number {
  if (full <= min) return n >= min ? 1 : 0;
  return Math.max(0, Math.min(1, Math.log(n / min) / Math.log(full / min)));
}

/** Row outcomes of {@link rowRules}' `outcome` (trwOutcome over the columns). */
const OUTCOME_NONE = 0, OUTCOME_SUCCESS = 1, OUTCOME_FAILURE = 2;

/**
 * `failed` and `trwOutcome` over the columns: the same rules, from the row's state id and flags
 * (the state's part decided once per distinct conn_state).
 */
function rowRules(cols: ConnColumns): { failed: (p: number) => boolean; outcome: (p: number) => number } {
  const ns = cols.states.size;
  const failedState = new Uint8Array(ns), rstr = new Uint8Array(ns), oth = new Uint8Array(ns);
  for (let i = 0; i < ns; i++) {
    const v = cols.states.values[i]!;
    if (FAILED_STATES.has(v)) failedState[i] = 1;
    if (v === 'RSTR') rstr[i] = 1;
    if (v === 'OTH') oth[i] = 1;
  }
  const { proto, state, flags } = cols;
  const failed = (p: number): boolean => {
    const f = flags[p]!;
    if (proto[p] === PROTO_TCP) {
      const st = state[p]!;
      return failedState[st] === 1 && !(rstr[st] === 1 && (f & FLAG_ORIG_BYTES) !== 0) && !(oth[st] === 1 && (f & FLAG_HISTORY_D) !== 0);
    }
    return (f & FLAG_RESP_PKTS_ZERO) !== 0;
  };
  const outcome = (p: number): number => {
    if (proto[p] !== PROTO_TCP) return OUTCOME_NONE;
    const f = flags[p]!;
    const attempt = (f & FLAG_HISTORY_EMPTY) === 0 ? (f & FLAG_HISTORY_S) !== 0 : oth[state[p]!] === 0;
    if (!attempt) return OUTCOME_NONE;
    return failed(p) ? OUTCOME_FAILURE : OUTCOME_SUCCESS;
  };
  return { failed, outcome };
}

/**
 * Port keys: a port in 0..65535 is its own key, any other value (a malformed record) gets a key
 * from 65536 up, so stamp arrays indexed by port cover every value the column holds.
 */
function portKeys(cols: ConnColumns): { size: number; key: (p: number) => number } {
  const extra = new Map<number, number>();
  const port = cols.port;
  for (let p = 0; p < cols.n; p++) {
    const v = port[p]!;
    if ((v < 0 || v > 0xffff) && !extra.has(v)) extra.set(v, 0x10000 + extra.size);
  }
  if (extra.size === 0) return { size: 0x10000, key: (p) => port[p]! };
  return { size: 0x10000 + extra.size, key: (p) => { const v = port[p]!; return v >= 0 && v <= 0xffff ? v : extra.get(v)!; } };
}

/**
 * Groups of one source's rows by an integer key: after {@link RowGrouper.group}, group g
 * (0 .. groups - 1, in order of its first row) has rows `rows[start[g]] .. rows[start[g + 1] - 1]`,
 * in column order (time order). Stamp arrays indexed by key, no hashing, reused for every source.
 */
class RowGrouper {
  private readonly stamp: Int32Array;
  private readonly gid: Int32Array;
  private serial = 0;
  /** Key per row of the block (-1: not grouped); the caller fills keys[0 .. length - 1]. */
  readonly keys: Int32Array;
  private readonly rowGroup: Int32Array;
  readonly rows: Int32Array;
  readonly start: Int32Array;
  private readonly next: Int32Array;

  constructor(keySpace: number, maxRows: number) {
    this.stamp = new Int32Array(keySpace).fill(-1);
    this.gid = new Int32Array(keySpace);
    this.keys = new Int32Array(maxRows);
    this.rowGroup = new Int32Array(maxRows);
    this.rows = new Int32Array(maxRows);
    this.start = new Int32Array(maxRows + 1);
    this.next = new Int32Array(maxRows + 1);
  }

  /** Group rows b0 .. b0 + length - 1 by keys[0 .. length - 1]; returns the number of groups. */
  group(b0: number, length: number): number {
    const { keys, stamp, gid, rowGroup, start, next, rows } = this;
    const serial = this.serial++;
    let groups = 0;
    for (let i = 0; i < length; i++) {
      const k = keys[i]!;
      if (k < 0) { rowGroup[i] = -1; continue; }
      let g: number;
      if (stamp[k] !== serial) { stamp[k] = serial; gid[k] = g = groups; next[groups++] = 0; } else g = gid[k]!;
      rowGroup[i] = g;
      next[g]++;
    }
    start[0] = 0;
    for (let g = 0; g < groups; g++) { start[g + 1] = start[g]! + next[g]!; next[g] = start[g]!; }
    for (let i = 0; i < length; i++) {
      const g = rowGroup[i]!;
      if (g >= 0) rows[next[g]++] = b0 + i;
    }
    return groups;
  }
}

/**
 * Horizontal and vertical scans over the connection columns, a source at a time (the columns
 * hold each source's rows together, in time order): TCP and UDP rows grouped per port and
 * protocol (horizontal) and per destination and protocol (vertical) with stamp arrays, distinct
 * targets counted with stamp arrays too. No Map, string or object per connection: at 10 M
 * connections the record version (nested Maps keyed by the records' strings) took 45 s, this
 * takes about a second. Findings come out as the record version made them: groups in order of
 * their first connection in the list, horizontal before vertical.
 */
function groupScans(ds: Dataset, cols: ConnColumns, s: ScanSettings, include: (src: number) => boolean, failedRow: (p: number) => boolean): Finding[] {
  const { blockStart, proto, dst, port, ts, conn, strs } = cols;
  const sources = blockStart.length - 1;
  const nStrs = strs.size;
  const ports = portKeys(cols);
  const portKey = ports.key;
  let maxRows = 0;
  for (let src = 0; src < sources; src++) maxRows = Math.max(maxRows, blockStart[src + 1]! - blockStart[src]!);
  const byPort = new RowGrouper(2 * ports.size, maxRows);
  const byDst = new RowGrouper(2 * nStrs, maxRows);
  // Distinct targets of a group: stamp = group serial, ok = any attempt succeeded.
  const hostStamp = new Int32Array(nStrs).fill(-1), hostOk = new Uint8Array(nStrs);
  const portStamp = new Int32Array(ports.size).fill(-1), portOk = new Uint8Array(ports.size);
  const targetList = new Int32Array(maxRows);
  let serial = 0;
  const hFound: { first: number; f: Finding }[] = [];
  const vFound: { first: number; f: Finding }[] = [];
  const internalMemo = new Map<number, boolean>();
  const isInternal = (src: number): boolean => {
    let v = internalMemo.get(src);
    if (v === undefined) internalMemo.set(src, (v = ds.internal.contains(strs.values[src]!)));
    return v;
  };
  const judge = (kind: 'horizontal' | 'vertical', src: number, rows: Int32Array, r0: number, r1: number): void => {
    const attempts = r1 - r0;
    if (attempts < s.minTargets) return; // fewer attempts than targets needed
    const horizontal = kind === 'horizontal';
    const ser = serial++;
    let nTargets = 0;
    if (horizontal) {
      for (let j = r0; j < r1; j++) {
        const p = rows[j]!, d = dst[p]!;
        if (hostStamp[d] !== ser) { hostStamp[d] = ser; hostOk[d] = 0; targetList[nTargets++] = d; }
        if (hostOk[d] === 0 && !failedRow(p)) hostOk[d] = 1;
      }
    } else {
      for (let j = r0; j < r1; j++) {
        const p = rows[j]!, k = portKey(p);
        if (portStamp[k] !== ser) { portStamp[k] = ser; portOk[k] = 0; targetList[nTargets++] = k; }
        if (portOk[k] === 0 && !failedRow(p)) portOk[k] = 1;
      }
    }
    if (nTargets < s.minTargets) return;
    let failedTargets = 0;
    const okOf = horizontal ? hostOk : portOk;
    for (let t = 0; t < nTargets; t++) if (okOf[targetList[t]!] === 0) failedTargets++;
    const share = failedTargets / nTargets;
    if (share < s.minFailedShare) return;
    const p0 = rows[r0]!, pLast = rows[r1 - 1]!;
    const origH = strs.values[src]!;
    const protoName = proto[p0] === PROTO_TCP ? 'tcp' : 'udp';
    const respP = port[p0]!, respH = strs.values[dst[p0]!]!;
    const internal = isInternal(src);
    let score = Math.min(1, 0.5 + 0.5 * Math.log(nTargets / s.minTargets) / Math.log(s.fullScoreAt / s.minTargets)) * (0.7 + 0.3 * share);
    if (internal) score = Math.min(1, score + INTERNAL_SOURCE_BONUS);
    const span = ts[pLast]! - ts[p0]!;
    const what = horizontal ? `${nTargets} hosts on ${respP}/${protoName}` : `${nTargets} ports of ${respH}`;
    const reasons = [
      `${origH} tried ${what} in ${fmtDuration(span)}; ${failedTargets} (${(share * 100).toFixed(0)}%) never answered or refused`,
    ];
    if (internal) reasons.push(`${origH} is internal: a scanning internal host is probably infected`);
    const uids: string[] = [];
    for (let j = r0; j < r1 && uids.length < SAMPLE_UIDS; j++) uids.push(ds.conn(conn[rows[j]!]!).uid);
    const f: Finding = {
      id: findingId('scan', kind, origH, horizontal ? `${respP}/${protoName}` : respH),
      detector: 'scan', kind, title: `${origH} scanned ${what} (${(share * 100).toFixed(0)}% failed)`,
      src: origH, proto: protoName, first: ts[p0]!, last: ts[pLast]!,
      score: Number(score.toFixed(3)), severity: severityOf(score),
      evidence: { targets: nTargets, failed_targets: failedTargets, failed_share: Number(share.toFixed(3)), attempts, span_s: Number(span.toFixed(1)), internal_source: internal, thresholds: { minTargets: s.minTargets, minFailedShare: s.minFailedShare, fullScoreAt: s.fullScoreAt } },
      reasons, uids, attack: ['T1046'],
    };
    if (horizontal) {
      f.port = respP;
      const dsts: string[] = [];
      for (let t = 0; t < nTargets && t < SAMPLE_TARGETS; t++) dsts.push(strs.values[targetList[t]!]!);
      f.dsts = dsts;
    } else f.dst = respH;
    (horizontal ? hFound : vFound).push({ first: conn[p0]!, f });
  };
  for (let src = 0; src < sources; src++) {
    const b0 = blockStart[src]!, b1 = blockStart[src + 1]!;
    const len = b1 - b0;
    if (len < s.minTargets || !include(src)) continue;
    // Keys: (protocol, port) and (protocol, destination); other protocols are not grouped.
    const hk = byPort.keys, vk = byDst.keys;
    let tcpUdp = 0;
    for (let i = 0; i < len; i++) {
      const p = b0 + i;
      const pr = proto[p]!;
      if (pr === PROTO_TCP || pr === PROTO_UDP) {
        hk[i] = pr * ports.size + portKey(p);
        vk[i] = pr * nStrs + dst[p]!;
        tcpUdp++;
      } else { hk[i] = -1; vk[i] = -1; }
    }
    if (tcpUdp < s.minTargets) continue;
    let groups = byPort.group(b0, len);
    for (let g = 0; g < groups; g++) judge('horizontal', src, byPort.rows, byPort.start[g]!, byPort.start[g + 1]!);
    groups = byDst.group(b0, len);
    for (let g = 0; g < groups; g++) judge('vertical', src, byDst.rows, byDst.start[g]!, byDst.start[g + 1]!);
  }
  const byFirst = (a: { first: number }, b: { first: number }): number => a.first - b.first;
  return [...hFound.sort(byFirst).map((x) => x.f), ...vFound.sort(byFirst).map((x) => x.f)];
}

/**
 * Scan findings of a dataset. `sources`: analyse only these sources (a partition, see
 * DetectSettings.partition); the dataset is still the whole one, so its columns are shared
 * with the other detectors.
 */
export function detectScans(ds: Dataset, settings: Partial<ScanSettings> = {}, sources?: (src: string) => boolean): Finding[] {
  const s = scanSettings(settings);
  const cols = datasetColumns(ds);
  const include = sources === undefined ? () => true : (src: number) => sources(cols.strs.values[src]!);
  const rules = rowRules(cols);
  const out = groupScans(ds, cols, s, include, rules.failed);
  out.push(...trwFindings(ds, cols, s, out, include, rules.outcome));
  out.push(...icmpSweeps(ds, cols, s, include));
  return out;
}

/** The TRW decision as evidence (`evidence.trw`). */
function trwEvidence(d: TrwDecision, s: ScanSettings): Record<string, unknown> {
  const t = trwThresholds({ theta0: s.trwTheta0, theta1: s.trwTheta1, alpha: s.trwAlpha, beta: s.trwBeta });
  return {
    decision: 'scanner', attempts_to_decide: d.attempts, successes: d.successes, failures: d.failures,
    likelihood_ratio: Number(d.likelihoodRatio.toPrecision(4)), eta1: Number(t.eta1.toPrecision(4)), eta0: Number(t.eta0.toPrecision(4)),
    walk_start: d.walkStart, first_failure: d.firstFailure, decided_at: d.decidedAt,
    seconds_to_decide: Number((d.decidedAt - d.firstFailure).toFixed(3)), seconds_since_walk_start: Number((d.decidedAt - d.walkStart).toFixed(3)), restarts: d.restarts,
    first_contacts: d.firstContacts, failed_first_contacts: d.failedFirstContacts,
    params: { theta0: s.trwTheta0, theta1: s.trwTheta1, alpha: s.trwAlpha, beta: s.trwBeta },
  };
}

function trwReason(d: TrwDecision, eta1: number): string {
  return `TRW sequential test (Jung et al. 2004) decided "scanner" after ${d.attempts} first-contact attempts, ${fmtDuration(d.decidedAt - d.firstFailure)} after the first failure ` +
    `(${d.failures} failed, ${d.successes} succeeded; likelihood ratio ${Number(d.likelihoodRatio.toPrecision(3))} >= ${Number(eta1.toPrecision(3))})`;
}

/**
 * TRW over every source's TCP first contacts. A decision goes into the source's horizontal
 * findings as evidence; a source without one gets a `trw` finding of its own.
 */
function trwFindings(ds: Dataset, cols: ConnColumns, s: ScanSettings, existing: Finding[], include: (src: number) => boolean, outcome: (p: number) => number): Finding[] {
  return trwDecisionFindings(ds, trwOverColumns(ds, cols, { theta0: s.trwTheta0, theta1: s.trwTheta1, alpha: s.trwAlpha, beta: s.trwBeta }, include, outcome), s, existing);
}

/**
 * Findings from TRW decisions (source -> decision, in order of each source's first attempt):
 * evidence added to the source's horizontal TCP findings in `existing`, else a `trw` finding.
 * Shared with the record-based reference (scan-reference.ts) that tests the grouping.
 */
export function trwDecisionFindings(ds: Dataset, decisions: ReadonlyMap<string, TrwDecision>, s: ScanSettings, existing: Finding[]): Finding[] {
  if (decisions.size === 0) return [];
  const { eta1, onFailure } = trwThresholds({ theta0: s.trwTheta0, theta1: s.trwTheta1, alpha: s.trwAlpha, beta: s.trwBeta });
  // Fewest failures that can decide (4 with the paper's values): where the TRW-only score starts.
  const minFailures = Math.max(1, Math.ceil(Math.log(eta1) / Math.log(onFailure) - 1e-9));
  const horizontalSrcs = new Set<string>();
  for (const f of existing) {
    if (f.kind !== 'horizontal' || f.proto !== 'tcp') continue;
    const d = decisions.get(f.src);
    if (d === undefined) continue;
    horizontalSrcs.add(f.src);
    f.evidence['trw'] = trwEvidence(d, s);
    f.reasons.splice(1, 0, trwReason(d, eta1));
  }
  const out: Finding[] = [];
  for (const d of decisions.values()) {
    if (horizontalSrcs.has(d.src)) continue;
    const internal = ds.internal.contains(d.src);
    // The base score at the fewest failures that can decide, growing with failed hosts up to fullScoreAt.
    let score = s.trwBaseScore + Math.max(0, TRW_MAX_SCORE - s.trwBaseScore) * ramp(d.failedFirstContacts, minFailures, s.fullScoreAt);
    if (internal) score = Math.min(1, score + INTERNAL_SOURCE_BONUS);
    const reasons = [
      trwReason(d, eta1),
      `${d.failedFirstContacts} of ${d.firstContacts} distinct hosts ${d.src} first contacted over TCP never answered or refused (any port; too few on one port for a horizontal scan)`,
    ];
    if (internal) reasons.push(`${d.src} is internal: a scanning internal host is probably infected`);
    out.push({
      id: findingId('scan', 'trw', d.src),
      detector: 'scan', kind: 'trw',
      title: `${d.src} failed on ${d.failedFirstContacts} of ${d.firstContacts} new hosts: TRW decided "scanner" after ${d.attempts} attempts in ${fmtDuration(d.decidedAt - d.firstFailure)}`,
      src: d.src, proto: 'tcp', dsts: d.failedDsts.slice(0, SAMPLE_TARGETS), first: d.firstFailure, last: Math.max(d.decidedAt, d.lastFailure),
      score: Number(score.toFixed(3)), severity: severityOf(score),
      evidence: { targets: d.firstContacts, failed_targets: d.failedFirstContacts, internal_source: internal, trw: trwEvidence(d, s) },
      reasons, uids: d.uids.slice(0, SAMPLE_UIDS), attack: ['T1046'],
    });
  }
  return out;
}

/**
 * TRW over the columns: a source's rows are together and in time order, so each source's walk
 * runs over its own block, first contacts told apart by a stamp per destination id. Decisions
 * in order of each source's first attempt, as runTrw over the records gives them.
 */
function trwOverColumns(ds: Dataset, cols: ConnColumns, params: TrwParams, include: (src: number) => boolean, outcome: (p: number) => number): Map<string, TrwDecision> {
  const steps = trwSteps(params);
  const { blockStart, dst, ts, conn, strs } = cols;
  const seen = new Int32Array(strs.size).fill(-1);
  const found: { first: number; d: TrwDecision }[] = [];
  const dstOf = (p: number): string => strs.values[dst[p]!]!;
  const uidOf = (p: number): string => ds.conn(conn[p]!).uid;
  for (let src = 0; src + 1 < blockStart.length; src++) {
    const b0 = blockStart[src]!, b1 = blockStart[src + 1]!;
    if (b0 === b1 || !include(src)) continue;
    let walk: TrwWalk | undefined;
    let first = -1;
    for (let p = b0; p < b1; p++) {
      const o = outcome(p);
      if (o === OUTCOME_NONE) continue;
      if (walk === undefined) { walk = new TrwWalk(steps, ts[p]!); first = conn[p]!; }
      const d = dst[p]!;
      if (seen[d] === src) continue; // only first contacts are trials
      seen[d] = src;
      walk.firstContact(ts[p]!, o === OUTCOME_FAILURE, p);
    }
    const d = walk?.decision(strs.values[src]!, dstOf, uidOf);
    if (d !== undefined) found.push({ first, d });
  }
  found.sort((a, b) => a.first - b.first);
  return new Map(found.map((x) => [x.d.src, x.d]));
}

/** ICMP host discovery: one source, requests to many hosts, per address family. */
function icmpSweeps(ds: Dataset, cols: ConnColumns, s: ScanSettings, include: (src: number) => boolean): Finding[] {
  interface Sweep { first: number; src: string; v6: boolean; hosts: Map<string, boolean>; probes: number; firstTs: number; last: number; types: Set<number>; uids: string[] }
  const { blockStart, proto, flags, dst, origPort, ts, conn, strs } = cols;
  // Per destination id: 1 IPv4, 2 IPv6 (has a colon), 0 not asked yet.
  const family = new Uint8Array(strs.size);
  const found: Sweep[] = [];
  for (let src = 0; src + 1 < blockStart.length; src++) {
    const b0 = blockStart[src]!, b1 = blockStart[src + 1]!;
    if (b0 === b1 || !include(src)) continue;
    const bySrc: (Sweep | undefined)[] = [undefined, undefined]; // [v4, v6]
    for (let p = b0; p < b1; p++) {
      if (proto[p] !== PROTO_ICMP || (flags[p]! & FLAG_ORIG_PKTS_ZERO) !== 0) continue;
      const d = dst[p]!;
      let fam = family[d]!;
      if (fam === 0) family[d] = fam = strs.values[d]!.includes(':') ? 2 : 1;
      const v6 = fam === 2;
      const type = origPort[p]!;
      if (!(v6 ? ICMP6_PROBE_TYPES : ICMP4_PROBE_TYPES).has(type)) continue;
      let w = bySrc[fam - 1];
      if (w === undefined) bySrc[fam - 1] = w = { first: conn[p]!, src: strs.values[src]!, v6, hosts: new Map(), probes: 0, firstTs: ts[p]!, last: ts[p]!, types: new Set(), uids: [] };
      w.probes++;
      const h = strs.values[d]!;
      w.hosts.set(h, (w.hosts.get(h) ?? false) || (flags[p]! & FLAG_RESP_PKTS) !== 0);
      if (ts[p]! < w.firstTs) w.firstTs = ts[p]!;
      if (ts[p]! > w.last) w.last = ts[p]!;
      w.types.add(type);
      if (w.uids.length < SAMPLE_UIDS) w.uids.push(ds.conn(conn[p]!).uid);
    }
    for (const w of bySrc) if (w !== undefined) found.push(w);
  }
  return sweepFindings(ds, found.sort((a, b) => a.first - b.first).map((w) => ({ ...w, first: w.firstTs })), s);
}

/** One source's ICMP discovery requests of one address family, with the hosts asked (true: replied). */
export interface IcmpSweep { src: string; v6: boolean; hosts: Map<string, boolean>; probes: number; first: number; last: number; types: Set<number>; uids: string[] }

/** Findings from ICMP sweep aggregates, in their order (shared with scan-reference.ts). */
export function sweepFindings(ds: Dataset, sweeps: readonly IcmpSweep[], s: ScanSettings): Finding[] {
  const out: Finding[] = [];
  for (const w of sweeps) {
    const n = w.hosts.size;
    if (n < s.icmpMinHosts) continue;
    const replied = [...w.hosts.values()].filter((r) => r).length;
    const replyShare = replied / n;
    const internal = ds.internal.contains(w.src);
    // Many hosts is the signal; unanswered requests (guessed addresses) weigh a little more than
    // answered ones (a monitoring system pings hosts it knows are there). Discovery is the step
    // before propagation, not propagation: the score tops out at ICMP_SWEEP_MAX_SCORE (high).
    let score = (0.5 + (ICMP_SWEEP_MAX_SCORE - INTERNAL_SOURCE_BONUS - 0.5) * ramp(n, s.icmpMinHosts, s.fullScoreAt)) * (0.85 + 0.15 * (1 - replyShare));
    if (internal) score = Math.min(1, score + INTERNAL_SOURCE_BONUS);
    const span = w.last - w.first;
    const perMin = span > 0 ? (n / span) * 60 : n;
    const family = w.v6 ? 'ICMPv6' : 'ICMP';
    const reasons = [
      `${w.src} sent ${family} discovery requests (type ${[...w.types].sort((a, b) => a - b).join(', ')}) to ${n} hosts in ${fmtDuration(span)} (${perMin < 10 ? perMin.toFixed(1) : Math.round(perMin)} hosts/min); ${replied} (${(replyShare * 100).toFixed(0)}%) replied`,
    ];
    if (internal) reasons.push(`${w.src} is internal: host discovery from an internal host is how worms and intruders find their next targets`);
    out.push({
      id: findingId('scan', 'icmp_sweep', w.src, w.v6 ? 'ipv6' : 'ipv4'),
      detector: 'scan', kind: 'icmp_sweep',
      title: `${w.src} ${family}-swept ${n} hosts (${replied} replied)`,
      src: w.src, proto: 'icmp', dsts: [...w.hosts.keys()].slice(0, SAMPLE_TARGETS), first: w.first, last: w.last,
      score: Number(score.toFixed(3)), severity: severityOf(score),
      evidence: {
        targets: n, hosts_probed: n, hosts_replied: replied, reply_share: Number(replyShare.toFixed(3)), probes: w.probes,
        rate_hosts_per_min: Number(perMin.toFixed(2)), span_s: Number(span.toFixed(1)), ip_version: w.v6 ? 6 : 4,
        icmp_types: [...w.types].sort((a, b) => a - b), internal_source: internal, thresholds: { icmpMinHosts: s.icmpMinHosts, fullScoreAt: s.fullScoreAt },
      },
      reasons, uids: w.uids, attack: ['T1018'],
    });
  }
  return out;
}
