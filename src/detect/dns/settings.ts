/**
 * Tunables of the DNS detectors (named, with units) and the catalogue of services that
 * legitimately use many unique or encoded names. One table, defaulted here, overridden by config.
 */

export interface DnsSettings {
  // --- every DNS finding ---
  /** Lowest score (0..1, after modifiers) reported. */
  minScore: number;
  /** Sample query names kept in a finding's evidence. */
  sampleNames: number;

  // --- tunnelling / C2 over DNS, per source -> registered domain ---
  /** Fewest distinct query names under one registered domain (from one source) before it is judged. */
  tunnelMinUniqueNames: number;
  /** Distinct names at which the uniqueness component reaches 1 (log scale from tunnelMinUniqueNames). */
  tunnelUniqueNamesFull: number;
  /** 90th percentile of subdomain length (characters, over distinct names) where the length component starts, and where it reaches 1. */
  tunnelSubdomainLengthLow: number;
  tunnelSubdomainLengthHigh: number;
  /** Share of queries of types that carry data (TXT, NULL, CNAME, MX, ANY, private use) where that component starts, and reaches 1. */
  tunnelDataTypeShareLow: number;
  tunnelDataTypeShareHigh: number;
  /** Subdomain bytes sent (characters of the names below the registered domain, every query) where the volume component starts, and reaches 1 (log scale). */
  tunnelQueryBytesLow: number;
  tunnelQueryBytesHigh: number;
  /**
   * Subdomain bytes sent at or above which a tunnel finding also counts as exfiltration (ATT&CK
   * T1048): about 12 kB of data after base32/hex overhead. Ordinary look-ups stay far below:
   * in the simulator's benign 24 h (200 hosts) the most one host sent under one domain was 1.7 kB.
   */
  tunnelExfilBytes: number;
  /** Distinct names whose randomness is measured (a sample: cost bound). */
  tunnelRandomnessSample: number;
  /** Weights of the components (sum 1): uniqueness, subdomain length, randomness, query types, volume. */
  tunnelWeights: Readonly<{ unique: number; length: number; randomness: number; types: number; volume: number }>;
  /** Score with every component at 0 (the gate already passed); the components fill the rest up to 1. */
  tunnelBaseScore: number;
  /** Distinct names tracked per source -> domain (memory bound; counts beyond it are lower bounds). */
  tunnelMaxTrackedNames: number;
  /** Share of internal hosts querying a domain above which it counts as prevalent. */
  prevalentShare: number;
  /** Fewest internal hosts for the prevalence modifier to apply (small networks have no "common"). */
  prevalenceMinHosts: number;
  /** Score multiplier for a prevalent domain. */
  prevalenceFactor: number;
  /** Score multiplier for a domain in HIGH_CARDINALITY_SERVICES (CDNs, clouds, DNS-based lookups). */
  catalogueFactor: number;

  // --- DGA-like names, per source ---
  /** Label score (0..1, lexical.ts) at or above which a registered domain's owner label is DGA-like. */
  dgaNameThreshold: number;
  /** Fewest distinct DGA-like registered domains from one source before it is reported. */
  dgaMinNames: number;
  /** Distinct DGA-like domains at which the count component reaches 1. */
  dgaNamesFull: number;
  /** NXDOMAIN share (of the DGA-like names that got an answer) where that component starts, and reaches 1. */
  dgaNxShareLow: number;
  dgaNxShareHigh: number;
  /** Share of the source's registered domains that are DGA-like where that component starts, and reaches 1. */
  dgaShareLow: number;
  dgaShareHigh: number;
  /** Weights of the components: count of names, NXDOMAIN share, share of the host's domains, mean label score above the threshold. */
  dgaWeights: Readonly<{ count: number; nx: number; share: number; lexical: number }>;
  /** Score with every component at 0 (the gate already passed). */
  dgaBaseScore: number;

  // --- NXDOMAIN bursts, per source ---
  /** Sliding window length (seconds). */
  nxWindowSeconds: number;
  /** Fewest distinct NXDOMAIN names inside one window. */
  nxMinNames: number;
  /** NXDOMAIN share of the source's answered queries inside the window must exceed this (0..1). */
  nxMinShare: number;
  /** Distinct NXDOMAIN names in a window at which the count component reaches 1. */
  nxNamesFull: number;
  /** Weights of the components: distinct names, NXDOMAIN share above nxMinShare, share of DGA-like names. */
  nxWeights: Readonly<{ count: number; share: number; dga: number }>;
  /** Score with every component at 0 (the gate already passed). */
  nxBaseScore: number;
}

/** Defaults of every DNS tunable. */
export const DNS_DEFAULTS: Readonly<DnsSettings> = Object.freeze({
  minScore: 0.55,
  sampleNames: 8,

  tunnelMinUniqueNames: 30,
  tunnelUniqueNamesFull: 1000,
  tunnelSubdomainLengthLow: 16,
  tunnelSubdomainLengthHigh: 48,
  tunnelDataTypeShareLow: 0.05,
  tunnelDataTypeShareHigh: 0.5,
  tunnelQueryBytesLow: 2_000,
  tunnelQueryBytesHigh: 1_000_000,
  tunnelExfilBytes: 20_000,
  tunnelRandomnessSample: 200,
  tunnelWeights: Object.freeze({ unique: 0.2, length: 0.25, randomness: 0.3, types: 0.15, volume: 0.1 }),
  tunnelBaseScore: 0.3,
  tunnelMaxTrackedNames: 50_000,
  prevalentShare: 0.25,
  prevalenceMinHosts: 8,
  prevalenceFactor: 0.7,
  catalogueFactor: 0.5,

  dgaNameThreshold: 0.5,
  dgaMinNames: 10,
  dgaNamesFull: 50,
  dgaNxShareLow: 0.25,
  dgaNxShareHigh: 0.9,
  dgaShareLow: 0.05,
  dgaShareHigh: 0.5,
  dgaWeights: Object.freeze({ count: 0.15, nx: 0.3, share: 0.1, lexical: 0.05 }),
  dgaBaseScore: 0.4,

  nxWindowSeconds: 300,
  nxMinNames: 20,
  nxMinShare: 0.5,
  nxNamesFull: 200,
  nxWeights: Object.freeze({ count: 0.2, share: 0.15, dga: 0.1 }),
  nxBaseScore: 0.55,
});

/**
 * Services whose names legitimately have many unique, long or encoded labels. `cdn`: content
 * delivery and cloud front ends (per-object or per-node host names); `lookup`: DNS used as a
 * query protocol (IP and URL blocklists, antivirus and reputation look-ups, hash registries),
 * which look exactly like tunnels and answer NXDOMAIN for "not listed". A match multiplies a
 * tunnel score by `catalogueFactor` and says so (it never hides the finding by itself);
 * `lookup` names are also left out of NXDOMAIN counting. Matched as a suffix that includes the apex.
 */
export const HIGH_CARDINALITY_SERVICES: readonly { suffix: string; kind: 'cdn' | 'lookup'; what: string }[] = [
  { suffix: 'akamai.net', kind: 'cdn', what: 'Akamai' }, { suffix: 'akamaiedge.net', kind: 'cdn', what: 'Akamai' },
  { suffix: 'akamaihd.net', kind: 'cdn', what: 'Akamai' }, { suffix: 'akadns.net', kind: 'cdn', what: 'Akamai DNS' },
  { suffix: 'edgekey.net', kind: 'cdn', what: 'Akamai' }, { suffix: 'edgesuite.net', kind: 'cdn', what: 'Akamai' },
  { suffix: 'cloudfront.net', kind: 'cdn', what: 'Amazon CloudFront' }, { suffix: 'amazonaws.com', kind: 'cdn', what: 'Amazon Web Services' },
  { suffix: 'azureedge.net', kind: 'cdn', what: 'Azure CDN' }, { suffix: 'azurefd.net', kind: 'cdn', what: 'Azure Front Door' },
  { suffix: 'trafficmanager.net', kind: 'cdn', what: 'Azure Traffic Manager' }, { suffix: 'cloudapp.net', kind: 'cdn', what: 'Azure' },
  { suffix: 'windows.net', kind: 'cdn', what: 'Azure storage' }, { suffix: 'msedge.net', kind: 'cdn', what: 'Microsoft edge network' },
  { suffix: 'fastly.net', kind: 'cdn', what: 'Fastly' }, { suffix: 'fastlylb.net', kind: 'cdn', what: 'Fastly' },
  { suffix: 'cdn77.org', kind: 'cdn', what: 'CDN77' }, { suffix: 'edgecastcdn.net', kind: 'cdn', what: 'Edgecast' },
  { suffix: 'llnwd.net', kind: 'cdn', what: 'Limelight' }, { suffix: 'cloudflare.net', kind: 'cdn', what: 'Cloudflare' },
  { suffix: 'googlevideo.com', kind: 'cdn', what: 'YouTube video caches' }, { suffix: 'gvt1.com', kind: 'cdn', what: 'Google downloads' },
  { suffix: 'googleusercontent.com', kind: 'cdn', what: 'Google user content' }, { suffix: '1e100.net', kind: 'cdn', what: 'Google hosts' },
  { suffix: 'nflxvideo.net', kind: 'cdn', what: 'Netflix caches' }, { suffix: 'fbcdn.net', kind: 'cdn', what: 'Facebook CDN' },
  { suffix: 'cdninstagram.com', kind: 'cdn', what: 'Instagram CDN' }, { suffix: 'scdn.co', kind: 'cdn', what: 'Spotify CDN' },
  { suffix: 'spamhaus.org', kind: 'lookup', what: 'Spamhaus blocklists' }, { suffix: 'spamcop.net', kind: 'lookup', what: 'SpamCop blocklist' },
  { suffix: 'sorbs.net', kind: 'lookup', what: 'SORBS blocklists' }, { suffix: 'barracudacentral.org', kind: 'lookup', what: 'Barracuda blocklist' },
  { suffix: 'surbl.org', kind: 'lookup', what: 'SURBL URI blocklist' }, { suffix: 'uribl.com', kind: 'lookup', what: 'URIBL blocklist' },
  { suffix: 'dnswl.org', kind: 'lookup', what: 'DNSWL allow list' }, { suffix: 'mailspike.net', kind: 'lookup', what: 'Mailspike reputation' },
  { suffix: 'senderscore.com', kind: 'lookup', what: 'Sender Score reputation' }, { suffix: 'spameatingmonkey.net', kind: 'lookup', what: 'SEM blocklists' },
  { suffix: 'abuseat.org', kind: 'lookup', what: 'CBL blocklist' }, { suffix: 'dnsbl.info', kind: 'lookup', what: 'DNSBL' },
  { suffix: 'sophosxl.net', kind: 'lookup', what: 'Sophos reputation look-ups' }, { suffix: 'e5.sk', kind: 'lookup', what: 'ESET reputation look-ups' },
  { suffix: 'avqs.mcafee.com', kind: 'lookup', what: 'McAfee GTI look-ups' }, { suffix: 'gti.mcafee.com', kind: 'lookup', what: 'McAfee GTI look-ups' },
  { suffix: 'cymru.com', kind: 'lookup', what: 'Team Cymru IP-to-ASN and hash registry' },
];

const CATALOGUE = new Map(HIGH_CARDINALITY_SERVICES.map((e) => [e.suffix, e]));

/** The catalogue entry a name falls under (the name or any parent of it), if any. */
export function catalogueEntry(name: string | undefined): (typeof HIGH_CARDINALITY_SERVICES)[number] | undefined {
  if (name === undefined) return undefined;
  let rest = name;
  for (;;) {
    const e = CATALOGUE.get(rest);
    if (e !== undefined) return e;
    const dot = rest.indexOf('.');
    if (dot < 0) return undefined;
    rest = rest.slice(dot + 1);
  }
}

/** Merge user overrides over the defaults; fails fast on a value out of range. */
export function dnsSettings(overrides: Partial<DnsSettings> = {}): Readonly<DnsSettings> {
  const s = { ...DNS_DEFAULTS, ...overrides };
  for (const [k, v] of Object.entries(s)) {
    if (typeof v === 'number' && !(Number.isFinite(v) && v >= 0)) throw new Error(`Cannot use DNS setting ${k}=${v}: must be a finite number >= 0`);
  }
  if (s.nxWindowSeconds <= 0) throw new Error('Cannot use DNS setting nxWindowSeconds: must be > 0');
  return Object.freeze(s);
}
