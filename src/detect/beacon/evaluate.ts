/**
 * Seeded evaluation of the scorer on synthetic series, shared by the recall tests, the sweep
 * and the benchmark. Not used in detection.
 */
import { makeRng } from './prng.js';
import { scoreBeacon } from './score.js';
import type { BeaconSettings } from './settings.js';
import { beaconSeries, drawBeaconSpec, drawNegative, type DrawRanges, type NegativeKind } from './synth.js';

/** How the scorer did on `draws` random heartbeats. */
export interface RecallResult {
  draws: number;
  /** Share judged `beacon`. */
  recall: number;
  /** Among those: share with the period within tolerance (5%, 10% at jitter >= 40%). */
  periodOk: number;
  /** Among those: share with the missed share within 0.1 of the truth. */
  missedOk: number;
  /** Median absolute relative period error among those. */
  medianPeriodError: number;
}

/** Score `draws` heartbeats drawn within `ranges` from `seed`. */
export function recallOf(ranges: Partial<DrawRanges>, draws: number, seed: number, settings?: Partial<BeaconSettings>): RecallResult {
  const rng = makeRng(seed);
  let det = 0;
  let periodOk = 0;
  let missedOk = 0;
  const errs: number[] = [];
  for (let i = 0; i < draws; i++) {
    const spec = drawBeaconSpec(rng, ranges);
    const s = beaconSeries(spec);
    const r = scoreBeacon({ ts: s.ts, bytes: s.bytes, failed: s.failed }, settings);
    if (r.verdict !== 'beacon') continue;
    det++;
    const e = Math.abs(r.period - spec.period) / spec.period;
    errs.push(e);
    if (e <= (spec.jitter >= 0.4 ? 0.1 : 0.05)) periodOk++;
    if (Math.abs(r.missed - s.truth.missed) <= 0.1) missedOk++;
  }
  errs.sort((a, b) => a - b);
  return {
    draws,
    recall: det / draws,
    periodOk: det > 0 ? periodOk / det : NaN,
    missedOk: det > 0 ? missedOk / det : NaN,
    medianPeriodError: errs.length > 0 ? errs[errs.length >> 1] : NaN,
  };
}

/** How the scorer did on `draws` random negatives of one kind. */
export interface FalseAlarmResult {
  draws: number;
  /** Share judged anything but `none`. */
  falseAlarms: number;
  /** Share scoring 0.5 or more. */
  atLeastHalf: number;
  /** Score quantiles: median, 95th percentile, maximum. */
  p50: number;
  p95: number;
  max: number;
}

/** Score `draws` negatives of `kind` drawn from `seed`. */
export function falseAlarmsOf(kind: NegativeKind, draws: number, seed: number, settings?: Partial<BeaconSettings>): FalseAlarmResult {
  const rng = makeRng(seed);
  const scores: number[] = [];
  let fa = 0;
  for (let i = 0; i < draws; i++) {
    const s = drawNegative(rng, kind);
    const r = scoreBeacon({ ts: s.ts, bytes: s.bytes, failed: s.failed }, settings);
    if (r.verdict !== 'none') fa++;
    scores.push(r.score);
  }
  scores.sort((a, b) => a - b);
  return {
    draws,
    falseAlarms: fa / draws,
    atLeastHalf: scores.filter((x) => x >= 0.5).length / draws,
    p50: scores[draws >> 1],
    p95: scores[Math.min(draws - 1, Math.floor(0.95 * draws))],
    max: scores[draws - 1],
  };
}
