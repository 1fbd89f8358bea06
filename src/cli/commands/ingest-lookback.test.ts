import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeDnsMessage, rdata } from '../../sensor/apps/dns/encode.js';
import { pcapFile, tcpConversation, udpFrame } from '../../sensor/testing/frames.js';

/** Runs `c2hunt ingest|lookback ...` through a program holding just these two commands. */
function c2hunt(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const here = new URL('.', import.meta.url).href;
  const script = `
    import { Command } from 'commander';
    import { registerIngest } from '${here}ingest.js';
    import { registerLookback } from '${here}lookback.js';
    const p = new Command('c2hunt').exitOverride();
    registerIngest(p); registerLookback(p);
    try { await p.parseAsync(process.argv.slice(1), { from: 'user' }); }
    catch (e) { if (!e.code?.startsWith?.('commander.')) process.stderr.write('c2hunt: ' + e.message + '\\n'); process.exitCode = e.exitCode ?? 1; }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', ...args], { encoding: 'utf8', cwd: process.cwd() });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const T0 = 1714521600;

function capture(): Uint8Array {
  const frames: { ts: number; data: Uint8Array }[] = [];
  const name = 'c2.evil.example';
  const q = encodeDnsMessage({ id: 7, flags: { rd: true }, questions: [{ name, qtype: 1 }] });
  const r = encodeDnsMessage({ id: 7, flags: { qr: true, rd: true, ra: true }, questions: [{ name, qtype: 1 }], answers: [{ name, type: 1, rdata: rdata.a('203.0.113.10') }] });
  frames.push({ ts: T0, data: udpFrame('10.0.0.5', '10.0.0.53', 40007, 53, q) }, { ts: T0 + 0.01, data: udpFrame('10.0.0.53', '10.0.0.5', 53, 40007, r) });
  for (let i = 0; i < 4; i++) {
    frames.push(...tcpConversation('10.0.0.5', '203.0.113.10', 50000 + i, 443, T0 + 1 + 60 * i, 'hello', 'world!'));
  }
  return pcapFile(frames);
}

test('c2hunt ingest then lookback ip/domain/host: tables, --json, windows, clean errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-cli-'));
  try {
    const cap = join(dir, 'c.pcap');
    writeFileSync(cap, capture());
    const db = join(dir, 'c.duckdb');

    const ing = c2hunt(['ingest', cap, '--db', db, '--json']);
    assert.equal(ing.code, 0, ing.stderr);
    const summary = JSON.parse(ing.stdout) as { ingested: number; records: { conn: number; dns: number }; files: { status: string }[] };
    assert.equal(summary.ingested, 1);
    assert.deepEqual([summary.records.conn, summary.records.dns], [5, 1]);

    const again = c2hunt(['ingest', cap, '--db', db]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already ingested/);
    assert.match(again.stdout, /files already ingested \(skipped\)\s+1/);

    const ip = c2hunt(['lookback', 'ip', '203.0.113.10', '--db', db, '--json']);
    assert.equal(ip.code, 0, ip.stderr);
    const r = JSON.parse(ip.stdout) as { names: { fqdn: string }[]; hosts: { host: string; conns: number; median_interval: number; ports: number[] }[] };
    assert.deepEqual(r.names.map((n) => n.fqdn), ['c2.evil.example']);
    assert.deepEqual(r.hosts.map((h) => [h.host, h.conns, h.median_interval, h.ports]), [['10.0.0.5', 4, 60, [443]]]);

    const table = c2hunt(['lookback', 'ip', '203.0.113.10', '--db', db, '--conns']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Names that resolved to it[\s\S]*c2\.evil\.example[\s\S]*Internal hosts that talked to it[\s\S]*10\.0\.0\.5\s+->\s+4\s+443\s+tcp[\s\S]*Connections/);

    const recent = c2hunt(['lookback', 'ip', '203.0.113.10', '--db', db, '--since', '90s', '--json']);
    assert.equal(recent.code, 0, recent.stderr);
    assert.deepEqual((JSON.parse(recent.stdout) as { hosts: { conns: number }[] }).hosts.map((h) => h.conns), [2]);

    const dom = c2hunt(['lookback', 'domain', 'evil.example', '--db', db]);
    assert.equal(dom.code, 0, dom.stderr);
    assert.match(dom.stdout, /Subdomains[\s\S]*c2\.evil\.example\s+1\s+0\s+1/);
    assert.match(dom.stdout, /Hosts that connected to its addresses[\s\S]*10\.0\.0\.5\s+yes\s+4/);

    const host = c2hunt(['lookback', 'host', '10.0.0.5', '--db', db, '--json']);
    assert.equal(host.code, 0, host.stderr);
    const h = JSON.parse(host.stdout) as { destinations: { key: string; names: string[] }[]; lookups: { key: string }[] };
    assert.deepEqual(h.destinations.map((d) => [d.key, d.names]), [['203.0.113.10', ['c2.evil.example']], ['10.0.0.53', []]]);
    assert.deepEqual(h.lookups.map((l) => l.key), ['c2.evil.example']);

    const bad = c2hunt(['lookback', 'ip', "203.0.113.10' OR '1'='1", '--db', db]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Cannot look back: .* is not an IPv4 or IPv6 address/);
    const badWhen = c2hunt(['lookback', 'host', '10.0.0.5', '--db', db, '--since', 'yesterday']);
    assert.equal(badWhen.code, 1);
    assert.match(badWhen.stderr, /Cannot parse time 'yesterday'/);
    const noDb = c2hunt(['lookback', 'ip', '1.2.3.4', '--db', join(dir, 'none.duckdb')]);
    assert.equal(noDb.code, 1);
    assert.match(noDb.stderr, /Cannot open store .*none\.duckdb: no such file/);
    const badRetain = c2hunt(['ingest', cap, '--db', db, '--retain', '30 days']);
    assert.notEqual(badRetain.code, 0);
    assert.match(badRetain.stderr, /Cannot parse duration/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
