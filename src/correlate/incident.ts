/**
 * An incident: findings chained into one story with a verdict, the way an analyst tells it. This
 * file is the documentation of the incident JSON (`c2hunt analyze --json`, `c2hunt report
 * --format json`, alerts): every field is described here, once.
 *
 * Two scopes:
 * - `host`: every active finding of one source host (the machine to isolate).
 * - `endpoint`: one external endpoint (a domain, else an address) and every host with findings to
 *   it, when there are at least two such hosts (the botnet's view: the C&C to block), and one
 *   incident per benign service (the informational findings, grouped by service, not by host).
 */
import { createHash } from 'node:crypto';
import type { Finding } from '../detect/finding.js';
import type { Lookback } from '../analyze.js';

/**
 * How sure c2hunt is that the incident is malicious:
 * - `confirmed`: two independent kinds of evidence agree (intelligence and behaviour on the same
 *   endpoint; a scan and the scanned host calling the scanner's C&C; mining and a control channel
 *   on the same host).
 * - `likely`: one strong behaviour that bots show and normal software rarely does.
 * - `suspicious`: worth a look; normal software can do this too.
 * - `informational`: explained by a known benign service or by the source being outside.
 */
export type Verdict = 'confirmed' | 'likely' | 'suspicious' | 'informational';

/** Verdicts from the most to the least severe. */
export const VERDICTS: readonly Verdict[] = ['confirmed', 'likely', 'suspicious', 'informational'];

/** A finding as correlation reads it: the detector's JSON, with the lookback when analysis added it. */
export type CorrelatedFinding = Finding & { lookback?: Lookback };

/** The endpoints an incident is about. */
export interface IncidentEndpoints {
  /** Remote addresses (C&C, pool, peer), most important first. Scan targets are not here (see `targets`). */
  ips: string[];
  /** Domain names: the names the host used, and the names passive DNS gives the addresses. */
  domains: string[];
  /** Remote ports. */
  ports: number[];
}

/** Another incident this one is linked to, and why. */
export interface IncidentLink {
  id: string;
  /** One sentence: "10.1.1.40 holds a periodic control channel to 118.184.176.15:80 ..." */
  why: string;
}

export interface Incident {
  /**
   * Stable identity: `I` + 16 hex digits of SHA-256 over the scope and its key: `host` + the host,
   * `endpoint` + the endpoint (domain, else address), `service` + the benign catalogue entry. Same
   * host or endpoint, same id on every run, whatever the findings (alerts add the deciding rule
   * to de-duplicate, so a new story on the same host is a new alert).
   */
  id: string;
  /** `host`: the findings of one source host; `endpoint`: one remote endpoint and every host talking to it. */
  scope: 'host' | 'endpoint';
  /** The source host of a `host` incident; null for an `endpoint` incident. */
  host: string | null;
  /** Every source host whose findings are in the incident, sorted. */
  hosts: string[];
  verdict: Verdict;
  /** What it is, in a few words: "C&C channel", "miner under C&C control", "propagation scanning" ... */
  label: string;
  /** Ids of the verdict rules that matched (see `VERDICT_RULES`), the deciding one first. */
  rules: string[];
  /** 0..1: noisy-OR of the strongest finding of each detector; orders incidents within a verdict. */
  score: number;
  /** One line a person reads first. */
  headline: string;
  endpoints: IncidentEndpoints;
  /** Scan targets (addresses or `host:port`), at most MAX_TARGETS, when the incident has a scan. */
  targets?: string[];
  /** Ids of the findings in the incident, the most important first. */
  findings: string[];
  /** Plain-language paragraphs in the analyst's order: the alert, the history, the behaviour, the verdict, what to do next. */
  narrative: string[];
  /** MITRE ATT&CK technique ids of its findings (and T1102 or T1496 when the verdict adds them). */
  attack: string[];
  /** Malware family when threat intelligence names one. */
  family?: string;
  /** Linked incidents: the host and the botnet view of the same endpoint, a miner and its control channel, a scanner and the host it infected. */
  related: IncidentLink[];
  /** Epoch seconds of the first and last evidence. */
  first: number;
  last: number;
}

/** Scan targets kept on an incident. */
export const MAX_TARGETS = 50;

/** A stable incident id from its scope and key. */
export function incidentId(scope: Incident['scope'] | 'service', key: string): string {
  return `I${createHash('sha256').update(`${scope}\x1f${key}`).digest('hex').slice(0, 16)}`;
}

const VERDICT_RANK: Record<Verdict, number> = { confirmed: 3, likely: 2, suspicious: 1, informational: 0 };

/** Rank of a verdict: confirmed 3 .. informational 0. */
export function verdictRank(v: Verdict): number {
  return VERDICT_RANK[v];
}

/** Most severe verdict first, then highest score, then earliest, then id (a total order: stable output). */
export function rankIncidents(a: Incident, b: Incident): number {
  return VERDICT_RANK[b.verdict] - VERDICT_RANK[a.verdict] || b.score - a.score || a.first - b.first || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
