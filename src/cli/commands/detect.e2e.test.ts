/**
 * End-to-end tests of `c2hunt detect`, `c2hunt findings` and `c2hunt config` (and `analyze
 * --config`) through dist/cli/main.js, on a small capture made by the project's simulator
 * (`c2hunt simulate --scenario ramnit --hosts 10 --duration 2h`, then `c2hunt ingest`).
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseWindow, LIVE_WINDOW } from './detect.js';
import { filterFindings } from './findings.js';
import type { Finding } from '../../detect/finding.js';

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
let dir = '';
let db = '';
let beaconHost = '';

/** Run `c2hunt ARGS` in `cwd`; resolves with exit code, stdout and stderr. */
async function runIn(cwd: string, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, C2HUNT_CONFIG: '', C2HUNT_INTEL_DIR: join(dir, 'no-intel') } });
  let out = '', err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await new Promise<number | null>((res) => child.on('close', res));
  return { code, out, err };
}

/** Run `c2hunt ARGS` in the test's directory. */
const run = (...args: string[]) => runIn(dir, ...args);

/** Run `c2hunt ARGS` in `cwd` (default: the test's directory); resolves with stdout, rejects when it fails. */
async function c2huntIn(cwd: string, ...args: string[]): Promise<string> {
  const r = await runIn(cwd, ...args);
  if (r.code !== 0) throw new Error(`c2hunt ${args.join(' ')}: exit ${r.code}: ${r.err}`);
  return r.out;
}
const c2hunt = (...args: string[]) => c2huntIn(dir, ...args);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'c2hunt-detect-'));
  db = join(dir, 's.duckdb');
  // A start long before now: the store is "made from captures", so detect covers everything.
  await c2hunt('simulate', '--scenario', 'ramnit', '--hosts', '10', '--duration', '2h', '--start', '2024-03-04T00:00:00Z', '-o', join(dir, 'ramnit.pcap'));
  const labels = JSON.parse(readFileSync(join(dir, 'ramnit.labels.json'), 'utf8')) as { behaviours: { host: string; kind: string }[] };
  beaconHost = labels.behaviours[0]!.host;
  await c2hunt('ingest', '--db', db, join(dir, 'ramnit.pcap'));
});
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

interface DetectDoc {
  window: { since: number | null; until: number | null; rule: string };
  records: { conn: number; dns: number };
  internal_hosts: number;
  findings: number;
  detectors: { detector: string; findings: number; by_severity: Record<string, number>; seconds: number }[];
}

describe('c2hunt detect, findings, config', { concurrency: true }, () => {
  test('detect runs every detector over the whole store and stores the findings; findings lists them ranked, stable across runs', async () => {
    const doc = JSON.parse(await c2hunt('detect', '--db', db, '--json')) as DetectDoc;
    assert.equal(doc.window.rule, 'everything');
    assert.deepEqual(doc.detectors.map((d) => d.detector), ['beacon', 'long_conn', 'scan', 'mining', 'dns']);
    assert.ok(doc.records.conn > 100 && doc.internal_hosts >= 5, JSON.stringify(doc.records));
    const beacon = doc.detectors[0]!;
    assert.ok(beacon.findings >= 1);
    assert.equal(Object.values(beacon.by_severity).reduce((a, b) => a + b, 0), beacon.findings);
    assert.equal(doc.findings, doc.detectors.reduce((n, d) => n + d.findings, 0));

    const listed = JSON.parse(await c2hunt('findings', '--db', db, '--json')) as { count: number; findings: Finding[] };
    assert.equal(listed.count, doc.findings);
    const top = listed.findings[0]!;
    for (const k of ['id', 'detector', 'kind', 'title', 'src', 'first', 'last', 'score', 'severity', 'evidence', 'reasons', 'uids', 'attack']) assert.ok(k in top, k);
    assert.equal(top.detector, 'beacon');
    assert.equal(top.src, beaconHost);
    assert.equal(top.fqdn, 'fget-career.com');
    assert.match(top.id, /^F[0-9a-f]{16}$/);
    assert.ok(top.score >= 0.85 && typeof top.evidence['period_s'] === 'number');
    for (let i = 1; i < listed.findings.length; i++) assert.ok(listed.findings[i - 1]!.score >= listed.findings[i]!.score || listed.findings[i - 1]!.severity !== listed.findings[i]!.severity);

    // Again: same ids, nothing duplicated.
    await c2hunt('detect', '--db', db, '--json');
    const again = JSON.parse(await c2hunt('findings', '--db', db, '--json')) as { count: number; findings: Finding[] };
    assert.deepEqual(again.findings.map((f) => f.id).sort(), listed.findings.map((f) => f.id).sort());

    // Filters and the table.
    const table = await c2hunt('findings', '--db', db, '--host', beaconHost, '--min-severity', 'high');
    assert.match(table, /^severity\s+score\s+detector\s+title\s+first\s+last\s+id\n/);
    assert.match(table, new RegExp(`${top.id}`));
    const one = JSON.parse(await c2hunt('findings', '--db', db, '--limit', '1', '--detector', 'beacon', '--json')) as { count: number; findings: Finding[] };
    assert.equal(one.findings.length, 1);
    assert.equal(one.count, listed.findings.filter((f) => f.detector === 'beacon').length);
    const bad = await run('findings', '--db', db, '--min-severity', 'severe');
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /unknown severity 'severe'/);
  });

  test('detect and analyze honour --config; a bad config stops them with the key named', async () => {
    const strict = join(dir, 'strict.json');
    writeFileSync(strict, JSON.stringify({ beacon: { minScore: 0.99 } }));
    const copy = join(dir, 'copy.duckdb');
    await c2hunt('ingest', '--db', copy, join(dir, 'ramnit.pcap'));
    const doc = JSON.parse(await c2hunt('detect', '--db', copy, '--config', strict, '--json')) as DetectDoc;
    assert.equal(doc.detectors[0]!.findings, 0);
    const analyzed = JSON.parse(await c2hunt('analyze', join(dir, 'ramnit.pcap'), '--no-db', '--no-intel', '--no-allow', '--config', strict, '--min-severity', 'info', '--json')) as { findings: Finding[] };
    assert.equal(analyzed.findings.filter((f) => f.detector === 'beacon').length, 0);

    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ beacon: { minScore: 'high' } }));
    for (const args of [['detect', '--db', copy, '--config', wrong], ['config', '--config', wrong]]) {
      const r = await run(...args);
      assert.equal(r.code, 1);
      assert.equal(r.err, `c2hunt: Cannot use config ${wrong}: beacon.minScore must be a number 0..1\n`);
    }
  });

  test('detect --partition I/N: the N runs together store the findings of one run; a malformed I/N is refused', async () => {
    const parted = join(dir, 'parted.duckdb');
    await c2hunt('ingest', '--db', parted, join(dir, 'ramnit.pcap'));
    const one = JSON.parse(await c2hunt('detect', '--db', parted, '--partition', '1/2', '--json')) as DetectDoc & { partition: { index: number; count: number } };
    assert.deepEqual(one.partition, { index: 1, count: 2 });
    const two = JSON.parse(await c2hunt('detect', '--db', parted, '--partition', '2/2', '--json')) as DetectDoc;
    assert.ok(one.records.conn > 0 && two.records.conn > 0);
    const wholeDb = join(dir, 'whole.duckdb');
    await c2hunt('ingest', '--db', wholeDb, join(dir, 'ramnit.pcap'));
    const whole = JSON.parse(await c2hunt('detect', '--db', wholeDb, '--json')) as DetectDoc;
    assert.equal(one.records.conn + two.records.conn, whole.records.conn);
    assert.equal(one.findings + two.findings, whole.findings);
    const list = async (store: string): Promise<string[]> =>
      (JSON.parse(await c2hunt('findings', '--db', store, '--limit', '10000', '--json')) as { findings: Finding[] }).findings.map((f) => JSON.stringify(f)).sort();
    assert.deepEqual(await list(parted), await list(wholeDb));
    const bad = await run('detect', '--db', parted, '--partition', '3/2');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /Cannot partition: I must be 1\.\.2/);
  });

  test('config prints effective values with units, defaults and sources; the default file is found in the working directory', async () => {
    const cwd = join(dir, 'cfg');
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'c2hunt.config.json'), JSON.stringify({ longConn: { minSession: 7200 } }));
    const doc = JSON.parse(await c2huntIn(cwd, 'config', '--json')) as { file: string; origin: string; settings: { key: string; value: unknown; default: unknown; unit: string; source: string }[] };
    assert.equal(doc.file, 'c2hunt.config.json');
    assert.equal(doc.origin, 'default-file');
    const row = doc.settings.find((s) => s.key === 'longConn.minSession')!;
    assert.deepEqual({ value: row.value, default: row.default, unit: row.unit, source: row.source }, { value: 7200, default: 3600, unit: 'seconds', source: 'c2hunt.config.json' });
    const text = await c2huntIn(cwd, 'config');
    assert.match(text, /^longConn\.minSession\s+\*7200\s+3600\s+seconds\s+c2hunt\.config\.json\s+a single session/m);
    assert.match(text, /^beacon\.minScore\s+0\.6\s+0\.6\s+score 0\.\.1\s+default\s/m);
    const none = JSON.parse(await c2hunt('config', '--json')) as { file: string | null; origin: string };
    assert.deepEqual(none, { ...none, file: null, origin: 'none' });
  });
});

test('filterFindings keeps a detector and a lowest severity, ranked order kept, up to the limit', () => {
  const f = (id: string, detector: Finding['detector'], severity: Finding['severity']): Finding => ({
    id, detector, severity, kind: 'x', title: id, src: '10.0.0.1', first: 0, last: 1, score: 0.5, evidence: {}, reasons: [], uids: [], attack: [],
  });
  const all = [f('a', 'beacon', 'critical'), f('b', 'scan', 'high'), f('c', 'beacon', 'medium'), f('d', 'dns', 'low'), f('e', 'beacon', 'info')];
  assert.deepEqual(filterFindings(all, {}).map((x) => x.id), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(filterFindings(all, { detector: 'beacon' }).map((x) => x.id), ['a', 'c', 'e']);
  assert.deepEqual(filterFindings(all, { minSeverity: 'medium' }).map((x) => x.id), ['a', 'b', 'c']);
  assert.deepEqual(filterFindings(all, { detector: 'beacon', minSeverity: 'low', limit: 1 }).map((x) => x.id), ['a']);
  assert.deepEqual(filterFindings(all, { detector: 'mining' }), []);
});

test('the default window: everything for a store of old captures, the last 24 h for a fed store, explicit when given', () => {
  const now = 2_000_000_000;
  assert.deepEqual(chooseWindow({ first: 1_000, last: now - 3 * 86400 }, now), { window: {}, rule: 'everything' });
  assert.deepEqual(chooseWindow({ first: 1_000, last: now - 600 }, now), { window: { since: now - LIVE_WINDOW }, rule: 'last-24h' });
  assert.deepEqual(chooseWindow(undefined, now), { window: {}, rule: 'everything' });
  const last = now - 10 * 86400;
  assert.deepEqual(chooseWindow({ first: 1_000, last }, now, '2h'), { window: { since: last - 7200 }, rule: 'explicit' });
  assert.throws(() => chooseWindow({ first: 1_000, last }, now, '2h', '3h'), /--since .* is not before --until/);
});
