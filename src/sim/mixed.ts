/**
 * The `mixed` scenario: many malicious behaviours at once, with parameters drawn from the seed
 * (documented per behaviour in the labels): six beacons covering every transport, jitter from 0
 * to 50% (uniform and gaussian), missed beats, several connections per beat, IP rotation behind
 * a domain, work-hours-only; a Stratum miner; a reverse shell; a fast 445 sweep whose infected
 * hosts start the scanner's beacon (second hop); a slow sweep over hours; a vertical scan; DGA
 * bursts; a DNS tunnel; ICMP and ICMPv6 ping sweeps. Each behaviour gets its own host while hosts last.
 */
import type { Generator, SimContext } from './context.js';
import type { BehaviourLabel } from './labels.js';
import type { Host } from './network.js';
import type { Rng } from './rng.js';
import { Beacon, type BeaconParams } from './behaviours/beacon.js';
import { Mining } from './behaviours/mining.js';
import { ReverseShell } from './behaviours/reverse-shell.js';
import { HorizontalScan, VerticalScan } from './behaviours/scan.js';
import { Dga, DnsC2 } from './behaviours/dns-abuse.js';
import { IcmpSweep } from './behaviours/icmp-sweep.js';
import { ip6, ipStr } from './addr.js';
import { moneroWallet } from './payload/stratum.js';
import { pickVictim, XMRIG_AGENT } from './scenarios.js';
import { SITES } from './catalog.js';

const WORDS = ['cdn', 'update', 'sync', 'cloud', 'api', 'static', 'secure', 'portal', 'data', 'stats', 'metrics', 'service',
  'online', 'web', 'hub', 'node', 'edge', 'check', 'soft', 'tech', 'global', 'micro', 'net', 'link'];
const TLDS = ['com', 'net', 'org', 'info', 'biz', 'xyz', 'top'];
const FIRST_OCTETS = [5, 31, 37, 45, 46, 62, 77, 79, 80, 81, 82, 85, 87, 91, 92, 93, 94, 95, 103, 109, 128, 130, 134, 138, 141,
  146, 149, 159, 164, 167, 176, 178, 185, 188, 193, 194, 195, 212, 213, 217];

/** Holds generators and accepts new ones while the simulation runs (second-hop infections). */
class Group implements Generator {
  readonly gens: Generator[] = [];
  window(ws: number, we: number): void {
    for (let i = 0; i < this.gens.length; i++) this.gens[i].window(ws, we);
  }
  labels(): { behaviours: BehaviourLabel[] } {
    const out: BehaviourLabel[] = [];
    for (const g of this.gens) out.push(...(g.labels?.().behaviours ?? []));
    return { behaviours: out };
  }
}

/** Builds the generators of the mixed scenario. */
export function buildMixed(ctx: SimContext, rng: Rng): Generator[] {
  const used = new Set<Host>();
  const taken = new Set<string>(SITES.flatMap((s) => s.a));
  const D = ctx.end - ctx.start;
  const at = (frac: number): number => Math.round(ctx.start + D * frac);
  const publicIp = (): string => {
    for (;;) {
      const a = `${rng.pick(FIRST_OCTETS)}.${rng.int(0, 256)}.${rng.int(0, 256)}.${rng.int(1, 255)}`;
      if (!taken.has(a)) { taken.add(a); return a; }
    }
  };
  const domain = (): string => `${rng.pick(WORDS)}-${rng.pick(WORDS)}${rng.int(1, 99)}.${rng.pick(TLDS)}`;
  const g = new Group();
  const beacon = (id: string, p: Partial<BeaconParams> & Pick<BeaconParams, 'transport' | 'port' | 'period' | 'jitter' | 'description'>): BeaconParams => ({
    id, host: pickVictim(ctx, rng, used), ips: [publicIp()], jitterDist: 'uniform', missed: 0, connsPerBeat: 1, sizeNoise: 0.1, reqBytes: 300,
    respBytes: 120, workHoursOnly: false, start: at(rng.range(0, 0.05)), end: ctx.end, ...p,
  });

  // Beacon A: HTTPS behind a domain rotating over 3 addresses; the scanner's beacon (copied by the second hop).
  const a = beacon('mixed-beacon-https-rotating', {
    transport: 'https', port: 443, domain: domain(), ips: [publicIp(), publicIp(), publicIp()], dnsTtl: 300, perAnswer: 1,
    period: rng.pick([60, 120, 300]), jitter: Number(rng.range(0, 0.2).toFixed(3)), missed: 0.05, tlsClient: 'schannel', reqBytes: 600, respBytes: 200,
    description: 'HTTPS beacon to a domain whose address rotates (DNS TTL 300 s); later copied by hosts the scanner infects',
  });
  g.gens.push(new Beacon(ctx, a, rng.fork(a.id)));
  // Beacon B: HTTP POST, direct to an IP, gaussian jitter, two connections per beat.
  const b = beacon('mixed-beacon-http-gaussian', {
    transport: 'http', port: 80, period: rng.pick([300, 600]), jitter: Number(rng.range(0.2, 0.4).toFixed(3)), jitterDist: 'gaussian', connsPerBeat: 2,
    path: `/${rng.pick(WORDS)}/gate.php`, description: 'HTTP POST beacon straight to an IP, gaussian jitter, two connections per beat',
  });
  g.gens.push(new Beacon(ctx, b, rng.fork(b.id)));
  // Beacon C: HTTPS during work hours only, self-signed, TLS 1.2-only client.
  const c = beacon('mixed-beacon-https-workhours', {
    transport: 'https', port: 443, domain: domain(), period: 1800, jitter: 0.1, tlsClient: 'legacy', workHoursOnly: true, missed: 0.1,
    description: 'HTTPS beacon only during office hours (08-18 on weekdays), legacy TLS client, 10% missed beats',
  });
  g.gens.push(new Beacon(ctx, c, rng.fork(c.id)));
  // Beacon D: raw TCP, 50% jitter, 20% missed, noisy sizes.
  const d = beacon('mixed-beacon-tcp-jittery', {
    transport: 'tcp', port: 6606, period: 120, jitter: 0.5, missed: 0.2, sizeNoise: 0.5, reqBytes: 200, respBytes: 500,
    description: 'raw TCP beacon with 50% uniform jitter, 20% missed beats and noisy sizes',
  });
  g.gens.push(new Beacon(ctx, d, rng.fork(d.id)));
  // Beacon E: UDP, steady.
  const e = beacon('mixed-beacon-udp', {
    transport: 'udp', port: 1604, period: rng.pick([30, 45, 90]), jitter: 0.05, reqBytes: 64, respBytes: 48, sizeNoise: 0.2,
    description: 'UDP beacon with 5% jitter',
  });
  g.gens.push(new Beacon(ctx, e, rng.fork(e.id)));
  // Beacon F: over DNS (TXT lookups of one name through the resolver).
  const f = beacon('mixed-beacon-dns', {
    transport: 'dns', port: 53, domain: domain(), ips: [], period: 300, jitter: 0.2, jitterDist: 'gaussian',
    description: 'DNS beacon: a TXT lookup of the same host-specific name every 5 minutes, bypassing caches',
  });
  f.ips = [ctx.net.resolver.ipStr];
  g.gens.push(new Beacon(ctx, f, rng.fork(f.id)));

  // Mining.
  const poolIps = [publicIp(), publicIp()];
  g.gens.push(new Mining(ctx, {
    id: 'mixed-mining', host: pickVictim(ctx, rng, used), domain: `pool.xmr-${rng.pick(WORDS)}.${rng.pick(['net', 'org', 'com'])}`, ips: poolIps, port: 14444,
    sessionSec: [2 * 3600, 6 * 3600], jobMeanSec: 100, shareMeanSec: 30, keepaliveSec: 60, agent: XMRIG_AGENT, wallet: moneroWallet(rng),
    start: at(rng.range(0.05, 0.2)), end: ctx.end, description: 'XMRig mining over Stratum on port 14444',
  }, rng.fork('mining')));

  // Reverse shell.
  g.gens.push(new ReverseShell(ctx, {
    id: 'mixed-reverse-shell', host: pickVictim(ctx, rng, used), ip: publicIp(), port: 4444, start: at(rng.range(0.25, 0.35)),
    durationSec: Math.round(Math.min(D / 1e6 * 0.5, 6 * 3600)), description: 'interactive reverse shell held open for hours',
  }, rng.fork('shell')));

  // Fast 445 sweep from beacon A's host; infected hosts start beacon A themselves.
  const subnets = Math.ceil(ctx.net.hosts.length / 100);
  const scanner = a.host;
  const otherSubnet = subnets > 1 ? (scanner.subnet % subnets) + 1 : scanner.subnet;
  let hop = 0;
  const scanFast = new HorizontalScan(ctx, {
    id: 'mixed-scan-445-fast', host: scanner, net24: `10.1.${otherSubnet}`, port: 445, order: rng.chance(0.5) ? 'sequential' : 'random',
    intervalMs: rng.int(15, 80), start: at(rng.range(0.2, 0.3)), filteredShare: 0.55, closedShare: 0.35, infect: 2, payloadBytes: rng.int(30_000, 90_000),
    description: 'fast SMB (445) sweep of a /24; most probes fail (S0/REJ), two vulnerable hosts are infected',
    onInfect: (h, t) => {
      if (used.has(h)) return;
      used.add(h);
      const id = `${a.id}-hop${++hop}`;
      g.gens.push(new Beacon(ctx, { ...a, id, host: h, start: t + rng.int(60e6, 900e6), parent: 'mixed-scan-445-fast',
        description: `second hop: host infected by ${scanner.ipStr}'s sweep starts the same beacon` }, rng.fork(id)));
    },
  }, rng.fork('scan-fast'));
  g.gens.push(scanFast);
  // Slow sweep over hours from another host.
  const slowHost = pickVictim(ctx, rng, used);
  const spread = Math.min(D * 0.5, 4 * 3600e6);
  g.gens.push(new HorizontalScan(ctx, {
    id: 'mixed-scan-445-slow', host: slowHost, net24: `10.1.${slowHost.subnet}`, port: 445, order: 'random', intervalMs: Math.round(spread / 1000 / 254),
    start: at(rng.range(0.1, 0.2)), filteredShare: 0.6, closedShare: 0.35, infect: 0, payloadBytes: 0,
    description: 'slow SMB sweep spread over hours (low and slow), random order, no infection',
  }, rng.fork('scan-slow')));
  // Vertical scan of the file server.
  const ports = rng.shuffle(Array.from({ length: 1024 }, (_, k) => k + 1));
  g.gens.push(new VerticalScan(ctx, {
    id: 'mixed-scan-vertical', host: pickVictim(ctx, rng, used), target: ctx.net.fileServer.side, targetIp: ctx.net.fileServer.ipStr,
    ports, open: [53, 88, 135, 139, 389, 445, 464, 636], filteredShare: 0.05, intervalMs: rng.int(3, 20), start: at(rng.range(0.55, 0.65)),
    description: 'SYN port scan of ports 1-1024 of the file server',
  }, rng.fork('vscan')));
  // DGA.
  g.gens.push(new Dga(ctx, {
    id: 'mixed-dga', host: pickVictim(ctx, rng, used), tlds: ['com', 'net', 'org', 'info', 'biz', 'ru'], namesPerBurst: rng.int(40, 150),
    burstInterval: Math.max(600, Math.round(D / 1e6 / 4)), queryGap: rng.range(0.05, 0.5), registeredPerBurst: 1, c2Ip: publicIp(),
    start: at(0.02), end: ctx.end, description: 'DGA: bursts of generated names, nearly all NXDOMAIN, one registered',
  }, rng.fork('dga')));
  // DNS tunnel.
  g.gens.push(new DnsC2(ctx, {
    id: 'mixed-dns-c2', host: pickVictim(ctx, rng, used), domain: `t.${domain()}`, pollInterval: rng.pick([60, 120, 300]),
    sessionInterval: 5400, sessionQueries: [20, 150], start: at(rng.range(0, 0.1)), end: ctx.end,
    description: 'C2 over DNS: TXT queries of unique base32 subdomains of one zone, idle polls and data sessions',
  }, rng.fork('dns-c2')));
  // Ping sweeps from one dual-stack host (when there is one left): its IPv4 /24 with ICMP echo,
  // then, a few minutes later, the IPv6 addresses next to its own with ICMPv6 echo.
  const v6Free = ctx.net.hosts.filter((h) => h.side6 !== undefined && !used.has(h));
  const sweeper = v6Free.length ? rng.pick(v6Free.filter((h) => !h.laptop).length ? v6Free.filter((h) => !h.laptop) : v6Free) : pickVictim(ctx, rng, used);
  used.add(sweeper);
  const sweepStart = at(rng.range(0.3, 0.5));
  const pingGap = rng.int(20, 250);
  g.gens.push(new IcmpSweep(ctx, {
    id: 'mixed-icmp-sweep', host: sweeper, family: 'ipv4', targets: Array.from({ length: 254 }, (_, k) => `10.1.${sweeper.subnet}.${k + 1}`),
    targetsText: `10.1.${sweeper.subnet}.0/24`, intervalMs: pingGap, replyShare: 0.6, start: sweepStart,
    description: 'ping sweep (ICMP echo, one request per address) of the host\'s own /24, host discovery before a scan',
  }, rng.fork('icmp-sweep')));
  if (sweeper.side6 !== undefined) {
    const base6 = 0x1000;
    g.gens.push(new IcmpSweep(ctx, {
      id: 'mixed-icmp6-sweep', host: sweeper, family: 'ipv6', targets: Array.from({ length: 256 }, (_, k) => ipStr(ip6(`2001:db8:c2::${(base6 + k).toString(16)}`))),
      targetsText: `2001:db8:c2::${base6.toString(16)}-${(base6 + 255).toString(16)}`, intervalMs: pingGap, replyShare: 0.6,
      start: sweepStart + 254 * pingGap * 1000 + rng.int(60e6, 600e6),
      description: 'ICMPv6 echo sweep of the IPv6 addresses next to the host\'s own (sequential guesses in its /64)',
    }, rng.fork('icmp6-sweep')));
  }
  return [g];
}
