/** An ICMP/ICMPv6 query exchange (an echo request and its reply, if any) as a packet source. */
import type { PacketSource } from './flow.js';
import type { PcapWriter, Side } from './pcap-writer.js';

/** One ICMP query message: `dir` 0 = client to server, 1 = back; `ts` integer microseconds. */
export interface IcmpMessage {
  ts: number;
  dir: 0 | 1;
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
export class IcmpFlow implements PacketSource {
  ts: number;
  order = 0;
  private i = 0;
  constructor(
    private readonly client: Side,
    private readonly server: Side,
    private readonly items: IcmpMessage[],
    private readonly flowLabel = 0,
  ) {
    for (const m of items) m.ts = Math.round(m.ts);
    items.sort((a, b) => a.ts - b.ts);
    this.ts = items.length ? items[0].ts : Infinity;
  }

  emit(w: PcapWriter): void {
    const m = this.items[this.i++];
    const [from, to] = m.dir === 0 ? [this.client, this.server] : [this.server, this.client];
    w.icmp(m.ts, from, to, m.type, m.code, m.ident, m.seq, m.data, this.flowLabel);
    this.ts = this.i < this.items.length ? this.items[this.i].ts : Infinity;
  }
}
