/**
 * Format detection (every reader's reason when none accepts) and the listing of log folders
 * (daily folders, rotated names in time order, x509 first, skipped files with reasons).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MemorySink } from '../records/writers.js';
import { detectLogFormat, listLogFiles, LogFormatError, readLogFile } from './index.js';
import { rotationKey } from './list.js';

const dir = mkdtempSync(join(tmpdir(), 'c2hunt-detect-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const TSV = '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\n1\tC1\t10.0.0.1\t1\t10.0.0.2\t2\n';

test('detectLogFormat: each format, with the Zeek path from header, file name or fields', () => {
  assert.deepEqual(detectLogFormat(TSV, 'whatever.log'), { format: 'zeek-tsv', path: 'conn' });
  assert.deepEqual(detectLogFormat(TSV.replace('#path\tconn\n', ''), 'open_conn.1.log'), { format: 'zeek-tsv', path: 'open_conn' });
  assert.deepEqual(detectLogFormat(TSV.replace('#path\tconn\n', ''), 'x.log'), { declined: [
    { reader: 'zeek-tsv', reason: 'cannot tell which Zeek log this is (no #path, telling file name or known fields)' },
    { reader: 'zeek-json', reason: 'first lines are not JSON (Unexpected token \'#\', "#separator \\x09" is not valid JSON)' },
    { reader: 'suricata-eve', reason: 'first lines are not JSON (Unexpected token \'#\', "#separator \\x09" is not valid JSON)' },
  ] });
  assert.deepEqual(detectLogFormat('\ufeff{"ts":1,"uid":"C","id.orig_h":"1.1.1.1","conn_state":"S0"}\n', 'x.json'), { format: 'zeek-json', path: 'conn' });
  assert.deepEqual(detectLogFormat('{"ts":1,"_path":"dns"}\n', 'x.json'), { format: 'zeek-json', path: 'dns' });
  assert.deepEqual(detectLogFormat('{"timestamp":"2024-01-01T00:00:00Z","event_type":"stats"}\n', 'x'), { format: 'suricata-eve' });
  // A first line cut by the head window does not count; one complete line is enough.
  assert.deepEqual(detectLogFormat('junk\n{"timestamp":"2024-01-01T00:00:00Z","event_type":"flow"}\n{"timest', 'x'), { format: 'suricata-eve' });
});

test('detectLogFormat: reasons of every reader', () => {
  const r = detectLogFormat('{"ts":1,"_path":"files","fuid":"F"}\n', 'files.log');
  assert.ok('declined' in r);
  assert.deepEqual(r.declined.map((d) => d.reader), ['zeek-tsv', 'zeek-json', 'suricata-eve']);
  assert.match(r.declined[1]!.reason, /log "files" is not one c2hunt reads \(it reads conn, open_conn/);
  assert.match(r.declined[2]!.reason, /no "event_type"/);
  const e = detectLogFormat('{"event_type":"flow"}\n', 'eve.json');
  assert.ok('declined' in e);
  assert.equal(e.declined[1]!.reason, 'objects have an "event_type" (Suricata EVE)');
  assert.equal(e.declined[2]!.reason, 'event has no "timestamp"');
  const empty = detectLogFormat('', 'x');
  assert.ok('declined' in empty && empty.declined.every((d) => d.reason === 'file is empty'));
  const bin = detectLogFormat('ab\0cd', 'x');
  assert.ok('declined' in bin && bin.declined.every((d) => d.reason === 'binary data, not text'));
});

test('readLogFile: "Cannot read FILE" lists every reason; captures and other compressions are named', async () => {
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'hello\nworld\n');
  await assert.rejects(readLogFile(text, new MemorySink()), (e: unknown) => {
    assert.ok(e instanceof LogFormatError);
    assert.equal(e.code, 'C2HUNT_ERR_LOG_FORMAT');
    assert.match(e.message, /^Cannot read .*notes\.txt: zeek-tsv: first line is not a "#separator" header; zeek-json: first lines are not JSON .*; suricata-eve: first lines are not JSON/);
    return true;
  });
  const pcap = join(dir, 'x.pcap');
  writeFileSync(pcap, Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0]));
  await assert.rejects(readLogFile(pcap, new MemorySink()), /a packet capture, not a log: use `c2hunt analyze`/);
  const bz = join(dir, 'conn.log.bz2');
  writeFileSync(bz, 'BZh91AY&SY');
  await assert.rejects(readLogFile(bz, new MemorySink()), /bzip2-compressed/);
  const empty = join(dir, 'empty.log');
  writeFileSync(empty, '');
  await assert.rejects(readLogFile(empty, new MemorySink()), /file is empty/);
});

test('readLogFile: a truncated gzip keeps the lines before the cut and reports it', async () => {
  let body = TSV;
  for (let i = 0; i < 5000; i++) body += `${i}\tC${i}\t10.0.0.1\t1\t10.0.0.2\t2\n`;
  const gz = gzipSync(body);
  const p = join(dir, 'conn.cut.log.gz');
  writeFileSync(p, gz.subarray(0, Math.floor(gz.length * 0.6)));
  const sink = new MemorySink();
  const progress: number[] = [];
  const r = await readLogFile(p, sink, { onProgress: (b, total) => progress.push(b / total) });
  assert.ok(sink.records.conn.length > 1000 && sink.records.conn.length < 5001, String(sink.records.conn.length));
  // The line cut in the middle is bad (too few fields) unless the cut fell on a newline.
  assert.ok(r.badLineCount === 1 || r.badLineCount === 2, JSON.stringify(r.badLines));
  assert.deepEqual(r.badLines.at(-1), { line: r.lines + 1, reason: 'input ends early (unexpected end of file)' });
  assert.equal(progress.at(-1), 1);
});

test('a line longer than the limit is one bad line and reading resumes after it', async () => {
  const p = join(dir, 'conn.long.log');
  writeFileSync(p, TSV + 'x'.repeat(5 * 1024 * 1024) + '\n' + '2\tC2\t10.0.0.1\t1\t10.0.0.2\t2\n');
  const sink = new MemorySink();
  const r = await readLogFile(p, sink);
  assert.deepEqual(sink.records.conn.map((c) => c.uid), ['C1', 'C2']);
  assert.deepEqual(r.badLines, [{ line: 8, reason: 'line longer than 4194304 characters' }]);
  assert.equal(r.lines, 9);
});

test('rotationKey: Zeek rotation times, dated names, logrotate numbers, current file last', () => {
  assert.equal(rotationKey('conn.04:00:00-05:00:00.log.gz'), 4 * 3600);
  assert.equal(rotationKey('open_conn.17_32_32-18_00_00.log.gz'), 17 * 3600 + 32 * 60 + 32);
  assert.equal(rotationKey('conn.2024-01-01-10-00-00.log'), Date.UTC(2024, 0, 1, 10) / 1000);
  assert.equal(rotationKey('eve-2024-01-02.json.gz'), Date.UTC(2024, 0, 2) / 1000);
  assert.ok(rotationKey('eve.json.2') < rotationKey('eve.json.1'));
  assert.equal(rotationKey('conn.log'), Infinity);
});

test('listLogFiles: daily folders in order, rotated files by time, x509 before ssl, skips with reasons', () => {
  const root = join(dir, 'logs');
  const touch = (rel: string, content = 'x'): void => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), content);
  };
  for (const name of ['conn.10:00:00-11:00:00.log.gz', 'conn.09:00:00-10:00:00.log.gz', 'ssl.09:00:00-10:00:00.log.gz',
    'x509.09:00:00-10:00:00.log.gz', 'files.09:00:00-10:00:00.log.gz', 'conn.23:00:00-00:00:00.log.gz']) {
    touch(`2024-04-20/${name}`);
  }
  touch('2024-04-19/dns.12:00:00-13:00:00.log.gz');
  touch('current/conn.log');
  touch('current/open_conn.log');
  touch('current/empty_dns.log', 'x');
  touch('current/dns.log', '');
  touch('current/README');
  touch('current/.hidden.log');
  touch('current/conn.log.xz');
  touch('suricata/eve.json');
  touch('suricata/eve.json.1');
  const extra = join(dir, 'named-explicitly.txt');
  writeFileSync(extra, 'x');
  const { files, skipped } = listLogFiles([root, extra, join(dir, 'missing')]);
  assert.deepEqual(files.map((f) => relative(dir, f)), [
    'named-explicitly.txt', // its folder sorts before logs/
    'logs/2024-04-19/dns.12:00:00-13:00:00.log.gz',
    'logs/2024-04-20/x509.09:00:00-10:00:00.log.gz',
    'logs/2024-04-20/conn.09:00:00-10:00:00.log.gz',
    'logs/2024-04-20/ssl.09:00:00-10:00:00.log.gz',
    'logs/2024-04-20/conn.10:00:00-11:00:00.log.gz',
    'logs/2024-04-20/conn.23:00:00-00:00:00.log.gz',
    'logs/current/conn.log',
    'logs/current/open_conn.log',
    'logs/suricata/eve.json.1',
    'logs/suricata/eve.json',
  ]);
  const why = Object.fromEntries(skipped.map((s) => [relative(dir, s.path), s.reason]));
  assert.deepEqual(why, {
    'logs/2024-04-20/files.09:00:00-10:00:00.log.gz': 'log "files" is not one c2hunt reads',
    'logs/current/.hidden.log': 'hidden file',
    'logs/current/README': 'not a log file name',
    'logs/current/conn.log.xz': 'compression not supported (gzip only): decompress it first',
    'logs/current/dns.log': 'empty file',
    'logs/current/empty_dns.log': 'log "empty_dns" is not one c2hunt reads',
    missing: 'not found',
  });
});
