import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate, labelsPathFor, listScenarios, type LabelsFile } from './index.js';
import { verifyPcap, type VerifyResult } from './verify-pcap.js';
import { inCidr, ip } from './addr.js';

const DIR = mkdtempSync(join(tmpdir(), 'c2hunt-sim-'));
process.on('exit', () => rmSync(DIR, { recursive: true, force: true }));
/** 08:00 UTC on the default start day: office hours, so the background is busy. */
const MORNING = Date.UTC(2026, 10, 2, 8) / 1000;

async function run(scenario: string, hosts: number, hours: number, seed = 1, name = `${scenario}-${seed}`) {
  const out = join(DIR, `${name}.pcap`);
  const sum = await simulate({ scenario, hosts, durationSec: hours * 3600, seed, start: MORNING }, out);
  const labels = JSON.parse(readFileSync(labelsPathFor(out), 'utf8')) as LabelsFile;
  return { out, sum, labels, buf: readFileSync(out) };
}

/** A/AAAA addresses in a DNS response (follows compression pointers). */
function answers(b: Uint8Array): string[] {
  const skipName = (o: number): number => {
    for (let guard = 0; guard < 128; guard++) {
      const l = b[o];
      if (l === 0) return o + 1;
      if ((l & 0xc0) === 0xc0) return o + 2;
      o += 1 + l;
    }
    throw new Error('name loop');
  };
  const an = (b[6] << 8) | b[7];
  let o = skipName(12) + 4;
  const out: string[] = [];
  for (let i = 0; i < an; i++) {
    o = skipName(o);
    const type = (b[o] << 8) | b[o + 1];
    const len = (b[o + 8] << 8) | b[o + 9];
    const d = b.subarray(o + 10, o + 10 + len);
    if (type === 1) out.push(Array.from(d).join('.'));
    if (type === 28) {
      const g: string[] = [];
      for (let k = 0; k < 16; k += 2) g.push(((d[k] << 8) | d[k + 1]).toString(16));
      out.push(g.join(':'));
    }
    o += 10 + len;
  }
  return out;
}

/** Normalises an IPv6 string to the full 8-group form used by `answers`. */
function norm(a: string): string {
  if (!a.includes(':')) return a;
  const b = ip(a);
  const g: string[] = [];
  for (let k = 0; k < 16; k += 2) g.push(((b[k] << 8) | b[k + 1]).toString(16));
  return g.join(':');
}

/** External TCP connections whose address the host did not get from an earlier DNS answer. */
function unresolved(v: VerifyResult, internal: string[]): string[] {
  const seen = new Map<string, { ts: number; ips: Set<string> }[]>();
  for (const d of v.dns) {
    const l = seen.get(d.client) ?? [];
    l.push({ ts: d.ts, ips: new Set(answers(d.payload)) });
    seen.set(d.client, l);
  }
  const out: string[] = [];
  for (const f of v.flows.values()) {
    if (f.proto !== 'tcp' || internal.some((n) => inCidr(ip(f.dst), n))) continue;
    // IPv6 flows come from the host's IPv6 address while it asks the resolver over IPv4.
    const asked = f.src.includes(':') ? [...seen.values()].flat() : seen.get(f.src) ?? [];
    const ok = asked.some((d) => d.ts <= f.first && d.ips.has(norm(f.dst)));
    if (!ok) out.push(`${f.src} -> ${f.dst}:${f.dport}`);
  }
  return out;
}

test('ramnit: valid capture, the beacon every 10 minutes, DNS before every external connection, labels', async () => {
  const { sum, labels, buf } = await run('ramnit', 20, 2);
  const v = verifyPcap(buf, { keepDns: true });
  assert.deepEqual(v.errors, []);
  assert.equal(v.packets, sum.packets);
  assert.equal(buf.length, sum.bytes);
  assert.equal(sum.late, 0);
  assert.equal(labels.version, 1);
  assert.equal(labels.scenario, 'ramnit');
  assert.equal(labels.hosts, 20);
  assert.equal(labels.end - labels.start, 7200);
  assert.deepEqual(labels.internal_nets, ['10.1.0.0/16', '2001:db8:c2::/64']);
  const b = labels.behaviours;
  assert.equal(b.length, 1);
  assert.equal(b[0].kind, 'beacon');
  assert.equal(b[0].domain, 'fget-career.com');
  assert.deepEqual(b[0].dst_ips, ['89.185.44.100']);
  assert.equal(b[0].port, 443);
  assert.equal(b[0].params.period, 600);
  const c2 = [...v.flows.values()].filter((f) => f.dst === '89.185.44.100');
  assert.ok(c2.length >= 11 && c2.length <= 13, `${c2.length} contacts in 2 h`);
  assert.equal(b[0].events, c2.length);
  assert.ok(c2.every((f) => f.src === b[0].host && f.dport === 443 && f.synAck && f.fins === 2));
  const gaps = c2.map((f) => f.first).sort((x, y) => x - y).slice(1).map((t, i, a) => t - (i ? a[i - 1] : c2.map((f) => f.first).sort((x, y) => x - y)[0]));
  assert.ok(gaps.every((g) => g > 0.9 * 600e6 && g < 1.1 * 600e6), 'period 600 s with small jitter');
  // The TLS ClientHello names the C2 domain.
  assert.ok(c2.every((f) => Buffer.from(f.head[0]!).includes('fget-career') || f.head[0]![0] === 0x16));
  assert.deepEqual(unresolved(v, labels.internal_nets), []);
  assert.ok(labels.benign_periodic.length > 20);
  assert.ok(labels.benign_periodic.every((p) => p.malicious === false && p.params.period > 0));
});

test('smominru: long Stratum sessions to 107.191.99.55:5555 and two C2 endpoints', async () => {
  const { labels, buf } = await run('smominru', 20, 3);
  const v = verifyPcap(buf);
  assert.deepEqual(v.errors, []);
  const kinds = labels.behaviours.map((b) => `${b.kind}:${b.dst_ip}:${b.port}`).sort();
  assert.deepEqual(kinds, ['beacon:118.184.176.15:80', 'beacon:78.142.29.152:8888', 'mining:107.191.99.55:5555']);
  const miner = labels.behaviours.find((b) => b.kind === 'mining')!;
  assert.match(miner.domain!, /xmr/);
  const pool = [...v.flows.values()].filter((f) => f.dst === '107.191.99.55');
  assert.ok(pool.length >= 1);
  assert.ok(pool[0].last - pool[0].first > 2 * 3600e6, 'a long session');
  assert.ok(Buffer.from(pool[0].head[0]!).toString().startsWith('{"id":1,"jsonrpc":"2.0","method":"login"'));
  const bot = labels.behaviours.filter((b) => b.kind === 'beacon');
  assert.equal(bot[0].host, bot[1].host);
  assert.notEqual(bot[0].host, miner.host);
  assert.ok(bot.every((b) => b.events >= 8));
});

test('the same seed gives the same bytes; another seed does not', async () => {
  const h = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const a = await run('mixed', 12, 0.5, 7, 'det-a');
  const b = await run('mixed', 12, 0.5, 7, 'det-b');
  const c = await run('mixed', 12, 0.5, 8, 'det-c');
  assert.equal(h(a.buf), h(b.buf));
  assert.deepEqual(a.labels, b.labels);
  assert.notEqual(h(a.buf), h(c.buf));
});

test('mixed: every behaviour kind, second hop, valid packets, IPv6 flows', async () => {
  const { sum, labels, buf } = await run('mixed', 60, 3, 3);
  const v = verifyPcap(buf);
  assert.deepEqual(v.errors, []);
  assert.equal(sum.late, 0);
  const kinds = new Set(labels.behaviours.map((b) => b.kind));
  for (const k of ['beacon', 'mining', 'reverse_shell', 'scan_horizontal', 'scan_vertical', 'scan_icmp', 'dga', 'dns_c2']) assert.ok(kinds.has(k as never), k);
  // Ping sweeps: one echo request per address of the /24 (ICMP) and of 256 IPv6 addresses (ICMPv6), some answered.
  const sweeps = labels.behaviours.filter((b) => b.kind === 'scan_icmp');
  assert.deepEqual(sweeps.map((b) => b.params.family), ['ipv4', 'ipv6']);
  for (const sw of sweeps) {
    const echo = [...v.flows.values()].filter((f) => f.proto === 'icmp' && f.src === sw.host);
    assert.equal(echo.length, sw.events, `${sw.id}: one exchange per address`);
    assert.ok(echo.every((f) => f.dport === (sw.params.family === 'ipv6' ? 128 : 8) && f.payload[0] === 32));
    assert.equal(echo.filter((f) => f.packets === 2).length, sw.params.replies);
  }
  const transports = new Set(labels.behaviours.filter((b) => b.kind === 'beacon').map((b) => b.params.transport));
  assert.deepEqual([...transports].sort(), ['dns', 'http', 'https', 'tcp', 'udp']);
  assert.ok(labels.behaviours.every((b) => b.malicious && b.events > 0 && b.end >= b.start), 'every behaviour happened');
  const hops = labels.behaviours.filter((b) => b.parent === 'mixed-scan-445-fast');
  assert.ok(hops.length >= 1, 'a scanned host starts the beacon');
  const scan = labels.behaviours.find((b) => b.id === 'mixed-scan-445-fast')!;
  assert.ok(hops.every((h) => (scan.params.infected as string[]).includes(h.host) && h.start > scan.start));
  const o = scan.params.outcomes as { s0: number; rej: number; open: number };
  assert.ok(o.s0 + o.rej > 5 * o.open, 'most probes fail');
  assert.ok([...v.flows.values()].some((f) => f.src.includes(':')), 'some IPv6 flows');
  assert.ok(labels.benign_notable.some((n) => n.service === 'av_dns_reputation' && n.events > 0), 'benign unique-subdomain lookups');
  assert.ok(labels.benign_notable.every((n) => n.malicious === false && n.kind === 'benign_notable'));
  const ids = labels.behaviours.map((b) => b.id).concat(labels.benign_periodic.map((p) => p.id), labels.benign_notable.map((n) => n.id));
  assert.equal(new Set(ids).size, ids.length, 'unique ids');
});

test('benign has no malicious behaviour; bad options fail clearly', async () => {
  const { labels } = await run('benign', 5, 0.25);
  assert.deepEqual(labels.behaviours, []);
  assert.deepEqual(listScenarios().map((s) => s.name), ['ramnit', 'smominru', 'benign', 'mixed']);
  await assert.rejects(simulate({ scenario: 'nope' }, join(DIR, 'x.pcap')), /Cannot simulate: unknown scenario/);
  await assert.rejects(simulate({ scenario: 'benign', durationSec: 0 }, join(DIR, 'x.pcap')), /duration/);
  await assert.rejects(simulate({ scenario: 'benign', hosts: 0 }, join(DIR, 'x.pcap')), /hosts/);
  assert.equal(labelsPathFor('/a/b.pcap'), '/a/b.labels.json');
  assert.equal(labelsPathFor('/a/b.cap'), '/a/b.cap.labels.json');
});
