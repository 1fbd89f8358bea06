import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapWriter, type Side } from './pcap-writer.js';
import { SourceHeap, type PacketSource } from './flow.js';
import { TcpFlow, type TcpFlowSpec } from './tcp-flow.js';
import { UdpFlow } from './udp-flow.js';
import { verifyPcap } from './verify-pcap.js';
import { ip4, ip6, mac } from './addr.js';
import { Rng } from './rng.js';

const T0 = 1_793_577_600_000_000;

function side(addr: string, m: string): Side {
  return { mac: mac(m), ip: addr.includes(':') ? ip6(addr) : ip4(addr), ttl: 64, ipId: 100 };
}

/** Writes the given sources through the heap into a pcap and returns its bytes. */
async function capture(sources: PacketSource[]): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-tcp-'));
  const path = join(dir, 'x.pcap');
  const fh = await open(path, 'w');
  const w = new PcapWriter(fh);
  const heap = new SourceHeap();
  sources.forEach((s, i) => { s.order = i; heap.push(s); });
  for (let top = heap.top(); top; top = heap.top()) {
    top.emit(w);
    heap.updateTop();
    if (w.needsFlush) await w.flush();
  }
  await w.close();
  await fh.close();
  const buf = readFileSync(path);
  rmSync(dir, { recursive: true });
  return buf;
}

interface Pkt { ts: number; len: number; flags: number; payload: number; fromClient: boolean }

/** Flags and payload sizes of every TCP packet of a capture (IPv4, 20-byte IP header). */
function tcpPackets(buf: Buffer, clientIp: string): Pkt[] {
  const out: Pkt[] = [];
  let o = 24;
  while (o < buf.length) {
    const ts = buf.readUInt32LE(o) * 1e6 + buf.readUInt32LE(o + 4);
    const len = buf.readUInt32LE(o + 8);
    const p = o + 16;
    const ipv6 = buf.readUInt16BE(p + 12) === 0x86dd;
    const l3 = p + 14;
    const l4 = l3 + (ipv6 ? 40 : 20);
    const total = ipv6 ? 40 + buf.readUInt16BE(l3 + 4) : buf.readUInt16BE(l3 + 2);
    const src = ipv6 ? '' : `${buf[l3 + 12]}.${buf[l3 + 13]}.${buf[l3 + 14]}.${buf[l3 + 15]}`;
    out.push({ ts, len, flags: buf[l4 + 13], payload: total - (ipv6 ? 40 : 20) - (buf[l4 + 12] >> 4) * 4, fromClient: ipv6 || src === clientIp });
    o = p + len;
  }
  return out;
}

function spec(over: Partial<TcpFlowSpec>): TcpFlowSpec {
  return { client: side('10.1.1.10', '02:00:00:00:00:01'), server: side('192.0.2.7', '02:00:00:00:00:02'), sport: 50000, dport: 443,
    start: T0, rtt: 40_000, rng: new Rng(3), ...over };
}

test('a request/response connection: handshake, MSS segments, ACKs, FIN teardown', async () => {
  const pool = new Rng(4).bytes(20000);
  const buf = await capture([new TcpFlow(spec({ steps: [
    { from: 0, data: [pool.subarray(0, 300)], think: 0 },
    { from: 1, data: [pool.subarray(0, 10000)], think: 5000 },
  ] }))]);
  const v = verifyPcap(buf);
  assert.deepEqual(v.errors, []);
  const p = tcpPackets(buf, '10.1.1.10');
  assert.deepEqual(p.slice(0, 3).map((x) => x.flags), [0x02, 0x12, 0x10], 'SYN, SYN/ACK, ACK');
  assert.equal(p[1].ts - p[0].ts, 40_000, 'SYN/ACK one RTT after the SYN');
  const down = p.filter((x) => !x.fromClient && x.payload > 0);
  assert.equal(down.length, Math.ceil(10000 / 1460));
  assert.ok(down.slice(0, -1).every((x) => x.payload === 1460), 'full-sized segments');
  assert.equal(down[down.length - 1].flags & 0x08, 0x08, 'PSH on the last segment');
  const fins = p.filter((x) => x.flags & 0x01);
  assert.equal(fins.length, 2);
  assert.equal(p[p.length - 1].flags, 0x10, 'final ACK');
  const f = [...v.flows.values()][0];
  assert.deepEqual(f.payload, [300, 10000]);
  for (let i = 1; i < p.length; i++) assert.ok(p[i].ts >= p[i - 1].ts);
});

test('a closed port answers RST (REJ); an unanswered SYN is retried after 1 s and 2 s (S0)', async () => {
  const rej = tcpPackets(await capture([new TcpFlow(spec({ open: 'rej' }))]), '10.1.1.10');
  assert.deepEqual(rej.map((x) => x.flags), [0x02, 0x14]);
  const s0 = tcpPackets(await capture([new TcpFlow(spec({ open: 's0' }))]), '10.1.1.10');
  assert.deepEqual(s0.map((x) => x.flags), [0x02, 0x02, 0x02]);
  assert.deepEqual(s0.map((x) => x.ts - T0), [0, 1e6, 3e6]);
  const scan = tcpPackets(await capture([new TcpFlow(spec({ open: 'synscan' }))]), '10.1.1.10');
  assert.deepEqual(scan.map((x) => x.flags), [0x02, 0x12, 0x04], 'SYN scan: SYN, SYN/ACK, RST');
});

test('lazy long sessions, server-first talk and IPv6 stay consistent', async () => {
  let n = 0;
  const rng = new Rng(8);
  const data = rng.bytes(4000);
  const flows: PacketSource[] = [
    new TcpFlow(spec({ steps: { next: () => (n++ < 200 ? { from: (n % 3 === 0 ? 1 : 0) as 0 | 1, data: [data.subarray(0, rng.int(1, 4000))], think: rng.int(0, 2e6) } : null) }, close: 'fin_s' })),
    new TcpFlow(spec({ sport: 50001, start: T0 + 5, steps: [{ from: 1, data: [data.subarray(0, 40)], think: 0 }, { from: 0, data: [data.subarray(0, 30)], think: 100 }] })),
    new TcpFlow(spec({ client: side('2001:db8:c2::10', '02:00:00:00:00:01'), server: side('2001:db8::7', '02:00:00:00:00:02'), sport: 50002,
      steps: [{ from: 0, data: [data], think: 0 }, { from: 1, data: [data, data], think: 0 }], close: 'rst_c' })),
    new UdpFlow(side('10.1.1.10', '02:00:00:00:00:01'), side('10.1.0.10', '02:00:00:00:00:03'), 50003, 53,
      [{ ts: T0 + 10, dir: 0, data: data.subarray(0, 33) }, { ts: T0 + 900, dir: 1, data: data.subarray(0, 99) }]),
  ];
  const v = verifyPcap(await capture(flows));
  assert.deepEqual(v.errors, []);
  assert.equal(v.flows.size, 4);
  const v6 = [...v.flows.values()].find((f) => f.src.includes(':'))!;
  assert.deepEqual(v6.payload, [4000, 8000]);
  assert.equal(v6.rst, true);
});
