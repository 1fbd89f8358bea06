/**
 * Seeded synthetic connection series for the beacon tests, the sweep and the benchmark:
 * heartbeats with jitter, missed beats and bursts, and negatives (random arrivals, human-like
 * browsing, a handful of random times). Not used in detection.
 */
import { makeRng, type Rng } from './prng.js';

/** A heartbeat to simulate. */
export interface BeaconSpec {
  /** Period (s). */
  period: number;
  /** Jitter amount: uniform intervals are P(1 + U(-j, j)); gaussian P(1 + N(0, j/2)), clipped to >= 0.05 P. */
  jitter: number;
  jitterDist: 'uniform' | 'gaussian';
  /**
   * 'interval': each sleep is jittered, errors accumulate (malware `sleep(P +- j)`);
   * 'grid': beat k is at k P plus a jitter of half that amount (a scheduler), errors do not accumulate.
   */
  model: 'interval' | 'grid';
  /** Probability that a beat has no connection. */
  missed: number;
  /** Connections per beat: 1..connsPerBeat, uniformly. */
  connsPerBeat: number;
  /** Extra connections of a beat follow it within this many seconds (default min(1, 0.02 P)). */
  burstSpread?: number;
  /** Seconds simulated. */
  duration: number;
  /** Start time, epoch s (default 1.7e9, a UTC midnight-ish round number). */
  start?: number;
  seed: number;
  /** Extra unrelated connections at random (Poisson), per second (default 0). */
  noiseRate?: number;
  /** Mean bytes per connection and relative spread (default 1200, 0.03). */
  bytes?: number;
  bytesSpread?: number;
}

/** A simulated group and what is known about it. */
export interface Series {
  ts: number[];
  bytes: number[];
  failed: boolean[];
  /** Ground truth: beats kept, beats expected first..last kept, missed share among them. */
  truth: { period: number; beats: number; expected: number; missed: number };
}

const DEFAULT_START = 1_700_000_000;

function jitterFactor(rng: Rng, j: number, dist: 'uniform' | 'gaussian'): number {
  const e = dist === 'uniform' ? (2 * rng.next() - 1) * j : rng.normal() * (j / 2);
  return e;
}

/** A heartbeat series following `spec`. */
export function beaconSeries(spec: BeaconSpec): Series {
  const rng = makeRng(spec.seed);
  const start = spec.start ?? DEFAULT_START;
  const P = spec.period;
  const spread = spec.burstSpread ?? Math.min(1, 0.02 * P);
  const meanBytes = spec.bytes ?? 1200;
  const bSpread = spec.bytesSpread ?? 0.03;
  const beatTimes: number[] = [];
  // Random phase so series do not all start on a round number.
  let t = start + rng.next() * P;
  for (let k = 0; ; k++) {
    let bt: number;
    if (spec.model === 'grid') {
      bt = start + P * (k + 0.5) + P * 0.5 * jitterFactor(rng, spec.jitter, spec.jitterDist);
    } else {
      if (k > 0) t += P * Math.max(0.05, 1 + jitterFactor(rng, spec.jitter, spec.jitterDist));
      bt = t;
    }
    if (bt > start + spec.duration) break;
    beatTimes.push(bt);
  }
  const kept: number[] = [];
  for (const bt of beatTimes) if (rng.next() >= spec.missed) kept.push(bt);
  kept.sort((a, b) => a - b);
  const ts: number[] = [];
  const bytes: number[] = [];
  for (const bt of kept) {
    const c = 1 + rng.int(Math.max(1, Math.round(spec.connsPerBeat)));
    for (let i = 0; i < c; i++) {
      ts.push(i === 0 ? bt : bt + rng.next() * spread);
      bytes.push(Math.max(1, Math.round(meanBytes * (1 + bSpread * rng.normal()))));
    }
  }
  const noise = spec.noiseRate ?? 0;
  if (noise > 0) {
    for (let x = start - Math.log(1 - rng.next()) / noise; x < start + spec.duration; x -= Math.log(1 - rng.next()) / noise) {
      ts.push(x);
      bytes.push(Math.round(Math.exp(6 + 2 * rng.normal())));
    }
  }
  let expected = 0;
  if (kept.length > 0) {
    const lo = kept[0];
    const hi = kept[kept.length - 1];
    for (const bt of beatTimes) if (bt >= lo && bt <= hi) expected++;
  }
  return {
    ts,
    bytes,
    failed: ts.map(() => false),
    // Beats and the missed share count the heartbeat's connections only.
    truth: { period: P, beats: kept.length, expected, missed: expected > 0 ? 1 - kept.length / expected : 0 },
  };
}

function noBeacon(ts: number[], rng: Rng): Series {
  ts.sort((a, b) => a - b);
  return {
    ts,
    bytes: ts.map(() => Math.round(Math.exp(6 + 2 * rng.normal()))),
    failed: ts.map(() => false),
    truth: { period: NaN, beats: ts.length, expected: ts.length, missed: 0 },
  };
}

/** Random (Poisson) arrivals at `rate` per second over `duration` seconds. */
export function poissonSeries(rate: number, duration: number, seed: number, start = DEFAULT_START): Series {
  const rng = makeRng(seed);
  const ts: number[] = [];
  let t = start;
  for (;;) {
    t += -Math.log(1 - rng.next()) / rate;
    if (t > start + duration) break;
    ts.push(t);
  }
  return noBeacon(ts, rng);
}

/** `n` times drawn uniformly over `duration` seconds. */
export function randomTimesSeries(n: number, duration: number, seed: number, start = DEFAULT_START): Series {
  const rng = makeRng(seed);
  const ts: number[] = [];
  for (let i = 0; i < n; i++) ts.push(start + rng.next() * duration);
  return noBeacon(ts, rng);
}

/**
 * Human-like browsing over `days` days: during work hours (09:00-18:00 of each day), sessions
 * start at random (about one every `sessionGap` seconds on average); a session is a run of
 * connections (geometric, mean 12) separated by think times (log-normal, median 8 s, heavy tail).
 */
export function burstySeries(days: number, seed: number, sessionGap = 1800, start = DEFAULT_START): Series {
  const rng = makeRng(seed);
  const ts: number[] = [];
  const day0 = Math.floor(start / 86400) * 86400;
  for (let d = 0; d < days; d++) {
    const open = day0 + d * 86400 + 9 * 3600;
    const close = open + 9 * 3600;
    let t = open + -Math.log(1 - rng.next()) * sessionGap;
    while (t < close) {
      let c = t;
      do {
        ts.push(c);
        c += Math.exp(Math.log(8) + 1.5 * rng.normal());
      } while (rng.next() > 1 / 12 && c < close);
      t = c + -Math.log(1 - rng.next()) * sessionGap;
    }
  }
  return noBeacon(ts, rng);
}

/** Ranges for `drawBeaconSpec`. */
export interface DrawRanges {
  /** Period range (s), drawn log-uniformly. */
  period: [number, number];
  /** Jitter range, drawn uniformly. */
  jitter: [number, number];
  /** Missed-beat probability range, drawn uniformly. */
  missed: [number, number];
  /** Beats simulated (before missing), drawn log-uniformly. */
  beats: [number, number];
  /** Most connections per beat (1..this, per beat). */
  connsPerBeat: number;
  /** Restrict the jitter distribution or the model (default: either, 50/50). */
  jitterDist?: 'uniform' | 'gaussian';
  model?: 'interval' | 'grid';
}

/** Defaults of the random draws: 10 s..2 h, 0..30% jitter, 0..1/3 missed, 24..400 beats, 1..3 connections. */
export const DRAW_DEFAULTS: Readonly<DrawRanges> = Object.freeze({
  period: [10, 7200] as [number, number],
  jitter: [0, 0.3] as [number, number],
  missed: [0, 1 / 3] as [number, number],
  beats: [24, 400] as [number, number],
  connsPerBeat: 3,
});

const logUniform = (rng: Rng, [lo, hi]: [number, number]): number => Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo)));
const uniform = (rng: Rng, [lo, hi]: [number, number]): number => lo + rng.next() * (hi - lo);

/** A random heartbeat spec within `ranges` (drawn from `rng`; the spec carries its own series seed). */
export function drawBeaconSpec(rng: Rng, ranges: Partial<DrawRanges> = {}): BeaconSpec {
  const r = { ...DRAW_DEFAULTS, ...ranges };
  const period = logUniform(rng, r.period);
  const beats = logUniform(rng, r.beats);
  return {
    period,
    jitter: uniform(rng, r.jitter),
    jitterDist: r.jitterDist ?? (rng.next() < 0.5 ? 'uniform' : 'gaussian'),
    model: r.model ?? (rng.next() < 0.5 ? 'interval' : 'grid'),
    missed: uniform(rng, r.missed),
    connsPerBeat: r.connsPerBeat,
    duration: period * beats,
    seed: Math.floor(rng.next() * 2 ** 31),
  };
}

/** The kinds of negative series `drawNegative` makes. */
export type NegativeKind = 'poisson' | 'bursty' | 'handful';

/**
 * A random negative: Poisson arrivals (rate 1/10 s..1/1 h over 2..24 h, at least 8 of them),
 * human-like browsing (1..3 days, a session every 10..60 min) or a handful (5..12) of random times
 * within 1..24 h.
 */
export function drawNegative(rng: Rng, kind: NegativeKind): Series {
  const seed = Math.floor(rng.next() * 2 ** 31);
  if (kind === 'poisson') {
    const duration = uniform(rng, [2 * 3600, 86400]);
    const rate = Math.max(logUniform(rng, [1 / 3600, 1 / 10]), 8 / duration);
    return poissonSeries(rate, duration, seed);
  }
  if (kind === 'bursty') return burstySeries(1 + rng.int(3), seed, uniform(rng, [600, 3600]));
  return randomTimesSeries(5 + rng.int(8), uniform(rng, [3600, 86400]), seed);
}
