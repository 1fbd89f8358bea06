/**
 * The table of every tunable of the detectors: section, key, default, unit and a one-line doc.
 * Defaults come from the detectors' own exported DEFAULTS (never copied here); this file adds the
 * unit of each, which also decides how a configured value is validated, and the doc line.
 * A test checks that every key of every DEFAULTS has an entry, so a new setting cannot go
 * undocumented.
 */
import { BEACON_DEFAULTS, type BeaconDetectorSettings } from '../detect/beacons.js';
import { DEFAULTS as BEACON_SCORE_DEFAULTS, type BeaconSettings } from '../detect/beacon/settings.js';
import { LONG_CONN_DEFAULTS, type LongConnSettings } from '../detect/long-conn.js';
import { SCAN_DEFAULTS, type ScanSettings } from '../detect/scan.js';
import { DNS_DEFAULTS, type DnsSettings } from '../detect/dns/settings.js';
import { DEFAULT_INTERNAL_NETS } from '../detect/networks.js';
import { FIRST_SEEN_DEFAULTS, type FirstSeenSettings } from '../detect/first-seen.js';

/**
 * Units of settings. Each has a valid range that config validation enforces:
 * `seconds`, `bytes`, `characters`, `ratio`: finite and >= 0; `count`: integer >= 0;
 * `share`, `score`, `factor`, `weight`: 0..1; `integer`: any integer (seeds);
 * `cidr list`: array of network strings.
 */
export type Unit = 'seconds' | 'share' | 'score' | 'factor' | 'weight' | 'count' | 'bytes' | 'characters' | 'ratio' | 'integer' | 'cidr list';

/** Human text of each unit, as printed by `c2hunt config`. */
export const UNIT_TEXT: Readonly<Record<Unit, string>> = Object.freeze({
  seconds: 'seconds', share: 'share 0..1', score: 'score 0..1', factor: 'multiplier 0..1', weight: 'weight 0..1',
  count: 'count', bytes: 'bytes', characters: 'characters', ratio: 'ratio >= 0', integer: 'integer', 'cidr list': 'CIDR list',
});

/** Config sections: the names used in the config file. */
export const SECTIONS = ['beacon', 'beaconScore', 'longConn', 'scan', 'dns', 'firstSeen'] as const;
export type Section = (typeof SECTIONS)[number];

/** Unit and one-line doc of one setting. */
export interface SettingDoc { unit: Unit; doc: string }

type Docs<T> = { readonly [K in keyof T]: T[K] extends number ? SettingDoc : { readonly [J in keyof T[K]]: SettingDoc } };

const d = (unit: Unit, doc: string): SettingDoc => ({ unit, doc });

const BEACON_DOCS: Docs<BeaconDetectorSettings> = {
  minConnections: d('count', 'fewest connections (or requests, lookups) in a group before it is scored'),
  minScore: d('score', 'lowest beacon score, after modifiers, that is reported'),
  prevalentShare: d('share', 'share of internal hosts talking to a destination above which the full prevalence factor applies'),
  prevalenceFrom: d('share', 'share of internal hosts from which the prevalence factor starts: 1 there, prevalenceFactor at prevalentShare, log scale between'),
  prevalenceMinTalkers: d('count', 'fewest internal hosts talking to a destination for the graded prevalence factor (below prevalentShare)'),
  prevalenceMinHosts: d('count', 'fewest internal hosts for the prevalence modifier to apply'),
  prevalenceFactor: d('factor', 'score multiplier for a common (prevalent) destination'),
  benignFactor: d('factor', 'score multiplier for a known benign periodic service (NTP, updates, OCSP ...)'),
};

const BEACON_SCORE_DOCS: Docs<BeaconSettings> = {
  burstMaxWindow: d('seconds', 'connections this close to the first of a burst are one beat, at most'),
  burstRelWindow: d('share', '... and at most this share of the typical interval between bursts'),
  minBeats: d('count', 'fewer beats than this: nothing can be said (score 0)'),
  minSpan: d('seconds', 'a group spanning less than this, first to last, is never a beacon'),
  beatsScale: d('count', 'beats at which the few-beats confidence factor 1 - exp(-beats/scale) is 63%'),
  fewBeats: d('count', 'below this many beats the periodicity score is scaled down'),
  minPeriod: d('seconds', 'shortest period searched and accepted as a beacon'),
  maxPeriod: d('seconds', 'longest period the periodogram searches'),
  minCycles: d('count', 'the periodogram searches only periods that fit this many times into the span'),
  maxBins: d('count', 'most time bins of the periodogram (rounded down to a power of two)'),
  maxBinsPerBeat: d('count', 'most bins per beat (rounded up to a power of two)'),
  binsPerInterval: d('count', 'least bins per median interval between beats (sets the bin width)'),
  minLagBins: d('count', 'shortest candidate period, in bins'),
  minBinWidth: d('seconds', 'smallest bin width'),
  permutations: d('count', 'least shuffles of the binned series in the permutation test'),
  maxPermutations: d('count', 'most shuffles while shuffles x FFT size stays within permBudget'),
  permBudget: d('count', 'work budget of the permutation test, in FFT points (shuffles x FFT size)'),
  permQuantile: d('share', 'confidence of the permutation test (1 - false-alarm share)'),
  seed: d('integer', "seed of the permutation test's generator (same input, same result)"),
  smoothWidth: d('share', 'relative half-width of the constant-Q smoothing of the second spectrum read'),
  maxCandidates: d('count', 'spectral peaks, largest first, checked against the autocorrelation'),
  acfTolerance: d('share', 'half-width of the autocorrelation hill window, as a share of the lag'),
  acfMinContrast: d('share', 'least hill-versus-valley contrast of the autocorrelation that confirms a period'),
  acfMinPairShare: d('share', 'autocorrelation pairs in the hill window needed, per beat interval'),
  fitTolerance: d('share', 'intervals within this share (x sqrt k) of a multiple k of the period fit'),
  minFitShare: d('share', 'a candidate period must fit at least this share of the intervals'),
  maxBeatsPerPeriod: d('count', 'more beats per period than this is recurring sessions, not a heartbeat'),
  powerRatioFull: d('ratio', 'peak power over threshold at which the power part of the periodicity score is 1'),
  unverifiedFactor: d('factor', 'periodicity score multiplier when no period is confirmed by the autocorrelation'),
  maxMultiple: d('count', 'intervals spanning up to this many periods (missed beats) refine the period'),
  refineTolerance: d('share', 'tolerance (x sqrt k) of intervals used to refine a verified spectral period'),
  startTolerance: d('share', 'tolerance (x sqrt k) of intervals used to refine a start period'),
  missedWeight: d('weight', 'weight of the missed share against the jitter when choosing between periods'),
  tsMadmZero: d('ratio', 'MAD/median of the intervals at which the interval score reaches 0'),
  sizeMadmZero: d('ratio', 'MAD/median of the beat sizes at which the size score reaches 0'),
  lowSpreadZero: d('ratio', 'lower spread (Q50 - Q10)/Q50 of the intervals at which that score reaches 0'),
  weightSize: d('weight', 'most the size score can take off the dispersion score'),
  weightCoverage: d('weight', 'most the time coverage can take off the dispersion score'),
  weightHistogram: d('weight', 'most the count histogram score can take off the dispersion score'),
  histBucket: d('seconds', 'least width of the buckets of the count histogram'),
  histBeatsPerBucket: d('count', 'buckets are widened so a regular series expects this many beats per bucket'),
  agreeMin: d('score', 'when both opinions reach this, the combined score gets the agreement bonus'),
  agreeBonus: d('share', 'share of the remaining distance to 1 added (x the weaker opinion) when both agree'),
  beaconThreshold: d('score', 'combined score from which the verdict is beacon'),
  strobeMinRate: d('ratio', 'connections per second above which a sustained group is a strobe'),
  strobeMinSpan: d('seconds', 'the strobe rate must hold over at least this span'),
};

const LONG_CONN_DOCS: Docs<LongConnSettings> = {
  minSession: d('seconds', 'a single session at least this long is reported'),
  minTotal: d('seconds', "a pair whose sessions add up to at least this is reported"),
  fullScoreAt: d('seconds', 'duration at which the score reaches 1 (grows with log(duration))'),
  prevalentShare: d('share', 'share of internal hosts talking to the destination above which it is common'),
  prevalenceMinHosts: d('count', 'fewest internal hosts for the prevalence modifier to apply'),
  prevalenceFactor: d('factor', 'score multiplier for a common destination (chat, push, VPN)'),
  interactiveFactor: d('factor', 'score multiplier for sessions of an interactive administration protocol (SSH, RDP) identified by content'),
};

const SCAN_DOCS: Docs<ScanSettings> = {
  minTargets: d('count', 'fewest distinct targets: hosts (horizontal) or ports (vertical)'),
  minFailedShare: d('share', 'lowest share of failed attempts among the targets'),
  fullScoreAt: d('count', 'targets at which the score reaches 1 (also hosts of an ICMP sweep, failed hosts of a TRW-only finding)'),
  trwTheta0: d('share', 'TRW: probability that a benign source\'s first contact to a host succeeds (theta0; Jung et al. 2004: 0.8)'),
  trwTheta1: d('share', 'TRW: probability that a scanner\'s first contact succeeds (theta1 < theta0; paper: 0.2)'),
  trwAlpha: d('share', 'TRW: target false-positive probability (alpha; paper: 0.01); decide scanner at likelihood ratio beta/alpha'),
  trwBeta: d('share', 'TRW: target detection probability (beta > alpha; paper: 0.99); decide benign at (1-beta)/(1-alpha)'),
  trwBaseScore: d('score', 'score of a TRW-only finding (no horizontal scan) at the fewest failures that decide; grows with failed hosts'),
  icmpMinHosts: d('count', 'fewest distinct hosts sent ICMP/ICMPv6 echo (or timestamp, mask) requests for an ICMP sweep'),
};

const FIRST_SEEN_DOCS: Docs<FirstSeenSettings> = {
  bonus: d('score', 'score added to a beacon, long-connection or mining finding whose destination is new (never above the cap)'),
  minHistory: d('seconds', 'history needed before a destination\'s first contact for it to count as new'),
};

const DNS_DOCS: Docs<DnsSettings> = {
  minScore: d('score', 'lowest DNS finding score, after modifiers, that is reported'),
  sampleNames: d('count', "sample query names kept in a finding's evidence"),
  tunnelMinUniqueNames: d('count', 'fewest distinct names under one registered domain (one source) before a tunnel is judged'),
  tunnelUniqueNamesFull: d('count', 'distinct names at which the uniqueness component reaches 1'),
  tunnelSubdomainLengthLow: d('characters', 'p90 subdomain length where the length component starts'),
  tunnelSubdomainLengthHigh: d('characters', 'p90 subdomain length where the length component reaches 1'),
  tunnelDataTypeShareLow: d('share', 'share of data-carrying query types (TXT, NULL ...) where that component starts'),
  tunnelDataTypeShareHigh: d('share', 'share of data-carrying query types where that component reaches 1'),
  tunnelQueryBytesLow: d('bytes', 'subdomain bytes sent where the volume component starts'),
  tunnelQueryBytesHigh: d('bytes', 'subdomain bytes sent where the volume component reaches 1'),
  tunnelExfilBytes: d('bytes', 'subdomain bytes sent from which a tunnel also counts as exfiltration (T1048)'),
  tunnelRandomnessSample: d('count', 'distinct names whose randomness is measured (cost bound)'),
  tunnelWeights: {
    unique: d('weight', 'tunnel component weight: distinct names'),
    length: d('weight', 'tunnel component weight: subdomain length'),
    randomness: d('weight', 'tunnel component weight: randomness of the names'),
    types: d('weight', 'tunnel component weight: data-carrying query types'),
    volume: d('weight', 'tunnel component weight: bytes sent'),
  },
  tunnelBaseScore: d('score', 'tunnel score with every component at 0 (the gate passed)'),
  tunnelMaxTrackedNames: d('count', 'distinct names tracked per source -> domain (memory bound)'),
  prevalentShare: d('share', 'share of internal hosts querying a domain above which it is common'),
  prevalenceMinHosts: d('count', 'fewest internal hosts for the prevalence modifier to apply'),
  prevalenceFactor: d('factor', 'score multiplier for a common domain'),
  catalogueFactor: d('factor', 'score multiplier for a catalogued high-cardinality service (CDN, DNS look-up)'),
  dgaNameThreshold: d('score', 'label score at or above which a registered domain is DGA-like'),
  dgaMinNames: d('count', 'fewest distinct DGA-like domains from one source before it is reported'),
  dgaNamesFull: d('count', 'distinct DGA-like domains at which the count component reaches 1'),
  dgaNxShareLow: d('share', 'NXDOMAIN share of the DGA-like names where that component starts'),
  dgaNxShareHigh: d('share', 'NXDOMAIN share of the DGA-like names where that component reaches 1'),
  dgaShareLow: d('share', "share of the source's domains that are DGA-like where that component starts"),
  dgaShareHigh: d('share', "share of the source's domains that are DGA-like where that component reaches 1"),
  dgaWeights: {
    count: d('weight', 'DGA component weight: number of names'),
    nx: d('weight', 'DGA component weight: NXDOMAIN share'),
    share: d('weight', "DGA component weight: share of the host's domains"),
    lexical: d('weight', 'DGA component weight: mean label score above the threshold'),
  },
  dgaBaseScore: d('score', 'DGA score with every component at 0 (the gate passed)'),
  nxWindowSeconds: d('seconds', 'sliding window of the NXDOMAIN burst test'),
  nxMinNames: d('count', 'fewest distinct NXDOMAIN names inside one window'),
  nxMinShare: d('share', "NXDOMAIN share of the source's answered queries in the window must exceed this"),
  nxNamesFull: d('count', 'distinct NXDOMAIN names in a window at which the count component reaches 1'),
  nxWeights: {
    count: d('weight', 'NXDOMAIN burst component weight: distinct names'),
    share: d('weight', 'NXDOMAIN burst component weight: share above nxMinShare'),
    dga: d('weight', 'NXDOMAIN burst component weight: share of DGA-like names'),
  },
  nxBaseScore: d('score', 'NXDOMAIN burst score with every component at 0 (the gate passed)'),
};

/** Defaults and docs of each section. */
export const SECTION_TABLE: Readonly<Record<Section, { defaults: Readonly<Record<string, unknown>>; docs: Readonly<Record<string, SettingDoc | Record<string, SettingDoc>>>; what: string }>> = Object.freeze({
  beacon: { defaults: BEACON_DEFAULTS, docs: BEACON_DOCS, what: 'beacon detector: grouping, threshold, modifiers' },
  beaconScore: { defaults: BEACON_SCORE_DEFAULTS, docs: BEACON_SCORE_DOCS, what: 'beacon scorer: bursts, periodogram, dispersion, combination' },
  longConn: { defaults: LONG_CONN_DEFAULTS, docs: LONG_CONN_DOCS, what: 'long connections' },
  scan: { defaults: SCAN_DEFAULTS, docs: SCAN_DOCS, what: 'propagation scanning: horizontal, vertical, TRW, ICMP sweeps' },
  dns: { defaults: DNS_DEFAULTS, docs: DNS_DOCS, what: 'DNS abuse: tunnels, DGA-like names, NXDOMAIN bursts' },
  firstSeen: { defaults: FIRST_SEEN_DEFAULTS, docs: FIRST_SEEN_DOCS, what: 'first-seen modifier: new destinations' },
});

/** Doc of the one top-level list setting. */
export const INTERNAL_NETS_DOC: SettingDoc = d('cidr list', 'internal networks (RFC 1918, ULA and link-local by default)');
export { DEFAULT_INTERNAL_NETS };

/** One row of the settings table. */
export interface SettingRow {
  /** Dotted path as in the config file: `beacon.minScore`, `dns.tunnelWeights.unique`, `internalNets`. */
  key: string;
  default: number | readonly string[];
  unit: Unit;
  doc: string;
}

/** Every setting, in config-file order, with its default, unit and doc. */
export function settingsTable(): SettingRow[] {
  const rows: SettingRow[] = [];
  for (const sec of SECTIONS) {
    const { defaults, docs } = SECTION_TABLE[sec];
    for (const [k, v] of Object.entries(defaults)) {
      const doc = docs[k];
      if (doc === undefined) throw new Error(`Cannot build the settings table: ${sec}.${k} has no description`);
      if (typeof v === 'number') rows.push({ key: `${sec}.${k}`, default: v, ...(doc as SettingDoc) });
      else for (const [j, w] of Object.entries(v as Record<string, number>)) {
        const dj = (doc as Record<string, SettingDoc>)[j];
        if (dj === undefined) throw new Error(`Cannot build the settings table: ${sec}.${k}.${j} has no description`);
        rows.push({ key: `${sec}.${k}.${j}`, default: w, ...dj });
      }
    }
  }
  rows.push({ key: 'internalNets', default: DEFAULT_INTERNAL_NETS, ...INTERNAL_NETS_DOC });
  return rows;
}
