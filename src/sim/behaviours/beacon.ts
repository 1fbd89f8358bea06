/**
 * Periodic C2 heartbeats (beacons) of one infected host: over HTTPS with SNI, HTTP POST, raw TCP,
 * UDP or DNS; with period, jitter (uniform or gaussian), missed beats, several connections per
 * beat, size noise, IP rotation behind one domain (resolved through DNS before each contact when
 * the cached answer expired), and optionally only during work hours.
 */
import type { Generator, SimContext } from '../context.js';
import { EventTracker, type BehaviourLabel } from '../labels.js';
import { isPresent, isWorkHours, type Host } from '../network.js';
import { QTYPE, RCODE } from '../payload/dns.js';
import { b64ish } from '../payload/http.js';
import type { TlsClientKind, TlsServer } from '../payload/tls.js';
import type { Rng } from '../rng.js';
import { TcpFlow } from '../tcp-flow.js';
import { UdpFlow } from '../udp-flow.js';
import { utf8 } from '../payload/bytes.js';
import { nextInterval, type JitterDist } from './schedule.js';

/** How a beacon reaches its C2. */
export type BeaconTransport = 'https' | 'http' | 'tcp' | 'udp' | 'dns';

/** Everything that shapes a beacon. Times in µs, period in seconds, shares in [0, 1]. */
export interface BeaconParams {
  id: string;
  host: Host;
  /** C2 domain, resolved before contacts (absent: the host contacts `ips` directly, in turn). */
  domain?: string;
  /** C2 addresses (the rotation pool behind the domain). */
  ips: string[];
  port: number;
  transport: BeaconTransport;
  period: number;
  jitter: number;
  jitterDist: JitterDist;
  /** Share of beats skipped (no contact at all). */
  missed: number;
  connsPerBeat: number;
  /** Relative size noise of requests and responses. */
  sizeNoise: number;
  reqBytes: number;
  respBytes: number;
  workHoursOnly: boolean;
  start: number;
  end: number;
  /** DNS TTL of the C2 domain, seconds. */
  dnsTtl?: number;
  /** Addresses per DNS answer. */
  perAnswer?: number;
  tlsClient?: TlsClientKind;
  /** TLS server identity (default: self-signed TLS 1.2). */
  tlsServer?: TlsServer;
  /** HTTP path and User-Agent for `http`. */
  path?: string;
  userAgent?: string;
  parent?: string;
  description: string;
}

/** A beacon generator; register its domain in DNS at construction. */
export class Beacon implements Generator {
  private next: number;
  private readonly track = new EventTracker();
  private missedCount = 0;
  private rr = 0;
  private server: TlsServer | undefined;

  constructor(private readonly ctx: SimContext, readonly p: BeaconParams, private readonly rng: Rng) {
    this.next = p.start + Math.round(rng.next() * p.period * 1e6);
    if (p.domain && p.transport !== 'dns') {
      ctx.dns.register(p.domain, { a: p.ips, perAnswer: p.perAnswer ?? 1, ttl: p.dnsTtl ?? 300 });
    }
    if (p.domain && p.transport === 'dns') {
      ctx.dns.register(p.domain, {
        a: p.ips, perAnswer: 1, ttl: 0, wildcard: true,
        txt: (r) => [r.chance(0.9) ? 'ok' : b64ish(r, 24 + r.int(0, 60))],
      });
    }
  }

  window(ws: number, we: number): void {
    const p = this.p;
    while (this.next < we && this.next < p.end) {
      const t = this.next;
      this.next += nextInterval(this.rng, p.period, p.jitter, p.jitterDist);
      if (t < ws) continue;
      if (p.workHoursOnly && !isWorkHours(t)) continue;
      if (!isPresent(p.host, t)) continue; // a laptop that went home beacons no more
      if (this.rng.chance(p.missed)) {
        this.missedCount++;
        continue;
      }
      let tc = t;
      let any = false;
      for (let c = 0; c < p.connsPerBeat; c++) {
        if (this.contact(tc)) any = true;
        tc += this.rng.int(500_000, 3_000_000);
      }
      if (any) this.track.hit(t, this.ctx.end);
    }
  }

  private size(n: number): number {
    return Math.max(1, Math.round(n * (1 + (this.rng.next() * 2 - 1) * this.p.sizeNoise)));
  }

  /** One contact at `t`; false when it could not happen (name did not resolve). */
  private contact(t: number): boolean {
    const p = this.p;
    const ctx = this.ctx;
    const rng = this.rng;
    if (p.transport === 'dns') {
      const tag = (p.host.index * 2654435761 >>> 0).toString(16);
      ctx.dns.lookup(p.host, `${tag}.${p.domain}`, t, rng, { qtype: QTYPE.TXT, noCache: true });
      return true;
    }
    let dst: string;
    let start = t;
    if (p.domain) {
      const r = ctx.dns.lookup(p.host, p.domain, t, rng);
      if (r.rcode !== RCODE.NOERROR || r.ips.length === 0) return false;
      dst = r.ips[0];
      start = r.ready;
    } else {
      dst = p.ips[this.rr++ % p.ips.length];
    }
    const req = this.size(p.reqBytes), resp = this.size(p.respBytes);
    const host = p.host;
    switch (p.transport) {
      case 'https': {
        if (!this.server) this.server = p.tlsServer ?? ctx.apps.selfSigned(p.domain ?? dst, p.domain ?? 'localhost');
        ctx.apps.tls({ host, dst, port: p.port, sni: p.domain ?? '', client: p.tlsClient ?? 'schannel', server: this.server,
          start, exchanges: [{ req, resp, think: 0, serverThink: rng.int(20000, 120000) }], close: 'fin_c', closeDelay: rng.int(1000, 30000) }, rng);
        break;
      }
      case 'http':
        ctx.apps.http({ host, dst, port: p.port, start, server: 'nginx',
          requests: [{ req: { method: 'POST', host: p.domain ?? dst, path: p.path ?? '/index.php', userAgent: p.userAgent ?? 'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)',
            body: utf8(b64ish(rng, req)), contentType: 'application/x-www-form-urlencoded' }, status: 200, text: b64ish(rng, resp), contentType: 'text/html', think: 0 }] }, rng);
        break;
      case 'tcp': {
        const { side, rtt } = ctx.apps.remote(dst, rng);
        ctx.add(new TcpFlow({ client: host.side, server: side, sport: ctx.net.port(host), dport: p.port, start, rtt, rng,
          steps: [{ from: 0, data: ctx.pool.views(rng, req), think: 0 }, { from: 1, data: ctx.pool.views(rng, resp), think: rng.int(5000, 60000) }],
          close: 'fin_c', closeDelay: rng.int(1000, 20000) }));
        break;
      }
      case 'udp': {
        const { side, rtt } = ctx.apps.remote(dst, rng);
        ctx.add(new UdpFlow(host.side, side, ctx.net.port(host), p.port, [
          { ts: start, dir: 0, data: this.udpPayload(req, 0) },
          { ts: start + rtt + rng.int(1000, 20000), dir: 1, data: this.udpPayload(resp, 1) },
        ]));
        break;
      }
    }
    return true;
  }

  /**
   * A UDP C2 datagram: a 4-byte header (magic, direction, sequence) then encrypted bytes. The
   * header's first byte keeps RTP/RTCP heuristics of analyzers from claiming the datagram.
   */
  private udpPayload(n: number, dir: 0 | 1): Uint8Array {
    const b = this.ctx.pool.copy(this.rng, Math.max(8, n));
    b[0] = 0x1d;
    b[1] = 0xc0 | dir;
    b[2] = this.track.count >> 8;
    b[3] = this.track.count & 0xff;
    return b;
  }

  labels(): { behaviours: BehaviourLabel[] } {
    const p = this.p;
    const b = this.track.bounds(p.start, p.end);
    return {
      behaviours: [{
        id: p.id, kind: 'beacon', malicious: true, host: p.host.ipStr,
        ...(p.ips.length === 1 ? { dst_ip: p.ips[0] } : {}), dst_ips: p.ips,
        ...(p.domain ? { domain: p.domain } : {}),
        port: p.transport === 'dns' ? 53 : p.port, proto: p.transport === 'udp' || p.transport === 'dns' ? 'udp' : 'tcp',
        start: b.start, end: b.end,
        params: {
          period: p.period, jitter: p.jitter, jitter_dist: p.jitterDist, missed: p.missed, missed_beats: this.missedCount,
          conns_per_beat: p.connsPerBeat, transport: p.transport, size_noise: p.sizeNoise, req_bytes: p.reqBytes, resp_bytes: p.respBytes,
          work_hours_only: p.workHoursOnly, ...(p.domain ? { dns_ttl: p.transport === 'dns' ? 0 : p.dnsTtl ?? 300 } : {}),
        },
        events: this.track.count,
        ...(p.parent ? { parent: p.parent } : {}),
        description: p.description,
      }],
    };
  }
}
