import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreBeacon, type BeaconScore } from './index.js';
import { makeRng } from './prng.js';
import { beaconSeries, burstySeries, poissonSeries, randomTimesSeries, type BeaconSpec } from './synth.js';

const H = 3600;
const D = 86400;

interface Case {
  name: string;
  spec: Omit<BeaconSpec, 'seed'>;
}

// Periods from seconds to two hours; jitter uniform and gaussian up to 50%, sleep-style
// (accumulating) and scheduler-style; a third of the beats missing; several connections per beat.
const CASES: Case[] = [
  { name: '3 s, steady, 1 h', spec: { period: 3, jitter: 0, jitterDist: 'uniform', model: 'interval', missed: 0, connsPerBeat: 1, duration: H } },
  { name: '10 s, 10% uniform, 2 per beat, 2 h', spec: { period: 10, jitter: 0.1, jitterDist: 'uniform', model: 'interval', missed: 0, connsPerBeat: 2, duration: 2 * H } },
  { name: '60 s, 30% uniform sleep, third missed, 6 h', spec: { period: 60, jitter: 0.3, jitterDist: 'uniform', model: 'interval', missed: 1 / 3, connsPerBeat: 1, duration: 6 * H } },
  { name: '5 min, 30% gaussian sleep, third missed, 3 per beat, 1 d', spec: { period: 300, jitter: 0.3, jitterDist: 'gaussian', model: 'interval', missed: 1 / 3, connsPerBeat: 3, duration: D } },
  { name: '10 min, 20% uniform schedule, third missed, 1 d', spec: { period: 600, jitter: 0.2, jitterDist: 'uniform', model: 'grid', missed: 1 / 3, connsPerBeat: 1, duration: D } },
  { name: '30 min, 10% gaussian sleep, 2 d', spec: { period: 1800, jitter: 0.1, jitterDist: 'gaussian', model: 'interval', missed: 0.1, connsPerBeat: 2, duration: 2 * D } },
  { name: '2 h, 10% uniform sleep, 7 d', spec: { period: 7200, jitter: 0.1, jitterDist: 'uniform', model: 'interval', missed: 0, connsPerBeat: 1, duration: 7 * D } },
  { name: '2 min, 50% uniform sleep, 12 h', spec: { period: 120, jitter: 0.5, jitterDist: 'uniform', model: 'interval', missed: 0, connsPerBeat: 1, duration: 12 * H } },
  { name: '15 min, 50% gaussian schedule, third missed, 3 d', spec: { period: 900, jitter: 0.5, jitterDist: 'gaussian', model: 'grid', missed: 1 / 3, connsPerBeat: 2, duration: 3 * D } },
];

function describe(r: BeaconScore): string {
  return `${r.verdict} score ${r.score.toFixed(2)} period ${r.period.toFixed(1)} missed ${r.missed.toFixed(2)} | ${r.reasons.join(' | ')}`;
}

for (const c of CASES) {
  test(`beacon: ${c.name}`, () => {
    for (const seed of [1, 2, 3]) {
      const s = beaconSeries({ ...c.spec, seed });
      const r = scoreBeacon({ ts: s.ts, bytes: s.bytes, failed: s.failed });
      const tol = c.spec.jitter >= 0.5 ? 0.1 : 0.05;
      assert.equal(r.verdict, 'beacon', `seed ${seed}: ${describe(r)}`);
      assert.ok(r.score >= 0.6, describe(r));
      assert.ok(Math.abs(r.period - c.spec.period) <= tol * c.spec.period, `seed ${seed}: ${describe(r)}`);
      assert.ok(Math.abs(r.missed - s.truth.missed) <= 0.1, `seed ${seed}: truth ${s.truth.missed.toFixed(2)}: ${describe(r)}`);
      assert.equal(r.connections, s.ts.length);
      if (c.spec.connsPerBeat > 1) {
        assert.ok(r.beats < r.connections);
        assert.equal(r.beats, s.truth.beats);
        assert.ok(r.reasons.some((x) => /connections in \d+ beats/.test(x)));
      }
      assert.ok(r.jitter >= 0 && r.jitter <= 1);
    }
  });
}

test('six beats of a 10-minute beacon over one hour: a meaningful score and a reason about few beats', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const s = beaconSeries({ period: 600, jitter: 0.1, jitterDist: 'uniform', model: 'interval', missed: 0, connsPerBeat: 1, duration: H, seed });
    const r = scoreBeacon({ ts: s.ts });
    assert.equal(r.verdict, 'beacon', describe(r));
    assert.ok(Math.abs(r.period - 600) <= 0.05 * 600, describe(r));
    assert.ok(r.dispersion!.score > r.periodicity!.score, 'the dispersion opinion carries it');
    assert.ok(r.reasons.some((x) => /only \d+ beats: the periodicity test has little power/.test(x)), describe(r));
  }
});

test('negatives score low: random arrivals, human browsing, a handful of random times', () => {
  const groups: [string, { ts: number[]; bytes: number[] }][] = [
    ['poisson 1/min, 1 d', poissonSeries(1 / 60, D, 1)],
    ['poisson 1/10 min, 1 d', poissonSeries(1 / 600, D, 2)],
    ['poisson 1/10 s, 6 h', poissonSeries(1 / 10, 6 * H, 3)],
    ['browsing, 1 d', burstySeries(1, 4)],
    ['browsing, 3 d', burstySeries(3, 5)],
    ['6 random times in 1 h', randomTimesSeries(6, H, 6)],
    ['10 random times in 1 d', randomTimesSeries(10, D, 7)],
  ];
  for (const [name, s] of groups) {
    const r = scoreBeacon(s);
    assert.equal(r.verdict, 'none', `${name}: ${describe(r)}`);
    assert.ok(r.score < 0.5, `${name}: ${describe(r)}`);
    assert.ok(Number.isNaN(r.period));
    assert.ok(r.candidatePeriod > 0);
  }
});

test('a beacon hidden in other traffic to the same place: the periodicity opinion carries it', () => {
  const s = beaconSeries({ period: 300, jitter: 0.05, jitterDist: 'uniform', model: 'grid', missed: 0, connsPerBeat: 1, duration: D, seed: 5, noiseRate: 0.5 / 300 });
  const r = scoreBeacon(s);
  assert.equal(r.verdict, 'beacon', describe(r));
  assert.ok(r.periodicity!.score > r.dispersion!.score);
  assert.ok(Math.abs(r.period - 300) <= 0.05 * 300, describe(r));
  assert.ok(r.reasons.some((x) => /off the period's rhythm/.test(x)));
});

test('failed retries within a second are not a beacon; a periodic run of failed attempts is, with a reason', () => {
  const t0 = 1_700_000_000;
  const retries = scoreBeacon({ ts: [t0, t0 + 0.4, t0 + 0.9], failed: [true, true, true] });
  assert.equal(retries.verdict, 'none');
  assert.equal(retries.score, 0);
  assert.ok(retries.reasons.some((x) => /all 3 connections failed/.test(x)));
  assert.ok(retries.reasons.some((x) => /only 3 beats/.test(x)));

  const five = scoreBeacon({ ts: [0, 0.2, 0.5, 0.7, 0.9].map((x) => t0 + x), failed: Array(5).fill(true) });
  assert.equal(five.verdict, 'none');
  assert.ok(five.reasons.some((x) => /spans only/.test(x)), describe(five));

  // Every 5 minutes for a day, three attempts within a second, none answered.
  const ts: number[] = [];
  for (let k = 0; k < 288; k++) for (const d of [0, 0.3, 0.9]) ts.push(t0 + k * 300 + d);
  const r = scoreBeacon({ ts, failed: ts.map(() => true) });
  assert.equal(r.verdict, 'beacon', describe(r));
  assert.equal(r.beats, 288);
  assert.equal(r.connections, 864);
  assert.ok(Math.abs(r.period - 300) < 1);
  assert.ok(r.reasons.some((x) => /all 864 connections failed/.test(x)));
});

test('sustained connections faster than one per 2 s are a strobe', () => {
  const t0 = 1_700_000_000;
  const steady = scoreBeacon({ ts: Array.from({ length: 3600 }, (_, i) => t0 + i) });
  assert.equal(steady.verdict, 'strobe', describe(steady));
  assert.ok(Math.abs(steady.period - 1) < 0.01);
  assert.ok(steady.reasons.some((x) => /strobe/.test(x)));
  const rng = makeRng(3);
  const random = scoreBeacon({ ts: Array.from({ length: 2000 }, () => t0 + rng.next() * 1800) });
  assert.equal(random.verdict, 'strobe');
  // The same rate for a minute only is not sustained.
  const short = scoreBeacon({ ts: Array.from({ length: 60 }, (_, i) => t0 + i) });
  assert.notEqual(short.verdict, 'strobe');
});

test('edge inputs: empty, one connection, invalid times', () => {
  const e = scoreBeacon({ ts: [] });
  assert.equal(e.verdict, 'none');
  assert.equal(e.connections, 0);
  assert.equal(e.dispersion, null);
  const one = scoreBeacon({ ts: new Float64Array([5]) });
  assert.equal(one.beats, 1);
  const bad = scoreBeacon({ ts: [NaN, 0, 600, 1200, 1800, 2400, 3000, Infinity] });
  assert.equal(bad.connections, 6);
  assert.ok(bad.reasons[1].includes('2 connections without a valid time'));
});

test('deterministic, and independent of the input order', () => {
  const s = beaconSeries({ period: 120, jitter: 0.2, jitterDist: 'gaussian', model: 'interval', missed: 0.2, connsPerBeat: 2, duration: 6 * H, seed: 11 });
  const a = scoreBeacon(s);
  const b = scoreBeacon(s);
  assert.deepEqual(a, b);
  const rng = makeRng(5);
  const order = s.ts.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const c = scoreBeacon({ ts: order.map((i) => s.ts[i]), bytes: order.map((i) => s.bytes[i]), failed: order.map((i) => s.failed[i]) });
  assert.equal(c.score, a.score);
  assert.equal(c.period, a.period);
  assert.deepEqual(c.dispersion, a.dispersion);
});

test('settings: overrides apply, bad values fail fast with a stable message', () => {
  const s = beaconSeries({ period: 600, jitter: 0.1, jitterDist: 'uniform', model: 'interval', missed: 0, connsPerBeat: 1, duration: D, seed: 1 });
  const r = scoreBeacon(s, { minPeriod: 700 });
  assert.equal(r.verdict, 'none');
  assert.ok(r.reasons.some((x) => /is under 700 s/.test(x)), describe(r));
  assert.throws(() => scoreBeacon(s, { beaconThreshold: 1.5 }), /beaconThreshold/);
  assert.throws(() => scoreBeacon(s, { permutations: 0 }), /Cannot use beacon settings: permutations/);
  assert.throws(() => scoreBeacon(s, { minPeriod: NaN }), /Cannot use beacon settings: minPeriod must be a finite number/);
  assert.throws(() => scoreBeacon(s, { nope: 1 } as never), /unknown key nope/);
});

test('the dispersion opinion reports its parts', () => {
  const s = beaconSeries({ period: 600, jitter: 0.1, jitterDist: 'uniform', model: 'interval', missed: 0, connsPerBeat: 1, duration: D, seed: 2, start: 1_700_006_400 });
  const r = scoreBeacon({ ts: s.ts, bytes: s.bytes, window: { start: 1_700_006_400, end: 1_700_006_400 + 2 * D } });
  const d = r.dispersion!;
  assert.ok(Math.abs(d.tsSkew) < 0.3 && d.tsMadm < 0.1 && d.tsSkewScore > 0.7);
  assert.ok(d.sizeScore! > 0.9 && d.sizeMadm! < 0.05);
  assert.ok(Math.abs(d.coverage - 0.5) < 0.05, `coverage ${d.coverage}`);
  assert.equal(d.hourHistogram.length, 24);
  assert.equal(
    d.hourHistogram.reduce((a, b) => a + b, 0),
    s.ts.length,
  );
  assert.ok(d.histogramScore > 0.9);
});
