/**
 * Internal to detect/beacon: an iterative radix-2 complex FFT on split real/imaginary
 * Float64Arrays, in place. Twiddle and bit-reversal tables are built once per size and cached.
 */

interface Plan {
  rev: Uint32Array;
  /** Per-stage twiddles: the stage with half-size h uses entries h-1 .. 2h-2 (cos and -sin of 2 pi k / 2h). */
  twr: Float64Array;
  twi: Float64Array;
}

/** Largest transform size this module accepts (2^22 points, 64 MiB of tables and data). */
export const MAX_FFT_SIZE = 1 << 22;

const plans = new Map<number, Plan>();

/** Smallest power of two >= n (n >= 1). */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function plan(n: number): Plan {
  let p = plans.get(n);
  if (p) return p;
  if (n < 1 || n > MAX_FFT_SIZE || (n & (n - 1)) !== 0) {
    throw new RangeError(`Cannot plan FFT: size ${n} is not a power of two in 1..${MAX_FFT_SIZE}`);
  }
  const bits = Math.round(Math.log2(n));
  const rev = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0, x = i; b < bits; b++, x >>= 1) r = (r << 1) | (x & 1);
    rev[i] = r;
  }
  const twr = new Float64Array(Math.max(1, n - 1));
  const twi = new Float64Array(Math.max(1, n - 1));
  for (let h = 1; h < n; h <<= 1) {
    for (let k = 0; k < h; k++) {
      twr[h - 1 + k] = Math.cos((Math.PI * k) / h);
      twi[h - 1 + k] = -Math.sin((Math.PI * k) / h);
    }
  }
  p = { rev, twr, twi };
  plans.set(n, p);
  return p;
}

/**
 * In-place FFT of (re, im), both of the same power-of-two length. Forward uses e^{-2 pi i k n / N};
 * `inverse` uses e^{+...} and divides by N, so fft(fft(x), inverse) == x.
 */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (im.length !== n) throw new RangeError('Cannot run FFT: real and imaginary lengths differ');
  if (n <= 1) return;
  const { rev, twr, twi } = plan(n);
  for (let i = 0; i < n; i++) {
    const j = rev[i];
    if (j > i) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  // Stage 1 (size 2): twiddle 1.
  for (let a = 0; a < n; a += 2) {
    const b = a + 1;
    const xr = re[b];
    const xi = im[b];
    re[b] = re[a] - xr;
    im[b] = im[a] - xi;
    re[a] += xr;
    im[a] += xi;
  }
  const sgn = inverse ? -1 : 1;
  // Remaining stages. Short blocks: twiddle outside, butterflies strided inside (each twiddle
  // read once per stage). Long blocks: blocks outside, contiguous butterflies inside (cache).
  for (let size = 4; size <= n; size <<= 1) {
    const halfSize = size >> 1;
    const off = halfSize - 1;
    if (halfSize <= 64) {
      for (let k = 0; k < halfSize; k++) {
        const wr = twr[off + k];
        const wi = sgn * twi[off + k];
        for (let a = k; a < n; a += size) {
          const b = a + halfSize;
          const br = re[b];
          const bi = im[b];
          const xr = br * wr - bi * wi;
          const xi = br * wi + bi * wr;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    } else if (sgn === 1) {
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < halfSize; k++) {
          const wr = twr[off + k];
          const wi = twi[off + k];
          const a = start + k;
          const b = a + halfSize;
          const br = re[b];
          const bi = im[b];
          const xr = br * wr - bi * wi;
          const xi = br * wi + bi * wr;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    } else {
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < halfSize; k++) {
          const wr = twr[off + k];
          const wi = -twi[off + k];
          const a = start + k;
          const b = a + halfSize;
          const br = re[b];
          const bi = im[b];
          const xr = br * wr - bi * wi;
          const xi = br * wi + bi * wr;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    }
  }
  if (inverse) {
    const inv = 1 / n;
    for (let i = 0; i < n; i++) {
      re[i] *= inv;
      im[i] *= inv;
    }
  }
}

/**
 * Power spectra of two real series of the same power-of-two length with one complex FFT
 * (a in the real part, b in the imaginary part). Writes |A_k|^2 and |B_k|^2 for k in
 * kFrom..kTo (default 0..N/2) into `pa` and `pb` (length >= N/2 + 1). `re` and `im` are overwritten.
 */
export function twoRealPowers(
  re: Float64Array,
  im: Float64Array,
  pa: Float64Array,
  pb: Float64Array,
  kFrom = 0,
  kTo = re.length >> 1,
): void {
  const n = re.length;
  fft(re, im);
  const last = Math.min(kTo, n >> 1);
  for (let k = Math.max(0, kFrom); k <= last; k++) {
    const j = (n - k) & (n - 1);
    // A_k = (X_k + conj X_{N-k}) / 2 ; B_k = (X_k - conj X_{N-k}) / (2i)
    const ar = (re[k] + re[j]) / 2;
    const ai = (im[k] - im[j]) / 2;
    const br = (im[k] + im[j]) / 2;
    const bi = (re[j] - re[k]) / 2;
    pa[k] = ar * ar + ai * ai;
    pb[k] = br * br + bi * bi;
  }
}
