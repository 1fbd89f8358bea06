/**
 * C2 over DNS and DNS tunnels (iodine, dnscat2, dns2tcp and their kin): per source -> registered
 * domain, many distinct names whose subdomains are long and random, data-carrying query types,
 * and the bytes sent in the names.
 *
 * Gate: at least `tunnelMinUniqueNames` distinct names. Score = tunnelBaseScore + (1 - base) x
 * the weighted components (each 0..1):
 *   unique      distinct names, log scale from the gate to tunnelUniqueNamesFull;
 *   length      90th percentile of subdomain length between tunnelSubdomainLength{Low,High}
 *               characters (data-bearing names are long; polls in between are short);
 *   randomness  DGA score (lexical.ts) of the longest subdomain label of each name, averaged
 *               weighted by label length (sampled);
 *   types       share of TXT/NULL/CNAME/MX/ANY/private-use queries;
 *   volume      subdomain bytes sent, log scale between tunnelQueryBytes{Low,High}.
 * Modifiers: a domain that many internal hosts query (prevalence), and the catalogue of CDN,
 * cloud and DNS-lookup services, multiply the score and say so.
 * Names under a top-level label that cannot exist (dnscat2 without a domain sends
 * `dnscat.<hex>.<hex>`) have no registered domain: they are grouped per source -> resolver.
 */
import type { DnsRecord } from '../../records/schema.js';
import { SAMPLE_UIDS, findingId, fmtDuration, severityOf, type Finding } from '../finding.js';
import { isDataQtype, logRamp, r3, ramp } from './common.js';
import type { DnsContext } from './context.js';
import { labelScore } from './lexical.js';
import { catalogueEntry } from './settings.js';
import { PairIds } from '../intern.js';

interface Group {
  src: string;
  /** Registered domain, or undefined for names under an impossible TLD. */
  domain?: string;
  resolver?: string;
  queries: number;
  /** Distinct names -> subdomain length. */
  names: Map<string, number>;
  truncated: boolean;
  dataQueries: number;
  qtypes: Map<string, number>;
  /** Characters of the subdomains of every query (the bytes a tunnel sends up). */
  queryBytes: number;
  /** Characters of the answers (an upper bound of the bytes a tunnel sends down). */
  answerBytes: number;
  nx: number;
  answered: number;
  first: number;
  last: number;
  resolvers: Set<string>;
  ports: Set<number>;
  protos: Set<string>;
  uids: Set<string>;
}

/** Longest label of a subdomain (labels split on unescaped dots). */
function longestLabel(sub: string): string {
  let best = '', cur = '';
  for (let i = 0; i < sub.length; i++) {
    const c = sub[i]!;
    if (c === '\\' && i + 1 < sub.length) { cur += c + sub[i + 1]; i++; continue; }
    if (c === '.') { if (cur.length > best.length) best = cur; cur = ''; continue; }
    cur += c;
  }
  return cur.length > best.length ? cur : best;
}

/** Tunnels and C2 over DNS, one finding per source -> registered domain (see the file comment). */
export function detectTunnels(ctx: DnsContext): Finding[] {
  const { s, parts, records, srcId, nameId, regId } = ctx;
  const n = records.length;
  // A group key per record: (source, registered domain), or (source, resolver) for names under an
  // impossible TLD; dense ids in order of first appearance, -1 for no group. Integer pairs, no
  // key strings (at 700 k records the string keys were most of this detector's time).
  const resolvers = new Map<string, number>();
  const keys = new PairIds();
  const key = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const p = parts[i]!;
    if (p.invalidTld) {
      const r = records[i]!.resp_h;
      let rid = resolvers.get(r);
      if (rid === undefined) resolvers.set(r, (rid = resolvers.size));
      key[i] = keys.id(srcId[i]!, 2 * rid + 1);
    } else key[i] = regId[i]! < 0 ? -1 : keys.id(srcId[i]!, 2 * regId[i]!);
  }
  // Pass 1, cheap: distinct names per key (the gate).
  const distinct = new Int32Array(keys.size);
  const seen = new PairIds();
  for (let i = 0; i < n; i++) {
    const k = key[i]!;
    if (k < 0 || distinct[k]! >= s.tunnelMinUniqueNames) continue;
    const before = seen.size;
    seen.id(k, nameId[i]!);
    if (seen.size !== before) distinct[k]++;
  }
  // Pass 2: full statistics for the keys that pass the gate only, groups in order of their first record.
  const group: (Group | undefined)[] = new Array(keys.size);
  const groups: Group[] = [];
  for (let i = 0; i < n; i++) {
    const k = key[i]!;
    if (k < 0 || distinct[k]! < s.tunnelMinUniqueNames) continue;
    const d = records[i]!, p = parts[i]!;
    let g = group[k];
    if (g === undefined) {
      g = {
        src: d.orig_h, queries: 0, names: new Map(), truncated: false, dataQueries: 0, qtypes: new Map(),
        queryBytes: 0, answerBytes: 0, nx: 0, answered: 0, first: d.ts, last: d.ts,
        resolvers: new Set(), ports: new Set(), protos: new Set(), uids: new Set(),
      };
      if (!p.invalidTld) g.domain = p.registered; else g.resolver = d.resp_h;
      group[k] = g;
      groups.push(g);
    }
    add(g, d, p.name, p.subdomain.length, s.tunnelMaxTrackedNames);
  }

  const out: Finding[] = [];
  for (const g of groups) {
    const f = judge(ctx, g);
    if (f !== undefined) out.push(f);
  }
  return out;
}

function add(g: Group, d: DnsRecord, name: string, subLen: number, maxNames: number): void {
  g.queries++;
  if (!g.names.has(name)) {
    if (g.names.size < maxNames) g.names.set(name, subLen); else g.truncated = true;
  }
  const qt = d.qtype_name ?? (d.qtype !== undefined ? `TYPE${d.qtype}` : '?');
  g.qtypes.set(qt, (g.qtypes.get(qt) ?? 0) + 1);
  if (isDataQtype(d)) g.dataQueries++;
  g.queryBytes += subLen;
  for (const a of d.answers) g.answerBytes += a.length;
  if (d.rcode !== undefined) { g.answered++; if (d.rcode === 3) g.nx++; }
  if (d.ts < g.first) g.first = d.ts;
  if (d.ts > g.last) g.last = d.ts;
  g.resolvers.add(d.resp_h);
  g.ports.add(d.resp_p);
  g.protos.add(d.proto);
  if (g.uids.size < SAMPLE_UIDS) g.uids.add(d.uid);
}

function judge(ctx: DnsContext, g: Group): Finding | undefined {
  const { s } = ctx;
  const unique = g.names.size;
  let lenSum = 0, maxLabel = 0;
  let rndSum = 0, rndWeight = 0, rndN = 0;
  const lens: number[] = [];
  const firstLabels = new Map<string, number>();
  for (const [name, subLen] of g.names) {
    // Names under an impossible TLD have no registered part: judge the whole name.
    const sub = g.domain !== undefined ? name.slice(0, subLen) : name;
    lenSum += sub.length;
    lens.push(sub.length);
    const longest = longestLabel(sub);
    if (longest.length > maxLabel) maxLabel = longest.length;
    // Weighted by length: the long names carry the data; short polls ("paeachaa") look tame.
    if (rndN < s.tunnelRandomnessSample) { rndSum += labelScore(longest) * longest.length; rndWeight += longest.length; rndN++; }
    const first = sub.split('.', 1)[0]!;
    firstLabels.set(first, (firstLabels.get(first) ?? 0) + 1);
  }
  const meanLen = lenSum / unique;
  lens.sort((a, b) => a - b);
  const p90Len = lens[Math.min(lens.length - 1, Math.floor(lens.length * 0.9))]!;
  const randomness = rndWeight > 0 ? rndSum / rndWeight : 0;
  const dataShare = g.dataQueries / g.queries;
  const queryBytes = g.domain !== undefined ? g.queryBytes : lenSum; // impossible TLD: the whole name is payload
  const c = {
    unique: logRamp(unique, s.tunnelMinUniqueNames, s.tunnelUniqueNamesFull),
    length: ramp(p90Len, s.tunnelSubdomainLengthLow, s.tunnelSubdomainLengthHigh),
    randomness,
    types: ramp(dataShare, s.tunnelDataTypeShareLow, s.tunnelDataTypeShareHigh),
    volume: logRamp(queryBytes, s.tunnelQueryBytesLow, s.tunnelQueryBytesHigh),
  };
  const w = s.tunnelWeights;
  const raw = w.unique * c.unique + w.length * c.length + w.randomness * c.randomness + w.types * c.types + w.volume * c.volume;
  let score = s.tunnelBaseScore + (1 - s.tunnelBaseScore) * raw;
  const span = g.last - g.first;
  const where = g.domain ?? `names under non-existent top-level domains via resolver ${g.resolver}`;
  const typeList = [...g.qtypes].sort((a, b) => b[1] - a[1]);
  const reasons = [
    `${unique}${g.truncated ? '+' : ''} distinct names under ${where} from ${g.src} (${g.queries} queries in ${fmtDuration(span)})`,
    `subdomains average ${meanLen.toFixed(1)} characters, 90th percentile ${p90Len}, longest label ${maxLabel}; randomness ${randomness.toFixed(2)} (0 English-like .. 1 random)`,
    `query types: ${typeList.map(([t, n]) => `${t} ${n}`).join(', ')} (${(dataShare * 100).toFixed(0)}% data-carrying)`,
    `${(queryBytes / 1000).toFixed(1)} kB sent in names, ${(g.answerBytes / 1000).toFixed(1)} kB of answers`,
  ];
  const [topFirst, topFirstN] = [...firstLabels].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  const commonFirst = topFirstN / unique >= 0.5 && unique > 1 ? topFirst : undefined;
  if (commonFirst !== undefined) reasons.push(`${((topFirstN / unique) * 100).toFixed(0)}% of the names start with "${commonFirst}."`);

  const modifiers: Record<string, number | string> = {};
  const queriers = g.domain !== undefined ? ctx.queriersOf(g.domain) : 1;
  const prevalence = queriers / ctx.nHosts;
  if (g.domain !== undefined && ctx.nHosts >= s.prevalenceMinHosts && prevalence > s.prevalentShare) {
    score *= s.prevalenceFactor;
    modifiers['prevalence'] = s.prevalenceFactor;
    reasons.push(`${queriers} of ${ctx.nHosts} internal hosts query ${g.domain}: common domain, score x${s.prevalenceFactor}`);
  }
  const cat = catalogueEntry(g.domain);
  if (cat !== undefined) {
    score *= s.catalogueFactor;
    modifiers['catalogue'] = `${cat.what} (${cat.kind})`;
    reasons.push(`${g.domain} is ${cat.what}, a service with many unique names by design: score x${s.catalogueFactor}`);
  }
  if (score < s.minScore) return undefined;

  const exfil = queryBytes >= s.tunnelExfilBytes;
  if (exfil) reasons.push(`${(queryBytes / 1000).toFixed(0)} kB sent upstream in names: exfiltration-like volume (>= ${(s.tunnelExfilBytes / 1000).toFixed(0)} kB)`);
  const resolvers = [...g.resolvers];
  const protos = [...g.protos];
  const f: Finding = {
    id: findingId('dns', 'tunnel', g.src, g.domain ?? `*@${g.resolver}`),
    detector: 'dns', kind: 'tunnel',
    title: `${g.src} tunnels through DNS: ${unique}${g.truncated ? '+' : ''} unique names under ${g.domain ?? 'non-existent TLDs'}, `
      + `mean ${meanLen.toFixed(0)} chars, ${(queryBytes / 1000).toFixed(1)} kB sent in ${fmtDuration(span)}`,
    src: g.src,
    first: g.first, last: g.last,
    score: r3(score), severity: severityOf(score),
    evidence: {
      unique_names: unique, names_truncated: g.truncated, queries: g.queries,
      mean_subdomain_len: r3(meanLen), p90_subdomain_len: p90Len, max_label_len: maxLabel, randomness: r3(randomness),
      data_type_share: r3(dataShare), qtypes: Object.fromEntries(typeList),
      query_bytes: queryBytes, answer_bytes: g.answerBytes, span_s: r3(span),
      queries_per_min: r3(span > 0 ? (g.queries / span) * 60 : g.queries),
      nxdomain: g.nx, answered: g.answered, resolvers,
      common_first_label: commonFirst ?? null,
      components: Object.fromEntries(Object.entries(c).map(([k, v]) => [k, r3(v)])), weights: { ...w },
      raw_score: r3(s.tunnelBaseScore + (1 - s.tunnelBaseScore) * raw),
      queriers, prevalence: r3(prevalence), modifiers,
      sample_names: [...g.names.keys()].slice(0, s.sampleNames),
      thresholds: { min_unique_names: s.tunnelMinUniqueNames, exfil_bytes: s.tunnelExfilBytes },
    },
    reasons,
    uids: [...g.uids],
    attack: exfil ? ['T1071.004', 'T1048'] : ['T1071.004'],
  };
  if (g.domain !== undefined) f.fqdn = g.domain;
  if (resolvers.length === 1) f.dst = resolvers[0]; else f.dsts = resolvers;
  if (g.ports.size === 1) f.port = [...g.ports][0];
  if (protos.length === 1) f.proto = protos[0];
  return f;
}
