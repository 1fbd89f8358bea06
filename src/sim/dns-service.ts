/**
 * Name resolution as the hosts experience it: each host has a DNS cache honouring TTLs, asks the
 * internal recursive resolver on a miss, and the resolver answers from its own cache (remaining
 * TTL, same rotated address set for everyone until expiry) or after recursion (tens of ms).
 * Every lookup on the wire is a real query/answer pair whose addresses are the ones the host
 * then connects to.
 */
import { SITE_BY_NAME } from './catalog.js';
import type { PacketSource } from './flow.js';
import { AD_DOMAIN, type Host, type Network } from './network.js';
import { QTYPE, RCODE, dnsQuery, dnsResponse, type DnsRR } from './payload/dns.js';
import type { Rng } from './rng.js';
import { UdpFlow } from './udp-flow.js';

/** Resolver latency on a cache hit / after recursion, microseconds (ranges). */
const HIT_US: [number, number] = [250, 1500];
const MISS_US: [number, number] = [8000, 70000];
/** TTL the resolver gives negative answers (SOA minimum), seconds. */
const NEG_TTL = 900;

/** How the resolver answers a name. */
export interface ZoneEntry {
  /** CNAME chain before the addresses. */
  cname?: string[];
  a?: string[];
  aaaa?: string[];
  /** Addresses per answer (rotated through the pool per resolver fetch). */
  perAnswer: number;
  ttl: number;
  /** Name does not exist (NXDOMAIN). */
  nx?: boolean;
  /** TXT answer generator (DNS C2). */
  txt?: (rng: Rng, qname: string) => string[];
  /** Also answers every name below this one. */
  wildcard?: boolean;
  /** SRV answer. */
  srv?: { priority: number; weight: number; port: number; target: string };
}

/** Result of a lookup: when the answer reaches the host, and the addresses in it. */
export interface DnsResult {
  ready: number;
  ips: string[];
  rcode: number;
  /** True when the host answered from its own cache (no packets). */
  cached: boolean;
}

function soaFor(name: string): DnsRR {
  const labels = name.split('.');
  const tld = labels[labels.length - 1];
  const gtld = tld === 'com' || tld === 'net';
  return {
    name: tld, type: QTYPE.SOA, ttl: NEG_TTL,
    data: gtld
      ? { mname: 'a.gtld-servers.net', rname: 'nstld.verisign-grs.com', serial: 1793577612, refresh: 1800, retry: 900, expire: 604800, minimum: 86400 }
      : { mname: `ns1.nic.${tld}`, rname: `hostmaster.nic.${tld}`, serial: 2026110201, refresh: 1800, retry: 900, expire: 604800, minimum: 3600 },
  };
}

/** The internal recursive resolver and the hosts' resolver clients. */
export class DnsService {
  /** Extra names (malicious domains, pools ...) registered by behaviours. */
  readonly zone = new Map<string, ZoneEntry>();
  private readonly resolverCache = new Map<string, { exp: number; ips: string[] }>();

  constructor(private readonly net: Network, private readonly add: (s: PacketSource) => void) {
    const z = this.zone;
    z.set(net.dc.fqdn, { a: [net.dc.ipStr], perAnswer: 1, ttl: 3600 });
    z.set(net.fileServer.fqdn, { a: [net.fileServer.ipStr], perAnswer: 1, ttl: 3600 });
    z.set(net.linuxServer.fqdn, { a: [net.linuxServer.ipStr], perAnswer: 1, ttl: 3600 });
    z.set(`_ldap._tcp.dc._msdcs.${AD_DOMAIN}`, { perAnswer: 1, ttl: 600, srv: { priority: 0, weight: 100, port: 389, target: net.dc.fqdn } });
    z.set(`_kerberos._tcp.dc._msdcs.${AD_DOMAIN}`, { perAnswer: 1, ttl: 600, srv: { priority: 0, weight: 100, port: 88, target: net.dc.fqdn } });
  }

  /** Registers (or replaces) how `name` resolves. */
  register(name: string, e: ZoneEntry): void {
    this.zone.set(name.toLowerCase(), e);
  }

  private entry(name: string): ZoneEntry | undefined {
    const z = this.zone.get(name);
    if (z) return z;
    const s = SITE_BY_NAME.get(name);
    if (s) return { cname: s.cname, a: s.a, aaaa: s.aaaa, perAnswer: s.perAnswer, ttl: s.ttl };
    for (let i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) {
      const w = this.zone.get(name.slice(i + 1));
      if (w?.wildcard) return w;
    }
    return undefined;
  }

  /**
   * Resolves `name` for host `h` at `t` (µs). Emits the query and answer unless the host's cache
   * holds the name (`noCache` forces a query and stores nothing, for one-off names).
   */
  lookup(h: Host, name: string, t: number, rng: Rng, opts: { qtype?: number; noCache?: boolean } = {}): DnsResult {
    const qtype = opts.qtype ?? QTYPE.A;
    const key = `${qtype}:${name}`;
    if (!opts.noCache) {
      const c = h.dnsCache.get(key);
      if (c && c.exp > t) return { ready: t, ips: c.ips, rcode: RCODE.NOERROR, cached: true };
    }
    const e = this.entry(name);
    let rcode: number = RCODE.NOERROR;
    const answers: DnsRR[] = [];
    const authority: DnsRR[] = [];
    let ips: string[] = [];
    let latency: number;
    let ttl = e?.ttl ?? NEG_TTL;
    const rc = this.resolverCache.get(key);
    const hit = !!rc && rc.exp > t && !opts.noCache;
    latency = hit ? rng.int(HIT_US[0], HIT_US[1]) : rng.int(MISS_US[0], MISS_US[1]);
    if (!e || e.nx) {
      rcode = RCODE.NXDOMAIN;
      authority.push(soaFor(name));
    } else {
      if (hit) {
        ips = rc!.ips;
        ttl = Math.max(1, Math.ceil((rc!.exp - t) / 1e6));
      } else {
        const pool = qtype === QTYPE.AAAA ? e.aaaa ?? [] : qtype === QTYPE.A ? e.a ?? [] : [];
        const k = Math.min(e.perAnswer, pool.length);
        const off = rng.int(0, Math.max(1, pool.length));
        ips = [];
        for (let i = 0; i < k; i++) ips.push(pool[(off + i) % pool.length]);
        if (!opts.noCache) this.resolverCache.set(key, { exp: t + e.ttl * 1e6, ips });
      }
      let owner = name;
      for (const c of e.cname ?? []) {
        answers.push({ name: owner, type: QTYPE.CNAME, ttl, data: c });
        owner = c;
      }
      if (qtype === QTYPE.TXT && e.txt) answers.push({ name: owner, type: QTYPE.TXT, ttl, data: e.txt(rng, name) });
      if (qtype === QTYPE.SRV && e.srv) answers.push({ name: owner, type: QTYPE.SRV, ttl, data: e.srv });
      for (const a of ips) answers.push({ name: owner, type: qtype, ttl, data: a });
      if (answers.length === 0) authority.push(soaFor(name));
    }
    const id = rng.int(0, 65536);
    const sport = this.net.port(h);
    const done = t + latency;
    this.add(new UdpFlow(h.side, this.net.resolver.side, sport, 53, [
      { ts: t, dir: 0, data: dnsQuery(id, name, qtype) },
      { ts: done, dir: 1, data: dnsResponse(id, name, qtype, rcode, answers, authority) },
    ]));
    if (!opts.noCache && rcode === RCODE.NOERROR && ips.length) h.dnsCache.set(key, { exp: t + ttl * 1e6, ips });
    return { ready: done + rng.int(100, 600), ips, rcode, cached: false };
  }
}
