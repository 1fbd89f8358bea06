/**
 * Recall and false alarms over seeded random draws (see synth.ts for the draws: periods 10 s..2 h
 * log-uniform, 24..400 beats, 1..3 connections per beat, uniform or gaussian jitter, sleep-style
 * or scheduler-style, 0..1/3 of the beats missed). The longer table is `sweep.ts`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { falseAlarmsOf, recallOf } from './evaluate.js';

const DRAWS = 200;

test(`recall over ${DRAWS} heartbeats with jitter up to 30% and up to a third of beats missed`, () => {
  const r = recallOf({ jitter: [0, 0.3] }, DRAWS, 42);
  assert.ok(r.recall >= 0.95, JSON.stringify(r));
  assert.ok(r.periodOk >= 0.95, JSON.stringify(r));
  assert.ok(r.missedOk >= 0.95, JSON.stringify(r));
});

test(`recall over ${DRAWS} heartbeats with 50% jitter and up to a third of beats missed`, () => {
  const r = recallOf({ jitter: [0.5, 0.5] }, DRAWS, 43);
  assert.ok(r.recall >= 0.8, JSON.stringify(r));
  assert.ok(r.periodOk >= 0.85, JSON.stringify(r));
  assert.ok(r.missedOk >= 0.9, JSON.stringify(r));
});

for (const kind of ['poisson', 'bursty', 'handful'] as const) {
  test(`false alarms over ${DRAWS} ${kind} groups stay at or under 2%`, () => {
    const r = falseAlarmsOf(kind, DRAWS, 7);
    assert.ok(r.falseAlarms <= 0.02, JSON.stringify(r));
    assert.ok(r.p50 < 0.5, JSON.stringify(r));
  });
}
