/** Beat schedules shared by malicious beacons and benign periodic services. */
import type { Rng } from '../rng.js';

/** Shape of the jitter around the period. */
export type JitterDist = 'uniform' | 'gaussian';

/**
 * The next interval, µs: `period` seconds scaled by (1 + e), with e uniform in [-jitter, jitter]
 * or gaussian with standard deviation jitter/2 truncated to [-jitter, jitter].
 */
export function nextInterval(rng: Rng, period: number, jitter: number, dist: JitterDist): number {
  let e = 0;
  if (jitter > 0) {
    if (dist === 'uniform') e = (rng.next() * 2 - 1) * jitter;
    else {
      e = rng.normal() * (jitter / 2);
      if (e > jitter) e = jitter;
      if (e < -jitter) e = -jitter;
    }
  }
  return Math.max(1000, Math.round(period * 1e6 * (1 + e)));
}
