/**
 * Internal to detect/beacon: robust order statistics over numeric arrays. Functions named
 * `...Sorted` expect ascending input and do not copy; the others copy and sort. An `alloc`
 * (scratch.ts) supplies the temporaries inside scoreBeacon.
 */
import { FRESH, type Alloc } from './scratch.js';

/** Quantile q in [0, 1] of ascending `s` with linear interpolation (Hyndman-Fan type 7). NaN if empty. */
export function quantileSorted(s: ArrayLike<number>, q: number): number {
  const n = s.length;
  if (n === 0) return NaN;
  if (n === 1) return s[0];
  const h = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/** An ascending Float64Array copy of `xs` (from `alloc` when given). */
export function sortedCopy(xs: ArrayLike<number>, alloc?: Alloc): Float64Array {
  let a: Float64Array;
  if (alloc === undefined) a = Float64Array.from(xs as ArrayLike<number>);
  else {
    a = alloc.float64(xs.length);
    for (let i = 0; i < xs.length; i++) a[i] = Number(xs[i]);
  }
  a.sort();
  return a;
}

/** Median of `xs` (copies). NaN if empty. */
export function median(xs: ArrayLike<number>): number {
  return quantileSorted(sortedCopy(xs), 0.5);
}

/** Median absolute deviation of `s` (any order) around `med` (unscaled), in O(n). */
export function madSorted(s: ArrayLike<number>, med: number, alloc: Alloc = FRESH): number {
  const n = s.length;
  if (n === 0) return NaN;
  const d = alloc.float64(n);
  for (let i = 0; i < n; i++) d[i] = Math.abs(s[i] - med);
  return quantileSelect(d, n, 0.5);
}

/**
 * Bowley (quartile) skewness of ascending `s`: (Q1 + Q3 - 2 Q2) / (Q3 - Q1), in [-1, 1];
 * 0 when the quartiles coincide (a perfectly regular series is not skewed).
 */
export function bowleySorted(s: ArrayLike<number>): number {
  const q1 = quantileSorted(s, 0.25);
  const q2 = quantileSorted(s, 0.5);
  const q3 = quantileSorted(s, 0.75);
  const iqr = q3 - q1;
  if (!(iqr > 0)) return 0;
  return Math.max(-1, Math.min(1, (q1 + q3 - 2 * q2) / iqr));
}

/** Summary of a sample used by the scores and their reasons. */
export interface RobustSummary {
  n: number;
  median: number;
  /** Median absolute deviation around the median (same unit as the data). */
  mad: number;
  q1: number;
  q3: number;
  /** Bowley skewness in [-1, 1]. */
  skew: number;
}

/** Median, MAD, quartiles and Bowley skewness of `xs` (copies and sorts once). */
export function robustSummary(xs: ArrayLike<number>, alloc?: Alloc): RobustSummary {
  return robustSummarySorted(sortedCopy(xs, alloc), alloc);
}

/** The robust summary of ascending `s` (no copy of s). */
export function robustSummarySorted(s: ArrayLike<number>, alloc: Alloc = FRESH): RobustSummary {
  const med = quantileSorted(s, 0.5);
  return {
    n: s.length,
    median: med,
    mad: madSorted(s, med, alloc),
    q1: quantileSorted(s, 0.25),
    q3: quantileSorted(s, 0.75),
    skew: bowleySorted(s),
  };
}

/** Clamp to [0, 1]; NaN becomes 0. */
export function clamp01(x: number): number {
  return x > 0 ? (x < 1 ? x : 1) : 0;
}

/**
 * Quantile q (type 7, as quantileSorted) of a[0..len) in O(len) by quickselect. Reorders
 * a[0..len); NaN if len is 0.
 */
export function quantileSelect(a: Float64Array, len: number, q: number): number {
  if (len <= 0) return NaN;
  const h = (len - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const x = selectKth(a, len, lo);
  if (h === lo || lo + 1 >= len) return x;
  let y = Infinity;
  for (let i = lo + 1; i < len; i++) if (a[i] < y) y = a[i];
  return x + (h - lo) * (y - x);
}

/** Put the k-th smallest of a[0..len) at a[k] (smaller before, larger after) and return it. */
export function selectKth(a: Float64Array, len: number, k: number): number {
  let l = 0;
  let r = len - 1;
  while (r > l) {
    // Median of three as pivot.
    const m = (l + r) >> 1;
    if (a[m] < a[l]) swap(a, m, l);
    if (a[r] < a[l]) swap(a, r, l);
    if (a[r] < a[m]) swap(a, r, m);
    const pivot = a[m];
    let i = l;
    let j = r;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else break;
  }
  return a[k];
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
