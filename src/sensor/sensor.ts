/**
 * The sensor: packets in, records out. Decodes each packet into the reusable Packet, finds or
 * creates its bidirectional flow, keeps Zeek's connection state and history, hands payload to
 * the application analyzer that claimed the connection by content, and emits conn records when a
 * flow ends (FIN/RST + close delay, inactivity timeout, eviction, end of input) plus interim
 * records for long connections.
 */
import type { AppAnalyzerFactory, AppContext } from './apps/types.js';
import { decodePacket } from './packet/decode.js';
import {
  IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, Packet, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, addrBytes, addrToString,
} from './packet/packet.js';
import { communityId } from './flow/community-id.js';
import {
  EP_ACK, EP_ANY, EP_DATA, EP_FIN, EP_RST, EP_SYN, EP_SYNACK, tcpConnState, udpConnState,
} from './flow/conn-state.js';
import { DEFAULT_TIMEOUTS, Flow, FlowTable, L_CLOSED, L_OTHER, L_TCP, L_UDP, tupleHash, type FlowTimeouts } from './flow/flow-table.js';
import { StreamDirection } from './flow/reassembly.js';
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
}

/** Weird records emitted per name before sampling starts; after it one in WEIRD_SAMPLE_RATE is emitted (all are counted). */
export const WEIRD_SAMPLING_THRESHOLD = 100;
export const WEIRD_SAMPLE_RATE = 1000;
/** Ports that mark the server side when the opening packet was not seen (direction heuristic). */
const LIKELY_SERVER_PORTS = new Set([
  21, 22, 23, 25, 53, 80, 88, 110, 123, 135, 137, 138, 139, 143, 389, 443, 445, 465, 587, 636, 853, 993, 995,
  1433, 1521, 1883, 3128, 3306, 3389, 5060, 5353, 5355, 5432, 5900, 6379, 8080, 8443, 8888, 9200,
]);
/** Remembered first fragments (to attribute later fragments to their flow). */
const MAX_FRAGMENT_KEYS = 10_000;
/** ICMP reply types -> their request types, so a reply joins the request's flow. */
const ICMP_REPLY_OF: Record<number, number> = { 0: 8, 14: 13, 16: 15, 18: 17, 9: 10 };
const ICMP6_REPLY_OF: Record<number, number> = { 129: 128, 131: 130, 134: 133, 136: 135, 145: 144 };

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

function protoName(p: number): Transport {
  if (p === IPPROTO_TCP) return 'tcp';
  if (p === IPPROTO_UDP) return 'udp';
  if (p === IPPROTO_ICMP || p === IPPROTO_ICMPV6) return 'icmp';
  return 'unknown_transport';
}

export class Sensor {
  readonly stats: SensorStats = {
    packets: 0, bytes: 0, ipPackets: 0, nonIpPackets: 0, flows: 0, evictions: 0, peakFlows: 0, interims: 0,
    records: { conn: 0, dns: 0, tls: 0, http: 0, mining: 0, ssh: 0, weird: 0 },
    weirds: {},
  };
  private readonly pkt = new Packet();
  private readonly table = new FlowTable();
  private readonly timeouts: FlowTimeouts;
  private readonly interim: number;
  private readonly maxFlows: number;
  private readonly analyzers: readonly AppAnalyzerFactory[];
  private readonly seed: number;
  private now = 0;
  /** Time of the packet being delivered to an analyzer (read by the per-flow delivery callbacks). */
  private curTs = 0;
  private nextSweep = 0;
  private flowCounter = 0;
  private readonly uidWords = new Uint32Array(12);
  private readonly frags = new Map<string, Flow>();

  constructor(private readonly sink: RecordSink, opts: SensorOptions = {}) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    this.interim = opts.interimInterval ?? 600;
    this.maxFlows = opts.maxFlows ?? 1_000_000;
    this.analyzers = opts.analyzers ?? [];
    this.seed = opts.communityIdSeed ?? 0;
  }

  /** Number of flows held now. */
  get activeFlows(): number {
    return this.table.size;
  }

  private emit<K extends RecordKind>(kind: K, rec: RecordMap[K]): void {
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

  private flowId(f: Flow): FlowId {
    return { orig_h: addrToString(f.a), orig_p: f.aPort, resp_h: addrToString(f.b), resp_p: f.bPort };
  }

  /** Feed one captured packet (buf[off, off+caplen)). */
  packet(buf: Uint8Array, off: number, caplen: number, origlen: number, ts: number, linktype: number): void {
    const st = this.stats;
    st.packets++;
    st.bytes += origlen;
    if (ts > this.now) this.now = ts;
    if (this.now >= this.nextSweep) this.sweep();
    const p = this.pkt;
    const ok = decodePacket(p, buf, off, caplen, ts, linktype);
    if (p.weird !== '') this.weird(p.weird, p.weirdAddl, ts);
    if (!ok || p.ipVersion === 0) {
      if (p.weird === '') st.nonIpPackets++;
      return;
    }
    st.ipPackets++;
    let proto = p.proto;
    if (p.fragOffset > 0) { this.laterFragment(p); return; }
    if (!p.l4 && (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6)) return;
    let s = p.src, d = p.dst, sp = p.sport, dp = p.dport;
    if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
      // orig_p = type, resp_p = code (Zeek); a reply keys as the reverse of its request.
      const req = (proto === IPPROTO_ICMP ? ICMP_REPLY_OF : ICMP6_REPLY_OF)[sp];
      if (req !== undefined) { sp = dp; dp = req; }
    }
    const h = tupleHash(s, sp, d, dp, proto);
    let f = this.table.find(h, s, sp, d, dp, proto);
    let isOrig = this.table.lastIsOrig;
    const flags = p.flags;
    const synOnly = proto === IPPROTO_TCP && (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
    if (f !== null && synOnly && f.list === L_CLOSED) {
      // Port reuse: a new SYN on a closed connection starts a new one.
      this.endFlow(f, ts);
      f = null;
    }
    if (f === null) {
      f = this.newFlow(p, h, s, sp, d, dp, proto);
      isOrig = this.table.lastIsOrig;
    }
    if (p.fragMore) this.rememberFragment(p, f);
    if (ts > f.last) f.last = ts;
    if (ts < f.start) f.start = ts;
    if (isOrig) { f.origPkts++; f.origIpBytes += p.ipLen; } else { f.respPkts++; f.respIpBytes += p.ipLen; }
    if (proto === IPPROTO_TCP) this.tcp(f, p, isOrig, ts);
    else {
      if (isOrig) { f.origEp |= EP_ANY; f.origPay += p.payLen; } else { f.respEp |= EP_ANY; f.respPay += p.payLen; }
      if (p.payLen > 0) f.history.add('d', isOrig);
      if (proto === IPPROTO_UDP && p.payCap > 0) this.app(f, p, isOrig, ts);
      this.table.touch(f, proto === IPPROTO_UDP ? L_UDP : L_OTHER);
    }
  }

  private newFlow(p: Packet, h: number, s: Uint32Array, sp: number, d: Uint32Array, dp: number, proto: number): Flow {
    if (this.table.size >= this.maxFlows) {
      const victim = this.table.oldest();
      if (victim !== null) {
        this.stats.evictions++;
        this.endFlow(victim, this.now);
      }
    }
    const f = new Flow();
    let flip = false;
    if (proto === IPPROTO_TCP) {
      const fl = p.flags & (TCP_SYN | TCP_ACK);
      if (fl === (TCP_SYN | TCP_ACK)) flip = true;
      else if (fl !== TCP_SYN) flip = LIKELY_SERVER_PORTS.has(sp) && !LIKELY_SERVER_PORTS.has(dp) && dp >= 1024;
    } else if (proto === IPPROTO_UDP) {
      flip = LIKELY_SERVER_PORTS.has(sp) && !LIKELY_SERVER_PORTS.has(dp) && dp >= 1024;
    }
    if (flip) {
      f.a.set(d); f.b.set(s); f.aPort = dp; f.bPort = sp;
      f.flipped = true;
      f.history.add('^', true);
    } else {
      f.a.set(s); f.b.set(d); f.aPort = sp; f.bPort = dp;
    }
    this.table.lastIsOrig = !flip;
    f.proto = proto;
    f.hash = h;
    f.start = f.last = p.ts;
    f.vlan = p.vlan;
    const w = this.uidWords;
    w.set(f.a, 0); w.set(f.b, 4);
    w[8] = (f.aPort << 16) | f.bPort;
    w[9] = proto;
    w[10] = Math.floor(p.ts);
    w[11] = this.flowCounter++;
    f.uid = makeUid(w);
    this.table.insert(f);
    this.stats.flows++;
    if (this.table.size > this.stats.peakFlows) this.stats.peakFlows = this.table.size;
    if (this.interim > 0 && (proto === IPPROTO_TCP || proto === IPPROTO_UDP)) this.table.iPush(f, p.ts + this.interim);
    return f;
  }

  private tcp(f: Flow, p: Packet, isOrig: boolean, ts: number): void {
    const fl = p.flags;
    const H = f.history;
    let ep = EP_ANY;
    let seqDir = isOrig ? f.origSeq : f.respSeq;
    if (seqDir === null) {
      seqDir = new StreamDirection();
      if (isOrig) f.origSeq = seqDir; else f.respSeq = seqDir;
    }
    if (fl & TCP_SYN) {
      if (fl & (TCP_FIN | TCP_RST)) H.add('q', isOrig);
      if (fl & TCP_ACK) { H.add('h', isOrig); ep |= EP_SYNACK; } else { H.add('s', isOrig); ep |= EP_SYN; }
      seqDir.syn(p.seq);
    }
    if (fl & TCP_FIN) { H.add('f', isOrig); ep |= EP_FIN; }
    if (fl & TCP_RST) {
      if (fl & TCP_FIN) H.add('i', isOrig);
      H.add('r', isOrig);
      ep |= EP_RST;
      if (f.firstRst === 0) f.firstRst = isOrig ? 1 : 2;
    }
    if ((fl & TCP_ACK) && !(fl & (TCP_SYN | TCP_FIN | TCP_RST)) && p.payLen === 0) { H.add('a', isOrig); ep |= EP_ACK; }
    if (p.win === 0 && !(fl & (TCP_SYN | TCP_FIN | TCP_RST))) H.add('w', isOrig);
    if (p.payLen > 0 && !(fl & TCP_RST)) {
      H.add('d', isOrig);
      ep |= EP_DATA;
      const wantApp = f.app === null ? (f.probed & (isOrig ? 1 : 2)) === 0 && p.payCap > 0 : !f.app.done;
      if (wantApp && f.app === null) this.probe(f, p, isOrig);
      const app = f.app;
      let kind: number;
      if (app !== null && !app.done) {
        this.curTs = ts;
        kind = seqDir.segment(p.seq, p.buf.subarray(p.payOff, p.payOff + p.payCap), p.payLen,
          isOrig ? f.deliverOrig! : f.deliverResp!, isOrig ? f.gapOrig! : f.gapResp!);
      } else {
        kind = seqDir.segment(p.seq, null, p.payLen);
      }
      if (kind === 1) H.add('t', isOrig);
      else if (kind === 2) H.add('g', isOrig);
    }
    if (isOrig) f.origEp |= ep; else f.respEp |= ep;
    const o = f.origEp, r = f.respEp;
    const closed = ((o | r) & EP_RST) !== 0 || ((o & EP_FIN) !== 0 && (r & EP_FIN) !== 0);
    this.table.touch(f, closed ? L_CLOSED : L_TCP);
  }

  /** Offer the first payload of a direction to the analyzers; the first that claims it is attached. */
  private probe(f: Flow, p: Packet, isOrig: boolean): void {
    f.probed |= isOrig ? 1 : 2;
    const bytes = p.buf.subarray(p.payOff, p.payOff + p.payCap);
    const transport = p.proto === IPPROTO_TCP ? 'tcp' : 'udp';
    const id = this.flowId(f);
    for (const a of this.analyzers) {
      if (!a.transports.includes(transport)) continue;
      let claimed = false;
      try {
        claimed = a.probe(bytes, isOrig, id, transport);
      } catch (e) {
        this.weird('analyzer_probe_exception', `${a.service}: ${(e as Error).message}`, p.ts, f);
      }
      if (!claimed) continue;
      f.service = f.service ? `${f.service},${a.service}` : a.service;
      const app = a.create(this.context(f, id, transport));
      f.app = app;
      if (transport === 'tcp') {
        // Delivery callbacks, made once per connection: exceptions from an analyzer (a bug: they
        // must not throw) become a weird and detach it, and the input is not lost.
        const fail = (e: unknown): void => {
          this.weird('analyzer_exception', `${f.service}: ${(e as Error)?.message ?? e}`, this.now, f);
          app.done = true;
        };
        f.deliverOrig = (b) => { try { app.data(true, b, this.curTs); } catch (e) { fail(e); } };
        f.deliverResp = (b) => { try { app.data(false, b, this.curTs); } catch (e) { fail(e); } };
        f.gapOrig = (n) => { try { app.gap(true, n, this.curTs); } catch (e) { fail(e); } };
        f.gapResp = (n) => { try { app.gap(false, n, this.curTs); } catch (e) { fail(e); } };
      }
      return;
    }
  }

  private context(f: Flow, id: FlowId, proto: Transport): AppContext {
    const sensor = this;
    return {
      uid: f.uid, id, proto,
      emit<K extends RecordKind>(kind: K, rec: RecordMap[K]): void {
        sensor.emit(kind, rec);
      },
      weird(name: string, addl?: string): void {
        sensor.weird(name, addl ?? '', sensor.now, f, id);
      },
    };
  }

  private app(f: Flow, p: Packet, isOrig: boolean, ts: number): void {
    if (f.app === null) {
      if ((f.probed & (isOrig ? 1 : 2)) !== 0) return;
      this.probe(f, p, isOrig);
      if (f.app === null) return;
    }
    const app = f.app;
    if (app.done) return;
    this.guard(f, () => app.data(isOrig, p.buf.subarray(p.payOff, p.payOff + p.payCap), ts));
  }

  /**
   * Analyzers must not throw; if one does anyway (a bug), the input is not lost: the exception
   * becomes a weird and the analyzer is detached from that connection.
   */
  private guard(f: Flow, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.weird('analyzer_exception', `${f.service}: ${(e as Error)?.message ?? e}`, this.now, f);
      if (f.app !== null) f.app.done = true;
    }
  }

  private rememberFragment(p: Packet, f: Flow): void {
    if (this.frags.size >= MAX_FRAGMENT_KEYS) {
      const first = this.frags.keys().next();
      if (!first.done) this.frags.delete(first.value);
    }
    this.frags.set(`${p.src.join('.')}>${p.dst.join('.')}#${p.fragId}/${p.proto}`, f);
  }

  /** A fragment after the first: count it in the flow of its first fragment, when we saw that one. */
  private laterFragment(p: Packet): void {
    const key = `${p.src.join('.')}>${p.dst.join('.')}#${p.fragId}/${p.proto}`;
    const f = this.frags.get(key);
    if (f === undefined || f.list < 0) {
      this.weird('ip_fragment_without_first', `id ${p.fragId}`, p.ts);
      return;
    }
    const isOrig = f.a[3] === p.src[3] && f.a[2] === p.src[2] && f.a[1] === p.src[1] && f.a[0] === p.src[0];
    if (isOrig) { f.origPkts++; f.origIpBytes += p.ipLen; } else { f.respPkts++; f.respIpBytes += p.ipLen; }
    if (f.proto !== IPPROTO_TCP) {
      if (isOrig) f.origPay += p.ipLen - (p.ipVersion === 4 ? (p.buf[p.ipOff]! & 15) * 4 : 48);
      else f.respPay += p.ipLen - (p.ipVersion === 4 ? (p.buf[p.ipOff]! & 15) * 4 : 48);
    }
    if (p.ts > f.last) f.last = p.ts;
    if (!p.fragMore) this.frags.delete(key);
  }

  /** End flows that timed out and emit interim records that are due. */
  private sweep(): void {
    const now = this.now;
    this.nextSweep = now + 1;
    const t = this.timeouts;
    const limits = [t.tcp, t.udp, t.other, t.closed];
    for (let l = 0; l < 4; l++) {
      const lim = limits[l]!;
      for (let f = this.table.head(l); f !== null && now - f.last > lim; f = this.table.head(l)) this.endFlow(f, now);
    }
    if (this.interim > 0) {
      for (let f = this.table.iFirst(); f !== null && f.nextInterim <= now; f = this.table.iFirst()) {
        f.interims++;
        this.stats.interims++;
        const rec = this.connRecord(f, true);
        this.emit('conn', rec);
        this.table.iPush(f, now + this.interim);
      }
    }
  }

  private connRecord(f: Flow, interim: boolean): ConnRecord {
    const tcp = f.proto === IPPROTO_TCP;
    const ab = addrBytes(f.a), bb = addrBytes(f.b);
    const rec: ConnRecord = {
      ts: f.start,
      uid: f.uid,
      orig_h: addrToString(f.a), orig_p: f.aPort, resp_h: addrToString(f.b), resp_p: f.bPort,
      community_id: communityId(ab, bb, f.proto, f.aPort, f.bPort, this.seed),
      proto: protoName(f.proto),
      service: f.service,
      duration: f.last - f.start,
      orig_bytes: tcp ? (f.origSeq?.maxEnd ?? 0) : f.origPay,
      resp_bytes: tcp ? (f.respSeq?.maxEnd ?? 0) : f.respPay,
      conn_state: tcp ? tcpConnState(f.origEp, f.respEp, f.firstRst)
        : f.proto === IPPROTO_UDP ? udpConnState(f.origEp, f.respEp) : 'OTH',
      missed_bytes: (f.origSeq?.missed ?? 0) + (f.respSeq?.missed ?? 0),
      history: f.history.text,
      orig_pkts: f.origPkts, orig_ip_bytes: f.origIpBytes,
      resp_pkts: f.respPkts, resp_ip_bytes: f.respIpBytes,
    };
    if (f.vlan >= 0) rec.vlan = f.vlan;
    if (interim) rec.interim = true;
    return rec;
  }

  private endFlow(f: Flow, ts: number): void {
    const app = f.app;
    if (app !== null && !app.done && f.deliverOrig !== null) {
      this.curTs = ts;
      f.origSeq?.finish(f.deliverOrig, f.gapOrig!);
      f.respSeq?.finish(f.deliverResp!, f.gapResp!);
    } else {
      f.origSeq?.finish();
      f.respSeq?.finish();
    }
    if (app !== null) this.guard(f, () => app.end(ts));
    this.emit('conn', this.connRecord(f, false));
    this.table.remove(f);
  }

  /** End of input: end every flow (oldest first) so nothing is lost. */
  flush(): void {
    const flows = [...this.table.all()].sort((x, y) => x.start - y.start);
    for (const f of flows) this.endFlow(f, this.now);
    this.frags.clear();
  }
}
