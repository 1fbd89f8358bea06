/** A UDP exchange (DNS query/answer, NTP poll, a beacon datagram ...) as a packet source. */
import type { PacketSource } from './flow.js';
import type { PcapWriter, Side } from './pcap-writer.js';

/** One datagram: `dir` 0 = client to server, 1 = back; `ts` integer microseconds. */
export interface Datagram {
  ts: number;
  dir: 0 | 1;
  data: Uint8Array;
}

/** A short UDP conversation whose datagrams are known up front (sorted by time). */
export class UdpFlow implements PacketSource {
  ts: number;
  order = 0;
  private i = 0;
  constructor(
    private readonly client: Side,
    private readonly server: Side,
    private readonly sport: number,
    private readonly dport: number,
    private readonly items: Datagram[],
    private readonly flowLabel = 0,
  ) {
    for (const d of items) d.ts = Math.round(d.ts);
    items.sort((a, b) => a.ts - b.ts);
    this.ts = items.length ? items[0].ts : Infinity;
  }

  emit(w: PcapWriter): void {
    const d = this.items[this.i++];
    if (d.dir === 0) w.udp(d.ts, this.client, this.server, this.sport, this.dport, d.data, this.flowLabel);
    else w.udp(d.ts, this.server, this.client, this.dport, this.sport, d.data, this.flowLabel);
    this.ts = this.i < this.items.length ? this.items[this.i].ts : Infinity;
  }
}
