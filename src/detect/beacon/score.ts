/**
 * Internal to detect/beacon: `scoreBeacon`, which combines the two opinions into one score,
 * a verdict, the period with its jitter and missed beats, and the reasons.
 */
import { collapseBursts } from './beats.js';
import { combine } from './combine.js';
import { dispersion, hourHistogram, type DispersionOpinion } from './dispersion.js';
import { combIntervals, evaluatePeriod, fitPeriod, type PeriodFit } from './period-fit.js';
import { periodicity, type PeriodicityOpinion } from './periodicity.js';
import { resolveSettings, type BeaconSettings } from './settings.js';
import { Scratch } from './scratch.js';
import { quantileSorted, sortedCopy } from './stats.js';

export { combine };

/** One group of connections (one src -> dst pair, or src -> FQDN). Arrays share one order. */
export interface BeaconInput {
  /** Connection start times, epoch seconds, any order. Non-finite entries are ignored. */
  ts: Float64Array | number[];
  /** Total bytes per connection (orig + resp), same order as `ts`. Ignored unless the same length. */
  bytes?: ArrayLike<number>;
  /** Failed attempts (conn_state S0, REJ, ...; truthy = failed), same order as `ts`. Ignored unless the same length. */
  failed?: ArrayLike<boolean> | Uint8Array;
  /** Observation window (epoch s) of the data set, for the coverage score; defaults to first..last. */
  window?: { start: number; end: number };
}

/** How a group was judged. */
export type BeaconVerdict = 'beacon' | 'strobe' | 'none';

/** The result of scoring one group. */
export interface BeaconScore {
  /** Combined score 0..1: see `combine`. */
  score: number;
  verdict: BeaconVerdict;
  /** Best estimate of the period (s); NaN when the verdict is none (see candidatePeriod). */
  period: number;
  /** The best-fitting period (s) whatever the verdict; NaN when there are too few beats. */
  candidatePeriod: number;
  /** Typical deviation of an interval from its multiple of the period, relative to it, 0..1. */
  jitter: number;
  /** Share of the expected beats (first..last, at the period) with no connection, 0..1. */
  missed: number;
  /** Beats observed after collapsing bursts. */
  beats: number;
  /** Connections counted (finite timestamps). */
  connections: number;
  /** Connections marked failed. */
  failed: number;
  /** Seconds from first to last connection. */
  span: number;
  /** Burst window (s) used to collapse connections into beats. */
  burstWindow: number;
  /** RITA-style opinion (null when there are too few beats). */
  dispersion: DispersionOpinion | null;
  /** BAYWATCH-style opinion (null when there are too few beats). */
  periodicity: PeriodicityOpinion | null;
  /** Short sentences with the numbers behind the verdict. */
  reasons: string[];
  /**
   * Scoring stopped early (only with `ScoreOptions.atLeast`): the score could not reach the bar.
   * `score` is then an upper bound, the verdict is none, period, jitter and missed are NaN, and
   * the periodicity opinion says after how many shuffles it stopped.
   */
  stopped?: boolean;
}

/** How much of the result the caller needs. */
export interface ScoreOptions {
  /**
   * The caller discards results whose combined score is below this (the detector's reporting
   * threshold divided by its modifiers). Scoring may then stop as soon as the score provably
   * cannot reach it; a result at or above it is exactly what scoring without the option gives.
   */
  atLeast?: number;
}

/** Share of intervals under half the period above which a series is taken to hold unrelated connections. */
export const FRAGMENT_SHARE = 0.05;

/** Bounds of the comb tolerance (share of the period) used to set unrelated beats aside. */
export const COMB_TOLERANCE = [0.2, 0.5] as const;

/** Candidate starting periods from the intervals: median / d for these d ... */
export const INTERVAL_DIVISORS = [1, 2, 3, 4] as const;
/** ... and these quantiles of the intervals (the lower quartile stays on the base period while under 3/4 of beats are missed). */
export const INTERVAL_QUANTILES = [0.25] as const;

const fmtS = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(2)) + ' s';
const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;

/** Scratch memory of scoreBeacon (one per thread; scoreBeacon never runs inside itself). */
const SCRATCH = new Scratch();

/** Score one group of connections. Pure: no I/O; deterministic for the same input and settings. */
export function scoreBeacon(input: BeaconInput, settings?: Partial<BeaconSettings>, opts: ScoreOptions = {}): BeaconScore {
  const s = resolveSettings(settings);
  // Temporaries come from scratch memory reused across calls; nothing in the result refers to it.
  const alloc = SCRATCH;
  alloc.reset();
  const beats = collapseBursts(input.ts, input.bytes, input.failed, s.burstMaxWindow, s.burstRelWindow, alloc);
  const nb = beats.times.length;
  const span = nb > 0 ? beats.lastTime - beats.times[0] : 0;
  const reasons: string[] = [];
  const out: BeaconScore = {
    score: 0,
    verdict: 'none',
    period: NaN,
    candidatePeriod: NaN,
    jitter: NaN,
    missed: NaN,
    beats: nb,
    connections: beats.connections,
    failed: beats.failed,
    span,
    burstWindow: beats.window,
    dispersion: null,
    periodicity: null,
    reasons,
  };
  // The first reasons say how connections became beats; written once scoring is sure to finish.
  const beatReasons = (): void => {
    if (beats.invalid > 0) reasons.push(`${beats.invalid} connections without a valid time were ignored`);
    if (nb < beats.connections) {
      reasons.push(`${beats.connections} connections in ${nb} beats (connections within ${fmtS(beats.window)} of each other collapsed)`);
    }
    if (beats.connections > 0 && beats.failed === beats.connections) {
      reasons.push(`all ${beats.failed} connections failed (no answer or rejected): attempts, not a working channel`);
    }
  };
  if (nb < s.minBeats) {
    beatReasons();
    reasons.push(`only ${nb} beats: at least ${s.minBeats} are needed to judge a heartbeat`);
    return out;
  }

  const intervals = alloc.float64(nb - 1);
  for (let i = 1; i < nb; i++) intervals[i - 1] = beats.times[i] - beats.times[i - 1];
  const sortedI = sortedCopy(intervals, alloc);
  const medI = quantileSorted(sortedI, 0.5);

  // The hour-of-day histogram is for the evidence only: counted once scoring is sure to finish.
  const disp = dispersion(beats, sortedI, input.ts, input.window, s, alloc, false);
  const atLeast = opts.atLeast;
  const per = periodicity(beats.times, medI, s, atLeast !== undefined ? { dispersion: disp.score, atLeast } : undefined, alloc);
  out.periodicity = per;
  out.dispersion = disp;
  if (per.bound !== undefined) {
    // Stopped early: the caller discards this result, so the period fit is not worth its time.
    out.stopped = true;
    out.score = combine(disp.score, per.bound, s);
    reasons.push(`none: stopped early, the score cannot reach the bar asked for (${per.skipped})`);
    return out;
  }
  disp.hourHistogram = hourHistogram(input.ts);
  beatReasons();

  // Period: a verified spectral candidate, refined on the intervals near its multiples; else the
  // start (interval median / d, lower quartile) whose fit costs least.
  let best: PeriodFit | null = null;
  let offComb = 0;
  if (per.verified) {
    best = fitPeriod(intervals, per.period, s.maxMultiple, s.missedWeight, s.refineTolerance, alloc);
    // Intervals shorter than half the period are fragments: unrelated connections split the
    // heartbeat's intervals (a heartbeat with up to 50% jitter has almost none). When there are
    // some, set the beats off the period's comb aside (tolerance: twice the first fit's jitter,
    // 0.2..0.5) and fit again on the rest, from the spectral period (the first fit leans short).
    let frag = 0;
    for (let i = 0; i < intervals.length; i++) if (intervals[i] < 0.5 * best.period) frag++;
    if (frag > FRAGMENT_SHARE * intervals.length) {
      const tol = Math.min(COMB_TOLERANCE[1], Math.max(COMB_TOLERANCE[0], 2 * best.jitter));
      const comb = combIntervals(beats.times, per.period, tol, alloc);
      if (comb.intervals.length >= s.minBeats - 1) {
        best = fitPeriod(comb.intervals, per.period, s.maxMultiple, s.missedWeight, s.refineTolerance, alloc);
        offComb = comb.skipped;
      }
    }
  }
  if (!best || !(best.period > 0)) {
    best = null;
    const starts: number[] = INTERVAL_DIVISORS.map((d) => medI / d);
    for (const q of INTERVAL_QUANTILES) starts.push(quantileSorted(sortedI, q));
    // Each start is refined; the median is also scored as it is: at high jitter the refinement
    // can slide (the intervals near 1.5 p flip to two periods), and then the median fits better.
    for (const p0 of starts) {
      const fits = [fitPeriod(intervals, p0, s.maxMultiple, s.missedWeight, s.startTolerance, alloc)];
      if (p0 === medI) fits.push(evaluatePeriod(intervals, p0, s.maxMultiple, s.missedWeight, alloc.float64(intervals.length)));
      for (const f of fits) {
        if (!best || f.cost < best.cost - 1e-9 || (Math.abs(f.cost - best.cost) <= 1e-9 && f.period > best.period)) best = f;
      }
    }
  }
  const fit = best!;
  out.candidatePeriod = fit.period;
  out.jitter = fit.jitter;
  out.missed = fit.missed;

  const score = combine(disp.score, per.score, s);
  out.score = score;
  reasons.push(
    `intervals median ${fmtS(disp.intervalMedian)}, MAD ${fmtS(disp.intervalMad)}, skew ${disp.tsSkew.toFixed(2)}: dispersion score ${disp.score.toFixed(2)}`,
  );
  if (disp.sizeMedian !== undefined) {
    reasons.push(`bytes per beat median ${disp.sizeMedian.toFixed(0)}, MAD/median ${disp.sizeMadm!.toFixed(2)}`);
  }
  if (per.skipped) reasons.push(`periodogram not run: ${per.skipped}`);
  else {
    const thr = `threshold ${per.threshold.toFixed(1)} (${(100 * per.quantile).toFixed(1)}th percentile of ${per.permutations} shuffles${per.smoothed ? ', smoothed spectrum' : ''})`;
    reasons.push(
      per.verified
        ? `periodogram peak at ${fmtS(per.period)}, power ${per.power.toFixed(1)} over ${thr}, confirmed by autocorrelation (contrast ${per.acf.toFixed(2)}): periodicity score ${per.score.toFixed(2)}`
        : `no confirmed periodogram peak (strongest ${fmtS(per.period)}, power ${per.power.toFixed(1)}, ${thr}, autocorrelation contrast ${per.acf.toFixed(2)}): periodicity score ${per.score.toFixed(2)}`,
    );
  }
  reasons.push(`period ${fmtS(fit.period)}, jitter ${pct(fit.jitter)}, ${pct(fit.missed)} of ${fit.expected} expected beats missed`);
  if (offComb > 0) reasons.push(`${offComb} beats off the period's rhythm (other traffic to the same destination) left out of the period fit`);
  if (nb < s.fewBeats) {
    reasons.push(`only ${nb} beats: the periodicity test has little power, the score rests on interval regularity`);
  }

  const rate = beats.connections / Math.max(span, 1e-9);
  if (span >= s.strobeMinSpan && rate > s.strobeMinRate) {
    out.verdict = 'strobe';
    out.period = fit.period;
    reasons.push(`${rate.toFixed(2)} connections/s sustained over ${fmtS(span)}: a strobe (more than ${s.strobeMinRate}/s)`);
  } else if (span < s.minSpan) {
    reasons.push(`spans only ${fmtS(span)} (< ${fmtS(s.minSpan)}): not judged a beacon`);
  } else if (fit.period < s.minPeriod) {
    reasons.push(`period ${fmtS(fit.period)} is under ${fmtS(s.minPeriod)}: not judged a beacon`);
  } else if (score >= s.beaconThreshold) {
    out.verdict = 'beacon';
    out.period = fit.period;
  }
  // The verdict and how the score was made go first.
  const hi = Math.max(disp.score, per.score);
  const agree = score > hi + 1e-12 ? `, raised because both opinions agree (the other is ${Math.min(disp.score, per.score).toFixed(2)})` : '';
  reasons.unshift(
    `${out.verdict}: score ${score.toFixed(2)} (threshold ${s.beaconThreshold}) from the ${disp.score >= per.score ? 'dispersion' : 'periodicity'} opinion ${hi.toFixed(2)}${agree}`,
  );
  return out;
}
