import { test } from 'node:test';
import assert from 'node:assert/strict';
import { correlate } from './correlate.js';
import { incidentId, rankIncidents, type Incident } from './incident.js';
import { finding, T0, ramnitCase, smominruCase, propagationCase, benignFindings, RAMNIT, SMOMINRU, PROPAGATION } from './fixtures.js';
import { Networks } from '../detect/networks.js';
import { benignEntry } from './endpoints.js';

const hostIncident = (incs: Incident[], host: string) => {
  const i = incs.find((x) => x.scope === 'host' && x.host === host);
  assert.ok(i, `no host incident for ${host}: ${incs.map((x) => x.headline).join(' | ')}`);
  return i;
};

test('case 1 (Ramnit) without intelligence: a likely C&C channel, told with the numbers', () => {
  const { ds, findings } = ramnitCase('none');
  const incs = correlate(findings, ds);
  assert.equal(incs.length, 1);
  const i = hostIncident(incs, RAMNIT.host);
  assert.equal(i.verdict, 'likely');
  assert.equal(i.rules[0], 'beacon_high');
  assert.equal(i.label, 'C&C channel');
  assert.deepEqual(i.endpoints, { ips: [RAMNIT.ip], domains: [RAMNIT.domain], ports: [443] });
  const text = i.narrative.join('\n');
  assert.match(i.narrative[0]!, /^Alert: /);
  assert.match(i.narrative[1]!, /^History: 89\.185\.44\.100 is fget-career\.com in the DNS history \(72 answer/);
  assert.match(text, /every 10 min 02 s ± 4\.0 s on 443\/tcp over 23 h 45 min/);
  assert.match(text, /\(no other host\)/);
  assert.match(i.narrative.at(-1)!, /^Next: isolate 10\.1\.1\.64.*block fget-career\.com.*89\.185\.44\.100 \(port 443\)/);
  assert.equal(i.id, incidentId('host', RAMNIT.host));
  assert.equal(i.first, findings[0]!.first);
});

test('case 1 (Ramnit) with intelligence on the address: confirmed, the family named, the alert told first', () => {
  const { ds, findings } = ramnitCase('ip');
  const [i] = correlate(findings, ds);
  assert.equal(i!.verdict, 'confirmed');
  assert.equal(i!.rules[0], 'intel_and_behaviour');
  assert.equal(i!.family, 'Ramnit');
  assert.equal(i!.findings.length, 2);
  assert.equal(i!.findings[0], findings[0]!.id, 'the beacon first');
  assert.match(i!.narrative[0]!, /^Alert: threat intelligence \(local-feed\) lists 89\.185\.44\.100 as Ramnit/);
  assert.match(i!.headline, /^CONFIRMED C&C channel: 10\.1\.1\.64 -> fget-career\.com \(89\.185\.44\.100:443\) \[Ramnit\]$/);
  assert.match(i!.narrative.at(-1)!, /scan 10\.1\.1\.64 for Ramnit/);
});

test('case 1 with intelligence on the domain only: passive DNS joins it to the beacon by address', () => {
  const { ds, findings } = ramnitCase('domain');
  // Make the beacon an address-only finding, as when the host connected without SNI.
  const beacon = { ...findings[0]!, fqdn: undefined, kind: 'ip_port' } as typeof findings[0];
  delete beacon.lookback;
  const [i] = correlate([beacon, findings[1]!], ds);
  assert.equal(i!.verdict, 'confirmed');
  assert.ok(i!.endpoints.domains.includes(RAMNIT.domain));
  // Without a dataset there is no passive DNS: only the beacon's own fields, so no join.
  const alone = correlate([beacon, findings[1]!], undefined);
  assert.equal(alone[0]!.verdict, 'likely');
});

test('case 2 (Smominru): a miner on one host and a periodic control channel on another: miner under C&C control', () => {
  const { ds, findings } = smominruCase();
  const incs = correlate(findings, ds);
  const miner = hostIncident(incs, SMOMINRU.miner);
  const bot = hostIncident(incs, SMOMINRU.bot);
  assert.equal(miner.label, 'miner under C&C control');
  assert.equal(miner.verdict, 'likely');
  assert.equal(miner.rules[0], 'miner_cc_network');
  assert.deepEqual(miner.endpoints.ips, [SMOMINRU.pool]);
  assert.ok(miner.endpoints.ports.includes(5555));
  assert.ok(miner.attack.includes('T1496'));
  assert.deepEqual(miner.related.map((r) => r.id), [bot.id]);
  assert.equal(bot.rules[0], 'miner_control_channel');
  assert.equal(bot.verdict, 'likely');
  assert.deepEqual([...bot.endpoints.ips].sort(), [SMOMINRU.c2a, SMOMINRU.c2b].sort());
  assert.deepEqual(bot.related.map((r) => r.id), [miner.id]);
  const text = miner.narrative.join('\n');
  assert.match(text, /held a connection of 6 h 10 min to xmr\.smnpool\.net \(107\.191\.99\.55\) on 5555\/tcp at 0\.34 kbit\/s/);
  assert.match(text, /XMRig/);
  assert.match(text, /not on a shared endpoint/, 'says what the cross-host link rests on');
  assert.match(bot.narrative[1]!, /No DNS answer in the history names 118\.184\.176\.15/);
  assert.match(bot.narrative.join('\n'), /every 20 min ± 40 s on 8888\/tcp/);
});

test('case 2 on one host: mining plus its own control channel is confirmed', () => {
  const { ds, findings } = smominruCase(true);
  const incs = correlate(findings, ds);
  assert.equal(incs.length, 1);
  assert.equal(incs[0]!.verdict, 'confirmed');
  assert.equal(incs[0]!.rules[0], 'miner_cc_same_host');
});

test('without the control channel a miner is a likely cryptominer, not one under C&C control', () => {
  const { ds, findings } = smominruCase();
  const incs = correlate(findings.filter((f) => f.detector !== 'beacon'), ds);
  assert.equal(incs.length, 1);
  assert.equal(incs[0]!.rules[0], 'mining_protocol');
  assert.equal(incs[0]!.label, 'cryptominer');
});

test('propagation: the scanned host (beyond the finding sample) calls the scanner\'s C&C: a confirmed chain', () => {
  const { ds, findings } = propagationCase();
  const incs = correlate(findings, ds);
  const scanner = hostIncident(incs, PROPAGATION.scanner);
  const victim = hostIncident(incs, PROPAGATION.victim);
  for (const i of [scanner, victim]) {
    assert.equal(i.verdict, 'confirmed');
    assert.equal(i.rules[0], 'propagation_chain');
  }
  assert.ok(scanner.related.some((r) => r.id === victim.id));
  assert.ok(victim.related.some((r) => r.id === scanner.id));
  assert.match(victim.narrative[1]!, /was scanned by 10\.1\.2\.50 \(first reached 2026-11-02 01:00:08Z\) before its first beacon/);
  assert.equal(scanner.targets?.length, 50);
  // The botnet view: one endpoint incident naming both hosts.
  const ep = incs.find((i) => i.scope === 'endpoint');
  assert.ok(ep);
  assert.deepEqual(ep.hosts, [PROPAGATION.scanner, PROPAGATION.victim]);
  assert.equal(ep.host, null);
  assert.ok(ep.rules.includes('shared_beacon'));
  // Without the dataset the victim is outside the scan's sample of targets: no chain.
  const blind = correlate(findings, undefined);
  assert.equal(hostIncident(blind, PROPAGATION.victim).rules.includes('propagation_chain'), false);
  assert.equal(hostIncident(blind, PROPAGATION.scanner).rules[0], 'shared_beacon');
});

test('a beacon that starts before the scan reached the host is not a chain', () => {
  const { ds, findings } = propagationCase();
  const early = findings.map((f) => (f.src === PROPAGATION.victim ? { ...f, first: PROPAGATION.scanAt - 3600 } : f));
  const incs = correlate(early, ds);
  assert.equal(hostIncident(incs, PROPAGATION.victim).rules.includes('propagation_chain'), false);
  assert.equal(hostIncident(incs, PROPAGATION.scanner).rules[0], 'shared_beacon');
});

test('benign catalogue findings become one informational incident per service; widely used services are capped at suspicious', () => {
  const incs = correlate(benignFindings(), undefined);
  assert.equal(incs.length, 2);
  const ntp = incs.find((i) => i.label.includes('NTP'))!;
  assert.equal(ntp.verdict, 'informational');
  assert.deepEqual(ntp.rules, ['benign_catalogue']);
  assert.deepEqual(ntp.hosts, ['10.1.1.42', '10.1.1.66', '10.1.1.80']);
  assert.equal(ntp.findings.length, 3);
  assert.equal(benignEntry('wss-primary.slack.com'), undefined, 'precondition: Slack is not in the benign periodic catalogue');
  const dbx = incs.find((i) => i.host === '10.1.1.16')!;
  assert.equal(dbx.verdict, 'suspicious');
  assert.equal(dbx.rules[0], 'well_known_service');
  assert.equal(incs[0], dbx, 'ranked above the informational one');
});

test('intelligence outranks the benign catalogue', () => {
  const [ntp] = benignFindings();
  const intel = finding('intel', 'ip', { src: ntp!.src, dst: '195.201.19.162', first: T0, last: T0, score: 0.9, evidence: { feed: 'f', indicator: '195.201.19.162' } }, '195.201.19.162');
  const incs = correlate([ntp!, intel], undefined);
  assert.equal(incs.length, 1);
  assert.equal(incs[0]!.verdict, 'confirmed');
});

test('single behaviours: long connection alone suspicious, internal sweep likely, external sweep informational, intel alone by score', () => {
  const lc = finding('long_conn', 'session', { src: '10.0.0.5', dst: '198.51.100.7', port: 22, proto: 'tcp', first: T0, last: T0 + 7200, score: 0.7, evidence: { longest_s: 7200, kbit_per_s: 1.2 } }, '198.51.100.7');
  const inScan = finding('scan', 'horizontal', { src: '10.0.0.6', port: 445, proto: 'tcp', first: T0, last: T0 + 60, score: 0.9, dsts: ['10.0.0.7'], evidence: { targets: 200, failed_targets: 190 } }, '445/tcp');
  const outScan = finding('scan', 'horizontal', { src: '198.51.100.9', port: 23, proto: 'tcp', first: T0, last: T0 + 60, score: 0.9, dsts: ['10.0.0.7'], evidence: { targets: 80, failed_targets: 80 } }, '23/tcp');
  const intelHi = finding('intel', 'ip', { src: '10.0.0.8', dst: '192.0.2.1', first: T0, last: T0, score: 0.9, evidence: { indicator: '192.0.2.1' } }, '192.0.2.1');
  const intelLo = finding('intel', 'ip', { src: '10.0.0.9', dst: '192.0.2.2', first: T0, last: T0, score: 0.5, evidence: { indicator: '192.0.2.2' } }, '192.0.2.2');
  const incs = correlate([lc, inScan, outScan, intelHi, intelLo], undefined, { internal: new Networks(['10.0.0.0/8']) });
  const by = (h: string) => hostIncident(incs, h);
  assert.deepEqual([by('10.0.0.5').verdict, by('10.0.0.5').rules[0]], ['suspicious', 'long_conn']);
  assert.deepEqual([by('10.0.0.6').verdict, by('10.0.0.6').rules[0]], ['likely', 'internal_scan']);
  assert.match(by('10.0.0.6').headline, /200 hosts on 445/);
  assert.match(by('10.0.0.6').narrative.at(-1)!, /check the 10 host\(s\) that answered.*port 445 \(SMB/);
  assert.deepEqual([by('198.51.100.9').verdict, by('198.51.100.9').rules[0]], ['informational', 'external_scan']);
  assert.deepEqual([by('10.0.0.8').verdict, by('10.0.0.8').rules[0]], ['likely', 'intel_high']);
  assert.deepEqual([by('10.0.0.9').verdict, by('10.0.0.9').rules[0]], ['suspicious', 'intel']);
  assert.deepEqual(incs.map((i) => i.verdict), ['likely', 'likely', 'suspicious', 'suspicious', 'informational'], 'ranked by verdict');
});

test('ids and output are stable: same findings in any order give the same incidents', () => {
  const a = smominruCase(), b = propagationCase();
  const all = [...a.findings, ...b.findings, ...benignFindings()];
  // One dataset for both: use the propagation one (the smominru cross-host rule needs none).
  const x = correlate(all, b.ds);
  const y = correlate([...all].reverse(), b.ds);
  assert.deepEqual(y.map((i) => i.id), x.map((i) => i.id));
  assert.deepEqual(y.map((i) => i.verdict), x.map((i) => i.verdict));
  assert.deepEqual(y.map((i) => [...i.findings].sort()), x.map((i) => [...i.findings].sort()));
  assert.equal(new Set(x.map((i) => i.id)).size, x.length);
  for (const i of x) for (const r of i.related) assert.ok(x.some((o) => o.id === r.id), `dangling link ${r.id}`);
});

test('no findings, no incidents', () => {
  assert.deepEqual(correlate([], undefined), []);
});

test('property: any mix of findings gives incidents that cover every finding, with unique ids, valid verdicts and narratives', async () => {
  const fc = (await import('fast-check')).default;
  const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
  const pool = [...ramnitCase('ip').findings, ...smominruCase().findings, ...propagationCase().findings, ...benignFindings()];
  const ds = propagationCase().ds;
  fc.assert(fc.property(
    fc.subarray(pool), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: pool.length, maxLength: pool.length }), fc.boolean(),
    (subset, scores, withDs) => {
      const fs = subset.map((f, i) => ({ ...f, score: scores[i]! }));
      const incs = correlate(fs, withDs ? ds : undefined);
      const covered = new Set(incs.flatMap((i) => i.findings));
      for (const f of fs) assert.ok(covered.has(f.id), `finding ${f.id} in no incident`);
      assert.equal(new Set(incs.map((i) => i.id)).size, incs.length);
      for (const i of incs) {
        assert.ok(['confirmed', 'likely', 'suspicious', 'informational'].includes(i.verdict));
        assert.ok(i.narrative.length >= 4 && i.narrative.every((p) => p.length > 0 && !p.includes('undefined') && !p.includes('NaN')), i.narrative.join('\n'));
        assert.ok(i.score >= 0 && i.score <= 1);
        assert.ok(i.first <= i.last);
      }
      for (let k = 1; k < incs.length; k++) assert.ok(rankIncidents(incs[k - 1]!, incs[k]!) <= 0, 'ranked');
    }), { numRuns: RUNS });
});

test('scan headlines name what was scanned: ping sweeps in hosts pinged, TRW decisions in failed hosts', () => {
  const sweep = finding('scan', 'icmp_sweep', { src: '10.0.0.20', proto: 'icmp', first: T0, last: T0 + 30, score: 0.8, dsts: ['10.0.0.21'], evidence: { targets: 253, hosts_probed: 253, hosts_replied: 12 } }, 'ipv4');
  const trw = finding('scan', 'trw', { src: '10.0.0.30', first: T0, last: T0 + 5, score: 0.6, evidence: { targets: 9, failed_targets: 7 } }, '10.0.0.30');
  const incs = correlate([sweep, trw], undefined, { internal: new Networks(['10.0.0.0/8']) });
  assert.match(hostIncident(incs, '10.0.0.20').headline, /253 hosts pinged/);
  assert.doesNotMatch(hostIncident(incs, '10.0.0.20').headline, /ports of/);
  assert.match(hostIncident(incs, '10.0.0.30').headline, /7 of 9 hosts failed/);
});
