import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TESTDATA } from '../../intel/testing.js';

const made: string[] = [];
after(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'c2hunt-intel-cli-'));
  made.push(d);
  return d;
}

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const COMMAND = new URL('./intel.js', import.meta.url).href;

/** Runs `c2hunt intel ...` through registerIntel on a bare program, with main.ts's error handling. */
function c2hunt(args: string[], env: Record<string, string> = {}): { code: number; out: string; err: string } {
  const script = `
import { Command, CommanderError } from 'commander';
import { registerIntel } from ${JSON.stringify(COMMAND)};
const p = new Command('c2hunt'); registerIntel(p); p.exitOverride();
try { await p.parseAsync(process.argv.slice(1), { from: 'user' }); } catch (e) {
  if (e instanceof CommanderError) process.exitCode = e.exitCode;
  else { process.stderr.write('c2hunt: ' + e.message + '\\n'); process.exitCode = 1; }
}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', ...args], {
    cwd: REPO, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('intel add, list, update, remove end to end', () => {
  const dir = tmp();
  const env = { C2HUNT_INTEL_DIR: join(dir, 'intel') };
  const feed = join(dir, 'feodo.csv');
  copyFileSync(TESTDATA + 'feodo-ipblocklist.csv', feed);

  let r = c2hunt(['intel', 'add', feed, '--name', 'feodo'], env);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^added feed feodo \(feodo-csv\) from .*feodo\.csv: 2 indicators \(ip 2\)\n2 broken entries left out:\n {2}line 12: '999\.1\.1\.1' is not an IP address\n/);

  r = c2hunt(['intel', 'add', TESTDATA + 'stix-bundle.json', '--name', 'stix', '--intel-dir', env.C2HUNT_INTEL_DIR, '--json']);
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).format, 'stix2');

  r = c2hunt(['intel', 'list'], env);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  assert.match(lines[0]!, /^name +format +indicators +by type +updated +source$/);
  assert.match(lines[2]!, /^feodo +feodo-csv +2 +ip 2 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ +\/.*feodo\.csv$/);
  assert.match(lines[3]!, /^stix +stix2 +9 +ip 3, cidr 1, domain 2, url 1, cert_sha1 1, sha256 1 /);

  // The source file disappears: update fails for it (exit 2), the version in force stays.
  rmSync(feed);
  r = c2hunt(['intel', 'update'], env);
  assert.equal(r.code, 2);
  assert.match(r.err, /^c2hunt: Cannot update feed feodo: .*feodo\.csv: no such file; the version of .* \(2 indicators\) stays in force\n$/);
  assert.match(r.out, /^stix: unchanged, 9 indicators\n$/);
  r = c2hunt(['intel', 'list', '--json'], env);
  const j = JSON.parse(r.out) as { feeds: { name: string; counts: Record<string, number>; last_error?: { message: string } }[] };
  assert.deepEqual(j.feeds.map((f) => [f.name, f.counts]), [['feodo', { ip: 2 }], ['stix', { ip: 3, cidr: 1, domain: 2, url: 1, cert_sha1: 1, sha256: 1 }]]);
  assert.match(j.feeds[0]!.last_error!.message, /^Cannot update feed feodo: .*no such file$/);

  r = c2hunt(['intel', 'remove', 'feodo'], env);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'removed feed feodo (2 indicators)\n');
  r = c2hunt(['intel', 'remove', 'feodo'], env);
  assert.equal(r.code, 1);
  assert.match(r.err, /^c2hunt: Cannot remove feed feodo: no such feed in /);
});

test('intel add refuses a broken feed with the line and reason; missing --name is a usage error', () => {
  const env = { C2HUNT_INTEL_DIR: join(tmp(), 'intel') };
  let r = c2hunt(['intel', 'add', TESTDATA + 'README.md', '--name', 'readme', '--format', 'plain'], env);
  assert.equal(r.code, 1);
  assert.match(r.err, /^c2hunt: Cannot add feed readme: no valid indicator \(plain\): line 3: more than one value on the line/);
  r = c2hunt(['intel', 'add', TESTDATA + 'plain.txt'], env);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /required option '--name <name>' not specified/);
  r = c2hunt(['intel', 'list', '--intel-dir', env.C2HUNT_INTEL_DIR, '--confidence', '101'], env);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /unknown option '--confidence'/);
});

test('intel check', () => {
  const r = c2hunt(['intel', 'check', TESTDATA + 'zeek-intel.dat']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /zeek-intel\.dat: zeek-intel, 5 indicators \(ip 1, cidr 1, domain 1, url 1, cert_sha1 1\)\n1 broken entry left out:\n {2}line 9: /);
  assert.match(r.out, /1 skipped: unsupported indicator_type Intel::EMAIL/);
});
