/**
 * The scan detector as it was before it read the connection columns (records, nested Maps):
 * a frozen reference for the test that the column version's findings are identical
 * (scan-equivalence.test.ts). Not used by the detectors. Only the grouping is kept here: the
 * findings are built by scan.ts's own builders (trwDecisionFindings, sweepFindings).
 */
import type { ConnRecord } from '../records/schema.js';
import type { Dataset } from './dataset.js';
import { findingId, fmtDuration, SAMPLE_UIDS, severityOf, type Finding } from './finding.js';
import { trwThresholds, TRW_SAMPLE, type TrwDecision, type TrwOutcome, type TrwParams } from './trw.js';
import { FAILED_STATES, ICMP4_PROBE_TYPES, ICMP6_PROBE_TYPES, INTERNAL_SOURCE_BONUS, SAMPLE_TARGETS, scanSettings, sweepFindings, trwDecisionFindings, type IcmpSweep, type ScanSettings } from './scan.js';

interface Walk {
  seen: Set<string>;
  logL: number;
  start: number;
  firstFailure: number;
  attempts: number;
  successes: number;
  failures: number;
  restarts: number;
  failedDsts: string[];
  uids: string[];
  decision?: TrwDecision;
  firstContacts: number;
  failedFirstContacts: number;
  lastFailure: number;
}

/**
 * Run the walk of every source over connections in time order. `outcome` classifies each
 * connection (`none`: not a connection attempt, skipped). Returns the sources decided scanners.
 */
function runTrwReference(conns: readonly ConnRecord[], params: TrwParams, outcome: (c: ConnRecord) => TrwOutcome): Map<string, TrwDecision> {
  const t = trwThresholds(params);
  const up = Math.log(t.onFailure), down = Math.log(t.onSuccess);
  const hi = Math.log(t.eta1), lo = Math.log(t.eta0);
  const walks = new Map<string, Walk>();
  for (const c of conns) {
    const o = outcome(c);
    if (o === 'none') continue;
    let w = walks.get(c.orig_h);
    if (w === undefined) {
      w = { seen: new Set(), logL: 0, start: c.ts, firstFailure: c.ts, attempts: 0, successes: 0, failures: 0, restarts: 0, failedDsts: [], uids: [], firstContacts: 0, failedFirstContacts: 0, lastFailure: c.ts };
      walks.set(c.orig_h, w);
    }
    if (w.seen.has(c.resp_h)) continue; // only first contacts are trials
    w.seen.add(c.resp_h);
    w.firstContacts++;
    const failed = o === 'failure';
    if (failed) { w.failedFirstContacts++; w.lastFailure = c.ts; }
    if (w.decision !== undefined) continue;
    if (w.attempts === 0) w.start = c.ts;
    w.attempts++;
    if (failed) {
      if (w.failures === 0) w.firstFailure = c.ts;
      w.failures++;
      w.logL += up;
      if (w.failedDsts.length < TRW_SAMPLE) { w.failedDsts.push(c.resp_h); w.uids.push(c.uid); }
    } else {
      w.successes++;
      w.logL += down;
    }
    // A hair of tolerance so that exactly reaching a threshold decides despite rounding.
    if (w.logL >= hi - 1e-9) {
      w.decision = {
        src: c.orig_h, attempts: w.attempts, successes: w.successes, failures: w.failures, likelihoodRatio: Math.exp(w.logL),
        walkStart: w.start, firstFailure: w.firstFailure, decidedAt: c.ts, restarts: w.restarts, failedDsts: w.failedDsts, uids: w.uids,
        firstContacts: 0, failedFirstContacts: 0, lastFailure: c.ts,
      };
    } else if (w.logL <= lo + 1e-9) {
      w.restarts++;
      w.logL = 0; w.attempts = 0; w.successes = 0; w.failures = 0; w.failedDsts = []; w.uids = [];
    }
  }
  const out = new Map<string, TrwDecision>();
  for (const [src, w] of walks) {
    if (w.decision === undefined) continue;
    out.set(src, { ...w.decision, firstContacts: w.firstContacts, failedFirstContacts: w.failedFirstContacts, lastFailure: w.lastFailure });
  }
  return out;
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
function trwOutcome(c: ConnRecord): TrwOutcome {
  if (c.proto !== 'tcp') return 'none';
  const attempt = c.history !== '' ? c.history.includes('S') : c.conn_state !== 'OTH';
  if (!attempt) return 'none';
  return failed(c) ? 'failure' : 'success';
}

/**
 * TCP and UDP connections grouped per source, port and protocol (horizontal) and per source,
 * destination and protocol (vertical), each group in time order, groups in order of their first
 * connection. Vertical groups are kept only for pairs with at least `minPorts` distinct ports: a
 * first pass keys nested maps by the records' own strings (no key building per connection) and
 * counts distinct ports per pair up to `minPorts`, so the millions of pairs of ordinary traffic
 * (one or two ports each) never get a list of connections (4x faster than string keys on 2 M
 * connections, half the memory).
 */
function groupAttempts(conns: readonly ConnRecord[], minPorts: number): { horizontal: ConnRecord[][]; vertical: ConnRecord[][] } {
  const horizontal: ConnRecord[][] = [];
  const byPort = [new Map<string, Map<number, ConnRecord[]>>(), new Map<string, Map<number, ConnRecord[]>>()]; // [tcp, udp]: src -> port -> conns
  const ports = [new Map<string, Map<string, number | number[]>>(), new Map<string, Map<string, number | number[]>>()]; // src -> dst -> port(s)
  let candidates = 0;
  for (const c of conns) {
    if (c.proto !== 'tcp' && c.proto !== 'udp') continue;
    const pi = c.proto === 'tcp' ? 0 : 1;
    let hp = byPort[pi]!.get(c.orig_h);
    if (hp === undefined) byPort[pi]!.set(c.orig_h, (hp = new Map()));
    let h = hp.get(c.resp_p);
    if (h === undefined) { hp.set(c.resp_p, (h = [])); horizontal.push(h); }
    h.push(c);
    let vp = ports[pi]!.get(c.orig_h);
    if (vp === undefined) ports[pi]!.set(c.orig_h, (vp = new Map()));
    const v = vp.get(c.resp_h);
    if (v === undefined) vp.set(c.resp_h, c.resp_p);
    else if (typeof v === 'number') { if (v !== c.resp_p) { vp.set(c.resp_h, [v, c.resp_p]); if (minPorts <= 2) candidates++; } }
    else if (v.length < minPorts && !v.includes(c.resp_p)) { v.push(c.resp_p); if (v.length === minPorts) candidates++; }
  }
  const vertical: ConnRecord[][] = [];
  if (candidates === 0 && minPorts > 1) return { horizontal, vertical };
  const pairs = [new Map<string, Map<string, ConnRecord[]>>(), new Map<string, Map<string, ConnRecord[]>>()];
  for (const c of conns) {
    if (c.proto !== 'tcp' && c.proto !== 'udp') continue;
    const pi = c.proto === 'tcp' ? 0 : 1;
    const v = ports[pi]!.get(c.orig_h)!.get(c.resp_h)!;
    if ((typeof v === 'number' ? 1 : v.length) < minPorts) continue;
    let pd = pairs[pi]!.get(c.orig_h);
    if (pd === undefined) pairs[pi]!.set(c.orig_h, (pd = new Map()));
    let g = pd.get(c.resp_h);
    if (g === undefined) { pd.set(c.resp_h, (g = [])); vertical.push(g); }
    g.push(c);
  }
  return { horizontal, vertical };
}

export function detectScansReference(ds: Dataset, settings: Partial<ScanSettings> = {}): Finding[] {
  const s = scanSettings(settings);
  const { horizontal, vertical } = groupAttempts(ds.conns, s.minTargets);
  const out: Finding[] = [];
  const judge = (kind: 'horizontal' | 'vertical', conns: ConnRecord[]) => {
    if (conns.length < s.minTargets) return; // fewer attempts than targets needed
    const targets = new Map<string | number, boolean>(); // host or port -> any success
    const horizontal = kind === 'horizontal';
    for (const c of conns) {
      const t = horizontal ? c.resp_h : c.resp_p;
      const prev = targets.get(t);
      if (prev === true) continue;
      const ok = !failed(c);
      if (prev === undefined || ok) targets.set(t, ok);
    }
    if (targets.size < s.minTargets) return;
    let failedTargets = 0;
    for (const ok of targets.values()) if (!ok) failedTargets++;
    const share = failedTargets / targets.size;
    if (share < s.minFailedShare) return;
    const c0 = conns[0]!;
    const internal = ds.internal.contains(c0.orig_h);
    let score = Math.min(1, 0.5 + 0.5 * Math.log(targets.size / s.minTargets) / Math.log(s.fullScoreAt / s.minTargets)) * (0.7 + 0.3 * share);
    if (internal) score = Math.min(1, score + INTERNAL_SOURCE_BONUS);
    const span = conns[conns.length - 1]!.ts - c0.ts;
    const what = kind === 'horizontal' ? `${targets.size} hosts on ${c0.resp_p}/${c0.proto}` : `${targets.size} ports of ${c0.resp_h}`;
    const reasons = [
      `${c0.orig_h} tried ${what} in ${fmtDuration(span)}; ${failedTargets} (${(share * 100).toFixed(0)}%) never answered or refused`,
    ];
    if (internal) reasons.push(`${c0.orig_h} is internal: a scanning internal host is probably infected`);
    const f: Finding = {
      id: findingId('scan', kind, c0.orig_h, kind === 'horizontal' ? `${c0.resp_p}/${c0.proto}` : c0.resp_h),
      detector: 'scan', kind, title: `${c0.orig_h} scanned ${what} (${(share * 100).toFixed(0)}% failed)`,
      src: c0.orig_h, proto: c0.proto, first: c0.ts, last: conns[conns.length - 1]!.ts,
      score: Number(score.toFixed(3)), severity: severityOf(score),
      evidence: { targets: targets.size, failed_targets: failedTargets, failed_share: Number(share.toFixed(3)), attempts: conns.length, span_s: Number(span.toFixed(1)), internal_source: internal, thresholds: { minTargets: s.minTargets, minFailedShare: s.minFailedShare, fullScoreAt: s.fullScoreAt } },
      reasons, uids: conns.slice(0, SAMPLE_UIDS).map((c) => c.uid), attack: ['T1046'],
    };
    if (horizontal) { f.port = c0.resp_p; f.dsts = [...targets.keys()].slice(0, SAMPLE_TARGETS).map(String); } else f.dst = c0.resp_h;
    out.push(f);
  };
  for (const conns of horizontal) judge('horizontal', conns);
  for (const conns of vertical) judge('vertical', conns);
  out.push(...trwFindings(ds, s, out));
  out.push(...icmpSweeps(ds, s));
  return out;
}

/**
 * TRW over every source's TCP first contacts. A decision goes into the source's horizontal
 * findings as evidence; a source without one gets a `trw` finding of its own.
 */
function trwFindings(ds: Dataset, s: ScanSettings, existing: Finding[]): Finding[] {
  return trwDecisionFindings(ds, runTrwReference(ds.conns, { theta0: s.trwTheta0, theta1: s.trwTheta1, alpha: s.trwAlpha, beta: s.trwBeta }, trwOutcome), s, existing);
}

/** ICMP host discovery: one source, requests to many hosts, per address family. */
function icmpSweeps(ds: Dataset, s: ScanSettings): Finding[] {
  const sweeps = new Map<string, IcmpSweep>();
  for (const c of ds.conns) {
    if (c.proto !== 'icmp' || c.orig_pkts === 0) continue;
    const v6 = c.resp_h.includes(':');
    if (!(v6 ? ICMP6_PROBE_TYPES : ICMP4_PROBE_TYPES).has(c.orig_p)) continue;
    const k = `${c.orig_h}|${v6 ? 6 : 4}`;
    let w = sweeps.get(k);
    if (w === undefined) sweeps.set(k, (w = { src: c.orig_h, v6, hosts: new Map(), probes: 0, first: c.ts, last: c.ts, types: new Set(), uids: [] }));
    w.probes++;
    w.hosts.set(c.resp_h, (w.hosts.get(c.resp_h) ?? false) || c.resp_pkts > 0);
    if (c.ts < w.first) w.first = c.ts;
    if (c.ts > w.last) w.last = c.ts;
    w.types.add(c.orig_p);
    if (w.uids.length < SAMPLE_UIDS) w.uids.push(c.uid);
  }
  return sweepFindings(ds, [...sweeps.values()], s);
}
