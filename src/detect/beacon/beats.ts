/**
 * Internal to detect/beacon: turn one group's connections into beats. Connections are sorted by
 * start time and bursts (several connections per heartbeat, quick retries) collapse into one beat.
 */
import { FRESH, type Alloc } from './scratch.js';
import { quantileSorted } from './stats.js';

/** The beats of one group, ascending in time. */
export interface Beats {
  /** Start time (s) of each beat: the first connection of its burst. */
  times: Float64Array;
  /** Total bytes per beat (sum over its connections), or null when no sizes were given. */
  sizes: Float64Array | null;
  /** Connections in each beat. */
  conns: Uint32Array;
  /** Connections with a finite timestamp (the ones counted). */
  connections: number;
  /** Connections dropped because their timestamp was not finite. */
  invalid: number;
  /** Connections marked failed. */
  failed: number;
  /** Burst window (s) used: connections within it of a burst's first one joined the burst. */
  window: number;
  /** Time of the last connection (the last beat starts at or before it); NaN when empty. */
  lastTime: number;
}

/**
 * Sort and collapse. `alloc`: where the arrays come from (a Scratch inside scoreBeacon; the
 * result's arrays are then views that live until its next call). The burst window is min(maxWindow, relWindow * typical interval), where the
 * typical interval is the median of the gaps longer than maxWindow (the gaps between bursts), or
 * of all gaps when none is that long. A burst is anchored at its first connection (no chaining),
 * so a dense stream never collapses into one endless beat.
 */
export function collapseBursts(
  ts: ArrayLike<number>,
  bytes: ArrayLike<number> | undefined,
  failedIn: ArrayLike<boolean> | Uint8Array | undefined,
  maxWindow: number,
  relWindow: number,
  alloc: Alloc = FRESH,
): Beats {
  const n0 = ts.length;
  const hasBytes = bytes !== undefined && bytes.length === n0;
  const hasFailed = failedIn !== undefined && failedIn.length === n0;
  // Indices of valid timestamps, sorted by time (skip the sort when already ascending).
  let idx = alloc.uint32(n0);
  let n = 0;
  let ascending = true;
  let prev = -Infinity;
  for (let i = 0; i < n0; i++) {
    const t = ts[i];
    if (!Number.isFinite(t)) continue;
    if (t < prev) ascending = false;
    prev = t;
    idx[n++] = i;
  }
  idx = idx.subarray(0, n);
  if (!ascending) idx.sort((a, b) => ts[a] - ts[b] || a - b);
  const t = alloc.float64(n);
  let failed = 0;
  for (let i = 0; i < n; i++) {
    t[i] = ts[idx[i]];
    if (hasFailed && failedIn[idx[i]]) failed++;
  }

  // Typical gap between bursts.
  let window = 0;
  if (n >= 2) {
    const gaps = alloc.float64(n - 1);
    let big = 0;
    for (let i = 1; i < n; i++) {
      const g = t[i] - t[i - 1];
      gaps[i - 1] = g;
      if (g > maxWindow) big++;
    }
    gaps.sort();
    const typical = big > 0 ? quantileSorted(gaps.subarray(n - 1 - big), 0.5) : quantileSorted(gaps, 0.5);
    window = Math.min(maxWindow, relWindow * typical);
  }

  const times = alloc.float64(n);
  const conns = alloc.uint32(n).fill(0);
  const sizes = hasBytes ? alloc.float64(n).fill(0) : null;
  let m = 0;
  let start = -Infinity;
  for (let i = 0; i < n; i++) {
    if (m === 0 || t[i] - start > window) {
      start = t[i];
      times[m] = start;
      m++;
    }
    conns[m - 1]++;
    if (sizes) {
      const b = Number(bytes![idx[i]]);
      if (Number.isFinite(b) && b > 0) sizes[m - 1] += b;
    }
  }
  return {
    times: times.subarray(0, m),
    sizes: sizes ? sizes.subarray(0, m) : null,
    conns: conns.subarray(0, m),
    connections: n,
    invalid: n0 - n,
    failed,
    window,
    lastTime: n > 0 ? t[n - 1] : NaN,
  };
}
