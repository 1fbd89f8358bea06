import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Sensor, type PacketRouter } from './sensor.js';
import { MemorySink } from '../records/writers.js';
import { communityId } from './flow/community-id.js';
import { ethernet, ipPacket, tcpConversation, tcpFrame, udpFrame, type TcpSpec } from './testing/frames.js';
import { DEFAULT_ANALYZERS } from './apps/registry.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
type Frame = { ts: number; data: Uint8Array };

function run(frames: Frame[], opts: ConstructorParameters<typeof Sensor>[1] = {}) {
  const sink = new MemorySink();
  const s = new Sensor(sink, opts);
  for (const f of frames) s.packet(f.data, 0, f.data.length, f.data.length, f.ts, 1);
  s.flush();
  return { sink, stats: s.stats, conns: sink.records.conn.filter((c) => !c.interim) };
}

const C = { src: '10.0.0.1', dst: '93.184.216.34', sport: 40000, dport: 80 };
const S = { src: '93.184.216.34', dst: '10.0.0.1', sport: 80, dport: 40000 };
const at = (ts: number, spec: TcpSpec): Frame => ({ ts, data: tcpFrame(spec) });

test('a complete TCP conversation is SF with Zeek history and byte counts from sequence numbers', () => {
  const { conns } = run(tcpConversation('10.0.0.1', '93.184.216.34', 40000, 80, 1000, 'GET / HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\n\r\n'));
  assert.equal(conns.length, 1);
  const c = conns[0]!;
  assert.equal(c.conn_state, 'SF');
  assert.equal(c.history, 'ShADdFf'); // the responder never sent a pure ACK
  assert.equal(c.orig_h, '10.0.0.1');
  assert.equal(c.resp_p, 80);
  assert.equal(c.orig_bytes, 18);
  assert.equal(c.resp_bytes, 19);
  assert.equal(c.orig_pkts, 5);
  assert.equal(c.resp_pkts, 3);
  assert.equal(c.orig_ip_bytes, 5 * 40 + 18);
  assert.ok(Math.abs(c.duration - 0.08) < 1e-6);
  assert.equal(c.missed_bytes, 0);
  assert.match(c.uid, /^C[0-9A-Za-z]{17}$/);
});

test('failed attempts look failed: S0 with retransmitted SYNs, REJ, RSTOS0, SH', () => {
  const s0 = run([at(0, { ...C, flags: 'S', seq: 1 }), at(1, { ...C, flags: 'S', seq: 1 }), at(3, { ...C, flags: 'S', seq: 1 })]).conns;
  assert.equal(s0.length, 1);
  assert.equal(s0[0]!.conn_state, 'S0');
  assert.equal(s0[0]!.history, 'S');
  assert.equal(s0[0]!.orig_pkts, 3);
  const rej = run([at(0, { ...C, flags: 'S', seq: 1 }), at(0.001, { ...S, flags: 'RA', ack: 2 })]).conns;
  assert.equal(rej[0]!.conn_state, 'REJ');
  assert.equal(rej[0]!.history, 'Sr');
  const rstos0 = run([at(0, { ...C, flags: 'S', seq: 1 }), at(0.5, { ...C, flags: 'R', seq: 2 })]).conns;
  assert.equal(rstos0[0]!.conn_state, 'RSTOS0');
  const sh = run([at(0, { ...C, flags: 'S', seq: 1 }), at(0.5, { ...C, flags: 'F', seq: 2 })]).conns;
  assert.equal(sh[0]!.conn_state, 'SH');
});

test('established connections: S1, S2, S3, RSTO, RSTR', () => {
  const hs = [at(0, { ...C, flags: 'S', seq: 100 }), at(0.01, { ...S, flags: 'SA', seq: 500, ack: 101 }), at(0.02, { ...C, flags: 'A', seq: 101, ack: 501 })];
  assert.equal(run(hs).conns[0]!.conn_state, 'S1');
  assert.equal(run([...hs, at(1, { ...C, flags: 'FA', seq: 101, ack: 501 })]).conns[0]!.conn_state, 'S2');
  assert.equal(run([...hs, at(1, { ...S, flags: 'FA', seq: 501, ack: 101 })]).conns[0]!.conn_state, 'S3');
  assert.equal(run([...hs, at(1, { ...C, flags: 'RA', seq: 101, ack: 501 })]).conns[0]!.conn_state, 'RSTO');
  assert.equal(run([...hs, at(1, { ...S, flags: 'RA', seq: 501, ack: 101 })]).conns[0]!.conn_state, 'RSTR');
});

test('midstream traffic is OTH; a first SYN-ACK flips the direction (^) and SYN-ACK then RST is RSTRH', () => {
  const oth = run([at(0, { ...C, flags: 'PA', seq: 7, payload: 'abc' }), at(0.1, { ...S, flags: 'A', ack: 10 })]).conns;
  assert.equal(oth[0]!.conn_state, 'OTH');
  assert.equal(oth[0]!.orig_h, '10.0.0.1');
  const rstrh = run([at(0, { ...S, flags: 'SA', seq: 1, ack: 9 }), at(0.1, { ...S, flags: 'R', seq: 2 })]).conns;
  assert.equal(rstrh[0]!.orig_h, '10.0.0.1', 'the SYN-ACK receiver is the originator');
  assert.equal(rstrh[0]!.conn_state, 'RSTRH');
  assert.ok(rstrh[0]!.history.startsWith('^'));
  // A server's packet seen first (well-known source port, ephemeral destination) is flipped too.
  const flipped = run([at(0, { ...S, flags: 'PA', seq: 1, payload: 'HTTP/1.1 200 OK\r\n' })]).conns;
  assert.equal(flipped[0]!.orig_h, '10.0.0.1');
  assert.equal(flipped[0]!.resp_bytes, 17);
});

test('retransmissions count once; a hole never filled is missed_bytes with a gap letter', () => {
  const hs = [at(0, { ...C, flags: 'S', seq: 100 }), at(0.01, { ...S, flags: 'SA', seq: 500, ack: 101 }), at(0.02, { ...C, flags: 'A', seq: 101, ack: 501 })];
  const r = run([...hs,
    at(1, { ...C, flags: 'PA', seq: 101, ack: 501, payload: 'aaaa' }),
    at(1.2, { ...C, flags: 'PA', seq: 101, ack: 501, payload: 'aaaa' }), // retransmission
    at(1.5, { ...C, flags: 'PA', seq: 115, ack: 501, payload: 'bbbb' }), // hole of 10 bytes
  ]).conns[0]!;
  assert.equal(r.orig_bytes, 18);
  assert.equal(r.missed_bytes, 10);
  assert.ok(r.history.includes('T'), r.history);
  assert.ok(r.history.includes('G'), r.history);
  // The hole filled later is not missed.
  const filled = run([...hs,
    at(1, { ...C, flags: 'PA', seq: 101, ack: 501, payload: 'aaaa' }),
    at(1.5, { ...C, flags: 'PA', seq: 115, ack: 501, payload: 'bbbb' }),
    at(1.6, { ...C, flags: 'PA', seq: 105, ack: 501, payload: '0123456789' }),
  ]).conns[0]!;
  assert.equal(filled.missed_bytes, 0);
  assert.equal(filled.orig_bytes, 18);
});

test('a new SYN on a closed connection (port reuse) starts a new connection', () => {
  const a = tcpConversation('10.0.0.1', '1.2.3.4', 40000, 443, 0, 'x', 'y');
  const b = tcpConversation('10.0.0.1', '1.2.3.4', 40000, 443, 2, 'x', 'y');
  const { conns } = run([...a, ...b]);
  assert.equal(conns.length, 2);
  assert.deepEqual(conns.map((c) => c.conn_state), ['SF', 'SF']);
  assert.notEqual(conns[0]!.uid, conns[1]!.uid);
});

test('UDP: request/response is SF, unanswered is S0; inactivity timeout splits flows', () => {
  const q = udpFrame('10.0.0.1', '8.8.8.8', 5555, 53, 'q');
  const r = udpFrame('8.8.8.8', '10.0.0.1', 53, 5555, 'rr');
  const { conns } = run([{ ts: 0, data: q }, { ts: 0.02, data: r }, { ts: 200, data: q }]);
  assert.equal(conns.length, 2);
  assert.equal(conns[0]!.conn_state, 'SF');
  assert.equal(conns[0]!.orig_bytes, 1);
  assert.equal(conns[0]!.resp_bytes, 2);
  assert.equal(conns[0]!.history, 'Dd');
  assert.equal(conns[1]!.conn_state, 'S0');
});

test('ICMP echo request and reply are one flow with orig_p = type 8 and resp_p = code 0', () => {
  const req = new Uint8Array([8, 0, 0, 0, 0, 1, 0, 1, 97, 98]);
  const rep = new Uint8Array([0, 0, 0, 0, 0, 1, 0, 1, 97, 98]);
  const { conns } = run([
    { ts: 0, data: ethernet(ipPacket('10.0.0.1', '10.0.0.2', 1, req)) },
    { ts: 0.001, data: ethernet(ipPacket('10.0.0.2', '10.0.0.1', 1, rep)) },
  ]);
  assert.equal(conns.length, 1);
  assert.equal(conns[0]!.proto, 'icmp');
  assert.equal(conns[0]!.orig_p, 8);
  assert.equal(conns[0]!.resp_p, 0);
  assert.equal(conns[0]!.resp_pkts, 1);
});

test('VLAN and QinQ tags are decoded; the outer VLAN id is kept; IPv6 addresses are canonical', () => {
  const seg = (spec: { src: string; dst: string }) => ipPacket(spec.src, spec.dst, 6, new Uint8Array(20).fill(0).map((_, i) => (i === 12 ? 0x50 : i === 13 ? 2 : i === 1 ? 80 : 0)));
  const q = ethernet(seg(C), [100, 200]);
  const { conns } = run([{ ts: 0, data: q }]);
  assert.equal(conns[0]!.vlan, 100);
  assert.equal(conns[0]!.orig_h, '10.0.0.1');
  const v6 = run([at(0, { src: '2001:db8::1', dst: '2001:db8:0:0:1::2', sport: 1234, dport: 443, flags: 'S', seq: 1 })]).conns;
  assert.equal(v6[0]!.orig_h, '2001:db8::1');
  assert.equal(v6[0]!.resp_h, '2001:db8::1:0:0:2');
});

test('interim records report long connections before they end, without double counting', () => {
  const hs = [at(0, { ...C, flags: 'S', seq: 100 }), at(0.01, { ...S, flags: 'SA', seq: 500, ack: 101 }), at(0.02, { ...C, flags: 'A', seq: 101, ack: 501 })];
  const keepalive: Frame[] = [];
  for (let i = 1; i <= 30; i++) keepalive.push(at(i * 60, { ...C, flags: 'PA', seq: 101 + (i - 1) * 10, ack: 501, payload: '0123456789' }));
  const { sink, conns } = run([...hs, ...keepalive], { interimInterval: 600 });
  const interims = sink.records.conn.filter((c) => c.interim);
  assert.equal(interims.length, 3, 'at 600 s, 1200 s and 1800 s');
  assert.ok(interims.every((c) => c.uid === conns[0]!.uid));
  assert.ok(interims[0]!.orig_bytes < interims[1]!.orig_bytes);
  assert.equal(conns.length, 1);
  assert.equal(conns[0]!.orig_bytes, 300);
});

test('a full flow table evicts the least recently active flow and counts it', () => {
  const frames: Frame[] = [];
  for (let i = 0; i < 10; i++) frames.push({ ts: i, data: udpFrame('10.0.0.1', '10.0.0.2', 1000 + i, 9999, 'x') });
  const { stats, conns } = run(frames, { maxFlows: 4 });
  assert.equal(conns.length, 10);
  assert.equal(stats.evictions, 6);
  assert.equal(stats.peakFlows, 4);
});

test('Community ID v1 matches the values tshark computes', () => {
  const b = (s: string) => new Uint8Array(s.split('.').map(Number));
  // Values from tshark 4.0 (--enable-protocol communityid) on public captures.
  assert.equal(communityId(b('192.168.170.8'), b('192.168.170.20'), 17, 32795, 53), '1:PIDOtGFIHUsiDppmnIxS0PK/t7Y=');
  assert.equal(communityId(b('192.168.170.20'), b('192.168.170.8'), 17, 53, 32795), '1:PIDOtGFIHUsiDppmnIxS0PK/t7Y=');
  assert.equal(communityId(b('172.16.0.8'), b('64.13.134.52'), 6, 36050, 443), '1:0cte2/7S5KuE0xGGLBnWf+XkZ7M=');
  assert.equal(communityId(b('172.16.0.8'), b('64.13.134.52'), 6, 36050, 143), '1:03idTi1dYqTKxKo/Aigc+FQx6ns=');
});

test('malformed packets become named weirds, never exceptions', () => {
  const { sink, stats } = run([
    { ts: 0, data: new Uint8Array([1, 2, 3]) },
    { ts: 1, data: ethernet(new Uint8Array([0x45, 0, 0, 10])) },
    { ts: 2, data: ethernet(new Uint8Array([0x4f, 0, 0, 60, ...new Array(16).fill(0)])) },
  ]);
  assert.equal(stats.weirds['ethernet_truncated'], 1);
  assert.equal(stats.weirds['ipv4_truncated_header'], 2);
  assert.equal(sink.records.weird.length, 3);
});

test('fuzz: random and mutated frames never throw and every packet is accounted for', () => {
  const seed = tcpConversation('10.0.0.1', '10.9.9.9', 40001, 443, 0, 'hello', 'world');
  fc.assert(fc.property(
    fc.array(fc.oneof(
      fc.uint8Array({ maxLength: 120 }),
      fc.tuple(fc.nat(seed.length - 1), fc.nat(200), fc.integer({ min: 0, max: 255 })).map(([i, pos, v]) => {
        const d = seed[i]!.data.slice();
        d[pos % d.length] = v;
        return d;
      }),
    ), { maxLength: 30 }),
    fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 30 }),
    (frames, linktypes) => {
      const sink = new MemorySink();
      const s = new Sensor(sink, {});
      frames.forEach((d, i) => s.packet(d, 0, d.length, d.length, i * 0.5, [1, 101, 113, 276, 0, 108, 228, 229, 7][(linktypes[i] ?? 0) % 9]!));
      s.flush();
      assert.equal(s.stats.packets, frames.length);
      assert.equal(s.activeFlows, 0);
    }), { numRuns: RUNS });
});

test('fuzz: shards fed the same mutated frames together emit what one sensor emits', () => {
  const seeds: Frame[] = [
    ...tcpConversation('10.0.0.1', '10.9.9.9', 40001, 443, 0, 'hello', 'world'),
    ...tcpConversation('2001:db8::1', '2001:db8::2', 40002, 80, 1, 'GET / HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\n\r\n'),
    { ts: 2, data: udpFrame('10.0.0.1', '8.8.8.8', 5555, 53, 'q') },
    { ts: 2.1, data: ethernet(ipPacket('10.0.0.1', '10.0.0.2', 17, new Uint8Array(16).fill(1), { id: 9, more: true }), [10, 20]) },
    { ts: 2.2, data: ethernet(ipPacket('10.0.0.1', '10.0.0.2', 17, new Uint8Array(16).fill(2), { id: 9, fragOffset: 16 }), [10, 20]) },
    { ts: 2.3, data: udpFrame('10.0.0.1', '10.0.0.2', 4789, 4789, new Uint8Array(40).fill(8)) },
  ];
  const canon = (sinks: MemorySink[]) => sinks.flatMap((s) => [...s.records.conn, ...s.records.http, ...s.records.dns, ...s.records.tls, ...s.records.weird])
    .map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();
  fc.assert(fc.property(
    // Positions: anywhere, or the header bytes that decide how a frame decodes (Ethernet type,
    // VLAN, IPv4 version/length/fragment/protocol, IPv6 lengths, TCP data offset, UDP length).
    fc.array(fc.tuple(fc.nat(seeds.length - 1), fc.oneof(fc.nat(80), fc.constantFrom(12, 13, 14, 16, 17, 18, 19, 20, 21, 23, 36, 38, 39, 46, 54, 66)),
      fc.integer({ min: 0, max: 255 }), fc.boolean()), { maxLength: 40 }),
    fc.integer({ min: 2, max: 3 }),
    fc.double({ min: 0.1, max: 3, noNaN: true }),
    (edits, count, w0) => {
      const frames = seeds.map((f) => ({ ts: f.ts, data: f.data.slice() }));
      for (const [i, pos, v, dup] of edits) {
        const d = frames[i]!.data;
        d[pos % d.length] = v;
        if (dup) frames.push({ ts: frames[i]!.ts + 0.001, data: d.slice() });
      }
      const feed = (s: Sensor) => { for (const f of frames) s.packet(f.data, 0, f.data.length, f.data.length, f.ts, 1); s.flush(); };
      const one = new MemorySink();
      const single = new Sensor(one, { analyzers: DEFAULT_ANALYZERS });
      feed(single);
      const sinks = Array.from({ length: count }, () => new MemorySink());
      const weights = [w0, ...new Array<number>(count - 1).fill(1)];
      const shards = sinks.map((k, index) => new Sensor(k, { analyzers: DEFAULT_ANALYZERS, shard: { index, count, weights } }));
      shards.forEach(feed);
      assert.deepEqual(canon(sinks), canon([one]));
      // Routed: shard 0 reads every frame and hands the others theirs, with its clock and sweeps.
      const rsinks = Array.from({ length: count }, () => new MemorySink());
      const others = rsinks.slice(1).map((k, i) => new Sensor(k, { analyzers: DEFAULT_ANALYZERS, shard: { index: i + 1, count, weights } }));
      const router: PacketRouter = {
        packet: (owner, buf, off, caplen, origlen, ts, linktype, index, now, fragKnown) =>
          others[owner - 1]!.routedPacket(buf, off, caplen, origlen, ts, linktype, index, now, fragKnown),
        sweep: (now) => { for (const o of others) o.routedSweep(now); },
      };
      const lead = new Sensor(rsinks[0]!, { analyzers: DEFAULT_ANALYZERS, shard: { index: 0, count, weights, router } });
      feed(lead);
      for (const o of others) o.flush(lead.now);
      assert.deepEqual(canon(rsinks), canon([one]));
      assert.equal([lead, ...others].reduce((n, s) => n + s.stats.packets, 0), frames.length);
      assert.equal(shards.reduce((n, s) => n + s.stats.packets, 0), frames.length);
      assert.equal(shards.reduce((n, s) => n + s.stats.nonIpPackets, 0), single.stats.nonIpPackets);
      assert.equal(shards.reduce((n, s) => n + s.stats.records.weird, 0), single.stats.records.weird);
    }), { numRuns: RUNS });
});

test('probe hints: an analyzer never claims a first payload whose first byte its firstBytes hint leaves out', () => {
  const id = { orig_h: '10.0.0.1', orig_p: 40000, resp_h: '10.0.0.2', resp_p: 53 };
  const starts = ['GET / HTTP/1.1\r\n', 'HTTP/1.1 200 OK\r\n', 'SSH-2.0-x\r\n', '{"method":"login","id":1}\n', ' {"method":"mining.subscribe"}\n'];
  const payload = fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 64 }),
    fc.tuple(fc.constantFrom(...starts), fc.uint8Array({ maxLength: 8 })).map(([s, t]) => new Uint8Array([...Buffer.from(s, 'latin1'), ...t])),
    fc.uint8Array({ minLength: 6, maxLength: 64 }).map((b) => { b[0] = 0x16; b[1] = 3; b[2] = 1; b[3] = 0; b[4] = 40; b[5] = 1; return b; }));
  fc.assert(fc.property(payload, fc.boolean(), fc.constantFrom<'tcp' | 'udp'>('tcp', 'udp'), (bytes, isOrig, proto) => {
    for (const a of DEFAULT_ANALYZERS) {
      const hint = isOrig ? a.firstBytes?.orig : a.firstBytes?.resp;
      if (hint === undefined || !a.transports.includes(proto)) continue;
      if (a.probe(bytes, isOrig, id, proto)) assert.ok(hint.includes(bytes[0]!), `${a.service} claimed a payload starting with ${bytes[0]}`);
    }
  }), { numRuns: RUNS * 10 });
});

test('an established connection idle for 10 minutes stays one connection; midstream traffic idle that long splits', () => {
  const hs = [at(0, { ...C, flags: 'S', seq: 100 }), at(0.01, { ...S, flags: 'SA', seq: 500, ack: 101 }), at(0.02, { ...C, flags: 'A', seq: 101, ack: 501 })];
  const shell = run([...hs,
    at(1, { ...S, flags: 'PA', seq: 501, ack: 101, payload: 'whoami\n' }),
    at(601, { ...S, flags: 'PA', seq: 508, ack: 101, payload: 'dir\n' }),
  ]).conns;
  assert.equal(shell.length, 1);
  assert.equal(shell[0]!.conn_state, 'S1');
  assert.ok(shell[0]!.duration > 600);
  const midstream = run([at(0, { ...C, flags: 'PA', seq: 7, payload: 'a' }), at(601, { ...C, flags: 'PA', seq: 8, payload: 'b' })]).conns;
  assert.equal(midstream.length, 2, 'no handshake: the 5-minute TCP timeout applies');
  const short = run([...hs, at(1, { ...C, flags: 'PA', seq: 101, payload: 'x' }), at(700, { ...C, flags: 'PA', seq: 102, payload: 'y' })], { timeouts: { established: 300 } }).conns;
  assert.equal(short.length, 2, 'configurable');
});
