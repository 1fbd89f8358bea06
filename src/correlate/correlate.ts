/**
 * Correlation: findings chained into incidents, per source host and per remote endpoint, across
 * detectors (beacon, long_conn, scan, mining, dns, intel), each with a verdict from
 * `VERDICT_RULES` and a narrative of its evidence. This is the analyst's chain of the article
 * (alert -> history -> behaviour -> verdict -> what to do) done automatically.
 */
import { connsFrom, type Dataset } from '../detect/dataset.js';
import type { ConnRecord } from '../records/schema.js';
import { Networks } from '../detect/networks.js';
import { rankFindings } from '../detect/finding.js';
import { benignOf, describeEndpoint, findingEndpoints, sameEndpoint, wellKnownOf } from './endpoints.js';
import { incidentId, MAX_TARGETS, rankIncidents, type CorrelatedFinding, type Incident, type IncidentLink, type Verdict } from './incident.js';
import { BENIGN_RULE, CORRELATE_DEFAULTS, isControlChannel, VERDICT_RULES, type Chain, type CorrelateSettings, type Item, type NetworkView, type RuleMatch } from './rules.js';
import { buildHistory, narrate, type History } from './narrative.js';

export interface CorrelateOptions extends Partial<CorrelateSettings> {
  /** Internal networks when no dataset is given (the dataset's own are used otherwise). */
  internal?: Networks;
}

/** Most targets of one scan looked at for propagation chains (the dataset can hold a /16 sweep). */
export const MAX_CHAIN_TARGETS = 65_536;

/**
 * Chain findings into incidents. `ds` (optional: the store will answer the same questions later)
 * gives passive DNS, who else talked to an endpoint, and scan targets beyond the finding's sample.
 * Returns incidents ranked: most severe verdict first, then score.
 */
export function correlate(findings: readonly CorrelatedFinding[], ds?: Dataset, opts: CorrelateOptions = {}): Incident[] {
  const { internal: nets, ...tunables } = opts;
  const settings: CorrelateSettings = { ...CORRELATE_DEFAULTS, ...tunables };
  const internal = ds?.internal ?? nets ?? new Networks();
  const items: Item[] = findings.map((f) => {
    const ep = findingEndpoints(f, ds);
    const it: Item = { f, ep, internalSrc: internal.contains(f.src), intel: [] };
    const b = benignOf(f, ep);
    if (b !== undefined) it.benign = b;
    const w = f.detector === 'beacon' ? wellKnownOf(ep) : undefined;
    if (w !== undefined) it.wellKnown = w;
    return it;
  });
  linkIntel(items);
  // Intelligence outranks a catalogue: a listed endpoint is never explained away as benign.
  for (const it of items) if (it.intel.length > 0) { delete it.benign; delete it.wellKnown; }

  const active = items.filter((i) => i.benign === undefined);
  const net = networkView(active, ds, settings);
  const history = buildHistory(ds);
  const out: Incident[] = [];
  // Narratives are told last, once every link between incidents is known.
  const tell = new Map<Incident, () => string[]>();
  const add = ([inc, story]: Built) => { out.push(inc); tell.set(inc, story); return inc; };

  // Host incidents.
  const byHost = groupBy(active, (i) => i.f.src);
  const hostIncidents = new Map<string, Incident>();
  for (const [host, its] of byHost) hostIncidents.set(host, add(build('host', host, host, its, net, settings, history)));

  // Endpoint incidents (the botnet view): one endpoint, two or more source hosts.
  const byEndpoint = groupBy(active.filter((i) => i.f.detector !== 'scan' && i.ep.primary !== undefined), (i) => i.ep.primary!);
  for (const [ep, its] of byEndpoint) {
    const hosts = new Set(its.map((i) => i.f.src));
    if (hosts.size < 2) continue;
    const inEp = new Set(its);
    const intel = [...new Set(its.flatMap((x) => x.intel))].filter((i) => !inEp.has(i));
    const inc = add(build('endpoint', ep, null, [...its, ...intel], net, settings, history));
    for (const h of hosts) {
      const hi = hostIncidents.get(h);
      if (hi !== undefined) addLink(hi, { id: inc.id, why: `${hosts.size} hosts have findings to ${ep} (the botnet view)` });
      addLink(inc, { id: incidentId('host', h), why: `${h}'s incident` });
    }
  }

  // Service incidents: benign catalogue findings grouped by service, informational.
  const byService = groupBy(items.filter((i) => i.benign !== undefined), (i) => i.benign!.key);
  for (const [key, its] of byService) add(buildService(key, its, history));

  // Keep only links to incidents that exist.
  const ids = new Set(out.map((i) => i.id));
  for (const inc of out) {
    inc.related = inc.related.filter((l) => ids.has(l.id) && l.id !== inc.id);
    inc.narrative = tell.get(inc)!();
  }
  return out.sort(rankIncidents);
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const a = m.get(k);
    if (a === undefined) m.set(k, [x]); else a.push(x);
  }
  return m;
}

/** Most links kept on one incident. */
export const MAX_LINKS = 20;

function addLink(inc: Incident, l: IncidentLink): void {
  if (inc.related.length < MAX_LINKS && !inc.related.some((r) => r.id === l.id)) inc.related.push(l);
}

/** Attach to every non-intel finding the intel findings on the same endpoint (address, or domain and its subdomains). */
function linkIntel(items: Item[]): void {
  const intel = items.filter((i) => i.f.detector === 'intel');
  if (intel.length === 0) return;
  const byIp = new Map<string, Item[]>();
  const byDomain = new Map<string, Item[]>();
  for (const i of intel) {
    for (const ip of i.ep.ips) (byIp.get(ip) ?? byIp.set(ip, []).get(ip)!).push(i);
    for (const d of i.ep.domains) (byDomain.get(d) ?? byDomain.set(d, []).get(d)!).push(i);
  }
  for (const it of items) {
    if (it.f.detector === 'intel' || it.f.detector === 'scan') continue;
    const found = new Set<Item>();
    for (const ip of it.ep.ips) for (const i of byIp.get(ip) ?? []) found.add(i);
    for (const d of it.ep.domains) {
      // Walk up the name: an intel entry for example.com covers a.b.example.com.
      const labels = d.split('.');
      for (let k = 0; k < labels.length - 1; k++) for (const i of byDomain.get(labels.slice(k).join('.')) ?? []) found.add(i);
    }
    it.intel = [...found];
  }
}

/** What the whole network shows, for the cross-host rules. */
function networkView(active: Item[], ds: Dataset | undefined, s: CorrelateSettings): NetworkView {
  const miners = active.filter((i) => i.f.detector === 'mining');
  const controlChannels = active.filter((i) => isControlChannel(i, miners, s));
  for (const i of controlChannels) i.control = true;
  const beaconHostsByEndpoint = new Map<string, Set<string>>();
  for (const i of controlChannels) {
    if (i.ep.primary === undefined) continue;
    (beaconHostsByEndpoint.get(i.ep.primary) ?? beaconHostsByEndpoint.set(i.ep.primary, new Set()).get(i.ep.primary)!).add(i.f.src);
  }
  const chains: Chain[] = [];
  const weak: NetworkView['scannedThenBeacons'] = [];
  const beaconsBySrc = groupBy(active.filter((i) => i.f.detector === 'beacon' && i.wellKnown === undefined), (i) => i.f.src);
  const calls = groupBy(active.filter((i) => i.f.detector === 'beacon' || i.f.detector === 'intel'), (i) => i.f.src);
  const scans = active.filter((i) => i.f.detector === 'scan' && i.internalSrc);
  const connsBySrc = ds !== undefined && scans.length > 0 ? connsFrom(ds, new Set(scans.map((i) => i.f.src))) : new Map<string, ConnRecord[]>();
  for (const scan of scans) {
    const reached = scanTargets(scan, ds !== undefined ? connsBySrc.get(scan.f.src) ?? [] : undefined);
    const own = calls.get(scan.f.src) ?? [];
    for (const [victim, at] of reached) {
      for (const b of beaconsBySrc.get(victim) ?? []) {
        if (b.f.first + s.chainSlackSec < at) continue;
        const same = own.find((o) => sameEndpoint(o.ep, b.ep));
        if (same !== undefined) chains.push({ scanner: scan.f.src, victim, reached: at, scan, scannerItem: same, victimBeacon: b });
        else weak.push({ scanner: scan.f.src, victim, reached: at, beacon: b });
      }
    }
  }
  return {
    controlChannels, miners, chains, scannedThenBeacons: weak, beaconHostsByEndpoint,
    controlByHost: groupBy(controlChannels, (i) => i.f.src), minersByHost: groupBy(miners, (i) => i.f.src),
  };
}

/** Hosts a scan reached and when it first did: from the scanner's connections when there are some, else the finding's sample of targets. */
function scanTargets(scan: Item, conns: readonly ConnRecord[] | undefined): Map<string, number> {
  const out = new Map<string, number>();
  const f = scan.f;
  if (conns !== undefined) {
    for (const c of conns) {
      if (c.ts < f.first || c.ts > f.last) continue;
      if (f.kind === 'horizontal' ? c.resp_p !== f.port || (f.proto !== undefined && c.proto !== f.proto) : c.resp_h !== f.dst) continue;
      if (!out.has(c.resp_h)) {
        out.set(c.resp_h, c.ts);
        if (out.size >= MAX_CHAIN_TARGETS) break;
      }
    }
    if (out.size > 0) return out;
  }
  for (const d of f.dsts ?? (f.dst !== undefined ? [f.dst] : [])) out.set(d, f.first);
  return out;
}

/** Noisy-OR of the strongest finding of each detector. */
function incidentScore(items: readonly Item[]): number {
  const best = new Map<string, number>();
  for (const i of items) best.set(i.f.detector, Math.max(best.get(i.f.detector) ?? 0, i.f.score));
  let miss = 1;
  for (const s of best.values()) miss *= 1 - Math.min(1, Math.max(0, s));
  return Number((1 - miss).toFixed(3));
}

function endpointsOf(items: readonly Item[]): Incident['endpoints'] {
  const ips = new Set<string>(), domains = new Set<string>(), ports = new Set<number>();
  for (const i of items) {
    for (const x of i.ep.ips) ips.add(x);
    for (const x of i.ep.domains) domains.add(x);
    for (const x of i.ep.ports) ports.add(x);
  }
  return { ips: [...ips], domains: [...domains], ports: [...ports] };
}

/** An incident and how to tell its story (once its links are final). */
type Built = [Incident, () => string[]];

function build(scope: 'host' | 'endpoint', key: string, host: string | null, its: Item[], net: NetworkView, settings: CorrelateSettings, history: History): Built {
  const set = new Set(its);
  const ctx = { host, items: its, has: (i: Item) => set.has(i), net, settings };
  const matches: { id: string; verdict: Verdict; m: RuleMatch }[] = [];
  for (const r of VERDICT_RULES) {
    const m = r.test(ctx);
    // `other` matches everything: listed only when it decides.
    if (m !== undefined && (r.id !== 'other' || matches.length === 0)) matches.push({ id: r.id, verdict: r.verdict, m });
  }
  const top = matches[0]!; // `other` matches any non-empty incident
  // Order: the deciding rule's findings, then the rest by rank.
  const decisive = [...new Set(top.m.items)].filter((i) => set.has(i));
  const first = new Set(decisive);
  const ordered = [...decisive, ...its.filter((i) => !first.has(i)).sort((a, b) => rankFindings(a.f, b.f))];
  const hosts = [...new Set(its.map((i) => i.f.src))].sort();
  const primary = ordered.filter((i) => i.f.detector !== 'scan');
  const endpoints = endpointsOf(primary.length > 0 ? primary : ordered);
  const scans = ordered.filter((i) => i.f.detector === 'scan');
  const family = [...its, ...its.flatMap((i) => i.intel)].map((i) => i.f.evidence['family']).find((x): x is string => typeof x === 'string' && x !== '');
  const inc: Incident = {
    id: incidentId(scope, key), scope, host, hosts, verdict: top.verdict, label: top.m.label, rules: matches.map((m) => m.id),
    score: incidentScore(its), headline: '', endpoints, findings: ordered.map((i) => i.f.id), narrative: [],
    attack: [...new Set(ordered.flatMap((i) => i.f.attack))].sort(),
    related: [],
    first: Math.min(...its.map((i) => i.f.first)), last: Math.max(...its.map((i) => i.f.last)),
  };
  if (family !== undefined) inc.family = family;
  if (scans.length > 0) {
    const t = new Set<string>();
    for (const s of scans) for (const d of s.f.dsts ?? (s.f.dst !== undefined ? [s.f.dst] : [])) if (t.size < MAX_TARGETS) t.add(d);
    inc.targets = [...t];
  }
  if (top.m.label === 'miner under C&C control' || top.m.label === 'cryptominer') if (!inc.attack.includes('T1496')) inc.attack.push('T1496');
  for (const m of matches) for (const l of m.m.links ?? []) addLink(inc, l);
  inc.headline = headline(inc, ordered);
  return [inc, () => narrate({ incident: inc, items: ordered, matches: matches.map((m) => ({ id: m.id, verdict: m.verdict, because: m.m.because })), net, history })];
}

function buildService(key: string, its: Item[], history: History): Built {
  const ordered = [...its].sort((a, b) => rankFindings(a.f, b.f));
  const hosts = [...new Set(its.map((i) => i.f.src))].sort();
  const what = its[0]!.benign!.what;
  const inc: Incident = {
    id: incidentId('service', key), scope: 'endpoint', host: hosts.length === 1 ? hosts[0]! : null, hosts,
    verdict: 'informational', label: `known benign service (${what})`, rules: [BENIGN_RULE.id], score: incidentScore(its), headline: '',
    endpoints: endpointsOf(ordered), findings: ordered.map((i) => i.f.id), narrative: [],
    attack: [...new Set(ordered.flatMap((i) => i.f.attack))].sort(), related: [],
    first: Math.min(...its.map((i) => i.f.first)), last: Math.max(...its.map((i) => i.f.last)),
  };
  inc.headline = headline(inc, ordered);
  const because = `${key} is in the catalogue of known benign periodic services (${what}); ${hosts.length} host(s) show it`;
  return [inc, () => narrate({ incident: inc, items: ordered, matches: [{ id: BENIGN_RULE.id, verdict: 'informational', because }], history })];
}

/** "CONFIRMED C&C channel: 10.1.1.64 -> fget-career.com (89.185.44.100:443) [Ramnit]" */
function headline(inc: Incident, items: readonly Item[]): string {
  const who = inc.host ?? (inc.hosts.length <= 3 ? inc.hosts.join(', ') : `${inc.hosts.length} hosts`);
  const wheres: string[] = [];
  const behaviour = items.filter((i) => i.f.detector !== 'intel');
  const named: Item[] = [];
  const shown = behaviour.length > 0 ? behaviour : items;
  const total = new Set(shown.map((i) => i.ep.primary ?? i.f.id)).size;
  for (const i of shown) {
    if (wheres.length > 3) break;
    // An endpoint already named (the pool's name lookup after its mining session) is not repeated.
    if (i.f.detector !== 'scan' && named.some((n) => sameEndpoint(n.ep, i.ep))) continue;
    named.push(i);
    let w: string;
    if (i.f.detector === 'scan') {
      const n = i.f.evidence['targets'];
      const c = typeof n === 'number' ? n : '?';
      const failed = i.f.evidence['failed_targets'];
      w = i.f.kind === 'horizontal' ? `${c} hosts on ${i.f.port ?? '?'}`
        : i.f.kind === 'icmp_sweep' ? `${c} hosts pinged`
          : i.f.kind === 'trw' ? `${typeof failed === 'number' ? failed : '?'} of ${c} hosts failed`
            : `${c} ports of ${i.f.dst ?? '?'}`;
    } else w = describeEndpoint(i);
    if (!wheres.includes(w)) wheres.push(w);
  }
  const more = Math.max(total, wheres.length) - Math.min(3, wheres.length);
  const where = wheres.slice(0, 3).join(', ') + (wheres.length > 3 && more > 0 ? `, +${more} more` : '');
  return `${inc.verdict.toUpperCase()} ${inc.label}: ${who}${where ? ` -> ${where}` : ''}${inc.family ? ` [${inc.family}]` : ''}`;
}
