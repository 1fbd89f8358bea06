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
import { runTrw, trwThresholds, type TrwDecision, type TrwOutcome } from './trw.js';

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

export function detectScans(ds: Dataset, settings: Partial<ScanSettings> = {}): Finding[] {
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
function trwFindings(ds: Dataset, s: ScanSettings, existing: Finding[]): Finding[] {
  const decisions = runTrw(ds.conns, { theta0: s.trwTheta0, theta1: s.trwTheta1, alpha: s.trwAlpha, beta: s.trwBeta }, trwOutcome);
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

/** ICMP host discovery: one source, requests to many hosts, per address family. */
function icmpSweeps(ds: Dataset, s: ScanSettings): Finding[] {
  interface Sweep { src: string; v6: boolean; hosts: Map<string, boolean>; probes: number; first: number; last: number; types: Set<number>; uids: string[] }
  const sweeps = new Map<string, Sweep>();
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
  const out: Finding[] = [];
  for (const w of sweeps.values()) {
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
