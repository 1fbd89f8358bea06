/**
 * Benign background traffic: what users and their machines do all day. User activity follows the
 * office rhythm (web browsing by DNS lookup then TLS to the site and its CDN domains, a few plain
 * HTTP requests and redirects, file-server sessions, logon to the domain each morning, admins'
 * SSH sessions); machine activity is periodic by design (NTP, telemetry, antivirus and browser
 * update checks, cloud sync polling, mail polling, group policy refresh, chat keep-alives) and is
 * listed in the labels as `benign_periodic`, so detectors can be scored on these hard cases.
 */
import { BROWSED, SITE_BY_NAME, type Site } from './catalog.js';
import type { Generator, SimContext } from './context.js';
import { Enterprise } from './enterprise.js';
import { EventTracker, type BenignNotableLabel, type BenignPeriodicLabel } from './labels.js';
import { AD_DOMAIN, hourOf, isPresent, isWeekday, userActivity, type Host } from './network.js';
import { QTYPE, RCODE } from './payload/dns.js';
import { ntpReply, ntpRequest } from './payload/ntp.js';
import { sshBanner, sshEncrypted, sshKexInit30, sshKexinit, sshKexReply, sshNewkeys } from './payload/ssh.js';
import type { TlsClientKind } from './payload/tls.js';
import type { Rng } from './rng.js';
import { TcpFlow, type StepSource, type TcpStep } from './tcp-flow.js';
import { UdpFlow } from './udp-flow.js';
import { nextInterval, type JitterDist } from './behaviours/schedule.js';

/** Scales every benign transfer size against the catalog's medians (volume tuning knob). */
export const BENIGN_SIZE_SCALE = 0.07;
/** Largest single benign object, bytes. */
const MAX_OBJECT_BYTES = 600_000;
/** Web page visits per hour of a user at full activity. */
export const VISITS_PER_HOUR = 3;
/** Plain-HTTP downloads (certificate trust lists and the like) per hour at full activity. */
const PLAIN_HTTP_PER_HOUR = 0.4;
/** File-server sessions per hour at full activity. */
export const SMB_SESSIONS_PER_HOUR = 0.5;
/** SSH sessions per work hour of an admin. */
const SSH_PER_HOUR = 0.4;
/** Largest SSH payload per packet so each encrypted packet fits one TCP segment (see sshEncrypted). */
const SSH_MAX_PACKET = 1300;
/** Share of Windows hosts whose antivirus looks files up by hash over DNS. */
const AV_DNS_SHARE = 0.3;
/** Hash lookups per hour at full user activity (files opened, downloads). */
const AV_DNS_PER_HOUR = 12;
/** Zone of the antivirus DNS reputation service (answers 127.0.0.x). */
export const AV_DNS_ZONE = 'rep.shieldav.net';
/** Share of hosts whose user is an administrator (SSH sessions). */
const ADMIN_SHARE = 0.06;

const SITE_WEIGHTS = BROWSED.map((s) => s.weight);

/** Lets a periodic service share the label bookkeeping. */
interface PeriodicSpec {
  id: string;
  service: string;
  host: Host;
  period: number;
  jitter: number;
  dist: JitterDist;
  port: number;
  proto: 'tcp' | 'udp';
  transport: string;
  domain?: string;
  dstIps?: string[];
  /** Only during the user's work hours (chat, mail) rather than whenever the host is on. */
  userHoursOnly?: boolean;
  description: string;
  contact(t: number): void;
}

/** A benign periodic service of one host. */
class Periodic implements Generator {
  private next: number;
  private readonly track = new EventTracker();
  constructor(private readonly ctx: SimContext, private readonly s: PeriodicSpec, private readonly rng: Rng) {
    this.next = ctx.start + Math.round(rng.next() * s.period * 1e6);
  }
  window(ws: number, we: number): void {
    const s = this.s;
    while (this.next < we) {
      const t = this.next;
      this.next += nextInterval(this.rng, s.period, s.jitter, s.dist);
      if (t < ws || !isPresent(s.host, t)) continue;
      if (s.userHoursOnly && userActivity(s.host, t) < 0.1) continue;
      s.contact(t);
      this.track.hit(t, this.ctx.end);
    }
  }
  labels(): { benign: BenignPeriodicLabel[] } {
    const s = this.s;
    const b = this.track.bounds(this.ctx.start, this.ctx.end);
    return {
      benign: [{
        id: s.id, kind: 'benign_periodic', malicious: false, service: s.service, host: s.host.ipStr,
        ...(s.dstIps && s.dstIps.length === 1 ? { dst_ip: s.dstIps[0] } : {}), ...(s.dstIps ? { dst_ips: s.dstIps } : {}),
        ...(s.domain ? { domain: s.domain } : {}), port: s.port, proto: s.proto, start: b.start, end: b.end,
        params: { period: s.period, jitter: s.jitter, jitter_dist: s.dist, transport: s.transport, ...(s.userHoursOnly ? { user_hours_only: true } : {}) },
        events: this.track.count, description: s.description,
      }],
    };
  }
}

function scaled(rng: Rng, median: number, sigma = 1.0): number {
  return Math.max(200, Math.min(MAX_OBJECT_BYTES, Math.round(rng.lognormal(median * BENIGN_SIZE_SCALE, sigma))));
}

/** Everything benign one host does. */
class HostActivity implements Generator {
  private readonly admin: boolean;
  private loggedOnDay = -1;
  private chatUntil = 0;
  private readonly chat: boolean;
  readonly periodic: Periodic[] = [];
  private chatTrack = new EventTracker();
  /** Names this host holds a TLS session ticket for (later connections may resume). */
  private readonly sessions = new Set<string>();
  private readonly avDns: boolean;
  private readonly avTrack = new EventTracker();
  private readonly sshTrack = new EventTracker();
  private readonly sshDst = new Set<string>();

  constructor(private readonly ctx: SimContext, private readonly ent: Enterprise, private readonly h: Host, private readonly rng: Rng) {
    this.admin = rng.chance(ADMIN_SHARE) || (h.os === 'linux' && rng.chance(0.3));
    this.chat = rng.chance(0.3);
    this.avDns = h.os === 'windows' && rng.chance(AV_DNS_SHARE);
    this.setupPeriodic();
  }

  private browserKind(): TlsClientKind {
    return this.h.browser;
  }

  private setupPeriodic(): void {
    const { ctx, h, rng } = this;
    const id = (svc: string): string => `p-${svc}-${h.index + 1}`;
    const add = (s: PeriodicSpec): void => { this.periodic.push(new Periodic(ctx, s, rng.fork(s.id))); };
    const r = rng.fork('periodic');
    if (h.os === 'windows') {
      add({ id: id('ntp'), service: 'ntp', host: h, period: 1024, jitter: 0.005, dist: 'gaussian', port: 123, proto: 'udp', transport: 'ntp',
        dstIps: [ctx.net.dc.ipStr], description: 'Windows time service polling the domain controller',
        contact: (t) => this.ent.ntpToDc(h, t, r) });
    } else {
      const site = SITE_BY_NAME.get('2.debian.pool.ntp.org')!;
      add({ id: id('ntp'), service: 'ntp', host: h, period: 1024, jitter: 0.01, dist: 'gaussian', port: 123, proto: 'udp', transport: 'ntp',
        domain: site.domain, dstIps: site.a, description: 'chrony polling the public NTP pool',
        contact: (t) => this.ntpPool(t, r) });
    }
    if (h.os === 'windows' && r.chance(0.5)) {
      const site = SITE_BY_NAME.get('v10.events.data.microsoft.com')!;
      add({ id: id('telemetry'), service: 'telemetry', host: h, period: 900, jitter: 0.05, dist: 'uniform', port: 443, proto: 'tcp', transport: 'https',
        domain: site.domain, dstIps: site.a, description: 'OS telemetry upload every 15 minutes',
        contact: (t) => this.tlsService(t, site, 'schannel', [{ req: r.int(800, 3000), resp: r.int(200, 400), think: 0 }], r) });
    }
    if (h.os === 'windows' && r.chance(0.9)) {
      const site = SITE_BY_NAME.get('liveupdate.shieldav.net')!;
      add({ id: id('av-update'), service: 'av_update', host: h, period: 3600, jitter: 0.003, dist: 'gaussian', port: 80, proto: 'tcp', transport: 'http',
        domain: site.domain, dstIps: site.a, description: 'antivirus signature check every hour (plain HTTP, tiny, very regular)',
        contact: (t) => this.avCheck(t, site, r) });
    }
    if (h.browser === 'chrome') {
      const site = SITE_BY_NAME.get('update.googleapis.com')!;
      add({ id: id('browser-update'), service: 'browser_update', host: h, period: 18000, jitter: 0.02, dist: 'uniform', port: 443, proto: 'tcp', transport: 'https',
        domain: site.domain, dstIps: site.a, description: 'browser updater check every 5 hours',
        contact: (t) => this.tlsService(t, site, h.system, [{ req: r.int(1200, 2000), resp: r.int(600, 1400), think: 0 }], r) });
    }
    if (r.chance(0.1)) {
      const site = SITE_BY_NAME.get('client.dropbox.com')!;
      add({ id: id('cloud-sync'), service: 'cloud_sync', host: h, period: 300, jitter: 0.1, dist: 'gaussian', port: 443, proto: 'tcp', transport: 'https',
        domain: site.domain, dstIps: site.a, description: 'cloud storage client polling for changes every ~5 minutes',
        contact: (t) => this.tlsService(t, site, h.system, [{ req: r.int(400, 700), resp: r.int(150, 300), think: 0, serverThink: r.int(20000, 200000) }], r) });
    }
    if (r.chance(0.1)) {
      const site = SITE_BY_NAME.get('outlook.office365.com')!;
      add({ id: id('mail-poll'), service: 'mail_poll', host: h, period: 600, jitter: 0.01, dist: 'uniform', port: 993, proto: 'tcp', transport: 'imaps',
        domain: site.domain, dstIps: site.a, userHoursOnly: true, description: 'mail client checking IMAPS every 10 minutes while the user works',
        contact: (t) => this.tlsService(t, site, h.os === 'windows' ? 'schannel' : 'openssl', [{ req: r.int(100, 200), resp: r.int(300, 900), think: 0 }, { req: r.int(60, 120), resp: r.int(100, 2000), think: r.int(5000, 30000) }], r, 993, null) });
    }
    if (h.os === 'windows') {
      add({ id: id('gpo-refresh'), service: 'gpo_refresh', host: h, period: 6300, jitter: 0.143, dist: 'uniform', port: 389, proto: 'tcp', transport: 'ldap+smb',
        dstIps: [ctx.net.dc.ipStr], description: 'group policy refresh (90 min + random 0-30 min): LDAP and SMB to the domain controller',
        contact: (t) => { this.ent.ldapQueries(h, t, r); this.ent.smbSession(h, ctx.net.dc, t + r.int(200_000, 900_000), r, 'SYSVOL', r.int(1, 5), () => r.int(500, 4000), r.int(1_000_000, 10_000_000)); } });
    }
  }

  private ntpPool(t: number, rng: Rng): void {
    const res = this.ctx.dns.lookup(this.h, '2.debian.pool.ntp.org', t, rng);
    if (!res.ips.length) return;
    const { side, rtt } = this.ctx.apps.remote(res.ips[0], rng);
    const back = res.ready + rtt + rng.int(20, 300);
    this.ctx.add(new UdpFlow(this.h.side, side, this.ctx.net.port(this.h), 123, [
      { ts: res.ready, dir: 0, data: ntpRequest(res.ready, 10) },
      { ts: back, dir: 1, data: ntpReply(res.ready, back, 2, '192.53.103.108', 10) },
    ]));
  }

  private tlsService(t: number, site: Site, client: TlsClientKind, exchanges: { req: number; resp: number; think: number; serverThink?: number }[], rng: Rng,
    port = 443, alpn: string[] | null = ['h2', 'http/1.1']): void {
    const res = this.ctx.dns.lookup(this.h, site.domain, t, rng);
    if (!res.ips.length) return;
    const resumed = this.sessions.has(site.domain) && rng.chance(0.8);
    this.sessions.add(site.domain);
    this.ctx.apps.tls({ host: this.h, dst: res.ips[0], port, sni: site.domain, client, server: this.ctx.apps.tlsServer(site.domain), alpn,
      start: res.ready, exchanges, close: 'fin_c', closeDelay: rng.int(50_000, 2_000_000), resumed }, rng);
  }

  private avCheck(t: number, site: Site, rng: Rng): void {
    const res = this.ctx.dns.lookup(this.h, site.domain, t, rng);
    if (!res.ips.length) return;
    const ver = `2026.11.${rng.int(1, 3)}.${rng.int(100, 999)}`;
    this.ctx.apps.http({ host: this.h, dst: res.ips[0], start: res.ready, server: 'Apache',
      requests: [{ req: { method: 'GET', host: site.domain, path: `/v2/sigcheck?product=shield&engine=7.4&sig=${ver}`, userAgent: 'ShieldAV-Updater/7.4' },
        status: 200, text: `{"status":"current","signatures":"${ver}","next_check":3600}`, contentType: 'application/json', think: 0 }] }, rng);
  }

  window(ws: number, we: number): void {
    const { h, rng } = this;
    for (const p of this.periodic) p.window(ws, we);
    if (!isPresent(h, ws)) return;
    // Morning logon: Kerberos, LDAP, SYSVOL, and a DNS SRV lookup for the DC.
    const day = Math.floor(ws / 86400e6);
    if (h.os === 'windows' && this.loggedOnDay !== day && isWeekday(ws) && hourOf(ws) >= h.arrive && hourOf(ws) < h.leave) {
      this.loggedOnDay = day;
      this.logon(ws + rng.int(0, we - ws));
    }
    const act = userActivity(h, ws) * h.activity;
    const hours = (we - ws) / 3600e6;
    for (let n = rng.poisson(VISITS_PER_HOUR * act * hours); n > 0; n--) this.visit(ws + rng.int(0, we - ws));
    for (let n = rng.poisson(PLAIN_HTTP_PER_HOUR * act * hours); n > 0; n--) this.plainHttp(ws + rng.int(0, we - ws));
    for (let n = rng.poisson(SMB_SESSIONS_PER_HOUR * act * hours); n > 0; n--) this.fileSession(ws + rng.int(0, we - ws));
    if (this.admin) for (let n = rng.poisson(SSH_PER_HOUR * (act > 0.4 ? 1 : 0) * hours); n > 0; n--) this.ssh(ws + rng.int(0, we - ws));
    if (this.chat && act > 0.4 && ws >= this.chatUntil) this.chatSession(ws + rng.int(0, we - ws));
    if (this.avDns) {
      for (let n = rng.poisson(AV_DNS_PER_HOUR * Math.max(act, 0.05) * hours); n > 0; n--) {
        const t = ws + rng.int(0, we - ws);
        this.ctx.dns.lookup(h, `${rng.hex(32)}.${rng.hex(4)}.${AV_DNS_ZONE}`, t, rng, { noCache: true });
        this.avTrack.hit(t, this.ctx.end);
      }
    }
  }

  private logon(t: number): void {
    const { ctx, h, rng, ent } = this;
    ctx.dns.lookup(h, `_ldap._tcp.dc._msdcs.${AD_DOMAIN}`, t, rng, { qtype: QTYPE.SRV });
    ctx.dns.lookup(h, `wpad.${AD_DOMAIN}`, t + rng.int(1000, 20000), rng); // proxy auto-discovery: NXDOMAIN
    ent.asExchange(h, t + rng.int(5000, 30000), rng);
    ent.tgsExchange(h, t + rng.int(40_000, 80_000), ['ldap', ctx.net.dc.fqdn], rng);
    ent.tgsExchange(h, t + rng.int(90_000, 150_000), ['cifs', ctx.net.dc.fqdn], rng);
    ent.ldapQueries(h, t + rng.int(200_000, 400_000), rng);
    ent.smbSession(h, ctx.net.dc, t + rng.int(500_000, 900_000), rng, 'SYSVOL', rng.int(4, 12), () => rng.int(1000, 20000), rng.int(1_000_000, 20_000_000));
    ent.tgsExchange(h, t + rng.int(2_000_000, 4_000_000), ['cifs', ctx.net.fileServer.fqdn], rng);
  }

  private visit(t: number): void {
    const { rng } = this;
    const site = BROWSED[rng.weighted(SITE_WEIGHTS)];
    const main = this.connectSite(site, t, true);
    if (main < 0) return;
    for (const sub of site.subs ?? []) {
      if (!rng.chance(0.85)) continue;
      const s = SITE_BY_NAME.get(sub);
      if (s) this.connectSite(s, main + rng.int(80_000, 600_000), false);
    }
  }

  /** Resolves and opens a TLS connection to a site; returns when the DNS answer arrived (-1 on failure). */
  private connectSite(site: Site, t: number, isMain: boolean): number {
    const { ctx, h, rng } = this;
    const r4 = ctx.dns.lookup(h, site.domain, t, rng);
    if (r4.rcode !== RCODE.NOERROR || !r4.ips.length) return -1;
    let dst = r4.ips[rng.int(0, Math.min(2, r4.ips.length))];
    let ready = r4.ready;
    if (h.side6) {
      const r6 = ctx.dns.lookup(h, site.domain, t + rng.int(30, 400), rng, { qtype: QTYPE.AAAA });
      if (r6.ips.length) {
        dst = r6.ips[0];
        ready = Math.max(ready, r6.ready);
      }
    }
    const exchanges = [{ req: rng.int(300, 900), resp: scaled(rng, site.medianBytes), think: 0 }];
    const extra = isMain ? rng.int(0, 4) : rng.int(0, 6);
    for (let i = 0; i < extra; i++) exchanges.push({ req: rng.int(150, 700), resp: scaled(rng, site.medianBytes / 3), think: rng.int(5_000, 250_000) });
    if (isMain && rng.chance(0.3)) exchanges.push({ req: rng.int(300, 900), resp: scaled(rng, site.medianBytes / 2), think: rng.int(5_000_000, 90_000_000) });
    const serverCloses = rng.chance(0.5);
    const resumed = this.sessions.has(site.domain) && rng.chance(0.6);
    this.sessions.add(site.domain);
    ctx.apps.tls({ host: h, dst, sni: site.domain, client: this.browserKind(), server: ctx.apps.tlsServer(site.domain), alpn: null, resumed,
      start: ready, exchanges, close: serverCloses ? 'fin_s' : 'fin_c', closeDelay: serverCloses ? rng.int(30_000_000, 120_000_000) : rng.int(1_000_000, 60_000_000),
      rateMbps: rng.int(20, 200) }, rng);
    return ready;
  }

  private plainHttp(t: number): void {
    const { ctx, h, rng } = this;
    if (rng.chance(0.5) && h.os === 'windows') {
      const site = SITE_BY_NAME.get('ctldl.windowsupdate.com')!;
      const r = ctx.dns.lookup(h, site.domain, t, rng);
      if (!r.ips.length) return;
      ctx.apps.http({ host: h, dst: r.ips[0], start: r.ready, server: 'Microsoft-IIS/10.0', requests: [{
        req: { method: 'GET', host: site.domain, path: `/msdownload/update/v3/static/trustedr/en/disallowedcertstl.cab?${rng.hex(16)}`, userAgent: 'Microsoft-CryptoAPI/10.0' },
        status: 200, bodyLen: scaled(rng, site.medianBytes * 4, 0.3), contentType: 'application/octet-stream', think: 0 }] }, rng);
      return;
    }
    // A typed URL without https: redirect, then the TLS visit.
    const site = BROWSED[rng.weighted(SITE_WEIGHTS)];
    const r = ctx.dns.lookup(h, site.domain, t, rng);
    if (!r.ips.length || r.ips[0].includes(':')) return;
    const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
    ctx.apps.http({ host: h, dst: r.ips[0], start: r.ready, requests: [{ req: { method: 'GET', host: site.domain, path: '/', userAgent: ua },
      status: 301, text: '', location: `https://${site.domain}/`, contentType: 'text/html', think: 0 }], closeDelay: rng.int(1000, 50000) }, rng);
    this.connectSite(site, r.ready + rng.int(60_000, 200_000), true);
  }

  private fileSession(t: number): void {
    const { ctx, h, rng, ent } = this;
    const r = ctx.dns.lookup(h, ctx.net.fileServer.fqdn, t, rng);
    ent.smbSession(h, ctx.net.fileServer, r.ready, rng, rng.pick(['Shared', 'Projects', 'Home$']), rng.int(2, 8), () => scaled(rng, 60_000, 1.0), rng.int(600_000_000, 900_000_000));
  }

  private chatSession(t: number): void {
    const { ctx, h, rng } = this;
    const site = SITE_BY_NAME.get('wss-primary.slack.com')!;
    const res = ctx.dns.lookup(h, site.domain, t, rng);
    if (!res.ips.length) return;
    const leaveUs = Math.floor(t / 86400e6) * 86400e6 + h.leave * 3600e6;
    const dur = Math.min(Math.max(60e6, leaveUs - t), rng.int(3600e6, 4 * 3600e6));
    this.chatUntil = t + dur + rng.int(10e6, 600e6);
    const track = this.chatTrack;
    const end = ctx.end;
    const pool = ctx.pool;
    const sessionStart = res.ready;
    ctx.apps.tls({
      host: h, dst: res.ips[0], sni: site.domain, client: h.browser, server: ctx.apps.tlsServer(site.domain), alpn: ['http/1.1'],
      start: res.ready, exchanges: [{ req: rng.int(500, 900), resp: rng.int(200, 400), think: 0 }, { req: 60, resp: rng.int(2000, 9000), think: rng.int(50_000, 300_000) }],
      close: 'fin_c', notify: true,
      more: (tls13) => {
        let elapsed = 0;
        let pendingPong = false;
        const r = rng.fork('chat');
        return {
          next: (): TcpStep | null => {
            if (pendingPong) {
              pendingPong = false;
              return { from: 1, data: wsFrame(r, pool, tls13, 2), think: r.int(1000, 5000) };
            }
            if (elapsed >= dur) return null;
            // Websocket ping every 30 s from the client; messages arrive from the server now and then.
            if (r.chance(0.15)) {
              const gap = r.int(1e6, 25e6);
              elapsed += gap;
              return { from: 1, data: wsFrame(r, pool, tls13, r.int(80, 1500)), think: gap };
            }
            const gap = Math.round(30e6 * (1 + (r.next() * 2 - 1) * 0.01));
            elapsed += gap;
            pendingPong = true;
            track.hit(sessionStart + elapsed, end);
            return { from: 0, data: wsFrame(r, pool, tls13, 6), think: gap };
          },
        };
      },
    }, rng);
  }

  private ssh(t: number): void {
    const { ctx, h, rng } = this;
    const external = rng.chance(0.4);
    const pool = ctx.pool;
    let server;
    let rtt;
    let start = t;
    if (external) {
      const r = ctx.dns.lookup(h, 'ssh.cloud-admin.example.net', t, rng);
      if (!r.ips.length) return;
      ({ side: server, rtt } = ctx.apps.remote(r.ips[0], rng));
      start = r.ready;
    } else {
      server = ctx.net.linuxServer.side;
      rtt = rng.int(250, 900);
    }
    const dur = rng.int(10 * 60e6, 150 * 60e6);
    this.sshTrack.hit(start, ctx.end);
    this.sshDst.add(external ? '198.51.100.24' : ctx.net.linuxServer.ipStr);
    const hostKey = rng.bytes(256);
    const steps: TcpStep[] = [
      { from: 1, data: [sshBanner('OpenSSH_7.4')], think: rng.int(1000, 5000) },
      { from: 0, data: [sshBanner(h.os === 'windows' ? 'PuTTY_Release_0.80' : 'OpenSSH_9.6p1 Ubuntu-3ubuntu13')], think: rng.int(200, 2000) },
      { from: 0, data: [sshKexinit(rng, pool, false)], think: 100 },
      { from: 1, data: [sshKexinit(rng, pool, true)], think: rng.int(100, 1000) },
      { from: 0, data: [sshKexInit30(rng, pool)], think: rng.int(200, 2000) },
      { from: 1, data: [sshKexReply(rng, pool, hostKey)], think: rng.int(1000, 5000) },
      { from: 0, data: [sshNewkeys(rng, pool)], think: rng.int(500, 3000) },
      // userauth request / success, channel open, pty, shell
      { from: 0, data: sshEncrypted(rng, pool, 44), think: rng.int(200, 2000) },
      { from: 1, data: sshEncrypted(rng, pool, 44), think: rng.int(200, 2000) },
      { from: 0, data: sshEncrypted(rng, pool, 400), think: rng.int(200, 2000) },
      { from: 1, data: sshEncrypted(rng, pool, 40), think: rng.int(5000, 40000) },
      { from: 0, data: sshEncrypted(rng, pool, 120), think: rng.int(200, 2000) },
      { from: 1, data: sshEncrypted(rng, pool, 800), think: rng.int(200, 2000) },
    ];
    let elapsed = 0, i = 0, burst = 0;
    const r = rng.fork('ssh');
    const queue: TcpStep[] = [];
    const src: StepSource = {
      next: (): TcpStep | null => {
        if (i < steps.length) return steps[i++];
        if (queue.length) return queue.shift()!;
        if (elapsed >= dur) return null;
        let gap: number;
        if (burst > 0) { burst--; gap = r.int(60_000, 400_000); } else { burst = r.int(3, 30); gap = r.chance(0.2) ? r.int(60e6, 600e6) : r.int(2e6, 40e6); }
        elapsed += gap;
        if (burst === 0) {
          // Enter: the command's output, one SSH packet per TCP segment (at most SSH_MAX_PACKET bytes each).
          let out = r.int(100, 6000);
          let think = r.int(5000, 400000);
          while (out > 0) {
            const n = Math.min(out, SSH_MAX_PACKET);
            queue.push({ from: 1, data: sshEncrypted(r, pool, n), think });
            out -= n;
            think = r.int(20, 300);
          }
        } else {
          queue.push({ from: 1, data: sshEncrypted(r, pool, 1), think: r.int(100, 2000) });
        }
        return { from: 0, data: sshEncrypted(r, pool, 1), think: gap };
      },
    };
    ctx.add(new TcpFlow({ client: h.side, server, sport: ctx.net.port(h), dport: 22, start, rtt, steps: src, close: 'fin_c', closeDelay: r.int(100_000, 2_000_000), rng }));
  }

  labels(): { benign: BenignPeriodicLabel[]; notable: BenignNotableLabel[] } {
    const notable: BenignNotableLabel[] = [];
    const bounds = (tr: EventTracker) => tr.bounds(this.ctx.start, this.ctx.end);
    if (this.sshTrack.count) {
      notable.push({ id: `n-ssh-${this.h.index + 1}`, kind: 'benign_notable', malicious: false, service: 'ssh_session', host: this.h.ipStr,
        dst_ips: [...this.sshDst], port: 22, proto: 'tcp', ...bounds(this.sshTrack), looks_like: 'long_conn', events: this.sshTrack.count,
        description: 'administrator SSH sessions of 10-150 minutes (interactive, long-lived)' });
    }
    if (this.avTrack.count) {
      notable.push({ id: `n-avdns-${this.h.index + 1}`, kind: 'benign_notable', malicious: false, service: 'av_dns_reputation', host: this.h.ipStr,
        dst_ips: [this.ctx.net.resolver.ipStr], domain: AV_DNS_ZONE, port: 53, proto: 'udp', ...bounds(this.avTrack), looks_like: 'unique_subdomains',
        events: this.avTrack.count, description: 'antivirus file-reputation lookups: a unique hash subdomain per query under one zone' });
    }
    const out: BenignPeriodicLabel[] = [];
    for (const p of this.periodic) out.push(...p.labels().benign);
    if (this.chat && this.chatTrack.count > 0) {
      const site = SITE_BY_NAME.get('wss-primary.slack.com')!;
      const b = this.chatTrack.bounds(this.ctx.start, this.ctx.end);
      out.push({ id: `p-chat-${this.h.index + 1}`, kind: 'benign_periodic', malicious: false, service: 'chat_keepalive', host: this.h.ipStr,
        domain: site.domain, dst_ips: site.a, port: 443, proto: 'tcp', start: b.start, end: b.end,
        params: { period: 30, jitter: 0.01, jitter_dist: 'uniform', transport: 'https', long_conn: true, user_hours_only: true },
        events: this.chatTrack.count, description: 'chat client websocket: one long TLS session per few hours with a ping every 30 s' });
    }
    return { benign: out, notable };
  }
}

/** A small encrypted record (websocket frame inside TLS). */
function wsFrame(rng: Rng, pool: SimContext['pool'], tls13: boolean, plain: number): Uint8Array[] {
  const over = tls13 ? 17 : 24;
  const len = plain + over;
  return [Uint8Array.of(0x17, 3, 3, len >> 8, len & 0xff), ...pool.views(rng, len)];
}

/** Benign generators for every host of the network. */
export function benignGenerators(ctx: SimContext, rng: Rng): Generator[] {
  const ent = new Enterprise(ctx);
  // The reputation service answers every hash: 127.0.0.1 (unknown) or 127.0.0.2..4 (known classes).
  ctx.dns.register(AV_DNS_ZONE, { a: ['127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.4'], perAnswer: 1, ttl: 3600, wildcard: true });
  return ctx.net.hosts.map((h) => new HostActivity(ctx, ent, h, rng.fork(`benign:${h.index}`)));
}
