/**
 * Internal to detect/beacon: the periodicity opinion, after BAYWATCH (Hu et al., DSN 2016).
 * The beats are binned into a 0/1-ish series; its periodogram (own radix-2 FFT, zero-padded)
 * is searched for the strongest peaks within the allowed periods, as is and smoothed by a
 * moving average (a sleep jitter that accumulates from beat to beat broadens the line); the
 * peak power is compared with a threshold from a permutation test (the binned series shuffled
 * K times with a seeded generator: a high quantile of the shuffled series' maximum power);
 * each candidate period must then sit on a hill of the autocorrelation function of the beats
 * (more pairs of beats with a lag near the candidate than halfway between its multiples,
 * counted exactly from the times), which rejects harmonics (p/2) and sub-harmonics (2p), and
 * must explain the intervals (one beat per period or fewer, a share of intervals near its
 * multiples), which rejects the recurring sessions of human activity.
 */
import { nextPow2, twoRealPowers } from './fft.js';
import { fitShare } from './period-fit.js';
import { makeRng, mixSeed } from './prng.js';
import type { BeaconSettings } from './settings.js';
import { clamp01, quantileSorted } from './stats.js';

/** One spectral candidate and its autocorrelation check. */
export interface PeriodCandidate {
  /** Period (s) from the interpolated spectral peak. */
  period: number;
  /** Normalised periodogram power |X(f)|^2 / beats at the peak (smoothed spectrum if `smoothed`). */
  power: number;
  /** The permutation threshold of the spectrum it was found in. */
  threshold: number;
  /** Found in the smoothed spectrum. */
  smoothed: boolean;
  /** Autocorrelation hill-versus-valley contrast at this lag, -1..1. */
  acf: number;
  /** Pairs of beats in the autocorrelation hill window, per beat interval. */
  pairShare: number;
  /** Beats per period at this period (beats / (span / period + 1)). */
  beatsPerPeriod: number;
  /** Share of the intervals near a multiple of this period (see fitShare). */
  fitShare: number;
  /**
   * Power over the threshold, and confirmed: autocorrelation contrast >= acfMinContrast with
   * pairShare >= acfMinPairShare, beatsPerPeriod <= maxBeatsPerPeriod, fitShare >= minFitShare.
   */
  verified: boolean;
}

/** The periodicity opinion and the numbers behind it. */
export interface PeriodicityOpinion {
  /** Periodicity score 0..1. */
  score: number;
  /** Best verified period (s); else the strongest candidate's; NaN when there is no search band. */
  period: number;
  /** Normalised power of that candidate (null expectation about 1 per frequency). */
  power: number;
  /**
   * Permutation threshold: quantile 1 - (1 - permQuantile) / 2 of the shuffled series' maximum
   * power in the same spectrum (two spectra are searched, each gets half the false-alarm share).
   */
  threshold: number;
  /** The chosen peak is from the smoothed spectrum (moving average over smoothWidth of the typical frequency). */
  smoothed: boolean;
  /** Permutation p-value (1 + shuffles at least as strong) / (1 + shuffles). */
  pValue: number;
  /** Analytic p-value of a raw-spectrum peak (max of independent exponentials with the shuffles' mean); NaN for a smoothed one. */
  pValueAnalytic: number;
  /** Autocorrelation contrast at the chosen lag, -1..1. */
  acf: number;
  /** The chosen candidate passed every check (see PeriodCandidate.verified). */
  verified: boolean;
  /** Bin width (s), bins, and FFT size used. */
  binWidth: number;
  bins: number;
  fftSize: number;
  /** Periods (s) searched: [shortest, longest]. */
  band: [number, number];
  /** Shuffles run. */
  permutations: number;
  /** Quantile of the shuffled maxima taken as threshold (per spectrum). */
  quantile: number;
  /** The candidates checked, strongest first. */
  candidates: PeriodCandidate[];
  /** Why the test could not run, when it could not. */
  skipped?: string;
}

/** Candidates that are multiples of the strongest peak's period (2p, 3p) are also checked. */
export const SUBHARMONICS = [2, 3] as const;

/** Largest power of two <= n (n >= 1). */
function prevPow2(n: number): number {
  const p = nextPow2(n);
  return p > n ? p / 2 : p;
}

function empty(skipped: string, binWidth = NaN, bins = 0, fftSize = 0, band: [number, number] = [NaN, NaN]): PeriodicityOpinion {
  return {
    score: 0,
    period: NaN,
    power: 0,
    threshold: NaN,
    smoothed: false,
    pValue: 1,
    pValueAnalytic: 1,
    acf: 0,
    verified: false,
    binWidth,
    bins,
    fftSize,
    band,
    permutations: 0,
    quantile: NaN,
    candidates: [],
    skipped,
  };
}

/**
 * Pairs of beats (i < j) whose lag t_j - t_i lies in [lo, hi]: the autocorrelation of the event
 * train over that lag window, counted exactly from the times (two moving pointers, O(n)).
 */
export function pairsInLag(times: Float64Array, lo: number, hi: number): number {
  const n = times.length;
  if (!(hi >= lo) || hi <= 0) return 0;
  let count = 0;
  let a = 0; // first j with t_j - t_i >= lo
  let b = 0; // first j with t_j - t_i > hi
  for (let i = 0; i < n; i++) {
    const t = times[i];
    if (a <= i) a = i + 1;
    if (b < a) b = a;
    while (a < n && times[a] - t < lo) a++;
    if (b < a) b = a;
    while (b < n && times[b] - t <= hi) b++;
    count += b - a;
  }
  return count;
}

/** Autocorrelation of the beats around one lag: the hill and the valleys beside it. */
export interface AcfCheck {
  /** (hill - valley) / (hill + valley), -1..1, from pair densities per second of lag; 0 when both are empty. */
  contrast: number;
  /** Pairs with a lag within L (1 +- tol). */
  hillPairs: number;
}

/**
 * Autocorrelation hill check at lag L (s): hill = pairs with lag in L (1 +- tol), valley = the
 * denser of the windows L/2 (1 +- tol) and 3L/2 (1 +- tol/3), both as pairs per second of lag.
 * A heartbeat has its pairs at multiples of the period and few halfway between; a candidate at
 * half the period (a harmonic) finds no hill, one at twice the period finds its valley full.
 */
export function acfCheck(times: Float64Array, L: number, tol: number): AcfCheck {
  const hw = tol * L;
  const hillPairs = pairsInLag(times, L - hw, L + hw);
  const hill = hillPairs / (2 * hw);
  const v1 = pairsInLag(times, L / 2 - hw / 2, L / 2 + hw / 2) / hw;
  const v2 = pairsInLag(times, 1.5 * L - hw / 2, 1.5 * L + hw / 2) / hw;
  const valley = Math.max(v1, v2);
  const d = hill + valley;
  return { contrast: d > 0 ? (hill - valley) / d : 0, hillPairs };
}

/**
 * The periodicity score. A verified candidate (significant, on an autocorrelation hill, fitting
 * the intervals) scores 0.5 + 0.5 * strength, strength = min(1, ln r / ln powerRatioFull) *
 * acf contrast, r = power / threshold. Anything else scores unverifiedFactor * min(1, r)^2:
 * evidence, never a verdict on its own. Below fewBeats beats the score is scaled by
 * (n - 1) / (fewBeats - 1): a permutation test over a handful of events passes by chance
 * (its false-alarm share) too easily to carry a verdict.
 */
export function periodicityScore(verified: boolean, r: number, acf: number, n: number, s: Readonly<BeaconSettings>): number {
  if (!(r > 0)) return 0;
  const few = Math.min(1, (n - 1) / Math.max(1, s.fewBeats - 1));
  if (verified) return clamp01(few * (0.5 + 0.5 * clamp01(Math.log(r) / Math.log(s.powerRatioFull)) * clamp01(acf)));
  return clamp01(few * s.unverifiedFactor * Math.min(1, r) ** 2);
}

/**
 * Run the periodicity test on ascending beat times. `typical` is the median interval between
 * beats (sets the bin width). Deterministic: the shuffles are seeded from settings.seed and n.
 */
export function periodicity(times: Float64Array, typical: number, s: Readonly<BeaconSettings>): PeriodicityOpinion {
  const n = times.length;
  if (n < 3) return empty('fewer than 3 beats');
  const t0 = times[0];
  const span = times[n - 1] - t0;
  if (!(span > 0)) return empty('no time span');
  // Bin width: at least binsPerInterval bins per typical interval, rounded so that the bins fill
  // a power of two (between binsPerInterval and twice that per interval), within maxBins and
  // maxBinsPerBeat per beat (sparse, clustered series: a short median interval over a long span).
  const target = Math.min(typical > 0 ? typical : span, s.maxPeriod) / s.binsPerInterval;
  const maxM = Math.min(prevPow2(s.maxBins), nextPow2(s.maxBinsPerBeat * n));
  const M = Math.min(nextPow2(Math.ceil(span / target) + 1), maxM);
  const w = Math.max(span / (M - 1), s.minBinWidth);
  const N = Math.floor(span / w) + 1;
  const maxP = Math.min(s.maxPeriod, span / s.minCycles);
  const minP = Math.max(s.minPeriod, s.minLagBins * w);
  const band: [number, number] = [minP, maxP];
  if (!(maxP > minP)) return empty(`span ${span.toFixed(0)} s too short for ${s.minCycles} cycles of a period >= ${minP.toFixed(1)} s`, w, N, M, band);
  const kLo = Math.max(1, Math.ceil((M * w) / maxP));
  const kHi = Math.min(M / 2 - 1, Math.floor((M * w) / minP));
  if (kHi < kLo) return empty('empty frequency band', w, N, M, band);

  const intervals = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) intervals[i - 1] = times[i] - times[i - 1];
  // The binned series, kept sparse: bins holding beats and how many.
  const binOf = new Int32Array(n);
  for (let i = 0; i < n; i++) binOf[i] = Math.min(N - 1, Math.floor((times[i] - t0) / w));
  const pos: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) {
    if (pos.length > 0 && pos[pos.length - 1] === binOf[i]) val[val.length - 1]++;
    else {
      pos.push(binOf[i]);
      val.push(1);
    }
  }
  const z = pos.length;
  const mean = n / N;

  // Spectra: the series itself and K shuffles, two real series per complex FFT. Each spectrum
  // is read twice: as is (sharp lines: steady clocks) and smoothed by a moving average (lines
  // broadened by a sleep jitter that accumulates from beat to beat).
  const K = Math.max(Math.round(s.permutations), Math.min(Math.round(s.maxPermutations), Math.floor(s.permBudget / M)));
  const rho = s.smoothWidth;
  // Two spectra are searched: each gets half the false-alarm share (Bonferroni).
  const q = 1 - (1 - s.permQuantile) / (rho > 0 ? 2 : 1);
  // Smoothing half-width in bins: smoothWidth of the frequency of the typical interval (the
  // line of a jittered heartbeat is about that wide); the same width everywhere keeps the
  // shuffles' maximum comparable across the band.
  const h = rho > 0 ? Math.max(1, Math.round((rho * M * w) / (typical > 0 ? typical : span))) : 0;
  const kA = Math.max(1, kLo - h);
  const kB = Math.min(M / 2, kHi + h);
  const rng = makeRng(mixSeed(s.seed, n, N));
  const re = new Float64Array(M);
  const im = new Float64Array(M);
  const pa = new Float64Array(M / 2 + 1);
  const pb = new Float64Array(M / 2 + 1);
  const cum = new Float64Array(M / 2 + 2);
  const sm = new Float64Array(M / 2 + 1);
  const main = new Float64Array(M / 2 + 1);
  const mainSm = new Float64Array(M / 2 + 1);
  const maxes = new Float64Array(K);
  const maxesSm = new Float64Array(K);
  const stamp = new Uint32Array(N);
  let round = 0;
  let nullSum = 0;
  let nullCount = 0;
  /** Write the mean-removed series into dst (length M, zero padded); shuffled: bin values at random bins. */
  const fillSeries = (dst: Float64Array, shuffled: boolean): void => {
    dst.fill(-mean, 0, N);
    dst.fill(0, N);
    if (!shuffled) {
      for (let i = 0; i < z; i++) dst[pos[i]] += val[i];
      return;
    }
    // A random permutation of the bins moves the z filled bins to z distinct uniform bins:
    // drawn by rejection while at most half the bins are filled, else by a full shuffle.
    if (2 * z > N) {
      const dense = new Float64Array(N);
      for (let i = 0; i < z; i++) dense[pos[i]] = val[i];
      for (let i = N - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const x = dense[i];
        dense[i] = dense[j];
        dense[j] = x;
      }
      for (let i = 0; i < N; i++) dst[i] += dense[i];
      return;
    }
    round++;
    for (let i = 0; i < z; i++) {
      let b = rng.int(N);
      while (stamp[b] === round) b = rng.int(N);
      stamp[b] = round;
      dst[b] += val[i];
    }
  };
  /** Moving average of p over k +- h into out, over the band only. */
  const smooth = (p: Float64Array, out: Float64Array): void => {
    cum[kA] = 0;
    for (let k = kA; k <= kB; k++) cum[k + 1] = cum[k] + p[k];
    for (let k = kLo; k <= kHi; k++) {
      const lo = Math.max(kA, k - h);
      const hi = Math.min(kB, k + h);
      out[k] = (cum[hi + 1] - cum[lo]) / (hi - lo + 1);
    }
  };
  const record = (p: Float64Array, i: number): void => {
    let mx = 0;
    for (let k = kA; k <= kB; k++) p[k] /= n;
    for (let k = kLo; k <= kHi; k++) {
      nullSum += p[k];
      if (p[k] > mx) mx = p[k];
    }
    nullCount += kHi - kLo + 1;
    maxes[i] = mx;
    if (rho > 0) {
      smooth(p, sm);
      let ms = 0;
      for (let k = kLo; k <= kHi; k++) if (sm[k] > ms) ms = sm[k];
      maxesSm[i] = ms;
    }
  };
  // Series 0 is the data; series 1..K the shuffles.
  for (let sidx = 0; sidx <= K; sidx += 2) {
    fillSeries(re, sidx !== 0);
    const hasB = sidx + 1 <= K;
    if (hasB) fillSeries(im, true);
    else im.fill(0);
    twoRealPowers(re, im, pa, pb, kA, kB);
    if (sidx === 0) {
      for (let k = kA; k <= kB; k++) main[k] = pa[k] / n;
      if (rho > 0) smooth(main, mainSm);
    } else record(pa, sidx - 1);
    if (hasB) record(pb, sidx);
  }
  maxes.sort();
  maxesSm.sort();
  const threshold = quantileSorted(maxes, q);
  const thresholdSm = rho > 0 ? quantileSorted(maxesSm, q) : Infinity;
  const nullMean = nullCount > 0 ? nullSum / nullCount : 1;

  const cands: PeriodCandidate[] = [];
  const seen = new Set<string>();
  const addCandidate = (kf: number, power: number, smoothed: boolean): void => {
    const period = (M * w) / kf;
    if (!(period >= minP * 0.999 && period <= maxP * 1.001)) return;
    const key = `${smoothed ? 's' : 'r'}${Math.round(kf * 4)}`;
    if (seen.has(key)) return;
    seen.add(key);
    const thr = smoothed ? thresholdSm : threshold;
    const { contrast: c, hillPairs: pairs } = acfCheck(times, period, s.acfTolerance);
    // A heartbeat has about one beat per period (fewer when beats are missed) and most of its
    // intervals near a multiple of the period; recurring sessions of human activity have many
    // beats per period and short intervals, and their clustering is what the bin shuffle cannot
    // reproduce, so they pass the power test.
    const perPeriod = n / (span / period + 1);
    const share = fitShare(intervals, period, s.fitTolerance, s.maxMultiple);
    const pairShare = pairs / (n - 1);
    cands.push({
      period,
      power,
      threshold: thr,
      smoothed,
      acf: c,
      pairShare,
      beatsPerPeriod: perPeriod,
      fitShare: share,
      verified:
        power > thr &&
        c >= s.acfMinContrast &&
        pairShare >= s.acfMinPairShare &&
        perPeriod <= s.maxBeatsPerPeriod &&
        share >= s.minFitShare,
    });
  };
  const search = (spec: Float64Array, smoothed: boolean): void => {
    // Local maxima of the spectrum in the band, strongest first.
    const peaks: number[] = [];
    for (let k = kLo; k <= kHi; k++) {
      const v = spec[k];
      if ((k === kLo || v >= spec[k - 1]) && (k === kHi || v > spec[k + 1])) peaks.push(k);
    }
    peaks.sort((x, y) => spec[y] - spec[x]);
    const top = peaks.slice(0, Math.max(1, Math.round(s.maxCandidates)));
    for (const k of top) {
      // Parabolic interpolation of the peak position.
      let d = 0;
      if (k > kLo && k < kHi) {
        const y0 = spec[k - 1];
        const y2 = spec[k + 1];
        const den = y0 - 2 * spec[k] + y2;
        d = den !== 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (y0 - y2)) / den)) : 0;
      }
      addCandidate(k + d, spec[k], smoothed);
    }
    if (top.length > 0) {
      const k = top[0];
      for (const h of SUBHARMONICS) {
        const kc = Math.round(k / h);
        if (kc < kLo) continue;
        let best = kc;
        for (let j = kc - 1; j <= kc + 1; j++) if (j >= kLo && j <= kHi && spec[j] > spec[best]) best = j;
        addCandidate(best, spec[best], smoothed);
      }
    }
  };
  search(main, false);
  if (rho > 0) search(mainSm, true);
  const ratio = (c: PeriodCandidate): number => (c.threshold > 0 ? c.power / c.threshold : 0);
  cands.sort((x, y) => ratio(y) - ratio(x));

  const chosen = cands.find((c) => c.verified) ?? cands[0];
  if (!chosen) return empty('no spectral peak in the band', w, N, M, band);
  const ref = chosen.smoothed ? maxesSm : maxes;
  let ge = 0;
  for (let i = 0; i < K; i++) if (ref[i] >= chosen.power) ge++;
  const pValue = (1 + ge) / (1 + K);
  const indep = Math.max(1, ((kHi - kLo + 1) * N) / M);
  const pValueAnalytic = chosen.smoothed
    ? NaN
    : clamp01(-Math.expm1(indep * Math.log1p(-Math.exp(-chosen.power / nullMean))));
  const r = ratio(chosen);
  const score = periodicityScore(chosen.verified, r, chosen.acf, n, s);
  return {
    score: clamp01(score),
    period: chosen.period,
    power: chosen.power,
    threshold: chosen.threshold,
    smoothed: chosen.smoothed,
    pValue,
    pValueAnalytic,
    acf: chosen.acf,
    verified: chosen.verified,
    binWidth: w,
    bins: N,
    fftSize: M,
    band,
    permutations: K,
    quantile: q,
    candidates: cands,
  };
}
