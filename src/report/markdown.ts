/**
 * The Markdown report: the same story as the HTML one, without charts (numbers instead), for
 * tickets, chat and e-mail. Text from the data is escaped so a hostile name cannot break a table
 * or inject markup.
 */
import { fmtDuration } from '../detect/finding.js';
import { when } from '../correlate/narrative.js';
import type { Incident } from '../correlate/incident.js';
import { MAX_DETAILED_INCIDENTS, type ReportModel } from './model.js';

/**
 * Escape text for Markdown (inline and table cells): what could make links, images or HTML
 * (`[ ] <`), code or emphasis (`` ` * ~ ``), break a table (`|`), or a line. `>`, underscores and
 * parentheses stay readable (no tag opens without `<`; intraword `_` is not emphasis; `(` links only after `]`).
 */
export function mdEscape(s: string): string {
  return s.replace(/[\\`*[\]|<~]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}
/** Code span that survives any content: backticks replaced, pipes escaped (GFM tables split on them even in code). */
const code = (s: string) => `\`${s.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}\``;

function incidentMd(m: ReportModel, i: Incident, n: number): string {
  const e = i.endpoints;
  const lines = [
    `## ${n}. ${i.verdict.toUpperCase()}: ${mdEscape(i.headline.replace(/^[A-Z]+ /, ''))}`, '',
    `- **Host${i.hosts.length > 1 ? 's' : ''}:** ${i.hosts.map(code).join(', ')}`,
    `- **Endpoints:** ${[e.domains.length ? `domains ${e.domains.slice(0, 8).map(code).join(', ')}` : '', e.ips.length ? `addresses ${e.ips.slice(0, 8).map(code).join(', ')}` : '', e.ports.length ? `ports ${e.ports.join(', ')}` : ''].filter(Boolean).join('; ') || '—'}`,
    `- **When:** ${when(i.first)} .. ${when(i.last)} (${fmtDuration(i.last - i.first)})`,
    `- **Verdict:** ${i.verdict}, ${mdEscape(i.label)} (score ${i.score.toFixed(3)}; rules ${i.rules.map(code).join(', ')})`,
    `- **ATT&CK:** ${i.attack.join(', ') || '—'}${i.family ? ` · **Family:** ${mdEscape(i.family)}` : ''} · **Incident:** ${code(i.id)}`,
    '',
    ...i.narrative.flatMap((p) => [mdEscape(p).replace(/^(Alert|History|Behaviour|Intelligence|Verdict|Related|Next):/, '**$1:**'), '']),
    '| Detector | Score | Finding | Id |', '|---|---:|---|---|',
    ...i.findings.map((id) => {
      const f = m.findingById.get(id);
      return f ? `| ${f.detector} | ${f.score.toFixed(2)} | ${mdEscape(f.title)} | ${code(f.id)} |` : `| ? | | | ${code(id)} |`;
    }),
    '',
  ];
  const reasons = i.findings.map((id) => m.findingById.get(id)).filter((f) => f !== undefined && f.reasons.length > 0);
  if (reasons.length > 0) {
    lines.push('Evidence:', '');
    for (const f of reasons) {
      lines.push(`- ${code(f!.id)} ${mdEscape(f!.detector)}:`);
      for (const r of f!.reasons) lines.push(`  - ${mdEscape(r)}`);
    }
    lines.push('');
  }
  if (i.related.length > 0) lines.push(`Related: ${i.related.map((r) => `${code(r.id)} (${mdEscape(r.why)})`).join('; ')}`, '');
  return lines.join('\n');
}

/** Render the model as Markdown. */
export function renderMarkdown(m: ReportModel): string {
  const ds = m.input.dataset;
  const caps = m.input.captures ?? [];
  const out = [
    `# ${mdEscape(m.title)}`, '',
    `Generated ${when(m.generated)} by c2hunt.${caps.length ? ` Input: ${caps.map((c) => code(c.source)).join(', ')}.` : ''}${m.window.end > m.window.start ? ` Data ${when(m.window.start)} .. ${when(m.window.end)} (${fmtDuration(m.window.end - m.window.start)}).` : ''}${ds ? ` ${ds.connCount} connections, ${ds.internalHosts().size} internal hosts.` : ''} ${m.input.findings.length} findings.`, '',
    `**${m.counts.confirmed} confirmed, ${m.counts.likely} likely, ${m.counts.suspicious} suspicious, ${m.counts.informational} informational**${m.hidden > 0 ? ` (${m.hidden} below the chosen verdict not shown)` : ''}`, '',
  ];
  if (m.incidents.length === 0) out.push('No incidents: no finding rose to a verdict.', '');
  else {
    out.push('| # | Verdict | Score | Incident |', '|---:|---|---:|---|');
    m.incidents.forEach((i, k) => out.push(`| ${k + 1} | ${i.verdict} | ${i.score.toFixed(2)} | ${mdEscape(i.headline.replace(/^[A-Z]+ /, ''))} |`));
    out.push('');
    m.incidents.slice(0, MAX_DETAILED_INCIDENTS).forEach((i, k) => out.push(incidentMd(m, i, k + 1)));
    if (m.incidents.length > MAX_DETAILED_INCIDENTS) out.push(`Incidents ${MAX_DETAILED_INCIDENTS + 1} to ${m.incidents.length} are in the table above without details: the JSON report holds them all.`, '');
  }
  if (m.suppressed.length > 0) {
    out.push(`## Suppressed by the allow-list (${m.suppressed.length})`, '', '| Finding | Entry | Reason |', '|---|---|---|');
    for (const s of m.suppressed) out.push(`| ${mdEscape(s.finding.title)} ${code(s.finding.id)} | ${code(s.entry.id)} ${mdEscape(s.entry.matcher)} | ${mdEscape(s.entry.reason)} |`);
    out.push('');
  }
  if (m.expired.length > 0) out.push(`Expired allow-list entries (no longer applied): ${m.expired.map((e) => code(e.id)).join(', ')}.`, '');
  out.push('## How verdicts are decided', '', 'The first rule that matches an incident gives its verdict.', '', '| Rule | Verdict | When |', '|---|---|---|');
  for (const r of m.rules) out.push(`| ${code(r.id)} | ${r.verdict} | ${mdEscape(r.description)} |`);
  if (m.input.timings) out.push('', `Time per stage: ${Object.entries(m.input.timings).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ')}.`);
  return out.join('\n') + '\n';
}
