/**
 * Syslog (RFC 5424) over UDP (RFC 5426: one message per datagram) or TCP (RFC 6587 octet
 * counting: `MSG-LEN SP SYSLOG-MSG`). The message is the ECS document as JSON, escaped to
 * US-ASCII (`\uXXXX`), so it is a plain MSG-ANY that no receiver misreads; no structured data
 * (`-`): the JSON carries everything. PRI = facility x 8 + the alert's syslog severity
 * (`event.severity`).
 *
 * `<PRI>1 2026-11-02T10:00:00.000Z sensor1 c2hunt 4242 incident - {"@timestamp":...}`
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP, connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import type { AlertDoc } from './ecs.js';
import { AlertSinkError, type AlertSink } from './sink.js';

/** Facility names (RFC 5424 table 1) accepted by `facility`. */
export const FACILITIES: Readonly<Record<string, number>> = Object.freeze({
  kern: 0, user: 1, daemon: 3, auth: 4, syslog: 5, authpriv: 10, audit: 13, alert: 14,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
});

export interface SyslogOptions {
  host: string;
  /** Default 514. */
  port?: number;
  transport: 'udp' | 'tcp';
  /** Facility name or number 0..23 (default local0). */
  facility?: string | number;
  /** APP-NAME (default c2hunt, at most 48 printable ASCII). */
  appName?: string;
  /** HOSTNAME field (default this machine's name). */
  hostname?: string;
  /** TCP connect and write timeout (ms, default SYSLOG_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Largest UDP datagram sent (bytes, default SYSLOG_UDP_MAX_BYTES); bigger alerts are shortened (see `shorten`). */
  maxUdpBytes?: number;
  /** Clock for the TIMESTAMP field (tests). */
  now?: () => Date;
}

/** TCP connect/write timeout (ms). */
export const SYSLOG_TIMEOUT_MS = 5000;
/**
 * Largest UDP datagram (bytes). RFC 5426 asks receivers to accept 2048 and allows more; rsyslog
 * and syslog-ng accept 8 KiB by default, and IPv4 fragments well below 64 KiB.
 */
export const SYSLOG_UDP_MAX_BYTES = 8192;

/** Printable US-ASCII (33..126) only, at most `max` characters, `-` when empty (RFC 5424 header fields). */
function headerField(s: string, max: number): string {
  const v = s.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return v === '' ? '-' : v;
}

/** JSON with every non-ASCII character escaped (`\uXXXX`): still the same JSON value. */
export function asciiJson(v: unknown): string {
  return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Facility number from a name or number; throws on anything else. */
export function facilityNumber(f: string | number | undefined): number {
  if (f === undefined) return FACILITIES['local0']!;
  const n = typeof f === 'number' ? f : /^\d+$/.test(f) ? Number(f) : FACILITIES[f.toLowerCase()];
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > 23) throw new AlertSinkError('ALERT_BAD_SPEC', `Cannot use syslog facility '${f}': use 0..23 or ${Object.keys(FACILITIES).join(', ')}`);
  return n;
}

/** One RFC 5424 message (without transport framing). */
export function formatSyslog(doc: AlertDoc, o: { facility: number; appName: string; hostname: string; msgId: string; date: Date; pid?: number }): string {
  const sev = Math.min(7, Math.max(0, Math.round(doc.event.severity)));
  return `<${o.facility * 8 + sev}>1 ${o.date.toISOString()} ${headerField(o.hostname, 255)} ${headerField(o.appName, 48)} ${o.pid ?? process.pid} ${headerField(o.msgId, 32)} - ${asciiJson(doc)}`;
}

/**
 * A smaller document for a datagram that would be too big: first without the narrative and the
 * finding evidence, then only the ECS core fields. Never cut JSON in the middle.
 */
export function shorten(doc: AlertDoc, level: 1 | 2): AlertDoc {
  const c = { ...(doc['c2hunt'] as Record<string, unknown> | undefined) };
  if (level === 1) {
    delete c['narrative']; delete c['evidence'];
    return { ...doc, c2hunt: { ...c, shortened: true } };
  }
  const keep: AlertDoc = { event: doc.event };
  for (const k of ['@timestamp', 'ecs', 'message', 'rule', 'source', 'destination', 'threat', 'observer']) if (doc[k] !== undefined) keep[k] = doc[k];
  keep['c2hunt'] = { verdict: c['verdict'], score: c['score'], detector: c['detector'], shortened: true };
  return keep;
}

export class SyslogSink implements AlertSink {
  readonly name: string;
  private readonly port: number;
  private readonly facility: number;
  private readonly timeoutMs: number;
  private readonly maxUdp: number;
  private udp?: Promise<{ sock: UdpSocket; addr: string }>;
  private tcp?: Promise<Socket>;
  private closed = false;

  constructor(private readonly o: SyslogOptions) {
    this.port = o.port ?? 514;
    this.facility = facilityNumber(o.facility);
    this.timeoutMs = o.timeoutMs ?? SYSLOG_TIMEOUT_MS;
    this.maxUdp = o.maxUdpBytes ?? SYSLOG_UDP_MAX_BYTES;
    this.name = `syslog+${o.transport}://${o.host.includes(':') ? `[${o.host}]` : o.host}:${this.port}`;
  }

  private format(doc: AlertDoc): string {
    return formatSyslog(doc, {
      facility: this.facility, appName: this.o.appName ?? 'c2hunt', hostname: this.o.hostname ?? hostname(),
      msgId: String(((doc.event as Record<string, unknown>)['dataset'] ?? 'alert')).replace(/^c2hunt\./, ''), date: (this.o.now ?? (() => new Date()))(),
    });
  }

  async send(doc: AlertDoc): Promise<void> {
    if (this.closed) throw new AlertSinkError('ALERT_CLOSED', `Cannot send alert to ${this.name}: sink closed`);
    if (this.o.transport === 'udp') return this.sendUdp(doc);
    const msg = Buffer.from(this.format(doc), 'utf8');
    const frame = Buffer.concat([Buffer.from(`${msg.length} `, 'ascii'), msg]);
    try {
      await this.write(await this.connectTcp(), frame);
    } catch (e) {
      // A receiver may close an idle connection: reconnect once.
      this.tcp = undefined;
      if (e instanceof AlertSinkError && e.code === 'ALERT_TIMEOUT') throw e;
      await this.write(await this.connectTcp(), frame);
    }
  }

  private async sendUdp(doc: AlertDoc): Promise<void> {
    let msg = Buffer.from(this.format(doc), 'utf8');
    if (msg.length > this.maxUdp) msg = Buffer.from(this.format(shorten(doc, 1)), 'utf8');
    if (msg.length > this.maxUdp) msg = Buffer.from(this.format(shorten(doc, 2)), 'utf8');
    if (msg.length > this.maxUdp) throw new AlertSinkError('ALERT_TOO_LARGE', `Cannot send alert to ${this.name}: ${msg.length} bytes even shortened, over ${this.maxUdp}`);
    this.udp ??= (async () => {
      const addr = isIP(this.o.host) ? this.o.host : (await lookup(this.o.host)).address;
      const sock = createSocket(isIP(addr) === 6 ? 'udp6' : 'udp4');
      sock.unref();
      return { sock, addr };
    })();
    const { sock, addr } = await this.udp;
    await new Promise<void>((res, rej) => sock.send(msg, this.port, addr, (err) => (err ? rej(new AlertSinkError('ALERT_NETWORK', `Cannot send alert to ${this.name}: ${err.message}`)) : res())));
  }

  private connectTcp(): Promise<Socket> {
    this.tcp ??= new Promise<Socket>((res, rej) => {
      const s = connect({ host: this.o.host, port: this.port });
      const fail = (err: Error) => { s.destroy(); this.tcp = undefined; rej(err); };
      const t = setTimeout(() => fail(new AlertSinkError('ALERT_TIMEOUT', `Cannot connect to ${this.name}: no answer in ${this.timeoutMs} ms`)), this.timeoutMs);
      s.once('connect', () => {
        clearTimeout(t);
        s.removeAllListeners('error');
        s.on('error', () => { this.tcp = undefined; });
        s.on('close', () => { this.tcp = undefined; });
        res(s);
      });
      s.once('error', (err) => { clearTimeout(t); fail(new AlertSinkError('ALERT_NETWORK', `Cannot connect to ${this.name}: ${err.message}`)); });
    });
    return this.tcp;
  }

  private write(s: Socket, frame: Buffer): Promise<void> {
    return new Promise<void>((res, rej) => {
      if (s.destroyed || !s.writable) { rej(new AlertSinkError('ALERT_NETWORK', `Cannot send alert to ${this.name}: connection closed`)); return; }
      const t = setTimeout(() => { s.destroy(); rej(new AlertSinkError('ALERT_TIMEOUT', `Cannot send alert to ${this.name}: write took over ${this.timeoutMs} ms`)); }, this.timeoutMs);
      s.write(frame, (err) => {
        clearTimeout(t);
        if (err) rej(new AlertSinkError('ALERT_NETWORK', `Cannot send alert to ${this.name}: ${err.message}`)); else res();
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.udp !== undefined) { const { sock } = await this.udp.catch(() => ({ sock: undefined })); sock?.close(); }
    if (this.tcp !== undefined) {
      const s = await this.tcp.catch(() => undefined);
      if (s !== undefined && !s.destroyed) await new Promise<void>((res) => s.end(res));
    }
  }
}
