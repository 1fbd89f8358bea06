/**
 * De-duplication of alerts by their stable id (incident or finding id): an alert goes out once
 * per suppression window, again when its level rises (likely -> confirmed), and again after the
 * window (a reminder that it is still going on). Memory is bounded: the oldest keys are forgotten.
 */

/** Default suppression window (seconds). */
export const DEFAULT_SUPPRESS_SEC = 3600;
/** Most ids remembered (oldest forgotten first). */
export const MAX_DEDUP_KEYS = 100_000;

/** What `check` decided. */
export type DedupDecision = 'new' | 'escalated' | 'repeat' | 'suppressed';

export class Deduper {
  private readonly seen = new Map<string, { at: number; level: number }>();
  constructor(private readonly windowSec = DEFAULT_SUPPRESS_SEC, private readonly maxKeys = MAX_DEDUP_KEYS) {}

  /**
   * Should the alert `key` at `level` (higher is more severe) go out at `now` (epoch s)?
   * Records it when it does.
   */
  check(key: string, level: number, now: number): DedupDecision {
    const prev = this.seen.get(key);
    let d: DedupDecision;
    if (prev === undefined) d = 'new';
    else if (level > prev.level) d = 'escalated';
    else if (now - prev.at >= this.windowSec) d = 'repeat';
    else return 'suppressed';
    this.seen.delete(key); // re-insert: Map order is the eviction order
    this.seen.set(key, { at: now, level: Math.max(level, prev?.level ?? level) });
    if (this.seen.size > this.maxKeys) this.seen.delete(this.seen.keys().next().value!);
    return d;
  }

  /** Ids remembered. */
  get size(): number {
    return this.seen.size;
  }
}
