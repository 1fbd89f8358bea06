import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { correlate } from '../correlate/correlate.js';
import { ramnitCase, smominruCase } from '../correlate/fixtures.js';
import { findingToEcs, incidentToEcs, type AlertDoc } from './ecs.js';
import { Deduper } from './dedup.js';
import { JsonLinesSink } from './file-sink.js';
import { SyslogSink, formatSyslog, asciiJson } from './syslog-sink.js';
import { WebhookSink, backoffDelay } from './webhook-sink.js';
import { AlertDispatcher } from './dispatcher.js';
import { parseSinkSpec } from './spec.js';
import { AlertSinkError } from './sink.js';

const LOCAL = '127.0.0.1';
const BOUND = { timeout: 5000 };
const NOW = Date.UTC(2026, 10, 3) / 1000;
const confirmed = () => { const c = ramnitCase('ip'); return correlate(c.findings, c.ds)[0]!; };
const RFC5424 = /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (\S+) (\S+) (\d+) (\S+) - (\{.*\})$/s;

test('an incident as ECS: alert kind, network/intrusion_detection, endpoints, ATT&CK, family, rule', () => {
  const doc = incidentToEcs(confirmed(), NOW) as Record<string, any>;
  assert.equal(doc['@timestamp'], '2026-11-03T00:00:00.000Z');
  assert.deepEqual(doc.event.kind, 'alert');
  assert.deepEqual(doc.event.category, ['network', 'intrusion_detection']);
  assert.equal(doc.event.dataset, 'c2hunt.incident');
  assert.equal(doc.event.severity, 2);
  assert.equal(doc.event.risk_score, 99.7);
  assert.deepEqual(doc.source, { ip: '10.1.1.64' });
  assert.deepEqual(doc.destination, { ip: '89.185.44.100', port: 443, domain: 'fget-career.com' });
  assert.deepEqual(doc.threat.technique.id, ['T1071', 'T1573']);
  assert.equal(doc.threat.software.name, 'Ramnit');
  assert.equal(doc.rule.name, 'intel_and_behaviour');
  assert.equal(doc.c2hunt.verdict, 'confirmed');
  assert.match(doc.event.reason, /^CONFIRMED, C&C channel: threat intelligence/);
  const f = findingToEcs(ramnitCase('none').findings[0]!, NOW) as Record<string, any>;
  assert.equal(f.rule.name, 'beacon.fqdn');
  assert.equal(f.network.transport, 'tcp');
  assert.equal(f.event.severity, 2, 'critical finding -> syslog crit');
  assert.equal(f.c2hunt.evidence.period_s, 602);
});

test('de-duplication: once per window, again on escalation and after the window; memory bounded', () => {
  const d = new Deduper(600, 3);
  assert.equal(d.check('I1', 2, 0), 'new');
  assert.equal(d.check('I1', 2, 100), 'suppressed');
  assert.equal(d.check('I1', 1, 200), 'suppressed', 'a lower level stays quiet');
  assert.equal(d.check('I1', 3, 300), 'escalated');
  assert.equal(d.check('I1', 3, 800), 'suppressed', 'the window restarts at the escalation');
  assert.equal(d.check('I1', 3, 900), 'repeat');
  for (const k of ['a', 'b', 'c']) d.check(k, 1, 1000);
  assert.equal(d.size, 3);
  assert.equal(d.check('I1', 3, 1001), 'new', 'the oldest key was forgotten');
});

test('JSON lines: one document per line, concurrent sends never interleave; the dispatcher suppresses repeats', BOUND, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-alerts-'));
  try {
    const path = join(dir, 'alerts.jsonl');
    const sink = new JsonLinesSink(path);
    let t = NOW;
    const d = new AlertDispatcher([sink], { suppressSec: 3600, minVerdict: 'likely', now: () => t });
    const s = smominruCase();
    const incs = correlate(s.findings, s.ds);
    const r1 = await d.publishIncidents(incs);
    assert.deepEqual([r1.sent, r1.suppressed, r1.failures.length], [2, 0, 0]);
    t += 60;
    const r2 = await d.publishIncidents(incs);
    assert.deepEqual([r2.sent, r2.suppressed], [0, 2]);
    // The same host's story changes (new deciding rule): it alerts again; so does an escalation.
    const story = { ...incs[0]!, rules: ['mining_protocol'] };
    const r3 = await d.publishIncidents([story, { ...incs[1]!, verdict: 'confirmed' as const }]);
    assert.deepEqual([r3.sent, r3.suppressed], [2, 0]);
    await Promise.all(Array.from({ length: 50 }, (_, i) => sink.send({ event: { id: `x${i}`, severity: 6 }, pad: 'y'.repeat(5000) })));
    await d.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 54);
    const docs = lines.map((l) => JSON.parse(l) as AlertDoc);
    assert.deepEqual(docs.slice(0, 4).map((x) => x.event.id), [...incs.map((i) => i.id), ...incs.map((i) => i.id)]);
    assert.deepEqual(docs.slice(4).map((x) => x.event.id), Array.from({ length: 50 }, (_, i) => `x${i}`));
    await assert.rejects(sink.send({ event: { id: 'late', severity: 6 } }), (e: unknown) => e instanceof AlertSinkError && e.code === 'ALERT_CLOSED');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('syslog RFC 5424 over UDP to a local receiver: PRI from facility and verdict, ASCII JSON, oversized alerts shortened', BOUND, async () => {
  const server = createSocket('udp4');
  const got: string[] = [];
  const arrived = new Promise<void>((res) => server.on('message', (m) => { got.push(m.toString('utf8')); if (got.length === 2) res(); }));
  await new Promise<void>((res) => server.bind(0, LOCAL, res));
  const port = (server.address() as AddressInfo).port;
  try {
    const inc = confirmed();
    const sink = new SyslogSink({ host: LOCAL, port, transport: 'udp', facility: 'local4', hostname: 'sensor 1', now: () => new Date(NOW * 1000) });
    const doc = incidentToEcs(inc, NOW);
    (doc['c2hunt'] as Record<string, unknown>)['narrative'] = ['é'.repeat(20), 'x'.repeat(9000)];
    await sink.send(incidentToEcs(inc, NOW));
    await sink.send(doc);
    await arrived;
    await sink.close();
    const m = RFC5424.exec(got[0]!);
    assert.ok(m, got[0]);
    assert.equal(Number(m[1]), 20 * 8 + 2, 'local4, crit');
    assert.equal(m[2], '2026-11-03T00:00:00.000Z');
    assert.equal(m[3], 'sensor1', 'header fields are printable ASCII');
    assert.equal(m[4], 'c2hunt');
    assert.equal(m[6], 'incident');
    assert.equal(JSON.parse(m[7]!).event.id, inc.id);
    assert.match(got[0]!, /^[\x20-\x7e]*$/, 'the whole message is ASCII');
    assert.ok(Buffer.byteLength(got[1]!) <= 8192);
    const short = JSON.parse(RFC5424.exec(got[1]!)![7]!);
    assert.equal(short.c2hunt.shortened, true);
    assert.equal(short.c2hunt.narrative, undefined);
    assert.equal(short.event.id, inc.id);
  } finally {
    server.close();
  }
  assert.equal(JSON.parse(asciiJson({ s: 'ü→' })).s, 'ü→');
});

test('syslog over TCP with octet counting: frames parse across chunk boundaries; a dropped connection is re-opened', BOUND, async () => {
  const frames: string[] = [];
  let conns = 0;
  const server = createTcpServer((sock: Socket) => {
    conns++;
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const sp = buf.indexOf(0x20);
        if (sp < 0) break;
        const len = Number(buf.subarray(0, sp).toString('ascii'));
        if (buf.length < sp + 1 + len) break;
        frames.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'));
        buf = buf.subarray(sp + 1 + len);
        if (frames.length === 1) sock.destroy(); // drop the connection after the first message
      }
    });
  });
  await new Promise<void>((res) => server.listen(0, LOCAL, res));
  const port = (server.address() as AddressInfo).port;
  try {
    const sink = new SyslogSink({ host: LOCAL, port, transport: 'tcp', timeoutMs: 1000, now: () => new Date(NOW * 1000) });
    const docs = correlate(smominruCase().findings, smominruCase().ds).map((i) => incidentToEcs(i, NOW));
    await sink.send(docs[0]!);
    await new Promise((r) => setTimeout(r, 50));
    await sink.send(docs[1]!);
    await sink.send(docs[0]!);
    await sink.close();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(frames.length, 3);
    assert.ok(conns >= 2, 'reconnected');
    for (const f of frames) assert.match(f, RFC5424);
    assert.equal(Number(RFC5424.exec(frames[0]!)![1]), 16 * 8 + 3, 'local0, likely -> err');
  } finally {
    server.close();
  }
  assert.equal(formatSyslog({ event: { id: 'x', severity: 9 } }, { facility: 1, appName: '', hostname: '', msgId: 'finding', date: new Date(0), pid: 7 }),
    '<15>1 1970-01-01T00:00:00.000Z - - 7 finding - {"event":{"id":"x","severity":9}}');
});

/** A local HTTP receiver answering with the statuses given, one per request (the last repeats). */
async function receiver(statuses: (number | 'hang')[], extra: Record<string, string> = {}) {
  const seen: { at: number; body: string; auth?: string }[] = [];
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ at: Date.now(), body, ...(req.headers.authorization ? { auth: req.headers.authorization } : {}) });
      const s = statuses[Math.min(seen.length - 1, statuses.length - 1)]!;
      if (s === 'hang') return;
      res.writeHead(s, extra).end();
    });
  });
  await new Promise<void>((res) => server.listen(0, LOCAL, res));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://${LOCAL}:${port}/hook?token=secret`, seen, close: () => { server.closeAllConnections(); server.close(); } };
}

test('webhook: 5xx retried with exponential backoff until delivered; headers sent; the name hides the token', BOUND, async () => {
  const r = await receiver([500, 503, 200]);
  try {
    const sink = new WebhookSink({ url: r.url, headers: { authorization: 'Bearer k' }, backoffMs: 40, retries: 3, random: () => 0 });
    assert.equal(sink.name, `http://${LOCAL}:${new URL(r.url).port}/hook`);
    await sink.send(incidentToEcs(confirmed(), NOW));
    assert.equal(sink.lastAttempts, 3);
    assert.equal(r.seen.length, 3);
    assert.equal(r.seen[0]!.auth, 'Bearer k');
    assert.equal(JSON.parse(r.seen[2]!.body).event.kind, 'alert');
    const gap1 = r.seen[1]!.at - r.seen[0]!.at, gap2 = r.seen[2]!.at - r.seen[1]!.at;
    assert.ok(gap1 >= 18 && gap2 >= 38, `backoff doubles: ${gap1} ms then ${gap2} ms`);
  } finally {
    r.close();
  }
  assert.deepEqual([0, 1, 2, 3, 10].map((n) => backoffDelay(n, 500, 3000, () => 1)), [500, 1000, 2000, 3000, 3000]);
});

test('webhook: a 4xx is not retried; 429 honours Retry-After; a silent server times out', BOUND, async () => {
  const bad = await receiver([400]);
  try {
    const sink = new WebhookSink({ url: bad.url, backoffMs: 10 });
    await assert.rejects(sink.send({ event: { id: 'a', severity: 3 } }), (e: unknown) => e instanceof AlertSinkError && e.code === 'ALERT_HTTP_STATUS' && /HTTP 400$/.test(e.message));
    assert.equal(bad.seen.length, 1);
  } finally { bad.close(); }
  const busy = await receiver([429, 200], { 'retry-after': '0' });
  try {
    const sink = new WebhookSink({ url: busy.url, backoffMs: 5000, retries: 1 });
    const t0 = Date.now();
    await sink.send({ event: { id: 'b', severity: 3 } });
    assert.ok(Date.now() - t0 < 1000, 'waited the server\'s 0 s, not the 2.5-5 s backoff');
  } finally { busy.close(); }
  const silent = await receiver(['hang']);
  try {
    const sink = new WebhookSink({ url: silent.url, timeoutMs: 150, retries: 1, backoffMs: 10 });
    const t0 = Date.now();
    await assert.rejects(sink.send({ event: { id: 'c', severity: 3 } }), (e: unknown) => e instanceof AlertSinkError && e.code === 'ALERT_TIMEOUT' && /after 2 attempts/.test(e.message));
    assert.ok(Date.now() - t0 < 2000);
  } finally { silent.close(); }
});

test('one failing sink does not stop the others; failures are reported per sink', BOUND, async () => {
  const dead = createTcpServer();
  await new Promise<void>((res) => dead.listen(0, LOCAL, res));
  const deadPort = (dead.address() as AddressInfo).port;
  await new Promise<void>((res) => dead.close(() => res()));
  const ok = await receiver([200]);
  try {
    const d = new AlertDispatcher([new WebhookSink({ url: `http://${LOCAL}:${deadPort}/x`, retries: 1, backoffMs: 5 }), new WebhookSink({ url: ok.url })], { now: () => NOW });
    const r = await d.publishIncidents([confirmed()]);
    assert.equal(r.sent, 1);
    assert.equal(r.failures.length, 1);
    assert.equal(r.failures[0]!.sink, `http://${LOCAL}:${deadPort}/x`);
    assert.match(r.failures[0]!.error, /Cannot post alert .*ECONNREFUSED.*after 2 attempts/);
    assert.equal(ok.seen.length, 1);
    const low = await d.publishFindings(ramnitCase('none').findings.map((f) => ({ ...f, severity: 'low' as const })));
    assert.deepEqual([low.sent, low.below], [0, 1]);
    await d.close();
  } finally { ok.close(); }
});

test('sink specs', () => {
  assert.equal(parseSinkSpec('jsonl:/tmp/a.jsonl').name, 'jsonl:/tmp/a.jsonl');
  assert.equal(parseSinkSpec('syslog://127.0.0.1').name, 'syslog+udp://127.0.0.1:514');
  assert.equal(parseSinkSpec('syslog+tcp://127.0.0.1:6514?facility=local3').name, 'syslog+tcp://127.0.0.1:6514');
  assert.equal(parseSinkSpec('syslog+udp://[::1]:5514').name, 'syslog+udp://[::1]:5514');
  assert.equal(parseSinkSpec('https://hooks.example/x?t=1').name, 'https://hooks.example/x');
  for (const bad of ['ftp://x', 'syslog+tcp://h:70000', 'syslog://h?facility=nope', 'jsonl:']) {
    assert.throws(() => parseSinkSpec(bad), (e: unknown) => e instanceof AlertSinkError && e.code === 'ALERT_BAD_SPEC', bad);
  }
});
