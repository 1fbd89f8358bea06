/**
 * The sensor: packets in, records out. Decodes each packet into the reusable Packet, finds or
 * creates its bidirectional flow, keeps Zeek's connection state and history, hands payload to
 * the application analyzer that claimed the connection by content, and emits conn records when a
 * flow ends (FIN/RST + close delay, inactivity timeout, eviction, end of input) plus interim
 * records for long connections.
 *
 * Per packet nothing is allocated unless a record is emitted or an analyzer is given payload (a
 * view of the captured bytes): flows are found by a numeric hash, history and state are numbers
 * in the flow, and analyzer delivery goes through one sink object of the sensor.
 *
 * Sharding (worker threads, see parallel/): a sensor given `shard: { index, count }` keeps only
 * the flows whose symmetric 5-tuple hash falls in its shard; packets without a flow are counted
 * by one shard chosen from the packet's number. Either every shard is fed every packet (so time,
 * timeouts and the packet numbering advance exactly as in a single sensor), or one shard reads the
 * input and routes the other shards' packets to them with the clock, its sweeps and the packet
 * numbers (`shard.router`, `routedPacket`, `routedSweep`). Either way the shards together emit the
 * same records as one sensor (see `SensorOptions.shard` for the differences).
 */
import type { AppAnalyzerFactory, AppContext, StreamAnalyzer } from './apps/types.js';
import { decodePacket, quickFlowHash } from './packet/decode.js';
import {
  IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, Packet, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, addrToString,
} from './packet/packet.js';
import { communityIdWords } from './flow/community-id.js';
import {
  EP_ACK, EP_ANY, EP_DATA, EP_FIN, EP_RST, EP_SYN, EP_SYNACK, H_ACK, H_DATA, H_FIN, H_GAP, H_INCONSISTENT, H_MULTIFLAG,
  H_RETRANS, H_RST, H_SYN, H_SYNACK, H_ZEROWIN, histOnce, histRepeat, tcpConnState, udpConnState,
} from './flow/conn-state.js';
import { DEFAULT_TIMEOUTS, Flow, FlowTable, L_CLOSED, L_ESTABLISHED, L_OTHER, L_TCP, L_UDP, tupleHash, type FlowTimeouts } from './flow/flow-table.js';
import { StreamDirection, type SegmentSink } from './flow/reassembly.js';
import { makeUid } from './flow/uid.js';
import type { ConnRecord, FlowId, RecordKind, RecordMap, RecordSink, Transport, WeirdRecord } from '../records/schema.js';

export interface SensorOptions {
  /** Inactivity timeouts (seconds); defaults are Zeek's. */
  timeouts?: Partial<FlowTimeouts>;
  /** Seconds between interim records of a connection that stays open; 0 disables. Default 600. */
  interimInterval?: number;
  /** Most concurrent flows; beyond it the least recently active flow is ended early (counted). Default 1,000,000. */
  maxFlows?: number;
  /** Application analyzers, tried in order on each connection's first payload. Default: none. */
  analyzers?: readonly AppAnalyzerFactory[];
  /** Community ID seed (default 0). */
  communityIdSeed?: number;
  /**
   * Keep only the flows of shard `index` of `count` (parallel decoding: every shard is fed every
   * packet, or `router` takes the packets of the others). Together the shards emit the same
   * records as one sensor, except that `maxFlows` applies per shard (as maxFlows / count), weird
   * sampling (past WEIRD_SAMPLING_THRESHOLD of a name) picks different records, and `peakFlows`
   * summed over shards is an upper bound.
   */
  shard?: {
    index: number;
    count: number;
    /** Takes the packets of the other shards (this sensor then reads the input for all of them). */
    router?: PacketRouter;
    /** Relative share of the flows per shard (default equal); all shards must be given the same. */
    weights?: readonly number[];
  };
}

/**
 * Takes the packets a routing sensor does not own (shard.router): the decoding thread passes them
 * on to the sensors of their shards, which take them with `routedPacket` and `routedSweep`, so
 * those sensors need not look at every packet themselves.
 */
export interface PacketRouter {
  /**
   * Packet number `index` belongs to shard `owner`. `now`: the clock (newest time seen) once the
   * packet is counted; `fragKnown`: for a later IP fragment, whether its first fragment is known.
   */
  packet(owner: number, buf: Uint8Array, off: number, caplen: number, origlen: number, ts: number, linktype: number,
    index: number, now: number, fragKnown: boolean): void;
  /** Every shard ends timed-out flows and emits due interim records at time `now`, before the next packet. */
  sweep(now: number): void;
}

/** Weird records emitted per name before sampling starts; after it one in WEIRD_SAMPLE_RATE is emitted (all are counted). */
export const WEIRD_SAMPLING_THRESHOLD = 100;
export const WEIRD_SAMPLE_RATE = 1000;
/** Ports that mark the server side when the opening packet was not seen (direction heuristic). */
const LIKELY_SERVER_PORTS = new Set([
  21, 22, 23, 25, 53, 80, 88, 110, 123, 135, 137, 138, 139, 143, 389, 443, 445, 465, 587, 636, 853, 993, 995,
  1433, 1521, 1883, 3128, 3306, 3389, 5060, 5353, 5355, 5432, 5900, 6379, 8080, 8443, 8888, 9200,
]);
/** LIKELY_SERVER_PORTS as a table indexed by port. */
const SERVER_PORT = new Uint8Array(65536);
for (const p of LIKELY_SERVER_PORTS) SERVER_PORT[p] = 1;
/** Remembered first fragments (to attribute later fragments to their flow). */
const MAX_FRAGMENT_KEYS = 10_000;
/** ICMP reply types -> their request types, so a reply joins the request's flow. */
const ICMP_REPLY_OF: Record<number, number> = { 0: 8, 14: 13, 16: 15, 18: 17, 9: 10 };
const ICMP6_REPLY_OF: Record<number, number> = { 129: 128, 131: 130, 134: 133, 136: 135, 145: 144 };
const TWO32 = 4294967296;

export interface SensorStats {
  packets: number;
  /** Bytes on the wire (original lengths). */
  bytes: number;
  ipPackets: number;
  nonIpPackets: number;
  flows: number;
  /** Flows ended early because the table was full. */
  evictions: number;
  /** Most flows held at once. */
  peakFlows: number;
  records: Record<RecordKind, number>;
  weirds: Record<string, number>;
  interims: number;
}

/** Fresh, zeroed statistics. */
export function emptyStats(): SensorStats {
  return {
    packets: 0, bytes: 0, ipPackets: 0, nonIpPackets: 0, flows: 0, evictions: 0, peakFlows: 0, interims: 0,
    records: { conn: 0, dns: 0, tls: 0, http: 0, mining: 0, ssh: 0, weird: 0 },
    weirds: {},
  };
}

function protoName(p: number): Transport {
  if (p === IPPROTO_TCP) return 'tcp';
  if (p === IPPROTO_UDP) return 'udp';
  if (p === IPPROTO_ICMP || p === IPPROTO_ICMPV6) return 'icmp';
  return 'unknown_transport';
}

/** Analyzers to probe, per first payload byte (index) for one transport and direction. */
type ProbeTable = (readonly AppAnalyzerFactory[])[];

function probeTable(analyzers: readonly AppAnalyzerFactory[], transport: 'tcp' | 'udp', isOrig: boolean): ProbeTable {
  const table: AppAnalyzerFactory[][] = [];
  for (let b = 0; b < 256; b++) table.push([]);
  for (const a of analyzers) {
    if (!a.transports.includes(transport)) continue;
    const hint = isOrig ? a.firstBytes?.orig : a.firstBytes?.resp;
    for (let b = 0; b < 256; b++) if (hint === undefined || hint.includes(b)) table[b]!.push(a);
  }
  return table;
}

/** Packet kinds, as `classify` sorts them. */
const K_NO_FLOW = 0; // not IP, undecodable, or an IP packet whose transport header is missing
const K_LATER_FRAGMENT = 1;
const K_FLOW = 2;

export class Sensor {
  readonly stats: SensorStats = emptyStats();
  private readonly pkt = new Packet();
  private readonly table = new FlowTable();
  private readonly timeouts: FlowTimeouts;
  private readonly interim: number;
  private readonly maxFlows: number;
  private readonly hasAnalyzers: boolean;
  private readonly probeTcp: [ProbeTable, ProbeTable];
  private readonly probeUdp: [ProbeTable, ProbeTable];
  private readonly seed: number;
  private readonly shardIndex: number;
  private readonly shardCount: number;
  private readonly router: PacketRouter | null;
  /** Upper ends of each shard's range of unsigned flow hashes (the last is 2^32). */
  private readonly shardBounds: number[];
  /** Time of the newest packet seen (epoch seconds). */
  now = 0;
  private nextSweep = 0;
  /** Number of the next packet fed (0-based, over every capture this sensor reads). */
  private packetIndex = 0;
  private readonly uidWords = new Uint32Array(12);
  private readonly addrWords = new Uint32Array(4);
  /**
   * First fragments seen: key -> the flow, or (sharded) the index of the shard that owns it.
   * Every shard keeps every key, so all agree on eviction order and ownership.
   */
  private readonly frags = new Map<string, Flow | number>();
  /** Last capture buffer seen and a plain Uint8Array view of it (cheaper subarrays than Buffer's). */
  private lastBuf: Uint8Array | null = null;
  private lastView: Uint8Array = new Uint8Array(0);
  // The key of the packet being handled (set by classify).
  private kS0 = 0; private kS1 = 0; private kS2 = 0; private kS3 = 0; private kSp = 0;
  private kD0 = 0; private kD1 = 0; private kD2 = 0; private kD3 = 0; private kDp = 0;
  private kHash = 0;
  /** Flow, direction and time of the segment being handed to an analyzer (read by `segSink`). */
  private curFlow: Flow | null = null;
  private curOrig = true;
  private curTs = 0;
  /** The one sink through which TCP payload reaches analyzers (see StreamDirection.segment). */
  private readonly segSink: SegmentSink;

  constructor(private readonly sink: RecordSink, opts: SensorOptions = {}) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    this.interim = opts.interimInterval ?? 600;
    this.shardCount = Math.max(1, Math.floor(opts.shard?.count ?? 1));
    this.shardIndex = Math.min(this.shardCount - 1, Math.max(0, Math.floor(opts.shard?.index ?? 0)));
    this.router = opts.shard?.router ?? null;
    this.shardBounds = shardBounds(this.shardCount, opts.shard?.weights);
    this.maxFlows = Math.ceil((opts.maxFlows ?? 1_000_000) / this.shardCount);
    const analyzers = opts.analyzers ?? [];
    this.hasAnalyzers = analyzers.length > 0;
    this.probeTcp = [probeTable(analyzers, 'tcp', false), probeTable(analyzers, 'tcp', true)];
    this.probeUdp = [probeTable(analyzers, 'udp', false), probeTable(analyzers, 'udp', true)];
    this.seed = opts.communityIdSeed ?? 0;
    const sensor = this;
    this.segSink = {
      deliver(bytes: Uint8Array): void {
        const f = sensor.curFlow!;
        const app = f.app!;
        try {
          app.data(sensor.curOrig, bytes, sensor.curTs);
        } catch (e) {
          sensor.analyzerFailed(f, e);
        }
      },
      gap(len: number): void {
        const f = sensor.curFlow!;
        const app = f.app!;
        try {
          app.gap(sensor.curOrig, len, sensor.curTs);
        } catch (e) {
          sensor.analyzerFailed(f, e);
        }
      },
    };
  }

  /** Number of flows held now. */
  get activeFlows(): number {
    return this.table.size;
  }

  /** Emit a record (counted in the statistics). */
  emit<K extends RecordKind>(kind: K, rec: RecordMap[K]): void {
    this.stats.records[kind]++;
    this.sink.write(kind, rec);
  }

  /** Record a weird: always counted, emitted as a record until sampling starts. */
  weird(name: string, addl: string, ts: number, f?: Flow | null, id?: FlowId): void {
    const n = (this.stats.weirds[name] ?? 0) + 1;
    this.stats.weirds[name] = n;
    if (n > WEIRD_SAMPLING_THRESHOLD && n % WEIRD_SAMPLE_RATE !== 0) return;
    const rec: WeirdRecord = { ts, uid: f?.uid ?? '', name };
    if (addl) rec.addl = addl;
    const fid = id ?? (f ? this.flowId(f) : undefined);
    if (fid) Object.assign(rec, fid);
    this.emit('weird', rec);
  }

  /** The flow's endpoints as text, made once per flow. */
  private flowId(f: Flow): FlowId {
    let id = f.id;
    if (id === null) {
      const w = this.addrWords;
      w[0] = f.a0; w[1] = f.a1; w[2] = f.a2; w[3] = f.a3;
      const orig = addrToString(w);
      w[0] = f.b0; w[1] = f.b1; w[2] = f.b2; w[3] = f.b3;
      id = { orig_h: orig, orig_p: f.aPort, resp_h: addrToString(w), resp_p: f.bPort };
      f.id = id;
    }
    return id;
  }

  /** A plain Uint8Array over the same bytes as `buf` (made once per capture chunk). */
  private viewOf(buf: Uint8Array): Uint8Array {
    this.lastBuf = buf;
    this.lastView = Object.getPrototypeOf(buf) === Uint8Array.prototype ? buf : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    return this.lastView;
  }

  /** Feed one captured packet (buf[off, off+caplen)). */
  packet(buf: Uint8Array, off: number, caplen: number, origlen: number, ts: number, linktype: number): void {
    const index = this.packetIndex++;
    if (ts > this.now) this.now = ts;
    if (this.now >= this.nextSweep) {
      this.router?.sweep(this.now);
      this.sweep();
    }
    const view = buf === this.lastBuf ? this.lastView : this.viewOf(buf);
    if (this.shardCount > 1) {
      // Most packets of other shards are recognised without decoding them.
      const qh = quickFlowHash(view, off, caplen, linktype, tupleHash);
      if (qh >= 0) {
        const owner = this.shardOf(qh);
        if (owner !== this.shardIndex) {
          this.router?.packet(owner, view, off, caplen, origlen, ts, linktype, index, this.now, false);
          return;
        }
      }
    }
    const p = this.pkt;
    const ok = decodePacket(p, view, off, caplen, ts, linktype);
    const kind = this.classify(p, ok);
    let fragEntry: Flow | number | undefined;
    if (kind === K_LATER_FRAGMENT) {
      const fragKey = fragmentKey(p);
      fragEntry = this.frags.get(fragKey);
      // The datagram is complete: every shard forgets the key.
      if (!p.fragMore && fragEntry !== undefined) this.frags.delete(fragKey);
    }
    if (this.shardCount > 1) {
      let owner: number;
      if (kind === K_FLOW) owner = this.shardOf(this.kHash >>> 0);
      else if (kind === K_LATER_FRAGMENT && fragEntry !== undefined) owner = typeof fragEntry === 'number' ? fragEntry : this.shardIndex;
      else owner = index % this.shardCount;
      if (owner !== this.shardIndex) {
        if (kind === K_FLOW && p.fragMore) this.rememberFragment(p, owner);
        this.router?.packet(owner, view, off, caplen, origlen, ts, linktype, index, this.now, fragEntry !== undefined);
        return;
      }
    }
    this.own(p, ok, kind, index, origlen, ts, fragEntry);
  }

  /** The shard of an unsigned flow hash. */
  private shardOf(h: number): number {
    const b = this.shardBounds;
    let i = 0;
    while (h >= b[i]!) i++;
    return i;
  }

  /**
   * A packet this sensor owns, routed to it by the sensor that reads the input (see
   * PacketRouter): the clock and the packet number come from there.
   */
  routedPacket(buf: Uint8Array, off: number, caplen: number, origlen: number, ts: number, linktype: number,
    index: number, now: number, fragKnown: boolean): void {
    this.now = now;
    this.packetIndex = index + 1;
    const p = this.pkt;
    const ok = decodePacket(p, buf === this.lastBuf ? this.lastView : this.viewOf(buf), off, caplen, ts, linktype);
    const kind = this.classify(p, ok);
    let fragEntry: Flow | number | undefined;
    if (kind === K_LATER_FRAGMENT && fragKnown) {
      const fragKey = fragmentKey(p);
      fragEntry = this.frags.get(fragKey);
      if (!p.fragMore && fragEntry !== undefined) this.frags.delete(fragKey);
    }
    this.own(p, ok, kind, index, origlen, ts, fragEntry);
  }

  /** The routing sensor swept at `now` (see PacketRouter.sweep): do the same here. */
  routedSweep(now: number): void {
    this.now = now;
    this.sweep();
  }

  /** Count and handle a packet of this shard. */
  private own(p: Packet, ok: boolean, kind: number, index: number, origlen: number, ts: number, fragEntry: Flow | number | undefined): void {
    const st = this.stats;
    st.packets++;
    st.bytes += origlen;
    if (p.weird !== '') this.weird(p.weird, p.weirdAddl, ts);
    if (!ok || p.ipVersion === 0) {
      if (p.weird === '') st.nonIpPackets++;
      return;
    }
    st.ipPackets++;
    if (kind === K_LATER_FRAGMENT) { this.laterFragment(p, fragEntry); return; }
    if (kind !== K_FLOW) return;
    this.flowPacket(p, index, ts);
  }

  /**
   * Sort a decoded packet: a packet that belongs to a flow (its key is left in the k* fields), a
   * later IP fragment, or neither.
   */
  private classify(p: Packet, ok: boolean): number {
    if (!ok || p.ipVersion === 0) return K_NO_FLOW;
    if (p.fragOffset > 0) return K_LATER_FRAGMENT;
    const proto = p.proto;
    const icmp = proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6;
    if (!p.l4 && (proto === IPPROTO_TCP || proto === IPPROTO_UDP || icmp)) return K_NO_FLOW;
    const s = p.src, d = p.dst;
    let sp = p.sport, dp = p.dport;
    if (icmp) {
      // orig_p = type, resp_p = code (Zeek); a reply keys as the reverse of its request.
      const req = (proto === IPPROTO_ICMP ? ICMP_REPLY_OF : ICMP6_REPLY_OF)[sp];
      if (req !== undefined) { sp = dp; dp = req; }
    }
    this.kS0 = s[0]! | 0; this.kS1 = s[1]! | 0; this.kS2 = s[2]! | 0; this.kS3 = s[3]! | 0; this.kSp = sp;
    this.kD0 = d[0]! | 0; this.kD1 = d[1]! | 0; this.kD2 = d[2]! | 0; this.kD3 = d[3]! | 0; this.kDp = dp;
    this.kHash = tupleHash(this.kS0, this.kS1, this.kS2, this.kS3, sp, this.kD0, this.kD1, this.kD2, this.kD3, dp, proto);
    return K_FLOW;
  }

  /** A packet of a flow (key in the k* fields). */
  private flowPacket(p: Packet, index: number, ts: number): void {
    const proto = p.proto;
    const h = this.kHash;
    const table = this.table;
    let f = table.find(h, this.kS0, this.kS1, this.kS2, this.kS3, this.kSp, this.kD0, this.kD1, this.kD2, this.kD3, this.kDp, proto);
    let isOrig = table.lastIsOrig;
    if (f !== null && f.list === L_CLOSED && proto === IPPROTO_TCP && (p.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) {
      // Port reuse: a new SYN on a closed connection starts a new one.
      this.endFlow(f, ts);
      f = null;
    }
    if (f === null) {
      f = this.newFlow(p, index);
      isOrig = !f.flipped;
    }
    if (p.fragMore) this.rememberFragment(p, f);
    if (ts > f.last) f.last = ts;
    if (ts < f.start) f.start = ts;
    if (isOrig) { f.origPkts++; f.origIpBytes += p.ipLen; } else { f.respPkts++; f.respIpBytes += p.ipLen; }
    if (proto === IPPROTO_TCP) this.tcp(f, p, isOrig, ts);
    else {
      if (isOrig) { f.origEp |= EP_ANY; f.origPay += p.payLen; } else { f.respEp |= EP_ANY; f.respPay += p.payLen; }
      if (p.payLen > 0) histOnce(f, H_DATA, isOrig);
      if (proto === IPPROTO_UDP && p.payCap > 0 && this.hasAnalyzers) this.udpApp(f, p, isOrig, ts);
      table.touch(f, proto === IPPROTO_UDP ? L_UDP : L_OTHER);
    }
  }

  private newFlow(p: Packet, index: number): Flow {
    if (this.table.size >= this.maxFlows) {
      const victim = this.table.oldest();
      if (victim !== null) {
        this.stats.evictions++;
        this.endFlow(victim, this.now);
      }
    }
    const proto = p.proto;
    const sp = this.kSp, dp = this.kDp;
    const f = new Flow();
    let flip = false;
    if (proto === IPPROTO_TCP) {
      const fl = p.flags & (TCP_SYN | TCP_ACK);
      if (fl === (TCP_SYN | TCP_ACK)) flip = true;
      else if (fl !== TCP_SYN) flip = SERVER_PORT[sp] === 1 && SERVER_PORT[dp] === 0 && dp >= 1024;
    } else if (proto === IPPROTO_UDP) {
      flip = SERVER_PORT[sp] === 1 && SERVER_PORT[dp] === 0 && dp >= 1024;
    }
    if (flip) {
      f.a0 = this.kD0; f.a1 = this.kD1; f.a2 = this.kD2; f.a3 = this.kD3; f.aPort = dp;
      f.b0 = this.kS0; f.b1 = this.kS1; f.b2 = this.kS2; f.b3 = this.kS3; f.bPort = sp;
      f.flipped = true;
      f.history = '^';
    } else {
      f.a0 = this.kS0; f.a1 = this.kS1; f.a2 = this.kS2; f.a3 = this.kS3; f.aPort = sp;
      f.b0 = this.kD0; f.b1 = this.kD1; f.b2 = this.kD2; f.b3 = this.kD3; f.bPort = dp;
    }
    f.proto = proto;
    f.hash = this.kHash;
    f.start = f.last = p.ts;
    f.vlan = p.vlan;
    // uid: endpoints, protocol, first second and the number of the packet that opened the flow
    // (a packet opens at most one flow, and the number is the same in every shard).
    const w = this.uidWords;
    w[0] = f.a0; w[1] = f.a1; w[2] = f.a2; w[3] = f.a3;
    w[4] = f.b0; w[5] = f.b1; w[6] = f.b2; w[7] = f.b3;
    w[8] = (f.aPort << 16) | f.bPort;
    w[9] = proto;
    w[10] = Math.floor(p.ts);
    w[11] = index;
    f.uid = makeUid(w);
    this.table.insert(f);
    this.stats.flows++;
    if (this.table.size > this.stats.peakFlows) this.stats.peakFlows = this.table.size;
    if (this.interim > 0 && (proto === IPPROTO_TCP || proto === IPPROTO_UDP)) this.table.iPush(f, p.ts + this.interim);
    return f;
  }

  private tcp(f: Flow, p: Packet, isOrig: boolean, ts: number): void {
    const fl = p.flags;
    let ep = EP_ANY;
    let seqDir = isOrig ? f.origSeq : f.respSeq;
    if (seqDir === null) {
      seqDir = new StreamDirection();
      if (isOrig) f.origSeq = seqDir; else f.respSeq = seqDir;
    }
    if (fl & TCP_SYN) {
      if (fl & (TCP_FIN | TCP_RST)) histOnce(f, H_MULTIFLAG, isOrig);
      if (fl & TCP_ACK) { histOnce(f, H_SYNACK, isOrig); ep |= EP_SYNACK; } else { histOnce(f, H_SYN, isOrig); ep |= EP_SYN; }
      seqDir.syn(p.seq);
    }
    if (fl & TCP_FIN) { histOnce(f, H_FIN, isOrig); ep |= EP_FIN; }
    if (fl & TCP_RST) {
      if (fl & TCP_FIN) histOnce(f, H_INCONSISTENT, isOrig);
      histOnce(f, H_RST, isOrig);
      ep |= EP_RST;
      if (f.firstRst === 0) f.firstRst = isOrig ? 1 : 2;
    }
    const payLen = p.payLen;
    if ((fl & (TCP_SYN | TCP_FIN | TCP_RST)) === 0) {
      if ((fl & TCP_ACK) !== 0 && payLen === 0) { histOnce(f, H_ACK, isOrig); ep |= EP_ACK; }
      if (p.win === 0) histRepeat(f, H_ZEROWIN, isOrig);
    }
    if (payLen > 0 && !(fl & TCP_RST)) {
      histOnce(f, H_DATA, isOrig);
      ep |= EP_DATA;
      let app = f.app;
      if (app === null && this.hasAnalyzers && (f.probed & (isOrig ? 1 : 2)) === 0 && p.payCap > 0) {
        this.probe(f, p, isOrig, this.probeTcp, 'tcp');
        app = f.app;
      }
      let kind: number;
      if (app !== null && !app.done) {
        this.curFlow = f;
        this.curOrig = isOrig;
        this.curTs = ts;
        kind = seqDir.segment(p.seq, p.buf, p.payOff, p.payCap, payLen, this.segSink);
      } else {
        kind = seqDir.segment(p.seq, null, 0, 0, payLen, null);
      }
      if (kind === 1) histRepeat(f, H_RETRANS, isOrig);
      else if (kind === 2) histRepeat(f, H_GAP, isOrig);
    }
    if (isOrig) f.origEp |= ep; else f.respEp |= ep;
    const o = f.origEp, r = f.respEp;
    const closed = ((o | r) & EP_RST) !== 0 || ((o & EP_FIN) !== 0 && (r & EP_FIN) !== 0);
    const established = (o & EP_SYN) !== 0 && (r & EP_SYNACK) !== 0;
    this.table.touch(f, closed ? L_CLOSED : established ? L_ESTABLISHED : L_TCP);
  }

  /**
   * Offer the first payload of a direction to the analyzers that may claim its first byte; the
   * first that claims it is attached.
   */
  private probe(f: Flow, p: Packet, isOrig: boolean, tables: [ProbeTable, ProbeTable], transport: 'tcp' | 'udp'): void {
    f.probed |= isOrig ? 1 : 2;
    this.identify(f, p.buf, p.payOff, p.payCap, isOrig, tables[isOrig ? 1 : 0], transport, p.ts);
  }

  /**
   * Offer `buf[off, off + len)` (len > 0), the first payload of a direction, to the analyzers of
   * `table` listed for its first byte. The first that claims it is attached to the flow and its
   * service added to the conn's; it is returned (null when none claims it).
   */
  private identify(f: Flow, buf: Uint8Array, off: number, len: number, isOrig: boolean, table: ProbeTable,
    transport: 'tcp' | 'udp', ts: number): StreamAnalyzer | null {
    const candidates = table[buf[off]!]!;
    if (candidates.length === 0) return null;
    const bytes = buf.subarray(off, off + len);
    const id = this.flowId(f);
    for (let i = 0; i < candidates.length; i++) {
      const a = candidates[i]!;
      let claimed = false;
      try {
        claimed = a.probe(bytes, isOrig, id, transport);
      } catch (e) {
        this.weird('analyzer_probe_exception', `${a.service}: ${(e as Error).message}`, ts, f);
      }
      if (!claimed) continue;
      f.service = addService(f.service, a.service);
      const app = a.create(this.context(f, id, transport));
      f.app = app;
      return app;
    }
    return null;
  }

  /**
   * `AppContext.handOver` of flow `f`: the analyzer attached so far steps aside and a content
   * identifier (Reidentify) takes its place, so a tunnel's payload is identified and analysed as
   * if the connection began there. See Reidentify for the design.
   */
  handOver(f: Flow, transport: Transport): StreamAnalyzer {
    const t = transport === 'udp' ? 'udp' : 'tcp';
    const tables = t === 'udp' ? this.probeUdp : this.probeTcp;
    const r = new Reidentify((bytes, isOrig, ts) => this.identify(f, bytes, 0, bytes.length, isOrig, tables[isOrig ? 1 : 0], t, ts));
    f.app = r;
    return r;
  }

  private context(f: Flow, id: FlowId, proto: Transport): AppContext {
    return new FlowContext(this, f, id, proto);
  }

  private udpApp(f: Flow, p: Packet, isOrig: boolean, ts: number): void {
    let app = f.app;
    if (app === null) {
      if ((f.probed & (isOrig ? 1 : 2)) !== 0) return;
      this.probe(f, p, isOrig, this.probeUdp, 'udp');
      app = f.app;
      if (app === null) return;
    }
    if (app.done) return;
    try {
      app.data(isOrig, p.buf.subarray(p.payOff, p.payOff + p.payCap), ts);
    } catch (e) {
      this.analyzerFailed(f, e);
    }
  }

  /**
   * Analyzers must not throw; if one does anyway (a bug), the input is not lost: the exception
   * becomes a weird and the analyzer is detached from that connection.
   */
  private analyzerFailed(f: Flow, e: unknown): void {
    this.weird('analyzer_exception', `${f.service}: ${(e as Error)?.message ?? e}`, this.now, f);
    if (f.app !== null) f.app.done = true;
  }

  /** Remember a first fragment's flow (or, sharded, the shard that owns it), oldest forgotten first. */
  private rememberFragment(p: Packet, f: Flow | number): void {
    const key = fragmentKey(p);
    if (this.frags.size >= MAX_FRAGMENT_KEYS) {
      const first = this.frags.keys().next();
      if (!first.done) this.frags.delete(first.value);
    }
    this.frags.set(key, f);
  }

  /** A fragment after the first: count it in the flow of its first fragment, when we saw that one. */
  private laterFragment(p: Packet, entry: Flow | number | undefined): void {
    if (entry === undefined || typeof entry === 'number' || entry.list < 0) {
      this.weird('ip_fragment_without_first', `id ${p.fragId}`, p.ts);
      return;
    }
    const f = entry;
    const src = p.src;
    const isOrig = f.a3 === (src[3]! | 0) && f.a2 === (src[2]! | 0) && f.a1 === (src[1]! | 0) && f.a0 === (src[0]! | 0);
    if (isOrig) { f.origPkts++; f.origIpBytes += p.ipLen; } else { f.respPkts++; f.respIpBytes += p.ipLen; }
    if (f.proto !== IPPROTO_TCP) {
      if (isOrig) f.origPay += p.ipLen - (p.ipVersion === 4 ? (p.buf[p.ipOff]! & 15) * 4 : 48);
      else f.respPay += p.ipLen - (p.ipVersion === 4 ? (p.buf[p.ipOff]! & 15) * 4 : 48);
    }
    if (p.ts > f.last) f.last = p.ts;
  }

  /** End flows that timed out and emit interim records that are due. */
  private sweep(): void {
    const now = this.now;
    this.nextSweep = now + 1;
    const t = this.timeouts;
    const table = this.table;
    this.expire(L_TCP, t.tcp, now);
    this.expire(L_UDP, t.udp, now);
    this.expire(L_OTHER, t.other, now);
    this.expire(L_CLOSED, t.closed, now);
    this.expire(L_ESTABLISHED, t.established, now);
    if (this.interim > 0) {
      for (let f = table.iFirst(); f !== null && f.nextInterim <= now; f = table.iFirst()) {
        f.interims++;
        this.stats.interims++;
        const rec = this.connRecord(f, true);
        this.emit('conn', rec);
        table.iPush(f, now + this.interim);
      }
    }
  }

  private expire(l: number, limit: number, now: number): void {
    for (let f = this.table.head(l); f !== null && now - f.last > limit; f = this.table.head(l)) this.endFlow(f, now);
  }

  private connRecord(f: Flow, interim: boolean): ConnRecord {
    const tcp = f.proto === IPPROTO_TCP;
    const id = this.flowId(f);
    const rec: ConnRecord = {
      ts: f.start,
      uid: f.uid,
      orig_h: id.orig_h, orig_p: id.orig_p, resp_h: id.resp_h, resp_p: id.resp_p,
      community_id: communityIdWords(f.a0, f.a1, f.a2, f.a3, f.b0, f.b1, f.b2, f.b3, f.proto, f.aPort, f.bPort, this.seed),
      proto: protoName(f.proto),
      service: f.service,
      duration: f.last - f.start,
      orig_bytes: tcp ? (f.origSeq?.maxEnd ?? 0) : f.origPay,
      resp_bytes: tcp ? (f.respSeq?.maxEnd ?? 0) : f.respPay,
      conn_state: tcp ? tcpConnState(f.origEp, f.respEp, f.firstRst)
        : f.proto === IPPROTO_UDP ? udpConnState(f.origEp, f.respEp) : 'OTH',
      missed_bytes: (f.origSeq?.missed ?? 0) + (f.respSeq?.missed ?? 0),
      history: f.history,
      orig_pkts: f.origPkts, orig_ip_bytes: f.origIpBytes,
      resp_pkts: f.respPkts, resp_ip_bytes: f.respIpBytes,
    };
    if (f.vlan >= 0) rec.vlan = f.vlan;
    if (interim) rec.interim = true;
    return rec;
  }

  private endFlow(f: Flow, ts: number): void {
    const app = f.app;
    const live = app !== null && !app.done && f.proto === IPPROTO_TCP;
    if (live) {
      this.curFlow = f;
      this.curTs = ts;
      this.curOrig = true;
      f.origSeq?.finish(this.segSink);
      this.curOrig = false;
      f.respSeq?.finish(this.segSink);
    } else {
      f.origSeq?.finish(null);
      f.respSeq?.finish(null);
    }
    if (app !== null) {
      try {
        app.end(ts);
      } catch (e) {
        this.analyzerFailed(f, e);
      }
    }
    this.emit('conn', this.connRecord(f, false));
    this.table.remove(f);
  }

  /** End of input: end every flow (oldest first) so nothing is lost. `now`: the clock of a routing sensor. */
  flush(now?: number): void {
    if (now !== undefined && now > this.now) this.now = now;
    const flows = this.table.all().sort((x, y) => x.start - y.start || (x.hash - y.hash) || cmpUid(x.uid, y.uid));
    for (const f of flows) this.endFlow(f, this.now);
    this.frags.clear();
  }
}

/** An analyzer's view of its connection: one small object per connection (methods on the prototype). */
class FlowContext implements AppContext {
  readonly uid: string;
  constructor(private readonly sensor: Sensor, private readonly flow: Flow, readonly id: FlowId, readonly proto: Transport) {
    this.uid = flow.uid;
  }

  emit<K extends RecordKind>(kind: K, rec: RecordMap[K]): void {
    this.sensor.emit(kind, rec);
  }

  weird(name: string, addl?: string): void {
    this.sensor.weird(name, addl ?? '', this.sensor.now, this.flow, this.id);
  }

  handOver(): StreamAnalyzer {
    return this.sensor.handOver(this.flow, this.proto);
  }
}

/**
 * Content identification after a hand-over (AppContext.handOver): an HTTP CONNECT or SOCKS tunnel.
 *
 * Design: the flow keeps one analyzer slot (`Flow.app`), and content identification (the probe
 * tables, `Sensor.identify`) already lives in the flow layer, so a tunnel is handled by putting
 * this small identifier in the slot in place of the analyzer that saw the tunnel open. It gets
 * each direction's in-order payload (from reassembly, plus the bytes the old analyzer passes on),
 * offers the first payload of each direction to the analyzers exactly as a new connection's first
 * payload is offered (a piece shorter than REIDENTIFY_MIN_BYTES waits for more), and when one
 * claims it, that analyzer replaces the identifier in the slot (same flow, so the same uid and
 * conn record; its service is added: `http,ssl`). From then on payload goes straight to the
 * tunnel's analyzer: no per-packet indirection and nothing allocated per packet; one identifier
 * and one closure per hand-over. When the first payload of both directions went unclaimed (or was
 * lost in a gap) the identifier is done: the tunnel's bytes are counted in the conn record but
 * produce no other record. A tunnel inside a tunnel works the same way (the inner analyzer may
 * hand over again).
 */
class Reidentify implements StreamAnalyzer {
  done = false;
  /** Directions whose first payload was offered and refused: 1 originator, 2 responder. */
  private tried = 0;
  /** A direction's first bytes while fewer than REIDENTIFY_MIN_BYTES were refused (copies). */
  private heldOrig: Uint8Array | null = null;
  private heldResp: Uint8Array | null = null;
  /** The analyzer that claimed the tunnel (also the flow's analyzer from then on). */
  private next: StreamAnalyzer | null = null;

  constructor(private readonly claim: (bytes: Uint8Array, isOrig: boolean, ts: number) => StreamAnalyzer | null) {}

  data(isOrig: boolean, bytes: Uint8Array, ts: number): void {
    const next = this.next;
    if (next !== null) {
      // Only bytes the old analyzer passes on come this way once the tunnel is claimed.
      if (!next.done) next.data(isOrig, bytes, ts);
      return;
    }
    const bit = isOrig ? 1 : 2;
    if (this.done || bytes.length === 0 || (this.tried & bit) !== 0) return;
    const held = isOrig ? this.heldOrig : this.heldResp;
    let b = bytes;
    if (held !== null) {
      b = new Uint8Array(held.length + bytes.length);
      b.set(held);
      b.set(bytes, held.length);
    }
    const app = this.claim(b, isOrig, ts);
    if (app !== null) {
      this.heldOrig = this.heldResp = null;
      this.next = app;
      app.data(isOrig, b, ts);
      return;
    }
    if (b.length < REIDENTIFY_MIN_BYTES) {
      // Too short to be refused for good (a tunnel's first bytes may come in a small piece).
      const keep = b === bytes ? bytes.slice() : b;
      if (isOrig) this.heldOrig = keep; else this.heldResp = keep;
      return;
    }
    if (isOrig) this.heldOrig = null; else this.heldResp = null;
    this.tried |= bit;
    if (this.tried === 3) this.done = true;
  }

  gap(isOrig: boolean, len: number, ts: number): void {
    const next = this.next;
    if (next !== null) {
      if (!next.done) next.gap(isOrig, len, ts);
      return;
    }
    // The direction's first bytes are lost: it is not identified from the middle of a stream.
    if (isOrig) this.heldOrig = null; else this.heldResp = null;
    this.tried |= isOrig ? 1 : 2;
    if (this.tried === 3) this.done = true;
  }

  end(_ts: number): void {
    // Nothing pending: a claimed analyzer sits in the flow's slot and is ended by the flow layer.
  }
}

/**
 * After a hand-over, a direction's first payload shorter than this that no analyzer claims is
 * kept (copied) and offered again with the next bytes of that direction, bytes. The signatures
 * probes look for are short (a TLS record header and handshake type: 6; `SSH-`: 4; an HTTP
 * method and space: at most 11), so a longer refused payload is refused for good.
 */
const REIDENTIFY_MIN_BYTES = 16;

/** A conn's comma-separated `service` list with `name` added unless it is there already. */
function addService(list: string, name: string): string {
  if (list === '') return name;
  return `,${list},`.includes(`,${name},`) ? list : `${list},${name}`;
}

function cmpUid(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Cumulative upper bounds of the shards' hash ranges for `weights` (equal when absent or unusable). */
function shardBounds(count: number, weights: readonly number[] | undefined): number[] {
  const w = weights !== undefined && weights.length === count && weights.every((x) => x > 0 && Number.isFinite(x)) ? weights : new Array<number>(count).fill(1);
  const total = w.reduce((a, b) => a + b, 0);
  const bounds: number[] = [];
  let acc = 0;
  for (let i = 0; i < count; i++) {
    acc += w[i]!;
    bounds.push(i === count - 1 ? TWO32 : Math.floor((acc / total) * TWO32));
  }
  return bounds;
}

/** Key of an IP datagram's fragments: addresses, IP id, protocol. */
function fragmentKey(p: Packet): string {
  return `${p.src.join('.')}>${p.dst.join('.')}#${p.fragId}/${p.proto}`;
}

