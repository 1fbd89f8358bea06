/**
 * The data behind a finding's chart, pulled back from the dataset by the finding's source,
 * destination, name and port (the lookback a report shows): a beacon's connection times, a
 * scan's targets over time, a long connection's sessions.
 */
import type { ConnRecord, HttpRecord } from '../records/schema.js';
import { connsFrom, type Dataset } from '../detect/dataset.js';
import { FAILED_STATES } from '../detect/scan.js';
import type { CorrelatedFinding } from '../correlate/incident.js';

/** Most events kept per series (a chart has fewer pixels than that). */
export const MAX_SERIES_POINTS = 50_000;
/** Most sessions drawn for a long connection (the longest kept). */
export const MAX_SPANS = 200;

/** Times of a beacon's connections (or HTTP requests). */
export interface BeaconSeries { kind: 'beacon'; ts: number[]; failed: boolean[]; unit: 'connections' | 'HTTP requests'; truncated: boolean }
/** Distinct scan targets over time, and how many of them answered. */
export interface ScanSeries { kind: 'scan'; points: { t: number; targets: number; answered: number }[]; what: 'hosts' | 'ports'; truncated: boolean }
/** Sessions of a long connection (or a mining pair). */
export interface SpanSeries { kind: 'spans'; spans: { start: number; end: number; open: boolean }[]; truncated: boolean }
export type Series = BeaconSeries | ScanSeries | SpanSeries;

const scanFailed = (c: ConnRecord) => (c.proto === 'tcp' ? FAILED_STATES.has(c.conn_state) && !(c.conn_state === 'RSTR' && c.orig_bytes > 0) : c.resp_pkts === 0);
const BEACON_FAILED = new Set(['S0', 'REJ', 'RSTOS0', 'SH', 'RSTRH', 'SHR']);

/** Pulls series out of a dataset; indexes it by source host once, on first use. */
export class SeriesIndex {
  private conns?: Map<string, ConnRecord[]>;
  private http?: Map<string, HttpRecord[]>;
  constructor(private readonly ds: Dataset) {}

  private connsOf(src: string): ConnRecord[] {
    if (this.conns === undefined) {
      this.conns = new Map();
      // Records: grouped once. Column-backed: each source's rows when asked (no record for the others).
      if (this.ds.columns === undefined) for (const c of this.ds.conns) (this.conns.get(c.orig_h) ?? this.conns.set(c.orig_h, []).get(c.orig_h)!).push(c);
    }
    let list = this.conns.get(src);
    if (list === undefined) this.conns.set(src, (list = this.ds.columns !== undefined ? connsFrom(this.ds, new Set([src])).get(src) ?? [] : []));
    return list;
  }

  private httpOf(src: string): HttpRecord[] {
    if (this.http === undefined) {
      this.http = new Map();
      for (const h of this.ds.http) (this.http.get(h.orig_h) ?? this.http.set(h.orig_h, []).get(h.orig_h)!).push(h);
    }
    return this.http.get(src) ?? [];
  }

  /** The series a finding is drawn from, or undefined when it has no chart (intel, dns) or no data. */
  forFinding(f: CorrelatedFinding): Series | undefined {
    switch (f.detector) {
      case 'beacon': return this.beacon(f);
      case 'scan': return this.scan(f);
      case 'long_conn': case 'mining': return f.dst !== undefined ? this.spans(f) : undefined;
      default: return undefined;
    }
  }

  private beacon(f: CorrelatedFinding): BeaconSeries | undefined {
    const kind = f.kind.replace(/^strobe_/, '');
    let ts: number[] = [], failed: boolean[] = [];
    let unit: BeaconSeries['unit'] = 'connections';
    if (kind === 'http' && f.fqdn !== undefined) {
      const host = f.fqdn;
      unit = 'HTTP requests';
      for (const h of this.httpOf(f.src)) {
        if (h.method === undefined || (h.host ?? h.resp_h).toLowerCase().replace(/:\d+$/, '') !== host) continue;
        ts.push(h.ts); failed.push(h.status_code === undefined);
      }
    } else {
      const dsts = new Set([...(f.dst !== undefined ? [f.dst] : []), ...(f.dsts ?? [])]);
      const match = kind === 'fqdn' && f.fqdn !== undefined
        ? (c: ConnRecord) => this.ds.nameOfConn(c) === f.fqdn
        : (c: ConnRecord) => dsts.has(c.resp_h) && (f.port === undefined || c.resp_p === f.port) && (f.proto === undefined || c.proto === f.proto);
      for (const c of this.connsOf(f.src)) {
        if ((c.proto !== 'tcp' && c.proto !== 'udp') || c.service.split(',').includes('dns') || !match(c)) continue;
        ts.push(c.ts); failed.push(BEACON_FAILED.has(c.conn_state));
      }
    }
    if (ts.length === 0) return undefined;
    const order = ts.map((_, i) => i).sort((a, b) => ts[a]! - ts[b]!);
    ts = order.map((i) => ts[i]!); failed = order.map((i) => failed[i]!);
    const truncated = ts.length > MAX_SERIES_POINTS;
    if (truncated) { ts.length = MAX_SERIES_POINTS; failed.length = MAX_SERIES_POINTS; }
    return { kind: 'beacon', ts, failed, unit, truncated };
  }

  private scan(f: CorrelatedFinding): ScanSeries | undefined {
    const horizontal = f.kind === 'horizontal';
    const seen = new Map<string, boolean>();
    let answered = 0;
    const points: ScanSeries['points'] = [];
    let truncated = false;
    for (const c of this.connsOf(f.src)) {
      if (c.ts < f.first || c.ts > f.last) continue;
      if (horizontal ? c.resp_p !== f.port || (f.proto !== undefined && c.proto !== f.proto) : c.resp_h !== f.dst) continue;
      const key = horizontal ? c.resp_h : String(c.resp_p);
      const ok = !scanFailed(c);
      const was = seen.get(key);
      if (was === undefined) {
        seen.set(key, ok);
        if (ok) answered++;
      } else if (!was && ok) { seen.set(key, true); answered++; } else continue;
      if (points.length >= MAX_SERIES_POINTS) { truncated = true; break; }
      points.push({ t: c.ts, targets: seen.size, answered });
    }
    return points.length === 0 ? undefined : { kind: 'scan', points, what: horizontal ? 'hosts' : 'ports', truncated };
  }

  private spans(f: CorrelatedFinding): SpanSeries | undefined {
    let spans = this.connsOf(f.src)
      .filter((c) => c.resp_h === f.dst && (f.port === undefined || f.detector === 'long_conn' || c.resp_p === f.port) && (f.proto === undefined || c.proto === f.proto))
      .map((c) => ({ start: c.ts, end: c.ts + c.duration, open: c.interim === true }));
    if (spans.length === 0) return undefined;
    const truncated = spans.length > MAX_SPANS;
    if (truncated) spans = [...spans].sort((a, b) => (b.end - b.start) - (a.end - a.start)).slice(0, MAX_SPANS);
    return { kind: 'spans', spans: spans.sort((a, b) => a.start - b.start), truncated };
  }
}
