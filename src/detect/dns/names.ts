/**
 * Query names as the DNS detectors see them: labels, the registered domain (eTLD+1), and the
 * names no detector should judge (reverse lookups, multicast DNS).
 *
 * Public suffixes come from `tldts`, which bundles the Public Suffix List offline (ICANN and
 * private sections, refreshed with each release; no download at run time). Private suffixes are
 * on: `evil.duckdns.org` and `d111.cloudfront.net` are registered domains of their own, so
 * customers of one dynamic-DNS or CDN provider are not lumped together.
 */
import { parse } from 'tldts';

/** Split a presentation-form name into labels; `\.` inside a label does not split. Lower-cased, no trailing dot. */
export function splitLabels(name: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '\\' && i + 1 < name.length) { cur += c + name[i + 1]; i++; continue; }
    if (c === '.') { if (cur.length > 0) out.push(cur); cur = ''; continue; }
    cur += c;
  }
  if (cur.length > 0) out.push(cur);
  return out.map((l) => l.toLowerCase());
}

/** A name cut at its registered domain. */
export interface NameParts {
  /** The whole name, lower-cased, no trailing dot. */
  name: string;
  labels: string[];
  /**
   * Registered domain (eTLD+1, e.g. `example.co.uk`); for a name under a top-level label that
   * cannot exist (digits, escapes, too long) this is undefined and `invalidTld` is true.
   */
  registered?: string;
  /** Number of labels of `registered` (0 when undefined). */
  registeredLabels: number;
  /** Labels below the registered domain, joined with dots ('' for the apex). */
  subdomain: string;
  /** The label that names the registrant: the first label of `registered` ('google' in www.google.co.uk). */
  owner?: string;
  /** The public suffix is on the list (ICANN or private); false for `corp.lan`, `pirate.sea`. */
  knownSuffix: boolean;
  /**
   * The registered domain under ICANN rules alone, and its first label: `cloudfront.net` and
   * `cloudfront` for `d3tg1.cloudfront.net`, where `registered` is the whole name. Under a
   * private suffix the label below it is assigned by the provider (a CDN distribution, a bucket),
   * not chosen by a registrant, so the DGA model judges this owner instead.
   */
  icannRegistered?: string;
  icannOwner?: string;
  /** The top-level label is not a possible TLD (has digits, escapes or `_`, or is over 63 characters). */
  invalidTld: boolean;
}

/** A top-level label that could exist: letters only, or an IDN A-label. */
const POSSIBLE_TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
const HOSTNAME_LABEL = /^[a-z0-9_-]+$/;

/** Labels of the suffix lookup: at most this many trailing labels go to tldts (the deepest PSL rules have 5). */
const SUFFIX_LOOKUP_LABELS = 6;

/** Cut a query name at its registered domain. */
export function nameParts(query: string): NameParts {
  const labels = splitLabels(query);
  const name = labels.join('.');
  const tld = labels[labels.length - 1] ?? '';
  if (labels.length === 0 || !POSSIBLE_TLD.test(tld)) {
    return { name, labels, registeredLabels: 0, subdomain: name, knownSuffix: false, invalidTld: labels.length > 0 };
  }
  // tldts reads host names only: stand in a plain label for any label with escapes (such a label
  // is never part of a public suffix, so the cut is the same).
  const tail = labels.slice(-SUFFIX_LOOKUP_LABELS).map((l) => (HOSTNAME_LABEL.test(l) ? l : 'x'));
  const p = parse(tail.join('.'), { allowPrivateDomains: true, validateHostname: false, extractHostname: false });
  const suffixLabels = p.publicSuffix ? p.publicSuffix.split('.').length : 1;
  const knownSuffix = p.isIcann === true || p.isPrivate === true;
  if (labels.length <= suffixLabels) {
    // The name is itself a public suffix (`com`, `co.uk`) or a single label (`wpad`).
    return { name, labels, registered: name, registeredLabels: labels.length, subdomain: '', knownSuffix, invalidTld: false };
  }
  const registeredLabels = suffixLabels + 1;
  const regParts = labels.slice(-registeredLabels);
  const out: NameParts = {
    name, labels, registered: regParts.join('.'), registeredLabels,
    subdomain: labels.slice(0, labels.length - registeredLabels).join('.'),
    owner: regParts[0], knownSuffix, invalidTld: false,
  };
  if (p.isPrivate === true) {
    const icann = parse(tail.join('.'), { allowPrivateDomains: false, validateHostname: false, extractHostname: false });
    const n = (icann.publicSuffix ? icann.publicSuffix.split('.').length : 1) + 1;
    if (labels.length >= n) {
      out.icannRegistered = labels.slice(-n).join('.');
      out.icannOwner = labels[labels.length - n];
    }
  } else {
    out.icannRegistered = out.registered;
    out.icannOwner = out.owner;
  }
  return out;
}

/** Memoised `nameParts`, bounded (a detection run sees each distinct name many times). */
export class NameCache {
  private readonly map = new Map<string, NameParts>();
  constructor(private readonly limit = 500_000) {}
  get(query: string): NameParts {
    let p = this.map.get(query);
    if (p === undefined) {
      p = nameParts(query);
      if (this.map.size >= this.limit) this.map.clear();
      this.map.set(query, p);
    }
    return p;
  }
}

/** Reverse-lookup zones: a host resolving the addresses it saw is not tunnelling nor a DGA. */
const REVERSE = /(?:^|\.)(?:in-addr|ip6)\.arpa$/;
/** Names of multicast DNS, LLMNR and DNS-SD: link-local chatter, not resolution through a server. */
const LINK_LOCAL = /(?:^|\.)local$/;
const MULTICAST_DST = new Set(['224.0.0.251', 'ff02::fb', '224.0.0.252', 'ff02::1:3']);
const LINK_LOCAL_PORTS = new Set([5353, 5355]);

/** Why a DNS query is left out of every DNS detector, or undefined when it is judged. */
export function excludedQuery(query: string, resp_h: string, resp_p: number): string | undefined {
  if (query.length === 0) return 'empty_query';
  if (MULTICAST_DST.has(resp_h) || LINK_LOCAL_PORTS.has(resp_p)) return 'multicast_dns';
  const q = query.toLowerCase().replace(/\.$/, '');
  if (REVERSE.test(q)) return 'reverse_lookup';
  if (LINK_LOCAL.test(q)) return 'multicast_dns';
  return undefined;
}
