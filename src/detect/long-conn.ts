/**
 * Long connections: single sessions over a threshold (including ones still open, seen through
 * interim records) and the total duration per source -> destination pair, with the protocol and
 * port of the longest. Modules downloaded by bots and miners hold connections open for hours.
 */
import type { ConnRecord } from '../records/schema.js';
import { datasetColumns, PROTO_TCP, PROTO_UDP } from './conn-table.js';
import type { Dataset } from './dataset.js';
import { inPartition, type Partition } from './partition.js';
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

/**
 * Pairs are source -> destination address and transport, grouped over the dataset's shared
 * columns (conn-table.ts): each source's connections come contiguously, a stamp array indexed by
 * destination gives each its pair, the total and the longest session of every pair add up in
 * time order, and the member records are gathered only for the pairs reported (string keys and
 * arrays of records per pair took seconds per million connections). Pairs are reported in order
 * of their first connection. With `partition`, only the sources of that partition (partition.ts).
 */
export function detectLongConnections(ds: Dataset, settings: Partial<LongConnSettings> = {}, partition?: Partition): Finding[] {
  const s = { ...LONG_CONN_DEFAULTS, ...settings };
  const cols = datasetColumns(ds);
  const { blockStart, conn } = cols;
  const sources = blockStart.length - 1;
  const dur = cols.duration;
  // Per destination-and-transport key (dst * 2 + udp): the source that last used it, and its pair there.
  const stamp = new Int32Array(2 * cols.strs.size).fill(-1);
  const local = new Int32Array(2 * cols.strs.size);
  let longestBlock = 0;
  for (let b = 0; b < sources; b++) longestBlock = Math.max(longestBlock, blockStart[b + 1]! - blockStart[b]!);
  const connPair = new Int32Array(longestBlock);
  const pFirst = new Int32Array(longestBlock), pLongest = new Int32Array(longestBlock);
  const pTotal = new Float64Array(longestBlock);
  const pReported = new Int32Array(longestBlock);
  const reported: { first: number; longest: number; total: number; conns: ConnRecord[] }[] = [];
  for (let src = 0; src < sources; src++) {
    const b0 = blockStart[src]!;
    const b1 = blockStart[src + 1]!;
    if (b0 === b1) continue;
    if (partition !== undefined && !inPartition(cols.strs.values[src]!, partition)) continue;
    let np = 0;
    for (let i = b0; i < b1; i++) {
      const j = i; // rows of this source, in list order
      const proto = cols.proto[i]!;
      if (proto !== PROTO_TCP && proto !== PROTO_UDP) {
        connPair[j - b0] = -1;
        continue;
      }
      const key = cols.dst[i]! * 2 + proto;
      if (stamp[key] !== src) {
        stamp[key] = src;
        local[key] = np;
        pFirst[np] = conn[i]!;
        pLongest[np] = i;
        pTotal[np] = 0;
        np++;
      }
      const p = local[key]!;
      connPair[j - b0] = p;
      // As over the records: durations add up in time order, the first longest session wins.
      const d = dur[i]!;
      pTotal[p] += d;
      if (d > dur[pLongest[p]!]!) pLongest[p] = i;
    }
    let any = false;
    for (let p = 0; p < np; p++) {
      pReported[p] = -1;
      if (dur[pLongest[p]!]! < s.minSession && pTotal[p]! < s.minTotal) continue;
      pReported[p] = reported.length;
      reported.push({ first: pFirst[p]!, longest: conn[pLongest[p]!]!, total: pTotal[p]!, conns: [] });
      any = true;
    }
    if (!any) continue;
    for (let j = b0; j < b1; j++) {
      const p = connPair[j - b0]!;
      if (p >= 0 && pReported[p]! >= 0) reported[pReported[p]!]!.conns.push(ds.conn(conn[j]!));
    }
  }
  reported.sort((a, b) => a.first - b.first);
  const out: Finding[] = [];
  for (const { longest: li, total, conns } of reported) {
    const longest = ds.conn(li);
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
      first: conns[0]!.ts, last: lastEnd(conns),
      score: Number(score.toFixed(3)), severity: severityOf(score),
      evidence: {
        longest_s: Number(longest.duration.toFixed(1)), total_s: Number(total.toFixed(1)), sessions: conns.length, open_sessions: open,
        longest_bytes: bytes, kbit_per_s: Number(kbps.toFixed(3)), service: longest.service || null, prevalence: Number(prevalence.toFixed(3)),
        thresholds: { min_session_s: s.minSession, min_total_s: s.minTotal, full_score_at_s: s.fullScoreAt },
      },
      reasons, uids: [longest.uid, ...conns.filter((c) => c.uid !== longest.uid).slice(0, 9).map((c) => c.uid)], attack: ['T1571'],
    };
    if (fq !== undefined) f.fqdn = fq;
    out.push(f);
  }
  return out;
}

/** Math.max of ts + duration over the records, without spreading them into arguments (a pair can hold millions). */
function lastEnd(conns: readonly ConnRecord[]): number {
  let m = -Infinity;
  for (const c of conns) m = Math.max(m, c.ts + c.duration);
  return m;
}
