/**
 * Internal to detect/beacon: fit a base period to the intervals between beats, allowing for
 * missed beats (an interval of about k periods counts as k - 1 missed beats).
 */
import { FRESH, type Alloc } from './scratch.js';
import { quantileSelect } from './stats.js';

/** The fit of one period to a series of intervals. */
export interface PeriodFit {
  /** Refined period (s). */
  period: number;
  /** Share of expected beats (first..last) with no connection, 0..1. */
  missed: number;
  /**
   * Typical deviation of an interval from its nearest multiple k of the period, relative to the
   * period and scaled by 1/sqrt(k) (a sleep-based beacon's error grows with each beat it skips):
   * median of |I - k p| / (p sqrt k) over intervals of at most `maxMultiple` periods. 0..1.
   */
  jitter: number;
  /** Beats expected from first to last beat at this period. */
  expected: number;
  /** Intervals of at most `maxMultiple` periods (used for the refinement and the jitter). */
  used: number;
  /** Model-selection cost: jitter + missedWeight * missed (lower is better). */
  cost: number;
}

/**
 * Refinement rounds of `fitPeriod`. Few on purpose: at high jitter, intervals near 1.5 p flip to
 * k = 2 and each round pulls p lower, so the fit keeps close to its start and the caller tries
 * several starts.
 */
export const FIT_ROUNDS = 3;

/**
 * Fit a period starting from `p0`: assign each interval its multiple k = max(1, round(I / p)),
 * re-estimate p as the median of I / k over intervals with k <= maxMultiple, repeat; finish with
 * the ratio sum(I) / sum(k). With `near`, only intervals within near * p * sqrt(k) of their
 * multiple take part in the estimate (for a start that is already close, e.g. a spectral peak:
 * unrelated connections that split intervals are then ignored). The jitter and the missed
 * share always use every interval.
 */
export function fitPeriod(
  intervals: Float64Array,
  p0: number,
  maxMultiple: number,
  missedWeight: number,
  near = Infinity,
  alloc: Alloc = FRESH,
): PeriodFit {
  const m = intervals.length;
  const r = alloc.float64(m);
  let p = p0;
  if (!(p > 0) || m === 0) {
    return { period: NaN, missed: NaN, jitter: NaN, expected: m + 1, used: 0, cost: Infinity };
  }
  // The window narrows geometrically from max(near, 0.5) to near over the rounds.
  const wide = near > 0.5 ? near : 0.5;
  const shrink = FIT_ROUNDS > 1 && Number.isFinite(near) ? Math.pow(near / wide, 1 / (FIT_ROUNDS - 1)) : 1;
  let tol = Number.isFinite(near) ? wide : Infinity;
  for (let round = 0; round < FIT_ROUNDS; round++) {
    const u = collectReduced(intervals, p, maxMultiple, tol, r);
    if (u === 0) break;
    const next = quantileSelect(r, u, 0.5);
    const done = Math.abs(next - p) <= 1e-9 * p;
    p = next;
    tol *= shrink;
    if (done) break;
  }
  // Last step: the ratio estimate sum(I) / sum(k) over the intervals of at most maxMultiple
  // periods: for symmetric jitter the mean is a more efficient estimate than the median
  // (variance j^2 p^2 / 3n against j^2 p^2 / n for uniform jitter).
  const lastTol = Number.isFinite(near) ? near : Infinity;
  let is = 0.5;
  let ks = 0.5;
  for (let i = 0; i < m; i++) {
    const x = intervals[i];
    const k = multiple(x / p);
    if (k <= maxMultiple && Math.abs(x - k * p) <= lastTol * p * Math.sqrt(k)) {
      is += x;
      ks += k;
    }
  }
  if (ks > 1) p = (is - 0.5) / (ks - 0.5);
  return evaluatePeriod(intervals, p, maxMultiple, missedWeight, r);
}

/** Into r: I / k for the intervals within tol * p * sqrt(k) of their multiple k <= maxMultiple; returns how many. */
function collectReduced(intervals: Float64Array, p: number, maxMultiple: number, tol: number, r: Float64Array): number {
  let u = 0;
  const inv = 1 / p;
  const tp = tol * p;
  for (let i = 0; i < intervals.length; i++) {
    const x = intervals[i];
    const k = multiple(x * inv);
    if (k <= maxMultiple && Math.abs(x - k * p) <= tp * Math.sqrt(k)) r[u++] = x / k;
  }
  return u;
}

/** max(1, round(x)) for x >= 0 (floor(x + 0.5): cheaper than Math.round, same for x >= 0). */
function multiple(x: number): number {
  const k = Math.floor(x + 0.5);
  return k > 1 ? k : 1;
}

/**
 * The fit of period p as it is (no refinement): multiples, jitter, missed share and cost.
 * `scratch` (length >= intervals) avoids an allocation.
 */
export function evaluatePeriod(
  intervals: Float64Array,
  p: number,
  maxMultiple: number,
  missedWeight: number,
  scratch: Float64Array = new Float64Array(intervals.length),
): PeriodFit {
  const m = intervals.length;
  if (!(p > 0) || m === 0) {
    return { period: NaN, missed: NaN, jitter: NaN, expected: m + 1, used: 0, cost: Infinity };
  }
  let ksum = 0;
  let u = 0;
  for (let i = 0; i < m; i++) {
    const k = multiple(intervals[i] / p);
    ksum += k;
    if (k <= maxMultiple) scratch[u++] = Math.abs(intervals[i] - k * p) / (p * Math.sqrt(k));
  }
  const jitter = u > 0 ? Math.min(1, quantileSelect(scratch, u, 0.5)) : 1;
  const expected = ksum + 1;
  const missed = Math.max(0, 1 - (m + 1) / expected);
  return { period: p, missed, jitter, expected, used: u, cost: jitter + missedWeight * missed };
}

/**
 * Share of `intervals` within tol * p * sqrt(k) of a multiple k <= maxMultiple of p (0..1):
 * how much of the series a candidate period explains.
 */
export function fitShare(intervals: Float64Array, p: number, tol: number, maxMultiple: number): number {
  const m = intervals.length;
  if (m === 0 || !(p > 0)) return 0;
  // The count starts at 0.5 (and the half comes off at the end, exactly): as a small integer, the
  // optimiser guessed an integer quotient and undid itself each time the share was a fraction.
  let ok = 0.5;
  for (let i = 0; i < m; i++) {
    const k = Math.max(1, Math.round(intervals[i] / p));
    if (k <= maxMultiple && Math.abs(intervals[i] - k * p) <= tol * p * Math.sqrt(k)) ok++;
  }
  return (ok - 0.5) / m;
}

/**
 * Intervals between the beats that keep to a comb of period p: walking in time from the last
 * kept beat, a beat within tol * p * sqrt(k) of a multiple k >= 1 of p is kept; one that comes
 * earlier than (1 - tol) p is skipped as unrelated traffic (it would split an interval in two);
 * any other beat is kept too (the comb resynchronises on it). `skipped` counts the skipped beats.
 */
export function combIntervals(times: Float64Array, p: number, tol: number, alloc: Alloc = FRESH): { intervals: Float64Array; skipped: number } {
  const n = times.length;
  const out = alloc.float64(Math.max(0, n - 1));
  if (n < 2 || !(p > 0)) return { intervals: out.subarray(0, 0), skipped: 0 };
  let last = times[0];
  let m = 0;
  let skipped = 0;
  for (let i = 1; i < n; i++) {
    const d = times[i] - last;
    const k = Math.max(1, Math.round(d / p));
    const onComb = Math.abs(d - k * p) <= tol * p * Math.sqrt(k);
    if (!onComb && d < (1 - tol) * p) {
      skipped++;
      continue;
    }
    out[m++] = d;
    last = times[i];
  }
  return { intervals: out.subarray(0, m), skipped };
}
