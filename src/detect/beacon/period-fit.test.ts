import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combIntervals, fitPeriod, fitShare } from './period-fit.js';

test('missed beats: intervals at 2x and 3x give the base period and the missed share', () => {
  // 60 s beacon, 10 intervals of 1x, 3 of 2x, 1 of 3x: 15 beats seen of 20 expected.
  const iv = Float64Array.from([...Array(10).fill(60), 120, 120, 120, 180]);
  for (const start of [60, 90, 45]) {
    const f = fitPeriod(iv, start, 4, 0.5);
    assert.ok(Math.abs(f.period - 60) < 1e-9, `start ${start}: ${f.period}`);
    assert.equal(f.expected, 20);
    assert.ok(Math.abs(f.missed - 5 / 20) < 1e-12);
    assert.equal(f.jitter, 0);
  }
});

test('a sub-multiple of the period costs more than the period', () => {
  const iv = Float64Array.from([58, 61, 63, 57, 60, 122, 59, 118, 62, 60]);
  const good = fitPeriod(iv, 60, 4, 0.5);
  const half = fitPeriod(iv, 30, 4, 0.5);
  assert.ok(good.cost < half.cost);
  assert.ok(Math.abs(good.period - 60) < 1);
});

test('fitShare counts intervals near a multiple', () => {
  const iv = Float64Array.from([100, 101, 199, 150, 20, 1000]);
  assert.equal(fitShare(iv, 100, 0.1, 4), 3 / 6);
  assert.equal(fitShare(new Float64Array(0), 100, 0.1, 4), 0);
});

test('combIntervals sets aside beats that split an interval', () => {
  // Beats every 100 s, with unrelated connections at 30 and 250.
  const t = Float64Array.from([0, 30, 100, 200, 250, 300, 400]);
  const c = combIntervals(t, 100, 0.2);
  assert.equal(c.skipped, 2);
  assert.deepEqual([...c.intervals], [100, 100, 100, 100]);
});
