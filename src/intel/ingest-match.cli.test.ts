import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeDnsMessage, rdata } from '../sensor/apps/dns/encode.js';
import { pcapFile, tcpConversation, udpFrame } from '../sensor/testing/frames.js';

const RAMNIT_FEED = resolve(process.cwd(), 'examples/intel/ramnit.misp.json');

/** Runs `c2hunt ingest ...` through a program holding just that command, with its own feed directory. */
function c2hunt(args: string[], intelDir: string): { code: number | null; stdout: string; stderr: string } {
  const mod = new URL('../cli/commands/ingest.js', import.meta.url).href;
  const script = `
    import { Command } from 'commander';
    import { registerIngest } from '${mod}';
    const p = new Command('c2hunt').exitOverride();
    registerIngest(p);
    try { await p.parseAsync(process.argv.slice(1), { from: 'user' }); }
    catch (e) { if (!e.code?.startsWith?.('commander.')) process.stderr.write('c2hunt: ' + e.message + '\\n'); process.exitCode = e.exitCode ?? 1; }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', ...args], {
    encoding: 'utf8', cwd: process.cwd(), env: { ...process.env, C2HUNT_INTEL_DIR: intelDir },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const T0 = 1714521600;

/** 10.0.0.5 resolves fget-career.com and talks to its address (no TLS, no HTTP). */
function capture(): Uint8Array {
  const name = 'fget-career.com', ip = '89.185.44.100';
  const q = encodeDnsMessage({ id: 7, flags: { rd: true }, questions: [{ name, qtype: 1 }] });
  const r = encodeDnsMessage({ id: 7, flags: { qr: true, rd: true, ra: true }, questions: [{ name, qtype: 1 }], answers: [{ name, type: 1, rdata: rdata.a(ip) }] });
  return pcapFile([
    { ts: T0, data: udpFrame('10.0.0.5', '10.0.0.53', 40007, 53, q) }, { ts: T0 + 0.01, data: udpFrame('10.0.0.53', '10.0.0.5', 53, 40007, r) },
    ...tcpConversation('10.0.0.5', ip, 50000, 443, T0 + 1, 'hello', 'world!'),
  ]);
}

interface IngestJson {
  ingested: number; already_ingested: number;
  intel: { indicators: number; hits?: number; hosts?: number; alerts?: { sent: number; failures: unknown[] } };
}

test('c2hunt ingest --intel FILE --alert jsonl:PATH: hits stored, summarised and alerted once; --no-intel; bad feed', { skip: !existsSync(RAMNIT_FEED) && 'examples/intel absent' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-cli-intel-'));
  try {
    const feeds = join(dir, 'feeds');
    mkdirSync(feeds);
    const cap = join(dir, 'c.pcap');
    writeFileSync(cap, capture());
    const db = join(dir, 'c.duckdb');
    const alerts = join(dir, 'alerts.jsonl');

    const text = c2hunt(['ingest', cap, '--db', db, '--intel', RAMNIT_FEED, '--alert', `jsonl:${alerts}`], feeds);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /intelligence: 2 hits on 1 host/);
    assert.match(text.stdout, /10\.0\.0\.5 talked to 89\.185\.44\.100/);
    assert.match(text.stdout, /alerts: 2 sent to 1 sink/);
    const docs = readFileSync(alerts, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { rule: { category: string }; source: { ip: string } });
    assert.equal(docs.length, 2);
    assert.ok(docs.every((d) => d.rule.category === 'intel' && d.source.ip === '10.0.0.5'));

    const again = c2hunt(['ingest', cap, '--db', db, '--intel', RAMNIT_FEED, '--alert', `jsonl:${alerts}`, '--json'], feeds);
    assert.equal(again.code, 0, again.stderr);
    const j = JSON.parse(again.stdout) as IngestJson;
    assert.equal(j.already_ingested, 1);
    assert.equal(j.intel.hits, 0);
    assert.equal(j.intel.alerts?.sent, 0);
    assert.equal(readFileSync(alerts, 'utf8').trim().split('\n').length, 2, 'no duplicate alert');

    const none = c2hunt(['ingest', cap, '--db', join(dir, 'd.duckdb'), '--intel', RAMNIT_FEED, '--no-intel', '--json'], feeds);
    assert.equal(none.code, 0, none.stderr);
    const n = JSON.parse(none.stdout) as IngestJson;
    assert.equal(n.ingested, 1);
    assert.equal(n.intel.indicators, 0);
    assert.equal(n.intel.hits, undefined);

    const bad = c2hunt(['ingest', cap, '--db', join(dir, 'e.duckdb'), '--intel', join(dir, 'missing.csv')], feeds);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Cannot read intelligence .*missing\.csv/);
    assert.equal(existsSync(join(dir, 'e.duckdb')), false, 'the store is not touched when the intelligence cannot be read');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
