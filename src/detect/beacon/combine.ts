/**
 * Internal to detect/beacon: how the two opinions merge into one score. Its own file so the
 * periodicity test can bound the combined score while it runs (see `PeriodicityStop`) without
 * importing score.ts.
 */
import type { BeaconSettings } from './settings.js';
import { clamp01 } from './stats.js';

/**
 * Combine the opinions: the stronger one counts, and when both reach `agreeMin` the weaker adds
 * `agreeBonus` of the remaining distance to 1 in proportion to its own score:
 * score = max + (min >= agreeMin ? agreeBonus * (1 - max) * min : 0).
 * Taking the max (not a mean) lets each opinion carry the cases the other cannot see: the
 * dispersion opinion carries short series (few beats give the permutation test no power), the
 * periodicity opinion carries missed beats and noise connections (which skew the intervals).
 *
 * For a fixed dispersion score the result never decreases when the periodicity score grows
 * (agreeBonus <= 1): an upper bound on the periodicity score gives an upper bound on the
 * combined score, which is what lets scoring stop early.
 */
export function combine(d: number, p: number, s: Readonly<BeaconSettings>): number {
  const hi = Math.max(d, p);
  const lo = Math.min(d, p);
  return clamp01(hi + (lo >= s.agreeMin ? s.agreeBonus * (1 - hi) * lo : 0));
}
