/** Marking an incident as a false positive: the next analysis suppresses its findings and says so. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve(process.cwd(), 'dist/cli/main.js');
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

test('allow add --incident ID --from analysis.json suppresses the incident in the next analysis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2h-allow-'));
  const pcap = join(dir, 'r.pcap');
  assert.equal(run(['simulate', '--scenario', 'ramnit', '--hosts', '10', '--duration', '2h', '--out', pcap]).status, 0);
  const a = run(['analyze', pcap, '--no-db', '--no-intel', '--internal', '10.1.0.0/16', '--json']);
  assert.equal(a.status, 0, a.stderr);
  const doc = JSON.parse(a.stdout) as { incidents: { id: string; verdict: string; findings: string[]; headline: string }[] };
  const c2 = doc.incidents.find((i) => i.headline.includes('fget-career.com'));
  assert.ok(c2, 'the Ramnit incident');
  writeFileSync(join(dir, 'a.json'), a.stdout);
  const allow = join(dir, 'allow.json');
  const add = run(['allow', 'add', '--incident', c2.id, '--from', join(dir, 'a.json'), '--reason', 'lab host', '--file', allow]);
  assert.equal(add.status, 0, add.stderr);
  const entries = JSON.parse(readFileSync(allow, 'utf8')).entries as { finding: string; reason: string }[];
  assert.deepEqual(entries.map((e) => e.finding).sort(), [...c2.findings].sort());
  assert.ok(entries.every((e) => e.reason.includes(c2.id)));
  const b = run(['analyze', pcap, '--no-db', '--no-intel', '--internal', '10.1.0.0/16', '--allow-file', allow, '--json']);
  const after = JSON.parse(b.stdout) as { incidents: { headline: string }[]; suppressed: { finding: string; reason: string }[] };
  assert.ok(!after.incidents.some((i) => i.headline.includes('fget-career.com')));
  assert.equal(after.suppressed.length, c2.findings.length);
  assert.match(after.suppressed[0]!.reason, /lab host/);
  assert.deepEqual(after.suppressed.map((x) => x.finding).sort(), [...c2.findings].sort());
  const missing = run(['allow', 'add', '--incident', 'I0000000000000000', '--from', join(dir, 'a.json'), '--reason', 'x', '--file', allow]);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /no incident I0000000000000000/);
});
