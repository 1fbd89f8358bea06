/**
 * Builders for application-level flows: a TLS session (handshake, requests and responses as
 * encrypted records, optional close_notify, FIN), a plain HTTP exchange, and the remote server
 * sides (TTL and round-trip time fixed per address, so repeated contacts look alike).
 */
import type { SimContext } from './context.js';
import type { Host } from './network.js';
import { hashString, type Rng } from './rng.js';
import type { Side } from './pcap-writer.js';
import { TcpFlow, type StepSource, type TcpClose, type TcpStep } from './tcp-flow.js';
import { clientFinish, clientHello, closeNotify, encrypted, negotiates13, offersAlpnByDefault, serverFinish12, serverFlight, type TlsClientKind, type TlsServer } from './payload/tls.js';
import { makeCert } from './payload/x509.js';
import { httpRequest, httpResponse, type HttpRequest } from './payload/http.js';
import { SITE_BY_NAME } from './catalog.js';

/** One request/response on a connection. Sizes in bytes of plaintext; `think`: µs before the request. */
export interface Exchange {
  req: number;
  resp: number;
  think: number;
  /** Server processing time before the response, µs (default 2-20 ms). */
  serverThink?: number;
}

/** One TLS connection to build. Times in µs. */
export interface TlsConnOptions {
  host: Host;
  /** Remote address (IPv4 or IPv6 string). */
  dst: string;
  port?: number;
  sni: string;
  client: TlsClientKind;
  server: TlsServer;
  alpn?: string[] | null;
  start: number;
  exchanges: Exchange[];
  close?: TcpClose;
  /** Idle time before closing, µs. */
  closeDelay?: number;
  /** Send an encrypted close_notify before the FIN. */
  notify?: boolean;
  rateMbps?: number;
  /** Resumes an earlier session (no certificate; TLS 1.2 abbreviated handshake). */
  resumed?: boolean;
  /** Steps to append after the exchanges (long sessions). */
  more?: (tls13: boolean) => StepSource | null;
}

/** Organisation and root of the issuing CAs named in the catalog. */
const CAS: Record<string, { o: string; root: string }> = {
  'R11': { o: "Let's Encrypt", root: 'ISRG Root X1' },
  'GTS CA 1C3': { o: 'Google Trust Services LLC', root: 'GTS Root R1' },
  'DigiCert Global G2 TLS RSA SHA256 2020 CA1': { o: 'DigiCert Inc', root: 'DigiCert Global Root G2' },
  'DigiCert TLS RSA SHA256 2020 CA1': { o: 'DigiCert Inc', root: 'DigiCert Global Root CA' },
};

/** TTL as seen at the sensor and round trip (µs) for a remote address: stable per address. */
export function remoteProfile(addr: string): { ttl: number; rtt: number } {
  const h = hashString(addr);
  const initial = h & 1 ? 64 : h & 2 ? 128 : 255;
  return { ttl: initial - 7 - ((h >>> 4) % 14), rtt: 4000 + ((h >>> 8) % 140) * 1000 };
}

/** Flow builders bound to one simulation. */
export class Apps {
  private readonly servers = new Map<string, TlsServer>();
  constructor(private readonly ctx: SimContext, private readonly rng: Rng) {}

  /** The remote side for `addr` as host `h` sees it (IPv4 or IPv6 by the address). */
  remote(addr: string, rng: Rng): { side: Side; rtt: number } {
    const p = remoteProfile(addr);
    return { side: this.ctx.net.remote(addr, p.ttl, rng), rtt: Math.round(p.rtt * (0.9 + 0.25 * rng.next())) };
  }

  /** The host's client side for a flow to `addr` (IPv6 side when the address is IPv6). */
  clientSide(h: Host, addr: string): Side {
    if (addr.includes(':')) {
      if (!h.side6) throw new Error(`Cannot use IPv6: host ${h.ipStr} has no IPv6 address`);
      return h.side6;
    }
    return h.side;
  }

  /**
   * TLS server identity for a name: catalog sites with `tls12Issuer` show a CA-issued chain over
   * TLS 1.2, others negotiate TLS 1.3; `register` sets custom ones (e.g. a self-signed C2).
   */
  tlsServer(name: string): TlsServer {
    let s = this.servers.get(name);
    if (s) return s;
    const site = SITE_BY_NAME.get(name);
    if (site?.tls12Issuer) s = this.caSigned(name, site.tls12Issuer);
    else s = { tls13: true, certs: [], alpn: 'h2' };
    this.servers.set(name, s);
    return s;
  }

  /** Registers a server identity for `name`. */
  setTlsServer(name: string, s: TlsServer): void {
    this.servers.set(name, s);
  }

  /** A TLS 1.2 identity with a leaf and an intermediate certificate. */
  caSigned(name: string, issuer: string): TlsServer {
    const now = this.ctx.start / 1e6;
    const ca = CAS[issuer] ?? { o: 'Example Trust Services', root: 'Example Root CA' };
    const issuerDn = { cn: issuer, o: ca.o, c: 'US' };
    const leaf = makeCert({ subject: { cn: name }, issuer: issuerDn, san: [name], notBefore: now - 40 * 86400, notAfter: now + 50 * 86400 }, this.rng);
    const inter = makeCert({ subject: issuerDn, issuer: { cn: ca.root, o: ca.o, c: 'US' }, san: [], notBefore: now - 900 * 86400,
      notAfter: now + 900 * 86400, ca: true }, this.rng);
    return { tls13: false, certs: [leaf, inter], alpn: 'http/1.1' };
  }

  /** A TLS 1.2 identity with a self-signed certificate (typical of C2 servers). */
  selfSigned(name: string, cn: string, o?: string): TlsServer {
    const now = this.ctx.start / 1e6;
    const dn = { cn, o };
    const cert = makeCert({ subject: dn, issuer: dn, san: [], notBefore: now - 12 * 86400, notAfter: now + 353 * 86400 }, this.rng);
    const s: TlsServer = { tls13: false, certs: [cert] };
    this.servers.set(name, s);
    return s;
  }

  /** A TLS connection; returns the flow after scheduling it. */
  tls(o: TlsConnOptions, rng: Rng): TcpFlow {
    const pool = this.ctx.pool;
    const { side, rtt } = this.remote(o.dst, rng);
    const tls13 = negotiates13(o.client, o.server);
    // A server answers ALPN only when the client offered it.
    const offered = o.alpn != null || offersAlpnByDefault(o.client);
    const server: TlsServer = offered ? o.server : { ...o.server, alpn: undefined };
    const steps: TcpStep[] = [];
    const ex = o.exchanges;
    const resumed = o.resumed ?? false;
    steps.push({ from: 0, data: [clientHello(o.client, o.sni, rng, pool, o.alpn ?? null, resumed && tls13)], think: 0 });
    steps.push({ from: 1, data: serverFlight(o.client, server, rng, pool, resumed), think: rng.int(300, 4000) });
    const first = ex[0];
    if (resumed && !tls13) {
      // Abbreviated handshake: the server already sent CCS + Finished; the client answers with its own.
      steps.push({ from: 0, data: clientFinish(o.client, o.server, rng, pool, first ? first.req : null).slice(1), think: rng.int(200, 2000) });
    } else if (tls13) {
      steps.push({ from: 0, data: clientFinish(o.client, o.server, rng, pool, first ? first.req : 0), think: rng.int(200, 2000) });
    } else {
      steps.push({ from: 0, data: clientFinish(o.client, o.server, rng, pool, null), think: rng.int(200, 2000) });
      steps.push({ from: 1, data: serverFinish12(rng, pool), think: rng.int(200, 1500) });
      if (first) steps.push({ from: 0, data: encrypted(rng, pool, first.req, false), think: rng.int(50, 500) });
    }
    if (first) {
      // TLS 1.3 servers send session tickets before the first response.
      const data = tls13 ? encrypted(rng, pool, 230, true) : [];
      encrypted(rng, pool, first.resp, tls13, data);
      steps.push({ from: 1, data, think: first.serverThink ?? rng.int(2000, 20000) });
    }
    for (let i = 1; i < ex.length; i++) {
      steps.push({ from: 0, data: encrypted(rng, pool, ex[i].req, tls13), think: ex[i].think });
      steps.push({ from: 1, data: encrypted(rng, pool, ex[i].resp, tls13), think: ex[i].serverThink ?? rng.int(2000, 20000) });
    }
    const more = o.more?.(tls13) ?? null;
    let notified = false;
    let i = 0;
    const notify = o.notify ?? false;
    const closer = (o.close ?? 'fin_c') === 'fin_s' ? 1 : 0;
    const src: StepSource = {
      next: () => {
        if (i < steps.length) return steps[i++];
        if (more) {
          const s = more.next();
          if (s) return s;
        }
        if (notify && !notified && (o.close ?? 'fin_c') !== 'none') {
          notified = true;
          return { from: closer, data: closeNotify(tls13, rng, pool), think: o.closeDelay ?? 0 };
        }
        return null;
      },
    };
    const flow = new TcpFlow({
      client: this.clientSide(o.host, o.dst), server: side, sport: this.ctx.net.port(o.host), dport: o.port ?? 443,
      start: o.start, rtt, steps: src, close: o.close ?? 'fin_c', closeDelay: notify ? rng.int(100, 2000) : o.closeDelay ?? 0,
      rateMbps: o.rateMbps, rng,
    });
    this.ctx.add(flow);
    return flow;
  }

  /** A plain HTTP connection with one or more request/response pairs. */
  http(o: { host: Host; dst: string; port?: number; start: number; requests: { req: HttpRequest; status: number; bodyLen?: number; text?: string; contentType?: string; location?: string; think: number }[];
    close?: TcpClose; closeDelay?: number; server?: string }, rng: Rng): TcpFlow {
    const pool = this.ctx.pool;
    const { side, rtt } = this.remote(o.dst, rng);
    const steps: TcpStep[] = [];
    for (const r of o.requests) {
      steps.push({ from: 0, data: httpRequest(r.req), think: r.think });
      steps.push({ from: 1, data: httpResponse(rng, pool, r.status, { bodyLen: r.bodyLen, text: r.text, contentType: r.contentType, server: o.server, location: r.location }), think: rng.int(3000, 40000) });
    }
    const flow = new TcpFlow({
      client: this.clientSide(o.host, o.dst), server: side, sport: this.ctx.net.port(o.host), dport: o.port ?? 80,
      start: o.start, rtt, steps, close: o.close ?? 'fin_c', closeDelay: o.closeDelay ?? rng.int(1000, 100000), rng,
    });
    this.ctx.add(flow);
    return flow;
  }
}

