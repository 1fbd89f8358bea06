/** An ICMP/ICMPv6 query exchange (an echo request and its reply, if any) as a packet source. */
import type { PcapWriter, Side } from './pcap-writer.js';
import { ScheduledFlow, type Scheduled } from './scheduled-flow.js';

/** One ICMP query message: `dir` 0 = client to server, 1 = back; `ts` integer microseconds. */
export interface IcmpMessage extends Scheduled {
  type: number;
  code: number;
  ident: number;
  seq: number;
  data: Uint8Array;
}

/** ICMPv4 echo request / reply types. */
export const ICMP_ECHO_REQUEST = 8, ICMP_ECHO_REPLY = 0;
/** ICMPv6 echo request / reply types (RFC 4443). */
export const ICMP6_ECHO_REQUEST = 128, ICMP6_ECHO_REPLY = 129;

/** A short ICMP exchange whose messages are known up front (sorted by time). */
export class IcmpFlow extends ScheduledFlow<IcmpMessage> {
  protected send(w: PcapWriter, m: IcmpMessage, from: Side, to: Side): void {
    w.icmp(m.ts, from, to, m.type, m.code, m.ident, m.seq, m.data, this.flowLabel);
  }
}
