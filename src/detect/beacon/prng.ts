/**
 * Internal to detect/beacon: a small seeded pseudo-random generator, so every permutation test
 * and every synthetic series is reproducible from its seed. Not for cryptography.
 */

/** A deterministic generator of floats in [0, 1) (mulberry32: 32-bit state, period 2^32). */
export interface Rng {
  /** Next float in [0, 1). */
  next(): number;
  /** Next integer in [0, n). */
  int(n: number): number;
  /** Standard normal variate (Box-Muller). */
  normal(): number;
}

/** A generator seeded from a 32-bit integer (other numbers are truncated to 32 bits). */
export function makeRng(seed: number): Rng {
  // The state lives in a typed array: a uint32 in a captured variable would be boxed (it does
  // not fit a small integer) on every draw, and the permutation test draws millions.
  const st = new Uint32Array(1);
  st[0] = seed >>> 0;
  let spare = NaN;
  const next = (): number => {
    const a = (st[0]! + 0x6d2b79f5) >>> 0;
    st[0] = a;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    normal: () => {
      if (!Number.isNaN(spare)) {
        const s = spare;
        spare = NaN;
        return s;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

/** Mix several integers into one 32-bit seed (so a seed can depend on the input's size). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  const mix = (v: number): void => {
    h = Math.imul(h ^ v, 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  };
  for (const p of parts) {
    const x = Number.isFinite(p) ? Math.trunc(p) : 0;
    mix(x >>> 0);
    mix(Math.floor(x / 4294967296) >>> 0);
  }
  return h;
}
