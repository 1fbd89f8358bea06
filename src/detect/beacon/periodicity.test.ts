import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { acfCheck, pairsInLag, periodicity } from './periodicity.js';
import { DEFAULTS, resolveSettings } from './settings.js';
import { beaconSeries, poissonSeries } from './synth.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

const sortedTimes = (ts: number[]): Float64Array => Float64Array.from(ts).sort();
const medianInterval = (t: Float64Array): number => {
  const iv = Float64Array.from({ length: t.length - 1 }, (_, i) => t[i + 1] - t[i]).sort();
  return iv[iv.length >> 1];
};

test('pairsInLag counts the pairs a brute force counts (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { maxLength: 60 }),
      fc.double({ min: 0, max: 300, noNaN: true }),
      fc.double({ min: 0, max: 300, noNaN: true }),
      (xs, a, w) => {
        const t = sortedTimes(xs);
        let want = 0;
        for (let i = 0; i < t.length; i++) for (let j = i + 1; j < t.length; j++) if (t[j] - t[i] >= a && t[j] - t[i] <= a + w) want++;
        assert.equal(pairsInLag(t, a, a + w), want);
      },
    ),
    { numRuns: RUNS },
  );
});

test('the autocorrelation check confirms the period and rejects its half and its double', () => {
  const t = Float64Array.from({ length: 50 }, (_, i) => i * 60);
  assert.ok(acfCheck(t, 60, 0.2).contrast > 0.9);
  assert.ok(acfCheck(t, 30, 0.2).contrast <= 0);
  assert.ok(acfCheck(t, 120, 0.2).contrast < 0);
});

test('a steady heartbeat is found, verified, with the right period', () => {
  const s = beaconSeries({ period: 300, jitter: 0.1, jitterDist: 'uniform', model: 'grid', missed: 0.2, connsPerBeat: 1, duration: 86400, seed: 3 });
  const t = sortedTimes(s.ts);
  const p = periodicity(t, medianInterval(t), DEFAULTS);
  assert.equal(p.verified, true);
  assert.ok(Math.abs(p.period - 300) / 300 < 0.02, `period ${p.period}`);
  assert.ok(p.power > p.threshold);
  assert.ok(p.pValue <= 0.05 && p.pValueAnalytic < 1e-6);
  assert.ok(p.score > 0.9);
  assert.ok(p.fftSize <= DEFAULTS.maxBins && (p.fftSize & (p.fftSize - 1)) === 0);
});

test('a jittered sleep loop (30%, a third missed) is found in the smoothed spectrum', () => {
  const s = beaconSeries({ period: 60, jitter: 0.3, jitterDist: 'uniform', model: 'interval', missed: 0.33, connsPerBeat: 1, duration: 18000, seed: 1 });
  const t = sortedTimes(s.ts);
  const p = periodicity(t, medianInterval(t), DEFAULTS);
  assert.equal(p.verified, true);
  assert.equal(p.smoothed, true);
  assert.ok(Math.abs(p.period - 60) / 60 < 0.05, `period ${p.period}`);
});

test('random arrivals are not verified; the result is deterministic', () => {
  const s = poissonSeries(1 / 120, 86400, 5);
  const t = sortedTimes(s.ts);
  const a = periodicity(t, medianInterval(t), DEFAULTS);
  const b = periodicity(t, medianInterval(t), DEFAULTS);
  assert.equal(a.verified, false);
  assert.ok(a.score < 0.35);
  assert.deepEqual(a, b);
  // Another seed gives another (valid) threshold.
  const c = periodicity(t, medianInterval(t), resolveSettings({ seed: 99 }));
  assert.notEqual(c.threshold, a.threshold);
});

test('too short a span for the band is reported, not an error', () => {
  const t = Float64Array.from([0, 10, 20, 30]);
  const p = periodicity(t, 10, resolveSettings({ minPeriod: 20 }));
  assert.match(p.skipped ?? '', /too short/);
  assert.equal(p.score, 0);
});

test('a dense binned series (more filled bins than empty) is shuffled in full and still scored', () => {
  const t = Float64Array.from({ length: 150 }, (_, i) => i * 10 + (i % 3));
  const s = resolveSettings({ maxBins: 256, minPeriod: 1 });
  const a = periodicity(t, 10, s);
  assert.ok(a.bins <= 256 && a.fftSize === 256);
  assert.ok(Number.isFinite(a.threshold) && a.threshold > 0, JSON.stringify(a));
  assert.deepEqual(periodicity(t, 10, s), a);
});
