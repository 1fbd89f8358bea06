/**
 * Intel findings: sightings of listed indicators aggregated per (host, indicator) into the Finding
 * JSON of the detectors (`detector: "intel"`), with the first and last sighting, every channel it
 * was seen on (connections, DNS, TLS, HTTP, passive DNS), sample uids, and the other internal
 * hosts that touched the same indicator. Shared by the retro-hunt over a dataset (matchDataset)
 * and the matcher that runs while records are ingested (ingest-match.ts).
 */
import type { ConnRecord, RecordKind, RecordMap } from '../records/schema.js';
import { findingId, rankFindings, SAMPLE_UIDS, severityOf, type Finding } from '../detect/finding.js';
import type { Networks } from '../detect/networks.js';
import type { Indicator, IndicatorType } from './indicator.js';
import type { IntelIndex } from './intel-index.js';
import { matchName, matchRecord, type Match, type MatchField, type MatchHow } from './match.js';

/** Tunables of intel matching (defaults in INTEL_MATCH_DEFAULTS). */
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
 * What the passive-DNS pass needs to know about the traffic: the connections to look at, the name
 * a connection announced itself (TLS SNI, HTTP Host), whether a host's own lookup was seen, and
 * the names each address resolved to. matchDataset answers from a Dataset; the ingest-time
 * matcher from the records of the run and the store's passive DNS.
 */
export interface PdnsView {
  conns: Iterable<ConnRecord>;
  /** The name (lower case, no port) a connection announced in TLS SNI or an HTTP Host, if any. */
  announced(uid: string): string | undefined;
  /** Did `host` itself resolve `name` (lower case) to `ip`? */
  ownLookup(host: string, name: string, ip: string): boolean;
  /** Names that resolved to the address (every name of answer chains), any order. */
  namesOf(ip: string): readonly { fqdn: string }[];
}

/**
 * Intel sightings aggregated per (internal host, indicator), and the Findings built from them:
 * the builder shared by the retro-hunt (matchDataset) and the ingest-time matcher. Feed it records
 * with their matches (`add`) and connections through passive DNS (`addThroughPdns`); `findings`
 * builds every finding, `takeChanged` those touched since the last call.
 */
export class IntelAggregator {
  private readonly aggs = new Map<string, Agg>();
  private readonly changed = new Set<Agg>();
  readonly settings: IntelMatchSettings;
  constructor(readonly index: IntelIndex, settings: Partial<IntelMatchSettings> = {}) {
    this.settings = { ...INTEL_MATCH_DEFAULTS, ...settings };
  }

  /** Number of (host, indicator) aggregates. */
  get size(): number {
    return this.aggs.size;
  }

  private agg(host: string, i: Indicator): Agg {
    const key = `${host}\x1f${i.type}\x1f${i.value}`;
    let a = this.aggs.get(key);
    if (a === undefined) {
      a = {
        host, type: i.type, value: i.value, entries: new Set(), first: Infinity, last: -Infinity, sightings: 0, channels: new Map(),
        observed: new Set(), names: new Set(), dsts: new Set(), ports: new Set(), protos: new Set(), uids: [], factor: 0, factorWhy: '', hows: new Set(), pdns: new Map(), lastRecord: undefined,
      };
      this.aggs.set(key, a);
    }
    a.entries.add(i);
    this.changed.add(a);
    return a;
  }

  private sight(a: Agg, rec: object, ts: number, end: number, channel: Channel, uid: string | undefined, factor: number, why: string): void {
    if (factor > a.factor) { a.factor = factor; a.factorWhy = why; }
    if (a.lastRecord === rec) return;
    a.lastRecord = rec;
    a.sightings++;
    if (ts < a.first) a.first = ts;
    if (end > a.last) a.last = end;
    a.channels.set(channel, (a.channels.get(channel) ?? 0) + 1);
    if (uid && a.uids.length < SAMPLE_UIDS && !a.uids.includes(uid)) a.uids.push(uid);
  }

  private howFactor(m: Match): number {
    const s = this.settings;
    return m.how === 'parent_domain' ? s.parentDomainFactor : m.how === 'url_without_query' ? s.urlWithoutQueryFactor : 1;
  }

  private static howWhy(m: Match): string {
    return m.how === 'parent_domain' ? 'a name under the listed domain' : m.how === 'url_without_query' ? 'the listed URL has no query' : '';
  }

  private observe(a: Agg, v: string): void {
    if (a.observed.size < this.settings.maxObserved) a.observed.add(v);
  }

  /** Sight the matches of one record (`matchRecord(index, kind, rec)`, computed when not given). */
  add<K extends RecordKind>(kind: K, rec: RecordMap[K], matches: readonly Match[] = matchRecord(this.index, kind, rec)): void {
    if (matches.length === 0) return;
    const s = this.settings;
    switch (kind) {
      case 'conn': {
        const c = rec as RecordMap['conn'];
        for (const m of matches) {
          const inbound = m.field === 'orig_h';
          const a = this.agg(inbound ? c.resp_h : c.orig_h, m.indicator);
          const portOk = m.indicator.port === undefined || (inbound ? c.orig_p : c.resp_p) === m.indicator.port;
          this.sight(a, c, c.ts, c.ts + c.duration, CHANNEL_OF[m.field], c.uid, (inbound ? s.inboundOnlyFactor : 1) * (portOk ? 1 : s.portMismatchFactor),
            [inbound ? 'the listed address only connected in' : '', portOk ? '' : 'not on the listed port'].filter(Boolean).join(', '));
          a.hows.add(m.how);
          this.observe(a, m.observed);
          a.dsts.add(inbound ? c.orig_h : c.resp_h);
          a.ports.add(c.resp_p);
          a.protos.add(c.proto);
        }
        break;
      }
      case 'dns': {
        const d = rec as RecordMap['dns'];
        for (const m of matches) {
          const a = this.agg(d.orig_h, m.indicator);
          this.sight(a, d, d.ts, d.ts, CHANNEL_OF[m.field], d.uid, this.howFactor(m), IntelAggregator.howWhy(m));
          a.hows.add(m.how);
          this.observe(a, m.observed);
          if (m.field === 'answer') a.names.add(d.query);
        }
        break;
      }
      case 'tls':
      case 'http': {
        const t = rec as RecordMap['tls'] | RecordMap['http'];
        for (const m of matches) {
          const a = this.agg(t.orig_h, m.indicator);
          this.sight(a, t, t.ts, t.ts, CHANNEL_OF[m.field], t.uid, this.howFactor(m), IntelAggregator.howWhy(m));
          a.hows.add(m.how);
          this.observe(a, m.observed);
          a.dsts.add(t.resp_h);
          a.ports.add(t.resp_p);
        }
        break;
      }
      default:
        break;
    }
  }

  /**
   * Passive DNS: connections to addresses that listed domains resolved to are sightings of those
   * domains. Addresses with more than `pdnsMaxNamesPerIp` names are left out, and so are
   * connections that announced a name (judged by their TLS/HTTP record instead).
   */
  addThroughPdns(view: PdnsView): void {
    if (!this.index.hasDomains) return;
    const s = this.settings;
    // Per address: the listed domains behind it (cached), or none.
    const byIp = new Map<string, { names: string[]; matches: Match[] } | null>();
    const lookup = (ip: string) => {
      let r = byIp.get(ip);
      if (r === undefined) {
        const names = view.namesOf(ip);
        r = null;
        if (names.length > 0 && names.length <= s.pdnsMaxNamesPerIp) {
          const ms: Match[] = [];
          const ns: string[] = [];
          for (const n of names) {
            const got = matchName(this.index, n.fqdn, 'answer', -Infinity); // expiry is checked per connection below
            if (got !== undefined) { ms.push(...got); ns.push(n.fqdn); }
          }
          if (ms.length > 0) r = { names: ns, matches: ms };
        }
        byIp.set(ip, r);
      }
      return r;
    };
    for (const c of view.conns) {
      const r = lookup(c.resp_h);
      if (r === null) continue;
      // A connection that named a host: counted by its TLS/HTTP record when that name is listed, skipped when another.
      if (view.announced(c.uid) !== undefined) continue;
      for (const m of r.matches) {
        const i = m.indicator;
        if (i.expires !== undefined && c.ts > i.expires) continue;
        const a = this.agg(c.orig_h, i);
        const names = r.names.filter((n) => n === i.value || n.endsWith(`.${i.value}`));
        const isOwn = names.some((n) => view.ownLookup(c.orig_h, n, c.resp_h));
        let p = a.pdns.get(c.resp_h);
        if (p === undefined) a.pdns.set(c.resp_h, (p = { ip: c.resp_h, names: new Set(), conns: 0, ownLookup: false }));
        p.conns++;
        for (const n of names) p.names.add(n);
        if (isOwn) p.ownLookup = true;
        this.sight(a, c, c.ts, c.ts + c.duration, 'passive_dns', c.uid,
          isOwn ? (m.how === 'parent_domain' ? s.parentDomainFactor : 1) : s.pdnsOnlyFactor,
          isOwn ? (m.how === 'parent_domain' ? 'a name under the listed domain' : '') : "passive DNS only: the host's own lookup was not seen");
        a.hows.add(m.how);
        for (const n of names) this.observe(a, n);
        a.dsts.add(c.resp_h);
        a.ports.add(c.resp_p);
        a.protos.add(c.proto);
      }
    }
  }

  /** Every finding, ranked. `internal` names the other internal hosts in the evidence. */
  findings(internal: Networks): Finding[] {
    return this.build([...this.aggs.values()], internal);
  }

  /** The findings of the aggregates touched since the last call (or since the start), ranked. */
  takeChanged(internal: Networks): Finding[] {
    const out = this.build([...this.changed], internal);
    this.changed.clear();
    return out;
  }

  private build(which: readonly Agg[], internal: Networks): Finding[] {
    // Other hosts per indicator.
    const hostsOf = new Map<string, Set<string>>();
    for (const a of this.aggs.values()) {
      const k = `${a.type}\x1f${a.value}`;
      let h = hostsOf.get(k);
      if (h === undefined) hostsOf.set(k, (h = new Set()));
      h.add(a.host);
    }
    const out: Finding[] = [];
    for (const a of which) out.push(toFinding(a, internal, this.settings, hostsOf.get(`${a.type}\x1f${a.value}`)!));
    return out.sort(rankFindings);
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
  // Thousands separators by hand: toLocaleString costs ~20 ms on its first call (ICU), paid on the first file's commit.
  const digits = Number.isInteger(n) && n >= 0 ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : n.toLocaleString('en-US');
  return `${digits} ${n === 1 ? one : many}`;
}

function toFinding(a: Agg, internal: Networks, s: IntelMatchSettings, hosts: Set<string>): Finding {
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
  const others = [...hosts].filter((h) => h !== a.host && internal.contains(h)).sort();
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

