/** A UDP exchange (DNS query/answer, NTP poll, a beacon datagram ...) as a packet source. */
import type { PcapWriter, Side } from './pcap-writer.js';
import { ScheduledFlow, type Scheduled } from './scheduled-flow.js';

/** One datagram: `dir` 0 = client to server, 1 = back; `ts` integer microseconds. */
export interface Datagram extends Scheduled {
  data: Uint8Array;
}

/** A short UDP conversation whose datagrams are known up front (sorted by time). */
export class UdpFlow extends ScheduledFlow<Datagram> {
  constructor(client: Side, server: Side, private readonly sport: number, private readonly dport: number, items: Datagram[], flowLabel = 0) {
    super(client, server, items, flowLabel);
  }

  protected send(w: PcapWriter, d: Datagram, from: Side, to: Side): void {
    const out = d.dir === 0;
    w.udp(d.ts, from, to, out ? this.sport : this.dport, out ? this.dport : this.sport, d.data, this.flowLabel);
  }
}
