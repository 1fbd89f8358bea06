/**
 * Beacon (periodic heartbeat) scoring: pure functions over one group of connections (one
 * src -> dst pair, or src -> FQDN). The caller brings the arrays; nothing here reads a store.
 *
 * Two opinions, both reported: a RITA-style dispersion score (interval skew and MAD, size
 * regularity, time coverage, count histogram) and a BAYWATCH-style periodicity test (periodogram
 * with a permutation threshold, verified by autocorrelation). `combine` documents how they merge.
 */
export { scoreBeacon, combine, type BeaconInput, type BeaconScore, type BeaconVerdict } from './score.js';
export { DEFAULTS, resolveSettings, type BeaconSettings } from './settings.js';
export type { DispersionOpinion } from './dispersion.js';
export type { PeriodicityOpinion, PeriodCandidate } from './periodicity.js';
