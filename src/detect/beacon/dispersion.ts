/**
 * Internal to detect/beacon: the dispersion opinion, in the style of RITA's beacon score as its
 * authors describe it (written from that description): a regular heartbeat has intervals that are
 * neither skewed (Bowley skewness near 0) nor spread (small median absolute deviation relative to
 * the median), sizes that repeat, and connections spread evenly over the time it is alive.
 *
 * Two departures from a plain weighted mean, both measured on synthetic series (see sweep.ts):
 * - Interval regularity is necessary, the rest only confirms: score = confidence * tsScore *
 *   (1 - wSize (1 - size)) * (1 - wCoverage (1 - coverage)) * (1 - wHistogram (1 - histogram)).
 *   In a weighted mean, random arrivals of constant size that cover the day get about half
 *   marks from size, coverage and histogram alone.
 * - Missed beats stretch the upper tail of the intervals, which ruins the skew and the MAD of a
 *   steady heartbeat; the lower tail is untouched. So tsScore is the larger of RITA's interval
 *   score and a lower-spread score, 1 - ((Q50 - Q10) / Q50) / lowSpreadZero: random arrivals
 *   have many short intervals (about 0.85 for exponential gaps), a heartbeat with jitter j has
 *   about j (uniform) or less.
 */
import type { Beats } from './beats.js';
import { FRESH, type Alloc } from './scratch.js';
import type { BeaconSettings } from './settings.js';
import { clamp01, quantileSorted, robustSummary, robustSummarySorted, type RobustSummary } from './stats.js';

/** The dispersion opinion and the numbers behind it. */
export interface DispersionOpinion {
  /** Combined dispersion score 0..1 (see the file comment for how the parts combine). */
  score: number;
  /** Interval part: max(mean of the skew and MAD scores, tsLowScore). */
  tsScore: number;
  /** (Q50 - Q10) / Q50 of the intervals: spread of the lower tail, untouched by missed beats. */
  tsLowSpread: number;
  /** 1 - tsLowSpread / lowSpreadZero, clamped. */
  tsLowScore: number;
  /** Bowley skewness of the intervals between beats, -1..1. */
  tsSkew: number;
  /** 1 - |tsSkew|. */
  tsSkewScore: number;
  /** MAD of the intervals divided by their median. */
  tsMadm: number;
  /** 1 - tsMadm / tsMadmZero, clamped. */
  tsMadmScore: number;
  /** Beats counted (after burst collapse). */
  tsConnCount: number;
  /** Few-beats confidence 1 - exp(-beats / beatsScale): multiplies the score. */
  tsConnCountScore: number;
  /** Median interval (s) and its MAD (s). */
  intervalMedian: number;
  intervalMad: number;
  /** Bowley skewness of bytes per beat (when sizes were given). */
  sizeSkew?: number;
  /** MAD / median of bytes per beat. */
  sizeMadm?: number;
  /** Median bytes per beat. */
  sizeMedian?: number;
  /** Size part: mean of the size skew and size MAD scores. */
  sizeScore?: number;
  /** Share of buckets (histogram bucket width) of the observation window holding a beat, 0..1. */
  coverage: number;
  /** Bucket width (s) used for coverage and the histogram score. */
  bucket: number;
  /** Share of the non-empty full buckets whose beat count is near the median count, 0..1 (NaN: too short). */
  histogramScore: number;
  /** Connections per hour of day (UTC), 24 entries. */
  hourHistogram: number[];
}

/** Lower quantile of the intervals used by the lower-spread score. */
export const LOW_QUANTILE = 0.1;

/** Allowed distance of a bucket's count from the median count: max(1, this share of it). */
export const HIST_TOLERANCE = 0.25;

/** Connections per hour of day (UTC) of the finite times in `ts`, 24 entries. */
export function hourHistogram(ts: ArrayLike<number>): number[] {
  const hours = new Array<number>(24).fill(0);
  for (let i = 0; i < ts.length; i++) {
    const x = ts[i];
    if (!Number.isFinite(x)) continue;
    const h = Math.floor((((x % 86400) + 86400) % 86400) / 3600);
    hours[h]++;
  }
  return hours;
}

function spreadScore(sum: RobustSummary, madmZero: number): { skewScore: number; madm: number; madmScore: number } {
  const madm = sum.median > 0 ? sum.mad / sum.median : sum.mad > 0 ? Infinity : 0;
  return { skewScore: 1 - Math.abs(sum.skew), madm, madmScore: clamp01(1 - madm / madmZero) };
}

/**
 * Score the dispersion of one group's beats. `sortedIntervals` are the gaps between consecutive
 * beats in ascending order, `window` the observation window (defaults to first..last beat),
 * `alloc` where the temporaries come from; `withHours` false leaves hourHistogram empty (the
 * caller fills it with `hourHistogram` if it keeps the opinion).
 */
export function dispersion(
  beats: Beats,
  sortedIntervals: Float64Array,
  ts: ArrayLike<number>,
  window: { start: number; end: number } | undefined,
  s: Readonly<BeaconSettings>,
  alloc: Alloc = FRESH,
  withHours = true,
): DispersionOpinion {
  const n = beats.times.length;
  const first = beats.times[0];
  const last = beats.times[n - 1];
  const iv = robustSummarySorted(sortedIntervals, alloc);
  const t = spreadScore(iv, s.tsMadmZero);
  const q10 = quantileSorted(sortedIntervals, LOW_QUANTILE);
  const tsLowSpread = iv.median > 0 ? (iv.median - q10) / iv.median : 1;
  const tsLowScore = clamp01(1 - tsLowSpread / s.lowSpreadZero);
  const tsScore = Math.max((t.skewScore + t.madmScore) / 2, tsLowScore);
  const confidence = 1 - Math.exp(-n / s.beatsScale);

  let sizePart: Pick<DispersionOpinion, 'sizeSkew' | 'sizeMadm' | 'sizeMedian' | 'sizeScore'> = {};
  let sizeScore = NaN;
  if (beats.sizes) {
    const sz = robustSummary(beats.sizes, alloc === FRESH ? undefined : alloc);
    if (sz.median > 0) {
      const z = spreadScore(sz, s.sizeMadmZero);
      sizeScore = (z.skewScore + z.madmScore) / 2;
      sizePart = { sizeSkew: sz.skew, sizeMadm: z.madm, sizeMedian: sz.median, sizeScore };
    }
  }

  // Coverage over the observation window, in buckets wide enough to expect several beats each.
  const bucket = Math.max(s.histBucket, s.histBeatsPerBucket * (iv.median > 0 ? iv.median : 0));
  const wStart = window && Number.isFinite(window.start) ? Math.min(window.start, first) : first;
  const wEnd = window && Number.isFinite(window.end) ? Math.max(window.end, last) : last;
  const nb = Math.max(1, Math.ceil((wEnd - wStart) / bucket));
  const cover = alloc.uint8(nb).fill(0);
  for (let i = 0; i < n; i++) cover[Math.min(nb - 1, Math.floor((beats.times[i] - wStart) / bucket))] = 1;
  let hit = 0;
  for (let i = 0; i < nb; i++) hit += cover[i];
  const coverage = hit / nb;

  // Histogram: beats per full bucket between first and last beat; a heartbeat fills them evenly.
  const full = Math.floor((last - first) / bucket);
  let histogramScore = NaN;
  if (full >= 2) {
    const counts = alloc.float64(full).fill(0);
    for (let i = 0; i < n; i++) {
      const b = Math.floor((beats.times[i] - first) / bucket);
      if (b < full) counts[b]++;
    }
    // The non-empty buckets' counts, ascending.
    let k = 0;
    for (let b = 0; b < full; b++) if (counts[b] > 0) counts[k++] = counts[b];
    const nz = counts.subarray(0, k).sort();
    if (nz.length > 0) {
      const med = nz[nz.length >> 1];
      const tol = Math.max(1, HIST_TOLERANCE * med);
      let near = 0;
      for (const c of nz) if (Math.abs(c - med) <= tol) near++;
      histogramScore = near / full;
    } else histogramScore = 0;
  }

  const hours = withHours ? hourHistogram(ts) : [];

  const confirm = (w: number, x: number): number => (Number.isFinite(x) ? 1 - w * (1 - clamp01(x)) : 1);
  const score = clamp01(
    confidence *
      tsScore *
      confirm(s.weightSize, sizeScore) *
      confirm(s.weightCoverage, coverage) *
      confirm(s.weightHistogram, histogramScore),
  );

  return {
    score,
    tsScore,
    tsLowSpread,
    tsLowScore,
    tsSkew: iv.skew,
    tsSkewScore: t.skewScore,
    tsMadm: t.madm,
    tsMadmScore: t.madmScore,
    tsConnCount: n,
    tsConnCountScore: confidence,
    intervalMedian: iv.median,
    intervalMad: iv.mad,
    ...sizePart,
    coverage,
    bucket,
    histogramScore,
    hourHistogram: hours,
  };
}
