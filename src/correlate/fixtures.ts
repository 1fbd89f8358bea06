/**
 * Test support (not part of the public API): hand-made datasets and findings that reproduce the
 * article's two cases and the other shapes correlation must handle. Used by the correlate,
 * report and alerts tests.
 */
import type { ConnRecord, DnsRecord, MiningRecord, TlsRecord, HttpRecord } from '../records/schema.js';
import { buildDataset, type Dataset } from '../detect/dataset.js';
import { Networks } from '../detect/networks.js';
import { findingId, severityOf, type Finding, type Detector } from '../detect/finding.js';
import type { CorrelatedFinding } from './incident.js';

/** 2026-11-02T00:00:00Z, a Monday (the simulator's default start). */
export const T0 = Date.UTC(2026, 10, 2) / 1000;

let uidN = 0;
/** A connection record with defaults (an established TCP session). */
export function conn(p: Partial<ConnRecord> & Pick<ConnRecord, 'ts' | 'orig_h' | 'resp_h' | 'resp_p'>): ConnRecord {
  return {
    orig_p: 49152 + (uidN % 16000), uid: `C${(++uidN).toString(36).padStart(8, '0')}`, community_id: '1:x', proto: 'tcp', service: '',
    duration: 1, orig_bytes: 400, resp_bytes: 100, conn_state: 'SF', missed_bytes: 0, history: 'ShADadFf',
    orig_pkts: 6, orig_ip_bytes: 700, resp_pkts: 5, resp_ip_bytes: 400, ...p,
  };
}

/** A DNS answer record. */
export function dns(ts: number, orig_h: string, query: string, answers: string[]): DnsRecord {
  return {
    ts, uid: `D${(++uidN).toString(36)}`, orig_h, orig_p: 53000, resp_h: '10.1.0.2', resp_p: 53, proto: 'udp', trans_id: uidN & 0xffff,
    query, qtype: 1, qtype_name: 'A', rcode: 0, rcode_name: 'NOERROR', AA: false, TC: false, RD: true, RA: true, Z: 0,
    answers, TTLs: answers.map(() => 300), rejected: false,
  };
}

/** A finding with the detector's shape (id from `findingId`, severity from the score). */
export function finding(detector: Detector, kind: string, p: Partial<Finding> & Pick<Finding, 'src' | 'first' | 'last' | 'score'>, ...idParts: string[]): Finding {
  return {
    id: findingId(detector, kind, p.src, ...idParts), detector, kind, title: `${detector} ${kind} ${p.src}`, evidence: {}, reasons: [], uids: [], attack: [],
    severity: severityOf(p.score), ...p,
  };
}

/** Add the lookback the way `analyzeCaptures` does (names of the destination, internal hosts that talked to it). */
export function withLookback(findings: Finding[], ds: Dataset): CorrelatedFinding[] {
  const talkers = new Map<string, Set<string>>();
  for (const c of ds.conns) if (ds.internal.contains(c.orig_h)) (talkers.get(c.resp_h) ?? talkers.set(c.resp_h, new Set()).get(c.resp_h)!).add(c.orig_h);
  return findings.map((f) => {
    const ips = f.dst !== undefined ? [f.dst] : f.detector === 'scan' ? [] : f.dsts ?? [];
    return { ...f, lookback: { domains: ips.flatMap((ip) => ds.namesOf(ip)).slice(0, 10), hosts: [...new Set(ips.flatMap((ip) => [...(talkers.get(ip) ?? [])]))].sort() } };
  });
}

/** Seeded jitter in [-1, 1] (a small LCG: fixtures are the same on every run). */
function jitter(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s / 2 ** 32) * 2 - 1; };
}

/** Benign background: a few hosts browsing, and everybody's NTP. */
function background(): { conns: ConnRecord[]; dns: DnsRecord[] } {
  const conns: ConnRecord[] = [];
  const d: DnsRecord[] = [];
  const r = jitter(7);
  for (let i = 0; i < 40; i++) {
    const t = T0 + 1800 * i + 300 * r();
    conns.push(conn({ ts: t, orig_h: `10.1.1.${20 + (i % 5)}`, resp_h: '93.184.216.34', resp_p: 443, duration: 2 }));
    d.push(dns(t - 0.05, `10.1.1.${20 + (i % 5)}`, 'www.example.com', ['93.184.216.34']));
  }
  return { conns, dns: d };
}

export const RAMNIT = { host: '10.1.1.64', domain: 'fget-career.com', ip: '89.185.44.100', port: 443, period: 602, jitterS: 4 } as const;

/**
 * Article case 1: 10.1.1.64 -> fget-career.com (89.185.44.100):443 every 10 min 02 s ± 4 s for 24 h.
 * `intel`: 'ip' adds an intel finding on the address, 'domain' one on the domain only (found through passive DNS).
 */
export function ramnitCase(intel: 'none' | 'ip' | 'domain' = 'none'): { ds: Dataset; findings: CorrelatedFinding[] } {
  const bg = background();
  const r = jitter(1);
  const conns = [...bg.conns], d = [...bg.dns], tls: TlsRecord[] = [];
  const n = Math.floor(86400 / RAMNIT.period);
  for (let i = 0; i < n; i++) {
    const ts = T0 + 30 + i * RAMNIT.period + RAMNIT.jitterS * r();
    const c = conn({ ts, orig_h: RAMNIT.host, resp_h: RAMNIT.ip, resp_p: 443, service: 'ssl', orig_bytes: 420, resp_bytes: 96 });
    conns.push(c);
    if (i % 2 === 0) d.push(dns(ts - 0.02, RAMNIT.host, RAMNIT.domain, [RAMNIT.ip]));
    tls.push({ ts, uid: c.uid, orig_h: c.orig_h, orig_p: c.orig_p, resp_h: c.resp_h, resp_p: 443, server_name: RAMNIT.domain, established: true });
  }
  const ds = buildDataset({ conn: conns, dns: d, tls }, new Networks());
  const first = T0 + 30, last = T0 + 30 + (n - 1) * RAMNIT.period;
  const fs: Finding[] = [finding('beacon', 'fqdn', {
    title: `${RAMNIT.host} beacons to ${RAMNIT.domain} (${RAMNIT.ip}:443) every 10 min 02 s ± 4.0 s, ${n} beats over 23 h 50 min`,
    src: RAMNIT.host, dst: RAMNIT.ip, fqdn: RAMNIT.domain, port: 443, proto: 'tcp', first, last, score: 0.97,
    evidence: { period_s: RAMNIT.period, jitter: RAMNIT.jitterS / RAMNIT.period, missed: 0, beats: n, connections: n, failed: 0, span_s: last - first, raw_score: 0.97, prevalence: 0.2, modifiers: {}, ports: [443], dsts: [RAMNIT.ip] },
    reasons: ['intervals median 602 s, MAD 2.1 s'], attack: ['T1071', 'T1573'], uids: conns.filter((c) => c.orig_h === RAMNIT.host).slice(0, 10).map((c) => c.uid),
  }, RAMNIT.domain)];
  if (intel !== 'none') {
    const byIp = intel === 'ip';
    fs.push(finding('intel', byIp ? 'ip' : 'domain', {
      title: `${RAMNIT.host} talked to ${byIp ? RAMNIT.ip : RAMNIT.domain}, listed as Ramnit C&C`, src: RAMNIT.host,
      ...(byIp ? { dst: RAMNIT.ip } : { fqdn: RAMNIT.domain }), first, last, score: 0.9,
      evidence: { feed: 'local-feed', indicator: byIp ? RAMNIT.ip : RAMNIT.domain, family: 'Ramnit', type: byIp ? 'ip' : 'domain' },
      attack: ['T1071'],
    }, byIp ? RAMNIT.ip : RAMNIT.domain));
  }
  return { ds, findings: withLookback(fs, ds) };
}

export const SMOMINRU = { miner: '10.1.1.30', bot: '10.1.1.40', pool: '107.191.99.55', poolName: 'xmr.smnpool.net', port: 5555, c2a: '118.184.176.15', c2b: '78.142.29.152' } as const;

/**
 * Article case 2: 10.1.1.30 mines on 107.191.99.55:5555 (xmr.smnpool.net) in one 6 h session at
 * 0.3 kbit/s; another host, 10.1.1.40, beacons to 118.184.176.15:80 every 15 min and to
 * 78.142.29.152:8888 every 20 min. `sameHost`: the beacons come from the miner itself.
 */
export function smominruCase(sameHost = false): { ds: Dataset; findings: CorrelatedFinding[] } {
  const S = SMOMINRU;
  const bot = sameHost ? S.miner : S.bot;
  const bg = background();
  const conns = [...bg.conns], d = [...bg.dns];
  const r = jitter(2);
  d.push(dns(T0 + 99.9, S.miner, S.poolName, [S.pool]));
  const dur = 6 * 3600 + 600;
  const session = conn({ ts: T0 + 100, orig_h: S.miner, resp_h: S.pool, resp_p: S.port, service: 'stratum', duration: dur, orig_bytes: 520_000, resp_bytes: 410_000 });
  conns.push(session);
  const mining: MiningRecord[] = [];
  for (let i = 0; i < 50; i++) mining.push({ ts: T0 + 100 + i * 400, uid: session.uid, orig_h: S.miner, orig_p: session.orig_p, resp_h: S.pool, resp_p: S.port, protocol: 'xmr-stratum', method: i === 0 ? 'login' : 'submit', is_orig: true, ...(i === 0 ? { agent: 'XMRig/6.21.0', login_hash: 'c50fbc0ac8c96d54' } : {}) });
  const http: HttpRecord[] = [];
  const a: number[] = [], b: number[] = [];
  for (let i = 0; i < 24; i++) {
    const t = T0 + 500 + i * 900 + 12 * r();
    const c = conn({ ts: t, orig_h: bot, resp_h: S.c2a, resp_p: 80, service: 'http', orig_bytes: 180, resp_bytes: 60 });
    conns.push(c); a.push(t);
    http.push({ ts: t, uid: c.uid, orig_h: bot, orig_p: c.orig_p, resp_h: S.c2a, resp_p: 80, trans_depth: 1, method: 'POST', host: S.c2a, uri: '/ver.php', request_body_len: 180, response_body_len: 60, status_code: 200 });
  }
  for (let i = 0; i < 18; i++) {
    const t = T0 + 700 + i * 1200 + 40 * r();
    conns.push(conn({ ts: t, orig_h: bot, resp_h: S.c2b, resp_p: 8888, orig_bytes: 96, resp_bytes: 240 })); b.push(t);
  }
  const ds = buildDataset({ conn: conns, dns: d, mining, http }, new Networks());
  const fs: Finding[] = [
    finding('mining', 'protocol', {
      title: `${S.miner} mines with xmr-stratum at ${S.pool}:${S.port} (${S.poolName})`, src: S.miner, dst: S.pool, fqdn: S.poolName, port: S.port, proto: 'tcp',
      first: T0 + 100, last: T0 + 100 + 49 * 400, score: 1,
      evidence: { methods: { login: 1, submit: 49 }, agents: ['XMRig/6.21.0'], login_hashes: ['c50fbc0ac8c96d54'], sessions: 1, connected_s: dur }, attack: ['T1496'], uids: [session.uid],
    }, S.pool, String(S.port)),
    finding('long_conn', 'session', {
      title: `${S.miner} held 6 h 10 min to ${S.pool}:${S.port}/tcp (${S.poolName}) at 0.30 kbit/s`, src: S.miner, dst: S.pool, fqdn: S.poolName, port: S.port, proto: 'tcp',
      first: T0 + 100, last: T0 + 100 + dur, score: 0.85,
      evidence: { longest_s: dur, total_s: dur, sessions: 1, open_sessions: 0, longest_bytes: 930_000, kbit_per_s: 0.335, service: 'stratum' }, attack: ['T1571'], uids: [session.uid],
    }, S.pool, 'tcp'),
    finding('beacon', 'http', {
      title: `${bot} beacons to ${S.c2a} (${S.c2a}:80) every 15 min ± 12 s`, src: bot, dst: S.c2a, fqdn: S.c2a, port: 80, proto: 'tcp',
      first: a[0]!, last: a[a.length - 1]!, score: 0.93,
      evidence: { period_s: 900, jitter: 0.013, missed: 0, beats: 24, connections: 24, failed: 0, span_s: a[a.length - 1]! - a[0]!, modifiers: {}, ports: [80], dsts: [S.c2a] }, attack: ['T1071'],
    }, S.c2a),
    finding('beacon', 'ip_port', {
      title: `${bot} beacons to ${S.c2b}:8888/tcp every 20 min ± 40 s`, src: bot, dst: S.c2b, port: 8888, proto: 'tcp',
      first: b[0]!, last: b[b.length - 1]!, score: 0.8,
      evidence: { period_s: 1200, jitter: 0.033, missed: 0.05, beats: 18, connections: 18, failed: 0, span_s: b[b.length - 1]! - b[0]!, modifiers: {}, ports: [8888], dsts: [S.c2b] }, attack: ['T1071'],
    }, `${S.c2b}:8888/tcp`),
  ];
  return { ds, findings: withLookback(fs, ds) };
}

export const PROPAGATION = { scanner: '10.1.2.50', victim: '10.1.3.177', c2: '203.0.113.10', c2Name: 'update-check.example', scanAt: T0 + 3600 } as const;

/**
 * A 445 sweep of 10.1.3.0/24 by 10.1.2.50 (which beacons to update-check.example every 5 min);
 * 10.1.3.177 (the 178th target, beyond the finding's sample of 50) answers and starts the same
 * beacon 20 minutes later.
 */
export function propagationCase(): { ds: Dataset; findings: CorrelatedFinding[] } {
  const P = PROPAGATION;
  const conns: ConnRecord[] = [];
  const d: DnsRecord[] = [];
  const beats = (host: string, from: number, n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = from + i * 300 + (i % 3);
      conns.push(conn({ ts: t, orig_h: host, resp_h: P.c2, resp_p: 443, service: 'ssl' }));
      d.push(dns(t - 0.01, host, P.c2Name, [P.c2]));
      out.push(t);
    }
    return out;
  };
  const sb = beats(P.scanner, T0, 72);
  for (let i = 1; i <= 254; i++) {
    const ok = `10.1.3.${i}` === P.victim;
    conns.push(conn({ ts: P.scanAt + i * 0.05, orig_h: P.scanner, resp_h: `10.1.3.${i}`, resp_p: 445, conn_state: ok ? 'SF' : 'S0', duration: ok ? 3 : 0, orig_bytes: ok ? 60_000 : 0, resp_bytes: ok ? 2_000 : 0 }));
  }
  const vb = beats(P.victim, P.scanAt + 1200, 40);
  const ds = buildDataset({ conn: conns, dns: d }, new Networks());
  const scanDsts = Array.from({ length: 50 }, (_, i) => `10.1.3.${i + 1}`);
  const fs: Finding[] = [
    finding('scan', 'horizontal', {
      title: `${P.scanner} scanned 254 hosts on 445/tcp (100% failed)`, src: P.scanner, port: 445, proto: 'tcp', dsts: scanDsts,
      first: P.scanAt + 0.05, last: P.scanAt + 254 * 0.05, score: 0.95,
      evidence: { targets: 254, failed_targets: 253, failed_share: 0.996, attempts: 254, span_s: 12.65, internal_source: true }, attack: ['T1046'],
    }, '445/tcp'),
    finding('beacon', 'fqdn', {
      title: `${P.scanner} beacons to ${P.c2Name}`, src: P.scanner, dst: P.c2, fqdn: P.c2Name, port: 443, proto: 'tcp', first: sb[0]!, last: sb[sb.length - 1]!, score: 0.9,
      evidence: { period_s: 300, jitter: 0.003, missed: 0, beats: 72, connections: 72, failed: 0, span_s: sb[sb.length - 1]! - sb[0]!, modifiers: {}, ports: [443], dsts: [P.c2] }, attack: ['T1071', 'T1573'],
    }, P.c2Name),
    finding('beacon', 'fqdn', {
      title: `${P.victim} beacons to ${P.c2Name}`, src: P.victim, dst: P.c2, fqdn: P.c2Name, port: 443, proto: 'tcp', first: vb[0]!, last: vb[vb.length - 1]!, score: 0.88,
      evidence: { period_s: 300, jitter: 0.003, missed: 0, beats: 40, connections: 40, failed: 0, span_s: vb[vb.length - 1]! - vb[0]!, modifiers: {}, ports: [443], dsts: [P.c2] }, attack: ['T1071', 'T1573'],
    }, P.c2Name),
  ];
  return { ds, findings: withLookback(fs, ds) };
}

/** NTP beacons from three hosts (benign catalogue) and a Slack client's poll (a widely used service, not in that catalogue). */
export function benignFindings(): CorrelatedFinding[] {
  const ntp = ['10.1.1.42', '10.1.1.66', '10.1.1.80'].map((h) => finding('beacon', 'fqdn', {
    title: `${h} beacons to 2.debian.pool.ntp.org`, src: h, fqdn: '2.debian.pool.ntp.org', dsts: ['195.201.19.162', '94.130.184.193'], port: 123, proto: 'udp',
    first: T0, last: T0 + 13000, score: 0.686,
    evidence: { period_s: 1024, jitter: 0.003, missed: 0, beats: 14, connections: 14, span_s: 13000, modifiers: { benign_catalogue: 'NTP pool' }, ports: [123], dsts: ['195.201.19.162', '94.130.184.193'] }, attack: ['T1071'],
  }, '2.debian.pool.ntp.org'));
  const slack = finding('beacon', 'fqdn', {
    title: '10.1.1.16 beacons to wss-primary.slack.com', src: '10.1.1.16', fqdn: 'wss-primary.slack.com', dsts: ['3.120.0.10', '3.120.0.11'], port: 443, proto: 'tcp',
    first: T0, last: T0 + 14000, score: 1,
    evidence: { period_s: 298, jitter: 0.044, missed: 0, beats: 49, connections: 49, span_s: 14000, modifiers: {}, ports: [443], dsts: ['3.120.0.10', '3.120.0.11'] }, attack: ['T1071', 'T1573'],
  }, 'wss-primary.slack.com');
  return [...ntp, slack];
}
