/**
 * A lexical model of "English-like" domain labels, and the per-label DGA score built on it.
 *
 * Model: a character bigram Markov chain over 30 symbols (a-z, one class for every digit, `-`,
 * one class for any other byte, a word boundary), estimated from TRAINING_WORDS (words.ts) with
 * Dirichlet smoothing, interpolated with the unigram distribution. A label's fit is its mean
 * log2 probability per transition, boundaries included; a hyphen counts as a word boundary.
 * English-like labels ("weather", "bookshop") sit near -3.5 bits, random letters near -6.
 *
 * DGA score of one label (0..1): a logistic function of
 *   + the fit below LL_MID bits per transition,
 *   + the longest consonant run beyond MAX_NATURAL_CONSONANTS (`y` counts as a vowel),
 *   + letter/digit alternations per character and the share of digits inside the label
 *     (numbering at either end, "server01" "awsdns-56" "4chan", is removed first),
 *   + the share of bytes no host name has (escaped bytes, `_`),
 *   - the share of characters covered by dictionary words ("getdropbox" is covered whole),
 *   - a penalty for short labels (below FULL_CONFIDENCE_LENGTH characters; under
 *     MIN_SCORED_LENGTH the score is 0: "qq", "bbc", "xkcd" are too short to judge).
 * The weights are set by hand to these meanings and checked (not fitted) on the registered-domain
 * labels of the shared captures (397 names): at a 0.5 cut 1% of them score as DGA-like, and
 * 97-99% of generated random-letter, hex and base36 labels do. Dictionary-concatenation DGAs
 * ("tablegardenriver") are English-like by construction: the model does not catch them, and
 * pronounceable consonant-vowel DGAs only about half the time; for those the host-level signal
 * (many names, mostly NXDOMAIN) carries the detection.
 */
import { TRAINING_WORDS } from './words.js';

/** Symbol classes: 0-25 letters, 26 digit, 27 hyphen, 28 other byte, 29 boundary. */
const DIGIT = 26, HYPHEN = 27, OTHER = 28, BOUND = 29, NSYM = 30;

/** Dirichlet smoothing strength (pseudo-counts spread by unigram frequency) of the bigram model. */
const SMOOTHING = 4;
/**
 * Interpolation weight of the bigram estimate; the rest is the plain letter frequency. Keeps an
 * unseen pair (common in foreign words: "taobao", "kakaku") a few bits dearer than a rare one,
 * not ten; measured on the tuning names this cut false positives by half at the same recall.
 */
const LAMBDA = 0.7;
/** Mean log2 probability per transition (bits) where the fit term is zero: between English (~-3.5) and random (~-5.5). */
export const LL_MID = 4.3;
/** Logistic weight per bit of fit below LL_MID. */
const W_FIT = 2.2;
/** Longest consonant run that English-like names have without penalty (characters). */
const MAX_NATURAL_CONSONANTS = 3;
/** Logistic weight per consonant beyond the natural run. */
const W_CONSONANTS = 0.4;
/** Logistic weight of letter/digit alternations per character (0..1). */
const W_SWITCHES = 3;
/** Logistic weight of the share of digits (numbering at the ends is removed before: these are digits inside). */
const W_DIGITS = 3;
/** Logistic weight of the share of characters that no host name has. */
const W_OTHER = 8;
/** Labels shorter than this (characters) score 0: too short to judge ("qq", "vk", "bbc"). */
export const MIN_SCORED_LENGTH = 6;
/** Labels at least this long (characters) are judged with full confidence. */
export const FULL_CONFIDENCE_LENGTH = 10;
/** Logistic penalty of a label at MIN_SCORED_LENGTH, falling linearly to 0 at FULL_CONFIDENCE_LENGTH. */
const W_SHORT = 2.5;
/** Logistic weight (negative) of the word coverage. */
const W_COVER = 3;
/** Logistic offset: with every term at zero the score is sigmoid(BIAS). */
const BIAS = -0.5;

/** log2 P(next | prev), NSYM x NSYM, row = prev. */
const LOGP = new Float64Array(NSYM * NSYM);

function symOf(code: number): number {
  if (code >= 97 && code <= 122) return code - 97;
  if (code >= 65 && code <= 90) return code - 65;
  if (code >= 48 && code <= 57) return DIGIT;
  if (code === 45) return HYPHEN;
  return OTHER;
}

(function train(): void {
  const words = [...new Set(TRAINING_WORDS.split(/\s+/).filter((w) => w.length > 0))];
  const big = new Float64Array(NSYM * NSYM);
  const uni = new Float64Array(NSYM).fill(1); // add-one unigram: every symbol possible
  const row = new Float64Array(NSYM);
  for (const w of words) {
    let prev = BOUND;
    for (let i = 0; i <= w.length; i++) {
      const s = i < w.length ? symOf(w.charCodeAt(i)) : BOUND;
      big[prev * NSYM + s]!++;
      row[prev]!++;
      uni[s]!++;
      prev = s;
    }
  }
  // 'other' bytes never occur in names people choose: keep them at the add-one floor.
  let total = 0;
  for (let s = 0; s < NSYM; s++) total += uni[s]!;
  for (let p = 0; p < NSYM; p++) {
    for (let n = 0; n < NSYM; n++) {
      const pu = uni[n]! / total;
      LOGP[p * NSYM + n] = Math.log2(LAMBDA * (big[p * NSYM + n]! + SMOOTHING * pu) / (row[p]! + SMOOTHING) + (1 - LAMBDA) * pu);
    }
  }
})();

/** The measurements behind a label's DGA score. */
export interface LabelFeatures {
  /** Characters, an escaped byte (`\DDD`, `\.`) counting as one. */
  length: number;
  /** Mean log2 probability per transition under the English-like model (bits, boundaries included). */
  fit: number;
  /** Longest run of consonants (letters other than a e i o u y). */
  consonantRun: number;
  /** Letter/digit alternations per character. */
  switches: number;
  /** Share of digits. */
  digitShare: number;
  /** Share of characters outside a-z 0-9 `-`. */
  otherShare: number;
  /** Shannon entropy of the characters (bits per character). */
  entropy: number;
  /** Share of characters covered by training words of WORD_MIN_LENGTH letters or more ("getdropbox": 1). */
  coverage: number;
}

/** Shortest training word counted by the coverage feature (shorter ones hit random strings too often). */
const WORD_MIN_LENGTH = 3;
const WORD_MAX_LENGTH = 14;
const WORDS = new Set(TRAINING_WORDS.split(/\s+/).filter((w) => /^[a-z]+$/.test(w) && w.length >= WORD_MIN_LENGTH && w.length <= WORD_MAX_LENGTH));

/** Share of a label's characters covered by non-overlapping training words (dynamic programme, best cover). */
export function wordCoverage(label: string): number {
  const n = label.length;
  if (n === 0) return 0;
  const best = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    if (best[i]! > best[i + 1]!) best[i + 1] = best[i]!;
    for (let len = WORD_MIN_LENGTH; len <= WORD_MAX_LENGTH && i + len <= n; len++) {
      if (WORDS.has(label.slice(i, i + len)) && best[i]! + len > best[i + len]!) best[i + len] = best[i]! + len;
    }
  }
  return best[n]! / n;
}

const VOWEL = new Uint8Array(26);
for (const c of 'aeiouy') VOWEL[c.charCodeAt(0) - 97] = 1;

/** Measure one label (no dots), as it appears in a query name (presentation escapes allowed). */
export function labelFeatures(label: string): LabelFeatures {
  let prev = BOUND, n = 0, ll = 0, run = 0, maxRun = 0, switches = 0, digits = 0, other = 0;
  let lastKind = -1; // 0 letter, 1 digit
  const freq = new Map<number, number>();
  for (let i = 0; i <= label.length; i++) {
    let s: number, key: number;
    if (i === label.length) { s = BOUND; key = -1; }
    else {
      let c = label.charCodeAt(i);
      if (c === 92 /* \ */ && i + 1 < label.length) {
        // \DDD or \X: one byte of the name. Even an escaped letter is odd: names never need one.
        if (/^\d{3}$/.test(label.slice(i + 1, i + 4))) { c = Number(label.slice(i + 1, i + 4)); i += 3; }
        else { c = label.charCodeAt(i + 1); i += 1; }
        s = OTHER;
      } else s = symOf(c);
      key = s === OTHER ? 1000 + c : (c | 32);
    }
    if (s === HYPHEN) {
      // A hyphen joins words ("xda-developers"): judge it as a word boundary.
      ll += LOGP[prev * NSYM + BOUND]!;
      n++; run = 0; lastKind = -1; prev = BOUND;
      freq.set(45, (freq.get(45) ?? 0) + 1);
      continue;
    }
    ll += LOGP[prev * NSYM + s]!;
    if (s !== BOUND) {
      n++;
      freq.set(key, (freq.get(key) ?? 0) + 1);
      if (s < 26 && VOWEL[s] === 0) { run++; if (run > maxRun) maxRun = run; } else run = 0;
      const kind = s < 26 ? 0 : s === DIGIT ? 1 : -1;
      if (kind === 1) digits++;
      if (s === OTHER) other++;
      if (kind >= 0) { if (lastKind >= 0 && kind !== lastKind) switches++; lastKind = kind; }
    }
    prev = s;
  }
  let entropy = 0;
  for (const f of freq.values()) { const p = f / n; entropy -= p * Math.log2(p); }
  return {
    length: n, fit: ll / (n + 1), consonantRun: maxRun, coverage: wordCoverage(label),
    switches: n > 0 ? switches / n : 0, digitShare: n > 0 ? digits / n : 0, otherShare: n > 0 ? other / n : 0, entropy,
  };
}

/** The logistic score of measured features (see the file comment). */
export function scoreFeatures(f: LabelFeatures): number {
  if (f.length < MIN_SCORED_LENGTH) return 0;
  const short = Math.max(0, Math.min(1, (FULL_CONFIDENCE_LENGTH - f.length) / (FULL_CONFIDENCE_LENGTH - MIN_SCORED_LENGTH)));
  const z = BIAS
    + W_FIT * (-f.fit - LL_MID)
    + W_CONSONANTS * Math.max(0, f.consonantRun - MAX_NATURAL_CONSONANTS)
    + W_SWITCHES * f.switches
    + W_DIGITS * f.digitShare
    + W_OTHER * f.otherShare
    - W_SHORT * short
    - W_COVER * f.coverage;
  return 1 / (1 + Math.exp(-z));
}

/** Numbering at either end of a label ("server01", "awsdns-56", "web2", "4chan", "365-"): enumeration, not randomness. */
const END_NUMBERS = /^(?:\d+-?)|(?:-?\d+)$/g;

/** The part of a label that is judged: numbering at either end removed. */
export function judgedPart(label: string): string {
  const rest = label.replace(END_NUMBERS, '');
  // Digits inside too ("a3f9c2d1"): not numbering, judge the whole label. All digits: numbering only.
  return /\d/.test(rest) ? label : rest;
}

/** DGA-likeness of one label, 0 (English-like) .. 1 (machine-made). */
export function labelScore(label: string): number {
  return scoreFeatures(labelFeatures(judgedPart(label)));
}
