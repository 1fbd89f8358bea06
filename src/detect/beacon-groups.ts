/**
 * Scoring the connection groups of a beacon run (see beacons.ts): everything in typed arrays and
 * plain numbers, so the same loop runs in this thread or in worker threads (parallel/), which get
 * the arrays without copies (SharedArrayBuffer).
 *
 * The groups come in judging order: every source -> name group, then every source -> address
 * group, each list in order of its first connection. A name group that becomes a finding covers
 * its connections: an address group whose connections are all covered is not scored (its
 * connections are already explained). Coverage never crosses sources, so the groups can be
 * split by source between threads.
 */
import { scoreBeacon, type BeaconScore, type BeaconSettings } from './beacon/index.js';

/** Per-group flags of a GroupJob. */
export const GROUP_PREVALENT = 1;
export const GROUP_BENIGN = 2;
/** No score can pass the group's bar (minScore / modifiers > 1): never scored. */
export const GROUP_HOPELESS = 4;

/** Everything the scoring loop reads. */
export interface GroupJob {
  /** The scorer's settings (resolved). */
  scoring: Readonly<BeaconSettings>;
  /** The detector's reporting threshold and modifier factors (beacons.ts settings). */
  minScore: number;
  /** Per group: the prevalence multiplier (applied when the group is flagged GROUP_PREVALENT). */
  prevalenceFactor: Float64Array;
  benignFactor: number;
  /** Score every group in full (no bars). */
  exhaustive: boolean;
  /** Observation window (epoch s). */
  window: { start: number; end: number };
  /** Rows of the connection columns: start time, bytes, failed flag, list index; rows are in list order within a source. */
  ts: Float64Array;
  bytes: Float64Array;
  failed: Uint8Array;
  conn: Int32Array;
  /** The list is in time order (else each group is sorted by time, ties by list index). */
  ascending: boolean;
  /** Rows already explained by an HTTP or DNS beacon (1), before any group is scored. */
  covered: Uint8Array;
  /** Member rows of every group, group after group. */
  members: Int32Array;
  /** Groups 0 .. names-1 are name groups, the rest address groups. */
  names: number;
  /** Per group: members' range, source id, flags, and the bar handed to the scorer. */
  from: Int32Array;
  to: Int32Array;
  src: Int32Array;
  flags: Uint8Array;
  atLeast: Float64Array;
}

/** A group that becomes a finding: its index in the job, its score, the score after modifiers. */
export interface GroupResult {
  g: number;
  r: BeaconScore;
  score: number;
}

/**
 * A scorer of single groups of `job`, in judging order per source: it keeps its own copy of the
 * covered rows (a name-level finding covers its rows for the source's address groups, which come
 * later in judging order) and its own buffers.
 */
function groupScorer(job: GroupJob): (g: number) => GroupResult | undefined {
  const covered = new Uint8Array(job.covered.length);
  covered.set(job.covered);
  const { ts, bytes, failed, conn, members } = job;
  let cap = 64;
  let tsBuf = new Float64Array(cap);
  let bytesBuf = new Float64Array(cap);
  let failedBuf = new Uint8Array(cap);
  let idxBuf = new Int32Array(cap);
  return (g: number): GroupResult | undefined => {
    const from = job.from[g]!;
    const len = job.to[g]! - from;
    if (len > cap) {
      while (cap < len) cap *= 2;
      tsBuf = new Float64Array(cap);
      bytesBuf = new Float64Array(cap);
      failedBuf = new Uint8Array(cap);
      idxBuf = new Int32Array(cap);
    }
    const idx = idxBuf.subarray(0, len);
    idx.set(members.subarray(from, from + len));
    let all = true;
    for (let j = 0; j < len && all; j++) if (covered[idx[j]!] === 0) all = false;
    if (all) return undefined; // already explained by a name-level beacon
    const flags = job.flags[g]!;
    if (!job.exhaustive && (flags & GROUP_HOPELESS) !== 0) return undefined; // even a perfect score stays under minScore
    // Members are in list order: time order when the list is; else sort (stable, like Array.sort).
    if (!job.ascending) idx.sort((a, b) => ts[a]! - ts[b]! || conn[a]! - conn[b]!);
    for (let j = 0; j < len; j++) {
      const i = idx[j]!;
      tsBuf[j] = ts[i]!;
      bytesBuf[j] = bytes[i]!;
      failedBuf[j] = failed[i]!;
    }
    const input = { ts: tsBuf.subarray(0, len), bytes: bytesBuf.subarray(0, len), failed: failedBuf.subarray(0, len), window: job.window };
    const r = job.exhaustive ? scoreBeacon(input, job.scoring) : scoreBeacon(input, job.scoring, { atLeast: job.atLeast[g]! });
    if (r.verdict === 'none') return undefined;
    // The modifiers, multiplied in the order the finding's reasons list them.
    let score = r.score;
    if ((flags & GROUP_PREVALENT) !== 0) score *= job.prevalenceFactor[g]!;
    if ((flags & GROUP_BENIGN) !== 0) score *= job.benignFactor;
    if (score < job.minScore) return undefined;
    if (g < job.names) for (let j = 0; j < len; j++) covered[idx[j]!] = 1;
    return { g, r, score };
  };
}

/** Score the job's groups whose source id falls in `split` (all without it), in judging order. */
export function scoreGroups(job: GroupJob, split?: { index: number; count: number }): GroupResult[] {
  const out: GroupResult[] = [];
  const score = groupScorer(job);
  const groups = job.from.length;
  for (let g = 0; g < groups; g++) {
    if (split !== undefined && job.src[g]! % split.count !== split.index) continue;
    const r = score(g);
    if (r !== undefined) out.push(r);
  }
  return out;
}

/**
 * Source slots for sharing a job between threads: group g belongs to slot `src[g] % SCORE_SLOTS`,
 * so a source's groups are scored by one thread in judging order (coverage stays right). Enough
 * slots that two threads finishing at different times end within a slot's work of each other.
 */
export const SCORE_SLOTS = 256;

/**
 * Score the groups of the slots handed out by `claim` (each call returns the next unclaimed slot,
 * SCORE_SLOTS or more when none is left; threads share one counter), each slot's groups in
 * judging order. Sorted by `g`, the results of every thread together are scoreGroups(job)'s.
 */
export function scoreClaimed(job: GroupJob, claim: () => number): GroupResult[] {
  const out: GroupResult[] = [];
  const groups = job.from.length;
  // Groups by slot (a counting sort keeps judging order within a slot).
  const start = new Int32Array(SCORE_SLOTS + 1);
  for (let g = 0; g < groups; g++) start[(job.src[g]! % SCORE_SLOTS) + 1]++;
  for (let k = 0; k < SCORE_SLOTS; k++) start[k + 1] += start[k]!;
  const next = start.slice(0, SCORE_SLOTS);
  const list = new Int32Array(groups);
  for (let g = 0; g < groups; g++) list[next[job.src[g]! % SCORE_SLOTS]!++] = g;
  let score: ((g: number) => GroupResult | undefined) | undefined;
  for (let k = claim(); k < SCORE_SLOTS; k = claim()) {
    score ??= groupScorer(job);
    for (let j = start[k]!; j < start[k + 1]!; j++) {
      const r = score(list[j]!);
      if (r !== undefined) out.push(r);
    }
  }
  return out;
}
