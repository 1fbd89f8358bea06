import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeDnsMessage, rdata } from '../sensor/apps/dns/encode.js';
import { pcapFile, tcpConversation, udpFrame } from '../sensor/testing/frames.js';
import { openDuckDBStore } from '../store/duckdb/duckdb-store.js';
import { ingestPaths } from '../store/ingest.js';
import type { IngestBatch } from '../store/store.js';
import { simulate } from '../sim/index.js';
import { AlertDispatcher, JsonLinesSink } from '../alerts/index.js';
import { loadCommandIntel } from './cli-load.js';
import { IntelIndex } from './intel-index.js';
import { IngestIntelMatcher } from './ingest-match.js';
import type { Indicator } from './indicator.js';
import { dns } from './testing.js';

/** The article's first-case intelligence (examples/intel, relative to the repository; tests run from it). */
const RAMNIT_FEED = resolve(process.cwd(), 'examples/intel/ramnit.misp.json');
const T0 = 1_709_280_000;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'c2hunt-intel-ingest-'));
}

/** Frames of one DNS lookup (query and answer) of `name` -> `ip` by `client` at `ts`. */
function dnsLookup(client: string, name: string, ip: string, ts: number, id: number): { ts: number; data: Uint8Array }[] {
  const q = encodeDnsMessage({ id, flags: { rd: true }, questions: [{ name, qtype: 1 }] });
  const r = encodeDnsMessage({ id, flags: { qr: true, rd: true, ra: true }, questions: [{ name, qtype: 1 }], answers: [{ name, type: 1, ttl: 60, rdata: rdata.a(ip) }] });
  return [
    { ts, data: udpFrame(client, '10.0.0.53', 40000 + id, 53, q) },
    { ts: ts + 0.01, data: udpFrame('10.0.0.53', client, 53, 40000 + id, r) },
  ];
}

/** A raw TCP exchange (no TLS, no HTTP: nothing names the server) from `client` to `server`:8443. */
function rawConn(client: string, server: string, ts: number, port: number): { ts: number; data: Uint8Array }[] {
  return tcpConversation(client, server, port, 8443, ts, '\x01\x02hello-bot', '\x03\x04ok');
}

function domainIndex(value: string): IntelIndex {
  const i: Indicator = { value, type: 'domain', feed: 'test-feed', confidence: 80, tags: ['c2'], family: 'TestBot' };
  return IntelIndex.build([[i]]);
}

test('ramnit capture: the hit on fget-career.com / 89.185.44.100 is a stored finding and one alert; re-ingesting sends none', async () => {
  if (!existsSync(RAMNIT_FEED)) assert.fail(`feed fixture missing: ${RAMNIT_FEED}`);
  const dir = tmp();
  try {
    const pcap = join(dir, 'ramnit.pcap');
    const sim = await simulate({ scenario: 'ramnit', hosts: 10, durationSec: 7200, seed: 1 }, pcap);
    const labels = JSON.parse(readFileSync(sim.labelsPath, 'utf8')) as { behaviours: { host: string }[] };
    const infected = labels.behaviours[0]!.host;
    assert.match(infected, /^10\.1\./);
    const intel = loadCommandIntel({ files: [RAMNIT_FEED], useDir: false });
    const alertsPath = join(dir, 'alerts.jsonl');
    const run = async () => {
      const store = await openDuckDBStore(join(dir, 's.duckdb'));
      const dispatcher = new AlertDispatcher([new JsonLinesSink(alertsPath)], { minSeverity: 'medium' });
      const matcher = new IngestIntelMatcher(intel.index, { store, onFindings: async (fs) => { await dispatcher.publishFindings(fs); } });
      try {
        const summary = await ingestPaths(store, [pcap], { tap: matcher });
        return { summary, hits: matcher.summary(), stored: await store.findings({ host: infected }) };
      } finally {
        await dispatcher.close();
        await store.close();
      }
    };

    const first = await run();
    assert.equal(first.summary.ingested, 1);
    assert.equal(first.hits.hosts, 1);
    const ip = first.stored.find((f) => f.detector === 'intel' && f.kind === 'ip');
    const dom = first.stored.find((f) => f.detector === 'intel' && f.kind === 'domain');
    assert.ok(ip !== undefined && dom !== undefined, `stored: ${first.stored.map((f) => `${f.detector}/${f.kind}`).join(' ')}`);
    assert.equal(ip.src, infected);
    assert.equal(ip.dst, '89.185.44.100');
    assert.equal(ip.evidence.indicator, '89.185.44.100');
    assert.equal(dom.evidence.indicator, 'fget-career.com');
    assert.equal(dom.fqdn, 'fget-career.com');
    assert.equal(ip.evidence.feed, 'ramnit.misp.json');
    assert.equal(ip.evidence.family, 'Ramnit');
    assert.ok(ip.first < ip.last && ip.uids.length > 0);
    // Twelve heartbeats in two hours, each a connection (and its lookup, its TLS server name).
    assert.equal((ip.evidence.channels as Record<string, number>).connection, 12);
    assert.equal((dom.evidence.channels as Record<string, number>).tls_server_name, 12);
    assert.deepEqual(new Set(first.hits.findings.map((f) => f.id)), new Set([ip.id, dom.id]));

    const lines = () => readFileSync(alertsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: { id: string }; source: { ip: string } });
    const sent = lines();
    assert.deepEqual(sent.map((d) => d.event.id).sort(), [ip.id, dom.id].sort());
    assert.ok(sent.every((d) => d.source.ip === infected));

    // The same file again: skipped by its hash, so no records, no hit, no alert.
    const again = await run();
    assert.equal(again.summary.already_ingested, 1);
    assert.equal(again.hits.hits, 0);
    assert.equal(lines().length, sent.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an IP-only connection to a listed domain\'s address is found through passive DNS, whichever file came first', async () => {
  const dir = tmp();
  try {
    const C2 = '203.0.113.10', A = '10.0.0.5', B = '10.0.0.6';
    // File 1: B connects to the address, no lookup, nothing names the server. File 2: A resolves the listed name.
    writeFileSync(join(dir, '1-conn.pcap'), pcapFile([...rawConn(B, C2, T0 + 100, 50001), ...rawConn('10.0.0.7', '198.51.100.1', T0 + 110, 50002)]));
    writeFileSync(join(dir, '2-dns.pcap'), pcapFile(dnsLookup(A, 'gate.listed.example', C2, T0 + 200, 1)));
    // File 3: the name again (a second pass over the same connections must not count them twice).
    writeFileSync(join(dir, '3-dns.pcap'), pcapFile(dnsLookup(A, 'gate.listed.example', C2, T0 + 300, 2)));
    const store = await openDuckDBStore(join(dir, 's.duckdb'));
    try {
      const matcher = new IngestIntelMatcher(domainIndex('listed.example'), { store });
      await ingestPaths(store, [join(dir, '1-conn.pcap'), join(dir, '2-dns.pcap'), join(dir, '3-dns.pcap')], { tap: matcher });
      const f = (await store.findings({ host: B })).find((x) => x.detector === 'intel');
      assert.ok(f !== undefined, 'no intel finding for the host that only connected');
      assert.equal(f.kind, 'domain');
      assert.equal(f.evidence.indicator, 'listed.example');
      assert.equal(f.dst, C2);
      assert.deepEqual(f.evidence.channels, { passive_dns: 1 });
      assert.deepEqual(f.evidence.passive_dns, [{ ip: C2, names: ['gate.listed.example'], connections: 1, own_lookup_seen: false }]);
      assert.ok(f.score < 0.8, 'passive DNS only lowers the score');
      // A's own lookup is a hit too; the unrelated connection is not.
      assert.ok((await store.findings({ host: A })).some((x) => x.detector === 'intel' && x.kind === 'domain'));
      assert.deepEqual(matcher.summary().findings.map((x) => x.src).sort(), [A, B]);
    } finally {
      await store.close();
    }

    // The name known only from an earlier ingest (the store's passive DNS), the connection in a later run.
    const store2 = await openDuckDBStore(join(dir, 's2.duckdb'));
    try {
      await ingestPaths(store2, [join(dir, '2-dns.pcap')]);
      const matcher = new IngestIntelMatcher(domainIndex('listed.example'), { store: store2 });
      await ingestPaths(store2, [join(dir, '1-conn.pcap')], { tap: matcher });
      const hits = matcher.summary();
      assert.deepEqual(hits.findings.map((x) => [x.src, x.dst, Object.keys(x.evidence.channels as object)]), [[B, C2, ['passive_dns']]]);
      assert.equal(hits.pdns_connections, 1);
    } finally {
      await store2.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('passive DNS skips a connection that named another host (HTTP Host), counts the IP-only one', async () => {
  const dir = tmp();
  try {
    const C2 = '203.0.113.20', A = '10.0.0.5', B = '10.0.0.6', C = '10.0.0.8';
    const httpTo = (client: string, ts: number, port: number) =>
      tcpConversation(client, C2, port, 80, ts, 'GET / HTTP/1.1\r\nHost: www.other.example\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    writeFileSync(join(dir, '1-conns.pcap'), pcapFile([...httpTo(B, T0 + 100, 50011), ...rawConn(C, C2, T0 + 110, 50012)]));
    writeFileSync(join(dir, '2-dns.pcap'), pcapFile(dnsLookup(A, 'gate.listed.example', C2, T0 + 200, 3)));
    const store = await openDuckDBStore(join(dir, 's.duckdb'));
    try {
      const matcher = new IngestIntelMatcher(domainIndex('listed.example'), { store });
      await ingestPaths(store, [join(dir, '1-conns.pcap'), join(dir, '2-dns.pcap')], { tap: matcher });
      const hits = matcher.summary();
      assert.deepEqual(hits.findings.map((x) => x.src).sort(), [A, C]);
      assert.equal(hits.pdns_connections, 1);
      const c = hits.findings.find((x) => x.src === C)!;
      assert.deepEqual(c.evidence.channels, { passive_dns: 1 });
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no intelligence: files go straight to the store (no wrapper, no work) and no finding is made', async () => {
  const dir = tmp();
  try {
    writeFileSync(join(dir, 'a.pcap'), pcapFile([...dnsLookup('10.0.0.5', 'gate.listed.example', '203.0.113.10', T0, 1), ...rawConn('10.0.0.5', '203.0.113.10', T0 + 1, 50001)]));
    const store = await openDuckDBStore(join(dir, 's.duckdb'));
    try {
      const matcher = new IngestIntelMatcher(IntelIndex.build([]), { store });
      const fake = { write() {} } as unknown as IngestBatch;
      assert.equal(matcher.begin(fake, 'x'), fake, 'an empty index must not wrap the batch');
      const s = await ingestPaths(store, [join(dir, 'a.pcap')], { tap: matcher });
      assert.equal(s.ingested, 1);
      assert.ok(s.records.conn > 0);
      assert.equal(matcher.summary().hits, 0);
      assert.deepEqual(await store.findings(), []);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed file leaves no hit behind', async () => {
  const dir = tmp();
  const store = await openDuckDBStore(join(dir, 's.duckdb'));
  try {
    const matcher = new IngestIntelMatcher(domainIndex('listed.example'), { store });
    const batch = await store.beginIngest({ sha256: 'a'.repeat(64), path: 'x', bytes: 1, format: 'log' });
    const sink = matcher.begin(batch, 'x');
    sink.write('dns', dns('10.0.0.5', 'a.listed.example', ['203.0.113.10'], T0));
    await batch.abort();
    matcher.aborted();
    const b2 = await store.beginIngest({ sha256: 'b'.repeat(64), path: 'y', bytes: 1, format: 'log' });
    matcher.begin(b2, 'y');
    await matcher.committed(await b2.commit());
    assert.equal(matcher.summary().hits, 0);
    assert.deepEqual(await store.findings(), []);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
