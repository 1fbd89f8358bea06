/**
 * Timings of the beacon scorer (a script, not a test):  node dist/detect/beacon/bench.js
 * Per group: the dispersion path (sort, burst collapse, dispersion opinion, period fit), the
 * periodicity test alone, and the whole scoreBeacon; then how the whole scales with group size.
 */
import os from 'node:os';
import { collapseBursts } from './beats.js';
import { dispersion } from './dispersion.js';
import { fitPeriod } from './period-fit.js';
import { periodicity } from './periodicity.js';
import { scoreBeacon } from './score.js';
import { DEFAULTS } from './settings.js';
import { beaconSeries, burstySeries, poissonSeries, type Series } from './synth.js';

/**
 * Mean CPU milliseconds (user + system of this process) per call, after a warm-up: CPU time
 * rather than wall time, so a loaded machine skews the figures less.
 */
function time(fn: () => unknown, minMs = 300): number {
  for (let i = 0; i < 20; i++) fn();
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < minMs || n < 5) {
    fn();
    n++;
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / n;
}

function dispersionPath(s: Series): void {
  const b = collapseBursts(s.ts, s.bytes, s.failed, DEFAULTS.burstMaxWindow, DEFAULTS.burstRelWindow);
  const n = b.times.length;
  const iv = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) iv[i - 1] = b.times[i] - b.times[i - 1];
  const sorted = Float64Array.from(iv).sort();
  const med = sorted[iv.length >> 1];
  dispersion(b, sorted, s.ts, undefined, DEFAULTS);
  for (const d of [1, 2, 3, 4]) fitPeriod(iv, med / d, DEFAULTS.maxMultiple, DEFAULTS.missedWeight, DEFAULTS.startTolerance);
}

function periodogramOnly(s: Series): void {
  const b = collapseBursts(s.ts, undefined, undefined, DEFAULTS.burstMaxWindow, DEFAULTS.burstRelWindow);
  const iv = Float64Array.from({ length: b.times.length - 1 }, (_, i) => b.times[i + 1] - b.times[i]).sort();
  periodicity(b.times, iv[iv.length >> 1], DEFAULTS);
}

const ms = (x: number): string => `${x.toFixed(3).padStart(7)} ms`;
const groups: [string, Series][] = [
  ['beacon 60 s, 20% jitter, 1 conn/beat', beaconSeries({ period: 60, jitter: 0.2, jitterDist: 'uniform', model: 'interval', missed: 0, connsPerBeat: 1, duration: 60_000, seed: 1 })],
  ['beacon 5 min, 30% jitter, 1/3 missed, 3/beat', beaconSeries({ period: 300, jitter: 0.3, jitterDist: 'gaussian', model: 'interval', missed: 1 / 3, connsPerBeat: 3, duration: 230_000, seed: 2 })],
  ['poisson, 1 per min', poissonSeries(1 / 60, 60_000, 3)],
  ['human browsing, 3 days', burstySeries(3, 4, 300)],
];
console.log(`node ${process.version}, ${process.arch}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)}; CPU ms per call`);
console.log('group                                          conns  beats | dispersion path | periodogram | whole scoreBeacon | FFT size x shuffles');
for (const [name, s] of groups) {
  const r = scoreBeacon(s);
  console.log(
    `${name.padEnd(46)} ${String(s.ts.length).padStart(5)} ${String(r.beats).padStart(6)} | ${ms(time(() => dispersionPath(s)))}      | ${ms(time(() => periodogramOnly(s)))}  | ${ms(time(() => scoreBeacon(s)))}        | ${r.periodicity?.fftSize} x ${r.periodicity?.permutations}`,
  );
}
console.log('\nscaling (beacon 60 s, 20% jitter):');
for (const n of [100, 1000, 10_000, 100_000]) {
  const s = beaconSeries({ period: 60, jitter: 0.2, jitterDist: 'uniform', model: 'interval', missed: 0, connsPerBeat: 1, duration: 60 * n, seed: 5 });
  const r = scoreBeacon(s);
  console.log(`${String(s.ts.length).padStart(7)} connections: whole ${ms(time(() => scoreBeacon(s), 500))}, dispersion path ${ms(time(() => dispersionPath(s), 300))}  (FFT ${r.periodicity?.fftSize} x ${r.periodicity?.permutations})`);
}
