/**
 * A finding: one behaviour of one host (or one pair), scored and explained. This is the JSON
 * that `c2hunt analyze --json` prints and the store keeps; every field is documented here.
 */
import { createHash } from 'node:crypto';

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export type Detector = 'beacon' | 'long_conn' | 'scan' | 'mining' | 'dns' | 'intel';

export interface Finding {
  /** Stable identity for de-duplication: the same behaviour of the same pair gives the same id on every run. */
  id: string;
  detector: Detector;
  /** Finer kind: `ip`, `ip_port`, `fqdn`, `dns_name` (beacon); `horizontal`, `vertical`, `trw`, `icmp_sweep` (scan) ... */
  kind: string;
  /** One line a person reads first. */
  title: string;
  /** The source host (usually internal). */
  src: string;
  /** Destination address, when one; `dsts` when several (a beacon to a rotating domain, a scan). */
  dst?: string;
  dsts?: string[];
  fqdn?: string;
  port?: number;
  proto?: string;
  /** Epoch seconds of the first and last evidence. */
  first: number;
  last: number;
  /** 0..1 after modifiers. */
  score: number;
  severity: Severity;
  /** The numbers behind the score: components, thresholds, measured values. */
  evidence: Record<string, unknown>;
  /** Short sentences with the numbers, in the order an analyst reads them. */
  reasons: string[];
  /** Sample connection uids (at most SAMPLE_UIDS). */
  uids: string[];
  /** MITRE ATT&CK technique ids. */
  attack: string[];
}

/** Sample uids kept per finding. */
export const SAMPLE_UIDS = 10;

/** Score thresholds of each severity (score >= value). */
export const SEVERITY_THRESHOLDS: readonly [Severity, number][] = [
  ['critical', 0.95], ['high', 0.85], ['medium', 0.7], ['low', 0.5], ['info', 0],
];

export function severityOf(score: number): Severity {
  for (const [s, t] of SEVERITY_THRESHOLDS) if (score >= t) return s;
  return 'info';
}

/** A stable id: detector + kind + the identifying fields, hashed. */
export function findingId(detector: Detector, kind: string, ...parts: (string | number | undefined)[]): string {
  const h = createHash('sha256').update([detector, kind, ...parts.map((p) => p ?? '')].join('\x1f')).digest('hex');
  return `F${h.slice(0, 16)}`;
}

const SEV_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
/** Most severe first, then highest score, then earliest. */
export function rankFindings(a: Finding, b: Finding): number {
  return SEV_RANK[b.severity] - SEV_RANK[a.severity] || b.score - a.score || a.first - b.first;
}

/** "10 min 02 s", "37.2 s", "1 h 52 min" */
export function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60), r = Math.round(s - m * 60);
    return r === 0 ? `${m} min` : `${m} min ${String(r).padStart(2, '0')} s`;
  }
  const h = Math.floor(s / 3600), m = Math.round((s - h * 3600) / 60);
  return m === 0 ? `${h} h` : `${h} h ${String(m).padStart(2, '0')} min`;
}
