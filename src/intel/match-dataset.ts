/**
 * Retro-hunt: the intelligence in force applied to a whole dataset, one finding per (host,
 * indicator) with the first and last sighting, every channel it was seen on (connections, DNS,
 * TLS, HTTP), sample uids, and the other internal hosts that touched the same indicator.
 *
 * Domain-only intelligence reaches IP-only traffic through passive DNS: a connection to an address
 * that a listed domain resolved to (in anybody's lookup) is a sighting of that domain, even when
 * the host's own lookup was not seen (an internal resolver asked for it, or the lookup happened
 * before the capture). Addresses with many names (shared hosting, CDNs) are left out of this, and
 * so are connections whose TLS server name or HTTP Host names another host.
 */
import type { RecordKind, RecordMap } from '../records/schema.js';
import type { Dataset } from '../detect/dataset.js';
import { findingId, rankFindings, SAMPLE_UIDS, severityOf, type Finding } from '../detect/finding.js';
import type { Indicator, IndicatorType } from './indicator.js';
import type { IntelIndex } from './intel-index.js';
import { matchName, matchRecord, type Match, type MatchField, type MatchHow } from './match.js';

/** Tunables of matchDataset (defaults in INTEL_MATCH_DEFAULTS). */
export interface IntelMatchSettings {
  /** Passive DNS is not used for an address with more names than this (shared hosting, CDN). */
  pdnsMaxNamesPerIp: number;
  /** Score factor when a name matched under a listed parent domain. */
  parentDomainFactor: number;
  /** Score factor when a listed URL without query matched a request with one. */
  urlWithoutQueryFactor: number;
  /** Score factor when the only link to a listed domain is passive DNS and the host's own lookup was not seen. */
  pdnsOnlyFactor: number;
  /** Score factor when the listed address only ever connected in (it is the originator). */
  inboundOnlyFactor: number;
  /** Score factor when the feed lists the address with a port and no connection used that port. */
  portMismatchFactor: number;
  /** Other internal hosts named in a finding's evidence (the rest are counted). */
  maxOtherHosts: number;
  /** Distinct observed values (names, addresses, URLs) kept in the evidence. */
  maxObserved: number;
}

/** Defaults, each documented on IntelMatchSettings. */
export const INTEL_MATCH_DEFAULTS: Readonly<IntelMatchSettings> = Object.freeze({
  pdnsMaxNamesPerIp: 10,
  parentDomainFactor: 0.95,
  urlWithoutQueryFactor: 0.9,
  pdnsOnlyFactor: 0.85,
  inboundOnlyFactor: 0.8,
  portMismatchFactor: 0.9,
  maxOtherHosts: 20,
  maxObserved: 20,
});

/** Where a sighting came from (evidence.channels keys). */
type Channel = 'connection' | 'inbound_connection' | 'dns_query' | 'dns_answer' | 'tls_server_name' | 'ja3' | 'ja4'
  | 'certificate' | 'http_host' | 'http_url' | 'passive_dns';

const CHANNEL_OF: Record<MatchField, Channel> = {
  resp_h: 'connection', orig_h: 'inbound_connection', query: 'dns_query', answer: 'dns_answer', server_name: 'tls_server_name',
  ja3: 'ja3', ja4: 'ja4', cert_sha1: 'certificate', host: 'http_host', url: 'http_url',
};

interface PdnsSighting { ip: string; names: Set<string>; conns: number; ownLookup: boolean }

interface Agg {
  host: string;
  type: IndicatorType;
  value: string;
  entries: Set<Indicator>;
  first: number;
  last: number;
  sightings: number;
  channels: Map<Channel, number>;
  observed: Set<string>;
  /** Names a DNS answer came from (for address indicators found in answers). */
  names: Set<string>;
  dsts: Set<string>;
  ports: Set<number>;
  protos: Set<string>;
  uids: string[];
  /** Best (largest) score factor over all sightings, and why it is below 1. */
  factor: number;
  factorWhy: string;
  hows: Set<MatchHow>;
  pdns: Map<string, PdnsSighting>;
  /** The last record sighted (a record listed by several feeds is one sighting). */
  lastRecord: object | undefined;
}

function noisyOr(ps: number[]): number {
  let q = 1;
  for (const p of ps) q *= 1 - Math.min(1, Math.max(0, p));
  return 1 - q;
}

function iso(t: number): string {
  return new Date(t * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

const ATTACK: Record<IndicatorType, string[]> = {
  ip: ['T1071'], cidr: ['T1071'], domain: ['T1071', 'T1568'], url: ['T1071.001'],
  ja3: ['T1071.001', 'T1573'], ja4: ['T1071.001', 'T1573'], cert_sha1: ['T1573'], md5: [], sha1: [], sha256: [],
};

const VERB: Record<IndicatorType, string> = {
  ip: 'talked to', cidr: 'talked to', domain: 'reached', url: 'requested', ja3: 'sent the TLS fingerprint', ja4: 'sent the TLS fingerprint',
  cert_sha1: 'was served the certificate', md5: 'saw', sha1: 'saw', sha256: 'saw',
};

/**
 * Findings (detector `intel`) for every listed indicator seen in the dataset: one per (host,
 * indicator type and value), merging the feeds that list it. The score is the feeds' combined
 * confidence (noisy-or of each feed's best figure) times the best sighting's factor (see
 * IntelMatchSettings); severity follows the score.
 */
export function matchDataset(index: IntelIndex, ds: Dataset, settings: Partial<IntelMatchSettings> = {}): Finding[] {
  const s = { ...INTEL_MATCH_DEFAULTS, ...settings };
  if (index.size === 0) return [];
  const aggs = new Map<string, Agg>();

  const agg = (host: string, i: Indicator): Agg => {
    const key = `${host}\x1f${i.type}\x1f${i.value}`;
    let a = aggs.get(key);
    if (a === undefined) {
      a = {
        host, type: i.type, value: i.value, entries: new Set(), first: Infinity, last: -Infinity, sightings: 0, channels: new Map(),
        observed: new Set(), names: new Set(), dsts: new Set(), ports: new Set(), protos: new Set(), uids: [], factor: 0, factorWhy: '', hows: new Set(), pdns: new Map(), lastRecord: undefined,
      };
      aggs.set(key, a);
    }
    a.entries.add(i);
    return a;
  };
  const sight = (a: Agg, rec: object, ts: number, end: number, channel: Channel, uid: string | undefined, factor: number, why: string): void => {
    if (factor > a.factor) { a.factor = factor; a.factorWhy = why; }
    if (a.lastRecord === rec) return;
    a.lastRecord = rec;
    a.sightings++;
    if (ts < a.first) a.first = ts;
    if (end > a.last) a.last = end;
    a.channels.set(channel, (a.channels.get(channel) ?? 0) + 1);
    if (uid && a.uids.length < SAMPLE_UIDS && !a.uids.includes(uid)) a.uids.push(uid);
  };
  const howFactor = (m: Match): number =>
    m.how === 'parent_domain' ? s.parentDomainFactor : m.how === 'url_without_query' ? s.urlWithoutQueryFactor : 1;
  const howWhy = (m: Match): string =>
    m.how === 'parent_domain' ? 'a name under the listed domain' : m.how === 'url_without_query' ? 'the listed URL has no query' : '';
  const observe = (a: Agg, v: string) => { if (a.observed.size < s.maxObserved) a.observed.add(v); };

  // Direct sightings, record by record.
  const each = <K extends RecordKind>(kind: K, recs: readonly RecordMap[K][], fn: (r: RecordMap[K], m: Match) => void) => {
    for (const r of recs) {
      const ms = matchRecord(index, kind, r);
      for (const m of ms) fn(r, m);
    }
  };
  each('conn', ds.conns, (c, m) => {
    const inbound = m.field === 'orig_h';
    const a = agg(inbound ? c.resp_h : c.orig_h, m.indicator);
    const portOk = m.indicator.port === undefined || (inbound ? c.orig_p : c.resp_p) === m.indicator.port;
    sight(a, c, c.ts, c.ts + c.duration, CHANNEL_OF[m.field], c.uid, (inbound ? s.inboundOnlyFactor : 1) * (portOk ? 1 : s.portMismatchFactor),
      [inbound ? 'the listed address only connected in' : '', portOk ? '' : 'not on the listed port'].filter(Boolean).join(', '));
    a.hows.add(m.how);
    observe(a, m.observed);
    a.dsts.add(inbound ? c.orig_h : c.resp_h);
    a.ports.add(c.resp_p);
    a.protos.add(c.proto);
  });
  each('dns', ds.dns, (d, m) => {
    const a = agg(d.orig_h, m.indicator);
    sight(a, d, d.ts, d.ts, CHANNEL_OF[m.field], d.uid, howFactor(m), howWhy(m));
    a.hows.add(m.how);
    observe(a, m.observed);
    if (m.field === 'answer') a.names.add(d.query);
  });
  each('tls', ds.tls, (t, m) => {
    const a = agg(t.orig_h, m.indicator);
    sight(a, t, t.ts, t.ts, CHANNEL_OF[m.field], t.uid, howFactor(m), howWhy(m));
    a.hows.add(m.how);
    observe(a, m.observed);
    a.dsts.add(t.resp_h);
    a.ports.add(t.resp_p);
  });
  each('http', ds.http, (h, m) => {
    const a = agg(h.orig_h, m.indicator);
    sight(a, h, h.ts, h.ts, CHANNEL_OF[m.field], h.uid, howFactor(m), howWhy(m));
    a.hows.add(m.how);
    observe(a, m.observed);
    a.dsts.add(h.resp_h);
    a.ports.add(h.resp_p);
  });

  // Passive DNS: connections to addresses that listed domains resolved to.
  if (index.hasDomains) matchThroughPdns(index, ds, s, agg, sight, observe);

  // Other hosts per indicator.
  const hostsOf = new Map<string, Set<string>>();
  for (const a of aggs.values()) {
    const k = `${a.type}\x1f${a.value}`;
    let h = hostsOf.get(k);
    if (h === undefined) hostsOf.set(k, (h = new Set()));
    h.add(a.host);
  }

  const out: Finding[] = [];
  for (const a of aggs.values()) out.push(toFinding(a, ds, s, hostsOf.get(`${a.type}\x1f${a.value}`)!));
  return out.sort(rankFindings);
}

function matchThroughPdns(
  index: IntelIndex, ds: Dataset, s: IntelMatchSettings,
  agg: (host: string, i: Indicator) => Agg,
  sight: (a: Agg, rec: object, ts: number, end: number, channel: Channel, uid: string | undefined, factor: number, why: string) => void,
  observe: (a: Agg, v: string) => void,
): void {
  // The name each connection announced itself (TLS SNI, HTTP Host): such connections are judged by that name.
  const announced = new Map<string, string>();
  for (const t of ds.tls) if (t.server_name) announced.set(t.uid, t.server_name.toLowerCase());
  for (const h of ds.http) if (h.host && !announced.has(h.uid)) announced.set(h.uid, h.host.toLowerCase().replace(/:\d+$/, ''));
  // Who resolved what to which address: host \x1f name \x1f ip.
  const own = new Set<string>();
  for (const d of ds.dns) {
    if (d.answers.length === 0) continue;
    const names = [d.query.toLowerCase()];
    for (const x of d.answers) {
      if (/^[0-9.]+$|:/.test(x)) for (const n of names) own.add(`${d.orig_h}\x1f${n}\x1f${x}`);
      else names.push(x.toLowerCase());
    }
  }
  // Per address: the listed domains behind it (cached), or none.
  const byIp = new Map<string, { names: string[]; matches: Match[] } | null>();
  const lookup = (ip: string) => {
    let r = byIp.get(ip);
    if (r === undefined) {
      const names = ds.namesOf(ip);
      r = null;
      if (names.length > 0 && names.length <= s.pdnsMaxNamesPerIp) {
        const ms: Match[] = [];
        const ns: string[] = [];
        for (const n of names) {
          const got = matchName(index, n.fqdn, 'answer', -Infinity); // expiry is checked per connection below
          if (got !== undefined) { ms.push(...got); ns.push(n.fqdn); }
        }
        if (ms.length > 0) r = { names: ns, matches: ms };
      }
      byIp.set(ip, r);
    }
    return r;
  };
  for (const c of ds.conns) {
    const r = lookup(c.resp_h);
    if (r === null) continue;
    const said = announced.get(c.uid);
    for (const m of r.matches) {
      const i = m.indicator;
      if (i.expires !== undefined && c.ts > i.expires) continue;
      // A connection that named a host: counted by its TLS/HTTP record when that name is listed, skipped when another.
      if (said !== undefined) continue;
      const a = agg(c.orig_h, i);
      const names = r.names.filter((n) => n === i.value || n.endsWith(`.${i.value}`));
      const isOwn = names.some((n) => own.has(`${c.orig_h}\x1f${n}\x1f${c.resp_h}`));
      let p = a.pdns.get(c.resp_h);
      if (p === undefined) a.pdns.set(c.resp_h, (p = { ip: c.resp_h, names: new Set(), conns: 0, ownLookup: false }));
      p.conns++;
      for (const n of names) p.names.add(n);
      if (isOwn) p.ownLookup = true;
      sight(a, c, c.ts, c.ts + c.duration, 'passive_dns', c.uid,
        isOwn ? (m.how === 'parent_domain' ? s.parentDomainFactor : 1) : s.pdnsOnlyFactor,
        isOwn ? (m.how === 'parent_domain' ? 'a name under the listed domain' : '') : "passive DNS only: the host's own lookup was not seen");
      a.hows.add(m.how);
      for (const n of names) observe(a, n);
      a.dsts.add(c.resp_h);
      a.ports.add(c.resp_p);
      a.protos.add(c.proto);
    }
  }
}

function feedSummary(i: Indicator): Record<string, unknown> {
  const o: Record<string, unknown> = { feed: i.feed, confidence: i.confidence };
  if (i.family) o.family = i.family;
  if (i.tags.length > 0) o.tags = i.tags;
  if (i.port !== undefined) o.port = i.port;
  if (i.first_seen !== undefined) o.first_seen = i.first_seen;
  if (i.last_seen !== undefined) o.last_seen = i.last_seen;
  if (i.expires !== undefined) o.expires = i.expires;
  if (i.reference) o.reference = i.reference;
  if (i.description) o.description = i.description;
  if (i.condition) o.condition = i.condition;
  return o;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function toFinding(a: Agg, ds: Dataset, s: IntelMatchSettings, hosts: Set<string>): Finding {
  const entries = [...a.entries].sort((x, y) => y.confidence - x.confidence || x.feed.localeCompare(y.feed));
  const best = entries[0]!;
  const byFeed = new Map<string, number>();
  for (const e of entries) byFeed.set(e.feed, Math.max(byFeed.get(e.feed) ?? 0, e.confidence));
  const combined = noisyOr([...byFeed.values()].map((c) => c / 100));
  const score = Number((combined * a.factor).toFixed(3));
  const family = entries.find((e) => e.family)?.family;
  const tags = [...new Set(entries.flatMap((e) => e.tags))];
  const feeds = [...byFeed.keys()];
  const listedPorts = [...new Set(entries.map((e) => e.port).filter((p): p is number => p !== undefined))];
  const others = [...hosts].filter((h) => h !== a.host && ds.internal.contains(h)).sort();
  const observed = [...a.observed];
  const dsts = [...a.dsts].sort();

  const feedText = `${feeds.join(', ')}${family ? `: ${family}` : ''}, confidence ${Math.round(combined * 100)}`;
  const shown = a.type === 'domain' && observed.length === 1 ? observed[0]! : a.value;
  const reasons: string[] = [];
  reasons.push(`${a.value} (${a.type}) is listed by ${entries.map((e) => `${e.feed} (confidence ${e.confidence}${e.family ? `, ${e.family}` : ''}${e.tags.length ? `, tags ${e.tags.slice(0, 5).join(' ')}` : ''}${e.port !== undefined ? `, port ${e.port}` : ''}${e.last_seen !== undefined ? `, last seen by the feed ${iso(e.last_seen)}` : ''})`).join('; ')}`);
  const ch = (c: Channel) => a.channels.get(c) ?? 0;
  const obsOther = observed.filter((o) => o !== a.value);
  const under = a.hows.has('parent_domain') && obsOther.length > 0 ? `, under the listed ${a.value}` : '';
  if (ch('connection') > 0) reasons.push(`${plural(ch('connection'), 'connection')} to ${a.type === 'cidr' ? dsts.slice(0, 5).join(', ') + (dsts.length > 5 ? ' ...' : '') + ` inside ${a.value}` : a.value}${a.ports.size > 0 ? ` on port ${[...a.ports].slice(0, 5).join(', ')}` : ''}`);
  if (ch('inbound_connection') > 0) reasons.push(`${plural(ch('inbound_connection'), 'connection')} opened by the listed address to ${a.host}`);
  if (ch('dns_query') > 0) reasons.push(`${plural(ch('dns_query'), 'DNS query', 'DNS queries')} for ${observed.filter((o) => !/^[0-9.:]+$/.test(o)).slice(0, 5).join(', ') || a.value}${under}`);
  if (ch('dns_answer') > 0) reasons.push(`${plural(ch('dns_answer'), 'DNS answer')} containing it${a.names.size > 0 ? ` (for ${[...a.names].slice(0, 5).join(', ')})` : ''}`);
  if (ch('tls_server_name') > 0) reasons.push(`${plural(ch('tls_server_name'), 'TLS handshake')} with server name ${observed.filter((o) => !o.includes('/')).slice(0, 3).join(', ') || a.value}`);
  if (ch('ja3') > 0) reasons.push(`${plural(ch('ja3'), 'TLS ClientHello', 'TLS ClientHellos')} with JA3 ${a.value} to ${dsts.slice(0, 5).join(', ')}`);
  if (ch('ja4') > 0) reasons.push(`${plural(ch('ja4'), 'TLS ClientHello', 'TLS ClientHellos')} with JA4 ${a.value} to ${dsts.slice(0, 5).join(', ')}`);
  if (ch('certificate') > 0) reasons.push(`${plural(ch('certificate'), 'TLS handshake')} where ${dsts.slice(0, 5).join(', ')} presented the listed certificate`);
  if (ch('http_host') > 0) reasons.push(`${plural(ch('http_host'), 'HTTP request')} with Host ${observed.filter((o) => !o.includes('/')).slice(0, 3).join(', ') || a.value}`);
  if (ch('http_url') > 0) reasons.push(`${plural(ch('http_url'), 'HTTP request')} for ${observed.filter((o) => o.includes('/')).slice(0, 3).join(', ')}${a.hows.has('url_without_query') ? ' (the listed URL has no query: any query matches)' : ''}`);
  for (const p of a.pdns.values()) {
    reasons.push(`${plural(p.conns, 'connection')} to ${p.ip}, an address ${[...p.names].join(', ')} resolved to in passive DNS; ${p.ownLookup ? "this host's own lookup was seen" : "this host's own lookup was not seen (found through passive DNS)"}`);
  }
  if (listedPorts.length > 0 && (a.type === 'ip' || a.type === 'cidr') && ![...a.ports].some((p) => listedPorts.includes(p))) {
    reasons.push(`the feed lists port ${listedPorts.join(', ')}; the traffic used ${[...a.ports].join(', ') || 'no port'} (score x${s.portMismatchFactor})`);
  }
  reasons.push(`seen ${plural(a.sightings, 'time')} from ${iso(a.first)} to ${iso(a.last)}`);
  if (others.length > 0) reasons.push(`${plural(others.length, 'other internal host')} also touched it: ${others.slice(0, 5).join(', ')}${others.length > 5 ? ' ...' : ''}`);
  if (a.factor < 1) reasons.push(`score ${score} = combined confidence ${combined.toFixed(2)} x ${Number(a.factor.toFixed(3))} (${a.factorWhy})`);

  const channels = Object.fromEntries([...a.channels.entries()].sort());
  const f: Finding = {
    id: findingId('intel', a.type, a.host, a.value),
    detector: 'intel', kind: a.type,
    title: `${a.host} ${VERB[a.type]} ${shown} (${feedText})`,
    src: a.host,
    first: a.first, last: a.last,
    score, severity: severityOf(score),
    evidence: {
      feed: best.feed, indicator: a.value, type: a.type, confidence: best.confidence, combined_confidence: Number(combined.toFixed(3)),
      family: family ?? null, tags, feeds: entries.map(feedSummary),
      observed, channels, sightings: a.sightings, match: [...a.hows].sort(), factor: a.factor,
      first_sighting: a.first, last_sighting: a.last,
      hosts: [a.host, ...others.slice(0, s.maxOtherHosts)], other_hosts: others.length,
      ...(a.pdns.size > 0 ? { passive_dns: [...a.pdns.values()].map((p) => ({ ip: p.ip, names: [...p.names], connections: p.conns, own_lookup_seen: p.ownLookup })) } : {}),
      ...(listedPorts.length > 0 ? { listed_ports: listedPorts } : {}),
    },
    reasons,
    uids: a.uids,
    attack: ATTACK[a.type],
  };
  if (dsts.length === 1) f.dst = dsts[0]!;
  else if (dsts.length > 1) f.dsts = dsts.slice(0, 50);
  if (a.type === 'domain') f.fqdn = shown;
  if (a.ports.size === 1) f.port = [...a.ports][0]!;
  if (a.protos.size === 1) f.proto = [...a.protos][0]!;
  return f;
}

