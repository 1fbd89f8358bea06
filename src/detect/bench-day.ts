/**
 * The simulated day of the detection benchmark (bench-detect.ts), also used by tests that need a
 * realistic, reproducible mix at any size: background traffic on an office rhythm (most activity
 * 08-18 UTC), per-host activity log-normal around conns/hosts, destinations drawn by popularity
 * (Zipf) from a pool of external servers with names (one DNS lookup, with its resolver
 * connection, per ~12 connections), HTTPS mostly, log-normal sizes and durations, a few failed
 * attempts; benign periodic services (NTP every 1024 s, Windows Update hourly, telemetry every
 * 15 min, Dropbox every 5 min, an internal agent every 10 min, an uncatalogued SaaS poll every
 * minute); and injected beacons with known period, jitter and missed-beat share, each from its
 * own host to its own C&C name. Records are generated directly (no packets).
 */
import type { ConnRecord, DnsRecord } from '../records/schema.js';

/** Size and seed of a simulated day. */
export interface DayOptions {
  /** Connections in the day (background fills up to this after the periodic traffic). */
  conns: number;
  /** Internal hosts. */
  hosts: number;
  /** Injected beacons (each from its own host). */
  beacons: number;
  /** Seed of the generator: the same options give the same records. */
  seed: number;
}

/** Start of the simulated day (a Monday, UTC). */
export const DAY_START = Date.UTC(2026, 10, 2) / 1000;
const DAY = 86400;
/** External servers in the destination pool. */
const EXTERNALS = 20_000;
/** Zipf exponent of destination popularity. */
const ZIPF_S = 1.1;
/** One DNS lookup (plus its resolver connection) per this many background connections. */
const DNS_EVERY = 12;
/** Records per chunk handed to the consumer (one store transaction each in the benchmark's --store mode). */
export const INGEST_RECORDS = 1_000_000;
/** Relative activity per UTC hour: office rhythm. */
const HOURLY = [0.15, 0.1, 0.1, 0.1, 0.1, 0.15, 0.3, 0.6, 1, 1, 1, 1, 0.8, 1, 1, 1, 1, 0.9, 0.6, 0.4, 0.3, 0.25, 0.2, 0.15];
const RESOLVER = '10.0.0.53';

/** Benign periodic services: share of hosts using it, period (s), jitter share, destination. */
const PERIODIC: { what: string; share: number; period: number; jitter: number; ip: string; name: string; proto: 'tcp' | 'udp'; port: number }[] = [
  { what: 'NTP', share: 0.4, period: 1024, jitter: 0.01, ip: '162.159.200.1', name: '0.pool.ntp.org', proto: 'udp', port: 123 },
  { what: 'Windows Update', share: 0.5, period: 3600, jitter: 0.1, ip: '13.107.4.50', name: 'fe2.update.microsoft.com', proto: 'tcp', port: 443 },
  { what: 'telemetry', share: 0.3, period: 900, jitter: 0.05, ip: '20.42.65.92', name: 'v10.events.data.microsoft.com', proto: 'tcp', port: 443 },
  { what: 'Dropbox', share: 0.05, period: 300, jitter: 0.05, ip: '162.125.21.3', name: 'client.dropbox.com', proto: 'tcp', port: 443 },
  { what: 'internal agent', share: 0.2, period: 600, jitter: 0.02, ip: '10.0.0.10', name: 'agent.corp.example', proto: 'tcp', port: 8443 },
  { what: 'SaaS poll', share: 0.1, period: 60, jitter: 0.05, ip: '52.1.2.3', name: 'api.saas-monitor.example', proto: 'tcp', port: 443 },
];

/** Parameters of the injected beacons, cycled: period (s), jitter share, missed-beat share. */
const BEACON_PARAMS: { period: number; jitter: number; missed: number }[] = [
  { period: 10, jitter: 0.1, missed: 0 }, { period: 30, jitter: 0.2, missed: 0.1 }, { period: 45, jitter: 0.05, missed: 0 },
  { period: 60, jitter: 0.3, missed: 0.1 }, { period: 90, jitter: 0.1, missed: 0.2 }, { period: 120, jitter: 0.2, missed: 0 },
  { period: 180, jitter: 0.3, missed: 0.1 }, { period: 300, jitter: 0.1, missed: 0.3 }, { period: 600, jitter: 0.2, missed: 0 },
  { period: 900, jitter: 0.3, missed: 0.1 }, { period: 1200, jitter: 0.1, missed: 0.2 }, { period: 1800, jitter: 0.2, missed: 0 },
  { period: 2400, jitter: 0.3, missed: 0.1 }, { period: 3600, jitter: 0.1, missed: 0 }, { period: 5400, jitter: 0.2, missed: 0.1 },
  { period: 7200, jitter: 0.1, missed: 0 }, { period: 37, jitter: 0.05, missed: 0 }, { period: 300, jitter: 0.5, missed: 0.1 },
  { period: 600, jitter: 0.4, missed: 0.3 }, { period: 60, jitter: 0, missed: 0 },
];

/** mulberry32: a small seeded generator (reproducible days). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An injected beacon and its known parameters. */
export interface Injected { host: string; ip: string; name: string; port: number; period: number; jitter: number; missed: number; beats: number }

/** Generates the day's records in chunks (so --store mode never holds them all). */
export class DayGenerator {
  private readonly r: () => number;
  private readonly hostIps: string[];
  private readonly extIps: string[] = [];
  private readonly extNames: string[] = [];
  private readonly zipfCum: Float64Array;
  private readonly hourCum: number[];
  private uid = 0;
  readonly injected: Injected[] = [];
  constructor(readonly a: DayOptions) {
    this.r = rng(a.seed);
    this.hostIps = Array.from({ length: a.hosts }, (_, i) => `10.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`);
    for (let i = 0; i < EXTERNALS; i++) {
      this.extIps.push(`${40 + (i % 100)}.${(i * 7) % 256}.${(i >> 8) & 255}.${(i * 13) % 254 + 1}`);
      this.extNames.push(i % 5 === 0 ? `cdn${i % 50}.static-provider.net` : `www.site${i}.example.com`);
    }
    this.zipfCum = new Float64Array(EXTERNALS);
    let acc = 0;
    for (let i = 0; i < EXTERNALS; i++) { acc += 1 / Math.pow(i + 1, ZIPF_S); this.zipfCum[i] = acc; }
    for (let i = 0; i < EXTERNALS; i++) this.zipfCum[i]! /= acc;
    let h = 0;
    const tot = HOURLY.reduce((x, y) => x + y, 0);
    this.hourCum = HOURLY.map((w) => (h += w / tot));
  }

  private normal(): number {
    let u = 0;
    while (u === 0) u = this.r();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.r());
  }
  private logn(median: number, sigma: number): number { return median * Math.exp(sigma * this.normal()); }
  private zipf(): number {
    const x = this.r();
    let lo = 0, hi = EXTERNALS - 1;
    while (lo < hi) { const m = (lo + hi) >> 1; if (this.zipfCum[m]! < x) lo = m + 1; else hi = m; }
    return lo;
  }
  private officeTime(): number {
    const x = this.r();
    let h = 0;
    while (h < 23 && this.hourCum[h]! < x) h++;
    return DAY_START + (h + this.r()) * 3600;
  }

  conn(ts: number, orig: string, resp: string, port: number, proto: 'tcp' | 'udp', ob: number, rb: number, dur: number, state = 'SF', service = ''): ConnRecord {
    const id = (this.uid++).toString(36);
    const failed = state !== 'SF';
    const op = 49152 + (this.uid % 16000);
    return {
      ts, uid: `C${id}`, community_id: `1:bench${id}`, orig_h: orig, orig_p: op, resp_h: resp, resp_p: port, proto, service,
      duration: failed ? 0 : dur, orig_bytes: failed ? 0 : Math.round(ob), resp_bytes: failed ? 0 : Math.round(rb), conn_state: state,
      missed_bytes: 0, history: failed ? (state === 'REJ' ? 'Sr' : 'S') : proto === 'tcp' ? 'ShADadFf' : 'Dd',
      orig_pkts: failed ? 1 : 3 + Math.round(ob / 1400), orig_ip_bytes: failed ? 60 : Math.round(ob) + 120, resp_pkts: failed ? (state === 'REJ' ? 1 : 0) : 2 + Math.round(rb / 1400), resp_ip_bytes: failed ? 40 : Math.round(rb) + 100,
    };
  }

  dns(ts: number, host: string, name: string, ip: string): { d: DnsRecord; c: ConnRecord } {
    const c = this.conn(ts, host, RESOLVER, 53, 'udp', 40 + name.length, 60 + name.length, 0.01, 'SF', 'dns');
    const d: DnsRecord = {
      ts, uid: c.uid, orig_h: host, orig_p: c.orig_p, resp_h: RESOLVER, resp_p: 53, proto: 'udp', trans_id: this.uid & 0xffff,
      rtt: 0.01, query: name, qclass: 1, qclass_name: 'C_INTERNET', qtype: 1, qtype_name: 'A', rcode: 0, rcode_name: 'NOERROR',
      AA: false, TC: false, RD: true, RA: true, Z: 0, answers: [ip], TTLs: [300], rejected: false,
    };
    return { d, c };
  }

  /** Every record of the day, host by host, in chunks handed to `emit`. */
  generate(emit: (conns: ConnRecord[], dns: DnsRecord[]) => void | Promise<void>): Promise<void> | void {
    const a = this.a;
    const weights = this.hostIps.map(() => Math.exp(0.8 * this.normal()));
    const wsum = weights.reduce((x, y) => x + y, 0);
    // Periodic benign and injected traffic first, so the background fills up to --conns.
    const beaconHosts = new Set<number>();
    while (beaconHosts.size < Math.min(a.beacons, a.hosts)) beaconHosts.add(Math.floor(this.r() * a.hosts));
    [...beaconHosts].forEach((h, i) => {
      const p = BEACON_PARAMS[i % BEACON_PARAMS.length]!;
      this.injected.push({ host: this.hostIps[h]!, ip: `185.${100 + i}.${(i * 37) % 256}.${10 + i}`, name: `upd${i}-${Math.floor(this.r() * 1e6).toString(36)}.net`,
        port: [443, 80, 8080][i % 3]!, ...p, beats: 0 });
    });
    let periodicConns = 0;
    const sched: { conns: ConnRecord[]; dns: DnsRecord[] } = { conns: [], dns: [] };
    for (let h = 0; h < a.hosts; h++) {
      const host = this.hostIps[h]!;
      for (const p of PERIODIC) {
        if (this.r() >= p.share) continue;
        let t = DAY_START + this.r() * p.period;
        const l = this.dns(t - 0.05, host, p.name, p.ip);
        sched.dns.push(l.d); sched.conns.push(l.c);
        const ob = this.logn(400, 0.3), rb = this.logn(2000, 0.3);
        for (; t < DAY_START + DAY; t += p.period * (1 + p.jitter * (2 * this.r() - 1))) {
          sched.conns.push(this.conn(t, host, p.ip, p.port, p.proto, ob * (0.95 + 0.1 * this.r()), rb * (0.95 + 0.1 * this.r()), this.logn(0.5, 0.5), 'SF', p.proto === 'udp' && p.port === 123 ? 'ntp' : 'ssl'));
        }
      }
    }
    for (const b of this.injected) {
      let t = DAY_START + this.r() * b.period;
      const l = this.dns(t - 0.05, b.host, b.name, b.ip);
      sched.dns.push(l.d); sched.conns.push(l.c);
      for (; t < DAY_START + DAY; t += b.period * (1 + b.jitter * (2 * this.r() - 1))) {
        if (this.r() < b.missed) continue;
        b.beats++;
        sched.conns.push(this.conn(t, b.host, b.ip, b.port, 'tcp', 310 * (0.97 + 0.06 * this.r()), 1250 * (0.9 + 0.2 * this.r()), 0.2 + 0.1 * this.r(), 'SF', b.port === 443 ? 'ssl' : 'http'));
      }
    }
    periodicConns = sched.conns.length;
    const background = Math.max(0, a.conns - periodicConns);
    const chunks: { conns: ConnRecord[]; dns: DnsRecord[] }[] = [sched];
    let done = 0;
    let cur: { conns: ConnRecord[]; dns: DnsRecord[] } = { conns: [], dns: [] };
    const run = async (): Promise<void> => {
      await emit(chunks[0]!.conns, chunks[0]!.dns);
      for (let h = 0; h < a.hosts; h++) {
        const host = this.hostIps[h]!;
        const n = h === a.hosts - 1 ? background - done : Math.round((background * weights[h]!) / wsum);
        for (let k = 0; k < n && done < background; k++) {
          const ts = this.officeTime();
          const d = this.zipf();
          if (k % DNS_EVERY === 0) {
            const l = this.dns(ts - 0.03, host, this.extNames[d]!, this.extIps[d]!);
            cur.dns.push(l.d); cur.conns.push(l.c); done++; k++;
          }
          const x = this.r();
          const port = x < 0.75 ? 443 : x < 0.95 ? 80 : [22, 8080, 993, 5228][Math.floor(this.r() * 4)]!;
          const y = this.r();
          const state = y < 0.96 ? 'SF' : y < 0.985 ? 'S0' : y < 0.995 ? 'REJ' : 'RSTO';
          cur.conns.push(this.conn(ts, host, this.extIps[d]!, port, x > 0.97 && port === 443 ? 'udp' : 'tcp', this.logn(800, 1), this.logn(6000, 1.5), this.logn(2, 1.5), state, port === 443 ? 'ssl' : port === 80 ? 'http' : ''));
          done++;
          if (cur.conns.length >= INGEST_RECORDS) { await emit(cur.conns, cur.dns); cur = { conns: [], dns: [] }; }
        }
      }
      if (cur.conns.length > 0) await emit(cur.conns, cur.dns);
    };
    return run();
  }
}
