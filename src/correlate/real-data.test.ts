/**
 * Incidents on the public captures with documented ground truth (../shared/data/README.md): the
 * incident names the right host, endpoint and verdict. Each test skips when the data is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeCaptures } from '../analyze.js';
import { dataPath, skipUnless } from '../testing/data.js';
import { correlate } from './correlate.js';
import type { Incident, Verdict } from './incident.js';

async function incidentsOf(path: string): Promise<Incident[]> {
  const r = await analyzeCaptures([path]);
  return correlate(r.findings, r.dataset);
}

const CASES: { name: string; path: (string | undefined); host: string; ip?: string; port?: number; verdicts: Verdict[]; rule?: string; also?: (incs: Incident[]) => void }[] = [
  {
    // The Caldera agent's HTTP beacon; its mDNS announcements are local discovery, not C&C.
    name: 'Caldera sandcat.pcap: agent 172.18.0.3 -> C2 172.18.0.2:8888',
    path: dataPath('beacon', 'caldera', 'testing', 'Traces', 'sandcat.pcap'), host: '172.18.0.3', ip: '172.18.0.2', port: 8888, verdicts: ['likely', 'suspicious'],
    also: (incs) => assert.ok(incs.some((i) => i.verdict === 'informational' && i.endpoints.ips.includes('224.0.0.251')), 'mDNS is informational'),
  },
  {
    name: 'Slips test-cc-capture-1.pcap: 147.32.80.37 -> testing.com (141.193.213.21:443) every 2 s',
    path: dataPath('beacon', 'slips-test-cc', 'test-cc-capture-1.pcap'), host: '147.32.80.37', ip: '141.193.213.21', port: 443, verdicts: ['likely'], rule: 'beacon_high',
  },
  {
    name: 'bro-simple-scan 445_scan.pcap: a sweep from the internet is informational',
    path: dataPath('scan', 'bro-simple-scan', '445_scan.pcap'), host: '176.192.150.3', port: 445, verdicts: ['informational'], rule: 'external_scan',
  },
  {
    name: 'bro-simple-scan scan_with_zero_windows.pcap: an internal telnet sweep is likely propagation',
    path: dataPath('scan', 'bro-simple-scan', 'scan_with_zero_windows.pcap'), host: '10.0.0.1', port: 23, verdicts: ['likely'], rule: 'internal_scan',
  },
  {
    name: 'corelight long_connection.pcap: a long connection alone is suspicious',
    path: dataPath('long', 'corelight-long-connections', 'testing', 'pcaps', 'long_connection.pcap'), host: '192.168.2.186', ip: '192.168.2.21', port: 1234, verdicts: ['suspicious'], rule: 'long_conn',
  },
  {
    name: 'nesfit xmr-eu1.nanopool.org.pcapng: a Stratum session is a likely cryptominer',
    path: dataPath('mining', 'nesfit', 'PCAPs', 'xmr-eu1.nanopool.org.pcapng'), host: '147.229.13.222', ip: '185.71.66.20', port: 14444, verdicts: ['likely'], rule: 'mining_protocol',
  },
];

for (const c of CASES) {
  test(c.name, { skip: skipUnless(c.path) }, async () => {
    const incs = await incidentsOf(c.path!);
    const top = incs[0]!;
    assert.equal(top.host, c.host, incs.map((i) => i.headline).join(' | '));
    if (c.ip !== undefined) assert.equal(top.endpoints.ips[0], c.ip);
    if (c.port !== undefined) assert.equal(top.endpoints.ports[0], c.port);
    assert.ok(c.verdicts.includes(top.verdict), `verdict ${top.verdict}: ${top.headline}`);
    if (c.rule !== undefined) assert.equal(top.rules[0], c.rule);
    c.also?.(incs);
  });
}
