/**
 * The HTML report: one self-contained file (inline CSS, inline SVG charts, no script, no external
 * resource; a Content-Security-Policy forbids loading anything) that renders offline and prints.
 * Everything from the data (names, user agents, titles) is escaped.
 */
import { fmtDuration } from '../detect/finding.js';
import type { Incident } from '../correlate/incident.js';
import { when } from '../correlate/narrative.js';
import { SeriesIndex } from './series.js';
import { MAX_DETAILED_INCIDENTS, type ReportModel } from './model.js';
import { esc, intervalHistogram, overviewChart, scanChart, spanChart, timelineChart } from './svg.js';

/** Charts drawn per incident (its most important findings first). */
export const CHARTS_PER_INCIDENT = 6;

const CSS = `
:root{--fg:#1d232a;--muted:#5f6b76;--line:#d8dee4;--bg:#fff;--soft:#f5f7f9;--c:#b3261e;--l:#c2410c;--s:#a16207;--i:#64748b;--ev:#1f5f99;--ok:#2e7d32}
*{box-sizing:border-box}body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1000px;margin:0 auto;padding:24px}h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px}h3{font-size:15px;margin:18px 0 6px}
.meta{color:var(--muted);margin:0}.chips{display:flex;gap:8px;flex-wrap:wrap;margin:14px 0}.chip{border-radius:999px;padding:3px 12px;color:#fff;font-weight:600}
.badge{display:inline-block;border-radius:4px;padding:1px 8px;color:#fff;font-size:12px;font-weight:700;letter-spacing:.03em;vertical-align:2px}
.v-confirmed{background:var(--c);fill:var(--c)}.v-likely{background:var(--l);fill:var(--l)}.v-suspicious{background:var(--s);fill:var(--s)}.v-informational{background:var(--i);fill:var(--i)}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}th{font-size:12px;color:var(--muted);font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}a{color:var(--ev)}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
section.incident{border:1px solid var(--line);border-left:6px solid var(--i);border-radius:6px;padding:4px 18px 12px;margin:22px 0;page-break-inside:avoid}
section.incident.confirmed{border-left-color:var(--c)}section.incident.likely{border-left-color:var(--l)}section.incident.suspicious{border-left-color:var(--s)}
dl.facts{display:grid;grid-template-columns:130px 1fr;gap:2px 12px;margin:8px 0 12px}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
.story p{margin:6px 0}.story strong{color:var(--fg)}figure{margin:10px 0 14px}figcaption{font-size:12.5px;color:var(--muted);margin-bottom:2px}
svg.chart{width:100%;height:auto;display:block;background:var(--soft);border-radius:4px}
.ax{stroke:#8a96a3;stroke-width:1}.grid{stroke:#e3e8ed;stroke-width:1}.lbl{font-size:10.5px;fill:#5f6b76;font-family:system-ui,sans-serif}
.ev{stroke:var(--ev);stroke-width:1.2}.ev.fail{stroke:var(--c)}.bar{fill:var(--ev)}.bar.over{fill:#9aa5b1}.mark{stroke:var(--c);stroke-width:1.5;stroke-dasharray:4 3}.mark-t{fill:var(--c)}
.line{fill:none;stroke:var(--ev);stroke-width:1.8}.line.ok{stroke:var(--ok)}.span{fill:var(--ev)}.span.open{fill:#5b8fc7}.arrow{fill:#5b8fc7}
details{margin:8px 0}summary{cursor:pointer;color:var(--muted)}ul.reasons{margin:2px 0 6px 18px;padding:0;color:var(--muted)}
.legend{font-size:12px;color:var(--muted)}.legend .k{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px;vertical-align:-1px}
footer{color:var(--muted);font-size:12px;margin-top:30px;border-top:1px solid var(--line);padding-top:8px}
@media print{main{max-width:none;padding:0}section.incident{break-inside:avoid}}
`;

const LEADS = /(^|\s)(Alert|History|Behaviour|Intelligence|Verdict|Related|Next):/g;
const para = (p: string) => `<p>${esc(p).replace(LEADS, '$1<strong>$2:</strong>')}</p>`;
const badge = (v: string) => `<span class="badge v-${esc(v)}">${esc(v.toUpperCase())}</span>`;

function endpointsCell(i: Incident): string {
  const e = i.endpoints;
  const parts: string[] = [];
  if (e.domains.length) parts.push(`domains <span class="mono">${esc(e.domains.slice(0, 8).join(', '))}${e.domains.length > 8 ? ' ...' : ''}</span>`);
  if (e.ips.length) parts.push(`addresses <span class="mono">${esc(e.ips.slice(0, 8).join(', '))}${e.ips.length > 8 ? ` ... (${e.ips.length})` : ''}</span>`);
  if (e.ports.length) parts.push(`ports <span class="mono">${esc(e.ports.join(', '))}</span>`);
  if (i.targets?.length) parts.push(`scan targets (sample) <span class="mono">${esc(i.targets.slice(0, 10).join(', '))}${i.targets.length > 10 ? ' ...' : ''}</span>`);
  return parts.join('<br>') || '—';
}

function charts(m: ReportModel, i: Incident, idx: SeriesIndex | undefined): string {
  if (idx === undefined) return '';
  let out = '';
  let n = 0;
  const drawnSpans = new Set<string>();
  for (const id of i.findings) {
    if (n >= CHARTS_PER_INCIDENT) break;
    const f = m.findingById.get(id);
    if (f === undefined) continue;
    const s = idx.forFinding(f);
    if (s === undefined) continue;
    // A mining session is usually the long connection too: draw each pair's sessions once.
    if (s.kind === 'spans') {
      const key = `${f.src}|${f.dst}`;
      if (drawnSpans.has(key)) continue;
      drawnSpans.add(key);
    }
    n++;
    const dst = f.fqdn ?? f.dst ?? '';
    const who = `${f.src} → ${dst}${f.port !== undefined ? ':' + f.port : ''}`;
    if (s.kind === 'beacon') {
      const period = typeof f.evidence['period_s'] === 'number' ? f.evidence['period_s'] : undefined;
      const w = m.window.end > m.window.start ? m.window : { start: s.ts[0]!, end: s.ts.at(-1)! };
      out += `<figure><figcaption>Beacon ${esc(who)}: ${s.ts.length} ${s.unit} over the data window${s.truncated ? ' (first ones only)' : ''}${s.failed.some(Boolean) ? '; failed attempts in red' : ''}</figcaption>${timelineChart(s.ts, s.failed, w.start, w.end, `connection timeline ${who}`)}</figure>`;
      const hist = intervalHistogram(s.ts, period, `intervals ${who}`);
      if (hist) out += `<figure><figcaption>Intervals between them${period !== undefined ? ` (period ${esc(fmtDuration(period))} marked)` : ''}</figcaption>${hist}</figure>`;
    } else if (s.kind === 'scan') {
      const t0 = s.points[0]!.t, t1 = Math.max(s.points.at(-1)!.t, t0 + 1);
      const last = s.points.at(-1)!;
      out += `<figure><figcaption>Scan by ${esc(f.src)}${f.port !== undefined ? ` on port ${f.port}` : ''}: distinct ${s.what} tried over time (blue), of which answered (green): ${last.targets} tried, ${last.answered} answered in ${esc(fmtDuration(t1 - t0))}${s.truncated ? ' (truncated)' : ''}</figcaption>${scanChart(s.points, t0, t1, `scan targets over time ${f.src}`)}</figure>`;
    } else {
      const w = m.window.end > m.window.start ? m.window : { start: Math.min(...s.spans.map((x) => x.start)), end: Math.max(...s.spans.map((x) => x.end)) };
      const longest = Math.max(...s.spans.map((x) => x.end - x.start));
      out += `<figure><figcaption>${f.detector === 'mining' ? 'Mining sessions' : 'Long connection'} ${esc(who)}: ${s.spans.length} session(s), longest ${esc(fmtDuration(longest))}${s.spans.some((x) => x.open) ? '; still open at the end (arrow)' : ''}${s.truncated ? ' (longest shown)' : ''}</figcaption>${spanChart(s.spans, w.start, w.end, `sessions ${who}`)}</figure>`;
    }
  }
  return out ? `<h3>What it looks like</h3>${out}` : '';
}

function findingsTable(m: ReportModel, i: Incident): string {
  const rows = i.findings.map((id) => {
    const f = m.findingById.get(id);
    if (f === undefined) return `<tr><td colspan="4" class="mono">${esc(id)}</td></tr>`;
    const reasons = f.reasons.length ? `<ul class="reasons">${f.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : '';
    return `<tr><td>${esc(f.detector)}<br><span class="mono">${esc(f.kind)}</span></td><td class="num">${f.score.toFixed(2)}</td><td>${esc(f.title)}${reasons}</td><td class="mono">${esc(f.id)}<br>${esc(f.attack.join(', '))}</td></tr>`;
  }).join('');
  return `<details><summary>Findings (${i.findings.length}) with their evidence</summary><table><tr><th>Detector</th><th>Score</th><th>Finding and why</th><th>Id, ATT&amp;CK</th></tr>${rows}</table></details>`;
}

function incidentSection(m: ReportModel, i: Incident, n: number, idx: SeriesIndex | undefined): string {
  const related = i.related.map((r) => `<li><a href="#${esc(r.id)}">${esc(r.id)}</a>: ${esc(r.why)}</li>`).join('');
  return `<section class="incident ${esc(i.verdict)}" id="${esc(i.id)}">
<h2>${n}. ${badge(i.verdict)} ${esc(i.headline.replace(/^[A-Z]+ /, ''))}</h2>
<dl class="facts"><dt>Host${i.hosts.length > 1 ? 's' : ''}</dt><dd class="mono">${esc(i.hosts.join(', '))}</dd>
<dt>Endpoints</dt><dd>${endpointsCell(i)}</dd>
<dt>When</dt><dd>${esc(when(i.first))} .. ${esc(when(i.last))} (${esc(fmtDuration(i.last - i.first))})</dd>
<dt>Score</dt><dd>${i.score.toFixed(3)}</dd>
<dt>Rules</dt><dd class="mono">${esc(i.rules.join(', '))}</dd>
<dt>ATT&amp;CK</dt><dd class="mono">${esc(i.attack.join(', ') || '—')}</dd>${i.family ? `<dt>Family</dt><dd>${esc(i.family)}</dd>` : ''}
<dt>Incident</dt><dd class="mono">${esc(i.id)} (${esc(i.scope)})</dd></dl>
<div class="story">${i.narrative.map(para).join('\n')}</div>
${charts(m, i, idx)}
${findingsTable(m, i)}
${related ? `<h3>Related incidents</h3><ul>${related}</ul>` : ''}
</section>`;
}

/** Render the model as one self-contained HTML document. */
export function renderHtml(m: ReportModel): string {
  const ds = m.input.dataset;
  const idx = ds !== undefined ? new SeriesIndex(ds) : undefined;
  const caps = m.input.captures ?? [];
  const dataLine = [
    caps.length ? `${caps.length} capture(s): ${caps.map((c) => c.source).slice(0, 5).join(', ')}${caps.length > 5 ? ' ...' : ''}` : '',
    m.window.end > m.window.start ? `data ${when(m.window.start)} .. ${when(m.window.end)} (${fmtDuration(m.window.end - m.window.start)})` : '',
    ds ? `${ds.connCount.toLocaleString('en-US')} connections, ${ds.internalHosts().size} internal hosts` : '',
    `${m.input.findings.length} findings`,
  ].filter(Boolean).join(' · ');
  const chips = (['confirmed', 'likely', 'suspicious', 'informational'] as const).map((v) => `<span class="chip v-${v}">${m.counts[v]} ${v}</span>`).join('');
  const rows = m.incidents.map((i, k) => `<tr><td class="num">${k + 1}</td><td>${badge(i.verdict)}</td><td class="num">${i.score.toFixed(2)}</td><td><a href="#${esc(i.id)}">${esc(i.headline.replace(/^[A-Z]+ /, ''))}</a></td><td class="mono">${esc(when(i.first))}</td></tr>`).join('');
  const overview = m.incidents.length > 0 && m.window.end > m.window.start
    ? `<figure><figcaption>Incidents over the data window (row = incident number)</figcaption>${overviewChart(m.incidents.map((i, k) => ({ n: k + 1, first: i.first, last: i.last, verdict: i.verdict, label: i.headline })), m.window.start, m.window.end)}</figure>`
    : '';
  const suppressed = m.suppressed.length > 0
    ? `<section id="suppressed"><h2>Suppressed by the allow-list (${m.suppressed.length})</h2><table><tr><th>Finding</th><th>Entry</th><th>Reason</th></tr>${m.suppressed.map((s) => `<tr><td>${esc(s.finding.title)}<br><span class="mono">${esc(s.finding.id)}</span></td><td class="mono">${esc(s.entry.id)}<br>${esc(s.entry.matcher)}</td><td>${esc(s.entry.reason)}</td></tr>`).join('')}</table></section>`
    : '';
  const expired = m.expired.length > 0 ? `<p class="meta">${m.expired.length} allow-list entr${m.expired.length === 1 ? 'y has' : 'ies have'} expired and no longer apply: ${esc(m.expired.map((e) => e.id).join(', '))}.</p>` : '';
  const rules = `<section id="rules"><h2>How verdicts are decided</h2><p class="meta">The first rule that matches an incident gives its verdict; every rule that matches is listed on the incident.</p><table><tr><th>Rule</th><th>Verdict</th><th>When</th></tr>${m.rules.map((r) => `<tr><td class="mono">${esc(r.id)}</td><td>${badge(r.verdict)}</td><td>${esc(r.description)}</td></tr>`).join('')}</table></section>`;
  const timings = m.input.timings ? `Time per stage: ${esc(Object.entries(m.input.timings).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', '))}. ` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(m.title)}</title><style>${CSS}</style></head>
<body><main>
<header><h1>${esc(m.title)}</h1><p class="meta">Generated ${esc(when(m.generated))} by c2hunt. ${esc(dataLine)}</p><div class="chips">${chips}</div></header>
<section id="summary"><h2>Incidents${m.hidden > 0 ? ` (${m.hidden} below the chosen verdict not shown)` : ''}</h2>
${m.incidents.length === 0 ? '<p>No incidents: no finding rose to a verdict.</p>' : `<table><tr><th>#</th><th>Verdict</th><th>Score</th><th>Incident</th><th>First seen</th></tr>${rows}</table>`}
${overview}</section>
${m.incidents.slice(0, MAX_DETAILED_INCIDENTS).map((i, k) => incidentSection(m, i, k + 1, idx)).join('\n')}
${m.incidents.length > MAX_DETAILED_INCIDENTS ? `<p class="meta">Incidents ${MAX_DETAILED_INCIDENTS + 1} to ${m.incidents.length} are in the table above without details: the JSON report holds them all.</p>` : ''}
${suppressed}${expired}
${rules}
<footer>${timings}Times are UTC. Charts are drawn from the stored connection records of each finding's source, destination, name and port.</footer>
</main></body></html>
`;
}
