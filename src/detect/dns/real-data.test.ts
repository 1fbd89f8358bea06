/**
 * DNS detectors on public captures (../shared/data/README.md); each test skips with a message
 * when the data is absent. dns2tcp_tunnel.pcap is not here: despite its name it holds only a
 * DNS-over-HTTPS session (TLS to 1.1.1.1:443), which no DNS record can show.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCaptures } from '../../sensor/decode-file.js';
import { MemorySink } from '../../records/writers.js';
import { dataPath, skipUnless } from '../../testing/data.js';
import { buildDataset } from '../dataset.js';
import type { Finding } from '../finding.js';
import { detectDns } from './index.js';

async function dnsFindings(path: string): Promise<Finding[]> {
  const sink = new MemorySink();
  await decodeCaptures([path], sink);
  return detectDns(buildDataset(sink.records));
}

const ndpi = (n: string) => dataPath('parsers', 'ndpi-tests', 'pcap', n);

const iodine = ndpi('dns-tunnel-iodine.pcap');
test('iodine: 10.0.2.30 tunnels through NULL queries under pirate.sea', { skip: skipUnless(iodine) }, async () => {
  const f = await dnsFindings(iodine!);
  assert.equal(f.length, 1, f.map((x) => x.title).join('\n'));
  const t = f[0]!;
  assert.equal(t.kind, 'tunnel');
  assert.equal(t.src, '10.0.2.30');
  assert.equal(t.fqdn, 'pirate.sea');
  assert.equal(t.evidence['unique_names'], 222);
  assert.deepEqual(t.evidence['qtypes'], { NULL: 222 });
  assert.ok(t.severity === 'high' || t.severity === 'critical', `${t.severity} ${t.score}`);
});

const dnscat = ndpi('dns_exfiltration.pcap');
test('dns_exfiltration (dnscat2, no domain): tunnel under non-existent TLDs, exfiltration volume', { skip: skipUnless(dnscat) }, async () => {
  const f = await dnsFindings(dnscat!);
  assert.equal(f.length, 1, f.map((x) => x.title).join('\n'));
  const t = f[0]!;
  assert.equal(t.kind, 'tunnel');
  assert.equal(t.src, '192.168.220.56');
  assert.equal(t.dst, '192.168.203.167');
  assert.equal(t.evidence['common_first_label'], 'dnscat');
  assert.equal(t.evidence['data_type_share'], 1);
  assert.deepEqual(t.attack, ['T1071.004', 'T1048']);
  assert.ok(t.score >= 0.85, `${t.score}`);
});

const malcolm = dataPath('parsers', 'malcolm-protocols', 'DNS.pcap');
test('Malcolm DNS.pcap: the three tunnels in it, nothing else among 1,000 mixed look-ups', { skip: skipUnless(malcolm) }, async () => {
  const f = await dnsFindings(malcolm!);
  const got = f.map((x) => `${x.kind} ${x.src} ${x.fqdn ?? '-'}`).sort();
  assert.deepEqual(got, [
    'tunnel 10.0.2.30 pirate.sea',
    'tunnel 192.168.220.56 -',
    'tunnel 192.168.56.1 tunnel.phd',
  ]);
});

for (const [what, p] of [
  ['wikipedia.pcap', dataPath('parsers', 'zeek-traces', 'wikipedia.pcap')],
  ['http_espn.pcapng (akamai CNAME chains)', dataPath('parsers', 'chrissanders-packets', 'http_espn.pcapng')],
  ['dns_query_nonexistent.pcapng', dataPath('parsers', 'chrissanders-packets', 'dns_query_nonexistent.pcapng')],
] as const) {
  test(`normal browsing DNS: ${what} gives no DNS finding`, { skip: skipUnless(p) }, async () => {
    assert.deepEqual((await dnsFindings(p!)).map((x) => x.title), []);
  });
}
