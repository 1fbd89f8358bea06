/**
 * Cryptomining: an infected host keeps long Stratum sessions to a pool (login with the miner's
 * agent and the wallet, job notifications, share submissions, keepalives), reconnecting after
 * each session ends. The pool name is resolved through DNS before every session.
 */
import type { Generator, SimContext } from '../context.js';
import { EventTracker, type BehaviourLabel } from '../labels.js';
import type { Host } from '../network.js';
import { StratumSession } from '../payload/stratum.js';
import type { Rng } from '../rng.js';
import { TcpFlow, type StepSource, type TcpStep } from '../tcp-flow.js';

/** Parameters of a mining behaviour. Times in µs unless named in seconds. */
export interface MiningParams {
  id: string;
  host: Host;
  /** Pool name (resolved before each session) and its addresses. */
  domain: string;
  ips: string[];
  port: number;
  /** Session length range, seconds. */
  sessionSec: [number, number];
  /** Mean interval between new jobs from the pool, seconds. */
  jobMeanSec: number;
  /** Mean interval between shares submitted, seconds. */
  shareMeanSec: number;
  /** Idle time after which the miner sends a keepalive, seconds (XMRig: 60). */
  keepaliveSec: number;
  agent: string;
  wallet: string;
  start: number;
  end: number;
  description: string;
}

/** A mining generator. */
export class Mining implements Generator {
  private nextSession: number;
  private readonly track = new EventTracker();
  private height: number;

  constructor(private readonly ctx: SimContext, readonly p: MiningParams, private readonly rng: Rng) {
    this.nextSession = p.start + rng.int(0, 120e6);
    this.height = 3_260_000 + rng.int(0, 50_000);
    ctx.dns.register(p.domain, { a: p.ips, perAnswer: Math.min(2, p.ips.length), ttl: 600 });
  }

  window(ws: number, we: number): void {
    while (this.nextSession < we && this.nextSession < this.p.end) {
      const t = this.nextSession;
      const dur = this.rng.int(this.p.sessionSec[0] * 1e6, this.p.sessionSec[1] * 1e6);
      this.nextSession = t + dur + this.rng.int(3e6, 90e6);
      if (t >= ws) this.session(t, dur);
    }
  }

  private session(t: number, dur: number): void {
    const { ctx, p } = this;
    const rng = this.rng.fork(`session:${t}`);
    const res = ctx.dns.lookup(p.host, p.domain, t, rng);
    if (!res.ips.length) return;
    this.track.hit(t, ctx.end);
    const s = new StratumSession(rng, p.wallet, p.agent, this.height);
    this.height += Math.floor(dur / 120e6);
    const { side, rtt } = ctx.apps.remote(res.ips[0], rng);
    let elapsed = 0;
    let nextJob = rng.exp(p.jobMeanSec * 1e6);
    let nextShare = rng.exp(p.shareMeanSec * 1e6);
    let lastClient = 0;
    let queued: TcpStep | null = null;
    let started = false;
    const src: StepSource = {
      next: (): TcpStep | null => {
        if (!started) {
          started = true;
          queued = { from: 1, data: [s.loginResult()], think: rng.int(5000, 40000) };
          return { from: 0, data: [s.login()], think: 0 };
        }
        if (queued) {
          const q = queued;
          queued = null;
          return q;
        }
        const keepAt = lastClient + p.keepaliveSec * 1e6;
        const at = Math.min(nextJob, nextShare, keepAt);
        if (at >= dur) return null;
        const gap = Math.max(0, Math.round(at - elapsed));
        elapsed = at;
        if (at === nextJob) {
          nextJob = at + rng.exp(p.jobMeanSec * 1e6);
          return { from: 1, data: [s.jobNotify(rng.chance(0.8))], think: gap };
        }
        lastClient = at;
        if (at === nextShare) {
          nextShare = at + rng.exp(p.shareMeanSec * 1e6);
          const [req, resp] = s.submit();
          queued = { from: 1, data: [resp], think: rng.int(2000, 30000) };
          return { from: 0, data: [req], think: gap };
        }
        const [req, resp] = s.keepalive();
        queued = { from: 1, data: [resp], think: rng.int(2000, 20000) };
        return { from: 0, data: [req], think: gap };
      },
    };
    ctx.add(new TcpFlow({ client: p.host.side, server: side, sport: ctx.net.port(p.host), dport: p.port, start: res.ready, rtt, steps: src,
      close: rng.chance(0.5) ? 'fin_s' : 'fin_c', closeDelay: rng.int(1e6, 30e6), rateMbps: 20, rng }));
  }

  labels(): { behaviours: BehaviourLabel[] } {
    const p = this.p;
    const b = this.track.bounds(p.start, p.end);
    return {
      behaviours: [{
        id: p.id, kind: 'mining', malicious: true, host: p.host.ipStr, dst_ip: p.ips[0], dst_ips: p.ips, domain: p.domain, port: p.port, proto: 'tcp',
        start: b.start, end: b.end,
        params: { protocol: 'stratum', agent: p.agent, wallet: p.wallet, session_sec: p.sessionSec, job_mean_sec: p.jobMeanSec,
          share_mean_sec: p.shareMeanSec, keepalive_sec: p.keepaliveSec, long_conn: true, transport: 'tcp' },
        events: this.track.count, description: p.description,
      }],
    };
  }
}
