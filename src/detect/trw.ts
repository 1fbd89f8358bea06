/**
 * Threshold Random Walk (TRW): the sequential hypothesis test of Jung, Paxson, Berger and
 * Balakrishnan, "Fast Portscan Detection Using Sequential Hypothesis Testing" (IEEE S&P 2004).
 *
 * Each source's *first-contact* connection attempts, one per distinct destination host in time
 * order, are Bernoulli trials: a benign host's attempts succeed with probability theta0, a
 * scanner's with theta1 (theta1 < theta0, most of a scanner's guesses hit nothing). After each
 * trial the likelihood ratio
 *
 *   L = prod_i P(Y_i | scanner) / P(Y_i | benign)
 *
 * grows by (1 - theta1) / (1 - theta0) on a failure and shrinks by theta1 / theta0 on a success.
 * The walk stops when L >= eta1 = beta / alpha (decide "scanner") or L <= eta0 = (1 - beta) /
 * (1 - alpha) (decide "benign"), where alpha is the target false-positive probability and beta
 * the target detection probability (Wald's thresholds). With the paper's values (theta0 0.8,
 * theta1 0.2, alpha 0.01, beta 0.99) each step is a factor 4 and the thresholds are 99 and
 * 1/99: four failures more than successes decide "scanner", after as few as four attempts.
 *
 * One departure from the paper: after a "benign" decision the walk restarts (L = 1) instead of
 * closing the source for good. The paper watched remote hosts arriving at a site; here the
 * sources are mostly internal hosts, which were benign until they were infected, and a host
 * that browsed normally in the morning must still be caught when it starts sweeping at noon.
 * Destinations already contacted stay known across restarts (only first contacts are trials).
 *
 * This file is the test only; `scan.ts` decides what an attempt and a failure are (connection
 * states) and turns decisions into findings.
 */
import type { ConnRecord } from '../records/schema.js';

/** The test's parameters (the paper's symbols). */
export interface TrwParams {
  /** P(first contact succeeds | benign source): theta0. */
  theta0: number;
  /** P(first contact succeeds | scanner): theta1, below theta0. */
  theta1: number;
  /** Target false-positive probability: alpha. */
  alpha: number;
  /** Target detection probability: beta, above alpha. */
  beta: number;
}

/** The paper's values (Jung et al. 2004, section 5). */
export const TRW_PAPER: Readonly<TrwParams> = Object.freeze({ theta0: 0.8, theta1: 0.2, alpha: 0.01, beta: 0.99 });

/** Most sample uids and destinations kept per decision. */
export const TRW_SAMPLE = 10;

/** Thresholds and steps of the walk, derived from {@link TrwParams}. */
export interface TrwThresholds {
  /** Decide "scanner" at L >= eta1 = beta / alpha. */
  eta1: number;
  /** Decide "benign" at L <= eta0 = (1 - beta) / (1 - alpha). */
  eta0: number;
  /** Factor of L on a failure: (1 - theta1) / (1 - theta0). */
  onFailure: number;
  /** Factor of L on a success: theta1 / theta0. */
  onSuccess: number;
}

/** Throws "Cannot use TRW parameters: ..." unless 0 < theta1 < theta0 < 1 and 0 < alpha < beta < 1. */
export function trwThresholds(p: TrwParams): TrwThresholds {
  const { theta0, theta1, alpha, beta } = p;
  if (!(theta1 > 0 && theta1 < theta0 && theta0 < 1)) throw new Error(`Cannot use TRW parameters: need 0 < theta1 < theta0 < 1 (theta1 ${theta1}, theta0 ${theta0})`);
  if (!(alpha > 0 && alpha < beta && beta < 1)) throw new Error(`Cannot use TRW parameters: need 0 < alpha < beta < 1 (alpha ${alpha}, beta ${beta})`);
  return { eta1: beta / alpha, eta0: (1 - beta) / (1 - alpha), onFailure: (1 - theta1) / (1 - theta0), onSuccess: theta1 / theta0 };
}

/** Outcome of a connection as a TRW trial: not an attempt at all, a success, or a failure. */
export type TrwOutcome = 'none' | 'success' | 'failure';

/** A source the walk decided is a scanner. */
export interface TrwDecision {
  src: string;
  /** First-contact attempts of the deciding walk (since its last restart). */
  attempts: number;
  successes: number;
  failures: number;
  /** Likelihood ratio when the walk crossed eta1. */
  likelihoodRatio: number;
  /**
   * Time of the walk's first attempt, of its first failure and of the attempt that decided
   * (epoch s). The walk of a host that worked normally before it began scanning starts with its
   * earlier successes; the first failure is when the scanning began.
   */
  walkStart: number;
  firstFailure: number;
  decidedAt: number;
  /** Walks that ended "benign" before this one (restarts). */
  restarts: number;
  /** Failed destinations of the deciding walk and their uids (samples, at most TRW_SAMPLE). */
  failedDsts: string[];
  uids: string[];
  /** Over the whole data: first contacts of the source, failed ones, and the last failed one (epoch s). */
  firstContacts: number;
  failedFirstContacts: number;
  lastFailure: number;
}

/**
 * One source's walk. Feed it the source's first contacts in time order ({@link TrwWalk.firstContact});
 * which connections are first contacts (one per destination host) is the caller's business, so
 * the walk works over records (runTrw) and over connection columns alike. Failed attempts are
 * kept as caller-chosen numbers (a record's index, a column row) and turned into destinations
 * and uids only for a decision.
 */
export class TrwWalk {
  private logL = 0;
  private start: number;
  private firstFailure: number;
  private attempts = 0;
  private successes = 0;
  private failures = 0;
  private restarts = 0;
  /** Failed attempts of the current walk (samples, at most TRW_SAMPLE). */
  private failed: number[] = [];
  private decided: { attempts: number; successes: number; failures: number; logL: number; start: number; firstFailure: number; at: number; restarts: number; failed: number[] } | undefined;
  /** Over the whole data: first contacts, failed ones and the last failed one (epoch s). */
  firstContacts = 0;
  failedFirstContacts = 0;
  lastFailure: number;

  /** `ts`: time of the source's first attempt (where an undecided walk starts). */
  constructor(private readonly steps: TrwSteps, ts: number) {
    this.start = ts;
    this.firstFailure = ts;
    this.lastFailure = ts;
  }

  /** Has the walk decided "scanner"? */
  get isDecided(): boolean {
    return this.decided !== undefined;
  }

  /** A first contact at `ts`, failed or not; `ref` names the attempt for the samples. */
  firstContact(ts: number, failed: boolean, ref: number): void {
    this.firstContacts++;
    if (failed) { this.failedFirstContacts++; this.lastFailure = ts; }
    if (this.decided !== undefined) return;
    const st = this.steps;
    if (this.attempts === 0) this.start = ts;
    this.attempts++;
    if (failed) {
      if (this.failures === 0) this.firstFailure = ts;
      this.failures++;
      this.logL += st.up;
      if (this.failed.length < TRW_SAMPLE) this.failed.push(ref);
    } else {
      this.successes++;
      this.logL += st.down;
    }
    // A hair of tolerance so that exactly reaching a threshold decides despite rounding.
    if (this.logL >= st.hi - 1e-9) {
      this.decided = {
        attempts: this.attempts, successes: this.successes, failures: this.failures, logL: this.logL, start: this.start,
        firstFailure: this.firstFailure, at: ts, restarts: this.restarts, failed: this.failed,
      };
    } else if (this.logL <= st.lo + 1e-9) {
      this.restarts++;
      this.logL = 0; this.attempts = 0; this.successes = 0; this.failures = 0; this.failed = [];
    }
  }

  /** The decision, with the failed attempts' destinations and uids from `dstOf` and `uidOf`; undefined when undecided. */
  decision(src: string, dstOf: (ref: number) => string, uidOf: (ref: number) => string): TrwDecision | undefined {
    const d = this.decided;
    if (d === undefined) return undefined;
    return {
      src, attempts: d.attempts, successes: d.successes, failures: d.failures, likelihoodRatio: Math.exp(d.logL),
      walkStart: d.start, firstFailure: d.firstFailure, decidedAt: d.at, restarts: d.restarts,
      failedDsts: d.failed.map(dstOf), uids: d.failed.map(uidOf),
      firstContacts: this.firstContacts, failedFirstContacts: this.failedFirstContacts, lastFailure: this.lastFailure,
    };
  }
}

/** The walk's steps and thresholds in log space. */
export interface TrwSteps {
  up: number;
  down: number;
  hi: number;
  lo: number;
}

/** Log-space steps of {@link trwThresholds} (throws like it). */
export function trwSteps(params: TrwParams): TrwSteps {
  const t = trwThresholds(params);
  return { up: Math.log(t.onFailure), down: Math.log(t.onSuccess), hi: Math.log(t.eta1), lo: Math.log(t.eta0) };
}

/**
 * Run the walk of every source over connections in time order. `outcome` classifies each
 * connection (`none`: not a connection attempt, skipped). Returns the sources decided scanners,
 * in order of their first attempt.
 */
export function runTrw(conns: readonly ConnRecord[], params: TrwParams, outcome: (c: ConnRecord) => TrwOutcome): Map<string, TrwDecision> {
  const steps = trwSteps(params);
  const walks = new Map<string, { walk: TrwWalk; seen: Set<string> }>();
  for (let i = 0; i < conns.length; i++) {
    const c = conns[i]!;
    const o = outcome(c);
    if (o === 'none') continue;
    let w = walks.get(c.orig_h);
    if (w === undefined) walks.set(c.orig_h, (w = { walk: new TrwWalk(steps, c.ts), seen: new Set() }));
    if (w.seen.has(c.resp_h)) continue; // only first contacts are trials
    w.seen.add(c.resp_h);
    w.walk.firstContact(c.ts, o === 'failure', i);
  }
  const out = new Map<string, TrwDecision>();
  for (const [src, w] of walks) {
    const d = w.walk.decision(src, (i) => conns[i]!.resp_h, (i) => conns[i]!.uid);
    if (d !== undefined) out.set(src, d);
  }
  return out;
}
