/**
 * Cryptomining: miner protocol messages seen by the sensor (Stratum, Monero-style JSON-RPC,
 * getwork), and pool names in DNS queries and TLS server names.
 */
import type { ConnRecord } from '../records/schema.js';
import { connsWithUids, type Dataset } from './dataset.js';
import { findingId, severityOf, type Finding } from './finding.js';

/**
 * Name tokens of mining pools and coins. Sources: the pool names in the nesfit miner captures
 * (nanopool, suprnova), the article's "xmr" marker, and widely known public pools.
 */
export const POOL_TOKENS: readonly string[] = [
  'xmr', 'monero', 'nanopool', 'suprnova', 'minexmr', 'supportxmr', 'moneroocean', 'hashvault', 'f2pool',
  'ethermine', '2miners', 'nicehash', 'miningpoolhub', 'antpool', 'viabtc', 'slushpool', 'c3pool', 'herominers',
  'unmineable', 'zpool', 'mining', 'stratum', 'cryptonight',
];

/** Does a name look like a pool? Returns the matching token, matched on label boundaries. */
export function poolToken(fqdn: string): string | undefined {
  const labels = fqdn.toLowerCase().split(/[.-]/);
  for (const t of POOL_TOKENS) if (labels.some((l) => l === t || (t.length >= 5 && l.includes(t)) || (t === 'xmr' && l.startsWith('xmr')))) return t;
  return undefined;
}

export function detectMining(ds: Dataset): Finding[] {
  const out: Finding[] = [];
  // 1. Miner protocol sessions, per source -> destination:port.
  const sessions = new Map<string, { src: string; dst: string; port: number; first: number; last: number; methods: Map<string, number>; agents: Set<string>; logins: Set<string>; protocols: Set<string>; uids: Set<string> }>();
  for (const m of ds.mining) {
    const k = `${m.orig_h}|${m.resp_h}|${m.resp_p}`;
    let s = sessions.get(k);
    if (s === undefined) sessions.set(k, (s = { src: m.orig_h, dst: m.resp_h, port: m.resp_p, first: m.ts, last: m.ts, methods: new Map(), agents: new Set(), logins: new Set(), protocols: new Set(), uids: new Set() }));
    s.first = Math.min(s.first, m.ts);
    s.last = Math.max(s.last, m.ts);
    s.methods.set(m.method, (s.methods.get(m.method) ?? 0) + 1);
    if (m.agent) s.agents.add(m.agent);
    if (m.login_hash) s.logins.add(m.login_hash);
    s.protocols.add(m.protocol);
    s.uids.add(m.uid);
  }
  // The connections of the miner sessions only: a uid index of every connection cost seconds
  // per million connections, for the handful of sessions there usually are.
  const wanted = new Set<string>();
  for (const s of sessions.values()) for (const u of s.uids) wanted.add(u);
  const byConn = connsWithUids(ds, wanted);
  for (const s of sessions.values()) {
    const conns = [...s.uids].map((u) => byConn.get(u)).filter((c) => c !== undefined);
    const duration = conns.reduce((n, c) => n + c.duration, 0);
    const fq = conns.length > 0 ? ds.nameOfConn(conns[0]!) : undefined;
    const submits = [...s.methods].filter(([m]) => /submit/i.test(m)).reduce((n, [, c]) => n + c, 0);
    const logins = [...s.methods].filter(([m]) => /login|authorize/i.test(m)).reduce((n, [, c]) => n + c, 0);
    const score = Math.min(1, 0.85 + (logins > 0 ? 0.05 : 0) + (submits > 0 ? 0.05 : 0) + (duration > 3600 ? 0.05 : 0));
    const reasons = [
      `miner protocol ${[...s.protocols].join(', ')} to ${s.dst}:${s.port}${fq ? ` (${fq})` : ''}: ${[...s.methods].map(([m, n]) => `${m} x${n}`).join(', ')}`,
    ];
    if (s.agents.size) reasons.push(`miner software: ${[...s.agents].join(', ')}`);
    if (s.logins.size) reasons.push(`${s.logins.size} pool login(s) (hashed: ${[...s.logins].join(', ')})`);
    if (duration > 0) reasons.push(`${conns.length} session(s), ${(duration / 3600).toFixed(2)} h connected`);
    const f: Finding = {
      id: findingId('mining', 'protocol', s.src, s.dst, s.port),
      detector: 'mining', kind: 'protocol',
      title: `${s.src} mines with ${[...s.protocols].join('/')} at ${s.dst}:${s.port}${fq ? ` (${fq})` : ''}`,
      src: s.src, dst: s.dst, port: s.port, proto: 'tcp', first: s.first, last: s.last,
      score: Number(score.toFixed(3)), severity: severityOf(score),
      evidence: { methods: Object.fromEntries(s.methods), agents: [...s.agents], login_hashes: [...s.logins], sessions: conns.length, connected_s: Number(duration.toFixed(1)) },
      reasons, uids: [...s.uids].slice(0, 10), attack: ['T1496'],
    };
    if (fq !== undefined) f.fqdn = fq;
    out.push(f);
  }
  // 2. Pool names looked up or contacted by name (TLS-wrapped pools show only this).
  const named = new Map<string, { src: string; fqdn: string; token: string; first: number; last: number; n: number; how: Set<string>; uids: string[] }>();
  // Names repeat across lookups (every host resolves the same popular names): one check per name.
  const tokens = new Map<string, string | undefined>();
  const note = (src: string, fqdn: string, ts: number, how: string, uid: string) => {
    let token = tokens.get(fqdn);
    if (token === undefined && !tokens.has(fqdn)) tokens.set(fqdn, (token = poolToken(fqdn)));
    if (token === undefined) return;
    const k = `${src}|${fqdn}`;
    let e = named.get(k);
    if (e === undefined) named.set(k, (e = { src, fqdn, token, first: ts, last: ts, n: 0, how: new Set(), uids: [] }));
    e.n++; e.first = Math.min(e.first, ts); e.last = Math.max(e.last, ts); e.how.add(how);
    if (e.uids.length < 10) e.uids.push(uid);
  };
  for (const d of ds.dns) if (d.query) note(d.orig_h, d.query.toLowerCase(), d.ts, 'DNS query', d.uid);
  for (const t of ds.tls) if (t.server_name) note(t.orig_h, t.server_name.toLowerCase(), t.ts, 'TLS server name', t.uid);
  const protoSrcs = new Set([...sessions.values()].map((s) => s.src));
  for (const e of named.values()) {
    if (ds.internal.contains(e.src) === false && !protoSrcs.has(e.src)) continue;
    const score = protoSrcs.has(e.src) ? 0.9 : 0.7;
    out.push({
      id: findingId('mining', 'pool_name', e.src, e.fqdn),
      detector: 'mining', kind: 'pool_name',
      title: `${e.src} looked up mining pool name ${e.fqdn} (token "${e.token}")`,
      src: e.src, fqdn: e.fqdn, first: e.first, last: e.last,
      score, severity: severityOf(score),
      evidence: { token: e.token, seen: e.n, via: [...e.how] },
      reasons: [`${e.fqdn} carries the mining token "${e.token}" (${[...e.how].join(', ')}, ${e.n} time(s))`],
      uids: e.uids, attack: ['T1496'],
    });
  }
  return out;
}
