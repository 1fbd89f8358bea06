import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { scoreBeacon } from './index.js';
import { makeRng } from './prng.js';
import { beaconSeries, drawBeaconSpec, drawNegative, poissonSeries, type Series } from './synth.js';

/** Each case scores a series twice (with and without the bar): a fifth of the usual runs. */
const RUNS = Math.max(10, Math.round(Number(process.env.C2HUNT_FUZZ_RUNS ?? 300) / 5));

const KINDS = ['poisson', 'bursty', 'handful'] as const;

/** A heartbeat or a negative drawn from a seed. */
function draw(seed: number, positive: boolean, kind: number): Series {
  const rng = makeRng(seed);
  return positive ? beaconSeries(drawBeaconSpec(rng)) : drawNegative(rng, KINDS[kind % KINDS.length]!);
}

test('with a bar, scoring either gives exactly the full result or stops below the bar with an upper bound (property)', () => {
  let stopped = 0;
  let full = 0;
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.boolean(), fc.nat(), fc.double({ min: 0.2, max: 1, noNaN: true }), (seed, positive, kind, bar) => {
      const s = draw(seed, positive, kind);
      const input = { ts: s.ts, bytes: s.bytes, failed: s.failed };
      const exact = scoreBeacon(input);
      const r = scoreBeacon(input, undefined, { atLeast: bar });
      if (r.stopped === true) {
        stopped++;
        assert.ok(exact.score < bar, `stopped although the score ${exact.score} reaches ${bar}`);
        assert.ok(r.score >= exact.score - 1e-12, `bound ${r.score} under the score ${exact.score}`);
        assert.equal(r.verdict, 'none');
        assert.match(r.periodicity?.skipped ?? '', /stopped after \d+ of \d+ shuffles|periodogram not run/);
        assert.match(r.reasons[0]!, /^none: stopped early/);
      } else {
        full++;
        assert.deepEqual(r, exact);
      }
    }),
    { numRuns: RUNS },
  );
  assert.ok(stopped > 0 && full > 0, `stopped ${stopped}, full ${full}: both paths should be exercised`);
});

test('random arrivals stop early under a high bar; a clear heartbeat never does', () => {
  const noise = poissonSeries(1 / 300, 86400, 11);
  const r = scoreBeacon({ ts: noise.ts, bytes: noise.bytes }, undefined, { atLeast: 0.85 });
  assert.equal(r.stopped, true, r.reasons.join(' | '));
  const p = r.periodicity!;
  assert.ok(p.permutations < 199 || p.skipped!.startsWith('periodogram not run'), `ran ${p.permutations} shuffles`);
  assert.ok(p.bound !== undefined && p.bound === p.score);

  const hb = beaconSeries({ period: 300, jitter: 0.1, jitterDist: 'uniform', model: 'interval', missed: 0.1, connsPerBeat: 1, duration: 86400, seed: 4 });
  const full = scoreBeacon({ ts: hb.ts, bytes: hb.bytes });
  const barred = scoreBeacon({ ts: hb.ts, bytes: hb.bytes }, undefined, { atLeast: 0.85 });
  assert.equal(full.verdict, 'beacon');
  assert.equal(barred.stopped, undefined);
  assert.deepEqual(barred, full);
});

test('few beats cap the periodicity score: under a bar the periodogram is not run at all', () => {
  // Seven irregular beats: the few-beats factor caps the periodicity score at 6/11.
  const ts = [0, 100, 170, 420, 500, 800, 830].map((x) => 1_700_000_000 + x);
  const r = scoreBeacon({ ts }, undefined, { atLeast: 0.9 });
  assert.equal(r.stopped, true);
  assert.match(r.periodicity!.skipped!, /^periodogram not run: 7 beats/);
  assert.equal(r.periodicity!.permutations, 0);
  assert.ok(scoreBeacon({ ts }).score < 0.9);
});
