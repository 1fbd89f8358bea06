/**
 * The verdict rules. An incident's verdict is the verdict of the FIRST rule in `VERDICT_RULES`
 * that matches its findings; every rule that matches is listed in `incident.rules`, and each says
 * why in the narrative. The table is the documentation: `c2hunt report` prints it.
 *
 * | rule                   | verdict       | when |
 * |------------------------|---------------|------|
 * | intel_and_behaviour    | confirmed     | threat intelligence lists an endpoint AND the host beacons, holds a long connection, mines or resolves suspiciously to that same endpoint (address, or domain through passive DNS) |
 * | propagation_chain      | confirmed     | an internal host scanned another, and the scanned host then beaconed to the same C&C endpoint as the scanner |
 * | miner_cc_same_host     | confirmed     | the host mines and also holds a periodic control channel to another endpoint |
 * | miner_cc_network       | likely        | the host mines, and another internal host holds a periodic control channel (article case 2: miner under C&C control) |
 * | miner_control_channel  | likely        | the host holds a periodic control channel while another internal host mines (the other side of case 2) |
 * | shared_beacon          | likely        | two or more internal hosts beacon to the same endpoint (the botnet's view) |
 * | beacon_high            | likely        | a beacon scoring at least `beaconLikely` to an endpoint that is not a widely used service |
 * | internal_scan          | likely        | an internal host scanned many hosts on one port (propagation) |
 * | mining_protocol        | likely        | a miner protocol session from the host |
 * | intel_high             | likely        | a threat-intelligence hit scoring at least `intelLikely`, no behaviour yet |
 * | well_known_service     | suspicious    | a strong beacon, but to a widely used service (its own client, or C&C through a web service: T1102) |
 * | beacon                 | suspicious    | a beacon below `beaconLikely` |
 * | intel                  | suspicious    | a weaker threat-intelligence hit alone |
 * | weak_only              | informational | every remaining finding scored below the reporting threshold (severity info): recorded, not escalated |
 * | external_scan          | informational | only scans, from a source outside the internal networks (internet background) |
 * | scan                   | suspicious    | a vertical scan, or a scan from outside mixed with other findings |
 * | long_conn              | suspicious    | a long connection alone |
 * | mining_name            | suspicious    | a mining pool name looked up, no miner protocol seen |
 * | dns                    | suspicious    | a DNS finding (tunnel, DGA, NXDOMAIN burst) alone |
 * | other                  | suspicious    | anything else |
 * | benign_catalogue       | informational | (service incidents) every finding is on a known benign periodic service, or multicast/broadcast discovery |
 *
 * Cross-host rules (miner_*, shared_beacon) link incidents by co-occurrence in the same network and
 * time window; the narrative says so, so an analyst knows what the link rests on.
 */
import type { Detector } from '../detect/finding.js';
import { fmtDuration } from '../detect/finding.js';
import type { FindingEndpoints } from './endpoints.js';
import { describeEndpoint, sameEndpoint } from './endpoints.js';
import type { CorrelatedFinding, IncidentLink, Verdict } from './incident.js';
import { incidentId } from './incident.js';

/** Tunables of correlation. */
export interface CorrelateSettings {
  /** Beacon score (0..1) at or above which a beacon alone makes its host `likely`. */
  beaconLikely: number;
  /** Beacon score at or above which a beacon counts as a periodic control channel (miner and shared rules). */
  controlChannelMin: number;
  /** Intel score at or above which an intelligence hit alone makes its host `likely`. */
  intelLikely: number;
  /** Seconds a scanned host's first beacon may start before the scanner's first contact with it and still count as "after" (clock skew between sensors). */
  chainSlackSec: number;
}

export const CORRELATE_DEFAULTS: Readonly<CorrelateSettings> = Object.freeze({
  beaconLikely: 0.85,
  controlChannelMin: 0.7,
  intelLikely: 0.85,
  chainSlackSec: 60,
});

/** One finding with what correlation knows about it. */
export interface Item {
  f: CorrelatedFinding;
  ep: FindingEndpoints;
  /** Known benign periodic service the finding is on. */
  benign?: { key: string; what: string };
  /** Widely used service the finding is on. */
  wellKnown?: string;
  /** The source is inside the internal networks. */
  internalSrc: boolean;
  /** Intel findings (any host) on the same endpoint. */
  intel: Item[];
  /** A periodic control channel (see `isControlChannel`), set by the network view. */
  control?: boolean;
}

/** A scanner, a host it reached, and the C&C endpoint both then called. */
export interface Chain {
  scanner: string;
  victim: string;
  /** When the scanner first reached the victim (epoch s). */
  reached: number;
  scan: Item;
  scannerItem: Item;
  victimBeacon: Item;
}

/** What the whole network shows: for the cross-host rules. */
export interface NetworkView {
  /** Beacons that qualify as periodic control channels (strong, not benign, not widely used, not to a mining endpoint). */
  controlChannels: Item[];
  /** Mining findings. */
  miners: Item[];
  /** Control channels per source host, and mining findings per source host (for the cross-host rules). */
  controlByHost: Map<string, Item[]>;
  minersByHost: Map<string, Item[]>;
  /** Propagation chains found. */
  chains: Chain[];
  /** Scanned hosts that later beaconed somewhere the scanner did not (weaker links, told in the narrative). */
  scannedThenBeacons: { scanner: string; victim: string; reached: number; beacon: Item }[];
  /** Internal hosts with control-channel beacons, per primary endpoint. */
  beaconHostsByEndpoint: Map<string, Set<string>>;
}

/** What a rule sees. */
export interface RuleContext {
  /** Host of a host incident; null for an endpoint incident. */
  host: string | null;
  items: Item[];
  /** Is this finding in the incident? (constant time) */
  has(i: Item): boolean;
  net: NetworkView;
  settings: CorrelateSettings;
}

/** A rule's answer: a label, the sentence that explains it, the findings it rests on, links. */
export interface RuleMatch {
  label: string;
  because: string;
  items: Item[];
  links?: IncidentLink[];
}

export interface VerdictRule {
  id: string;
  verdict: Verdict;
  /** When it matches, in one sentence (printed in reports). */
  description: string;
  test(ctx: RuleContext): RuleMatch | undefined;
}

/** Hosts linked and named by a cross-host rule (the rest are counted): a network with hundreds of bots stays readable and linear. */
export const MAX_CROSS_LINKS = 10;
const named = (hs: readonly string[]) => hs.slice(0, MAX_CROSS_LINKS).join(', ') + (hs.length > MAX_CROSS_LINKS ? ` and ${hs.length - MAX_CROSS_LINKS} more` : '');

const BEHAVIOUR: ReadonlySet<Detector> = new Set(['beacon', 'long_conn', 'mining', 'dns']);
const by = (ctx: RuleContext, d: Detector) => ctx.items.filter((i) => i.f.detector === d);
const where = describeEndpoint;
/** The endpoints of some findings in words, each endpoint once (a pool's session and its name lookup are one). */
const wheres = (items: readonly Item[], max: number): string => {
  const seen: Item[] = [];
  for (const i of items) {
    if (seen.length >= max) break;
    if (!seen.some((x) => sameEndpoint(x.ep, i.ep))) seen.push(i);
  }
  return seen.map(where).join(', ');
};
const beaconPhrase = (i: Item) => {
  const p = i.f.evidence['period_s'];
  return typeof p === 'number' ? `every ${fmtDuration(p)}` : 'periodically';
};
const hostLink = (host: string, why: string): IncidentLink => ({ id: incidentId('host', host), why });
const intelWho = (i: Item) => {
  const e = i.f.evidence;
  const family = typeof e['family'] === 'string' && e['family'] ? ` as ${e['family']}` : '';
  const feed = typeof e['feed'] === 'string' ? ` (${e['feed']})` : '';
  return `threat intelligence${feed} lists ${typeof e['indicator'] === 'string' ? e['indicator'] : where(i)}${family}`;
};

/** The rules, in order: the first that matches gives the verdict. */
export const VERDICT_RULES: readonly VerdictRule[] = [
  {
    id: 'intel_and_behaviour', verdict: 'confirmed',
    description: 'threat intelligence lists an endpoint and the host shows behaviour (beacon, long connection, mining, DNS) to that same endpoint',
    test(ctx) {
      const hits = ctx.items.filter((i) => BEHAVIOUR.has(i.f.detector) && i.intel.length > 0);
      if (hits.length === 0) return undefined;
      const h = hits.find((i) => i.f.detector === 'beacon') ?? hits[0]!;
      // A miner's long session to its pool is part of the mining, not a separate C&C channel.
      const mining = hits.some((i) => i.f.detector === 'mining') && !hits.some((i) => i.f.detector === 'beacon');
      return {
        label: mining ? 'cryptominer (known pool)' : 'C&C channel',
        because: `${intelWho(h.intel[0]!)}, and ${h.f.src} ${h.f.detector === 'beacon' ? `beacons to it ${beaconPhrase(h)}` : h.f.detector === 'long_conn' ? 'holds long connections to it' : h.f.detector === 'mining' ? 'mines there' : 'resolves it suspiciously'}: intelligence and behaviour agree`,
        items: [...hits, ...hits.flatMap((i) => i.intel)],
      };
    },
  },
  {
    id: 'propagation_chain', verdict: 'confirmed',
    description: 'an internal host scanned another host, which then beaconed to the same C&C endpoint as the scanner',
    test(ctx) {
      const mine = ctx.net.chains.filter((c) => ctx.has(c.scan) || ctx.has(c.victimBeacon) || ctx.has(c.scannerItem));
      if (mine.length === 0) return undefined;
      const c = mine[0]!;
      const hosts = [...new Set(mine.map((m) => m.victim))];
      return {
        label: 'propagation chain',
        because: `${c.scanner} scanned ${hosts.length === 1 ? c.victim : `${hosts.length} hosts (${named(hosts)}) that`} (reached ${hosts.length === 1 ? 'it ' : ''}on ${new Date(c.reached * 1000).toISOString().slice(0, 19)}Z) and ${hosts.length === 1 ? 'that host' : 'they'} then beaconed to ${where(c.victimBeacon)}, the scanner's own C&C: the scan spread the infection`,
        items: [...new Set(mine.flatMap((m) => [m.scan, m.scannerItem, m.victimBeacon]))].filter((i) => ctx.has(i)),
        links: mine.slice(0, 4 * MAX_CROSS_LINKS).flatMap((m) => ctx.host === m.scanner
          ? [hostLink(m.victim, `${m.victim} was scanned by ${m.scanner} and then beaconed to ${where(m.victimBeacon)}`)]
          : ctx.host === m.victim ? [hostLink(m.scanner, `${m.scanner} scanned ${m.victim} and beacons to the same endpoint`)] : []),
      };
    },
  },
  {
    id: 'miner_cc_same_host', verdict: 'confirmed',
    description: 'the host mines and also holds a periodic control channel to another endpoint',
    test(ctx) {
      if (ctx.host === null) return undefined;
      const miners = by(ctx, 'mining');
      const cc = ctx.items.filter((i) => i.control === true);
      if (miners.length === 0 || cc.length === 0) return undefined;
      return {
        label: 'miner under C&C control',
        because: `${ctx.host} mines (${where(miners[0]!)}) and also beacons to ${cc.map(where).join(' and ')} ${beaconPhrase(cc[0]!)}: a miner with its control channel`,
        items: [...miners, ...cc],
      };
    },
  },
  {
    id: 'miner_cc_network', verdict: 'likely',
    description: 'the host mines and another internal host holds a periodic control channel (miner under C&C control, article case 2)',
    test(ctx) {
      const miners = by(ctx, 'mining');
      if (miners.length === 0) return undefined;
      const minerHosts = new Set(miners.map((m) => m.f.src));
      // The control channels of other hosts: the first MAX_CROSS_LINKS hosts' channels, all hosts counted.
      const hosts: string[] = [];
      const cc: Item[] = [];
      for (const [h, list] of ctx.net.controlByHost) {
        if (minerHosts.has(h)) continue;
        hosts.push(h);
        if (hosts.length <= MAX_CROSS_LINKS) cc.push(...list.filter((i) => !ctx.has(i)));
      }
      if (cc.length === 0) return undefined;
      const ends = [...new Set(cc.slice(0, 50).map(where))];
      return {
        label: 'miner under C&C control',
        because: `${miners[0]!.f.src} mines at ${where(miners[0]!)}, and ${named(hosts)} ${hosts.length === 1 ? 'holds' : 'hold'} a periodic control channel to ${ends.slice(0, 4).join(' and ')}${ends.length > 4 ? ' and more' : ''}: in miner botnets such as Smominru the control channel and the miner often run on different hosts. The link rests on both being in this network at the same time, not on a shared endpoint`,
        items: miners,
        links: hosts.slice(0, MAX_CROSS_LINKS).map((h) => hostLink(h, `${h} holds the periodic control channel (${wheres(cc.filter((i) => i.f.src === h), 4)})`)),
      };
    },
  },
  {
    id: 'miner_control_channel', verdict: 'likely',
    description: 'the host holds a periodic control channel while another internal host mines (the other side of article case 2)',
    test(ctx) {
      const cc = ctx.items.filter((i) => i.control === true);
      if (cc.length === 0 || ctx.net.miners.length === 0) return undefined;
      const ccHosts = new Set(cc.map((i) => i.f.src));
      const hosts: string[] = [];
      const miners: Item[] = [];
      for (const [h, list] of ctx.net.minersByHost) {
        if (ccHosts.has(h)) continue;
        hosts.push(h);
        if (hosts.length <= MAX_CROSS_LINKS) miners.push(...list.filter((m) => !ctx.has(m)));
      }
      if (miners.length === 0) return undefined;
      return {
        label: 'C&C channel (miner botnet)',
        because: `${cc.slice(0, 4).map((i) => `${i.f.src} beacons to ${where(i)} ${beaconPhrase(i)}`).join('; ')}${cc.length > 4 ? ` (and ${cc.length - 4} more channels)` : ''}, while ${named(hosts)} ${hosts.length === 1 ? 'mines' : 'mine'} at ${[...new Set(miners.slice(0, 50).map(where))].slice(0, 3).join(', ')}: very likely the miners' C&C (linked by co-occurrence, not by a shared endpoint)`,
        items: cc,
        links: hosts.slice(0, MAX_CROSS_LINKS).map((h) => hostLink(h, `${h} mines (${wheres(miners.filter((m) => m.f.src === h), 2)})`)),
      };
    },
  },
  {
    id: 'shared_beacon', verdict: 'likely',
    description: 'two or more internal hosts beacon to the same endpoint (the botnet view)',
    test(ctx) {
      const shared = ctx.items.filter((i) => i.control === true && i.ep.primary !== undefined && (ctx.net.beaconHostsByEndpoint.get(i.ep.primary)?.size ?? 0) >= 2);
      if (shared.length === 0) return undefined;
      const ep = shared[0]!.ep.primary!;
      const hosts = [...ctx.net.beaconHostsByEndpoint.get(ep)!].sort();
      return {
        label: 'shared C&C endpoint',
        because: `${hosts.length} internal hosts (${hosts.slice(0, 6).join(', ')}${hosts.length > 6 ? ', ...' : ''}) beacon to ${where(shared[0]!)}: one endpoint, many bots`,
        items: shared,
        links: ctx.host !== null ? [{ id: incidentId('endpoint', ep), why: `every host beaconing to ${ep}` }] : [],
      };
    },
  },
  {
    id: 'beacon_high', verdict: 'likely',
    description: 'a beacon scoring at least beaconLikely (default 0.85) to an endpoint that is not a widely used service',
    test(ctx) {
      const b = by(ctx, 'beacon').filter((i) => i.f.score >= ctx.settings.beaconLikely && i.wellKnown === undefined && i.benign === undefined);
      if (b.length === 0) return undefined;
      return { label: 'C&C channel', because: `${b[0]!.f.src} beacons to ${where(b[0]!)} ${beaconPhrase(b[0]!)} with a score of ${b[0]!.f.score.toFixed(2)} (at least ${ctx.settings.beaconLikely})`, items: b };
    },
  },
  {
    id: 'internal_scan', verdict: 'likely',
    description: 'an internal host scanned many hosts on one port (propagation scanning)',
    test(ctx) {
      const s = by(ctx, 'scan').filter((i) => i.internalSrc && i.f.kind === 'horizontal');
      if (s.length === 0) return undefined;
      const e = s[0]!.f.evidence;
      return { label: 'propagation scanning', because: `${s[0]!.f.src} is internal and swept ${e['targets'] ?? '?'} hosts on port ${s[0]!.f.port ?? '?'}: a scanning internal host is probably infected and spreading`, items: s };
    },
  },
  {
    id: 'mining_protocol', verdict: 'likely',
    description: 'a miner protocol session from the host',
    test(ctx) {
      const m = by(ctx, 'mining').filter((i) => i.f.kind === 'protocol');
      if (m.length === 0) return undefined;
      return { label: 'cryptominer', because: `${m[0]!.f.src} speaks a miner protocol to ${where(m[0]!)}`, items: m };
    },
  },
  {
    id: 'intel_high', verdict: 'likely',
    description: 'a threat-intelligence hit scoring at least intelLikely (default 0.85), with no behaviour seen yet',
    test(ctx) {
      const i = by(ctx, 'intel').filter((x) => x.f.score >= ctx.settings.intelLikely);
      if (i.length === 0) return undefined;
      return { label: 'contact with known-bad endpoint', because: `${intelWho(i[0]!)} (score ${i[0]!.f.score.toFixed(2)}), and ${i[0]!.f.src} talked to it; no periodic or long-lived behaviour seen yet`, items: i };
    },
  },
  {
    id: 'well_known_service', verdict: 'suspicious',
    description: 'a strong beacon to a widely used service: usually its own client, but C&C through web services exists (T1102)',
    test(ctx) {
      const b = by(ctx, 'beacon').filter((i) => i.wellKnown !== undefined);
      if (b.length === 0) return undefined;
      return { label: 'periodic traffic to a widely used service', because: `${b[0]!.f.src} polls ${where(b[0]!)} ${beaconPhrase(b[0]!)}; ${b[0]!.wellKnown} clients do this, but C&C through web services (ATT&CK T1102) exists: confirm which process it is`, items: b };
    },
  },
  {
    id: 'beacon', verdict: 'suspicious',
    description: 'a beacon below beaconLikely (default 0.85)',
    test(ctx) {
      const b = by(ctx, 'beacon');
      if (b.length === 0) return undefined;
      return { label: 'periodic connections', because: `${b[0]!.f.src} contacts ${where(b[0]!)} ${beaconPhrase(b[0]!)} (score ${b[0]!.f.score.toFixed(2)}, below ${ctx.settings.beaconLikely})`, items: b };
    },
  },
  {
    id: 'intel', verdict: 'suspicious',
    description: 'a weaker threat-intelligence hit alone',
    test(ctx) {
      const i = by(ctx, 'intel');
      if (i.length === 0) return undefined;
      return { label: 'contact with listed endpoint', because: `${intelWho(i[0]!)} (score ${i[0]!.f.score.toFixed(2)}), and ${i[0]!.f.src} talked to it`, items: i };
    },
  },
  {
    // After every rule that can raise a verdict from weak findings combined (intel + behaviour,
    // the cross-host rules): what is left holds only findings below the reporting threshold, such
    // as long chat sessions that many hosts keep open (the prevalence modifier lowered them).
    id: 'weak_only', verdict: 'informational',
    description: 'every finding scored below the reporting threshold (severity info): recorded, not escalated',
    test(ctx) {
      if (ctx.items.length === 0 || !ctx.items.every((i) => i.f.severity === 'info')) return undefined;
      return { label: 'weak signals', because: `every finding scored below ${0.5} (${ctx.items[0]!.f.title}, score ${ctx.items[0]!.f.score.toFixed(2)})`, items: ctx.items };
    },
  },
  {
    id: 'external_scan', verdict: 'informational',
    description: 'only scans, from a source outside the internal networks (internet background)',
    test(ctx) {
      if (ctx.items.length === 0 || !ctx.items.every((i) => i.f.detector === 'scan' && !i.internalSrc)) return undefined;
      return { label: 'inbound scan', because: `${ctx.items[0]!.f.src} is outside the internal networks: scans from the internet are background noise unless a target answered and later misbehaves`, items: ctx.items };
    },
  },
  {
    id: 'scan', verdict: 'suspicious',
    description: 'a vertical scan, or a scan from outside together with other findings',
    test(ctx) {
      const s = by(ctx, 'scan');
      if (s.length === 0) return undefined;
      return { label: s[0]!.f.kind === 'vertical' ? 'port scan' : 'scan', because: `${s[0]!.f.title}`, items: s };
    },
  },
  {
    id: 'long_conn', verdict: 'suspicious',
    description: 'a long connection alone',
    test(ctx) {
      const l = by(ctx, 'long_conn');
      if (l.length === 0) return undefined;
      return { label: 'long connection', because: `${l[0]!.f.src} holds a long connection to ${where(l[0]!)}; remote shells, tunnels and module downloads do this, so do VPNs and chat clients`, items: l };
    },
  },
  {
    id: 'mining_name', verdict: 'suspicious',
    description: 'a mining pool name looked up, no miner protocol seen',
    test(ctx) {
      const m = by(ctx, 'mining');
      if (m.length === 0) return undefined;
      return { label: 'mining pool lookup', because: `${m[0]!.f.title}; no miner protocol was seen (it may be encrypted)`, items: m };
    },
  },
  {
    id: 'dns', verdict: 'suspicious',
    description: 'a DNS finding (tunnel, DGA, NXDOMAIN burst) alone',
    test(ctx) {
      const d = by(ctx, 'dns');
      if (d.length === 0) return undefined;
      return { label: 'DNS abuse', because: d[0]!.f.title, items: d };
    },
  },
  {
    id: 'other', verdict: 'suspicious',
    description: 'anything else',
    test(ctx) {
      if (ctx.items.length === 0) return undefined;
      return { label: 'suspicious activity', because: ctx.items[0]!.f.title, items: ctx.items };
    },
  },
];

/** The rule of informational service incidents (not in the ordered table: those incidents hold only benign findings). */
export const BENIGN_RULE = {
  id: 'benign_catalogue', verdict: 'informational' as Verdict,
  description: 'every finding is on a known benign periodic service (time, updates, certificate revocation, telemetry) or local multicast/broadcast discovery',
};

/** Is this beacon a periodic control channel (for the cross-host rules)? */
export function isControlChannel(i: Item, miners: readonly Item[], s: CorrelateSettings): boolean {
  return i.f.detector === 'beacon' && i.f.score >= s.controlChannelMin && i.benign === undefined && i.wellKnown === undefined
    && !miners.some((m) => sameEndpoint(m.ep, i.ep));
}
