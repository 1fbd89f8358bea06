/**
 * Suricata EVE reader on events written after Suricata's documented output (eve-json-format
 * and etc/schema.json of OISF/suricata): flow, dns v1/v2/v3, tls, http, ssh, alert, others.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySink } from '../records/writers.js';
import { readLogFile } from './index.js';
import { connStateFromFlags, tlsVersion } from './suricata-eve.js';
import { textCommunityId } from './values.js';

const dir = mkdtempSync(join(tmpdir(), 'c2hunt-eve-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function read(events: (object | string)[]) {
  const p = join(dir, `eve-${n++}.json`);
  writeFileSync(p, events.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('\n') + '\n');
  const sink = new MemorySink();
  const result = await readLogFile(p, sink);
  return { sink, result };
}

const TUPLE = { src_ip: '192.168.2.14', src_port: 50096, dest_ip: '209.53.113.5', dest_port: 80, proto: 'TCP' };

test('EVE flow -> conn: times, counters, payload estimate, service, state, uid and community id', async () => {
  const flow = {
    timestamp: '2019-05-28T23:35:28.071281+0200', flow_id: 586497171462735, event_type: 'flow', ...TUPLE, app_proto: 'http',
    flow: {
      pkts_toserver: 23, pkts_toclient: 21, bytes_toserver: 4884, bytes_toclient: 7392, start: '2019-05-28T23:32:29.025256+0200',
      end: '2019-05-28T23:35:28.071281+0200', age: 179, state: 'closed', reason: 'timeout', alerted: false,
    },
    tcp: { tcp_flags: '1b', tcp_flags_ts: '1b', tcp_flags_tc: '1b', syn: true, fin: true, psh: true, ack: true, state: 'closed' },
  };
  const { sink, result } = await read([flow]);
  assert.equal(result.format, 'suricata-eve');
  assert.deepEqual(sink.records.conn[0], {
    ts: 1559079149.025256, uid: 'E586497171462735', community_id: textCommunityId('192.168.2.14', '209.53.113.5', 6, 50096, 80),
    orig_h: '192.168.2.14', orig_p: 50096, resp_h: '209.53.113.5', resp_p: 80, proto: 'tcp', service: 'http',
    duration: 179.046025, orig_bytes: 4884 - 23 * 54, resp_bytes: 7392 - 21 * 54, conn_state: 'SF', missed_bytes: 0,
    history: '', orig_pkts: 23, orig_ip_bytes: 4884, resp_pkts: 21, resp_ip_bytes: 7392,
  });
});

test('EVE flow: flow ids beyond 2^53 keep every digit; community_id and vlan taken as logged; ICMPv6 and full-form IPv6', async () => {
  const { sink } = await read([
    `{"timestamp":"2024-01-01T00:00:00.000001Z","flow_id":18446744073709551615,"event_type":"flow","vlan":[42],"src_ip":"2001:0db8:0000:0000:0000:0000:0000:0001","dest_ip":"ff02:0000:0000:0000:0000:0000:0000:0016","proto":"IPv6-ICMP","icmp_type":143,"icmp_code":0,"community_id":"1:given","flow":{"pkts_toserver":2,"pkts_toclient":0,"bytes_toserver":180,"bytes_toclient":0,"start":"2024-01-01T00:00:00.000001Z","end":"2024-01-01T00:00:01.000001Z","state":"new"}}`,
    { timestamp: '2024-01-01T00:00:00Z', flow_id: 7, event_type: 'flow', src_ip: '10.0.0.1', src_port: 5353, dest_ip: '10.0.0.2', dest_port: 53, proto: 'UDP', app_proto: 'failed', flow: { pkts_toserver: 1, pkts_toclient: 1, bytes_toserver: 100, bytes_toclient: 10, start: '2024-01-01T00:00:00Z', end: '2024-01-01T00:00:00.5Z' } },
  ]);
  const [a, b] = sink.records.conn;
  assert.equal(a!.uid, 'E18446744073709551615');
  assert.equal(a!.community_id, '1:given');
  assert.equal(a!.vlan, 42);
  assert.deepEqual([a!.orig_h, a!.resp_h, a!.proto, a!.orig_p, a!.resp_p, a!.conn_state, a!.duration], ['2001:db8::1', 'ff02::16', 'icmp', 143, 0, 'S0', 1]);
  assert.equal(a!.orig_bytes, 180 - 2 * (14 + 40 + 8));
  assert.deepEqual([b!.proto, b!.conn_state, b!.service, b!.resp_bytes], ['udp', 'SF', '', 0]);
});

test('TCP flags -> conn_state', () => {
  const S = 0x02, A = 0x10, F = 0x01, R = 0x04;
  assert.equal(connStateFromFlags(S, 0), 'S0');
  assert.equal(connStateFromFlags(S, R | A), 'REJ');
  assert.equal(connStateFromFlags(S | R, 0), 'RSTOS0');
  assert.equal(connStateFromFlags(S | F, 0), 'SH');
  assert.equal(connStateFromFlags(S | A, S | A), 'S1');
  assert.equal(connStateFromFlags(S | A | F, S | A | F), 'SF');
  assert.equal(connStateFromFlags(S | A | F, S | A), 'S2');
  assert.equal(connStateFromFlags(S | A, S | A | F), 'S3');
  assert.equal(connStateFromFlags(S | A | R, S | A), 'RSTO');
  assert.equal(connStateFromFlags(S | A, S | A | R), 'RSTR');
  assert.equal(connStateFromFlags(A, S | A | R), 'RSTRH');
  assert.equal(connStateFromFlags(A, S | A | F), 'SHR');
  assert.equal(connStateFromFlags(A, A), 'OTH');
});

const Q = { ...TUPLE, src_port: 40000, dest_ip: '8.8.8.8', dest_port: 53, proto: 'UDP' };
const R = { ...Q, src_ip: '8.8.8.8', src_port: 53, dest_ip: '192.168.2.14', dest_port: 40000 };

test('EVE dns v2: query and answer paired by flow and id; detailed answers with TTLs', async () => {
  const { sink } = await read([
    { timestamp: '2024-01-01T00:00:00.100000Z', flow_id: 11, event_type: 'dns', ...Q, dns: { type: 'query', id: 45444, rrname: 'www.suricata-ids.org', rrtype: 'A', tx_id: 0 } },
    { timestamp: '2024-01-01T00:00:00.000000Z', flow_id: 99, event_type: 'dns', ...Q, dns: { type: 'query', id: 1, rrname: 'unanswered.example.', rrtype: 'TXT' } },
    { timestamp: '2024-01-01T00:00:00.130000Z', flow_id: 11, event_type: 'dns', ...Q, dns: {
      version: 2, type: 'answer', id: 45444, flags: '8180', qr: true, rd: true, ra: true, rrname: 'www.suricata-ids.org', rrtype: 'A', rcode: 'NOERROR',
      answers: [{ rrname: 'www.suricata-ids.org', rrtype: 'CNAME', ttl: 3324, rdata: 'suricata-ids.org' },
        { rrname: 'suricata-ids.org', rrtype: 'A', ttl: 10, rdata: '192.0.78.24' }] } },
  ]);
  assert.equal(sink.records.dns.length, 2);
  const d = sink.records.dns.find((x) => x.uid === 'E11')!;
  assert.deepEqual(d, {
    ts: 1704067200.1, uid: 'E11', orig_h: '192.168.2.14', orig_p: 40000, resp_h: '8.8.8.8', resp_p: 53, proto: 'udp', trans_id: 45444,
    query: 'www.suricata-ids.org', qtype: 1, qtype_name: 'A', rcode: 0, rcode_name: 'NOERROR', rtt: 0.03, AA: false, TC: false,
    RD: true, RA: true, Z: 0, answers: ['suricata-ids.org', '192.0.78.24'], TTLs: [3324, 10], rejected: false,
  });
  const u = sink.records.dns.find((x) => x.uid === 'E99')!;
  assert.deepEqual([u.query, u.qtype, u.rcode, u.rtt, u.answers], ['unanswered.example', 16, undefined, undefined, []]);
});

test('EVE dns: a lone answer in packet direction is turned round; grouped answers; rejected', async () => {
  const { sink } = await read([
    { timestamp: '2024-01-01T00:00:01Z', flow_id: 12, event_type: 'dns', ...R, dns: {
      version: 2, type: 'answer', id: 18523, flags: '8182', qr: true, rd: true, ra: true, rrname: 'a.example', rrtype: 'A', rcode: 'SERVFAIL',
      grouped: { A: ['192.0.78.24', '192.0.78.25'], CNAME: ['suricata-ids.org'] } } },
  ]);
  const d = sink.records.dns[0]!;
  assert.deepEqual([d.orig_h, d.orig_p, d.resp_h, d.resp_p], ['192.168.2.14', 40000, '8.8.8.8', 53]);
  assert.deepEqual(d.answers, ['192.0.78.24', '192.0.78.25', 'suricata-ids.org']);
  assert.deepEqual(d.TTLs, [0, 0, 0]);
  assert.deepEqual([d.rcode, d.rcode_name, d.rejected], [2, 'SERVFAIL', true]);
});

test('EVE dns v1: one event per answer gathered into one record', async () => {
  const { sink } = await read([
    { timestamp: '2024-01-01T00:00:00Z', flow_id: 13, event_type: 'dns', ...Q, dns: { type: 'query', id: 16000, rrname: 'twitter.com', rrtype: 'A' } },
    { timestamp: '2024-01-01T00:00:00.2Z', flow_id: 13, event_type: 'dns', ...R, dns: { type: 'answer', id: 16000, flags: '8180', qr: true, rd: true, ra: true, rcode: 'NOERROR', rrname: 'twitter.com', rrtype: 'A', ttl: 8, rdata: '199.16.156.6' } },
    { timestamp: '2024-01-01T00:00:00.2Z', flow_id: 13, event_type: 'dns', ...R, dns: { type: 'answer', id: 16000, flags: '8180', qr: true, rd: true, ra: true, rcode: 'NOERROR', rrname: 'twitter.com', rrtype: 'A', ttl: 9, rdata: '199.16.156.7' } },
  ]);
  assert.equal(sink.records.dns.length, 1);
  const d = sink.records.dns[0]!;
  assert.deepEqual([d.query, d.answers, d.TTLs, d.rtt, d.orig_h], ['twitter.com', ['199.16.156.6', '199.16.156.7'], [8, 9], 0.2, '192.168.2.14']);
});

test('EVE dns v3: request and response with queries[]', async () => {
  const { sink } = await read([
    { timestamp: '2024-01-01T00:00:00Z', flow_id: 14, event_type: 'dns', ...Q, dns: { version: 3, type: 'request', tx_id: 0, id: 7, flags: '100', rd: true, opcode: 0, rcode: 'NOERROR', queries: [{ rrname: 'q.example', rrtype: 'AAAA' }] } },
    { timestamp: '2024-01-01T00:00:00.01Z', flow_id: 14, event_type: 'dns', ...R, dns: { version: 3, type: 'response', tx_id: 1, id: 7, flags: '8183', qr: true, rd: true, ra: true, opcode: 0, rcode: 'NXDOMAIN', queries: [{ rrname: 'q.example', rrtype: 'AAAA' }] } },
  ]);
  assert.equal(sink.records.dns.length, 1);
  const d = sink.records.dns[0]!;
  assert.deepEqual([d.query, d.qtype, d.rcode_name, d.rcode, d.rejected, d.rtt, d.orig_p], ['q.example', 28, 'NXDOMAIN', 3, false, 0.01, 40000]);
});

test('EVE tls -> tls', async () => {
  const { sink } = await read([
    { timestamp: '2017-01-04T10:48:43.5Z', flow_id: 20, event_type: 'tls', ...TUPLE, dest_port: 443, tls: {
      subject: 'C=US, O=Google Inc, CN=*.google.com', issuerdn: 'C=US, O=Google Inc, CN=Google Internet Authority G2',
      serial: '0C:00', fingerprint: '8f:51:12:06:a0:cc:4e:cd:e8:a3:8b:38:f8:87:59:e5:af:95:ca:cd', sni: 'calendar.google.com',
      version: 'TLS 1.2', notbefore: '2017-01-04T10:48:43', notafter: '2017-03-29T10:18:00',
      ja3: { hash: 'e7d705a3286e19ea42f587b344ee6865', string: '771,49195' }, ja3s: { hash: 'abc', string: '771,49195,0' },
      ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1', client_alpns: ['h2', 'http/1.1'], server_alpns: ['h2'],
      server_handshake: { version: 'TLS 1.2', cipher: 49195 } } },
    { timestamp: '2022-11-24T10:16:15.849397Z', flow_id: 21, event_type: 'tls', ...TUPLE, dest_port: 443, tls: { version: 'TLSv1', sni: 'hello.only' } },
  ]);
  const [a, b] = sink.records.tls;
  assert.deepEqual(a, {
    ts: 1483526923.5, uid: 'E20', orig_h: '192.168.2.14', orig_p: 50096, resp_h: '209.53.113.5', resp_p: 443, version: 'TLSv12',
    cipher: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', server_name: 'calendar.google.com', alpn: ['h2', 'http/1.1'], next_protocol: 'h2',
    ja3: 'e7d705a3286e19ea42f587b344ee6865', ja3_string: '771,49195', ja3s: 'abc', ja3s_string: '771,49195,0',
    ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1', subject: 'C=US, O=Google Inc, CN=*.google.com',
    issuer: 'C=US, O=Google Inc, CN=Google Internet Authority G2', self_signed: false, not_valid_before: 1483526923,
    not_valid_after: 1490782680, cert_sha1: '8f511206a0cc4ecde8a38b38f88759e5af95cacd', established: true,
  });
  assert.deepEqual([b!.version, b!.server_name, b!.established], ['TLSv10', 'hello.only', false]);
  assert.equal(tlsVersion('UNDETERMINED'), undefined);
  assert.equal(tlsVersion('TLS 1.3 draft-28'), 'TLSv13');
  assert.equal(tlsVersion('SSLv3'), 'SSLv3');
});

test('EVE http and ssh; alerts counted; other events ignored; bad lines reported', async () => {
  const { sink, result } = await read([
    { timestamp: '2015-03-25T15:40:41Z', flow_id: 30, event_type: 'http', tx_id: 2, ...TUPLE, http: {
      hostname: 'direkte.vg.no', url: '/x?y=1', http_user_agent: 'Wget/1.13.4 (linux-gnu)', http_content_type: 'application/json',
      http_refer: 'http://www.vg.no/', http_method: 'GET', protocol: 'HTTP/1.1', status: 200, length: 310 } },
    { timestamp: '2015-03-25T15:40:42Z', flow_id: 31, event_type: 'http', ...TUPLE, http: { url: '/', status: '2XX' } },
    { timestamp: '2015-03-25T15:40:43Z', flow_id: 32, event_type: 'ssh', ...TUPLE, dest_port: 22, ssh: {
      client: { proto_version: '2.0', software_version: 'OpenSSH_6.7' }, server: { proto_version: '2.0', software_version: 'OpenSSH_8.2p1' } } },
    { timestamp: '2015-03-25T15:40:44Z', event_type: 'alert', ...TUPLE, alert: { signature_id: 1, signature: 'x' } },
    '{"timestamp":"2015-03-25T15:40:45Z","event_type":"stats","stats":{"uptime":1}}',
    { timestamp: '2015-03-25T15:40:46Z', event_type: 'anomaly', ...TUPLE, anomaly: { type: 'decode', event: 'decoder.udp.pkt_too_small' } },
    { timestamp: 'yesterday', flow_id: 33, event_type: 'http', ...TUPLE, http: {} },
    { timestamp: '2015-03-25T15:40:47Z', flow_id: 34, event_type: 'http', ...TUPLE, src_ip: 'not-an-ip', http: {} },
    { timestamp: '2015-03-25T15:40:47Z', flow_id: 35, event_type: 'flow', ...TUPLE },
    { timestamp: '2015-03-25T15:40:47Z', flow_id: 36, event_type: 'dns', ...TUPLE, dns: { type: 'other' } },
    '{"event_type": "flow", oops',
  ]);
  const [a, b] = sink.records.http;
  assert.deepEqual(a, {
    ts: 1427298041, uid: 'E30', orig_h: '192.168.2.14', orig_p: 50096, resp_h: '209.53.113.5', resp_p: 80, trans_depth: 3,
    request_body_len: 0, response_body_len: 310, method: 'GET', host: 'direkte.vg.no', uri: '/x?y=1', referrer: 'http://www.vg.no/',
    version: '1.1', user_agent: 'Wget/1.13.4 (linux-gnu)', status_code: 200,
  });
  assert.deepEqual([b!.trans_depth, b!.status_code, b!.status_msg], [1, undefined, '2XX']);
  assert.deepEqual([sink.records.ssh[0]!.client, sink.records.ssh[0]!.server], ['SSH-2.0-OpenSSH_6.7', 'SSH-2.0-OpenSSH_8.2p1']);
  assert.equal(result.alerts, 1);
  assert.deepEqual(result.ignored, { 'eve:stats': 1, 'eve:anomaly': 1 });
  assert.deepEqual(result.badLines.map((x) => x.line), [7, 8, 9, 10, 11]);
  assert.match(result.badLines[0]!.reason, /bad time in timestamp: "yesterday"/);
  assert.match(result.badLines[1]!.reason, /bad address in src_ip/);
  assert.match(result.badLines[2]!.reason, /missing flow object/);
  assert.match(result.badLines[3]!.reason, /bad dns.type/);
  assert.match(result.badLines[4]!.reason, /not JSON/);
});
