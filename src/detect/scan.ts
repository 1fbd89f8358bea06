/**
 * Propagation scanning (first cut): horizontal (one source, one port, many hosts — the 445 sweep)
 * and vertical (one source, one host, many ports), counting failed attempts from connection
 * states. Internal sources matter most: a scanning internal host is probably infected.
 */
import type { ConnRecord } from '../records/schema.js';
import type { Dataset } from './dataset.js';
import { findingId, fmtDuration, severityOf, type Finding } from './finding.js';

export interface ScanSettings {
  /** Fewest distinct targets (hosts for horizontal, ports for vertical). */
  minTargets: number;
  /** Lowest share of failed attempts among them. */
  minFailedShare: number;
  /** Targets at which the score reaches 1. */
  fullScoreAt: number;
}

export const SCAN_DEFAULTS: Readonly<ScanSettings> = Object.freeze({ minTargets: 5, minFailedShare: 0.5, fullScoreAt: 100 });

/** Connection states of an attempt that got no service. */
export const FAILED_STATES = new Set(['S0', 'REJ', 'RSTOS0', 'SH', 'RSTR', 'OTH']);

function failed(c: ConnRecord): boolean {
  if (c.proto === 'tcp') return FAILED_STATES.has(c.conn_state) && !(c.conn_state === 'RSTR' && c.orig_bytes > 0) && !(c.conn_state === 'OTH' && c.history.includes('D'));
  return c.resp_pkts === 0;
}

export function detectScans(ds: Dataset, settings: Partial<ScanSettings> = {}): Finding[] {
  const s = { ...SCAN_DEFAULTS, ...settings };
  const horiz = new Map<string, ConnRecord[]>();
  const vert = new Map<string, ConnRecord[]>();
  for (const c of ds.conns) {
    if (c.proto !== 'tcp' && c.proto !== 'udp') continue;
    const hk = `${c.orig_h}|${c.resp_p}|${c.proto}`;
    const vk = `${c.orig_h}|${c.resp_h}|${c.proto}`;
    (horiz.get(hk) ?? horiz.set(hk, []).get(hk)!).push(c);
    (vert.get(vk) ?? vert.set(vk, []).get(vk)!).push(c);
  }
  const out: Finding[] = [];
  const judge = (kind: 'horizontal' | 'vertical', conns: ConnRecord[]) => {
    const targets = new Map<string, boolean>(); // target -> any success
    for (const c of conns) {
      const t = kind === 'horizontal' ? c.resp_h : String(c.resp_p);
      targets.set(t, (targets.get(t) ?? false) || !failed(c));
    }
    if (targets.size < s.minTargets) return;
    const failedTargets = [...targets.values()].filter((ok) => !ok).length;
    const share = failedTargets / targets.size;
    if (share < s.minFailedShare) return;
    const c0 = conns[0]!;
    const internal = ds.internal.contains(c0.orig_h);
    let score = Math.min(1, 0.5 + 0.5 * Math.log(targets.size / s.minTargets) / Math.log(s.fullScoreAt / s.minTargets)) * (0.7 + 0.3 * share);
    if (internal) score = Math.min(1, score + 0.1);
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
      evidence: { targets: targets.size, failed_targets: failedTargets, failed_share: Number(share.toFixed(3)), attempts: conns.length, span_s: Number(span.toFixed(1)), internal_source: internal, thresholds: { ...s } },
      reasons, uids: conns.slice(0, 10).map((c) => c.uid), attack: ['T1046'],
    };
    if (kind === 'horizontal') { f.port = c0.resp_p; f.dsts = [...targets.keys()].slice(0, 50); } else f.dst = c0.resp_h;
    out.push(f);
  };
  for (const conns of horiz.values()) judge('horizontal', conns);
  for (const conns of vert.values()) judge('vertical', conns);
  return out;
}
