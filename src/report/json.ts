/**
 * The JSON report: a documented document for other tools.
 *
 * ```
 * {
 *   "report": "c2hunt", "version": 1,
 *   "title": string, "generated": ISO 8601,
 *   "window": { "start": epoch s, "end": epoch s },
 *   "captures": [{ "source", "packets", "bytes", "error" }],
 *   "summary": { "incidents": { "confirmed": n, "likely": n, "suspicious": n, "informational": n },
 *                "findings": n, "suppressed": n, "hidden": n },
 *   "incidents": [Incident ...]        (src/correlate/incident.ts documents every field; rank order)
 *   "findings": [Finding ...]          (src/detect/finding.ts, with `lookback` from src/analyze.ts)
 *   "suppressed": [{ "finding": id, "title": string, "entry": id, "matcher": string, "reason": string }],
 *   "expired_allow_entries": [id ...],
 *   "rules": [{ "id", "verdict", "description" }],
 *   "timings": { stage: seconds }
 * }
 * ```
 * Only the incidents shown (see `minVerdict`) and the findings they reference are included, plus
 * every finding when no verdict filter is set.
 */
import type { ReportModel } from './model.js';

/** Render the model as the JSON report (pretty-printed). */
export function renderJson(m: ReportModel): string {
  const referenced = new Set(m.incidents.flatMap((i) => i.findings));
  const findings = m.hidden === 0 ? m.input.findings : m.input.findings.filter((f) => referenced.has(f.id));
  const doc = {
    report: 'c2hunt', version: 1, title: m.title, generated: new Date(m.generated * 1000).toISOString(),
    window: m.window,
    captures: (m.input.captures ?? []).map((c) => ({ source: c.source, packets: c.packets ?? null, bytes: c.bytes ?? null, error: c.error?.message ?? null })),
    summary: { incidents: m.counts, findings: m.input.findings.length, suppressed: m.suppressed.length, hidden: m.hidden },
    incidents: m.incidents,
    findings,
    suppressed: m.suppressed.map((s) => ({ finding: s.finding.id, title: s.finding.title, entry: s.entry.id, matcher: s.entry.matcher, reason: s.entry.reason })),
    expired_allow_entries: m.expired.map((e) => e.id),
    rules: m.rules,
    timings: m.input.timings ?? {},
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
