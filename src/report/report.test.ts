import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport } from './render.js';
import { correlate } from '../correlate/correlate.js';
import { applyAllowList, addAllowEntry } from '../correlate/allow-list.js';
import { ramnitCase, smominruCase, propagationCase, benignFindings, finding, T0, RAMNIT } from '../correlate/fixtures.js';
import { intervalHistogram, timeTicks, valueTicks } from './svg.js';
import { mdEscape } from './markdown.js';
import { renderIncidentsText, wrap } from './text.js';

const GEN = T0 + 2 * 86400;
const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

test('HTML is one self-contained file: no script, no external resource, a CSP that forbids loading any', () => {
  const { ds, findings } = ramnitCase('ip');
  const html = renderReport({ findings, dataset: ds }, correlate(findings, ds), 'html', { generated: GEN });
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\(/i);
  assert.doesNotMatch(html, /\s(src|href)="(https?:)?\/\//i, 'no remote src/href');
  // Every href is an in-page anchor.
  for (const h of html.match(/href="[^"]*"/g) ?? []) assert.match(h, /^href="#I[0-9a-f]{16}"$/);
});

test('a beacon is drawn from the dataset: one tick per connection on the timeline, the intervals histogram with the period marked', () => {
  const { ds, findings } = ramnitCase('ip');
  const html = renderReport({ findings, dataset: ds }, correlate(findings, ds), 'html', { generated: GEN });
  const beaconConns = ds.conns.filter((c) => c.orig_h === RAMNIT.host).length;
  assert.equal(count(html, /<line class="ev"/g), beaconConns);
  assert.match(html, /Beacon 10\.1\.1\.64 → fget-career\.com:443: 143 connections/);
  assert.match(html, /period 10 min 02 s/);
  // The histogram's bars add up to the intervals (n - 1), all near the period (no overflow bar).
  const bars = [...html.matchAll(/<rect class="bar" [^>]*><title>[^<]*: (\d+)<\/title>/g)].map((m) => Number(m[1]));
  assert.equal(bars.reduce((a, b) => a + b, 0), beaconConns - 1);
  assert.equal(count(html, /class="bar over"/g), 0);
  assert.match(html, /every 10 min 02 s ± 4\.0 s on 443\/tcp/);
});

test('a scan is drawn as targets over time, a long connection as its span (drawn once with its mining session)', () => {
  const p = propagationCase();
  const html = renderReport({ findings: p.findings, dataset: p.ds }, correlate(p.findings, p.ds), 'html', { generated: GEN });
  assert.match(html, /Scan by 10\.1\.2\.50 on port 445: distinct hosts tried over time \(blue\), of which answered \(green\): 254 tried, 1 answered in 13 s/);
  assert.equal(count(html, /<path class="line"/g), 1);
  assert.equal(count(html, /<path class="line ok"/g), 1);
  const s = smominruCase();
  const h2 = renderReport({ findings: s.findings, dataset: s.ds }, correlate(s.findings, s.ds), 'html', { generated: GEN });
  assert.equal(count(h2, /<rect class="span"/g), 1, 'the 6 h session, once');
  assert.match(h2, /Mining sessions 10\.1\.1\.30 → xmr\.smnpool\.net:5555: 1 session\(s\), longest 6 h 10 min/);
  assert.match(h2, /miner under C&amp;C control/);
});

test('hostile names are escaped in HTML and Markdown', () => {
  const evil = '<img src=x onerror=alert(1)>|`x`.example';
  const f = finding('beacon', 'fqdn', { src: '10.0.0.1', fqdn: evil, dst: '198.51.100.1', port: 443, first: T0, last: T0 + 3600, score: 0.9, title: `beacon to ${evil}`, reasons: [`</li><script>x</script>`], evidence: { period_s: 60, jitter: 0.01, beats: 60 } }, 'e');
  const incs = correlate([f], undefined);
  const html = renderReport({ findings: [f] }, incs, 'html', { generated: GEN, title: '<b>t</b>' });
  assert.doesNotMatch(html, /<img|<script|<b>t/);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  const md = renderReport({ findings: [f] }, incs, 'md', { generated: GEN });
  // Every '<img' is escaped, or opens a code span (the endpoints list), where it is shown, not rendered.
  assert.doesNotMatch(md, /(?<![\\`])<img/);
  assert.match(md, /domains `<img src=x onerror=alert\(1\)>\\\|'x'\.example`/);
  for (const row of md.split('\n').filter((l) => l.startsWith('| beacon'))) assert.equal(count(row.replace(/\\\|/g, ''), /\|/g), 5, `row keeps its 4 cells: ${row}`);
  assert.equal(mdEscape('a|b*c_d<e>[f](g)\nh'), 'a\\|b\\*c_d\\<e>\\[f\\](g) h');
});

test('Markdown tells each incident with its numbers, the findings table and the rules', () => {
  const { ds, findings } = ramnitCase('none');
  const md = renderReport({ findings, dataset: ds, captures: [{ source: 'ramnit.pcap', packets: 1000 }] }, correlate(findings, ds), 'md', { generated: GEN });
  assert.match(md, /^# c2hunt report\n/);
  assert.match(md, /\*\*0 confirmed, 1 likely, 0 suspicious, 0 informational\*\*/);
  assert.match(md, /## 1\. LIKELY: C&C channel: 10\.1\.1\.64 -> fget-career\.com \(89\.185\.44\.100:443\)/);
  assert.match(md, /\*\*Behaviour:\*\* 10\.1\.1\.64 contacted fget-career\.com \(89\.185\.44\.100\) every 10 min 02 s ± 4\.0 s on 443\/tcp over 23 h 45 min/);
  assert.match(md, /\| `beacon_high` \| likely \|/);
  assert.match(md, /Input: `ramnit\.pcap`/);
});

test('JSON: the documented document, with the allow-list\'s suppressions and the verdict filter', () => {
  const all = [...ramnitCase('ip').findings, ...benignFindings()];
  const list = addAllowEntry({ version: 1, entries: [] }, { domain: '*.slack.com', reason: 'sanctioned' }).list;
  const a = applyAllowList(all, list);
  const incs = correlate(a.findings, undefined);
  const doc = JSON.parse(renderReport({ findings: a.findings }, incs, 'json', { generated: GEN, suppressed: a.suppressed, minVerdict: 'likely' }));
  assert.equal(doc.report, 'c2hunt');
  assert.equal(doc.version, 1);
  assert.equal(doc.generated, new Date(GEN * 1000).toISOString());
  assert.deepEqual(doc.summary.incidents, { confirmed: 1, likely: 0, suspicious: 0, informational: 1 });
  assert.equal(doc.summary.hidden, 1);
  assert.equal(doc.incidents.length, 1);
  assert.equal(doc.incidents[0].verdict, 'confirmed');
  assert.deepEqual(doc.findings.map((f: { id: string }) => f.id).sort(), [...doc.incidents[0].findings].sort(), 'only the referenced findings');
  assert.equal(doc.suppressed.length, 1);
  assert.equal(doc.suppressed[0].reason, 'sanctioned');
  assert.ok(doc.rules.some((r: { id: string }) => r.id === 'intel_and_behaviour'));
});

test('reports are deterministic for a pinned date, and an empty analysis still renders', () => {
  const { ds, findings } = smominruCase();
  for (const fmt of ['md', 'html', 'json'] as const) {
    assert.equal(renderReport({ findings, dataset: ds }, correlate(findings, ds), fmt, { generated: GEN }), renderReport({ findings, dataset: ds }, correlate(findings, ds), fmt, { generated: GEN }));
    const empty = renderReport({ findings: [] }, [], fmt, { generated: GEN });
    assert.ok(empty.length > 100);
  }
  assert.match(renderReport({ findings: [] }, [], 'html', { generated: GEN }), /No incidents/);
  assert.throws(() => renderReport({ findings: [] }, [], 'pdf' as 'md'), /Cannot render report: unknown format 'pdf'/);
});

test('chart helpers: round ticks, histogram overflow', () => {
  assert.deepEqual(timeTicks(T0, T0 + 86400).map((t) => t.label), ['11-02', '03:00', '06:00', '09:00', '12:00', '15:00', '18:00', '21:00', '11-03']);
  assert.deepEqual(timeTicks(T0 + 3600, T0 + 3613).map((t) => t.label).slice(0, 3), ['01:00:00', '01:00:02', '01:00:04']);
  assert.deepEqual(valueTicks(254), [0, 100, 200, 300]);
  const svg = intervalHistogram([0, 600, 1200, 1800, 9000], 600, 'x');
  assert.match(svg, /class="bar over"[^>]*><title>longer than 25 min: 1<\/title>/);
});

test('terminal text: ranked one-liners, then each incident told, wrapped, with its findings', () => {
  const s = smominruCase();
  const incs = correlate(s.findings, s.ds);
  const txt = renderIncidentsText(incs, s.findings, { width: 80 });
  const lines = txt.split('\n');
  assert.match(lines[0]!, /^  1\. LIKELY        1\.00  miner under C&C control: 10\.1\.1\.30 -> xmr\.smnpool\.net \(107\.191\.99\.55:5555\)$/);
  assert.match(lines[1]!, /^  2\. LIKELY        0\.93  C&C channel \(miner botnet\): 10\.1\.1\.40 -> 118\.184\.176\.15:80, 78\.142\.29\.152:8888$/);
  assert.ok(lines.filter((l) => l.startsWith('   ') && !l.startsWith('   - ') && !l.includes('  incident I')).every((l) => l.length <= 80 || !l.slice(3).includes(' ')), 'wrapped at 80 columns');
  assert.match(txt, /   - mining    1\.00  10\.1\.1\.30 mines with xmr-stratum/);
  assert.doesNotMatch(txt, /\x1b/);
  assert.match(renderIncidentsText(incs, s.findings, { color: true, brief: true, limit: 1 }), /\x1b\[31mLIKELY.*\n     \.\.\. and 1 more incident/);
  assert.deepEqual(wrap('aaa bbb ccc', 9, '  '), ['  aaa bbb', '  ccc']);
});
