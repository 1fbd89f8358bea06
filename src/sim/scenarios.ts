/**
 * Scenarios: which malicious behaviours run on top of the benign background.
 * - `ramnit`: article case 1.
 * - `smominru`: article case 2.
 * - `benign`: background only.
 * - `mixed`: many behaviours with varied, seeded parameters.
 */
import type { Generator, SimContext } from './context.js';
import type { Host } from './network.js';
import { Rng } from './rng.js';
import { Beacon } from './behaviours/beacon.js';
import { Mining } from './behaviours/mining.js';
import { moneroWallet } from './payload/stratum.js';
import { buildMixed } from './mixed.js';

/** A named scenario: builds its malicious generators for a simulation. */
export interface Scenario {
  name: string;
  description: string;
  build(ctx: SimContext, rng: Rng): Generator[];
}

/** An always-on Windows host (not a laptop), chosen by the seed, not in `avoid`. */
export function pickVictim(ctx: SimContext, rng: Rng, avoid: Set<Host> = new Set()): Host {
  const good = ctx.net.hosts.filter((h) => !h.laptop && h.os === 'windows' && !avoid.has(h));
  const pool = good.length ? good : ctx.net.hosts.filter((h) => !avoid.has(h));
  const h = pool.length ? rng.pick(pool) : ctx.net.hosts[0];
  avoid.add(h);
  return h;
}

/** XMRig's agent string as sent in `login`. */
export const XMRIG_AGENT = 'XMRig/6.21.0 (Windows NT 10.0; Win64; x64) libuv/1.44.2 msvc/2019';

/** Case 2's pool name (contains the Monero marker "xmr"). */
export const SMOMINRU_POOL = 'xmr.smnpool.net';

const SCENARIOS: Scenario[] = [
  {
    name: 'ramnit',
    description: 'article case 1: one host beacons to fget-career.com (89.185.44.100) over TLS on 443 every 10 minutes with small jitter, all capture long',
    build(ctx, rng) {
      const host = pickVictim(ctx, rng);
      return [new Beacon(ctx, {
        id: 'ramnit-beacon', host, domain: 'fget-career.com', ips: ['89.185.44.100'], port: 443, transport: 'https',
        period: 600, jitter: 0.02, jitterDist: 'uniform', missed: 0, connsPerBeat: 1, sizeNoise: 0.1, reqBytes: 420, respBytes: 96,
        workHoursOnly: false, start: ctx.start, end: ctx.end, dnsTtl: 300, tlsClient: 'schannel',
        description: 'Ramnit C2 heartbeat: system time and host information to fget-career.com:443 every 10 minutes',
      }, rng.fork('ramnit'))];
    },
  },
  {
    name: 'smominru',
    description: `article case 2: one host mines over long Stratum sessions to ${SMOMINRU_POOL} (107.191.99.55:5555); another beacons to 118.184.176.15:80 (HTTP, 15 min) and 78.142.29.152:8888 (TCP, 20 min)`,
    build(ctx, rng) {
      const avoid = new Set<Host>();
      const miner = pickVictim(ctx, rng, avoid);
      const bot = pickVictim(ctx, rng, avoid);
      return [
        new Mining(ctx, {
          id: 'smominru-miner', host: miner, domain: SMOMINRU_POOL, ips: ['107.191.99.55'], port: 5555, sessionSec: [3 * 3600, 9 * 3600],
          jobMeanSec: 110, shareMeanSec: 40, keepaliveSec: 60, agent: XMRIG_AGENT, wallet: moneroWallet(rng), start: ctx.start, end: ctx.end,
          description: 'Smominru miner: long Stratum sessions to the Monero pool',
        }, rng.fork('miner')),
        new Beacon(ctx, {
          id: 'smominru-c2-http', host: bot, ips: ['118.184.176.15'], port: 80, transport: 'http', period: 900, jitter: 0.03, jitterDist: 'gaussian',
          missed: 0.02, connsPerBeat: 1, sizeNoise: 0.15, reqBytes: 180, respBytes: 60, workHoursOnly: false, start: ctx.start, end: ctx.end,
          path: '/ver.php', userAgent: 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)',
          description: 'Smominru C2 check-in over HTTP POST every 15 minutes',
        }, rng.fork('c2-a')),
        new Beacon(ctx, {
          id: 'smominru-c2-tcp', host: bot, ips: ['78.142.29.152'], port: 8888, transport: 'tcp', period: 1200, jitter: 0.05, jitterDist: 'uniform',
          missed: 0.02, connsPerBeat: 1, sizeNoise: 0.2, reqBytes: 96, respBytes: 240, workHoursOnly: false, start: ctx.start, end: ctx.end,
          description: 'Smominru C2 over raw TCP every 20 minutes',
        }, rng.fork('c2-b')),
      ];
    },
  },
  {
    name: 'benign',
    description: 'background traffic only (no malicious behaviour): the false-positive baseline',
    build() {
      return [];
    },
  },
  {
    name: 'mixed',
    description: 'many behaviours at once with seeded parameters: beacons (HTTPS/HTTP/TCP/UDP/DNS, jitter 0-50%, missed beats, IP rotation, work hours), mining, reverse shell, 445 sweep with second-hop infection, vertical scan, ICMP and ICMPv6 ping sweeps, DGA, DNS C2',
    build: (ctx, rng) => buildMixed(ctx, rng),
  },
];

/** The scenarios, by name. */
export function getScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

/** Names and descriptions of every scenario. */
export function listScenarios(): { name: string; description: string }[] {
  return SCENARIOS.map((s) => ({ name: s.name, description: s.description }));
}
