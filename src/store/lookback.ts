/**
 * History lookback, the analyst's questions answered from the store (any backend):
 * - `lookbackIp`: which names resolved to this address, which internal hosts talked to it, how.
 * - `lookbackDomain`: a name's addresses over time, its subdomains, who looked it up, who
 *   connected to its addresses (with or without a lookup we saw).
 * - `lookbackHost`: an internal host's destinations, DNS lookups, TLS names and findings.
 * Arguments are validated here (clean errors for anything that is not an address or a name);
 * the store binds them as parameters.
 */
import { ipWords, Networks } from '../detect/networks.js';
import type { ConnRecord } from '../records/schema.js';
import type { Finding } from '../detect/finding.js';
import { normalizeName } from './pdns.js';
import { DEFAULT_QUERY_LIMIT, StoreError, type ConnGroup, type DnsGroup, type PdnsEntry, type Store, type TimeWindow, type TlsGroup } from './store.js';

/** Options of every lookback. */
export interface LookbackOptions {
  window?: TimeWindow;
  /** Rows per list (default {@link DEFAULT_QUERY_LIMIT}). */
  limit?: number;
  /** Also list the connections (ip lookback). */
  conns?: boolean;
  /** Internal networks (default: RFC 1918, fc00::/7, fe80::/10). */
  internal?: Networks;
}

/** How an internal host talked to the address looked up; bytes are from the host's side. */
export interface HostActivity {
  host: string;
  /** `out`: the host opened the connections; `in`: the looked-up address did. */
  direction: 'out' | 'in';
  conns: number;
  ports: number[];
  protos: string[];
  first: number;
  last: number;
  median_interval: number | null;
  interval_mad: number | null;
  bytes_sent: number;
  bytes_received: number;
  max_duration: number;
  total_duration: number;
}

/** `lookback ip`. */
export interface IpLookback {
  ip: string;
  internal: boolean;
  window: TimeWindow;
  /** Names that resolved to the address (passive DNS), most frequent first. */
  names: PdnsEntry[];
  /** Internal hosts that talked to it, most connections first. */
  hosts: HostActivity[];
  /** Peers of the address that are not internal (not listed). */
  external_peers: number;
  /** The connections, oldest first (with `conns`). */
  conns?: ConnRecord[];
}

/** A name under the domain looked up (from DNS queries and passive DNS). */
export interface SubdomainSummary {
  name: string;
  lookups: number;
  nxdomain: number;
  /** Distinct addresses it resolved to. */
  ips: number;
  first: number;
  last: number;
}

/** A host that connected to one of the domain's addresses. */
export interface ConnectedHost {
  host: string;
  /** Whether we saw this host look up the name (or a subdomain) in the window. */
  looked_up: boolean;
  conns: number;
  /** Distinct addresses of the domain it connected to. */
  ips: number;
  ports: number[];
  first: number;
  last: number;
  bytes_sent: number;
  bytes_received: number;
}

/** `lookback domain`. */
export interface DomainLookback {
  name: string;
  window: TimeWindow;
  /** Addresses of the name itself over time (passive DNS), by first seen. */
  ips: PdnsEntry[];
  subdomains: SubdomainSummary[];
  /** Hosts that looked the name or a subdomain up: `key` is the host, `distinct` the names. */
  lookups: DnsGroup[];
  /** Hosts that connected to an address of the name or its subdomains. */
  connected: ConnectedHost[];
}

/** A destination of a host, with the names its address had. */
export interface Destination extends ConnGroup {
  /** Names that resolved to the address (most frequent first, at most 3). */
  names: string[];
}

/** `lookback host`. */
export interface HostLookback {
  host: string;
  internal: boolean;
  window: TimeWindow;
  /** Where the host connected to, most connections first (`key` is the destination). */
  destinations: Destination[];
  /** Names the host looked up (`key` is the name). */
  lookups: DnsGroup[];
  tls: TlsGroup[];
  findings: Finding[];
}

/** Longest DNS name (RFC 1035: 253 characters in text form). */
export const MAX_NAME_LENGTH = 253;
/** Names shown per destination. */
export const NAMES_PER_DESTINATION = 3;
/** Extra groups fetched so that filtering out external peers still fills the limit. */
const PEER_OVERFETCH = 4;

/** The address in canonical text form, or a clean error. */
export function checkAddress(ip: string): string {
  const t = ip.trim();
  if (t.length > 45 || ipWords(t) === undefined) throw new StoreError('STORE_BAD_ARGUMENT', `Cannot look back: '${ip}' is not an IPv4 or IPv6 address`);
  return t.includes(':') ? canonicalV6(t) : t.split('.').map(Number).join('.');
}

/** RFC 5952 text of an IPv6 address (lower case, longest zero run compressed). */
function canonicalV6(t: string): string {
  const w = ipWords(t)!;
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return `::ffff:${[w[3]! >>> 24, (w[3]! >>> 16) & 255, (w[3]! >>> 8) & 255, w[3]! & 255].join('.')}`;
  const g: number[] = [];
  for (const x of w) g.push(x >>> 16, x & 0xffff);
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** The name normalised (lower case, no trailing dot), or a clean error. */
export function checkName(name: string): string {
  const n = normalizeName(name.trim());
  if (n.length === 0 || n.length > MAX_NAME_LENGTH || /[\s\u0000-\u001f\u007f]/.test(n)) {
    throw new StoreError('STORE_BAD_ARGUMENT', `Cannot look back: '${name}' is not a DNS name (1 to ${MAX_NAME_LENGTH} characters, no spaces or control characters)`);
  }
  return n;
}

function activity(g: ConnGroup, direction: 'out' | 'in'): HostActivity {
  return {
    host: g.key, direction, conns: g.conns, ports: g.ports, protos: g.protos, first: g.first, last: g.last,
    median_interval: g.median_interval, interval_mad: g.interval_mad,
    bytes_sent: direction === 'out' ? g.orig_bytes : g.resp_bytes,
    bytes_received: direction === 'out' ? g.resp_bytes : g.orig_bytes,
    max_duration: g.max_duration, total_duration: g.total_duration,
  };
}

/** Names that resolved to `ip`, internal hosts that talked to it, and (optionally) the connections. */
export async function lookbackIp(store: Store, ip: string, opts: LookbackOptions = {}): Promise<IpLookback> {
  const addr = checkAddress(ip);
  const internal = opts.internal ?? new Networks();
  const limit = opts.limit ?? DEFAULT_QUERY_LIMIT;
  const window = opts.window ?? {};
  const q = { window, limit: limit * PEER_OVERFETCH };
  const names = (await store.pdnsByIp(addr, window)).slice(0, limit);
  const to = await store.connGroups({ resp_h: addr }, 'orig_h', q);
  const from = await store.connGroups({ orig_h: addr }, 'resp_h', q);
  const hosts: HostActivity[] = [];
  const external = new Set<string>();
  for (const g of to) (internal.contains(g.key) ? hosts.push(activity(g, 'out')) : external.add(g.key));
  for (const g of from) (internal.contains(g.key) ? hosts.push(activity(g, 'in')) : external.add(g.key));
  hosts.sort((a, b) => b.conns - a.conns || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0) || (a.direction < b.direction ? 1 : -1));
  const out: IpLookback = { ip: addr, internal: internal.contains(addr), window, names, hosts: hosts.slice(0, limit), external_peers: external.size };
  if (opts.conns) out.conns = await store.conns({ any_h: addr }, { window, limit: Math.max(limit, 1000) });
  return out;
}

/** A name's addresses, subdomains, lookups and the hosts that connected to its addresses. */
export async function lookbackDomain(store: Store, name: string, opts: LookbackOptions = {}): Promise<DomainLookback> {
  const n = checkName(name);
  const limit = opts.limit ?? DEFAULT_QUERY_LIMIT;
  const window = opts.window ?? {};
  const all = await store.pdnsByName(n, { window, subdomains: true });
  const ips = all.filter((e) => e.fqdn === n);
  const byName = await store.dnsGroups({ name: n }, 'query', { window, limit });
  const lookups = await store.dnsGroups({ name: n }, 'host', { window, limit });

  const subs = new Map<string, SubdomainSummary & { ipSet: Set<string> }>();
  const sub = (s: string, first: number, last: number): SubdomainSummary & { ipSet: Set<string> } => {
    let e = subs.get(s);
    if (e === undefined) subs.set(s, (e = { name: s, lookups: 0, nxdomain: 0, ips: 0, first, last, ipSet: new Set() }));
    e.first = Math.min(e.first, first);
    e.last = Math.max(e.last, last);
    return e;
  };
  for (const g of byName) {
    if (g.key === n) continue;
    const e = sub(g.key, g.first, g.last);
    e.lookups += g.lookups;
    e.nxdomain += g.nxdomain;
  }
  for (const p of all) if (p.fqdn !== n) sub(p.fqdn, p.first, p.last).ipSet.add(p.ip);
  const subdomains = [...subs.values()]
    .map(({ ipSet, ...s }) => ({ ...s, ips: ipSet.size }))
    .sort((a, b) => b.lookups - a.lookups || b.ips - a.ips || (a.name < b.name ? -1 : 1))
    .slice(0, limit);

  const addrs = [...new Set(all.map((e) => e.ip))];
  const lookedUp = new Set((await store.dnsGroups({ name: n }, 'host', { window, limit: 100_000 })).map((g) => g.key));
  const connected: ConnectedHost[] = addrs.length === 0 ? [] : (await store.connGroups({ resp_h: addrs }, 'orig_h', { window, limit })).map((g) => ({
    host: g.key, looked_up: lookedUp.has(g.key), conns: g.conns, ips: g.peers, ports: g.ports, first: g.first, last: g.last,
    bytes_sent: g.orig_bytes, bytes_received: g.resp_bytes,
  }));
  return { name: n, window, ips, subdomains, lookups, connected };
}

/** An internal host's destinations, lookups, TLS names and findings. */
export async function lookbackHost(store: Store, ip: string, opts: LookbackOptions = {}): Promise<HostLookback> {
  const host = checkAddress(ip);
  const internal = opts.internal ?? new Networks();
  const limit = opts.limit ?? DEFAULT_QUERY_LIMIT;
  const window = opts.window ?? {};
  const groups = await store.connGroups({ orig_h: host }, 'resp_h', { window, limit });
  const names = new Map<string, string[]>();
  for (const e of await store.pdnsForIps(groups.map((g) => g.key))) {
    let l = names.get(e.ip);
    if (l === undefined) names.set(e.ip, (l = []));
    if (l.length < NAMES_PER_DESTINATION) l.push(e.fqdn);
  }
  const destinations = groups.map((g) => ({ ...g, names: names.get(g.key) ?? [] }));
  const lookups = await store.dnsGroups({ host }, 'query', { window, limit });
  const tls = await store.tlsGroups(host, { window, limit });
  const findings = await store.findings({ host, window, limit });
  return { host, internal: internal.contains(host), window, destinations, lookups, tls, findings };
}
