/**
 * End-to-end tests of `c2hunt decode` through the real command line, on captures built byte by
 * byte (no files from outside the project).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pcapFile, tcpConversation, udpFrame } from '../sensor/testing/frames.js';
import { encodeDnsMessage } from '../sensor/apps/dns/index.js';

const CLI = resolve(process.cwd(), 'dist/cli/main.js');

function c2hunt(args: string[], input?: Uint8Array) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function sampleCapture(): Uint8Array {
  const q = encodeDnsMessage({ id: 0x1234, flags: { rd: true }, questions: [{ name: 'fget-career.com', qtype: 1 }] });
  const a = encodeDnsMessage({
    id: 0x1234, flags: { qr: true, rd: true, ra: true }, questions: [{ name: 'fget-career.com', qtype: 1 }],
    answers: [{ name: 'fget-career.com', type: 1, ttl: 300, rdata: new Uint8Array([89, 185, 44, 100]) }],
  });
  return pcapFile([
    { ts: 1700000000, data: udpFrame('10.1.0.5', '10.1.255.53', 50000, 53, q) },
    { ts: 1700000000.01, data: udpFrame('10.1.255.53', '10.1.0.5', 53, 50000, a) },
    ...tcpConversation('10.1.0.5', '89.185.44.100', 40000, 80, 1700000001, 'GET /index.php HTTP/1.1\r\nHost: fget-career.com\r\nUser-Agent: t\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
  ]);
}

test('decode writes JSON lines with Zeek names and prints a summary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2h-'));
  writeFileSync(join(dir, 'in.pcap'), sampleCapture());
  const r = c2hunt(['decode', join(dir, 'in.pcap'), '--out', join(dir, 'out')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /packets\s+10/);
  assert.match(r.out, /dns records\s+1/);
  assert.match(r.out, /MB\/s/);
  assert.deepEqual(readdirSync(join(dir, 'out')).sort(), ['conn.jsonl', 'dns.jsonl', 'http.jsonl']);
  const conns = readFileSync(join(dir, 'out', 'conn.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(conns.length, 2);
  const http = conns.find((c) => c['service'] === 'http');
  assert.equal(http['id.orig_h'], '10.1.0.5');
  assert.equal(http['id.resp_p'], 80);
  assert.equal(http['conn_state'], 'SF');
  assert.match(http['community_id'], /^1:/);
  const dns = JSON.parse(readFileSync(join(dir, 'out', 'dns.jsonl'), 'utf8'));
  assert.equal(dns['query'], 'fget-career.com');
  assert.deepEqual(dns['answers'], ['89.185.44.100']);
  assert.equal(dns['uid'], conns.find((c) => c['service'] === 'dns')['uid']);
  const h = JSON.parse(readFileSync(join(dir, 'out', 'http.jsonl'), 'utf8'));
  assert.equal(h['host'], 'fget-career.com');
  assert.equal(h['uri'], '/index.php');
  assert.equal(h['status_code'], 200);
});

test('decode --format zeek writes TSV logs with #fields/#types headers; gzip on stdin works', () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2h-'));
  const r = c2hunt(['decode', '-', '--format', 'zeek', '--out', dir, '--json'], gzipSync(sampleCapture()));
  assert.equal(r.code, 0, r.err);
  const summary = JSON.parse(r.out);
  assert.equal(summary.captures[0].gzip, true);
  assert.equal(summary.captures[0].packets, 10);
  const log = readFileSync(join(dir, 'conn.log'), 'utf8').split('\n');
  assert.equal(log[0], '#separator \\x09');
  const fields = log.find((l) => l.startsWith('#fields'))!.split('\t').slice(1);
  const types = log.find((l) => l.startsWith('#types'))!.split('\t').slice(1);
  assert.deepEqual(fields.slice(0, 6), ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p']);
  assert.equal(fields.length, types.length);
  assert.equal(types[fields.indexOf('duration')], 'interval');
  const rows = log.filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t'));
  assert.equal(rows.length, 2);
  assert.ok(rows.every((row) => row.length === fields.length));
  assert.ok(log[log.length - 2]!.startsWith('#close'));
});

test('a truncated capture keeps what came before, exits 2 and says where', () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2h-'));
  const full = sampleCapture();
  writeFileSync(join(dir, 'cut.pcap'), full.subarray(0, full.length - 30));
  const r = c2hunt(['decode', join(dir, 'cut.pcap'), '--out', join(dir, 'out')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /truncated/i);
  assert.match(r.err, /byte \d+/);
  const conns = readFileSync(join(dir, 'out', 'conn.jsonl'), 'utf8').trim().split('\n');
  assert.equal(conns.length, 2, 'both connections kept');
});

test('not a capture: a clear error naming what it looks like', () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2h-'));
  writeFileSync(join(dir, 'conn.log'), '#separator \\x09\n#fields\tts\n');
  const r = c2hunt(['decode', join(dir, 'conn.log'), '--out', join(dir, 'out')]);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /Zeek log/);
});

test('--help teaches: every command lists examples', () => {
  for (const cmd of ['decode', 'analyze', 'simulate', 'demo']) {
    const r = c2hunt([cmd, '--help']);
    assert.equal(r.code, 0, `${cmd}: ${r.err}`);
    assert.match(r.out, /Usage: c2hunt/);
  }
  assert.match(c2hunt(['decode', '--help']).out, /Examples:/);
  const bad = c2hunt(['nosuchcommand']);
  assert.notEqual(bad.code, 0);
});
