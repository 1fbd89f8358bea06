/**
 * Cross-checks simulated captures with Wireshark's dissectors: no malformed packets, no bad
 * checksums, no expert warnings other than the RSTs a scan is made of; and tshark sees the
 * flows the labels describe. Skips when tshark is not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate, labelsPathFor, type LabelsFile } from './index.js';

const HAS_TSHARK = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const DIR = mkdtempSync(join(tmpdir(), 'c2hunt-tshark-'));
process.on('exit', () => rmSync(DIR, { recursive: true, force: true }));
const MORNING = Date.UTC(2026, 10, 2, 8) / 1000;
const CHECKS = ['-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE'];
/**
 * Malformed packets and expert infos of warning level or worse. "Connection reset" is a warning
 * tshark attaches to every RST, which rejected scan probes are made of; it is excluded.
 */
const PROBLEMS = '_ws.malformed || (_ws.expert.severity >= warning && !tcp.connection.rst)';

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

async function sim(scenario: string, hosts: number, hours: number, seed: number): Promise<{ out: string; labels: LabelsFile }> {
  const out = join(DIR, `${scenario}.pcap`);
  await simulate({ scenario, hosts, durationSec: hours * 3600, seed, start: MORNING }, out);
  return { out, labels: JSON.parse(readFileSync(labelsPathFor(out), 'utf8')) as LabelsFile };
}

test('tshark finds nothing malformed, no bad checksum, no warning in a mixed capture', { skip: !HAS_TSHARK && 'tshark not installed' }, async () => {
  const { out, labels } = await sim('mixed', 30, 1.5, 11);
  // One pass: problem packets (there must be none) then the conversation table.
  const conv = tshark(['-r', out, ...CHECKS, '-Y', PROBLEMS, '-z', 'conv,tcp']);
  assert.match(conv, /^={10,}/, `problems:\n${conv.slice(0, 2000)}`);
  // Expert notes that do appear are the expected ones: SYN retransmissions of unanswered probes.
  const retrans = tshark(['-r', out, '-Y', 'tcp.analysis.retransmission && !(tcp.flags.syn == 1 && tcp.flags.ack == 0)']);
  assert.equal(retrans, '', 'only SYNs are retransmitted');
  const shell = labels.behaviours.find((b) => b.kind === 'reverse_shell')!;
  assert.match(conv, new RegExp(`${shell.dst_ip!.replace(/\./g, '\\.')}:${shell.port}`));
  // The ping sweeps: tshark counts the echo requests the labels announce, with valid ICMP/ICMPv6 checksums (always verified).
  for (const sw of labels.behaviours.filter((b) => b.kind === 'scan_icmp')) {
    const v6 = sw.params.family === 'ipv6';
    const filter = v6 ? `icmpv6.type == 128 && ipv6.src == ${sw.host} && icmpv6.checksum.status == 1` : `icmp.type == 8 && ip.src == ${sw.host} && icmp.checksum.status == 1`;
    const lines = tshark(['-r', out, '-Y', filter, '-T', 'fields', '-e', 'frame.number']).trim().split('\n').filter((l) => l !== '');
    assert.equal(lines.length, sw.events, sw.id);
  }
  const mining = labels.behaviours.find((b) => b.kind === 'mining')!;
  assert.match(conv, new RegExp(`${mining.host.replace(/\./g, '\\.')}:\\d+ +<-> ${mining.dst_ips!.map((a) => a.replace(/\./g, '\\.')).join('|')}:14444`));
});

test('tshark sees the Ramnit beacon: TLS to fget-career.com on 89.185.44.100:443 every 10 minutes', { skip: !HAS_TSHARK && 'tshark not installed' }, async () => {
  const { out, labels } = await sim('ramnit', 10, 1.5, 2);
  const conv = tshark(['-r', out, ...CHECKS, '-Y', PROBLEMS, '-z', 'conv,tcp']);
  assert.match(conv, /^={10,}/, `problems:\n${conv.slice(0, 2000)}`);
  const lines = conv.split('\n').filter((l) => l.includes('<-> 89.185.44.100:443'));
  assert.equal(lines.length, labels.behaviours[0].events);
  assert.ok(lines.length >= 8 && lines.length <= 10);
  const sni = tshark(['-r', out, '-Y', 'tls.handshake.type == 1 && ip.dst == 89.185.44.100', '-T', 'fields', '-e', 'tls.handshake.extensions_server_name']);
  assert.deepEqual([...new Set(sni.trim().split('\n'))], ['fget-career.com']);
  const dns = tshark(['-r', out, '-Y', 'dns.flags.response == 1 && dns.qry.name == "fget-career.com"', '-T', 'fields', '-e', 'dns.a']);
  assert.deepEqual([...new Set(dns.trim().split('\n'))], ['89.185.44.100']);
});
