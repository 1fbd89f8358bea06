/**
 * Tunables of the beacon scorer: one commented table of defaults, overridable per call.
 * Times are in seconds; shares and scores are in [0, 1].
 */

/** Every tunable of `scoreBeacon`. Pass a `Partial` to override some; the rest come from `DEFAULTS`. */
export interface BeaconSettings {
  // -- bursts -----------------------------------------------------------------------------------
  /** Connections this close (s) to the first connection of a burst are one beat, at most (10 s: bots that open several connections per beat space them by seconds; the relative window below keeps short periods apart). */
  burstMaxWindow: number;
  /** ... and at most this share of the typical interval between bursts (so short periods survive). */
  burstRelWindow: number;

  // -- validity ---------------------------------------------------------------------------------
  /** Fewer beats than this: nothing can be said (score 0, verdict none). */
  minBeats: number;
  /** A group spanning less than this (s) first..last is never a beacon. */
  minSpan: number;
  /** Beats at which the few-beats confidence factor 1 - exp(-beats / beatsScale) is 63%. */
  beatsScale: number;
  /** Below this many beats the periodicity score is scaled down (see periodicityScore) and a reason says so. */
  fewBeats: number;

  // -- periods ----------------------------------------------------------------------------------
  /** Shortest period (s) the periodogram searches and a beacon verdict accepts. */
  minPeriod: number;
  /** Longest period (s) the periodogram searches (the interval statistics have no upper bound). */
  maxPeriod: number;
  /** The periodogram searches only periods that fit this many times into the span. */
  minCycles: number;

  // -- periodogram (BAYWATCH-style opinion) -----------------------------------------------------
  /** Upper bound on the number of time bins (rounded down to a power of two; the bin width grows with the span to respect it). */
  maxBins: number;
  /** Upper bound on the number of bins per beat (rounded up to a power of two). */
  maxBinsPerBeat: number;
  /** Least number of bins per median interval between beats (sets the bin width; up to twice this so the bins fill a power of two). */
  binsPerInterval: number;
  /** Shortest candidate period in bins (a period needs a few bins to show in the spectrum). */
  minLagBins: number;
  /** Smallest bin width (s). */
  minBinWidth: number;
  /** Shuffles of the binned series in the permutation test (at least). */
  permutations: number;
  /** More shuffles while shuffles * FFT size stays within permBudget, up to this many. */
  maxPermutations: number;
  /** Work budget of the permutation test in FFT points (shuffles * FFT size). */
  permBudget: number;
  /** Confidence of the permutation test: 1 - false-alarm share over both spectra searched. */
  permQuantile: number;
  /** Seed of the permutation test's generator (mixed with the input size): same input, same result. */
  seed: number;
  /** Relative half-width of the constant-Q smoothing of the second spectrum read (0: only the raw one). */
  smoothWidth: number;
  /** Spectral peaks (largest first) checked against the autocorrelation function. */
  maxCandidates: number;
  /** Half-width of the autocorrelation hill window around a candidate lag, as a share of the lag. */
  acfTolerance: number;
  /** Minimum hill-versus-valley contrast (hill - valley) / (hill + valley) that confirms a candidate. */
  acfMinContrast: number;
  /** Autocorrelation pairs in the hill window needed, per beat interval (few beats: no chance hills). */
  acfMinPairShare: number;
  /** Intervals within this share of the period (times sqrt k) of a multiple k count as fitting. */
  fitTolerance: number;
  /** A candidate must fit at least this share of the intervals between beats. */
  minFitShare: number;
  /** A candidate period with more beats per period than this is recurring sessions, not a heartbeat. */
  maxBeatsPerPeriod: number;
  /** Peak power over threshold at which the power part of the periodicity score reaches 1. */
  powerRatioFull: number;
  /** Factor on the periodicity score when no candidate is confirmed by the autocorrelation. */
  unverifiedFactor: number;

  // -- period fit -------------------------------------------------------------------------------
  /** Intervals spanning up to this many periods (missed beats) are used to refine the period. */
  maxMultiple: number;
  /** Refining a verified spectral period uses intervals within this share (times sqrt k) of a multiple. */
  refineTolerance: number;
  /** Refining a start from the intervals uses intervals within this share (times sqrt k) of a multiple. */
  startTolerance: number;
  /** Weight of the missed share against the jitter when choosing between candidate periods. */
  missedWeight: number;

  // -- dispersion (RITA-style opinion) ----------------------------------------------------------
  /** MAD/median of the intervals at which the interval MAD score reaches 0 (linear from 1 at 0). */
  tsMadmZero: number;
  /** MAD/median of the beat sizes at which the size MAD score reaches 0. */
  sizeMadmZero: number;
  /** Lower spread (Q50 - Q10) / Q50 of the intervals at which the lower-spread score reaches 0. */
  lowSpreadZero: number;
  /** Most the size score can take off the dispersion score (factor 1 - w (1 - sizeScore)). */
  weightSize: number;
  /** Most the time coverage can take off. */
  weightCoverage: number;
  /** Most the count histogram score can take off. */
  weightHistogram: number;
  /** Width (s) of the buckets whose beat counts make the histogram score (at least). */
  histBucket: number;
  /** Buckets are widened so a regular series expects at least this many beats per bucket. */
  histBeatsPerBucket: number;

  // -- combination ------------------------------------------------------------------------------
  /** When both opinions reach this, the combined score gets the agreement bonus. */
  agreeMin: number;
  /** Share of the remaining distance to 1 added (times the weaker opinion) when both agree. */
  agreeBonus: number;
  /** Combined score from which the verdict is `beacon`. */
  beaconThreshold: number;

  // -- strobe -----------------------------------------------------------------------------------
  /** Connections per second above which a sustained group is a strobe (0.5: more than one per 2 s). */
  strobeMinRate: number;
  /** The strobe rate must hold over at least this span (s). */
  strobeMinSpan: number;
}

/** Default tunables (frozen). See each field of `BeaconSettings` for its unit and meaning. */
export const DEFAULTS: Readonly<BeaconSettings> = Object.freeze({
  burstMaxWindow: 10,
  burstRelWindow: 0.05,

  minBeats: 4,
  minSpan: 60,
  beatsScale: 4,
  fewBeats: 12,

  minPeriod: 2,
  maxPeriod: 7200,
  minCycles: 3,

  maxBins: 65536,
  maxBinsPerBeat: 16,
  binsPerInterval: 4,
  minLagBins: 3,
  minBinWidth: 0.05,
  permutations: 20,
  maxPermutations: 199,
  permBudget: 1 << 16,
  permQuantile: 0.95,
  seed: 0x5eed,
  smoothWidth: 0.03,
  maxCandidates: 5,
  acfTolerance: 0.2,
  acfMinContrast: 0.25,
  acfMinPairShare: 0.25,
  fitTolerance: 0.2,
  minFitShare: 0.15,
  maxBeatsPerPeriod: 2,
  powerRatioFull: 4,
  unverifiedFactor: 0.3,

  maxMultiple: 4,
  refineTolerance: 0.5,
  startTolerance: 0.5,
  missedWeight: 0.5,

  tsMadmZero: 0.6,
  sizeMadmZero: 0.5,
  lowSpreadZero: 0.8,
  weightSize: 0.2,
  weightCoverage: 0.3,
  weightHistogram: 0.3,
  histBucket: 3600,
  histBeatsPerBucket: 4,

  agreeMin: 0.45,
  agreeBonus: 0.5,
  beaconThreshold: 0.6,

  strobeMinRate: 0.5,
  strobeMinSpan: 300,
});

/** Settings objects resolveSettings returned: passed back in, they are returned as they are. */
const RESOLVED = new WeakSet<object>([DEFAULTS]);

/**
 * Defaults overlaid with `over`, validated and frozen (an object this function returned is
 * returned as it is, so callers that score many groups resolve once). Throws `RangeError`
 * ("Cannot use beacon settings: ...") on a non-finite or out-of-range value: settings come from
 * configuration, so they fail fast at the edge.
 */
export function resolveSettings(over?: Partial<BeaconSettings>): Readonly<BeaconSettings> {
  if (!over) return DEFAULTS;
  if (RESOLVED.has(over)) return over as Readonly<BeaconSettings>;
  const s: BeaconSettings = { ...DEFAULTS };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    if (!(k in DEFAULTS)) throw new RangeError(`Cannot use beacon settings: unknown key ${k}`);
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RangeError(`Cannot use beacon settings: ${k} must be a finite number`);
    }
    (s as unknown as Record<string, number>)[k] = v;
  }
  const bad = (why: string): never => {
    throw new RangeError(`Cannot use beacon settings: ${why}`);
  };
  if (s.maxBins < 16 || s.maxBins > 1 << 20) bad('maxBins must be in 16..2^20');
  if (s.permutations < 1 || s.permutations > 1000) bad('permutations must be in 1..1000');
  if (s.maxPermutations > 1000) bad('maxPermutations must be at most 1000');
  if (!(s.permQuantile > 0 && s.permQuantile < 1)) bad('permQuantile must be in (0, 1)');
  if (!(s.minPeriod > 0 && s.maxPeriod > s.minPeriod)) bad('need 0 < minPeriod < maxPeriod');
  if (s.minBeats < 3) bad('minBeats must be at least 3');
  if (s.binsPerInterval < 2) bad('binsPerInterval must be at least 2');
  if (s.minLagBins < 2) bad('minLagBins must be at least 2');
  if (s.smoothWidth < 0 || s.smoothWidth > 0.5) bad('smoothWidth must be in 0..0.5');
  for (const k of ['beaconThreshold', 'agreeMin', 'agreeBonus', 'unverifiedFactor', 'acfMinContrast', 'minFitShare', 'acfMinPairShare'] as const) {
    if (s[k] < 0 || s[k] > 1) bad(`${k} must be in 0..1`);
  }
  if (s.maxMultiple < 1) bad('maxMultiple must be at least 1');
  if (s.minBinWidth <= 0) bad('minBinWidth must be positive');
  for (const k of ['weightSize', 'weightCoverage', 'weightHistogram'] as const) if (s[k] < 0 || s[k] > 1) bad(`${k} must be in 0..1`);
  if (!(s.lowSpreadZero > 0 && s.tsMadmZero > 0 && s.sizeMadmZero > 0)) bad('lowSpreadZero, tsMadmZero and sizeMadmZero must be positive');
  const out = Object.freeze(s);
  RESOLVED.add(out);
  return out;
}
