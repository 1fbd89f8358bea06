/**
 * End-to-end tests of `c2hunt report` and `c2hunt allow` on the article's two cases, simulated by
 * the project's simulator (no data from outside the project), run as child processes.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate } from '../../sim/index.js';

let dir = '';
const labels: Record<string, { behaviours: { id: string; host: string; kind: string }[]; internal_nets: string[] }> = {};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'c2hunt-report-'));
  await Promise.all(['ramnit', 'smominru'].map(async (scenario) => {
    await simulate({ scenario, hosts: 40, durationSec: 4 * 3600, seed: 1 }, join(dir, `${scenario}.pcap`));
    labels[scenario] = JSON.parse(readFileSync(join(dir, `${scenario}.labels.json`), 'utf8'));
  }));
});
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

/**
 * Run `c2hunt ARGS` in a child process through a small entry point that registers the two
 * commands the way main.ts does; resolves with stdout, rejects with stderr when it fails.
 */
async function c2hunt(...args: string[]): Promise<string> {
  const entry = join(dir, 'entry.mjs');
  if (!existsSync(entry)) {
    writeFileSync(entry, `import { Command } from ${JSON.stringify(import.meta.resolve('commander'))};
import { registerReport } from ${JSON.stringify(new URL('./report.js', import.meta.url).href)};
import { registerAllow } from ${JSON.stringify(new URL('./allow.js', import.meta.url).href)};
const program = new Command('c2hunt').exitOverride();
registerReport(program); registerAllow(program);
try { await program.parseAsync(process.argv); } catch (e) { process.stderr.write('c2hunt: ' + e.message + '\\n'); process.exitCode = process.exitCode || 1; }
`);
  }
  const child = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await new Promise<number | null>((res) => child.on('close', res));
  if (code !== 0) throw new Error(`exit ${code}: ${err}`);
  return out;
}

const internal = (s: string) => labels[s]!.internal_nets.join(',');
interface Doc { incidents: { host: string | null; verdict: string; label: string; endpoints: { ips: string[]; domains: string[]; ports: number[] }; narrative: string[]; rules: string[] }[]; suppressed: { reason: string }[] }

describe('c2hunt report and allow', { concurrency: true }, () => {
test('case 1 (Ramnit): the labelled host beaconing to fget-career.com (89.185.44.100):443 about every 10 minutes; JSON to a file, alerts to JSON lines', async () => {
  const out = join(dir, 'r.json'), alerts = join(dir, 'alerts.jsonl');
  const said = await c2hunt('report', join(dir, 'ramnit.pcap'), '--out', out, '--internal', internal('ramnit'), '--alert', `jsonl:${alerts}`);
  assert.match(said, /^wrote .*r\.json \(json\): \d+ incident\(s\): 0 confirmed, 1 likely/);
  const doc = JSON.parse(readFileSync(out, 'utf8')) as Doc;
  const host = labels['ramnit']!.behaviours[0]!.host;
  const top = doc.incidents[0]!;
  assert.equal(top.host, host);
  assert.equal(top.verdict, 'likely', 'no intelligence feed yet: likely, not confirmed');
  assert.equal(top.label, 'C&C channel');
  assert.ok(top.endpoints.ips.includes('89.185.44.100'));
  assert.ok(top.endpoints.domains.includes('fget-career.com'));
  assert.deepEqual(top.endpoints.ports, [443]);
  assert.match(top.narrative.join(' '), /every (9 min 5\d s|10 min( 0\d s)?) ± [\d.]+ s on 443\/tcp/);
  assert.ok(doc.incidents.slice(1).every((i) => i.verdict !== 'likely' && i.verdict !== 'confirmed'), 'nothing else is likely or confirmed');
  const lines = readFileSync(alerts, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 1, 'only likely and above are alerted');
  assert.equal(lines[0].event.kind, 'alert');
  assert.equal(lines[0].source.ip, host);
  assert.equal(lines[0].destination.domain, 'fget-career.com');
});

test('case 2 (Smominru): the miner under C&C control on 107.191.99.55:5555 and the control channel to 118.184.176.15 and 78.142.29.152', async () => {
  const doc = JSON.parse(await c2hunt('report', join(dir, 'smominru.pcap'), '--format', 'json', '--internal', internal('smominru'), '--min-verdict', 'likely')) as Doc;
  const by = (id: string) => labels['smominru']!.behaviours.find((b) => b.id === id)!.host;
  const miner = doc.incidents.find((i) => i.host === by('smominru-miner'));
  const bot = doc.incidents.find((i) => i.host === by('smominru-c2-http'));
  assert.ok(miner && bot, JSON.stringify(doc.incidents.map((i) => i.host)));
  assert.equal(miner.label, 'miner under C&C control');
  assert.ok(miner.endpoints.ips.includes('107.191.99.55') && miner.endpoints.ports.includes(5555));
  assert.match(miner.narrative.join(' '), /held a connection of \d+ h \d+ min to xmr\.smnpool\.net \(107\.191\.99\.55\) on 5555\/tcp at [\d.]+ kbit\/s/);
  assert.equal(bot.label, 'C&C channel (miner botnet)');
  assert.deepEqual([...bot.endpoints.ips].sort(), ['118.184.176.15', '78.142.29.152']);
  assert.ok(doc.incidents.every((i) => i.verdict === 'likely' || i.verdict === 'confirmed'), '--min-verdict likely');
});

test('HTML with the allow-list applied: suppressed and said why; allow add, list, remove', async () => {
  const html = join(dir, 'r.html'), allow = join(dir, 'allow.json');
  assert.match(await c2hunt('allow', 'add', '--domain', '*.fget-career.com', '--reason', 'lab test traffic', '--expires', '1d', '--file', allow), /^added A[0-9a-f]{12}: domain \*\.fget-career\.com \(lab test traffic\), until /);
  assert.match(await c2hunt('report', join(dir, 'ramnit.pcap'), '--out', html, '--internal', internal('ramnit'), '--allow-file', allow), /0 confirmed, 0 likely.*[1-9]\d* finding\(s\) suppressed by the allow-list/);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /^<!doctype html>/);
  assert.match(page, /<svg class="chart"/);
  assert.match(page, /<h2>Suppressed by the allow-list \(\d+\)<\/h2>.*lab test traffic/s);
  assert.doesNotMatch(page, /badge v-likely">LIKELY<\/span> C&amp;C channel/);

  const listed = await c2hunt('allow', 'list', '--file', allow);
  const id = /A[0-9a-f]{12}/.exec(listed)![0];
  assert.match(listed, /domain \*\.fget-career\.com\s+lab test traffic/);
  assert.match(await c2hunt('allow', 'remove', id, '--file', allow), new RegExp(`^removed ${id} from `));
  assert.deepEqual(JSON.parse(readFileSync(allow, 'utf8')).entries, []);
  await assert.rejects(c2hunt('allow', 'add', '--reason', 'no matcher', '--file', allow), /needs exactly one matcher/);
  await assert.rejects(c2hunt('report', join(dir, 'ramnit.pcap'), '--alert', 'ftp://x'), /Cannot use alert sink 'ftp:\/\/x'/);
});
});
