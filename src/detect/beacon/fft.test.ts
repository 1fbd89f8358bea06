import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fft, nextPow2, twoRealPowers } from './fft.js';
import { makeRng } from './prng.js';

function naiveDft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  const or = new Float64Array(n);
  const oi = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * k * t) / n;
      or[k] += re[t] * Math.cos(a) - im[t] * Math.sin(a);
      oi[k] += re[t] * Math.sin(a) + im[t] * Math.cos(a);
    }
  }
  return [or, oi];
}

test('FFT equals a direct DFT for every size up to 512, and the inverse restores the input', () => {
  const rng = makeRng(1);
  for (let n = 1; n <= 512; n *= 2) {
    const re = Float64Array.from({ length: n }, () => rng.next() - 0.5);
    const im = Float64Array.from({ length: n }, () => rng.next() - 0.5);
    const [wr, wi] = naiveDft(re, im);
    const xr = re.slice();
    const xi = im.slice();
    fft(xr, xi);
    for (let k = 0; k < n; k++) {
      assert.ok(Math.abs(xr[k] - wr[k]) < 1e-9 * n && Math.abs(xi[k] - wi[k]) < 1e-9 * n, `n=${n} k=${k}`);
    }
    fft(xr, xi, true);
    for (let k = 0; k < n; k++) assert.ok(Math.abs(xr[k] - re[k]) < 1e-12 && Math.abs(xi[k] - im[k]) < 1e-12);
  }
});

test('two real spectra from one complex FFT equal the separate ones', () => {
  const rng = makeRng(2);
  const n = 256;
  const a = Float64Array.from({ length: n }, () => rng.next());
  const b = Float64Array.from({ length: n }, () => rng.normal());
  const pa = new Float64Array(n / 2 + 1);
  const pb = new Float64Array(n / 2 + 1);
  twoRealPowers(a.slice(), b.slice(), pa, pb);
  for (const [x, p] of [
    [a, pa],
    [b, pb],
  ] as const) {
    const re = x.slice();
    const im = new Float64Array(n);
    fft(re, im);
    for (let k = 0; k <= n / 2; k++) {
      const want = re[k] * re[k] + im[k] * im[k];
      assert.ok(Math.abs(p[k] - want) < 1e-9 * Math.max(1, want), `k=${k}`);
    }
  }
});

test('a pure tone has its power in one bin', () => {
  const n = 64;
  const re = Float64Array.from({ length: n }, (_, t) => Math.cos((2 * Math.PI * 5 * t) / n));
  const pa = new Float64Array(n / 2 + 1);
  const pb = new Float64Array(n / 2 + 1);
  twoRealPowers(re, new Float64Array(n), pa, pb);
  const best = pa.indexOf(Math.max(...pa));
  assert.equal(best, 5);
  assert.ok(Math.abs(pa[5] - (n / 2) ** 2) < 1e-6);
});

test('sizes: nextPow2, and a size that is not a power of two is refused', () => {
  assert.equal(nextPow2(1), 1);
  assert.equal(nextPow2(5), 8);
  assert.equal(nextPow2(1024), 1024);
  assert.throws(() => fft(new Float64Array(6), new Float64Array(6)), /Cannot plan FFT/);
  assert.throws(() => fft(new Float64Array(8), new Float64Array(4)), /Cannot run FFT/);
});
