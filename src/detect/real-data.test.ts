/**
 * Detectors on the public captures with documented ground truth (../shared/data/README.md).
 * Each test skips with a message when the data is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCaptures } from '../sensor/decode-file.js';
import { MemorySink } from '../records/writers.js';
import { buildDataset } from './dataset.js';
import { runDetectors } from './run.js';
import { dataPath, skipUnless } from '../testing/data.js';
import type { Finding } from './finding.js';

async function findingsOf(path: string): Promise<Finding[]> {
  const sink = new MemorySink();
  await decodeCaptures([path], sink);
  return runDetectors(buildDataset(sink.records)).findings;
}

const caldera = (n: string) => dataPath('beacon', 'caldera', 'testing', 'Traces', n);

for (const [name, src, dst, period, tol] of [
  ['manx-udp.pcap', '172.18.0.3', '172.18.0.2', 60, 0.05],
  ['ragdoll.pcap', '172.18.0.3', '172.18.0.2', 44, 0.25],
  ['sandcat.pcap', '172.18.0.3', '172.18.0.2', 37, 0.5],
] as const) {
  const p = caldera(name);
  test(`Caldera ${name}: the agent beacons to its C2 server`, { skip: skipUnless(p) }, async () => {
    const f = (await findingsOf(p!)).find((x) => x.detector === 'beacon' && x.src === src && (x.dst === dst || x.dsts?.includes(dst)));
    assert.ok(f, `no beacon ${src} -> ${dst}`);
    const got = f.evidence['period_s'] as number;
    assert.ok(Math.abs(got - period) / period <= tol, `period ${got} s, expected about ${period} s`);
  });
}

for (const [n, period] of [['test-cc-capture-1.pcap', 2.2], ['test-cc-capture-2.pcap', 3.0]] as const) {
  const p = dataPath('beacon', 'slips-test-cc', n);
  test(`Slips ${n}: periodic HTTPS to testing.com is a beacon near ${period} s`, { skip: skipUnless(p) }, async () => {
    const f = (await findingsOf(p!)).find((x) => x.detector === 'beacon' && x.src === '147.32.80.37');
    assert.ok(f, 'no beacon from 147.32.80.37');
    assert.ok(Math.abs((f.evidence['period_s'] as number) - period) / period < 0.15, `period ${f.evidence['period_s']}`);
  });
}

const scan = (n: string) => dataPath('scan', 'bro-simple-scan', n);
for (const [n, src, kind, min] of [
  ['445_scan.pcap', '176.192.150.3', 'horizontal', 9],
  ['multiport_scan.pcap', '125.27.226.209', 'horizontal', 5],
  ['port_scan.pcap', '192.168.2.154', 'vertical', 5],
  ['scan_with_zero_windows.pcap', '10.0.0.1', 'horizontal', 5],
] as const) {
  const p = scan(n);
  test(`bro-simple-scan ${n}: ${src} scans (${kind}, at least ${min} targets)`, { skip: skipUnless(p) }, async () => {
    const f = (await findingsOf(p!)).find((x) => x.detector === 'scan' && x.src === src && x.kind === kind);
    assert.ok(f, `no ${kind} scan from ${src}`);
    assert.ok((f.evidence['targets'] as number) >= min);
  });
}

test('bro-simple-scan backscatter.trace: no scan', { skip: skipUnless(scan('backscatter.trace')) }, async () => {
  const f = (await findingsOf(scan('backscatter.trace')!)).filter((x) => x.detector === 'scan');
  assert.deepEqual(f.map((x) => x.title), []);
});

const longPcap = dataPath('long', 'corelight-long-connections', 'testing', 'pcaps', 'long_connection.pcap');
test('corelight long_connection.pcap: the 6,805 s session is a long connection', { skip: skipUnless(longPcap) }, async () => {
  const f = (await findingsOf(longPcap!)).find((x) => x.detector === 'long_conn');
  assert.ok(f);
  assert.equal(f.src, '192.168.2.186');
  assert.equal(f.dst, '192.168.2.21');
  assert.equal(f.port, 1234);
  assert.ok(Math.abs((f.evidence['longest_s'] as number) - 6805) < 10, `${f.evidence['longest_s']}`);
});

for (const [n, dst, port] of [['xmr-eu1.nanopool.org.pcapng', '185.71.66.20', 14444], ['xmr.suprnova.cc.pcapng', '37.59.21.58', 5222]] as const) {
  const p = dataPath('mining', 'nesfit', 'PCAPs', n);
  test(`nesfit ${n}: Stratum session is mining`, { skip: skipUnless(p) }, async () => {
    const f = (await findingsOf(p!)).find((x) => x.detector === 'mining' && x.kind === 'protocol');
    assert.ok(f);
    assert.equal(f.src, '147.229.13.222');
    assert.equal(f.dst, dst);
    assert.equal(f.port, port);
  });
}
