/**
 * Propagation scanning. Horizontal: one host sweeps a port (445) over a /24 in order or at random,
 * fast or spread over hours; absent or firewalled hosts never answer (S0: the SYN is retried
 * after 1 s and 2 s), closed ports answer RST (REJ), open ones complete the handshake and get an
 * SMBv1 negotiate; a few vulnerable ones receive the payload (a train of SMB messages) and later
 * start the infecting host's beacon themselves (second hop). Vertical: one host probes many
 * ports of one target with half-open SYN scanning (SYN, SYN/ACK, RST).
 */
import type { Generator, SimContext } from '../context.js';
import { EventTracker, type BehaviourLabel } from '../labels.js';
import { isPresent, type Host } from '../network.js';
import { smb1Echo, smb1NegotiateReq, smb1NegotiateResp } from '../payload/smb.js';
import type { Rng } from '../rng.js';
import { TcpFlow, type TcpStep } from '../tcp-flow.js';
import type { Side } from '../pcap-writer.js';
import { mac } from '../addr.js';

/** LAN round trip for scan probes, µs (range). */
const PROBE_RTT_US: [number, number] = [200, 1200];
/** Size of one SMB message of the worm's payload, bytes. */
const PAYLOAD_CHUNK = 4000;

/** Parameters of a horizontal sweep. `start` in µs. */
export interface HorizontalScanParams {
  id: string;
  host: Host;
  /** First three octets of the swept /24, e.g. `10.1.2`. */
  net24: string;
  port: number;
  order: 'sequential' | 'random';
  /** Mean time between probes, ms. */
  intervalMs: number;
  start: number;
  /** For targets that exist: shares of filtered (no answer) and closed (RST); the rest are open. */
  filteredShare: number;
  closedShare: number;
  /** How many open targets are vulnerable and get infected. */
  infect: number;
  /** Bytes of payload delivered to an infected host. */
  payloadBytes: number;
  description: string;
  /** Called for each infected host with the time of infection (µs): starts the second hop. */
  onInfect?: (h: Host, t: number) => void;
}

interface Probe { t: number; addr: string; target?: Host }

/** A horizontal scan (sweep) generator. */
export class HorizontalScan implements Generator {
  private probes: Probe[] = [];
  private i = 0;
  private readonly track = new EventTracker();
  private readonly outcome = { s0: 0, rej: 0, open: 0, infected: 0 };
  readonly infected: string[] = [];
  private infectLeft: number;
  private readonly gw: Uint8Array;

  constructor(private readonly ctx: SimContext, readonly p: HorizontalScanParams, private readonly rng: Rng) {
    this.infectLeft = p.infect;
    this.gw = mac('00:1b:54:c2:00:01');
    const octets = Array.from({ length: 254 }, (_, k) => k + 1);
    if (p.order === 'random') rng.shuffle(octets);
    let t = p.start;
    for (const o of octets) {
      const addr = `${p.net24}.${o}`;
      if (addr === p.host.ipStr) continue;
      this.probes.push({ t: Math.round(t), addr, target: ctx.net.hostByIp(addr) });
      t += rng.exp(p.intervalMs * 1000);
    }
  }

  window(_ws: number, we: number): void {
    const { ctx, p, rng } = this;
    while (this.i < this.probes.length && this.probes[this.i].t < we) {
      const pr = this.probes[this.i++];
      this.track.hit(pr.t, ctx.end);
      const rtt = rng.int(PROBE_RTT_US[0], PROBE_RTT_US[1]);
      const sport = ctx.net.port(p.host);
      const server: Side = pr.target ? ctx.net.hostAsServer(pr.target, p.host.subnet) : { mac: this.gw, ip: ctx.net.addr(pr.addr), ttl: 127, ipId: 0 };
      const base = { client: p.host.side, server, sport, dport: p.port, start: pr.t, rtt, rng };
      const r = rng.next();
      if (!pr.target || !isPresent(pr.target, pr.t) || r < p.filteredShare) {
        this.outcome.s0++;
        ctx.add(new TcpFlow({ ...base, open: 's0' }));
      } else if (r < p.filteredShare + p.closedShare) {
        this.outcome.rej++;
        ctx.add(new TcpFlow({ ...base, open: 'rej' }));
      } else {
        this.outcome.open++;
        const vulnerable = this.infectLeft > 0 && pr.target !== p.host;
        const steps: TcpStep[] = [{ from: 0, data: [smb1NegotiateReq()], think: rng.int(100, 2000) }];
        if (vulnerable) {
          this.infectLeft--;
          this.outcome.infected++;
          this.infected.push(pr.addr);
          steps.push({ from: 1, data: [smb1NegotiateResp(rng, ctx.pool, rng.bytes(16), pr.t)], think: rng.int(200, 2000) });
          let mid = 1;
          for (let sent = 0; sent < p.payloadBytes; sent += PAYLOAD_CHUNK) {
            const n = Math.min(PAYLOAD_CHUNK, p.payloadBytes - sent);
            steps.push({ from: 0, data: [smb1Echo(false, mid, ctx.pool.copy(rng, n))], think: rng.int(100, 3000) });
            steps.push({ from: 1, data: [smb1Echo(true, mid, ctx.pool.copy(rng, 8))], think: rng.int(100, 1000) });
            mid++;
          }
          ctx.add(new TcpFlow({ ...base, steps, close: 'fin_c', closeDelay: rng.int(10_000, 500_000) }));
          p.onInfect?.(pr.target!, pr.t);
        } else {
          // SMBv1 disabled: the host hangs up on the negotiate.
          ctx.add(new TcpFlow({ ...base, steps, close: 'fin_s', closeDelay: rng.int(100, 2000) }));
        }
      }
    }
  }

  /** When the last probe is sent, µs. */
  get lastProbe(): number {
    return this.probes.length ? this.probes[this.probes.length - 1].t : this.p.start;
  }

  labels(): { behaviours: BehaviourLabel[] } {
    const p = this.p;
    const b = this.track.bounds(p.start, this.lastProbe);
    return {
      behaviours: [{
        id: p.id, kind: 'scan_horizontal', malicious: true, host: p.host.ipStr, port: p.port, proto: 'tcp', start: b.start, end: b.end,
        ...(this.infected.length ? { dst_ips: this.infected } : {}),
        params: { targets: `${p.net24}.0/24`, order: p.order, interval_ms: p.intervalMs, probes: this.probes.length,
          outcomes: this.outcome, infected: this.infected, transport: 'tcp' },
        events: this.track.count, description: p.description,
      }],
    };
  }
}

/** Parameters of a vertical scan. `start` in µs. */
export interface VerticalScanParams {
  id: string;
  host: Host;
  target: Side;
  targetIp: string;
  /** Ports probed, in probe order. */
  ports: number[];
  /** Ports that answer SYN/ACK. */
  open: number[];
  /** Share of closed ports that answer nothing (firewall) instead of RST. */
  filteredShare: number;
  intervalMs: number;
  start: number;
  description: string;
}

/** A vertical (port) scan generator: half-open SYN probes. */
export class VerticalScan implements Generator {
  private i = 0;
  private t: number;
  private readonly track = new EventTracker();
  private readonly open: Set<number>;

  constructor(private readonly ctx: SimContext, readonly p: VerticalScanParams, private readonly rng: Rng) {
    this.t = p.start;
    this.open = new Set(p.open);
  }

  window(_ws: number, we: number): void {
    const { ctx, p, rng } = this;
    while (this.i < p.ports.length && this.t < we) {
      const port = p.ports[this.i++];
      const t = Math.round(this.t);
      this.t += rng.exp(p.intervalMs * 1000);
      this.track.hit(t, ctx.end);
      const kind = this.open.has(port) ? 'synscan' : rng.chance(p.filteredShare) ? 's0' : 'rej';
      ctx.add(new TcpFlow({ client: p.host.side, server: { ...p.target }, sport: ctx.net.port(p.host), dport: port, start: t,
        rtt: rng.int(PROBE_RTT_US[0], PROBE_RTT_US[1]), open: kind, synRetries: 1, rng }));
    }
  }

  labels(): { behaviours: BehaviourLabel[] } {
    const p = this.p;
    const b = this.track.bounds(p.start, this.t);
    return {
      behaviours: [{
        id: p.id, kind: 'scan_vertical', malicious: true, host: p.host.ipStr, dst_ip: p.targetIp, proto: 'tcp', start: b.start, end: b.end,
        params: { ports: p.ports.length, port_range: `${Math.min(...p.ports)}-${Math.max(...p.ports)}`, open_ports: p.open,
          interval_ms: p.intervalMs, filtered_share: p.filteredShare, transport: 'tcp' },
        events: this.track.count, description: p.description,
      }],
    };
  }
}
