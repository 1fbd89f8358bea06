/**
 * Benchmark (a script, not a test): correlation and report rendering at scale on synthetic
 * findings and connections. `node dist/correlate/bench.js [findings] [conns]` prints seconds per
 * stage. Defaults: 20,000 findings (beacons, scans, mining, intel) over 5,000 hosts, 1,000,000
 * connections.
 */
import { buildDataset } from '../detect/dataset.js';
import { Networks } from '../detect/networks.js';
import type { ConnRecord } from '../records/schema.js';
import type { Finding } from '../detect/finding.js';
import { conn, finding, T0 } from './fixtures.js';
import { correlate } from './correlate.js';
import { renderReport } from '../report/render.js';

const nFindings = Number(process.argv[2] ?? 20_000);
const nConns = Number(process.argv[3] ?? 1_000_000);
const hosts = 5000;
const host = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const ext = (i: number) => `198.${51 + ((i >> 16) & 3)}.${(i >> 8) & 255}.${i & 255}`;

const t0 = performance.now();
const conns: ConnRecord[] = [];
for (let i = 0; i < nConns; i++) conns.push(conn({ ts: T0 + (i * 86400) / nConns, orig_h: host(i % hosts), resp_h: ext(i % 20_000), resp_p: 443 }));
const ds = buildDataset({ conn: conns }, new Networks());
const t1 = performance.now();
const findings: Finding[] = [];
for (let i = 0; i < nFindings; i++) {
  const src = host(i % hosts), dst = ext(i % 20_000);
  const k = i % 100;
  if (k < 90) findings.push(finding('beacon', 'ip_port', { src, dst, port: 443, proto: 'tcp', first: T0, last: T0 + 86400, score: 0.6 + (i % 40) / 100, evidence: { period_s: 600, jitter: 0.01, beats: 144, span_s: 86400 } }, `${dst}:443`));
  else if (k < 95) findings.push(finding('scan', 'horizontal', { src, port: 445, proto: 'tcp', first: T0, last: T0 + 600, score: 0.9, dsts: [ext(i + 1)], evidence: { targets: 100, failed_targets: 90 } }, `445/${i}`));
  else if (k < 97) findings.push(finding('mining', 'protocol', { src, dst, port: 3333, first: T0, last: T0 + 86400, score: 1, evidence: {} }, dst));
  else findings.push(finding('intel', 'ip', { src, dst, first: T0, last: T0, score: 0.9, evidence: { feed: 'bench', indicator: dst, family: 'Bench' } }, dst));
}
const t2 = performance.now();
const incidents = correlate(findings, ds);
const t3 = performance.now();
const html = renderReport({ findings, dataset: ds }, incidents, 'html', { minVerdict: 'likely' });
const t4 = performance.now();
const md = renderReport({ findings, dataset: ds }, incidents, 'md');
const t5 = performance.now();
const s = (a: number, b: number) => ((b - a) / 1000).toFixed(2);
process.stdout.write(`${nConns} conns, ${nFindings} findings -> ${incidents.length} incidents\n`
  + `dataset ${s(t0, t1)} s, findings ${s(t1, t2)} s, correlate ${s(t2, t3)} s, html ${s(t3, t4)} s (${(html.length / 1e6).toFixed(1)} MB), md ${s(t4, t5)} s (${(md.length / 1e6).toFixed(1)} MB)\n`);
