/**
 * DNS abuse: domain-generation (DGA) lookups, bursts of mostly non-existent names of which one is
 * registered, and C2 over DNS, many unique subdomains of one zone queried as TXT, with the
 * zone answering TXT records carrying data.
 */
import type { Generator, SimContext } from '../context.js';
import { EventTracker, type BehaviourLabel } from '../labels.js';
import type { Host } from '../network.js';
import { QTYPE } from '../payload/dns.js';
import { b64ish } from '../payload/http.js';
import type { Rng } from '../rng.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** Parameters of a DGA behaviour. Times in µs unless named in seconds. */
export interface DgaParams {
  id: string;
  host: Host;
  /** Top-level domains the algorithm draws from. */
  tlds: string[];
  namesPerBurst: number;
  /** Seconds between bursts. */
  burstInterval: number;
  /** Seconds between queries within a burst (mean). */
  queryGap: number;
  /** Generated names that are registered (resolve) in each burst. */
  registeredPerBurst: number;
  /** Address the registered names resolve to. */
  c2Ip: string;
  start: number;
  end: number;
  description: string;
}

/** A DGA generator. */
export class Dga implements Generator {
  private next: number;
  private readonly track = new EventTracker();
  private nx = 0;
  private readonly registered: string[] = [];

  constructor(private readonly ctx: SimContext, readonly p: DgaParams, private readonly rng: Rng) {
    this.next = p.start + rng.int(0, 300e6);
  }

  private name(r: Rng): string {
    return r.chars(r.int(10, 18), LETTERS) + '.' + r.pick(this.p.tlds);
  }

  window(_ws: number, we: number): void {
    const { ctx, p } = this;
    while (this.next < we && this.next < p.end) {
      const burst = this.next;
      this.next += Math.round(p.burstInterval * 1e6 * (0.9 + 0.2 * this.rng.next()));
      // The day's name list (as a DGA seeds by date); some of it is registered by the operator.
      const r = this.rng.fork(`burst:${burst}`);
      const names = Array.from({ length: p.namesPerBurst }, () => this.name(r));
      const hit = new Set<number>();
      while (hit.size < Math.min(p.registeredPerBurst, names.length)) hit.add(r.int(0, names.length));
      for (const k of hit) {
        ctx.dns.register(names[k], { a: [p.c2Ip], perAnswer: 1, ttl: 600 });
        this.registered.push(names[k]);
      }
      let t = burst;
      for (let k = 0; k < names.length; k++) {
        const res = ctx.dns.lookup(p.host, names[k], Math.round(t), r, { noCache: true });
        this.track.hit(Math.round(t), ctx.end);
        if (!hit.has(k)) {
          this.nx++;
        } else if (res.ips.length) {
          // Found its server: one HTTPS check-in to it (the burst goes on, as a DGA tries the whole list).
          ctx.apps.tls({ host: p.host, dst: res.ips[0], sni: names[k], client: 'schannel', server: ctx.apps.selfSigned(names[k], names[k]),
            start: res.ready, exchanges: [{ req: r.int(200, 600), resp: r.int(100, 3000), think: 0 }], close: 'fin_c', closeDelay: r.int(1000, 50000) }, r);
        }
        t += r.exp(p.queryGap * 1e6);
      }
    }
  }

  labels(): { behaviours: BehaviourLabel[] } {
    const p = this.p;
    const b = this.track.bounds(p.start, p.end);
    return {
      behaviours: [{
        id: p.id, kind: 'dga', malicious: true, host: p.host.ipStr, dst_ip: this.ctx.net.resolver.ipStr, port: 53, proto: 'udp', start: b.start, end: b.end,
        params: { names_per_burst: p.namesPerBurst, burst_interval: p.burstInterval, query_gap: p.queryGap, tlds: p.tlds,
          nxdomain: this.nx, registered: this.registered, c2_ip: p.c2Ip, transport: 'dns' },
        events: this.track.count, description: p.description,
      }],
    };
  }
}

/** Parameters of a DNS tunnel. Times in µs unless named in seconds. */
export interface DnsC2Params {
  id: string;
  host: Host;
  /** The tunnel zone (queries go to subdomains of it). */
  domain: string;
  /** Seconds between idle polls. */
  pollInterval: number;
  /** Mean seconds between data sessions, and queries per session (range). */
  sessionInterval: number;
  sessionQueries: [number, number];
  start: number;
  end: number;
  description: string;
}

/** A DNS-tunnel C2 generator. */
export class DnsC2 implements Generator {
  private nextPoll: number;
  private nextSession: number;
  private readonly track = new EventTracker();
  private seq = 0;
  private readonly sid: string;

  constructor(private readonly ctx: SimContext, readonly p: DnsC2Params, private readonly rng: Rng) {
    this.nextPoll = p.start + rng.int(0, p.pollInterval * 1e6);
    this.nextSession = p.start + Math.round(rng.exp(p.sessionInterval * 1e6));
    this.sid = rng.chars(4, BASE32);
    ctx.dns.register(p.domain, {
      perAnswer: 1, ttl: 0, wildcard: true,
      txt: (r, q) => q.startsWith('p') ? [r.chance(0.8) ? 'nop' : b64ish(r, r.int(20, 120))] : [b64ish(r, r.int(40, 220))],
    });
  }

  private query(t: number, poll: boolean, r: Rng): void {
    const n = this.seq++;
    const data = poll ? r.chars(8, BASE32) : Array.from({ length: r.int(1, 4) }, () => r.chars(r.int(30, 63), BASE32)).join('.');
    const qname = `${poll ? 'p' : 'd'}${n.toString(36)}.${data}.${this.sid}.${this.p.domain}`;
    this.ctx.dns.lookup(this.p.host, qname, t, r, { qtype: QTYPE.TXT, noCache: true });
    this.track.hit(t, this.ctx.end);
  }

  window(_ws: number, we: number): void {
    const { p, rng } = this;
    while (this.nextPoll < we && this.nextPoll < p.end) {
      const t = this.nextPoll;
      this.nextPoll += Math.round(p.pollInterval * 1e6 * (0.8 + 0.4 * rng.next()));
      this.query(t, true, rng);
    }
    while (this.nextSession < we && this.nextSession < p.end) {
      let t = this.nextSession;
      this.nextSession += Math.round(rng.exp(p.sessionInterval * 1e6)) + 60e6;
      const r = rng.fork(`session:${t}`);
      const n = r.int(p.sessionQueries[0], p.sessionQueries[1] + 1);
      for (let k = 0; k < n; k++) {
        this.query(Math.round(t), false, r);
        t += r.int(30_000, 600_000);
      }
    }
  }

  labels(): { behaviours: BehaviourLabel[] } {
    const p = this.p;
    const b = this.track.bounds(p.start, p.end);
    return {
      behaviours: [{
        id: p.id, kind: 'dns_c2', malicious: true, host: p.host.ipStr, dst_ip: this.ctx.net.resolver.ipStr, domain: p.domain, port: 53, proto: 'udp',
        start: b.start, end: b.end,
        params: { qtype: 'TXT', poll_interval: p.pollInterval, session_interval: p.sessionInterval, session_queries: p.sessionQueries,
          encoding: 'base32 labels', transport: 'dns' },
        events: this.track.count, description: p.description,
      }],
    };
  }
}
