/**
 * Long connections: single sessions over a threshold (including ones still open, seen through
 * interim records) and the total duration per source -> destination pair, with the protocol and
 * port of the longest. Modules downloaded by bots and miners hold connections open for hours.
 */
import type { ConnRecord } from '../records/schema.js';
import type { Dataset } from './dataset.js';
import { findingId, fmtDuration, severityOf, type Finding } from './finding.js';

export interface LongConnSettings {
  /** A single session at least this long is reported (seconds). */
  minSession: number;
  /** A pair whose sessions add up to at least this is reported (seconds). */
  minTotal: number;
  /** Duration at which the score reaches 1 (seconds); the score grows with log(duration). */
  fullScoreAt: number;
  /** Share of internal hosts talking to the destination (name or address) above which it is common. */
  prevalentShare: number;
  /** Fewest internal hosts in the data for the prevalence modifier to apply. */
  prevalenceMinHosts: number;
  /** Score multiplier for a common destination (chat, push, VPN services many hosts hold open). */
  prevalenceFactor: number;
  /** Score multiplier for sessions of an interactive administration protocol (SSH) identified by content. */
  interactiveFactor: number;
}

/** Highest score a pair gets from the sum of its sessions alone (no single long session). */
export const TOTAL_SCORE_CAP = 0.75;
/** Services (as the sensor names them) of interactive remote administration. A reverse shell is raw TCP, not one of these. */
export const INTERACTIVE_SERVICES: ReadonlySet<string> = new Set(['ssh', 'rdp']);

export const LONG_CONN_DEFAULTS: Readonly<LongConnSettings> = Object.freeze({
  minSession: 3600, minTotal: 4 * 3600, fullScoreAt: 12 * 3600, prevalentShare: 0.1, prevalenceMinHosts: 8, prevalenceFactor: 0.6,
  interactiveFactor: 0.7,
});

export function detectLongConnections(ds: Dataset, settings: Partial<LongConnSettings> = {}): Finding[] {
  const s = { ...LONG_CONN_DEFAULTS, ...settings };
  const pairs = new Map<string, ConnRecord[]>();
  for (const c of ds.conns) {
    if (c.proto !== 'tcp' && c.proto !== 'udp') continue;
    const k = `${c.orig_h}|${c.resp_h}|${c.proto}`;
    let a = pairs.get(k);
    if (a === undefined) pairs.set(k, (a = []));
    a.push(c);
  }
  const out: Finding[] = [];
  for (const conns of pairs.values()) {
    let longest = conns[0]!;
    let total = 0;
    for (const c of conns) {
      total += c.duration;
      if (c.duration > longest.duration) longest = c;
    }
    if (longest.duration < s.minSession && total < s.minTotal) continue;
    // One long session is the signal; many shorter ones that add up are weaker (capped at
    // TOTAL_SCORE_CAP): people reconnect to the same service all day.
    const curve = (d: number) => Math.min(1, 0.55 + 0.45 * Math.log(d / s.minSession) / Math.log(s.fullScoreAt / s.minSession));
    let score = Math.max(longest.duration >= s.minSession ? curve(longest.duration) : 0, Math.min(TOTAL_SCORE_CAP, curve(total)));
    const bytes = longest.orig_bytes + longest.resp_bytes;
    const kbps = (bytes * 8) / 1000 / Math.max(longest.duration, 1);
    const fq = ds.nameOfConn(longest);
    const open = conns.filter((c) => c.interim).length;
    const reasons = [
      `longest session ${fmtDuration(longest.duration)} on ${longest.resp_p}/${longest.proto}${longest.interim ? ' (still open)' : ''}, ${(bytes / 1000).toFixed(1)} kB at ${kbps.toFixed(2)} kbit/s`,
      `${conns.length} session(s) between the pair, ${fmtDuration(total)} in total`,
    ];
    if (open > 0) reasons.push(`${open} session(s) still open at the end of the data`);
    const interactive = longest.service.split(',').find((x) => INTERACTIVE_SERVICES.has(x));
    if (interactive !== undefined) {
      score *= s.interactiveFactor;
      reasons.push(`${interactive} is an interactive remote-administration protocol (identified by content): admin sessions run for hours, score x${s.interactiveFactor}`);
    }
    const nHosts = ds.internalHosts().size;
    const talkers = Math.max(ds.talkersOf(longest.resp_h).size, fq !== undefined ? ds.talkersOf(fq).size : 0);
    const prevalence = nHosts > 0 ? talkers / nHosts : 0;
    if (nHosts >= s.prevalenceMinHosts && prevalence > s.prevalentShare) {
      score *= s.prevalenceFactor;
      reasons.push(`${talkers} of ${nHosts} internal hosts (${(prevalence * 100).toFixed(0)}%) talk to ${fq ?? longest.resp_h}: a common service, score x${s.prevalenceFactor}`);
    }
    const f: Finding = {
      id: findingId('long_conn', 'pair', longest.orig_h, longest.resp_h, longest.proto),
      detector: 'long_conn', kind: longest.duration >= s.minSession ? 'session' : 'total',
      title: `${longest.orig_h} held ${fmtDuration(longest.duration)} to ${longest.resp_h}:${longest.resp_p}/${longest.proto}${fq ? ` (${fq})` : ''} at ${kbps.toFixed(2)} kbit/s`,
      src: longest.orig_h, dst: longest.resp_h, port: longest.resp_p, proto: longest.proto,
      first: conns[0]!.ts, last: Math.max(...conns.map((c) => c.ts + c.duration)),
      score: Number(score.toFixed(3)), severity: severityOf(score),
      evidence: {
        longest_s: Number(longest.duration.toFixed(1)), total_s: Number(total.toFixed(1)), sessions: conns.length, open_sessions: open,
        longest_bytes: bytes, kbit_per_s: Number(kbps.toFixed(3)), service: longest.service || null, prevalence: Number(prevalence.toFixed(3)),
        thresholds: { min_session_s: s.minSession, min_total_s: s.minTotal, full_score_at_s: s.fullScoreAt },
      },
      reasons, uids: [longest.uid, ...conns.filter((c) => c !== longest).slice(0, 9).map((c) => c.uid)], attack: ['T1571'],
    };
    if (fq !== undefined) f.fqdn = fq;
    out.push(f);
  }
  return out;
}
