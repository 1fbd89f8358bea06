/** A packet source whose messages are all known up front: the shared part of UDP and ICMP exchanges. */
import type { PacketSource } from './flow.js';
import type { PcapWriter, Side } from './pcap-writer.js';

/** One message of an exchange: `dir` 0 = client to server, 1 = back; `ts` microseconds (rounded on construction). */
export interface Scheduled {
  ts: number;
  dir: 0 | 1;
}

/** Emits its messages in time order; subclasses write one message with `send`. */
export abstract class ScheduledFlow<M extends Scheduled> implements PacketSource {
  ts: number;
  order = 0;
  private i = 0;
  constructor(
    protected readonly client: Side,
    protected readonly server: Side,
    private readonly items: M[],
    protected readonly flowLabel = 0,
  ) {
    for (const m of items) m.ts = Math.round(m.ts);
    items.sort((a, b) => a.ts - b.ts);
    this.ts = items.length ? items[0]!.ts : Infinity;
  }

  /** Write message `m` from `from` to `to` (client to server when `m.dir` is 0). */
  protected abstract send(w: PcapWriter, m: M, from: Side, to: Side): void;

  emit(w: PcapWriter): void {
    const m = this.items[this.i++]!;
    if (m.dir === 0) this.send(w, m, this.client, this.server);
    else this.send(w, m, this.server, this.client);
    this.ts = this.i < this.items.length ? this.items[this.i]!.ts : Infinity;
  }
}
