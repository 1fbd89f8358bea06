/**
 * The simulated enterprise network: internal hosts (workstations with an OS, a browser, a user
 * and a daily rhythm), the infrastructure servers (DNS resolver, domain controller, file server,
 * a Linux server) and the gateway whose MAC stands for every remote endpoint.
 */
import { ip, ip4, ip6, ipStr, mac, type IpBytes } from './addr.js';
import type { Side } from './pcap-writer.js';
import type { TlsClientKind } from './payload/tls.js';
import { Rng } from './rng.js';

/** IPv4 range of the internal network. */
export const INTERNAL_NET4 = '10.1.0.0/16';
/** IPv6 prefix of the (few) IPv6-enabled hosts. */
export const INTERNAL_NET6 = '2001:db8:c2::/64';
/** Active Directory domain and Kerberos realm. */
export const AD_DOMAIN = 'corp.example.com';
/** Kerberos realm (the AD domain in capitals). */
export const REALM = 'CORP.EXAMPLE.COM';
/** Hosts per internal /24 subnet (10.1.1.0/24 holds the first HOSTS_PER_SUBNET hosts, ...). */
export const HOSTS_PER_SUBNET = 100;
/** Largest host count the address plan supports. */
export const MAX_HOSTS = HOSTS_PER_SUBNET * 250;
/** Share of hosts with IPv6 connectivity. */
const IPV6_SHARE = 0.1;
/** Share of laptops (present only during their owner's work hours). */
const LAPTOP_SHARE = 0.2;

const GATEWAY_MAC = mac('00:1b:54:c2:00:01');

/**
 * Ports inside the ephemeral ranges that packet analyzers (Wireshark 4.0) bind to a protocol;
 * a client port from this list would make them decode a C2 channel on an unassigned server port
 * as that protocol, so hosts never pick them. Also the traceroute range 33434-33534.
 */
const ANALYZER_PORTS = new Set([34962, 34980, 37008, 41170, 44321, 44322, 44818, 45564, 47000, 47808, 48049, 48898, 49999,
  54328, 56000, 56001, 56500, 56501, 57000, 57001, 57032, 57033, 57500, 57501, 57532, 57533, 59000, 59001, 59032, 59033,
  59500, 59501, 59532, 59533, 60001]);

/** Operating system of a host (sets TTL, port range, TLS stack, services). */
export type Os = 'windows' | 'linux' | 'mac';

/** One internal workstation. */
export interface Host {
  index: number;
  name: string;
  user: string;
  ip: IpBytes;
  ipStr: string;
  ip6?: IpBytes;
  ip6Str?: string;
  mac: Uint8Array;
  os: Os;
  /** Browser TLS fingerprint. */
  browser: TlsClientKind;
  /** TLS fingerprint of system services (update, telemetry). */
  system: TlsClientKind;
  /** Client side as seen on the wire (IPv4 / IPv6); shared by all flows, so IP ids advance. */
  side: Side;
  side6?: Side;
  /** Subnet number (third octet). */
  subnet: number;
  laptop: boolean;
  /** Work hours, UTC hours (fractional). */
  arrive: number;
  leave: number;
  /** Multiplier of the browsing rate (light and heavy users). */
  activity: number;
  /** DNS cache: name -> expiry (µs) and addresses. */
  dnsCache: Map<string, { exp: number; ips: string[] }>;
  /** Next ephemeral port. */
  port: number;
}

/** An internal server. */
export interface Server {
  name: string;
  fqdn: string;
  ip: IpBytes;
  ipStr: string;
  side: Side;
}

function serverSide(addr: string, ttl: number, rng: Rng): Side {
  return { mac: GATEWAY_MAC, ip: ip4(addr), ttl, ipId: rng.int(0, 65536) };
}

/** The whole internal network. */
export class Network {
  readonly hosts: Host[] = [];
  readonly resolver: Server;
  readonly dc: Server;
  readonly fileServer: Server;
  readonly linuxServer: Server;
  private readonly ipCache = new Map<string, IpBytes>();

  constructor(nHosts: number, rng: Rng) {
    if (!Number.isInteger(nHosts) || nHosts < 1 || nHosts > MAX_HOSTS) {
      throw new Error(`Cannot build network: hosts must be an integer from 1 to ${MAX_HOSTS}`);
    }
    const mk = (name: string, addr: string, ttl: number): Server =>
      ({ name, fqdn: `${name}.${AD_DOMAIN}`, ip: ip4(addr), ipStr: addr, side: serverSide(addr, ttl, rng) });
    this.resolver = mk('dns01', '10.1.0.10', 127);
    this.dc = mk('dc01', '10.1.0.11', 127);
    this.fileServer = mk('fs01', '10.1.0.20', 127);
    this.linuxServer = mk('build01', '10.1.0.30', 63);
    const ouis = ['f8:bc:12', '3c:52:82', '54:ee:75', '98:90:96', 'b4:45:06'];
    for (let i = 0; i < nHosts; i++) {
      const hr = rng.fork(`host:${i}`);
      const subnet = 1 + Math.floor(i / HOSTS_PER_SUBNET);
      const addr = `10.1.${subnet}.${10 + (i % HOSTS_PER_SUBNET) * 2}`;
      const r = hr.next();
      const os: Os = r < 0.85 ? 'windows' : r < 0.95 ? 'linux' : 'mac';
      const browser: TlsClientKind = hr.chance(0.78) ? 'chrome' : 'firefox';
      const macStr = `${hr.pick(ouis)}:${hr.hex(2)}:${hr.hex(2)}:${hr.hex(2)}`;
      const ttl = os === 'windows' ? 128 : 64;
      const h: Host = {
        index: i,
        name: `${os === 'windows' ? 'ws' : os === 'linux' ? 'lx' : 'mb'}-${String(i + 1).padStart(4, '0')}`,
        user: `user${String(i + 1).padStart(4, '0')}`,
        ip: ip4(addr),
        ipStr: addr,
        mac: mac(macStr),
        os,
        browser,
        system: os === 'windows' ? 'schannel' : os === 'linux' ? 'openssl' : browser,
        side: { mac: mac(macStr), ip: ip4(addr), ttl, ipId: hr.int(0, 65536) },
        subnet,
        laptop: hr.chance(LAPTOP_SHARE),
        arrive: 7.5 + hr.next() * 2,
        leave: 16.5 + hr.next() * 2.5,
        activity: hr.lognormal(1, 0.5),
        dnsCache: new Map(),
        port: os === 'windows' ? hr.int(49152, 65000) : hr.int(32768, 60000),
      };
      if (hr.chance(IPV6_SHARE)) {
        const a6 = ipStr(ip6(`2001:db8:c2::${(0x1000 + i).toString(16)}`));
        h.ip6 = ip6(a6);
        h.ip6Str = a6;
        h.side6 = { mac: h.mac, ip: h.ip6, ttl: os === 'windows' ? 128 : 64, ipId: 0 };
      }
      this.hosts.push(h);
    }
  }

  /** Address bytes of a string, cached. */
  addr(s: string): IpBytes {
    let b = this.ipCache.get(s);
    if (!b) {
      b = ip(s);
      this.ipCache.set(s, b);
    }
    return b;
  }

  /** A fresh remote side (behind the gateway) for address `s`; TTL as seen after some hops. */
  remote(s: string, ttl: number, rng: Rng): Side {
    return { mac: GATEWAY_MAC, ip: this.addr(s), ttl, ipId: rng.int(0, 65536) };
  }

  /** The side of an internal host as a server seen from a host in `fromSubnet`. */
  hostAsServer(h: Host, fromSubnet: number): Side {
    return { mac: h.subnet === fromSubnet ? h.mac : GATEWAY_MAC, ip: h.ip, ttl: h.side.ttl - (h.subnet === fromSubnet ? 0 : 1), ipId: h.side.ipId };
  }

  /** Host whose IPv4 address is `s`, if any. */
  hostByIp(s: string): Host | undefined {
    const m = /^10\.1\.(\d+)\.(\d+)$/.exec(s);
    if (!m) return undefined;
    const subnet = Number(m[1]), last = Number(m[2]);
    if ((last - 10) % 2 !== 0 || last < 10) return undefined;
    const i = (subnet - 1) * HOSTS_PER_SUBNET + (last - 10) / 2;
    const h = this.hosts[i];
    return h && h.ipStr === s ? h : undefined;
  }

  /** Next ephemeral source port of `h` (Windows: sequential 49152-65535; Linux: 32768-60999, small steps). */
  port(h: Host): number {
    const p = h.port;
    let n = p;
    do {
      if (h.os === 'windows') n = n >= 65535 ? 49152 : n + 1;
      else n = n >= 60999 ? 32768 : n + 1 + (n & 3);
    } while (ANALYZER_PORTS.has(n) || (n >= 33434 && n <= 33534));
    h.port = n;
    return p;
  }
}

const US_PER_HOUR = 3600e6;
const US_PER_DAY = 86400e6;

/** Hour of day (UTC, fractional) at `tUs`. */
export function hourOf(tUs: number): number {
  return (tUs % US_PER_DAY) / US_PER_HOUR;
}

/** True on Monday to Friday (UTC). */
export function isWeekday(tUs: number): boolean {
  const dow = (Math.floor(tUs / US_PER_DAY) + 4) % 7;
  return dow >= 1 && dow <= 5;
}

/** True during generic office hours (08-18 UTC on weekdays): for work-hours-only behaviours. */
export function isWorkHours(tUs: number): boolean {
  const h = hourOf(tUs);
  return isWeekday(tUs) && h >= 8 && h < 18;
}

/** True when the host is on the network (laptops leave with their owner). */
export function isPresent(h: Host, tUs: number): boolean {
  if (!h.laptop) return true;
  const hr = hourOf(tUs);
  return isWeekday(tUs) && hr >= h.arrive && hr < h.leave;
}

/** The user's activity level at `tUs`: 1 at the desk, less at lunch, near 0 at night and weekends. */
export function userActivity(h: Host, tUs: number): number {
  const hr = hourOf(tUs);
  if (!isWeekday(tUs)) return 0.02;
  if (hr < h.arrive || hr >= h.leave) return 0.01;
  if (hr >= 12 && hr < 13) return 0.45;
  // Ramp up in the first half hour.
  return hr - h.arrive < 0.5 ? 0.6 : 1;
}
