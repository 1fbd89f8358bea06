/**
 * Incidents for the terminal (`c2hunt analyze`): a ranked list with a one-line verdict each, and
 * below, each incident's narrative and findings. ANSI colour only when asked.
 */
import type { CorrelatedFinding, Incident, Verdict } from '../correlate/incident.js';
import { when } from '../correlate/narrative.js';

const COLOR: Record<Verdict, string> = { confirmed: '\x1b[1;31m', likely: '\x1b[31m', suspicious: '\x1b[33m', informational: '\x1b[2m' };

/** Wrap a paragraph at `width` columns with an indent (words longer than a line stay whole). */
export function wrap(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + w.length > width) { out.push(indent + line); line = w; } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(indent + line);
  return out;
}

export interface TextOptions {
  color?: boolean;
  /** Incidents shown (the rest are counted). */
  limit?: number;
  /** Column width for the narrative (default 100). */
  width?: number;
  /** Show only the one-line list, without narratives. */
  brief?: boolean;
}

/** Ranked incidents as terminal text; `findings` names the findings of each incident. */
export function renderIncidentsText(incidents: readonly Incident[], findings: readonly CorrelatedFinding[], o: TextOptions = {}): string {
  const c = (code: string, s: string) => (o.color ? `${code}${s}\x1b[0m` : s);
  const byId = new Map(findings.map((f) => [f.id, f]));
  const shown = incidents.slice(0, o.limit ?? incidents.length);
  const width = o.width ?? 100;
  const lines: string[] = [];
  shown.forEach((i, k) => {
    lines.push(`${String(k + 1).padStart(3)}. ${c(COLOR[i.verdict], i.verdict.toUpperCase().padEnd(13))} ${i.score.toFixed(2)}  ${i.headline.replace(/^[A-Z]+ /, '')}`);
  });
  if (incidents.length > shown.length) lines.push(`     ... and ${incidents.length - shown.length} more incident(s)`);
  if (o.brief) return lines.join('\n');
  shown.forEach((i, k) => {
    lines.push('', c('\x1b[1m', `${k + 1}. ${i.headline}`));
    lines.push(c('\x1b[2m', `   ${when(i.first)} .. ${when(i.last)}  incident ${i.id}  rules ${i.rules.join(', ')}  ATT&CK ${i.attack.join(', ') || '-'}`));
    for (const p of i.narrative) lines.push(...wrap(p, width, '   '));
    lines.push('   findings:');
    for (const id of i.findings) {
      const f = byId.get(id);
      lines.push(f ? `   - ${f.detector.padEnd(9)} ${f.score.toFixed(2)}  ${f.title}  (${f.id})` : `   - ${id}`);
    }
  });
  return lines.join('\n');
}
