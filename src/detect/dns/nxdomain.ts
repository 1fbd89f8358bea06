/**
 * NXDOMAIN bursts: a source whose answers, inside a sliding window of `nxWindowSeconds`, hold at
 * least `nxMinNames` distinct non-existent names and are more than `nxMinShare` NXDOMAIN. Bots
 * cycling through generated or stale C&C names do this; people and normal software do not.
 *
 * Counted: distinct names (one missing name asked again and again is a misconfiguration, e.g.
 * WPAD, not a bot cycling). Not counted: search-list artefacts (`www.example.com.corp.lan` when
 * the host also resolved `www.example.com`), and DNS-based lookup services from the catalogue
 * (blocklists answer NXDOMAIN for "not listed"). One finding per source: the window with the
 * most distinct NXDOMAIN names. Score = nxBaseScore + weighted components:
 *   count  distinct names in the window, log scale from nxMinNames to nxNamesFull;
 *   share  NXDOMAIN share in the window, from nxMinShare to 1;
 *   dga    share of those names whose owner label is DGA-like (lexical.ts).
 */
import type { DnsRecord } from '../../records/schema.js';
import { SAMPLE_UIDS, findingId, fmtDuration, severityOf, type Finding } from '../finding.js';
import { logRamp, r3, ramp } from './common.js';
import type { DnsContext } from './context.js';
import { catalogueEntry } from './settings.js';

/** Trailing labels tried when looking for the name a search-list query was made from. */
const SEARCH_SUFFIX_MAX_LABELS = 4;

interface Best {
  names: number;
  nxAnswers: number;
  answered: number;
  lo: number;
  hi: number;
}

/** NXDOMAIN bursts, one finding per source at most (see the file comment). */
export function detectNxBursts(ctx: DnsContext): Finding[] {
  const { s, names } = ctx;
  const out: Finding[] = [];
  // Answered look-ups per source (by source id), sources in order of their first answered one.
  const listOf: (number[] | undefined)[] = [];
  const bySrc: [string, number[]][] = [];
  for (let i = 0; i < ctx.records.length; i++) {
    if (ctx.records[i]!.rcode === undefined) continue;
    const id = ctx.srcId[i]!;
    let list = listOf[id];
    if (list === undefined) { listOf[id] = list = []; bySrc.push([ctx.strs.values[id]!, list]); }
    list.push(i);
  }
  for (const [src, idx] of bySrc) {
    if (idx.length < s.nxMinNames) continue;
    const resolved = new Set<string>();
    for (const i of idx) if (ctx.records[i]!.rcode === 0) resolved.add(ctx.parts[i]!.name);
    let artefacts = 0, lookups = 0, servfail = 0;
    const kept: DnsRecord[] = [];
    const nameOf: string[] = [];
    for (const i of idx) {
      const d = ctx.records[i]!, p = ctx.parts[i]!;
      if (d.rcode === 2) servfail++;
      if (d.rcode === 3 && catalogueEntry(p.name)?.kind === 'lookup') { lookups++; continue; }
      if (d.rcode === 3 && isSearchArtefact(p.labels, resolved)) { artefacts++; continue; }
      kept.push(d);
      nameOf.push(p.name);
    }
    const best = bestWindow(kept, nameOf, s.nxWindowSeconds, s.nxMinNames, s.nxMinShare);
    if (best === undefined) continue;

    // The window as the analyst sees it: from its first NXDOMAIN to its last.
    const winNx = new Map<string, DnsRecord>();
    let nxFirst = Infinity, nxLast = -Infinity;
    for (let i = best.lo; i <= best.hi; i++) {
      const d = kept[i]!;
      if (d.rcode !== 3) continue;
      if (!winNx.has(nameOf[i]!)) winNx.set(nameOf[i]!, d);
      if (d.ts < nxFirst) nxFirst = d.ts;
      if (d.ts > nxLast) nxLast = d.ts;
    }
    let dgaLike = 0;
    const regs = new Set<string>();
    for (const n of winNx.keys()) {
      const p = names.get(n);
      if (p.registered !== undefined) regs.add(p.registered);
      if (!p.invalidTld && ctx.ownerScore(p) >= s.dgaNameThreshold) dgaLike++;
    }
    const share = best.nxAnswers / best.answered;
    const dgaShare = dgaLike / best.names;
    const totalNx = kept.filter((d) => d.rcode === 3).length;
    const c = {
      count: logRamp(best.names, s.nxMinNames, s.nxNamesFull),
      share: ramp(share, s.nxMinShare, 1),
      dga: dgaShare,
    };
    const w = s.nxWeights;
    const score = Math.min(1, s.nxBaseScore + w.count * c.count + w.share * c.share + w.dga * c.dga);
    if (score < s.minScore) continue;
    const win = nxLast - nxFirst;
    const sample = [...winNx.keys()].slice(0, s.sampleNames);
    const reasons = [
      `${best.names} distinct NXDOMAIN names (${best.nxAnswers} answers) in ${fmtDuration(win)} `
        + `(window ${fmtDuration(s.nxWindowSeconds)}), ${(share * 100).toFixed(0)}% of ${best.answered} answers`,
      `under ${regs.size} registered domains; ${dgaLike} DGA-like; e.g. ${sample.slice(0, 4).join(', ')}`,
      `${totalNx} NXDOMAIN answers in all from ${src}`,
    ];
    if (artefacts > 0) reasons.push(`${artefacts} search-list NXDOMAINs not counted`);
    if (lookups > 0) reasons.push(`${lookups} DNS-based lookups (blocklists, reputation) not counted`);
    const uids = new Set<string>();
    for (const d of winNx.values()) { if (uids.size >= SAMPLE_UIDS) break; uids.add(d.uid); }
    const resolvers = [...new Set([...winNx.values()].map((d) => d.resp_h))];
    const f: Finding = {
      id: findingId('dns', 'nxdomain_burst', src),
      detector: 'dns', kind: 'nxdomain_burst',
      title: `${src} got NXDOMAIN for ${best.names} distinct names in ${fmtDuration(win)} (${(share * 100).toFixed(0)}% of its answers)`,
      src, first: nxFirst, last: nxLast,
      score: r3(score), severity: severityOf(score),
      evidence: {
        window_s: s.nxWindowSeconds, window_start: nxFirst, window_end: nxLast, burst_s: r3(win),
        nx_names: best.names, nx_answers: best.nxAnswers, answered: best.answered, nx_share: r3(share),
        registered_domains: regs.size, dga_like: dgaLike, total_nxdomain: totalNx,
        search_list_artefacts: artefacts, lookup_services: lookups, servfail, resolvers,
        sample_names: sample,
        components: Object.fromEntries(Object.entries(c).map(([k, v]) => [k, r3(v)])), weights: { ...w },
        thresholds: { min_names: s.nxMinNames, min_share: s.nxMinShare },
      },
      reasons,
      uids: [...uids],
      attack: ['T1568.002'],
    };
    if (resolvers.length === 1) f.dst = resolvers[0]; else f.dsts = resolvers;
    out.push(f);
  }
  return out;
}

/** Is this NXDOMAIN name another resolved name with a search domain appended? */
function isSearchArtefact(labels: string[], resolved: Set<string>): boolean {
  for (let k = 1; k <= SEARCH_SUFFIX_MAX_LABELS && labels.length - k >= 2; k++) {
    if (resolved.has(labels.slice(0, labels.length - k).join('.'))) return true;
  }
  return false;
}

/**
 * The window of at most `windowS` seconds with the most distinct NXDOMAIN names among those
 * that pass both gates (two pointers over time-ordered answers: O(n)).
 */
function bestWindow(recs: DnsRecord[], nameOf: string[], windowS: number, minNames: number, minShare: number): Best | undefined {
  const nxCount = new Map<string, number>();
  let lo = 0, nxAnswers = 0;
  let best: Best | undefined;
  for (let hi = 0; hi < recs.length; hi++) {
    const d = recs[hi]!;
    if (d.rcode === 3) { nxAnswers++; nxCount.set(nameOf[hi]!, (nxCount.get(nameOf[hi]!) ?? 0) + 1); }
    while (d.ts - recs[lo]!.ts > windowS) {
      const o = recs[lo]!;
      if (o.rcode === 3) {
        nxAnswers--;
        const n = nxCount.get(nameOf[lo]!)! - 1;
        if (n === 0) nxCount.delete(nameOf[lo]!); else nxCount.set(nameOf[lo]!, n);
      }
      lo++;
    }
    const answered = hi - lo + 1;
    if (nxCount.size >= minNames && nxAnswers / answered > minShare) {
      if (best === undefined || nxCount.size > best.names || (nxCount.size === best.names && nxAnswers / answered > best.nxAnswers / best.answered)) {
        best = { names: nxCount.size, nxAnswers, answered, lo, hi };
      }
    }
  }
  return best;
}
