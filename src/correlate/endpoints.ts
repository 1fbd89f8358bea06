/**
 * What a finding points at: its remote addresses, domains and ports, read from the finding and
 * widened by passive DNS (the article's step 2: the domain behind the IP). Also the catalogues
 * that explain a destination: known benign periodic services and widely used services.
 */
import { BENIGN_PERIODIC } from '../detect/beacons.js';
import { ipWords } from '../detect/networks.js';
import type { Dataset } from '../detect/dataset.js';
import type { CorrelatedFinding } from './incident.js';

/** Names passive DNS gives one address, most frequent first, that widen an endpoint (shared hosting can have hundreds). */
export const MAX_NAMES_PER_IP = 5;

/** Is this string an IP address (v4 or v6) rather than a name? */
export function isIp(s: string): boolean {
  return ipWords(s) !== undefined;
}

/** Does `name` equal `domain` or sit under it (`a.b.example.com` under `example.com`)? Case-insensitive. */
export function underDomain(name: string, domain: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, ''), d = domain.toLowerCase().replace(/\.$/, '');
  return n === d || n.endsWith('.' + d);
}

/** The endpoints of one finding. */
export interface FindingEndpoints {
  /** Remote addresses (empty for scans: their targets are victims, not endpoints). */
  ips: string[];
  /** The name the host used (SNI, Host, query, intel indicator); when it used none, the names passive DNS gives its addresses. */
  domains: string[];
  ports: number[];
  /** The endpoint the finding is about: its domain when it has one, else its address (undefined for scans). */
  primary?: string;
}

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const nums = (v: unknown): number[] => (Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)) : []);

/** The endpoints of a finding; `ds` supplies passive DNS when the finding carries no lookback. */
export function findingEndpoints(f: CorrelatedFinding, ds?: Dataset): FindingEndpoints {
  const ports = [...new Set([...(f.port !== undefined ? [f.port] : []), ...nums(f.evidence['ports'])])];
  if (f.detector === 'scan') return { ips: [], domains: [], ports: f.kind === 'horizontal' ? ports : [] };
  const ips = [...new Set([...(f.dst !== undefined ? [f.dst] : []), ...(f.dsts ?? []), ...strs(f.evidence['dsts'])])].filter(isIp);
  const domains: string[] = [];
  const add = (d: string) => {
    const n = d.toLowerCase().replace(/\.$/, '');
    if (n !== '' && !isIp(n) && !domains.includes(n)) domains.push(n);
  };
  if (f.fqdn !== undefined) add(f.fqdn);
  if (f.detector === 'intel' && typeof f.evidence['indicator'] === 'string') {
    const ind = f.evidence['indicator'];
    // A URL indicator names its host; a domain indicator is itself; an IP indicator is already in `ips`.
    const host = /^[a-z][a-z0-9+.-]*:\/\/([^/:?#]+)/i.exec(ind)?.[1] ?? ind;
    if (isIp(host)) { if (!ips.includes(host)) ips.push(host); } else if (/^[a-z0-9_.-]+\.[a-z0-9-]+$/i.test(host)) add(host);
  }
  // The names behind the addresses (passive DNS) stand in only when the host used no name: an
  // address shared by many sites (CDN, hosting) would otherwise bring in names to "block" that
  // have nothing to do with this finding. The history paragraph still tells all of them.
  if (domains.length === 0) {
    if (f.lookback !== undefined) {
      for (const d of f.lookback.domains.slice(0, MAX_NAMES_PER_IP * Math.max(1, ips.length))) if (ips.includes(d.ip)) add(d.fqdn);
    } else if (ds !== undefined) {
      for (const ip of ips) for (const d of ds.namesOf(ip).slice(0, MAX_NAMES_PER_IP)) add(d.fqdn);
    }
  }
  const primary = f.fqdn !== undefined && !isIp(f.fqdn) ? f.fqdn.toLowerCase() : ips[0];
  return { ips, domains, ports, primary };
}

/** A finding's endpoint in a few words: "fget-career.com (89.185.44.100:443)", "78.142.29.152:8888". */
export function describeEndpoint(i: { f: CorrelatedFinding; ep: FindingEndpoints }): string {
  const name = i.ep.domains[0], ip = i.ep.ips[0], port = i.f.port ?? i.ep.ports[0];
  const more = i.ep.ips.length > 1 ? ` +${i.ep.ips.length - 1}` : '';
  const addr = ip !== undefined ? `${ip}${port !== undefined ? ':' + port : ''}${more}` : port !== undefined ? `port ${port}` : '';
  return name !== undefined ? `${name}${addr ? ` (${addr})` : ''}` : addr || (i.f.fqdn ?? '?');
}

/** Do two findings' endpoints share an address, or a domain (one under the other)? */
export function sameEndpoint(a: FindingEndpoints, b: FindingEndpoints): boolean {
  if (a.ips.some((ip) => b.ips.includes(ip))) return true;
  return a.domains.some((x) => b.domains.some((y) => underDomain(x, y) || underDomain(y, x)));
}

/** The benign periodic catalogue entry (from the beacon detector) a name falls under. */
export function benignEntry(name: string | undefined): { suffix: string; what: string } | undefined {
  if (name === undefined) return undefined;
  return BENIGN_PERIODIC.find((b) => underDomain(name, b.suffix));
}

/** Multicast and broadcast addresses: local discovery (mDNS, SSDP, LLMNR, NetBIOS), never a C&C server. */
export function isLocalBroadcast(ip: string): boolean {
  const w = ipWords(ip);
  if (w === undefined) return false;
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) {
    const v = w[3]!;
    return v >>> 28 === 0xe || v === 0xffffffff; // 224.0.0.0/4, 255.255.255.255
  }
  return w[0]! >>> 24 === 0xff; // ff00::/8
}

/**
 * Is the finding explained by a known benign periodic service? Yes when every remote address is
 * multicast or broadcast (local discovery), when the detector said so
 * (`evidence.modifiers.benign_catalogue`), or when its name, or every name of its address, is in
 * the catalogue. Returns the catalogue key (the suffix, or the detector's description) and what it is.
 */
export function benignOf(f: CorrelatedFinding, ep: FindingEndpoints): { key: string; what: string } | undefined {
  if (f.detector === 'intel' || f.detector === 'scan') return undefined;
  if (ep.ips.length > 0 && ep.ips.every(isLocalBroadcast)) return { key: 'multicast', what: 'local multicast/broadcast discovery (mDNS, SSDP, LLMNR, NetBIOS)' };
  const named = benignEntry(f.fqdn !== undefined && !isIp(f.fqdn) ? f.fqdn : undefined);
  if (named !== undefined) return { key: named.suffix, what: named.what };
  const mods = f.evidence['modifiers'];
  const said = mods !== null && typeof mods === 'object' ? (mods as Record<string, unknown>)['benign_catalogue'] : undefined;
  const entries = ep.domains.map(benignEntry);
  if (ep.domains.length > 0 && entries.every((e) => e !== undefined)) return { key: entries[0]!.suffix, what: entries[0]!.what };
  if (typeof said === 'string') return { key: ep.primary ?? said, what: said };
  return undefined;
}

/**
 * Widely used services whose clients poll on a schedule (sync, push, telemetry). A beacon to one
 * of them is capped at `suspicious`: it is usually the service's own client, but C&C through
 * legitimate web services exists (ATT&CK T1102), so it is never hidden. Cloud hosting (where
 * anyone can run a server: amazonaws.com, azurewebsites.net ...) is deliberately not listed.
 */
export const WELL_KNOWN_SERVICES: readonly { suffix: string; what: string }[] = [
  { suffix: 'dropbox.com', what: 'Dropbox' }, { suffix: 'dropboxapi.com', what: 'Dropbox' }, { suffix: 'dropbox-dns.com', what: 'Dropbox' },
  { suffix: 'google.com', what: 'Google' }, { suffix: 'googleapis.com', what: 'Google APIs' }, { suffix: 'gstatic.com', what: 'Google' },
  { suffix: 'gmail.com', what: 'Gmail' }, { suffix: 'youtube.com', what: 'YouTube' },
  { suffix: 'microsoft.com', what: 'Microsoft' }, { suffix: 'office.com', what: 'Microsoft 365' }, { suffix: 'office365.com', what: 'Microsoft 365' },
  { suffix: 'outlook.com', what: 'Outlook' }, { suffix: 'live.com', what: 'Microsoft accounts' }, { suffix: 'teams.microsoft.com', what: 'Teams' },
  { suffix: 'skype.com', what: 'Skype' }, { suffix: 'onedrive.com', what: 'OneDrive' }, { suffix: 'sharepoint.com', what: 'SharePoint' },
  { suffix: 'apple.com', what: 'Apple' }, { suffix: 'icloud.com', what: 'iCloud' }, { suffix: 'slack.com', what: 'Slack' },
  { suffix: 'zoom.us', what: 'Zoom' }, { suffix: 'github.com', what: 'GitHub' }, { suffix: 'mozilla.org', what: 'Mozilla' },
  { suffix: 'mozilla.com', what: 'Mozilla' }, { suffix: 'spotify.com', what: 'Spotify' }, { suffix: 'whatsapp.net', what: 'WhatsApp' },
];

/** The widely used service a finding's name (or every name of its address) belongs to. */
export function wellKnownOf(ep: FindingEndpoints): string | undefined {
  if (ep.domains.length === 0) return undefined;
  const hit = (d: string) => WELL_KNOWN_SERVICES.find((w) => underDomain(d, w.suffix));
  const first = hit(ep.domains[0]!);
  if (first === undefined) return undefined;
  return ep.domains.every((d) => hit(d) !== undefined) ? first.what : undefined;
}
