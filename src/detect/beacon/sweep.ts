/**
 * The longer sweep behind recall.test.ts: recall per jitter, missed share, period band and
 * jitter model; false alarms per kind of negative; beacons hidden in other traffic; few beats.
 * A script, not a test:  node dist/detect/beacon/sweep.js [--draws 100] [--seed 1]
 */
import { falseAlarmsOf, recallOf } from './evaluate.js';
import { makeRng } from './prng.js';
import { scoreBeacon } from './score.js';
import { beaconSeries, randomTimesSeries } from './synth.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const DRAWS = arg('draws', 100);
const SEED = arg('seed', 1);
const pct = (x: number): string => (Number.isNaN(x) ? '   -' : `${(100 * x).toFixed(0).padStart(3)}%`);

const BANDS: [string, [number, number]][] = [
  ['10s-1min', [10, 60]],
  ['1-10min', [60, 600]],
  ['10min-2h', [600, 7200]],
];
const JITTERS = [0, 0.1, 0.2, 0.3, 0.4, 0.5];
const MISSED = [0, 0.15, 1 / 3];

const t0 = performance.now();
console.log(`# Recall (verdict beacon) per cell, ${DRAWS} draws each, 24..400 beats, 1..3 connections per beat, seed ${SEED}`);
for (const model of ['interval', 'grid'] as const) {
  console.log(`\n## jitter model: ${model === 'interval' ? 'sleep loop (errors accumulate)' : 'scheduler (errors do not accumulate)'}, uniform and gaussian 50/50`);
  console.log(`jitter  missed | ${BANDS.map(([b]) => b.padStart(9)).join(' ')} |   all  periodOK missedOK`);
  let cell = 0;
  for (const j of JITTERS) {
    for (const m of MISSED) {
      const res = BANDS.map(([, period]) => recallOf({ jitter: [j, j], missed: [m, m], period, model }, DRAWS, SEED + 1000 * cell++));
      const all = res.reduce((a, r) => a + r.recall, 0) / res.length;
      const pok = res.reduce((a, r) => a + r.periodOk * r.recall, 0) / Math.max(1e-9, res.reduce((a, r) => a + r.recall, 0));
      const mok = res.reduce((a, r) => a + r.missedOk * r.recall, 0) / Math.max(1e-9, res.reduce((a, r) => a + r.recall, 0));
      console.log(`${pct(j).padStart(6)} ${pct(m).padStart(7)} | ${res.map((r) => pct(r.recall).padStart(9)).join(' ')} | ${pct(all)}  ${pct(pok).padStart(8)} ${pct(mok).padStart(8)}`);
    }
  }
}

console.log(`\n# Mixed draws (either model and distribution, missed 0..1/3), ${2 * DRAWS} draws`);
for (const [label, jitter] of [
  ['jitter 0..30%', [0, 0.3]],
  ['jitter 30..50%', [0.3, 0.5]],
  ['jitter 50%', [0.5, 0.5]],
] as [string, [number, number]][]) {
  const r = recallOf({ jitter }, 2 * DRAWS, SEED + 77);
  console.log(`${label.padEnd(15)} recall ${pct(r.recall)}  period within tolerance ${pct(r.periodOk)}  missed within 0.1 ${pct(r.missedOk)}  median period error ${(100 * r.medianPeriodError).toFixed(2)}%`);
}

console.log(`\n# False alarms, ${2 * DRAWS} draws each`);
for (const kind of ['poisson', 'bursty', 'handful'] as const) {
  const r = falseAlarmsOf(kind, 2 * DRAWS, SEED + 5);
  console.log(`${kind.padEnd(8)} verdict not none ${pct(r.falseAlarms)}  score >= 0.5 ${pct(r.atLeastHalf)}  score p50 ${r.p50.toFixed(2)} p95 ${r.p95.toFixed(2)} max ${r.max.toFixed(2)}`);
}

console.log('\n# A 5-minute beacon (1 day) with unrelated connections to the same place (Poisson), 20 seeds each');
console.log('noise/beat  model     jitter | recall  median |period error|');
for (const noise of [0, 0.25, 0.5, 1]) {
  for (const model of ['grid', 'interval'] as const) {
    for (const jitter of [0.05, 0.2]) {
      let det = 0;
      const errs: number[] = [];
      for (let seed = 1; seed <= 20; seed++) {
        const s = beaconSeries({ period: 300, jitter, jitterDist: 'uniform', model, missed: 0, connsPerBeat: 1, duration: 86400, seed, noiseRate: noise / 300 });
        const r = scoreBeacon(s);
        if (r.verdict === 'beacon') {
          det++;
          errs.push(Math.abs(r.period - 300) / 300);
        }
      }
      errs.sort((a, b) => a - b);
      console.log(`${String(noise).padStart(9)}  ${model.padEnd(9)} ${pct(jitter).padStart(6)} | ${pct(det / 20).padStart(6)}  ${errs.length ? (100 * errs[errs.length >> 1]).toFixed(1) + '%' : '-'}`);
    }
  }
}

console.log('\n# Few beats: a 10-minute beacon over one hour (about 6 beats) against 6 random times in an hour, 200 seeds');
for (const j of [0, 0.1, 0.2, 0.3]) {
  let det = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const s = beaconSeries({ period: 600, jitter: j, jitterDist: 'uniform', model: 'interval', missed: 0, connsPerBeat: 1, duration: 3600, seed });
    if (scoreBeacon(s).verdict === 'beacon') det++;
  }
  console.log(`beacon jitter ${pct(j)}: recall ${pct(det / 200)}`);
}
{
  const rng = makeRng(SEED);
  let fa = 0;
  let half = 0;
  for (let i = 0; i < 200; i++) {
    const r = scoreBeacon(randomTimesSeries(6, 3600, Math.floor(rng.next() * 2 ** 31)));
    if (r.verdict !== 'none') fa++;
    if (r.score >= 0.5) half++;
  }
  console.log(`6 random times: verdict not none ${pct(fa / 200)}, score >= 0.5 ${pct(half / 200)}`);
}
console.log(`\n(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
