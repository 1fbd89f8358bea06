import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { encodeDnsMessage, rdata } from '../sensor/apps/dns/encode.js';
import { pcapFile, tcpConversation, udpFrame } from '../sensor/testing/frames.js';
import { ingestPaths, hashFile, sniffCapture } from './ingest.js';
import { openDuckDBStore } from './duckdb/duckdb-store.js';
import { lookbackIp } from './lookback.js';
import { writeBigCapture } from './testing/big-capture.js';
import { T0 } from './testing/fixture.js';

/** Frames of one DNS lookup (query and answer) of `name` -> `ip` by `client` at `ts`. */
function dnsLookup(client: string, name: string, ip: string, ts: number, id: number): { ts: number; data: Uint8Array }[] {
  const q = encodeDnsMessage({ id, flags: { rd: true }, questions: [{ name, qtype: 1 }] });
  const r = encodeDnsMessage({ id, flags: { qr: true, rd: true, ra: true }, questions: [{ name, qtype: 1 }], answers: [{ name, type: 1, ttl: 60, rdata: rdata.a(ip) }] });
  return [
    { ts, data: udpFrame(client, '10.0.0.53', 40000 + id, 53, q) },
    { ts: ts + 0.01, data: udpFrame('10.0.0.53', client, 53, 40000 + id, r) },
  ];
}

/** A small capture: a lookup of c2.evil.example and an HTTP conversation with its address. */
function smallCapture(ts: number, id: number): Uint8Array {
  return pcapFile([
    ...dnsLookup('10.0.0.5', 'c2.evil.example', '203.0.113.10', ts, id),
    ...tcpConversation('10.0.0.5', '203.0.113.10', 50000 + id, 80, ts + 1, 'GET /a HTTP/1.1\r\nHost: c2.evil.example\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
  ]);
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'c2hunt-ingest-'));
}

test('captures are recognised by content (plain, gzip, any name) and ingested; the same content is skipped', async () => {
  const dir = tmp();
  try {
    const a = join(dir, 'a.pcap');
    writeFileSync(a, smallCapture(T0, 1));
    writeFileSync(join(dir, 'b.bin'), gzipSync(smallCapture(T0 + 3600, 2)));
    assert.equal(await sniffCapture(a), 'pcap');
    assert.equal(await sniffCapture(join(dir, 'b.bin')), 'pcap');
    const store = await openDuckDBStore(join(dir, 's.duckdb'));
    try {
      const s1 = await ingestPaths(store, [a, join(dir, 'b.bin')]);
      assert.deepEqual(s1.files.map((f) => [f.status, f.format]), [['ingested', 'pcap'], ['ingested', 'pcap']]);
      assert.equal(s1.ingested, 2);
      assert.equal(s1.records.conn, 4);
      assert.equal(s1.records.dns, 2);
      assert.equal(s1.records.http, 2);
      assert.equal(s1.files[0]!.sha256, await hashFile(a));
      const counts = await store.counts();

      copyFileSync(a, join(dir, 'renamed.pcap'));
      const s2 = await ingestPaths(store, [a, join(dir, 'renamed.pcap'), join(dir, 'b.bin')]);
      assert.deepEqual(s2.files.map((f) => f.status), ['already_ingested', 'already_ingested', 'already_ingested']);
      assert.match(s2.files.find((f) => f.path.endsWith('renamed.pcap'))!.reason!, /same content as .*\/a\.pcap/);
      assert.equal(s2.already_ingested, 3);
      assert.deepEqual(await store.counts(), counts, 'nothing was added');

      // Passive DNS across the two captures (two ingests, an hour apart).
      const r = await lookbackIp(store, '203.0.113.10');
      assert.deepEqual(r.names, [{ fqdn: 'c2.evil.example', ip: '203.0.113.10', first: T0, last: T0 + 3600, count: 2 }]);
      assert.deepEqual(r.hosts.map((h) => [h.host, h.conns, h.ports, h.median_interval]), [['10.0.0.5', 2, [80], 3600]]);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a folder: logs through the log readers with bad lines numbered, captures by content, junk reported, run goes on', async () => {
  const dir = tmp();
  try {
    const logs = join(dir, 'logs');
    const day = join(logs, '2024-05-01');
    rmSync(day, { recursive: true, force: true });
    await import('node:fs').then((fs) => fs.mkdirSync(day, { recursive: true }));
    writeFileSync(join(day, 'conn.00:00:00-01:00:00.log'), [
      '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn',
      '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes',
      '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tcount\tstring\tcount\tcount\tcount\tcount',
      `${T0}.000000\tCa1\t10.0.0.7\t5000\t203.0.113.20\t443\ttcp\tssl\t1.0\t10\t20\tSF\t0\tShADadFf\t3\t100\t3\t200`,
      'this line is broken',
      `${T0 + 60}.000000\tCa2\t10.0.0.7\t5001\t203.0.113.20\t443\ttcp\tssl\t1.0\t10\t20\tSF\t0\tShADadFf\t3\t100\t3\t200`,
      '',
    ].join('\n'));
    writeFileSync(join(day, 'capture.pcap'), smallCapture(T0, 3));
    writeFileSync(join(day, 'notes.txt'), 'hello');
    const junk = join(dir, 'junk.log');
    writeFileSync(junk, 'not a log at all\n');
    const store = await openDuckDBStore(':memory:');
    try {
      const s = await ingestPaths(store, [logs, junk, join(dir, 'missing.pcap')]);
      const by = new Map(s.files.map((f) => [f.path.slice(dir.length + 1), f]));
      assert.equal(by.get('logs/2024-05-01/capture.pcap')?.status, 'ingested');
      const zeek = by.get('logs/2024-05-01/conn.00:00:00-01:00:00.log')!;
      assert.equal(zeek.status, 'ingested');
      assert.equal(zeek.format, 'zeek-tsv:conn');
      assert.equal(zeek.records.conn, 2);
      assert.equal(zeek.bad_lines, 1);
      assert.equal(zeek.bad_line_samples[0]!.line, 9);
      assert.equal(by.get('logs/2024-05-01/notes.txt')?.status, 'ignored');
      assert.equal(by.get('junk.log')?.status, 'failed');
      assert.match(by.get('junk.log')!.reason!, /no log reader accepts it: zeek-tsv: .*; zeek-json: .*; suricata-eve: /);
      assert.equal(by.get('missing.pcap')?.status, 'failed');
      assert.deepEqual([s.ingested, s.failed, s.ignored, s.bad_lines], [2, 2, 1, 1]);
      assert.equal((await store.counts()).conn, 4);
      const r = await lookbackIp(store, '203.0.113.20');
      assert.deepEqual(r.hosts.map((h) => [h.host, h.conns, h.median_interval]), [['10.0.0.7', 2, 60]]);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('retention after ingest keeps the newest window of raw records and all passive DNS', async () => {
  const dir = tmp();
  try {
    writeFileSync(join(dir, 'old.pcap'), smallCapture(T0, 4));
    writeFileSync(join(dir, 'new.pcap'), smallCapture(T0 + 40 * 86400, 5));
    const store = await openDuckDBStore(':memory:');
    try {
      const s = await ingestPaths(store, [join(dir, 'old.pcap'), join(dir, 'new.pcap')], { retainSeconds: 30 * 86400 });
      assert.equal(s.retention?.deleted.conn, 2);
      assert.equal((await store.counts()).conn, 2);
      assert.equal((await store.pdnsByIp('203.0.113.10'))[0]?.count, 2);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Child that ingests into a store and reports progress as JSON lines (testing/ingest-child.ts). */
const CHILD = fileURLToPath(new URL('./testing/ingest-child.js', import.meta.url));
/** Flows in the capture of the kill test (one conn record each). */
const KILL_FLOWS = 150_000;
/** Kill once the child has stored this many records (in its open transaction). */
const KILL_AFTER_RECORDS = 30_000;

test('kill -9 in the middle of an ingest leaves nothing; running again stores everything once', { timeout: 60_000 }, async () => {
  const dir = tmp();
  try {
    const cap = join(dir, 'big.pcap');
    writeBigCapture(cap, KILL_FLOWS);
    const db = join(dir, 'kill.duckdb');
    const child = spawn(process.execPath, [CHILD, db, cap], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', killedAt = -1;
    child.stderr.on('data', (d: Buffer) => { err += String(d); });
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      for (const line of out.split('\n').slice(0, -1)) {
        const m = JSON.parse(line) as { records?: number; phase?: string; done?: boolean };
        if (killedAt < 0 && m.phase === 'read' && (m.records ?? 0) >= KILL_AFTER_RECORDS) {
          killedAt = m.records!;
          child.kill('SIGKILL');
        }
      }
      out = out.slice(out.lastIndexOf('\n') + 1);
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((res) => child.on('exit', (c, s) => res([c, s])));
    assert.equal(signal, 'SIGKILL', `the child was killed mid-ingest (exit ${code}, stderr: ${err})`);
    assert.ok(killedAt >= KILL_AFTER_RECORDS && killedAt < KILL_FLOWS, `killed at ${killedAt} records`);

    let store = await openDuckDBStore(db);
    try {
      assert.deepEqual(await store.counts(), { conn: 0, dns: 0, tls: 0, http: 0, mining: 0, ssh: 0, weird: 0 }, 'no partial file');
      assert.deepEqual(await store.ingests(), []);
      const s = await ingestPaths(store, [cap]);
      assert.equal(s.ingested, 1);
      assert.equal(s.records.conn, KILL_FLOWS);
    } finally {
      await store.close();
    }
    store = await openDuckDBStore(db);
    try {
      const again = await ingestPaths(store, [cap]);
      assert.equal(again.already_ingested, 1);
      assert.equal((await store.counts()).conn, KILL_FLOWS);
      const dup = await store.connGroups({ orig_h: '10.0.0.1' }, 'resp_h', { limit: 5 });
      assert.ok(dup.every((g) => g.conns === 1), 'no duplicate connection');
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
