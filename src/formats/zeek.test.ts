/**
 * Zeek TSV and JSON readers on hand-written logs: headers, separators, field order, defaults,
 * open_* logs, x509 join, and bad lines with their numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MemorySink } from '../records/writers.js';
import { CertIndex, readLogFile } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'c2hunt-zeek-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function header(path: string, fields: string[], sep = '\t', setSep = ',', empty = '(empty)', unset = '-'): string {
  const esc = sep === '\t' ? '\\x09' : sep;
  return `#separator ${esc}\n#set_separator${sep}${setSep}\n#empty_field${sep}${empty}\n#unset_field${sep}${unset}\n`
    + `#path${sep}${path}\n#open${sep}2024-01-31-17-37-07\n#fields${sep}${fields.join(sep)}\n#types${sep}${fields.map(() => 'x').join(sep)}\n`;
}

const CONN_FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration',
  'orig_bytes', 'resp_bytes', 'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history', 'orig_pkts',
  'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'tunnel_parents'];

test('Zeek TSV conn: values, unset, computed community id, Zeek extras ignored', async () => {
  const p = file('conn.log', header('conn', CONN_FIELDS)
    + '1706736752.723650\tC2HX\t2601:19e:8200:91e0::eaf3\t45530\t2620:13d:c000:11::198\t11938\tudp\t-\t3600.504750\t790353\t0\tS0\tF\tF\t0\tD\t3525\t959553\t0\t0\t-\n'
    + '1706736753.787527\tCrNZ\t128.232.110.120\t34855\t66.35.250.204\t80\ttcp\thttp,ssl\t-\t-\t-\tSF\tT\tF\t0\tShADadfF\t5\t473\t5\t1281\t(empty)\n'
    + '#close\t2024-01-31-18-00-00\n');
  const sink = new MemorySink();
  const r = await readLogFile(p, sink);
  assert.equal(r.format, 'zeek-tsv');
  assert.equal(r.logPath, 'conn');
  assert.equal(r.badLineCount, 0);
  assert.equal(r.lines, 11);
  assert.deepEqual(sink.records.conn[0], {
    ts: 1706736752.72365, uid: 'C2HX', orig_h: '2601:19e:8200:91e0::eaf3', orig_p: 45530, resp_h: '2620:13d:c000:11::198',
    resp_p: 11938, proto: 'udp', service: '', duration: 3600.50475, orig_bytes: 790353, resp_bytes: 0, conn_state: 'S0',
    missed_bytes: 0, history: 'D', orig_pkts: 3525, orig_ip_bytes: 959553, resp_pkts: 0, resp_ip_bytes: 0,
    community_id: sink.records.conn[0]!.community_id,
  });
  assert.match(sink.records.conn[0]!.community_id, /^1:[A-Za-z0-9+/]{27}=$/);
  const c = sink.records.conn[1]!;
  assert.equal(c.service, 'http,ssl');
  assert.equal(c.duration, 0, 'unset duration defaults to 0');
  assert.equal(c.community_id, '1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  assert.equal(c.interim, undefined);
});

test('Zeek TSV: other separators, placeholders, field order, escapes, set separator', async () => {
  const fields = ['id.resp_p', 'answers', 'query', 'uid', 'TTLs', 'id.orig_h', 'ts', 'id.resp_h', 'id.orig_p', 'rcode_name', 'proto'];
  const p = file('weird-name.txt', header('dns', fields, '|', ';', 'NONE', 'UNSET')
    + '53|a\\x3bb;c,d|x\\x7cy\\x5cz|Cq|1.000000;2.5|10.0.0.1|100.5|10.0.0.2|5000|UNSET|udp\n'
    + '53|NONE|NONE|Cr|NONE|10.0.0.1|101|10.0.0.2|5001|NXDOMAIN|udp\n');
  const sink = new MemorySink();
  const r = await readLogFile(p, sink);
  assert.equal(r.badLineCount, 0, JSON.stringify(r.badLines));
  const [a, b] = sink.records.dns;
  assert.deepEqual(a!.answers, ['a;b', 'c,d']);
  assert.deepEqual(a!.TTLs, [1, 2.5]);
  assert.equal(a!.query, 'x|y\\z');
  assert.equal(a!.rcode_name, undefined);
  assert.equal(a!.ts, 100.5);
  assert.equal(a!.AA, false, 'missing flags default to false');
  assert.deepEqual(b!.answers, []);
  assert.equal(b!.query, '');
  assert.equal(b!.rcode_name, 'NXDOMAIN');
});

test('Zeek TSV: bad lines are counted with line numbers and reasons, good lines still read', async () => {
  const p = file('conn.bad.log', header('conn', CONN_FIELDS)
    + '1.0\tC1\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\t-\t1\t1\t1\tSF\tT\tF\t0\tS\t1\t1\t1\t1\t-\n' // 9: good
    + '1.0\tC2\t10.0.0.1\t1\t10.0.0.2\n' // 10: short
    + '1.0\tC3\t10.0.0.1\tnan?\t10.0.0.2\t80\ttcp\t-\t1\t1\t1\tSF\tT\tF\t0\tS\t1\t1\t1\t1\t-\n' // 11: bad port
    + '1.0\tC4\t10.0.0.300\t1\t10.0.0.2\t80\ttcp\t-\t1\t1\t1\tSF\tT\tF\t0\tS\t1\t1\t1\t1\t-\n' // 12: bad address
    + '1.0\t-\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\t-\t1\t1\t1\tSF\tT\tF\t0\tS\t1\t1\t1\t1\t-\n' // 13: no uid
    + '1.0\tC6\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\t-\t1\t1\t1\tSF\tX\tF\t0\tS\t1\t1\t1\t1\t-\textra\n' // 14: long
    + '2.0\tC7\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\t-\t1\t1\t1\tSF\tT\tF\t0\tS\t1\t1\t1\t1\t-'); // 15: good, no newline
  const sink = new MemorySink();
  const r = await readLogFile(p, sink);
  assert.deepEqual(sink.records.conn.map((c) => c.uid), ['C1', 'C7']);
  assert.equal(r.badLineCount, 5);
  assert.deepEqual(r.badLines.map((b) => b.line), [10, 11, 12, 13, 14]);
  assert.match(r.badLines[0]!.reason, /5 fields where #fields declares 21/);
  assert.match(r.badLines[1]!.reason, /bad number in id.orig_p: "nan\?"/);
  assert.match(r.badLines[2]!.reason, /bad address in id.orig_h/);
  assert.match(r.badLines[3]!.reason, /missing uid/);
  assert.match(r.badLines[4]!.reason, /22 fields/);
});

test('Zeek TSV: concatenated logs switch kind at each header; unread logs are counted as ignored', async () => {
  const p = file('all.log', header('files', ['ts', 'fuid']) + '1\tF1\n2\tF2\n'
    + header('dns', ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'query'])
    + '3\tCd\t10.0.0.1\t5\t10.0.0.2\t53\tExample.COM\n'
    + header('conn', ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'])
    + '4\tCc\t10.0.0.1\t5\t10.0.0.2\t53\n');
  // The first header names a log we do not read, so detection declines on it ...
  await assert.rejects(readLogFile(p, new MemorySink()), /zeek-tsv: log "files" is not one c2hunt reads/);
  // ... but once a file has started with a readable log, later blocks of other logs are counted.
  const q = file('all2.log', header('dns', ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'query'])
    + '3\tCd\t10.0.0.1\t5\t10.0.0.2\t53\tExample.COM\n' + header('files', ['ts', 'fuid']) + '1\tF1\n2\tF2\n'
    + header('conn', ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p']) + '4\tCc\t10.0.0.1\t5\t10.0.0.2\t53\n');
  const sink = new MemorySink();
  const r = await readLogFile(q, sink);
  assert.equal(sink.records.dns[0]!.query, 'Example.COM');
  assert.equal(sink.records.conn[0]!.proto, 'unknown_transport', 'conn needs only ts, uid and id.*');
  assert.equal(sink.records.conn[0]!.conn_state, 'OTH');
  assert.equal(sink.records.conn[0]!.community_id, '', 'no protocol, no community id');
  assert.deepEqual(r.ignored, { 'zeek:files': 2 });
});

test('Zeek open_* logs: interim conn records, named by the file when the header says conn', async () => {
  const line = '1517336042.090842\tCi85\t10.55.182.100\t14291\t10.233.233.5\t80\ttcp\t-\t3.000158\t0\t0\tS0\tT\tT\t0\tS\t2\t104\t0\t0\t(empty)\n';
  const sink = new MemorySink();
  const a = await readLogFile(file('open_conn.log', header('conn', CONN_FIELDS) + line), sink);
  const b = await readLogFile(file('open_conn.17_32_32-18_00_00.log.gz', gzipSync(header('open_conn', CONN_FIELDS) + line)), sink);
  const c = await readLogFile(file('conn_long.log', header('conn_long', CONN_FIELDS) + line), sink);
  assert.deepEqual([a.logPath, b.logPath, c.logPath], ['open_conn', 'open_conn', 'conn_long']);
  assert.deepEqual(sink.records.conn.map((r) => r.interim), [true, true, true]);
  assert.ok(b.bytes < b.textBytes, 'gzip read by its magic bytes');
});

test('Zeek ssl + x509: the certificate index fills subject, issuer, validity and SHA-1', async () => {
  const certs = new CertIndex();
  const sink = new MemorySink();
  const x = await readLogFile(file('x509.log', header('x509', ['ts', 'fingerprint', 'certificate.subject', 'certificate.issuer',
    'certificate.not_valid_before', 'certificate.not_valid_after'])
    + '1.0\taaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\tCN=a\tCN=R3\t100.000000\t200.000000\n'
    + '1.0\t8F51120600CCCCCDE8A38B38F88759E5AF95CACD\tCN=self\tCN=self\t100.000000\t200.000000\n'), sink, { certs });
  assert.equal(x.certificates, 2);
  const fields = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'version', 'cipher', 'server_name', 'cert_chain_fps', 'ja4'];
  await readLogFile(file('ssl.log', header('ssl', fields)
    + '2.0\tC1\t10.0.0.1\t5\t10.0.0.2\t443\tTLSv12\tTLS_AES\ta.example\taaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,bb\tt13d1516h2_8daaf6152771_e5627efa2ab1\n'
    + '2.0\tC2\t10.0.0.1\t6\t10.0.0.2\t443\tTLSv12\t-\tb.example\t8F51120600CCCCCDE8A38B38F88759E5AF95CACD\t-\n'
    + '2.0\tC3\t10.0.0.1\t7\t10.0.0.2\t443\t-\t-\tc.example\tunknown\t-\n'), sink, { certs });
  const [a, b, c] = sink.records.tls;
  assert.deepEqual(a, {
    ts: 2, uid: 'C1', orig_h: '10.0.0.1', orig_p: 5, resp_h: '10.0.0.2', resp_p: 443, version: 'TLSv12', cipher: 'TLS_AES',
    server_name: 'a.example', ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1', subject: 'CN=a', issuer: 'CN=R3',
    not_valid_before: 100, not_valid_after: 200, established: true, self_signed: false,
  });
  assert.equal(b!.self_signed, true);
  assert.equal(b!.cert_sha1, '8f51120600cccccde8a38b38f88759e5af95cacd');
  assert.equal(c!.subject, undefined);
  assert.equal(c!.established, false, 'no version, no cipher: no evidence of a ServerHello');
  // Without an index the x509 log is only counted.
  const alone = await readLogFile(join(dir, 'x509.log'), new MemorySink());
  assert.equal(alone.certificates, 2);
});

test('Zeek JSON: flat and nested ids, ISO and millisecond times, _path per line, open_ by file name', async () => {
  const p = file('open_conn.json', [
    '{"ts":1517336042.090842,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":80,"proto":"tcp","conn_state":"S0","_path":"conn"}',
    '{"ts":"2018-01-30T18:14:02.090842Z","uid":"C2","id":{"orig_h":"2001:0db8::1","orig_p":2,"resp_h":"10.0.0.2","resp_p":80},"proto":"udp","duration":null}',
    '{"ts":1517336042090,"uid":"C3","id.orig_h":"10.0.0.1","id.orig_p":3,"id.resp_h":"10.0.0.2","id.resp_p":80,"_path":"dns","query":"x.example","answers":["1.2.3.4"],"TTLs":[60.0],"AA":true}',
    '{"ts":1,"_path":"files","fuid":"F1"}',
    '{"ts":1,"uid":"C4","id.orig_h":"10.0.0.1","id.orig_p":"x","id.resp_h":"10.0.0.2","id.resp_p":80}',
    '[1,2]',
    '{"ts":1,"uid":"C5",',
    '',
  ].join('\n'));
  const sink = new MemorySink();
  const r = await readLogFile(p, sink);
  assert.equal(r.format, 'zeek-json');
  assert.equal(r.logPath, 'open_conn');
  assert.deepEqual(sink.records.conn.map((c) => [c.uid, c.ts, c.orig_h, c.interim]), [
    ['C1', 1517336042.090842, '10.0.0.1', true], ['C2', 1517336042.090842, '2001:db8::1', true]]);
  assert.equal(sink.records.conn[1]!.duration, 0);
  assert.deepEqual(sink.records.dns.map((d) => [d.ts, d.query, d.answers, d.TTLs, d.AA]), [[1517336042.09, 'x.example', ['1.2.3.4'], [60], true]]);
  assert.deepEqual(r.ignored, { 'zeek:files': 1 });
  assert.deepEqual(r.badLines.map((b) => b.line), [5, 6, 7]);
  assert.match(r.badLines[0]!.reason, /bad number in id.orig_p/);
  assert.match(r.badLines[1]!.reason, /not a JSON object/);
  assert.match(r.badLines[2]!.reason, /not JSON/);
});

test('a UTF-8 byte order mark does not cost the first line', async () => {
  const sink = new MemorySink();
  const r = await readLogFile(file('conn.bom.log', '\ufeff' + header('conn', ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'])
    + '4\tCc\t10.0.0.1\t5\t10.0.0.2\t53\n'), sink);
  assert.equal(r.badLineCount, 0);
  assert.equal(sink.records.conn.length, 1);
  const j = await readLogFile(file('conn.bom.json', '\ufeff{"ts":1,"uid":"C","id.orig_h":"1.1.1.1","id.orig_p":1,"id.resp_h":"2.2.2.2","id.resp_p":2}\n'), sink);
  assert.equal(j.badLineCount, 0);
  assert.equal(sink.records.conn.length, 2);
});

test('a sink that throws stops reading with its own error (it is not a bad line)', async () => {
  const p = file('conn.sinkfail.log', header('conn', ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'])
    + '4\tCc\t10.0.0.1\t5\t10.0.0.2\t53\n');
  const boom = new Error('disk full');
  await assert.rejects(readLogFile(p, { write() { throw boom; } }), (e) => e === boom);
});
