/**
 * What every report format shows, gathered once: the incidents in rank order with their findings,
 * the data the analysis covered, the allow-list's effect, and the verdict rules.
 */
import type { Dataset } from '../detect/dataset.js';
import type { CorrelatedFinding, Incident, Verdict } from '../correlate/incident.js';
import { VERDICTS, verdictRank } from '../correlate/incident.js';
import { BENIGN_RULE, VERDICT_RULES } from '../correlate/rules.js';
import type { AllowEntry, Suppressed } from '../correlate/allow-list.js';

/** What a report is made from: the analysis (findings, and the dataset for charts and the window). */
export interface ReportInput {
  findings: readonly CorrelatedFinding[];
  /** For charts (timestamps pulled back by the findings' endpoints) and the data window; optional. */
  dataset?: Dataset;
  /** The captures or logs analysed. */
  captures?: readonly { source: string; packets?: number; bytes?: number; error?: { message: string } }[];
  /** Seconds per analysis stage. */
  timings?: Record<string, number>;
}

export interface ReportOptions {
  /** Report title (default "c2hunt report"). */
  title?: string;
  /** Epoch seconds the report is dated (default: now); tests pin it. */
  generated?: number;
  /** Findings the allow-list suppressed (from `applyAllowList`). */
  suppressed?: readonly Suppressed[];
  /** Allow-list entries that had expired. */
  expired?: readonly AllowEntry[];
  /** Lowest verdict shown (default informational: all). */
  minVerdict?: Verdict;
}

/** Incidents told in full in md and html (the summary table lists all; json holds all). */
export const MAX_DETAILED_INCIDENTS = 200;

export type ReportFormat = 'md' | 'html' | 'json';
export const REPORT_FORMATS: readonly ReportFormat[] = ['md', 'html', 'json'];

/** Everything a renderer needs. */
export interface ReportModel {
  title: string;
  generated: number;
  incidents: Incident[];
  /** Incidents left out by `minVerdict`. */
  hidden: number;
  findingById: Map<string, CorrelatedFinding>;
  /** Data window (epoch s): the dataset's, else the span of the findings. */
  window: { start: number; end: number };
  counts: Record<Verdict, number>;
  input: ReportInput;
  suppressed: readonly Suppressed[];
  expired: readonly AllowEntry[];
  rules: { id: string; verdict: Verdict; description: string }[];
}

/** Gather the model. */
export function buildModel(input: ReportInput, incidents: readonly Incident[], opts: ReportOptions): ReportModel {
  const min = verdictRank(opts.minVerdict ?? 'informational');
  const shown = incidents.filter((i) => verdictRank(i.verdict) >= min);
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const i of incidents) counts[i.verdict]++;
  let start = Infinity, end = -Infinity;
  if (input.dataset !== undefined && input.dataset.end > input.dataset.start) ({ start, end } = input.dataset);
  else for (const f of input.findings) { start = Math.min(start, f.first); end = Math.max(end, f.last); }
  if (!Number.isFinite(start)) { start = 0; end = 0; }
  return {
    title: opts.title ?? 'c2hunt report',
    generated: opts.generated ?? Date.now() / 1000,
    incidents: shown, hidden: incidents.length - shown.length,
    findingById: new Map(input.findings.map((f) => [f.id, f])),
    window: { start, end }, counts, input,
    suppressed: opts.suppressed ?? [], expired: opts.expired ?? [],
    rules: [...VERDICT_RULES.map(({ id, verdict, description }) => ({ id, verdict, description })), BENIGN_RULE],
  };
}
