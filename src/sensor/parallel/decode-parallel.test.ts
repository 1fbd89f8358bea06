import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { decodeCaptures, type DecodeSummary } from '../decode-file.js';
import { encodeDnsMessage, rdata } from '../apps/dns/index.js';
import { clientHelloBody, hsMsg, records, serverHelloBody, sniExt } from '../apps/tls/test-builder.js';
import { ethernet, ipPacket, pcapFile, tcpConversation, udpDatagram, udpFrame } from '../testing/frames.js';
import type { RecordKind } from '../../records/schema.js';
import { DATA_DIR } from '../../testing/data.js';

type Frame = { ts: number; data: Uint8Array };

/** A small deterministic generator (xorshift32). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * A capture exercising what sharding must get right: many flows of every kind over 40 minutes
 * (timeouts, interim records, port reuse), both directions, IPv6, VLANs, IPv4 fragments, non-IP
 * frames, malformed frames, and application payloads (HTTP, TLS, DNS).
 */
function mixedCapture(seed: number): Frame[] {
  const r = rng(seed);
  const frames: Frame[] = [];
  const tlsHello = records(22, hsMsg(1, clientHelloBody({ ciphers: [0x1301, 0xc02f], extensions: [sniExt('shard.example')] })));
  const tlsServer = records(22, hsMsg(2, serverHelloBody({ cipher: 0x1301 })));
  const t0 = 1_700_000_000;
  for (let i = 0; i < 900; i++) {
    const t = t0 + r() * 2400;
    const client = `10.0.${i % 7}.${1 + (i % 200)}`;
    const server = `93.184.${i % 5}.${10 + (i % 3)}`;
    const cport = 40000 + (i % 50); // reused ports: later connections find earlier ones closed
    switch (i % 6) {
      case 0:
        frames.push(...tcpConversation(client, server, cport, 80, t, `GET /${i} HTTP/1.1\r\nHost: h${i}.example\r\n\r\n`, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
        break;
      case 1: {
        const conv = tcpConversation(client, server, cport, 443, t, 'x', 'y');
        // Swap the payloads for TLS hellos (sequence numbers stay consistent: same positions).
        frames.push(...conv.slice(0, 3));
        frames.push({ ts: t + 0.03, data: ethernet(ipPacket(client, server, 6, tcpSeg(cport, 443, 1001, 5001, 0x18, tlsHello))) });
        frames.push({ ts: t + 0.05, data: ethernet(ipPacket(server, client, 6, tcpSeg(443, cport, 5001, 1001 + tlsHello.length, 0x18, tlsServer))) });
        break;
      }
      case 2: {
        const q = encodeDnsMessage({ id: i, flags: { rd: true }, questions: [{ name: `n${i}.example`, qtype: 1 }] });
        const a = encodeDnsMessage({ id: i, flags: { qr: true, rd: true, ra: true }, questions: [{ name: `n${i}.example`, qtype: 1 }], answers: [{ name: `n${i}.example`, type: 1, rdata: rdata.a(`192.0.2.${i % 250}`) }] });
        frames.push({ ts: t, data: udpFrame(client, '10.0.0.53', 50000 + i, 53, q) });
        if (i % 4 !== 0) frames.push({ ts: t + 0.01, data: udpFrame('10.0.0.53', client, 53, 50000 + i, a) });
        break;
      }
      case 3: {
        // ICMP echo request and reply; an IPv6 TCP attempt; a VLAN-tagged UDP exchange.
        const echo = (type: number) => new Uint8Array([type, 0, 0, 0, 0, i & 255, 0, 1, 1, 2, 3]);
        frames.push({ ts: t, data: ethernet(ipPacket(client, server, 1, echo(8))) });
        frames.push({ ts: t + 0.002, data: ethernet(ipPacket(server, client, 1, echo(0))) });
        frames.push({ ts: t + 1, data: ethernet(ipPacket(`2001:db8::${i}`, '2001:db8:1::1', 6, tcpSeg(cport, 22, 77, 0, 0x02, new Uint8Array(0)))) });
        frames.push({ ts: t + 2, data: ethernet(ipPacket(client, server, 17, udpDatagram(cport, 9999, 'ping')), [100 + (i % 3)]) });
        frames.push({ ts: t + 2.1, data: ethernet(ipPacket(server, client, 17, udpDatagram(9999, cport, 'pong')), [100 + (i % 3)]) });
        break;
      }
      case 4: {
        // A fragmented UDP datagram (first fragment carries the header); now and then a lone later fragment.
        const payload = new Uint8Array(64).fill(i & 255);
        const whole = udpDatagram(cport, 7777, payload);
        frames.push({ ts: t, data: ethernet(ipPacket(client, server, 17, whole.subarray(0, 32), { id: i, more: true })) });
        frames.push({ ts: t + 0.001, data: ethernet(ipPacket(client, server, 17, whole.subarray(32), { id: i, fragOffset: 32 })) });
        if (i % 4 === 0) frames.push({ ts: t + 0.002, data: ethernet(ipPacket(client, server, 17, whole.subarray(32), { id: 60000 + i, fragOffset: 32 })) });
        break;
      }
      case 5: {
        // Non-IP (ARP), now and then a malformed frame (truncated IPv4 header).
        const arp = new Uint8Array(42);
        arp[12] = 0x08; arp[13] = 0x06;
        frames.push({ ts: t, data: arp });
        if (i % 4 === 1) frames.push({ ts: t + 0.5, data: ethernet(new Uint8Array([0x45, 0, 0, 10, 0, 0])) });
        break;
      }
    }
  }
  // Long TCP sessions with a segment every 250 s: interim records every 600 s.
  for (let k = 0; k < 12; k++) {
    const c = `10.7.0.${k + 1}`, srv = '10.8.8.8', port = 30000 + k;
    frames.push({ ts: t0 + k, data: ethernet(ipPacket(c, srv, 6, tcpSeg(port, 8333, 100, 0, 0x02, new Uint8Array(0)))) });
    frames.push({ ts: t0 + k + 0.01, data: ethernet(ipPacket(srv, c, 6, tcpSeg(8333, port, 900, 101, 0x12, new Uint8Array(0)))) });
    for (let j = 0; j < 10; j++) {
      frames.push({ ts: t0 + k + 1 + j * 250, data: ethernet(ipPacket(c, srv, 6, tcpSeg(port, 8333, 101 + 4 * j, 901, 0x18, new Uint8Array([1, 2, 3, 4])))) });
    }
  }
  frames.sort((a, b) => a.ts - b.ts);
  return frames;
}

/** A TCP header with flags and payload (data offset 5). */
function tcpSeg(sport: number, dport: number, seq: number, ack: number, flags: number, payload: Uint8Array): Uint8Array {
  const h = new Uint8Array(20 + payload.length);
  const dv = new DataView(h.buffer);
  dv.setUint16(0, sport); dv.setUint16(2, dport); dv.setUint32(4, seq); dv.setUint32(8, ack);
  h[12] = 0x50; h[13] = flags;
  dv.setUint16(14, 65535);
  h.set(payload, 20);
  return h;
}

/** Every record as canonical text (sorted keys), sorted; plus the summaries. */
async function decodeAll(files: string[], workers: number): Promise<{ lines: string[]; summaries: DecodeSummary[] }> {
  const lines: string[] = [];
  const sink = {
    write(kind: RecordKind, rec: object): void {
      const r = rec as Record<string, unknown>;
      lines.push(`${kind} ${JSON.stringify(r, Object.keys(r).sort())}`);
    },
  };
  const summaries = await decodeCaptures(files, sink, { workers, interimInterval: 600 });
  lines.sort();
  return { lines, summaries };
}

/** The parts of a summary that sharding must not change. */
function comparable(s: DecodeSummary): unknown {
  const weirds = Object.fromEntries(Object.entries(s.weirds).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    source: s.source, format: s.format, gzip: s.gzip, error: s.error, packets: s.packets, bytes: s.bytes, ipPackets: s.ipPackets,
    nonIpPackets: s.nonIpPackets, flows: s.flows, evictions: s.evictions, interims: s.interims, records: s.records, weirds,
  };
}

function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-par-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('2 and 3 workers emit the same records, uids included, and the same counts as one thread', () => withDir(async (dir) => {
  const file = join(dir, 'mixed.pcap');
  writeFileSync(file, pcapFile(mixedCapture(7)));
  const one = await decodeAll([file], 1);
  assert.ok(one.lines.length > 1000, `${one.lines.length} records`);
  const s = one.summaries[0]!;
  assert.ok(s.interims > 0 && s.nonIpPackets > 0 && (s.weirds['ip_fragment_without_first'] ?? 0) > 0, JSON.stringify(s));
  for (const kind of ['conn', 'dns', 'tls', 'http', 'weird']) assert.ok(one.lines.some((l) => l.startsWith(kind + ' ')), `has ${kind}`);
  for (const workers of [2, 3]) {
    const par = await decodeAll([file], workers);
    assert.equal(par.lines.length, one.lines.length, `${workers} workers: record count`);
    assert.deepEqual(par.lines, one.lines, `${workers} workers: records`);
    assert.deepEqual(comparable(par.summaries[0]!), comparable(s));
  }
}));

test('workers: captures in sequence share flows; gzip input; a damaged capture keeps what came before', () => withDir(async (dir) => {
  const frames = mixedCapture(11);
  const half = Math.floor(frames.length / 2);
  const a = join(dir, 'a.pcap'), b = join(dir, 'b.pcap.gz'), cut = join(dir, 'cut.pcap');
  writeFileSync(a, pcapFile(frames.slice(0, half)));
  writeFileSync(b, gzipSync(pcapFile(frames.slice(half))));
  const whole = pcapFile(frames.slice(0, 200));
  writeFileSync(cut, whole.subarray(0, whole.length - 7)); // ends inside the last record
  for (const files of [[a, b], [cut, a]]) {
    const one = await decodeAll(files, 1);
    const par = await decodeAll(files, 2);
    assert.deepEqual(par.lines, one.lines);
    assert.deepEqual(par.summaries.map(comparable), one.summaries.map(comparable));
  }
  const damaged = (await decodeAll([cut], 2)).summaries[0]!;
  assert.equal(damaged.error?.code, 'CAPTURE_TRUNCATED');
  assert.equal(damaged.packets, 199);
  assert.equal((await decodeAll([b], 2)).summaries[0]!.gzip, true);
}));

test('workers: a missing file is CAPTURE_OPEN like one thread; bad worker counts are refused', async () => {
  const one = await decodeAll(['/nonexistent/x.pcap'], 1);
  const par = await decodeAll(['/nonexistent/x.pcap'], 2);
  assert.equal(par.summaries[0]!.error?.code, 'CAPTURE_OPEN');
  assert.deepEqual(comparable(par.summaries[0]!), comparable(one.summaries[0]!));
  await assert.rejects(decodeCaptures([], { write() {} }, { workers: 0 }), /workers must be/);
  await assert.rejects(decodeCaptures([], { write() {} }, { workers: 2, analyzers: [] }), /custom analyzers/);
});

const DATA = DATA_DIR;

test('workers agree with one thread on real captures', { skip: !existsSync(DATA) && 'shared data absent' }, async () => {
  const dir = join(DATA, 'parsers', 'ndpi-tests', 'pcap');
  const picks = existsSync(dir) ? readdirSync(dir).filter((f) => /^(dns|http|tls|ssh|mining|fragm|ipv6|quic|teamviewer)/i.test(f)).sort().slice(0, 10) : [];
  for (const f of picks) {
    const one = await decodeAll([join(dir, f)], 1);
    const par = await decodeAll([join(dir, f)], 2);
    // Weird records past the sampling threshold may differ (sampled per worker): compare the rest.
    const noWeird = (ls: string[]) => ls.filter((l) => !l.startsWith('weird '));
    assert.deepEqual(noWeird(par.lines), noWeird(one.lines), f);
    const counts = (x: DecodeSummary) => ({ ...(comparable(x) as object), records: { ...x.records, weird: 0 } });
    assert.deepEqual(counts(par.summaries[0]!), counts(one.summaries[0]!), f);
  }
});

test('decoding workers name their threads c2hunt-decode-<shard> (top -H, bench-decode --threads)', { skip: process.platform !== 'linux' && 'Linux only' }, () => withDir(async (dir) => {
  const file = join(dir, 'mixed.pcap');
  writeFileSync(file, pcapFile(mixedCapture(7)));
  // A worker sink whose factory, run in each worker thread, leaves a file named after the thread.
  const probe = `import { readFileSync, writeFileSync } from 'node:fs';
export function probe(dir) { writeFileSync(dir + '/' + readFileSync('/proc/thread-self/comm', 'utf8').trim(), ''); return { write() {} }; }`;
  await decodeCaptures([file], { write() {} }, {
    workers: 3, workerSink: { module: `data:text/javascript,${encodeURIComponent(probe)}`, factory: 'probe', arg: dir },
  });
  assert.deepEqual(readdirSync(dir).filter((f) => f !== 'mixed.pcap').sort(), ['c2hunt-decode-1', 'c2hunt-decode-2']);
}));
