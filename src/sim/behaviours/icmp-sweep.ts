/**
 * ICMP host discovery (ping sweep): one host sends a single echo request to every address of a
 * list (an IPv4 /24, or a run of IPv6 addresses next to its own), one after the other, as
 * `for /L %i in (1,1,254) do ping -n 1 -w 200 10.1.2.%i` or `nmap -sn` do before a port scan.
 * Windows ping's message: identifier 1, a sequence number that grows with every request, and
 * 32 bytes of `abcdefghijklmnopqrstuvwabcdefghi`. Hosts that exist, are on the network and let
 * echo through their firewall (a share of them) reply after a LAN round trip; the rest stay silent.
 */
import type { Generator, SimContext } from '../context.js';
import { EventTracker, type BehaviourLabel } from '../labels.js';
import { isPresent, type Host } from '../network.js';
import type { Rng } from '../rng.js';
import type { Side } from '../pcap-writer.js';
import { ICMP6_ECHO_REPLY, ICMP6_ECHO_REQUEST, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, IcmpFlow, type IcmpMessage } from '../icmp-flow.js';

/** LAN round trip of an echo, µs (range). */
const ECHO_RTT_US: [number, number] = [150, 900];
/** Windows ping's echo data. */
const WINDOWS_PING_DATA = new TextEncoder().encode('abcdefghijklmnopqrstuvwabcdefghi');
/** Windows ping's identifier. */
const WINDOWS_PING_IDENT = 1;

/** Parameters of a sweep. `start` in µs. */
export interface IcmpSweepParams {
  id: string;
  host: Host;
  /** `ipv4` (from the host's IPv4 address, ICMP) or `ipv6` (from its IPv6 address, ICMPv6). */
  family: 'ipv4' | 'ipv6';
  /** Addresses probed, in probe order (the host's own address is skipped). */
  targets: string[];
  /** What the targets are, for the labels (`10.1.2.0/24`, `2001:db8:c2::1000-10ff`). */
  targetsText: string;
  /** Mean time between requests, ms. */
  intervalMs: number;
  /** Share of present hosts whose firewall lets echo requests through. */
  replyShare: number;
  start: number;
  description: string;
}

interface Probe { t: number; addr: string; target?: Host }

/** A ping sweep generator. */
export class IcmpSweep implements Generator {
  private readonly probes: Probe[] = [];
  private i = 0;
  private seq: number;
  private readonly track = new EventTracker();
  private replies = 0;

  constructor(private readonly ctx: SimContext, readonly p: IcmpSweepParams, private readonly rng: Rng) {
    if (p.family === 'ipv6' && p.host.side6 === undefined) throw new Error(`Cannot simulate ${p.id}: ${p.host.ipStr} has no IPv6 address`);
    const own = p.family === 'ipv6' ? p.host.ip6Str : p.host.ipStr;
    const byV6 = new Map<string, Host>();
    if (p.family === 'ipv6') for (const h of ctx.net.hosts) if (h.ip6Str !== undefined) byV6.set(h.ip6Str, h);
    let t = p.start;
    for (const addr of p.targets) {
      if (addr === own) continue;
      this.probes.push({ t: Math.round(t), addr, target: p.family === 'ipv6' ? byV6.get(addr) : ctx.net.hostByIp(addr) });
      t += rng.exp(p.intervalMs * 1000);
    }
    this.seq = rng.int(1, 2000);
  }

  window(_ws: number, we: number): void {
    const { ctx, p, rng } = this;
    const v6 = p.family === 'ipv6';
    const client = v6 ? p.host.side6! : p.host.side;
    while (this.i < this.probes.length && this.probes[this.i].t < we) {
      const pr = this.probes[this.i++];
      this.track.hit(pr.t, ctx.end);
      const seq = this.seq = (this.seq + 1) & 0xffff;
      const rtt = rng.int(ECHO_RTT_US[0], ECHO_RTT_US[1]);
      const answers = pr.target !== undefined && isPresent(pr.target, pr.t) && rng.chance(p.replyShare);
      let server: Side;
      if (pr.target === undefined) server = ctx.net.remote(pr.addr, 64, rng);
      else if (v6) server = { mac: ctx.net.remote(pr.addr, 64, rng).mac, ip: pr.target.ip6!, ttl: pr.target.side6!.ttl - 1, ipId: 0 };
      else server = ctx.net.hostAsServer(pr.target, p.host.subnet);
      const req: IcmpMessage = { ts: pr.t, dir: 0, type: v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO_REQUEST, code: 0, ident: WINDOWS_PING_IDENT, seq, data: WINDOWS_PING_DATA };
      const msgs: IcmpMessage[] = [req];
      if (answers) {
        this.replies++;
        msgs.push({ ...req, ts: pr.t + rtt, dir: 1, type: v6 ? ICMP6_ECHO_REPLY : ICMP_ECHO_REPLY });
      }
      ctx.add(new IcmpFlow(client, server, msgs, v6 ? rng.int(1, 0x100000) : 0));
    }
  }

  labels(): { behaviours: BehaviourLabel[] } {
    const p = this.p;
    const last = this.probes.length ? this.probes[this.probes.length - 1].t : p.start;
    const b = this.track.bounds(p.start, last);
    return {
      behaviours: [{
        id: p.id, kind: 'scan_icmp', malicious: true, host: p.family === 'ipv6' ? p.host.ip6Str! : p.host.ipStr, proto: 'icmp', start: b.start, end: b.end,
        params: { family: p.family, targets: p.targetsText, probes: this.probes.length, interval_ms: p.intervalMs, reply_share: p.replyShare,
          replies: this.replies, icmp_type: p.family === 'ipv6' ? ICMP6_ECHO_REQUEST : ICMP_ECHO_REQUEST, transport: p.family === 'ipv6' ? 'icmpv6' : 'icmp' },
        events: this.track.count, description: p.description,
      }],
    };
  }
}
