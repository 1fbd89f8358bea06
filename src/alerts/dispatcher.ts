/**
 * The alert dispatcher: incidents and findings -> ECS documents -> every sink, once per
 * suppression window per key (see Deduper): a finding's id; an incident's id and deciding rule,
 * so the same story is not repeated but a new one on the same host (a miner after a C&C channel)
 * or an escalation (likely -> confirmed) goes out at once. One failing sink never stops the others; failures are
 * returned, not thrown.
 */
import type { Finding, Severity } from '../detect/finding.js';
import type { Incident, Verdict } from '../correlate/incident.js';
import { verdictRank } from '../correlate/incident.js';
import { Deduper, DEFAULT_SUPPRESS_SEC, MAX_DEDUP_KEYS } from './dedup.js';
import { findingToEcs, incidentToEcs, type AlertDoc } from './ecs.js';
import type { AlertSink } from './sink.js';

export interface DispatcherOptions {
  /** Seconds an id stays quiet after it was sent (default DEFAULT_SUPPRESS_SEC). */
  suppressSec?: number;
  /** Most ids remembered (default MAX_DEDUP_KEYS). */
  maxKeys?: number;
  /** Lowest incident verdict alerted (default likely). */
  minVerdict?: Verdict;
  /** Lowest finding severity alerted (default high). */
  minSeverity?: Severity;
  /** Clock, epoch seconds (tests). */
  now?: () => number;
}

/** What one publish did. */
export interface DispatchResult {
  /** Alerts handed to the sinks (each counted once, whatever the number of sinks). */
  sent: number;
  /** Alerts held back by the suppression window. */
  suppressed: number;
  /** Alerts below the minimum verdict or severity. */
  below: number;
  /** Deliveries that failed, per sink and id. */
  failures: { sink: string; id: string; error: string }[];
}

const SEV_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export class AlertDispatcher {
  private readonly dedup: Deduper;
  private readonly now: () => number;
  constructor(private readonly sinks: readonly AlertSink[], private readonly o: DispatcherOptions = {}) {
    this.dedup = new Deduper(o.suppressSec ?? DEFAULT_SUPPRESS_SEC, o.maxKeys ?? MAX_DEDUP_KEYS);
    this.now = o.now ?? (() => Date.now() / 1000);
  }

  /** Alert on incidents at or above the minimum verdict; an incident that escalates alerts again at once. */
  publishIncidents(incidents: readonly Incident[]): Promise<DispatchResult> {
    const min = verdictRank(this.o.minVerdict ?? 'likely');
    // Keyed by id and deciding rule: a host whose story changes (C&C channel, then a miner) alerts again.
    return this.publish(incidents.map((i) => ({ id: i.id, key: `${i.id}:${i.rules[0] ?? ''}`, level: verdictRank(i.verdict), ok: verdictRank(i.verdict) >= min, doc: (t: number) => incidentToEcs(i, t) })));
  }

  /** Alert on findings at or above the minimum severity. */
  publishFindings(findings: readonly Finding[]): Promise<DispatchResult> {
    const min = SEV_RANK[this.o.minSeverity ?? 'high'];
    return this.publish(findings.map((f) => ({ id: f.id, key: f.id, level: SEV_RANK[f.severity], ok: SEV_RANK[f.severity] >= min, doc: (t: number) => findingToEcs(f, t) })));
  }

  private async publish(items: { id: string; key: string; level: number; ok: boolean; doc: (t: number) => AlertDoc }[]): Promise<DispatchResult> {
    const res: DispatchResult = { sent: 0, suppressed: 0, below: 0, failures: [] };
    for (const it of items) {
      if (!it.ok) { res.below++; continue; }
      const t = this.now();
      if (this.dedup.check(it.key, it.level, t) === 'suppressed') { res.suppressed++; continue; }
      const doc = it.doc(t);
      const out = await Promise.allSettled(this.sinks.map((s) => s.send(doc)));
      out.forEach((o, k) => { if (o.status === 'rejected') res.failures.push({ sink: this.sinks[k]!.name, id: it.id, error: (o.reason as Error).message }); });
      res.sent++;
    }
    return res;
  }

  /** Close every sink. */
  async close(): Promise<void> {
    await Promise.allSettled(this.sinks.map((s) => s.close()));
  }
}
