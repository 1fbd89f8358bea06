/**
 * DGA-like names: a host that looks up many registered domains whose owner label looks
 * machine-made (lexical.ts), most of which do not exist, is running a domain generation
 * algorithm. One odd name is not a signal; `dgaMinNames` distinct ones are.
 *
 * Gate: at least `dgaMinNames` distinct DGA-like registered domains (label score >=
 * dgaNameThreshold) from one source. Score = dgaBaseScore + weighted components:
 *   count    distinct DGA-like domains, log scale from the gate to dgaNamesFull;
 *   nx       share of them answered NXDOMAIN (of those answered), between dgaNxShare{Low,High};
 *   share    share of all the source's registered domains that are DGA-like, between
 *            dgaShare{Low,High} (a day of browsing meets a few odd names among thousands;
 *            a bot's lookups are mostly generated);
 *   lexical  mean label score, from the threshold to 1.
 * The count, share and lexical components count only as far as the names do not exist (the nx
 * component): random-looking names that resolve are mostly advertising and tracking domains,
 * so without NXDOMAIN answers the score stays at dgaBaseScore, under the reporting minimum.
 * Names that all get the same address (a wildcard, a resolver that rewrites NXDOMAIN, a
 * sinkhole) count as non-existent (SHARED_ANSWER_MIN_NAMES and SHARED_ANSWER_MIN_SHARE).
 * The domains that did resolve are the likely C&C: they are listed with their addresses.
 * Domains are registered domains under ICANN rules: below a private suffix (`cloudfront.net`,
 * `s3.amazonaws.com`) the label is the provider's id, not a registrant's choice. DGAs on
 * dynamic-DNS providers are therefore judged by the provider's label and missed here (the
 * NXDOMAIN burst detector still sees them).
 */
import { SAMPLE_UIDS, findingId, fmtDuration, severityOf, type Finding } from '../finding.js';
import { logRamp, r3, ramp } from './common.js';
import type { DnsContext } from './context.js';
import { PairIds } from '../intern.js';

interface Domain {
  name: string;
  score: number;
  nx: boolean;
  noerror: boolean;
  addresses: Set<string>;
  first: number;
}

interface Host {
  /** Source id (DnsContext.srcId). */
  id: number;
  src: string;
  domains: Map<string, Domain>;
  first: number;
  last: number;
  resolvers: Set<string>;
  uids: Set<string>;
}

/**
 * Generated names sharing one answer address before that address counts as a wildcard, an
 * NXDOMAIN-rewriting resolver or a sinkhole: at least this many names, and at least this share of
 * the answered ones (an operator pointing the day's one registered name at the same C&C every
 * day makes a few names share an address, not a quarter of them).
 */
const SHARED_ANSWER_MIN_NAMES = 3;
const SHARED_ANSWER_MIN_SHARE = 0.25;

const ADDRESS = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)$/i;

/** DGA-like look-ups, one finding per source at most (see the file comment). */
export function detectDga(ctx: DnsContext): Finding[] {
  const { s, parts, srcId, queryId, queries } = ctx;
  // Per distinct query: 1 + the id of its ICANN registered domain (0: not judged), and its owner's
  // score (NaN until asked); per source: its host (in order of the first DGA-like look-up) and the
  // number of distinct registered domains it looked up (distinct (source, domain) pairs).
  const regOfQuery = new Int32Array(queries.length);
  const scoreOfQuery = new Float64Array(queries.length).fill(NaN);
  const regIds = new Map<string, number>();
  for (let q = 0; q < queries.length; q++) {
    const p = queries[q]!;
    if (p.invalidTld || p.icannOwner === undefined || p.icannRegistered === undefined) continue;
    let id = regIds.get(p.icannRegistered);
    if (id === undefined) regIds.set(p.icannRegistered, (id = regIds.size));
    regOfQuery[q] = id + 1;
  }
  const hostOf: (Host | undefined)[] = [];
  const hosts: Host[] = [];
  const allCount = new Int32Array(ctx.strs.size);
  const pairs = new PairIds();
  for (let i = 0; i < ctx.records.length; i++) {
    const q = queryId[i]!;
    const r = regOfQuery[q]!;
    if (r === 0) continue;
    const src = srcId[i]!;
    const before = pairs.size;
    pairs.id(src, r - 1);
    if (pairs.size !== before) allCount[src]++;
    let score = scoreOfQuery[q]!;
    if (Number.isNaN(score)) scoreOfQuery[q] = score = ctx.ownerScore(queries[q]!);
    if (score < s.dgaNameThreshold) continue;
    const d = ctx.records[i]!, p = parts[i]!;
    const reg = p.icannRegistered!;
    let h = hostOf[src];
    if (h === undefined) { hostOf[src] = h = { id: src, src: d.orig_h, domains: new Map(), first: d.ts, last: d.ts, resolvers: new Set(), uids: new Set() }; hosts.push(h); }
    let dom = h.domains.get(reg);
    if (dom === undefined) h.domains.set(reg, (dom = { name: reg, score, nx: false, noerror: false, addresses: new Set(), first: d.ts }));
    if (d.rcode === 3) dom.nx = true;
    if (d.rcode === 0) {
      dom.noerror = true;
      for (const a of d.answers) if (ADDRESS.test(a) && dom.addresses.size < 8) dom.addresses.add(a);
    }
    if (d.ts < h.first) h.first = d.ts;
    if (d.ts > h.last) h.last = d.ts;
    h.resolvers.add(d.resp_h);
    if (h.uids.size < SAMPLE_UIDS) h.uids.add(d.uid);
  }

  const out: Finding[] = [];
  for (const h of hosts) {
    const n = h.domains.size;
    if (n < s.dgaMinNames) continue;
    const doms = [...h.domains.values()];
    const nx = doms.filter((x) => x.nx && !x.noerror).length;
    const answered = doms.filter((x) => x.nx || x.noerror).length;
    // One address answered for several generated names: a wildcard, an NXDOMAIN-rewriting
    // resolver or a sinkhole. Those names do not exist either.
    const perAddr = new Map<string, number>();
    for (const x of doms) for (const a of x.addresses) perAddr.set(a, (perAddr.get(a) ?? 0) + 1);
    const sharedMin = Math.max(SHARED_ANSWER_MIN_NAMES, SHARED_ANSWER_MIN_SHARE * answered);
    const shared = doms.filter((x) => !x.nx && x.addresses.size > 0 && [...x.addresses].every((a) => perAddr.get(a)! >= sharedMin));
    const sharedAddrs = [...perAddr].filter(([, k]) => k >= sharedMin).map(([a]) => a);
    const resolved = doms.filter((x) => x.addresses.size > 0 && !shared.includes(x));
    const nxShare = answered > 0 ? nx / answered : 0;
    const goneShare = answered > 0 ? (nx + shared.length) / answered : 0;
    const meanScore = doms.reduce((a, x) => a + x.score, 0) / n;
    const total = allCount[h.id]!;
    const share = n / total;
    const c = {
      count: logRamp(n, s.dgaMinNames, s.dgaNamesFull),
      nx: ramp(goneShare, s.dgaNxShareLow, s.dgaNxShareHigh),
      share: ramp(share, s.dgaShareLow, s.dgaShareHigh),
      lexical: ramp(meanScore, s.dgaNameThreshold, 1),
    };
    const w = s.dgaWeights;
    // The other components grade a host only as far as its names do not exist.
    const score = Math.min(1, s.dgaBaseScore + w.nx * c.nx + c.nx * (w.count * c.count + w.share * c.share + w.lexical * c.lexical));
    if (score < s.minScore) continue;
    const span = h.last - h.first;
    const sample = doms.sort((a, b) => b.score - a.score || a.first - b.first).slice(0, s.sampleNames);
    const reasons = [
      `${h.src} looked up ${n} distinct DGA-like domains in ${fmtDuration(span)} (label score >= ${s.dgaNameThreshold}, mean ${meanScore.toFixed(2)})`,
      `${nx} of ${answered} answered were NXDOMAIN (${(nxShare * 100).toFixed(0)}%)`
        + (shared.length > 0 ? `; ${shared.length} more got a shared answer (${sharedAddrs.slice(0, 3).join(', ')}: wildcard, NXDOMAIN rewriting or sinkhole)` : ''),
      `${(share * 100).toFixed(0)}% of the ${total} registered domains it looked up are DGA-like`,
      `e.g. ${sample.slice(0, 4).map((x) => `${x.name} (${x.score.toFixed(2)})`).join(', ')}`,
    ];
    if (resolved.length > 0) {
      reasons.push(`${resolved.length} resolved, likely C&C: ${resolved.slice(0, 4).map((x) => `${x.name} -> ${[...x.addresses].join(', ')}`).join('; ')}`);
    }
    const addrs = [...new Set(resolved.flatMap((x) => [...x.addresses]))];
    const f: Finding = {
      id: findingId('dns', 'dga', h.src),
      detector: 'dns', kind: 'dga',
      title: `${h.src} looked up ${n} DGA-like domains, ${(nxShare * 100).toFixed(0)}% NXDOMAIN, in ${fmtDuration(span)}`
        + (resolved.length > 0 ? `; ${resolved.length} resolved (${resolved[0]!.name})` : ''),
      src: h.src, first: h.first, last: h.last,
      score: r3(score), severity: severityOf(score),
      evidence: {
        dga_domains: n, all_domains: total, dga_share: r3(share), nxdomain: nx, answered, nx_share: r3(nxShare),
        shared_answer_domains: shared.length, shared_answers: sharedAddrs.slice(0, 10), mean_label_score: r3(meanScore),
        resolved: resolved.slice(0, 20).map((x) => ({ domain: x.name, addresses: [...x.addresses] })),
        span_s: r3(span), resolvers: [...h.resolvers],
        sample: sample.map((x) => ({ domain: x.name, score: r3(x.score), nxdomain: x.nx && !x.noerror })),
        components: Object.fromEntries(Object.entries(c).map(([k, v]) => [k, r3(v)])), weights: { ...w },
        thresholds: { name_score: s.dgaNameThreshold, min_names: s.dgaMinNames },
      },
      reasons,
      uids: [...h.uids],
      attack: ['T1568.002'],
    };
    if (addrs.length === 1) f.dst = addrs[0]; else if (addrs.length > 1) f.dsts = addrs.slice(0, 20);
    if (resolved.length === 1) f.fqdn = resolved[0]!.name;
    out.push(f);
  }
  return out;
}
