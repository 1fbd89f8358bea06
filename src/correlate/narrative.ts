/**
 * Narratives: an incident told in plain language with its numbers, in the analyst's order (the
 * article's steps): the alert, what the history shows (the domain behind the address, since when,
 * who else talked to it), the behaviour, the verdict, what to do next.
 */
import type { Dataset, PdnsEntry } from '../detect/dataset.js';
import { datasetColumns, internalFlags, rowOfConn } from '../detect/conn-table.js';
import { fmtDuration } from '../detect/finding.js';
import type { Incident, Verdict } from './incident.js';
import type { Item, NetworkView } from './rules.js';

/** Addresses whose history a narrative tells. */
export const HISTORY_IPS = 3;
/** Behaviour sentences before "and N more". */
export const BEHAVIOUR_SENTENCES = 6;
/** Hosts named in a sentence before "...". */
export const HOSTS_NAMED = 6;

/** Who talked to an address. */
export interface Talker { host: string; first: number; last: number; conns: number }

/** History lookups over a dataset (lazily indexed once per correlation). */
export interface History {
  available: boolean;
  namesOf(ip: string): PdnsEntry[];
  /** Internal hosts that opened connections to `ip`, earliest first. */
  talkers(ip: string): Talker[];
}

/** Build the history lookups; without a dataset every answer is empty and `available` is false. */
export function buildHistory(ds: Dataset | undefined): History {
  let index: Map<string, Map<string, Talker>> | undefined;
  const idx = () => {
    if (index !== undefined) return index;
    index = new Map();
    if (ds === undefined || ds.connCount === 0) return index;
    // Over the connection columns, in list (time) order: no record per connection.
    const cols = datasetColumns(ds);
    const isInternal = internalFlags(cols, ds.internal);
    const rowOf = rowOfConn(cols);
    const addr = cols.strs.values;
    for (let i = 0; i < cols.n; i++) {
      const p = rowOf[i]!;
      if (!isInternal(cols.src[p]!)) continue;
      const orig = addr[cols.src[p]!]!, resp = addr[cols.dst[p]!]!, ts = cols.ts[p]!, end = ts + cols.duration[p]!;
      let m = index.get(resp);
      if (m === undefined) index.set(resp, (m = new Map()));
      const t = m.get(orig);
      if (t === undefined) m.set(orig, { host: orig, first: ts, last: end, conns: 1 });
      else { t.conns++; t.first = Math.min(t.first, ts); t.last = Math.max(t.last, end); }
    }
    return index;
  };
  return {
    available: ds !== undefined,
    namesOf: (ip) => ds?.namesOf(ip) ?? [],
    talkers: (ip) => [...(idx().get(ip)?.values() ?? [])].sort((a, b) => a.first - b.first),
  };
}

/** "2026-11-02 00:00:55Z" */
export function when(t: number): string {
  return new Date(t * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
const pct = (x: number) => `${Math.round(x * 100)}%`;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** 0.089 -> "0.089", 2.5 -> "2.5", 37.4 -> "37" */
export function kbit(x: number): string {
  return x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toPrecision(2);
}
const listHosts = (hs: readonly string[]) => hs.slice(0, HOSTS_NAMED).join(', ') + (hs.length > HOSTS_NAMED ? `, ... (${hs.length} in all)` : '');

/** Where a finding goes: "fget-career.com (89.185.44.100)". */
function target(i: Item): string {
  const name = i.f.fqdn !== undefined && i.f.fqdn !== i.ep.ips[0] ? i.f.fqdn : i.ep.domains[0];
  const ips = i.ep.ips.slice(0, 3).join(', ') + (i.ep.ips.length > 3 ? ', ...' : '');
  return name !== undefined ? `${name}${ips ? ` (${ips})` : ''}` : ips || '?';
}
const portProto = (i: Item) => {
  const ports = i.ep.ports.length > 0 ? i.ep.ports.join(',') : i.f.port !== undefined ? String(i.f.port) : '';
  return ports ? `${ports}${i.f.proto ? '/' + i.f.proto : ''}` : '';
};

/** One sentence about one finding's behaviour, with its numbers. */
export function behaviourSentence(i: Item): string {
  const f = i.f, e = f.evidence;
  switch (f.detector) {
    case 'beacon': {
      const period = num(e['period_s']), jitter = num(e['jitter']) ?? 0, span = num(e['span_s']) ?? f.last - f.first;
      const beats = num(e['beats']), missed = num(e['missed']) ?? 0, failed = num(e['failed']) ?? 0, conns = num(e['connections']);
      const on = portProto(i) ? ` on ${portProto(i)}` : '';
      if (f.kind.startsWith('strobe') || period === undefined) {
        return `Behaviour: ${f.src} strobed ${target(i)}${on}: ${conns ?? '?'} connections in ${fmtDuration(span)} (score ${f.score.toFixed(2)}).`;
      }
      const unit = f.kind === 'http' ? 'HTTP requests' : 'beats';
      return `Behaviour: ${f.src} contacted ${target(i)} every ${fmtDuration(period)} ± ${fmtDuration(jitter * period)}${on} over ${fmtDuration(span)}: ${beats ?? conns ?? '?'} ${unit}, ${pct(missed)} of the expected beats missed${failed > 0 ? `, ${failed} failed attempts` : ''} (score ${f.score.toFixed(2)}).`;
    }
    case 'long_conn': {
      const longest = num(e['longest_s']) ?? 0, total = num(e['total_s']) ?? longest, rate = num(e['kbit_per_s']), sessions = num(e['sessions']) ?? 1, open = num(e['open_sessions']) ?? 0;
      return `Behaviour: ${f.src} held a connection of ${fmtDuration(longest)} to ${target(i)}${f.port !== undefined ? ` on ${f.port}/${f.proto ?? 'tcp'}` : ''}${rate !== undefined ? ` at ${kbit(rate)} kbit/s` : ''} (${sessions} session(s), ${fmtDuration(total)} in total${open > 0 ? `, ${open} still open at the end of the data` : ''}).`;
    }
    case 'mining': {
      if (f.kind !== 'protocol') return `Behaviour: ${f.reasons[0] ?? f.title}.`;
      const methods = e['methods'] && typeof e['methods'] === 'object' ? Object.entries(e['methods'] as Record<string, number>).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([m, n]) => `${m} x${n}`).join(', ') : '';
      const agents = Array.isArray(e['agents']) ? (e['agents'] as string[]).join(', ') : '';
      const connected = num(e['connected_s']);
      return `Behaviour: ${f.src} speaks a miner protocol to ${target(i)}${f.port !== undefined ? ` on ${f.port}` : ''}${methods ? ` (${methods})` : ''}${agents ? `; miner software ${agents}` : ''}${connected ? `; ${fmtDuration(connected)} connected over ${num(e['sessions']) ?? '?'} session(s)` : ''}.`;
    }
    case 'scan': {
      const targets = num(e['targets']) ?? 0, failedT = num(e['failed_targets']) ?? 0, span = num(e['span_s']) ?? f.last - f.first;
      const what = f.kind === 'horizontal' ? `${targets} hosts on ${f.port ?? '?'}/${f.proto ?? 'tcp'}` : `${targets} ports of ${f.dst ?? '?'}`;
      return `Behaviour: ${f.src} tried ${what} in ${fmtDuration(span)}; ${failedT} (${pct(targets > 0 ? failedT / targets : 0)}) never answered or refused, ${targets - failedT} answered.`;
    }
    case 'intel': {
      const e2 = f.evidence;
      return `Intelligence: ${typeof e2['feed'] === 'string' ? e2['feed'] : 'a feed'} lists ${typeof e2['indicator'] === 'string' ? e2['indicator'] : target(i)}${typeof e2['family'] === 'string' && e2['family'] ? ` (${e2['family']})` : ''}; ${f.src} contacted it ${when(f.first)}${f.last > f.first ? ` .. ${when(f.last)}` : ''}.`;
    }
    default:
      return `Behaviour: ${f.title}${f.reasons[0] ? `; ${f.reasons[0]}` : ''}.`;
  }
}

/** The alert that starts the story: intelligence when there is some, else the strongest finding. */
function alertParagraph(inc: Incident, items: readonly Item[]): string {
  const intel = items.find((i) => i.f.detector === 'intel') ?? items.find((i) => i.intel.length > 0)?.intel[0];
  if (intel !== undefined) {
    const e = intel.f.evidence;
    const ind = typeof e['indicator'] === 'string' ? e['indicator'] : target(intel);
    return `Alert: threat intelligence${typeof e['feed'] === 'string' ? ` (${e['feed']})` : ''} lists ${ind}${typeof e['family'] === 'string' && e['family'] ? ` as ${e['family']}` : ''}; ${intel.f.src} talked to it (first ${when(intel.f.first)}).`;
  }
  const top = items[0]!;
  const hosts = inc.hosts.length > 1 ? ` ${inc.hosts.length} hosts (${listHosts(inc.hosts)}) are involved.` : '';
  return `Alert: ${top.f.title} (${top.f.detector} detector, score ${top.f.score.toFixed(2)}, ${when(top.f.first)} .. ${when(top.f.last)}).${hosts}`;
}

/** What the history says about the incident's addresses: the names behind them, since when, who else talked to them. */
function historyParagraph(inc: Incident, items: readonly Item[], h: History, net: NetworkView | undefined): string {
  const parts: string[] = [];
  const ips = inc.endpoints.ips.slice(0, HISTORY_IPS);
  for (const ip of ips) {
    const lb = items.find((i) => i.f.lookback !== undefined && i.ep.ips.includes(ip))?.f.lookback;
    const names = h.available ? h.namesOf(ip) : (lb?.domains.filter((d) => d.ip === ip) ?? []);
    const talkers = h.available ? h.talkers(ip) : (lb?.hosts ?? []).map((host) => ({ host, first: NaN, last: NaN, conns: NaN }));
    let s: string;
    if (names.length > 0) {
      const n0 = names[0]!;
      const more = names.slice(1, 4).map((n) => n.fqdn).filter((n) => n !== n0.fqdn);
      s = `${ip} is ${n0.fqdn} in the DNS history (${n0.count} answer(s), first ${when(n0.first)}, last ${when(n0.last)})${more.length > 0 ? `; also ${[...new Set(more)].join(', ')}` : ''}.`;
    } else if (h.available || lb !== undefined) {
      s = `No DNS answer in the history names ${ip}: it was reached by address, as malware with hard-coded C&C addresses does.`;
    } else s = `No history is available for ${ip}.`;
    if (talkers.length > 0) {
      const hosts = talkers.map((t) => t.host);
      const others = hosts.filter((x) => !inc.hosts.includes(x));
      const since = Number.isFinite(talkers[0]!.first) ? `, the first on ${when(talkers[0]!.first)}` : '';
      s += ` ${talkers.length} internal host(s) talked to it${since}: ${listHosts(hosts)}${others.length === 0 ? (talkers.length === 1 ? ' (no other host)' : '') : `; ${others.length} of them without a finding yet (check them)`}.`;
    }
    parts.push(s);
  }
  if (ips.length === 0 && inc.endpoints.domains.length > 0) parts.push(`The endpoint is known by name only: ${inc.endpoints.domains.slice(0, 3).join(', ')}.`);
  for (const sc of items.filter((i) => i.f.detector === 'scan')) {
    const weak = net?.scannedThenBeacons.filter((w) => w.scanner === sc.f.src) ?? [];
    const chains = net?.chains.filter((c) => c.scanner === sc.f.src) ?? [];
    if (chains.length > 0) parts.push(`Hosts ${sc.f.src} reached that then called its C&C: ${[...new Set(chains.map((c) => `${c.victim} (reached ${when(c.reached)}, first beacon ${when(c.victimBeacon.f.first)})`))].join(', ')}.`);
    if (weak.length > 0) parts.push(`Hosts ${sc.f.src} reached that later started beaconing elsewhere: ${[...new Set(weak.map((w) => `${w.victim} -> ${target(w.beacon)}`))].slice(0, HOSTS_NAMED).join(', ')}.`);
  }
  for (const i of items) for (const c of net?.chains.filter((c) => c.victimBeacon === i) ?? []) {
    parts.push(`${i.f.src} was scanned by ${c.scanner} (first reached ${when(c.reached)}) before its first beacon (${when(i.f.first)}).`);
  }
  if (parts.length === 0) return 'History: nothing beyond the findings themselves.';
  return `History: ${[...new Set(parts)].join(' ')}`;
}

const SERVICE_HINT: Record<number, string> = {
  445: 'SMB (patch MS17-010-class flaws, disable SMBv1)', 139: 'NetBIOS/SMB', 3389: 'RDP (brute force or BlueKeep-class flaws)',
  22: 'SSH (brute force: check for reused passwords)', 23: 'Telnet (Mirai-class IoT botnets)', 1433: 'MS SQL (brute force)', 5900: 'VNC',
};

/** What to do next, by verdict and label. */
function nextSteps(inc: Incident, items: readonly Item[]): string {
  const hosts = inc.host !== null ? inc.host : listHosts(inc.hosts);
  const domains = inc.endpoints.domains.slice(0, 3);
  const ips = inc.endpoints.ips.slice(0, 4);
  const ports = inc.endpoints.ports;
  const block = [domains.length > 0 ? `block ${domains.join(', ')} at the DNS resolver and proxy` : '', ips.length > 0 ? `block ${ips.join(', ')}${ports.length === 1 ? ` (port ${ports[0]})` : ''} at the firewall` : '']
    .filter(Boolean).join(' and ');
  const steps: string[] = [];
  const v: Verdict = inc.verdict;
  if (v === 'informational') {
    const key = inc.endpoints.domains[0];
    steps.push(`no action needed${key ? `; if it is noise here, record it: c2hunt allow add --domain '*.${key.split('.').slice(-2).join('.')}' --reason '...'` : ''}`);
  } else if (v === 'suspicious') {
    steps.push(`ask the owner of ${hosts} which program makes these connections`, `if nothing explains them, treat them as likely: isolate and ${block || 'investigate the host'}`,
      `if they are benign, add an allow-list entry (c2hunt allow add ... --reason ...) so the next analysis says so`);
  } else {
    steps.push(`isolate ${hosts} from the network`);
    if (inc.label === 'C&C channel (miner botnet)') {
      if (block) steps.push(block);
      steps.push('then clean the hosts that mine (related incidents): this channel is what installs and steers them');
    } else if (inc.label.includes('miner')) {
      const m = items.find((i) => i.f.detector === 'mining' && Array.isArray(i.f.evidence['agents']) && (i.f.evidence['agents'] as unknown[]).length > 0);
      steps.push(`find and remove the miner${m ? ` (${String((m.f.evidence['agents'] as string[])[0]).split(' ')[0]})` : ''} and its persistence (services, scheduled tasks)`);
      if (block) steps.push(block);
      if (inc.label === 'miner under C&C control') steps.push('follow the control channel (related incidents): the miners come back until the bot that installs them is removed');
    } else if (inc.label === 'propagation scanning' || inc.label === 'propagation chain') {
      const sc = items.find((i) => i.f.detector === 'scan');
      if (sc !== undefined) {
        const port = sc.f.port;
        const answered = (num(sc.f.evidence['targets']) ?? 0) - (num(sc.f.evidence['failed_targets']) ?? 0);
        steps.push(`check the ${answered} host(s) that answered the scan for infection`);
        if (port !== undefined) steps.push(`harden port ${port}${SERVICE_HINT[port] ? ` (${SERVICE_HINT[port]})` : ''}`);
      } else steps.push('check every host in the chain, and the hosts the scanner reached that answered');
      if (block) steps.push(block);
    } else if (block) steps.push(block);
    if (inc.family) steps.push(`scan ${hosts} for ${inc.family} (the family intelligence names) and reimage if found`);
    else if (!inc.label.includes('miner')) steps.push(`find the process on ${hosts} that makes these connections and remove it with its persistence`);
    steps.push('look back for other hosts that talked to these endpoints, now and in older data');
  }
  return `Next: ${steps.join('; ')}.`;
}

/** What a narrative is told from. */
export interface NarrativeInput {
  incident: Incident;
  /** Its findings, the most important first. */
  items: readonly Item[];
  /** The verdict rules that matched, the deciding one first. */
  matches: { id: string; verdict: Verdict; because: string }[];
  net?: NetworkView;
  history: History;
}

/** The narrative paragraphs of an incident. */
export function narrate(n: NarrativeInput): string[] {
  const { incident: inc, items } = n;
  const out = [alertParagraph(inc, items), historyParagraph(inc, items, n.history, n.net)];
  const behaviour = items.filter((i) => i.f.detector !== 'intel');
  const shown = behaviour.slice(0, BEHAVIOUR_SENTENCES).map(behaviourSentence);
  if (behaviour.length > shown.length) shown.push(`... and ${behaviour.length - shown.length} more finding(s) of the same host(s).`);
  if (shown.length > 0) out.push(shown.join(' '));
  const top = n.matches[0]!;
  const also = n.matches.slice(1).map((m) => m.id).filter((id) => id !== 'other');
  out.push(`Verdict: ${inc.verdict.toUpperCase()}, ${inc.label}: ${top.because} (rule ${top.id}).${also.length > 0 ? ` Other rules that match: ${also.join(', ')}.` : ''}`);
  if (inc.related.length > 0) out.push(`Related: ${inc.related.map((r) => `${r.why} (incident ${r.id})`).join('; ')}.`);
  out.push(nextSteps(inc, items));
  return out;
}
