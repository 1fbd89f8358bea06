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
import { combine } from './combine.js';
import { nextPow2, twoRealPowers } from './fft.js';
import { fitShare } from './period-fit.js';
import { makeRng, mixSeed, type Rng } from './prng.js';
import { FRESH, type Alloc } from './scratch.js';
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
  /** Why the test could not run, or why it stopped early (see `PeriodicityStop`). */
  skipped?: string;
  /** When it stopped early: an upper bound of the score the full test would give (also in `score`). */
  bound?: number;
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
 * Early stop of the permutation test (see `periodicity`): the caller needs the full opinion only
 * when the combined score, combine(dispersion, periodicity score), can reach `atLeast`.
 */
export interface PeriodicityStop {
  /** The dispersion score of the same beats (the other input of `combine`). */
  dispersion: number;
  /** Combined score below which the caller discards the result. */
  atLeast: number;
}

/** Into p[kA..kB]: p / n (the periodogram's normalisation). */
function normaliseBand(p: Float64Array, kA: number, kB: number, n: number): void {
  for (let k = kA; k <= kB; k++) p[k] /= n;
}

/**
 * Maximum of p over kLo..kHi; adds p[kLo..kHi] to acc[0] in order (a running sum over every
 * shuffle, kept in a typed array rather than a captured variable so the hot loop does not box).
 */
function bandMaxSum(p: Float64Array, kLo: number, kHi: number, acc: Float64Array): number {
  let mx = 0;
  let sum = acc[0];
  for (let k = kLo; k <= kHi; k++) {
    const v = p[k];
    sum += v;
    if (v > mx) mx = v;
  }
  acc[0] = sum;
  return mx;
}

/** Maximum of p over kLo..kHi. */
function bandMax(p: Float64Array, kLo: number, kHi: number): number {
  let mx = 0;
  for (let k = kLo; k <= kHi; k++) if (p[k] > mx) mx = p[k];
  return mx;
}

/** Moving average of p over k +- h (within kA..kB) into out, for k in kLo..kHi; cum is scratch (length >= kB + 2). */
function smoothBand(p: Float64Array, out: Float64Array, cum: Float64Array, kA: number, kB: number, kLo: number, kHi: number, h: number): void {
  cum[kA] = 0;
  for (let k = kA; k <= kB; k++) cum[k + 1] = cum[k] + p[k];
  for (let k = kLo; k <= kHi; k++) {
    const lo = Math.max(kA, k - h);
    const hi = Math.min(kB, k + h);
    out[k] = (cum[hi + 1] - cum[lo]) / (hi - lo + 1);
  }
}

/** The binned series and the generator the shuffles draw from (one per periodicity call). */
class Series {
  /** Bins holding beats (ascending) and how many beats each holds; z of them. */
  readonly pos: Int32Array;
  readonly val: Float64Array;
  z = 0;
  constructor(
    binOf: Int32Array,
    readonly N: number,
    readonly mean: number,
    private readonly rng: Rng,
    /** Scratch of the FFT size (N <= M): the rejection marks and the dense series. */
    private readonly ws: Workspace,
    alloc: Alloc,
  ) {
    const n = binOf.length;
    this.pos = alloc.int32(n);
    this.val = alloc.float64(n);
    let z = 0;
    for (let i = 0; i < n; i++) {
      if (z > 0 && this.pos[z - 1] === binOf[i]) this.val[z - 1]++;
      else {
        this.pos[z] = binOf[i];
        this.val[z] = 1;
        z++;
      }
    }
    this.z = z;
  }

  /** Write the mean-removed series into dst (length M, zero padded); shuffled: bin values at random bins. */
  fill(dst: Float64Array, shuffled: boolean): void {
    const { N, z, pos, val, rng } = this;
    dst.fill(-this.mean, 0, N);
    dst.fill(0, N);
    if (!shuffled) {
      for (let i = 0; i < z; i++) dst[pos[i]] += val[i];
      return;
    }
    // A random permutation of the bins moves the z filled bins to z distinct uniform bins:
    // drawn by rejection while at most half the bins are filled, else by a full shuffle.
    if (2 * z > N) {
      const dense = this.ws.dense;
      dense.fill(0, 0, N);
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
    // Rejection sampling marks: stamp[b] === round when bin b is taken in this round. The marks
    // live in the workspace across calls; a new round makes the old ones stale.
    const ws = this.ws;
    if (ws.round === 0xffffffff) {
      ws.stamp.fill(0);
      ws.round = 0;
    }
    const stamp = ws.stamp;
    const round = ++ws.round;
    for (let i = 0; i < z; i++) {
      let b = rng.int(N);
      while (stamp[b] === round) b = rng.int(N);
      stamp[b] = round;
      dst[b] += val[i];
    }
  }
}

/**
 * The `t` largest values seen so far, descending: the t-th largest of the shuffles run so far is
 * a lower bound of the threshold the full test will set (see `periodicity`).
 */
class TopValues {
  private readonly top: Float64Array;
  private count = 0;
  constructor(readonly t: number) {
    this.top = new Float64Array(Math.max(1, t));
  }
  add(v: number): void {
    const top = this.top;
    const t = this.t;
    if (this.count < t) this.count++;
    else if (!(v > top[t - 1])) return;
    let i = this.count - 1;
    while (i > 0 && top[i - 1] < v) {
      top[i] = top[i - 1];
      i--;
    }
    top[i] = v;
  }
  /** The t-th largest value added, 0 while fewer than t were added. */
  lowerBound(): number {
    return this.count >= this.t ? this.top[this.t - 1] : 0;
  }
}

/**
 * The `t` strongest local maxima of spec over kLo..kHi (a bin at least its left neighbour and
 * above its right one; the band's ends count against their inner neighbour only), strongest
 * first, ties in bin order: what a stable sort of all of them by descending value followed by
 * slice(0, t) gives, without listing and sorting them all.
 */
function strongest(spec: Float64Array, kLo: number, kHi: number, t: number): number[] {
  const top: number[] = [];
  for (let k = kLo; k <= kHi; k++) {
    const v = spec[k];
    if (!((k === kLo || v >= spec[k - 1]) && (k === kHi || v > spec[k + 1]))) continue;
    if (top.length === t && !(v > spec[top[t - 1]!]!)) continue;
    if (top.length < t) top.push(k);
    let i = top.length - 1;
    while (i > 0 && spec[top[i - 1]!]! < v) {
      top[i] = top[i - 1]!;
      i--;
    }
    top[i] = k;
  }
  return top;
}

/**
 * Scratch arrays of one FFT size. Every entry a call reads, it first writes (the series are
 * filled in full, spectra over the band they are read in), so they are reused across calls:
 * allocating and zeroing them per group was a large share of the time at millions of groups.
 */
interface Workspace {
  re: Float64Array;
  im: Float64Array;
  pa: Float64Array;
  pb: Float64Array;
  cum: Float64Array;
  sm: Float64Array;
  main: Float64Array;
  mainSm: Float64Array;
  /** Shuffle scratch (length M): rejection marks with their round counter, and the dense series. */
  stamp: Uint32Array;
  round: number;
  dense: Float64Array;
}

/** Largest FFT size whose workspace is kept between calls (about 40 bytes per point). */
export const WORKSPACE_KEEP_MAX = 1 << 16;

const workspaces = new Map<number, Workspace>();

/** The workspace of size M (periodicity is synchronous and never re-entered, so one per size). */
function workspace(M: number): Workspace {
  let ws = workspaces.get(M);
  if (ws !== undefined) return ws;
  const half = M / 2 + 1;
  ws = {
    re: new Float64Array(M), im: new Float64Array(M), pa: new Float64Array(half), pb: new Float64Array(half),
    cum: new Float64Array(half + 1), sm: new Float64Array(half), main: new Float64Array(half), mainSm: new Float64Array(half),
    stamp: new Uint32Array(M), round: 0, dense: new Float64Array(M),
  };
  if (M <= WORKSPACE_KEEP_MAX) workspaces.set(M, ws);
  return ws;
}

/**
 * What shuffles 2..K of a shape give (shuffle 1 shares its transform with the data, so its
 * spectrum carries the data's rounding and is always computed): each one's maximum power in the
 * raw and the smoothed spectrum, and its normalised powers over the band, in order (the running
 * sum behind the analytic p-value adds them one by one, so they are replayed, not summed ahead).
 */
interface NullDistribution {
  maxes: Float64Array;
  maxesSm: Float64Array;
  terms: Float64Array;
}

/** Doubles of band powers kept per settings object (32 MB); past it the cache starts over. */
export const NULL_CACHE_MAX_TERMS = 4 << 20;

const nullCaches = new WeakMap<Readonly<BeaconSettings>, { byShape: Map<string, NullDistribution>; terms: number }>();

function nullCache(s: Readonly<BeaconSettings>): { byShape: Map<string, NullDistribution>; terms: number } {
  let c = nullCaches.get(s);
  if (c === undefined) nullCaches.set(s, (c = { byShape: new Map(), terms: 0 }));
  return c;
}

function rememberNull(s: Readonly<BeaconSettings>, key: string, d: NullDistribution): void {
  const c = nullCache(s);
  if (c.terms + d.terms.length > NULL_CACHE_MAX_TERMS) {
    c.byShape.clear();
    c.terms = 0;
  }
  c.byShape.set(key, d);
  c.terms += d.terms.length;
}

/**
 * The spectral candidates while the shuffles run, in typed arrays (objects are made only for a
 * test that runs to the end): period, power, the numbers of the checks (NaN where a cheaper check
 * failed first), and flags.
 */
interface PendingCandidates {
  n: number;
  period: Float64Array;
  power: Float64Array;
  acf: Float64Array;
  pairShare: Float64Array;
  beatsPerPeriod: Float64Array;
  fitShare: Float64Array;
  /** CAND_SMOOTHED, CAND_CHECKS_OK. */
  flags: Uint8Array;
  /** Dedup keys: 2 * round(4 * frequency bin) + smoothed. */
  key: Int32Array;
}
const CAND_SMOOTHED = 1;
/** The checks that need no threshold passed (autocorrelation, beats per period, fit share). */
const CAND_CHECKS_OK = 2;

/**
 * Upper bound of the periodicity score from what is known before all shuffles ran: a candidate
 * can be verified only if its checks that need no threshold passed and its power exceeds the
 * lower bound of its spectrum's threshold; its power ratio is at most power / lower bound.
 */
function scoreBound(c: PendingCandidates, lbRaw: number, lbSm: number, n: number, s: Readonly<BeaconSettings>): number {
  let bound = 0;
  for (let i = 0; i < c.n; i++) {
    const power = c.power[i]!;
    const lb = (c.flags[i]! & CAND_SMOOTHED) !== 0 ? lbSm : lbRaw;
    const r = lb > 0 ? power / lb : Infinity;
    if ((c.flags[i]! & CAND_CHECKS_OK) !== 0 && power > lb) bound = Math.max(bound, periodicityScore(true, r, c.acf[i]!, n, s));
    bound = Math.max(bound, periodicityScore(false, r, c.acf[i]!, n, s));
  }
  return bound;
}

/**
 * Run the periodicity test on ascending beat times. `typical` is the median interval between
 * beats (sets the bin width). Deterministic: the shuffles are seeded from settings.seed and n.
 *
 * With `stop`, the test may end before every shuffle ran, once the combined score provably cannot
 * reach `stop.atLeast` whatever the remaining shuffles give: before the periodogram when few beats
 * cap the score; after each pair of shuffles when no candidate can still be verified (its power
 * is under the `K - floor((K - 1) q)`-th largest shuffled maximum seen so far, which can only grow
 * into the threshold) or its best possible score is too low. The opinion then says so in
 * `skipped`, carries the bound in `score` and `bound`, and the shuffles actually run. When the
 * test runs to the end the result is identical to a run without `stop` (same shuffles, same order).
 * `alloc`: where the temporaries come from (scratch.ts).
 */
export function periodicity(times: Float64Array, typical: number, s: Readonly<BeaconSettings>, stop?: PeriodicityStop, alloc: Alloc = FRESH): PeriodicityOpinion {
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

  // The early stop only matters when the dispersion score alone does not reach the bar.
  const canStop = stop !== undefined && combine(stop.dispersion, 0, s) < stop.atLeast;
  const stopped = (bound: number, shuffles: number, why: string): PeriodicityOpinion => {
    const r = empty(`${why}: the combined score cannot reach the bar (see bound)`, w, N, M, band);
    r.score = bound;
    r.bound = bound;
    r.permutations = shuffles;
    return r;
  };
  // Few beats cap the score (periodicityScore's few-beats factor): maybe no periodogram at all.
  if (canStop) {
    const bound = periodicityScore(true, Infinity, 1, n, s);
    if (combine(stop!.dispersion, bound, s) < stop!.atLeast) return stopped(bound, 0, `periodogram not run: ${n} beats`);
  }

  const intervals = alloc.float64(n - 1);
  for (let i = 1; i < n; i++) intervals[i - 1] = times[i] - times[i - 1];
  // The binned series, kept sparse: bins holding beats and how many.
  const binOf = alloc.int32(n);
  for (let i = 0; i < n; i++) binOf[i] = Math.min(N - 1, Math.floor((times[i] - t0) / w));
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
  const ws = workspace(M);
  const series = new Series(binOf, N, mean, makeRng(mixSeed(s.seed, n, N)), ws, alloc);
  const { re, im, pa, pb, cum, sm, main, mainSm } = ws;
  const maxes = alloc.float64(K);
  const maxesSm = alloc.float64(K).fill(0);
  const nullSum = new Float64Array(1);
  let nullCount = 0;
  // The threshold is quantileSorted(maxes, q) >= the (K - lo)-th largest maximum, lo = floor((K - 1) q).
  const tTop = K - Math.floor((K - 1) * Math.min(1, Math.max(0, q)));
  const topRaw = canStop ? new TopValues(tTop) : null;
  const topSm = canStop && rho > 0 ? new TopValues(tTop) : null;
  /** Shuffle i's spectrum p (1-based shuffle i + 1 in maxes[i]). */
  const bw = kHi - kLo + 1;
  /** Band powers of shuffles 2..K, kept for the null cache (set once the first shuffle is in). */
  let terms: Float64Array | null = null;
  const record = (p: Float64Array, i: number): void => {
    normaliseBand(p, kA, kB, n);
    maxes[i] = bandMaxSum(p, kLo, kHi, nullSum);
    nullCount += bw;
    if (terms !== null && i >= 1) terms.set(p.subarray(kLo, kHi + 1), (i - 1) * bw);
    topRaw?.add(maxes[i]);
    if (rho > 0) {
      smoothBand(p, sm, cum, kA, kB, kLo, kHi, h);
      maxesSm[i] = bandMax(sm, kLo, kHi);
      topSm?.add(maxesSm[i]);
    }
  };

  // Series 0 is the data, paired with shuffle 1 in the first transform.
  series.fill(re, false);
  if (K >= 1) series.fill(im, true);
  else im.fill(0);
  twoRealPowers(re, im, pa, pb, kA, kB);
  for (let k = kA; k <= kB; k++) main[k] = pa[k] / n;
  if (rho > 0) smoothBand(main, mainSm, cum, kA, kB, kLo, kHi, h);
  if (K >= 1) record(pb, 0);

  // Candidates from the data's spectra; their thresholds come after the shuffles.
  const maxCand = 2 * (Math.max(1, Math.round(s.maxCandidates)) + SUBHARMONICS.length);
  const pending: PendingCandidates = {
    n: 0, period: alloc.float64(maxCand), power: alloc.float64(maxCand), acf: alloc.float64(maxCand), pairShare: alloc.float64(maxCand),
    beatsPerPeriod: alloc.float64(maxCand), fitShare: alloc.float64(maxCand), flags: alloc.uint8(maxCand), key: alloc.int32(maxCand),
  };
  const addCandidate = (kf: number, power: number, smoothed: boolean): void => {
    const period = (M * w) / kf;
    if (!(period >= minP * 0.999 && period <= maxP * 1.001)) return;
    const key = 2 * Math.round(kf * 4) + (smoothed ? 1 : 0);
    for (let i = 0; i < pending.n; i++) if (pending.key[i] === key) return;
    // A heartbeat has about one beat per period (fewer when beats are missed) and most of its
    // intervals near a multiple of the period; recurring sessions of human activity have many
    // beats per period and short intervals, and their clustering is what the bin shuffle cannot
    // reproduce, so they pass the power test. The checks run cheapest first and stop at the
    // first that fails; what they skipped is filled in if the test runs to the end.
    const perPeriod = n / (span / period + 1);
    let pairShare = NaN, acf = NaN, share = NaN;
    let checksOk = perPeriod <= s.maxBeatsPerPeriod;
    if (checksOk) {
      const hw = s.acfTolerance * period;
      pairShare = pairsInLag(times, period - hw, period + hw) / (n - 1);
      checksOk = pairShare >= s.acfMinPairShare;
    }
    if (checksOk) {
      acf = acfCheck(times, period, s.acfTolerance).contrast;
      checksOk = acf >= s.acfMinContrast;
    }
    if (checksOk) {
      share = fitShare(intervals, period, s.fitTolerance, s.maxMultiple);
      checksOk = share >= s.minFitShare;
    }
    const i = pending.n++;
    pending.key[i] = key;
    pending.period[i] = period;
    pending.power[i] = power;
    pending.acf[i] = acf;
    pending.pairShare[i] = pairShare;
    pending.beatsPerPeriod[i] = perPeriod;
    pending.fitShare[i] = share;
    pending.flags[i] = (smoothed ? CAND_SMOOTHED : 0) | (checksOk ? CAND_CHECKS_OK : 0);
  };
  const search = (spec: Float64Array, smoothed: boolean): void => {
    // Local maxima of the spectrum in the band, strongest first.
    const top = strongest(spec, kLo, kHi, Math.max(1, Math.round(s.maxCandidates)));
    for (let t = 0; t < top.length; t++) {
      const k = top[t]!;
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
      for (let t = 0; t < SUBHARMONICS.length; t++) {
        const hm = SUBHARMONICS[t]!;
        const kc = Math.round(k / hm);
        if (kc < kLo) continue;
        let best = kc;
        for (let j = kc - 1; j <= kc + 1; j++) if (j >= kLo && j <= kHi && spec[j] > spec[best]) best = j;
        addCandidate(best, spec[best], smoothed);
      }
    }
  };
  search(main, false);
  if (rho > 0) search(mainSm, true);
  if (pending.n === 0) return empty('no spectral peak in the band', w, N, M, band);
  // The first chance to stop (one shuffle run), before anything is prepared for the others.
  let done = Math.min(K, 1);
  if (canStop && K >= 2) {
    const bound = scoreBound(pending, topRaw!.lowerBound(), topSm?.lowerBound() ?? 0, n, s);
    if (combine(stop!.dispersion, bound, s) < stop!.atLeast) return stopped(bound, done, `permutation test stopped after ${done} of ${K} shuffles`);
  }
  // The null distribution of a series of n single beats (no two in a bin) in N bins, shuffled by
  // rejection sampling (at most half the bins filled), depends on the shape only (n, N, the FFT
  // size and band), not on where the beats are: each shuffle puts n ones into bins drawn from the
  // same seeded generator. Many hosts poll the same services, so shuffles 2..K are shared.
  const shapeKey = series.z === n && 2 * n <= N && K >= 2 ? `${n},${N},${M},${kLo},${kHi},${h},${K}` : undefined;
  const known = shapeKey !== undefined ? nullCache(s).byShape.get(shapeKey) : undefined;
  terms = shapeKey !== undefined && known === undefined ? alloc.float64((K - 1) * bw) : null;

  if (known !== undefined) {
    // Shuffles 2..K as this shape gave them before: maxima, and the band powers added in order.
    maxes.set(known.maxes, 1);
    maxesSm.set(known.maxesSm, 1);
    let sum = nullSum[0];
    const t = known.terms;
    for (let j = 0; j < t.length; j++) sum += t[j];
    nullSum[0] = sum;
    nullCount += t.length;
  }
  // The remaining shuffles, in pairs; after each transform, stop when the bar is out of reach.
  for (let sidx = 2; known === undefined; sidx += 2) {
    if (canStop && sidx > 2 && sidx <= K) {
      const bound = scoreBound(pending, topRaw!.lowerBound(), topSm?.lowerBound() ?? 0, n, s);
      if (combine(stop!.dispersion, bound, s) < stop!.atLeast) {
        return stopped(bound, done, `permutation test stopped after ${done} of ${K} shuffles`);
      }
    }
    if (sidx > K) break;
    series.fill(re, true);
    const hasB = sidx + 1 <= K;
    if (hasB) series.fill(im, true);
    else im.fill(0);
    twoRealPowers(re, im, pa, pb, kA, kB);
    record(pa, sidx - 1);
    if (hasB) record(pb, sidx);
    done = hasB ? sidx + 1 : sidx;
  }
  if (terms !== null) rememberNull(s, shapeKey!, { maxes: maxes.slice(1), maxesSm: maxesSm.slice(1), terms: terms.slice() });
  maxes.sort();
  maxesSm.sort();
  const threshold = quantileSorted(maxes, q);
  const thresholdSm = rho > 0 ? quantileSorted(maxesSm, q) : Infinity;
  const nullMean = nullCount > 0 ? nullSum[0] / nullCount : 1;

  const cands: PeriodCandidate[] = [];
  for (let i = 0; i < pending.n; i++) {
    const smoothed = (pending.flags[i]! & CAND_SMOOTHED) !== 0;
    const period = pending.period[i]!;
    const cand: PeriodCandidate = {
      period, power: pending.power[i]!, threshold: smoothed ? thresholdSm : threshold, smoothed, acf: pending.acf[i]!, pairShare: pending.pairShare[i]!,
      beatsPerPeriod: pending.beatsPerPeriod[i]!, fitShare: pending.fitShare[i]!, verified: false,
    };
    if (Number.isNaN(cand.acf) || Number.isNaN(cand.fitShare)) {
      // Every number of the candidate, as the checks compute them (the cheap path left some out).
      const { contrast, hillPairs } = acfCheck(times, period, s.acfTolerance);
      cand.acf = contrast;
      cand.pairShare = hillPairs / (n - 1);
      cand.fitShare = fitShare(intervals, period, s.fitTolerance, s.maxMultiple);
    }
    cand.verified = cand.power > cand.threshold && (pending.flags[i]! & CAND_CHECKS_OK) !== 0;
    cands.push(cand);
  }
  const ratio = (c: PeriodCandidate): number => (c.threshold > 0 ? c.power / c.threshold : 0);
  cands.sort((x, y) => ratio(y) - ratio(x));

  const chosen = cands.find((c) => c.verified) ?? cands[0];
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
