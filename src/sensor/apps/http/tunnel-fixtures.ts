/**
 * Test support (not shipped logic): one TCP connection through a proxy built frame by frame, and
 * a decode of frames through the Sensor with the default analyzers. Used by the tunnel tests
 * (HTTP CONNECT here, SOCKS in ../socks). Named so node's test runner does not take it for a test.
 */
import { Sensor, type SensorStats } from '../../sensor.js';
import { MemorySink } from '../../../records/writers.js';
import { tcpFrame, type TcpSpec } from '../../testing/frames.js';
import { DEFAULT_ANALYZERS } from '../registry.js';
import {
  alpnExt, cat, certificateBody, certificateDer, clientHelloBody, derTime, hsMsg, name, records, serverHelloBody, sniExt,
} from '../tls/test-builder.js';

const LEAF = certificateDer({
  subject: name([[['2.5.4.3', 0x0c, 'www.example.com']]]),
  issuer: name([[['2.5.4.3', 0x0c, 'Test CA']]]),
  notBefore: derTime(1700000000),
  notAfter: derTime(1800000000),
});
/** A TLS ClientHello for www.example.com (ALPN h2), as one record. */
export const CLIENT_HELLO = records(22,
  hsMsg(1, clientHelloBody({ ciphers: [0x1301, 0xc02f], extensions: [sniExt('www.example.com'), alpnExt(['h2'])] })), 16384, 0x0301);
/** The server's TLS 1.2 flight: ServerHello, a certificate for CN=www.example.com, ServerHelloDone. */
export const SERVER_HELLO = records(22, cat(
  hsMsg(2, serverHelloBody({ cipher: 0xc02f })), hsMsg(11, certificateBody([LEAF])), hsMsg(14, new Uint8Array(0))));

/** One captured frame. */
export type Frame = { ts: number; data: Uint8Array };
/** One payload segment of the connection: from the client (true) or the proxy (false). */
export type Seg = [isOrig: boolean, bytes: Uint8Array];

/** The endpoints of `connection` (a proxy on 3128). */
export const CLIENT = '10.0.0.5', PROXY = '10.0.0.1', CPORT = 51000, PPORT = 3128;

/**
 * A TCP connection client -> proxy:`port` with a handshake, the given segments (each one packet,
 * in order, acknowledged), and a FIN teardown.
 */
export function connection(segs: readonly Seg[], port = PPORT): Frame[] {
  const C = { src: CLIENT, dst: PROXY, sport: CPORT, dport: port };
  const S = { src: PROXY, dst: CLIENT, sport: port, dport: CPORT };
  let cs = 1000, ss = 9000, ts = 100;
  const out: Frame[] = [];
  const push = (spec: TcpSpec): void => {
    out.push({ ts, data: tcpFrame(spec) });
    ts += 0.001;
  };
  push({ ...C, flags: 'S', seq: cs++ });
  push({ ...S, flags: 'SA', seq: ss++, ack: cs });
  push({ ...C, flags: 'A', seq: cs, ack: ss });
  for (const [isOrig, b] of segs) {
    if (b.length === 0) continue;
    if (isOrig) { push({ ...C, flags: 'PA', seq: cs, ack: ss, payload: b }); cs += b.length; }
    else { push({ ...S, flags: 'PA', seq: ss, ack: cs, payload: b }); ss += b.length; }
  }
  push({ ...C, flags: 'FA', seq: cs++, ack: ss });
  push({ ...S, flags: 'FA', seq: ss++, ack: cs });
  push({ ...C, flags: 'A', seq: cs, ack: ss });
  return out;
}

/** Decode frames (Ethernet) through one Sensor with the default analyzers; records and statistics. */
export function decode(frames: readonly Frame[]): { r: MemorySink['records']; stats: SensorStats } {
  const sink = new MemorySink();
  const s = new Sensor(sink, { analyzers: DEFAULT_ANALYZERS, interimInterval: 0 });
  for (const f of frames) s.packet(f.data, 0, f.data.length, f.data.length, f.ts, 1);
  s.flush();
  return { r: sink.records, stats: s.stats };
}
