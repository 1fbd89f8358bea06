/**
 * Beacon (periodic heartbeat) detection over a dataset: group connections per source -> name
 * (TLS server name, HTTP Host, or the name the source resolved: so a C&C that rotates IPs is one
 * beacon) and per source -> destination IP and port, score each group with `scoreBeacon` (two
 * opinions: dispersion and periodicity), apply the modifiers (prevalence, known benign periodic
 * services) and report what stays above the threshold.
 */
import type { ConnRecord } from '../records/schema.js';
import { scoreBeacon, type BeaconScore, type BeaconSettings } from './beacon/index.js';
import type { Dataset } from './dataset.js';
import { SAMPLE_UIDS, findingId, fmtDuration, severityOf, type Finding } from './finding.js';

export interface BeaconDetectorSettings {
  /** Fewest connections in a group before it is scored. */
  minConnections: number;
  /** Lowest score (after modifiers) reported. */
  minScore: number;
  /** Share of internal hosts talking to a destination above which it counts as prevalent. */
  prevalentShare: number;
  /** Fewest hosts for the prevalence modifier to apply (small networks have no "common"). */
  prevalenceMinHosts: number;
  /** Score multiplier for a prevalent destination. */
  prevalenceFactor: number;
  /** Score multiplier for a destination in the known benign periodic catalogue. */
  benignFactor: number;
}

export const BEACON_DEFAULTS: Readonly<BeaconDetectorSettings> = Object.freeze({
  minConnections: 6,
  minScore: 0.6,
  prevalentShare: 0.25,
  prevalenceMinHosts: 8,
  prevalenceFactor: 0.6,
  benignFactor: 0.7,
});

/**
 * Known benign periodic services (name suffixes): time, OS and software updates, certificate
 * revocation, telemetry. A match lowers the score and says so; it never hides the finding.
 */
export const BENIGN_PERIODIC: readonly { suffix: string; what: string }[] = [
  { suffix: 'ntp.org', what: 'NTP pool' }, { suffix: 'time.windows.com', what: 'Windows time' },
  { suffix: 'time.apple.com', what: 'Apple time' }, { suffix: 'time.google.com', what: 'Google time' },
  { suffix: 'windowsupdate.com', what: 'Windows Update' }, { suffix: 'update.microsoft.com', what: 'Windows Update' },
  { suffix: 'delivery.mp.microsoft.com', what: 'Windows Update delivery' },
  { suffix: 'events.data.microsoft.com', what: 'Windows telemetry' }, { suffix: 'ocsp.digicert.com', what: 'certificate revocation (OCSP)' },
  { suffix: 'ocsp.pki.goog', what: 'certificate revocation (OCSP)' }, { suffix: 'crl.microsoft.com', what: 'certificate revocation (CRL)' },
  { suffix: 'ocsp.sectigo.com', what: 'certificate revocation (OCSP)' }, { suffix: 'r3.o.lencr.org', what: 'certificate revocation (OCSP)' },
  { suffix: 'swcdn.apple.com', what: 'Apple software update' }, { suffix: 'update.googleapis.com', what: 'Google software update' },
  { suffix: 'clients4.google.com', what: 'Google client telemetry' }, { suffix: 'detectportal.firefox.com', what: 'captive portal check' },
  { suffix: 'connectivitycheck.gstatic.com', what: 'captive portal check' }, { suffix: 'msftconnecttest.com', what: 'captive portal check' },
  { suffix: 'client.dropbox.com', what: 'Dropbox client sync polling' }, { suffix: 'notify.dropbox.com', what: 'Dropbox client notifications' },
  { suffix: 'push.apple.com', what: 'Apple push notifications' }, { suffix: 'mtalk.google.com', what: 'Google push notifications' },
];

/**
 * Protocols that are periodic by design wherever they run, known by transport and port: time
 * synchronisation polls its server every 64 to 1024 s (NTP, udp/123), SNMP pollers and DHCP
 * renewals. A C&C on these ports still shows its score, lowered, with this reason.
 */
export const BENIGN_PERIODIC_PORTS: readonly { proto: string; port: number; what: string }[] = [
  { proto: 'udp', port: 123, what: 'NTP time synchronisation' },
  { proto: 'udp', port: 161, what: 'SNMP polling' },
  { proto: 'udp', port: 67, what: 'DHCP lease renewal' },
];

export function benignPort(proto: string, port: number): string | undefined {
  return BENIGN_PERIODIC_PORTS.find((b) => b.proto === proto && b.port === port)?.what;
}

export function benignService(fqdn: string | undefined): string | undefined {
  if (fqdn === undefined) return undefined;
  for (const b of BENIGN_PERIODIC) if (fqdn === b.suffix || fqdn.endsWith('.' + b.suffix)) return b.what;
  return undefined;
}

const FAILED = new Set(['S0', 'REJ', 'RSTOS0', 'SH', 'RSTRH', 'SHR']);
/** Query types of address lookups (A, AAAA, SVCB, HTTPS): not used as beats, see below. */
const DNS_ADDRESS_QTYPES = new Set([1, 28, 64, 65]);

/** One beat candidate: a connection start, or an HTTP request inside a kept-alive connection. */
interface Event { ts: number; uid: string; resp_h: string; resp_p: number; proto: string; bytes: number; failed: boolean }
interface Group { kind: 'http' | 'dns_name' | 'fqdn' | 'ip_port'; key: string; src: string; fqdn?: string; conns: Event[] }

function connEvent(c: ConnRecord): Event {
  return { ts: c.ts, uid: c.uid, resp_h: c.resp_h, resp_p: c.resp_p, proto: c.proto, bytes: c.orig_bytes + c.resp_bytes, failed: FAILED.has(c.conn_state) };
}

/** `scoring`: the scorer's own tunables (src/detect/beacon/settings.ts), from the config's `beaconScore`. */
export function detectBeacons(ds: Dataset, settings: Partial<BeaconDetectorSettings> = {}, scoring?: Partial<BeaconSettings>): Finding[] {
  const s = { ...BEACON_DEFAULTS, ...settings };
  // HTTP requests are beats even when a bot keeps one connection alive (Caldera's sandcat does).
  const byHttp = new Map<string, Group>();
  for (const h of ds.http) {
    if (h.method === undefined) continue;
    const host = (h.host ?? h.resp_h).toLowerCase().replace(/:\d+$/, '');
    const k = `${h.orig_h}|${host}`;
    let g = byHttp.get(k);
    if (g === undefined) byHttp.set(k, (g = { kind: 'http', key: k, src: h.orig_h, fqdn: host, conns: [] }));
    g.conns.push({ ts: h.ts, uid: h.uid, resp_h: h.resp_h, resp_p: h.resp_p, proto: 'tcp', bytes: h.request_body_len + h.response_body_len, failed: h.status_code === undefined });
  }
  // DNS lookups as beats: a bot that talks to its C&C through the resolver (TXT and other
  // non-address queries of one name). Address lookups (A/AAAA/HTTPS) are left out: a host's
  // resolver cache makes them periodic for every name it uses continuously.
  for (const d of ds.dns) {
    if (d.qtype === undefined || DNS_ADDRESS_QTYPES.has(d.qtype) || d.query === '') continue;
    const name = d.query.toLowerCase();
    const k = `${d.orig_h}|dns|${name}`;
    let g = byHttp.get(k);
    if (g === undefined) byHttp.set(k, (g = { kind: 'dns_name', key: k, src: d.orig_h, fqdn: name, conns: [] }));
    g.conns.push({ ts: d.ts, uid: d.uid, resp_h: d.resp_h, resp_p: d.resp_p, proto: d.proto, bytes: d.query.length, failed: d.rcode === undefined });
  }
  const byName = new Map<string, Group>();
  const byPair = new Map<string, Group>();
  for (const c of ds.conns) {
    if (c.proto !== 'tcp' && c.proto !== 'udp') continue;
    if (c.service.split(',').includes('dns')) continue; // resolver traffic: DNS beacons are judged by query name
    const name = ds.nameOfConn(c);
    if (name !== undefined) {
      const k = `${c.orig_h}|${name}`;
      let g = byName.get(k);
      if (g === undefined) byName.set(k, (g = { kind: 'fqdn', key: k, src: c.orig_h, fqdn: name, conns: [] }));
      g.conns.push(connEvent(c));
    }
    const k = `${c.orig_h}|${c.resp_h}|${c.resp_p}|${c.proto}`;
    let g = byPair.get(k);
    if (g === undefined) byPair.set(k, (g = { kind: 'ip_port', key: k, src: c.orig_h, conns: [] }));
    g.conns.push(connEvent(c));
  }
  const nHosts = Math.max(1, ds.internalHosts().size);

  const out: Finding[] = [];
  const covered = new Set<string>(); // uids explained by a name-level beacon
  const judge = (g: Group): void => {
    if (g.conns.length < s.minConnections) return;
    if (g.kind !== 'http' && g.conns.every((c) => covered.has(c.uid))) return; // already explained by its HTTP requests
    g.conns.sort((a, b) => a.ts - b.ts);
    const r = scoreBeacon({
      ts: g.conns.map((c) => c.ts),
      bytes: g.conns.map((c) => c.bytes),
      failed: g.conns.map((c) => c.failed),
      window: { start: ds.start, end: ds.end },
    }, scoring);
    if (r.verdict === 'none') return;
    const dstKey = g.fqdn ?? g.conns[0]!.resp_h;
    const prevalence = Math.max(1, ds.talkersOf(dstKey).size) / nHosts;
    let score = r.score;
    const reasons = [...r.reasons];
    const modifiers: Record<string, number | string> = {};
    if (nHosts >= s.prevalenceMinHosts && prevalence > s.prevalentShare) {
      score *= s.prevalenceFactor;
      modifiers['prevalence'] = s.prevalenceFactor;
      reasons.push(`${(prevalence * 100).toFixed(0)}% of internal hosts talk to ${dstKey}: common destination, score x${s.prevalenceFactor}`);
    }
    const fq = g.fqdn ?? ds.nameOfConn({ uid: g.conns[0]!.uid, orig_h: g.src, resp_h: g.conns[0]!.resp_h } as ConnRecord);
    const c0 = g.conns[0]!;
    const benign = benignService(fq) ?? benignPort(c0.proto, c0.resp_p);
    if (benign !== undefined) {
      score *= s.benignFactor;
      modifiers['benign_catalogue'] = benign;
      reasons.push(`${fq ?? `${c0.resp_h}:${c0.resp_p}/${c0.proto}`} is a known benign periodic service (${benign}): score x${s.benignFactor}`);
    }
    if (score < s.minScore) return;
    if (g.kind !== 'ip_port') for (const c of g.conns) covered.add(c.uid);
    out.push(toFinding(g, r, score, prevalence, modifiers, reasons, fq));
  };
  for (const g of byHttp.values()) judge(g);
  for (const g of byName.values()) judge(g);
  for (const g of byPair.values()) judge(g);
  return out;
}

function toFinding(g: Group, r: BeaconScore, score: number, prevalence: number, modifiers: Record<string, number | string>,
  reasons: string[], fq: string | undefined): Finding {
  const c0 = g.conns[0]!;
  const dsts = [...new Set(g.conns.map((c) => c.resp_h))];
  const ports = [...new Set(g.conns.map((c) => c.resp_p))];
  const strobe = r.verdict === 'strobe';
  const period = r.period;
  const where = g.fqdn !== undefined
    ? `${g.fqdn} (${dsts.slice(0, 3).join(', ')}${dsts.length > 3 ? ', ...' : ''}:${ports.join(',')})`
    : `${c0.resp_h}:${c0.resp_p}/${c0.proto}${fq ? ` (${fq})` : ''}`;
  const title = strobe
    ? `${g.src} strobes ${where}: ${r.connections} connections in ${fmtDuration(r.span)}`
    : `${g.src} beacons to ${where} every ${fmtDuration(period)} ± ${fmtDuration(r.jitter * period)}, ${r.beats} beats over ${fmtDuration(r.span)}`;
  const f: Finding = {
    id: findingId('beacon', g.kind, g.src, g.fqdn ?? `${c0.resp_h}:${c0.resp_p}/${c0.proto}`),
    detector: 'beacon', kind: strobe ? `strobe_${g.kind}` : g.kind, title, src: g.src,
    // HTTP-level groups count requests: say so in the title's unit.
    first: g.conns[0]!.ts, last: g.conns[g.conns.length - 1]!.ts,
    score: Number(score.toFixed(3)), severity: severityOf(score),
    evidence: {
      period_s: Number.isFinite(period) ? Number(period.toFixed(3)) : null,
      jitter: Number(r.jitter.toFixed(3)), missed: Number(r.missed.toFixed(3)), beats: r.beats, connections: r.connections,
      failed: r.failed, span_s: Number(r.span.toFixed(1)), raw_score: Number(r.score.toFixed(3)),
      dispersion: r.dispersion, periodicity: r.periodicity ? { ...r.periodicity } : null,
      prevalence: Number(prevalence.toFixed(3)), modifiers, ports, dsts,
    },
    reasons,
    uids: g.conns.slice(0, 10).map((c) => c.uid),
    attack: ['T1071', 'T1573'].slice(0, c0.resp_p === 443 ? 2 : 1),
  };
  if (dsts.length === 1) f.dst = dsts[0]; else f.dsts = dsts;
  if (g.fqdn !== undefined) f.fqdn = g.fqdn; else if (fq !== undefined) f.fqdn = fq;
  if (ports.length === 1) f.port = ports[0];
  f.proto = c0.proto;
  if (f.uids.length > 10) f.uids.length = 10;
  void SAMPLE_UIDS;
  return f;
}
