import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bowleySorted, madSorted, median, quantileSelect, quantileSorted, robustSummary, sortedCopy } from './stats.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

test('quantiles interpolate linearly (type 7)', () => {
  const s = [1, 2, 3, 4, 5];
  assert.equal(quantileSorted(s, 0), 1);
  assert.equal(quantileSorted(s, 0.5), 3);
  assert.equal(quantileSorted(s, 1), 5);
  assert.equal(quantileSorted(s, 0.1), 1.4);
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.ok(Number.isNaN(quantileSorted([], 0.5)));
  assert.equal(median([5, 1, 3]), 3);
});

test('Bowley skewness: 0 for symmetric, positive for a long right tail, 0 without spread', () => {
  assert.equal(bowleySorted([1, 2, 3, 4, 5]), 0);
  assert.ok(bowleySorted(sortedCopy([1, 1.1, 1.2, 1.3, 5, 9, 20])) > 0.3);
  assert.ok(bowleySorted(sortedCopy([-20, -9, -5, 1, 1.1, 1.2, 1.3])) < -0.3);
  assert.equal(bowleySorted([7, 7, 7, 7]), 0);
});

test('MAD and the robust summary', () => {
  const s = sortedCopy([1, 2, 3, 4, 100]);
  assert.equal(madSorted(s, 3), 1);
  const r = robustSummary([100, 4, 3, 2, 1]);
  assert.equal(r.median, 3);
  assert.equal(r.mad, 1);
  assert.equal(r.n, 5);
});

test('quickselect quantile equals the sorted quantile (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (xs, q) => {
        const want = quantileSorted(sortedCopy(xs), q);
        const got = quantileSelect(Float64Array.from(xs), xs.length, q);
        assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${got} != ${want}`);
      },
    ),
    { numRuns: RUNS },
  );
});
