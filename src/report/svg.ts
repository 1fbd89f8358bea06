/**
 * Inline SVG charts for the HTML report, generated here (no chart library, no script): they
 * render offline in any browser and in print. Styling comes from CSS classes the report's
 * stylesheet defines (`.ax`, `.tick`, `.ev`, `.bar` ...). Every text is escaped.
 */
import { fmtDuration } from '../detect/finding.js';

/** Chart width in SVG units (the report scales it to the page). */
export const CHART_WIDTH = 720;
/** Events drawn one by one up to this count; above it they are binned per pixel column. */
export const MAX_TICKS = 1500;
/** Bins of the interval histogram. */
export const HIST_BINS = 40;
/** Rows of a span chart (sessions are packed into lanes). */
export const MAX_LANES = 16;
/** Rows of the incident overview. */
export const MAX_OVERVIEW_ROWS = 40;

const M = { left: 52, right: 14, top: 10, bottom: 24 };

/** Escape text for HTML and SVG (element content and quoted attributes). */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
const n1 = (x: number) => (Math.round(x * 10) / 10).toString();

function svgOpen(h: number, label: string): string {
  return `<svg class="chart" viewBox="0 0 ${CHART_WIDTH} ${h}" width="${CHART_WIDTH}" height="${h}" role="img" aria-label="${esc(label)}" xmlns="http://www.w3.org/2000/svg"><title>${esc(label)}</title>`;
}

const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

/** Round time ticks (UTC) between start and end: at most `max`, labelled HH:MM (or with the date, or seconds). */
export function timeTicks(start: number, end: number, max = 8): { t: number; label: string }[] {
  const span = Math.max(end - start, 1e-3);
  const step = STEPS.find((s) => span / s <= max) ?? Math.ceil(span / max / 86400) * 86400;
  const out: { t: number; label: string }[] = [];
  const multiDay = span > 86400 * 1.5 || new Date(start * 1000).getUTCDate() !== new Date(end * 1000).getUTCDate();
  for (let t = Math.ceil(start / step) * step; t <= end + 1e-9 && out.length <= max + 1; t += step) {
    const iso = new Date(t * 1000).toISOString();
    const label = step >= 86400 ? iso.slice(5, 10) : step < 60 ? iso.slice(11, 19) : multiDay && t % 86400 === 0 ? iso.slice(5, 10) : iso.slice(11, 16);
    out.push({ t, label });
  }
  return out;
}

/** Round value ticks from 0 to at least max. */
export function valueTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 0.999; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function timeAxis(x: (t: number) => number, start: number, end: number, y: number, top: number): string {
  let s = `<line class="ax" x1="${M.left}" y1="${y}" x2="${CHART_WIDTH - M.right}" y2="${y}"/>`;
  for (const k of timeTicks(start, end)) {
    const xx = n1(x(k.t));
    s += `<line class="grid" x1="${xx}" y1="${top}" x2="${xx}" y2="${y}"/><text class="lbl" x="${xx}" y="${y + 15}" text-anchor="middle">${esc(k.label)}</text>`;
  }
  return s;
}

function valueAxis(y: (v: number) => number, max: number, fmt: (v: number) => string = String): string {
  let s = '';
  for (const v of valueTicks(max)) {
    const yy = n1(y(v));
    s += `<line class="grid" x1="${M.left}" y1="${yy}" x2="${CHART_WIDTH - M.right}" y2="${yy}"/><text class="lbl" x="${M.left - 6}" y="${n1(y(v) + 4)}" text-anchor="end">${esc(fmt(v))}</text>`;
  }
  return s;
}

const scaleT = (start: number, end: number) => {
  const w = CHART_WIDTH - M.left - M.right, span = Math.max(end - start, 1e-3);
  return (t: number) => M.left + ((t - start) / span) * w;
};

/** A connection timeline: one tick per event (failed ones marked), binned per pixel when there are many. */
export function timelineChart(ts: readonly number[], failed: readonly boolean[], start: number, end: number, label: string): string {
  const h = 70, top = M.top, bottom = h - M.bottom;
  const x = scaleT(start, end);
  let s = svgOpen(h, label) + timeAxis(x, start, end, bottom, top);
  if (ts.length <= MAX_TICKS) {
    ts.forEach((t, i) => { const xx = n1(x(t)); s += `<line class="${failed[i] ? 'ev fail' : 'ev'}" x1="${xx}" y1="${top + 4}" x2="${xx}" y2="${bottom - 2}"/>`; });
  } else {
    const cols = new Map<number, number>();
    for (const t of ts) { const c = Math.round(x(t)); cols.set(c, (cols.get(c) ?? 0) + 1); }
    const most = Math.max(...cols.values());
    for (const [c, n] of cols) s += `<line class="ev" style="opacity:${n1(0.25 + 0.75 * (n / most))}" x1="${c}" y1="${top + 4}" x2="${c}" y2="${bottom - 2}"/>`;
  }
  return s + '</svg>';
}

/** Histogram of the intervals between consecutive events, with the period marked; long gaps go to an overflow bar. */
export function intervalHistogram(ts: readonly number[], period: number | undefined, label: string): string {
  const iv: number[] = [];
  for (let i = 1; i < ts.length; i++) iv.push(ts[i]! - ts[i - 1]!);
  const h = 150, top = M.top, bottom = h - M.bottom;
  if (iv.length === 0) return '';
  const sorted = [...iv].sort((a, b) => a - b);
  const med = sorted[Math.floor(sorted.length / 2)]!;
  const ref = period !== undefined && period > 0 ? period : med;
  const hi = Math.max(ref * 2.5, 1e-3);
  const bins = new Array<number>(HIST_BINS).fill(0);
  let over = 0;
  for (const v of iv) {
    if (v >= hi) { over++; continue; }
    bins[Math.min(HIST_BINS - 1, Math.floor((v / hi) * HIST_BINS))]!++;
  }
  const plotW = CHART_WIDTH - M.left - M.right - 40; // room for the overflow bar
  const x = (v: number) => M.left + (v / hi) * plotW;
  const maxN = Math.max(...bins, over, 1);
  const ticks = valueTicks(maxN);
  const top2 = ticks[ticks.length - 1]!;
  const y = (n: number) => bottom - (n / top2) * (bottom - top);
  let s = svgOpen(h, label) + valueAxis(y, maxN);
  s += `<line class="ax" x1="${M.left}" y1="${bottom}" x2="${CHART_WIDTH - M.right}" y2="${bottom}"/>`;
  const bw = plotW / HIST_BINS;
  bins.forEach((n, i) => {
    if (n > 0) s += `<rect class="bar" x="${n1(M.left + i * bw + 0.5)}" y="${n1(y(n))}" width="${n1(Math.max(bw - 1, 0.5))}" height="${n1(bottom - y(n))}"><title>${esc(`${fmtDuration((i * hi) / HIST_BINS)} .. ${fmtDuration(((i + 1) * hi) / HIST_BINS)}: ${n}`)}</title></rect>`;
  });
  const ox = M.left + plotW + 8;
  if (over > 0) s += `<rect class="bar over" x="${n1(ox)}" y="${n1(y(over))}" width="24" height="${n1(bottom - y(over))}"><title>${esc(`longer than ${fmtDuration(hi)}: ${over}`)}</title></rect>`;
  s += `<text class="lbl" x="${n1(ox + 12)}" y="${bottom + 15}" text-anchor="middle">more</text>`;
  for (let k = 0; k < 5; k++) { // the last boundary is left unlabelled: the overflow bar's label sits there
    const v = (k * hi) / 5;
    s += `<text class="lbl" x="${n1(x(v))}" y="${bottom + 15}" text-anchor="middle">${esc(fmtDuration(v))}</text>`;
  }
  if (period !== undefined && period > 0) {
    // The label sits in the top-right corner (clear of the bars, which gather at the period).
    s += `<line class="mark" x1="${n1(x(period))}" y1="${top}" x2="${n1(x(period))}" y2="${bottom}"/><text class="lbl mark-t" x="${n1(M.left + plotW)}" y="${top + 10}" text-anchor="end">dashed line: period ${esc(fmtDuration(period))}</text>`;
  }
  return s + '</svg>';
}

/** Distinct targets over time (and how many answered): a scan's progress. */
export function scanChart(points: readonly { t: number; targets: number; answered: number }[], start: number, end: number, label: string): string {
  const h = 150, top = M.top, bottom = h - M.bottom;
  const x = scaleT(start, end);
  const maxN = Math.max(1, ...points.map((p) => p.targets));
  const top2 = valueTicks(maxN).at(-1)!;
  const y = (n: number) => bottom - (n / top2) * (bottom - top);
  // Keep at most one point per pixel column (the last), so a /16 sweep stays small.
  const cols = new Map<number, { t: number; targets: number; answered: number }>();
  for (const p of points) cols.set(Math.round(x(p.t)), p);
  const pts = [...cols.values()];
  const step = (key: 'targets' | 'answered') => {
    let d = `M${n1(x(start))},${n1(y(0))}`;
    let prev = 0;
    for (const p of pts) { d += ` L${n1(x(p.t))},${n1(y(prev))} L${n1(x(p.t))},${n1(y(p[key]))}`; prev = p[key]; }
    return d + ` L${n1(x(end))},${n1(y(prev))}`;
  };
  let s = svgOpen(h, label) + valueAxis(y, maxN) + timeAxis(x, start, end, bottom, top);
  s += `<path class="line" d="${step('targets')}"/><path class="line ok" d="${step('answered')}"/>`;
  return s + '</svg>';
}

/** Sessions as bars on the time axis, packed into lanes; open sessions end in an arrow. */
export function spanChart(spans: readonly { start: number; end: number; open: boolean }[], start: number, end: number, label: string): string {
  const lanesEnd: number[] = [];
  const placed = spans.map((sp) => {
    let lane = lanesEnd.findIndex((e) => e <= sp.start);
    if (lane < 0) { lane = lanesEnd.length < MAX_LANES ? lanesEnd.length : lanesEnd.indexOf(Math.min(...lanesEnd)); }
    lanesEnd[lane] = Math.max(lanesEnd[lane] ?? 0, sp.end);
    return { ...sp, lane };
  });
  const laneH = 14, top = M.top;
  const h = top + Math.max(1, lanesEnd.length) * laneH + M.bottom + 4;
  const bottom = h - M.bottom;
  const x = scaleT(start, end);
  let s = svgOpen(h, label) + timeAxis(x, start, end, bottom, top);
  for (const p of placed) {
    const x1 = x(p.start), x2 = Math.max(x(p.end), x1 + 2), yy = top + 2 + p.lane * laneH;
    s += `<rect class="${p.open ? 'span open' : 'span'}" x="${n1(x1)}" y="${yy}" width="${n1(x2 - x1)}" height="${laneH - 4}"><title>${esc(`${new Date(p.start * 1000).toISOString()} for ${fmtDuration(p.end - p.start)}${p.open ? ' (still open)' : ''}`)}</title></rect>`;
    if (p.open) s += `<path class="arrow" d="M${n1(x2)},${yy - 1} l6,${(laneH - 4) / 2 + 1} l-6,${(laneH - 4) / 2 + 1} z"/>`;
  }
  return s + '</svg>';
}

/** The incidents on one time axis, one row each, coloured by verdict. */
export function overviewChart(rows: readonly { n: number; first: number; last: number; verdict: string; label: string }[], start: number, end: number): string {
  const shown = rows.slice(0, MAX_OVERVIEW_ROWS);
  const laneH = 16, top = M.top;
  const h = top + Math.max(1, shown.length) * laneH + M.bottom + 4;
  const bottom = h - M.bottom;
  const x = scaleT(start, end);
  let s = svgOpen(h, 'incidents over time') + timeAxis(x, start, end, bottom, top);
  shown.forEach((r, i) => {
    const yy = top + 2 + i * laneH;
    const x1 = x(r.first), x2 = Math.max(x(r.last), x1 + 3);
    s += `<text class="lbl" x="${M.left - 6}" y="${yy + 10}" text-anchor="end">#${r.n}</text>`;
    s += `<rect class="v-${esc(r.verdict)}" x="${n1(x1)}" y="${yy}" width="${n1(x2 - x1)}" height="${laneH - 5}" rx="2"><title>${esc(r.label)}</title></rect>`;
  });
  return s + '</svg>';
}
